"""The demo's stakeholder tables: organisations, the core table, thematic groups and meetings.

What COHORT-FACTS documents (the public documentation of the InCaS programme) is used as it
is: the dates of the meetings it names, the themes of Lavello's two working groups, the
participants it lists, Saluzzo's co-design table and Corigliano-Rossano's core group. Those
items name their source ("documentazione pubblica InCaS"). Everything else is plainly
illustrative: an organisation or a table not documented says so in its name ("dato
illustrativo", "nome illustrativo" where only the kind of body is documented), and every
meeting says in its agenda or minutes which parts are illustrative. No person is named.

The first cycle's tables are written over the weeks of the phase, each write on its date:
the organisations and tables when the phase opens (with the documented meetings held before
it, recorded then); each meeting in the phase on its day; at submission a meeting still to
come (no minutes yet), whose minutes and attendance are added in drafting with the
documented meetings that came after the approval of the tables (Corigliano-Rossano's 22
February and 13 June 2023, Rovigo's Stati Generali of 5 May 2023): the late additions.

Written through the step services, by the holder of the open task (or, in drafting, by a
coordinator of the plan), under the flow's lock (see ``flows.demo``).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.text import slugify

from plm_workflow.plans.models import Meeting, Organisation, StakeholderTable
from plm_workflow.plans.pdfs import one_page_pdf
from plm_workflow.steps.tables import meeting_save, organisation_save, table_save, tables_submit

ROME = ZoneInfo("Europe/Rome")
D = datetime.date
SOURCE = "documentazione pubblica InCaS"
ILLUSTRATIVE = "dato illustrativo"
# Steps' kinds: a save of the open task's holder; the submission; a late addition in drafting.
HOLD, SUBMIT, LATE = "hold", "submit", "late"
# Every third undocumented meeting keeps its minutes as a PDF, the others as text.
PDF_EVERY = 3
ONLINE_EVERY = 5
ONLINE = "https://videoconferenza.example.org/{slug}"


def _illustrative(name: str) -> str:
    return f"{name} ({ILLUSTRATIVE})"


def _named(name: str) -> str:
    """A body whose kind is documented, not its name."""
    return f"{name} (nome illustrativo)"


@dataclass(frozen=True)
class Org:
    key: str
    name: str
    kind: str
    themes: str = ""  # the groups it sits in: H(ousing) P(rotection) I(ntermediation) ...
    core: bool = False  # a member of the core table


THEME_LETTERS = {
    "housing": "H",
    "protection": "P",
    "intermediation": "I",
    "transport": "T",
    "health": "S",
    "other": "O",
}

# The bodies a comune's tables usually gather, most common first: where COHORT-FACTS does not
# name them they are illustrative (a comune's facts replace an entry by its key).
ROSTER = (
    Org("prefettura", "Prefettura di {cap}", "prefettura", "PIH", core=True),
    Org("regione", "Regione {region}", "regione", "HIT", core=True),
    Org("inps", "INPS, direzione provinciale di {cap}", "inps", "PI", core=True),
    Org("itl", "Ispettorato territoriale del lavoro di {cap}", "labour_inspectorate", "PI", True),
    Org("cpi", "Centro per l'impiego del territorio", "job_centre", "IO", core=True),
    Org("asl", "Azienda sanitaria locale del territorio", "asl", "SH", core=True),
    Org("cgil", "FLAI CGIL {cap}", "union", "PIH", core=True),
    Org("cisl", "FAI CISL {cap}", "union", "PI", core=True),
    Org("uil", "UILA UIL {cap}", "union", "PT", core=True),
    Org("coldiretti", "Coldiretti {cap}", "employers", "IHT", core=True),
    Org("confagricoltura", "Confagricoltura {cap}", "employers", "IT", core=True),
    Org("cia", "CIA Agricoltori italiani {cap}", "employers", "IH", core=True),
    Org("caritas", "Caritas diocesana", "third_sector", "HS", core=True),
    Org("arci", "ARCI del territorio", "third_sector", "HO"),
    Org("accoglienza", "Cooperativa sociale per l'accoglienza", "third_sector", "HS"),
    Org("mediazione", "Associazione di mediazione interculturale", "third_sector", "SOP"),
    Org("sportello", "Sportello legale per i diritti dei lavoratori", "third_sector", "PI"),
    Org("anticaporalato", "Associazione contro il caporalato", "third_sector", "P"),
    Org("inail", "INAIL, sede di {cap}", "other", "PS"),
    Org("carabinieri", "Nucleo carabinieri ispettorato del lavoro di {cap}", "other", "P"),
    Org("oim", "OIM, Organizzazione internazionale per le migrazioni", "international", "PS"),
    Org("cpia", "Centro provinciale per l'istruzione degli adulti (CPIA)", "other", "O"),
    Org("trasporti", "Azienda del trasporto pubblico locale", "other", "T"),
    Org("ebat", "Ente bilaterale agricolo territoriale", "other", "I"),
    Org("medici", "Associazione di medici volontari", "third_sector", "S"),
    Org("universita", "Dipartimento universitario di scienze sociali", "research", "OH"),
    Org("copagri", "Copagri {cap}", "employers", "I"),
    Org("camera", "Camera di commercio di {cap}", "other", "IO"),
    Org("volontariato", "Centro servizi per il volontariato", "third_sector", "OT"),
    Org("parrocchie", "Rete delle parrocchie del territorio", "third_sector", "H"),
)


@dataclass(frozen=True)
class Held:
    """A documented meeting: its date and what COHORT-FACTS says of it."""

    day: datetime.date
    hour: int
    agenda: str
    minutes: str
    table: int = 0  # 0: the core table; n: the n-th thematic group
    place: str = ""
    present: tuple[str, ...] | None = None  # organisations' keys; None: illustrative
    # Organisations present (when documented: all members of the table), and the people
    # present beyond one per organisation (illustrative).
    all_members: bool = False
    present_kinds: tuple[str, ...] = ()  # and every organisation of these kinds
    extra_people: int = 6
    decisions: str = ""


@dataclass(frozen=True)
class Facts:
    cap: str  # the province's capital, seat of the Prefettura
    region: str
    size: int  # organisations of the comune, itself included
    core: tuple[str, bool]  # the core table's name, and whether it is documented
    groups: tuple[tuple[str, str, bool], ...]  # theme, name, documented
    documented: tuple[Org, ...] = ()  # bodies COHORT-FACTS names (or whose kind it names)
    held: tuple[Held, ...] = ()
    prefer: tuple[str, ...] = ()  # roster entries taken first
    core_all: bool = False  # every organisation sits at the core table
    core_rounds: int = 2  # illustrative meetings of the core table in the phase
    group_rounds: int = 2  # and of each thematic group
    convenors: dict = field(default_factory=dict)  # table index → organisation key


def _group(theme, name, documented=False):
    return (theme, name if documented else _illustrative(name), documented)


def _retro(kind: str) -> str:
    return f"Incontro registrato a posteriori: {kind} (data documentata, {SOURCE})."


UNDOCUMENTED_RECORD = (
    f"Interventi, presenze e numero dei partecipanti non sono documentati pubblicamente: "
    f"{ILLUSTRATIVE}."
)

FACTS = {
    "076043": Facts(  # Lavello
        cap="Potenza",
        region="Basilicata",
        size=25,
        core=(_named("Tavolo primario del piano"), False),
        groups=(
            _group(
                "protection",
                "Gruppo di lavoro 1: tutela dei lavoratori agricoli dallo sfruttamento",
                True,
            ),
            _group("housing", "Gruppo di lavoro 2: soluzioni abitative", True),
        ),
        held=(
            Held(
                D(2022, 7, 6),
                10,
                agenda=(
                    "Kick-off del percorso con la presentazione di una bozza di Masterplan e "
                    f"l'avvio di due gruppi di lavoro ({SOURCE})."
                ),
                minutes=(
                    "Presentata la bozza di Masterplan; avviati i gruppi di lavoro su tutela "
                    "dei lavoratori agricoli dallo sfruttamento e soluzioni abitative "
                    f"({SOURCE}). {UNDOCUMENTED_RECORD}"
                ),
                decisions="Costituzione dei due gruppi di lavoro del kick-off (" + SOURCE + ").",
            ),
        ),
        core_rounds=3,
        group_rounds=4,
    ),
    "089017": Facts(  # Siracusa
        cap="Siracusa",
        region="Sicilia",
        size=27,
        core=(_named("Tavolo primario del piano"), False),
        groups=(
            _group("intermediation", "Incontro tra domanda e offerta di lavoro a Cassibile"),
            _group("housing", "Accoglienza e ostello per i lavoratori stagionali"),
            _group("protection", "Tutela dei lavoratori e vigilanza"),
            _group("transport", "Trasporti verso i campi"),
        ),
        # The bodies of the provincial protocol of May 2021.
        documented=(
            Org("inps", "INPS, direzione provinciale di Siracusa", "inps", "PI", True),
            Org("cpi", "Centro per l'impiego di Siracusa", "job_centre", "IO", True),
            Org(
                "itl",
                "Ispettorato territoriale del lavoro di Siracusa",
                "labour_inspectorate",
                "PI",
                True,
            ),
            Org("ebat", "Ente bilaterale agricolo territoriale (EBAT)", "other", "I", True),
        ),
        held=(
            Held(
                D(2022, 7, 13),
                10,
                agenda=(
                    "Primo incontro del percorso; il protocollo provinciale del maggio 2021 "
                    f"con INPS, centro per l'impiego, ITL, datori di lavoro, sindacati ed EBAT "
                    f"({SOURCE})."
                ),
                minutes=f"{_retro('primo incontro')} {UNDOCUMENTED_RECORD}",
                present=("inps", "cpi", "itl", "ebat", "coldiretti", "cgil"),
            ),
            Held(
                D(2022, 8, 1),
                10,
                agenda=f"Secondo incontro del percorso ({SOURCE}).",
                minutes=f"{_retro('secondo incontro')} {UNDOCUMENTED_RECORD}",
                present=("inps", "cpi", "itl", "ebat", "cisl", "prefettura"),
            ),
        ),
    ),
    "078157": Facts(  # Corigliano-Rossano
        cap="Cosenza",
        region="Calabria",
        size=28,
        core=("Gruppo primario", True),
        groups=(
            _group("other", "Formazione per l'inserimento e la professionalizzazione"),
            _group("protection", "Tutela delle lavoratrici e dei lavoratori"),
            _group("housing", "Abitare e insediamento informale di Schiavonea"),
            _group("health", "Salute e accesso ai servizi"),
            _group("intermediation", "Lavoro regolare e intermediazione pubblica"),
        ),
        documented=(
            Org("caritas", "Caritas", "third_sector", "HS", True),
            Org("migrantes", "Migrantes", "third_sector", "HO", True),
            Org(
                "crea",
                "CREA, Consiglio per la ricerca in agricoltura e l'analisi dell'economia agraria",
                "research",
                "OI",
                True,
            ),
            Org(
                "anticaporalato",
                _named("Associazione contro il caporalato A"),
                "third_sector",
                "P",
                True,
            ),
            Org(
                "anticaporalato2",
                _named("Associazione contro il caporalato B"),
                "third_sector",
                "PO",
            ),
        ),
        held=(
            Held(
                D(2022, 7, 25),
                10,
                agenda=(
                    "Prima riunione del gruppo primario; metodo del percorso: incontri "
                    "bilaterali, tavoli tematici, coordinamento interno con l'ufficio PNRR "
                    f"({SOURCE})."
                ),
                minutes=(
                    f"{_retro('prima riunione del gruppo primario')} Partecipanti del "
                    "percorso documentati: associazioni contro il caporalato, Caritas, "
                    f"Migrantes, CREA ({SOURCE}); presenze a questa riunione e interventi: "
                    f"{ILLUSTRATIVE}."
                ),
                present=("caritas", "migrantes", "crea", "anticaporalato", "anticaporalato2"),
            ),
            Held(
                D(2023, 2, 22),
                10,
                agenda=(
                    "Riunione del percorso ("
                    + SOURCE
                    + "): le dieci azioni prioritarie del piano nazionale e la formazione per "
                    "l'inserimento e la professionalizzazione (temi: " + ILLUSTRATIVE + ")."
                ),
                minutes=(
                    f"Data della riunione documentata ({SOURCE}). {UNDOCUMENTED_RECORD} "
                    "Registrata durante la stesura del piano."
                ),
                present=("caritas", "migrantes", "crea", "anticaporalato", "regione", "cpi"),
                extra_people=9,
            ),
            Held(
                D(2023, 6, 13),
                17,
                agenda=f"Assemblea pubblica di presentazione del piano ({SOURCE}).",
                minutes=(
                    f"Assemblea pubblica di presentazione del piano ({SOURCE}). Luogo, "
                    f"interventi, presenze e numero dei partecipanti: {ILLUSTRATIVE}. "
                    "Registrata durante la stesura del piano."
                ),
                place="Sala consiliare (luogo illustrativo)",
                all_members=True,
                extra_people=45,
            ),
        ),
    ),
    "009002": Facts(  # Albenga
        cap="Savona",
        region="Liguria",
        size=26,
        core=(_named("Tavolo con le organizzazioni locali"), False),
        groups=(
            _group("housing", "Abitare: hub sociale e mini-alloggi"),
            _group("other", "Lingua, formazione e orientamento"),
            _group("health", "Salute e mediazione"),
            _group("protection", "Tutela e diritti dei lavoratori"),
        ),
        documented=(
            Org("caritas", "Fondazione Caritas della diocesi", "third_sector", "HS", True),
            Org("arci", "ARCI", "third_sector", "HO", True),
            Org(
                "cpia",
                "CPIA, Centro provinciale per l'istruzione degli adulti",
                "other",
                "O",
                True,
            ),
            Org("migrantes", "Migrantes", "third_sector", "HS", True),
            Org("accoglienza", _named("Ente dell'accoglienza A"), "third_sector", "HS", True),
            Org("accoglienza2", _named("Ente dell'accoglienza B"), "third_sector", "HP", True),
        ),
        held=(
            Held(
                D(2022, 8, 2),
                10,
                agenda=f"Primo incontro con le organizzazioni locali ({SOURCE}).",
                minutes=(
                    f"{_retro('primo incontro con le organizzazioni locali')} Partecipanti "
                    "documentati: fondazione Caritas della diocesi, ARCI, CPIA, Migrantes, "
                    f"due enti dell'accoglienza ({SOURCE}); interventi e numero dei "
                    f"partecipanti: {ILLUSTRATIVE}."
                ),
                present=("caritas", "arci", "cpia", "migrantes", "accoglienza", "accoglienza2"),
                extra_people=4,
            ),
        ),
    ),
    "061027": Facts(  # Castel Volturno
        cap="Caserta",
        region="Campania",
        size=30,
        core=(_named("Tavolo primario del piano"), False),
        groups=(
            _group("protection", "Raccordo con il tavolo permanente contro lo sfruttamento"),
            _group("housing", "Abitare e condizioni alloggiative"),
            _group("health", "Salute e accesso ai servizi"),
            _group("intermediation", "Lavoro regolare e intermediazione"),
        ),
        # The kick-off's participants, the plan's working group, and the bodies of the
        # Prefettura's permanent anti-exploitation table (since January 2022).
        documented=(
            Org("prefettura", "Prefettura di Caserta", "prefettura", "PIH", True),
            Org("regione", "Regione Campania", "regione", "HIT", True),
            Org("anci", "ANCI", "other", "O", True),
            Org("cittalia", "Cittalia", "research", "O", True),
            Org("itl", "Ispettorato territoriale del lavoro (ITL)", "labour_inspectorate", "PI"),
            Org("inps", "INPS", "inps", "PI", True),
            Org("inail", "INAIL", "other", "PS"),
            Org("asl", "ASL", "asl", "SH", True),
            Org(
                "oim", "OIM, Organizzazione internazionale per le migrazioni", "international", "PS"
            ),
        ),
        held=(
            Held(
                D(2022, 10, 6),
                11,
                agenda=(
                    "Avvio pubblico del percorso in sala consiliare, con Prefettura di "
                    f"Caserta e Regione Campania ({SOURCE})."
                ),
                minutes=(
                    f"{_retro('avvio pubblico del percorso')} Il piano è redatto da un "
                    f"gruppo di lavoro di ANCI, Comune e Cittalia ({SOURCE}). Interventi, "
                    f"altre presenze e numero dei partecipanti: {ILLUSTRATIVE}."
                ),
                place="Sala consiliare",
                present=("prefettura", "regione", "anci", "cittalia"),
                extra_people=30,
            ),
        ),
        convenors={1: "prefettura"},
    ),
    "029041": Facts(  # Rovigo
        cap="Rovigo",
        region="Veneto",
        size=28,
        core=(_named("Tavolo primario del piano"), False),
        groups=(
            _group("intermediation", "Valorizzazione del lavoro agricolo"),
            _group("protection", "Contrasto allo sfruttamento"),
            _group("housing", "Alloggi temporanei"),
            _group("transport", "Trasporti e mobilità"),
            _group("health", "Salute e servizi"),
        ),
        documented=(
            Org("prefettura", "Prefettura di Rovigo", "prefettura", "PIH", True),
            Org("anci", "ANCI", "other", "O", True),
            Org("castelguglielmo", "Comune di Castelguglielmo", "comune", "HT", True),
            Org("rete", _named("Rete del terzo settore"), "third_sector", "HPS", True),
        ),
        held=(
            *(
                Held(
                    D(2023, 5, 5),
                    hour,
                    agenda=(
                        "Stati Generali del Lavoro Agricolo, una giornata di tavoli "
                        f"partecipati ({SOURCE}): {session}."
                    ),
                    minutes=(
                        "Giornata per la valorizzazione del lavoro agricolo e il contrasto "
                        "allo sfruttamento; partecipanti documentati: rete del terzo settore, "
                        "attori dell'economia rurale, sindacati, Prefettura, ANCI, Comune di "
                        f"Castelguglielmo ({SOURCE}). Contenuti della sessione, presenze e "
                        f"numero dei partecipanti: {ILLUSTRATIVE}. Registrata durante la "
                        "stesura del piano."
                    ),
                    table=table,
                    place="Sede degli Stati Generali (luogo illustrativo)",
                    present=(
                        "prefettura",
                        "anci",
                        "castelguglielmo",
                        "rete",
                        "cgil",
                        "coldiretti",
                    ),
                    extra_people=extra,
                )
                for table, hour, session, extra in (
                    (0, 9, "sessione plenaria di apertura", 60),
                    (1, 11, "tavolo sul lavoro agricolo", 15),
                    (2, 11, "tavolo sul contrasto allo sfruttamento", 15),
                    (3, 14, "tavolo sugli alloggi temporanei", 12),
                    (4, 14, "tavolo sui trasporti", 10),
                    (5, 16, "tavolo sulla salute", 10),
                )
            ),
        ),
        group_rounds=1,
    ),
    "004203": Facts(  # Saluzzo
        cap="Cuneo",
        region="Piemonte",
        size=34,
        core=("Tavolo di coprogettazione territoriale partecipata", True),
        core_all=True,
        prefer=(
            "cgil",
            "cisl",
            "uil",
            "coldiretti",
            "confagricoltura",
            "cia",
            "copagri",
            "caritas",
            "arci",
            "accoglienza",
            "mediazione",
            "sportello",
            "anticaporalato",
            "medici",
            "volontariato",
        ),
        groups=(
            _group("intermediation", "Incontro tra domanda e offerta di lavoro"),
            _group("housing", "Accoglienza stagionale e alloggi"),
            _group("transport", "Trasporti verso le aziende"),
            _group("health", "Salute dei lavoratori stagionali"),
            _group("protection", "Tutela e legalità"),
        ),
        # The session of 26 January 2023: Regione, ITL, INPS, CREA, OIM; employers, unions,
        # third sector and about ten neighbouring comuni (documented as kinds of body).
        documented=(
            Org("regione", "Regione Piemonte", "regione", "HIT", True),
            Org(
                "itl",
                "Ispettorato territoriale del lavoro (ITL)",
                "labour_inspectorate",
                "PI",
                True,
            ),
            Org("inps", "INPS", "inps", "PI", True),
            Org(
                "crea",
                "CREA, Consiglio per la ricerca in agricoltura e l'analisi dell'economia agraria",
                "research",
                "OI",
                True,
            ),
            Org(
                "oim",
                "OIM, Organizzazione internazionale per le migrazioni",
                "international",
                "PS",
                True,
            ),
            *(
                Org(
                    f"vicino{n}", _named(f"Comune vicino {n}"), "comune", "T" if n < 4 else "", True
                )
                for n in range(1, 11)
            ),
        ),
        held=(
            Held(
                D(2023, 1, 26),
                10,
                agenda=(
                    "Sessione del tavolo sull'incontro tra domanda e offerta di lavoro, con "
                    f"oltre 30 enti ({SOURCE})."
                ),
                minutes=(
                    "Sessione sull'incontro tra domanda e offerta di lavoro con oltre 30 enti: "
                    "Regione Piemonte, ITL, INPS, CREA, OIM, datori di lavoro, sindacati, "
                    "terzo settore, sindaci o assessori di una decina di comuni vicini "
                    f"({SOURCE}). Nomi dei singoli enti dove non documentati, interventi e "
                    f"numero dei partecipanti: {ILLUSTRATIVE}."
                ),
                place="Saluzzo (sede: dato illustrativo)",
                present=("regione", "itl", "inps", "crea", "oim"),
                present_kinds=("comune", "employers", "union", "third_sector"),
                extra_people=12,
            ),
        ),
    ),
    "043042": Facts(  # Porto Recanati
        cap="Macerata",
        region="Marche",
        size=27,
        core=("Tavolo primario", True),
        groups=(
            _group("housing", "Abitare oltre i due complessi residenziali"),
            _group("transport", "Spostamenti verso i comuni vicini"),
            _group("protection", "Tutela e vigilanza"),
            _group("intermediation", "Lavoro regolare e intermediazione"),
        ),
        documented=(
            Org("prefettura", "Prefettura di Macerata", "prefettura", "PIH", True),
            Org("regione", "Regione Marche", "regione", "HIT", True),
            Org("inps", "INPS", "inps", "PI", True),
            Org("itl", "Ispettorato del Lavoro", "labour_inspectorate", "PI", True),
            Org("coldiretti", "Coldiretti", "employers", "IHT", True),
            Org("cia", "CIA", "employers", "IH", True),
            Org("cgil", "CGIL", "union", "PIH", True),
            Org("cisl", "CISL", "union", "PI", True),
            Org("uil", "UIL", "union", "PT", True),
        ),
        held=(
            Held(
                D(2023, 1, 9),
                10,
                agenda=f"Tavolo primario del piano ({SOURCE}).",
                minutes=(
                    f"{_retro('tavolo primario')} Partecipanti documentati: Prefettura di "
                    "Macerata, Regione Marche, INPS, Ispettorato del Lavoro, Coldiretti, CIA, "
                    f"CGIL, CISL, UIL e l'intera Giunta comunale ({SOURCE}). Interventi e "
                    f"numero dei partecipanti: {ILLUSTRATIVE}."
                ),
                present=(
                    "prefettura",
                    "regione",
                    "inps",
                    "itl",
                    "coldiretti",
                    "cia",
                    "cgil",
                    "cisl",
                    "uil",
                ),
                extra_people=10,
            ),
        ),
    ),
    "071051": Facts(  # San Severo
        cap="Foggia",
        region="Puglia",
        size=24,
        core=(_named("Tavolo primario del piano"), False),
        groups=(
            _group("housing", "Superamento degli insediamenti informali"),
            _group("protection", "Tutela e vigilanza"),
            _group("health", "Salute e presidi sanitari"),
        ),
        core_rounds=3,
        group_rounds=3,
    ),
}


# --- What each meeting says (illustrative) ------------------------------------------------------

TOPICS = {
    "": (
        "insediamento del tavolo, metodo di lavoro e calendario degli incontri",
        "esiti dell'analisi dei bisogni e priorità del piano",
        "proposte dei gruppi tematici e prime schede intervento",
        "risorse disponibili e ruolo dei partner nelle azioni",
    ),
    "housing": (
        "fabbisogno abitativo nei mesi di picco e soluzioni temporanee",
        "patrimonio pubblico disponibile e intermediazione con i proprietari",
        "accoglienza diffusa e regole di gestione degli alloggi",
        "progetti di edilizia per i lavoratori e tempi di realizzazione",
    ),
    "protection": (
        "mappa dei servizi di tutela e dei canali di segnalazione dello sfruttamento",
        "sportelli informativi e percorsi di emersione per le vittime",
        "controlli coordinati e formazione degli operatori",
        "accordi con le aziende per il lavoro regolare",
    ),
    "intermediation": (
        "canali pubblici di incontro tra domanda e offerta di lavoro",
        "ruolo del centro per l'impiego e degli enti bilaterali",
        "liste di prenotazione e calendario delle campagne di raccolta",
        "formazione e certificazione delle competenze",
    ),
    "transport": (
        "spostamenti tra alloggi e campi: orari, percorsi e costi",
        "navette stagionali e accordi con le aziende",
        "biciclette, sicurezza stradale e illuminazione dei percorsi",
    ),
    "health": (
        "accesso ai servizi sanitari e iscrizione al servizio sanitario",
        "presidi mobili e mediazione linguistica",
        "salute e sicurezza sul lavoro nei mesi caldi",
    ),
    "other": (
        "corsi di lingua italiana e orientamento ai servizi",
        "percorsi di professionalizzazione e riconoscimento delle competenze",
        "formazione per l'inserimento stabile",
    ),
}

DECISIONS = (
    "condivisa la mappa dei servizi; ogni partner invia i propri dati entro il prossimo incontro",
    "costituito un sottogruppo ristretto per la stesura delle schede intervento",
    "approvato il calendario dei prossimi incontri",
    "chiesto al Comune di verificare le risorse disponibili",
    "concordata una proposta da portare al tavolo primario",
)


def _topic(theme: str, round_: int) -> str:
    topics = TOPICS[theme]
    return topics[round_ % len(topics)]


def _agenda(theme: str, round_: int) -> str:
    return f"{_topic(theme, round_).capitalize()} (ordine del giorno: {ILLUSTRATIVE})."


def _minutes(table_name: str, theme: str, round_: int) -> str:
    return (
        f"Verbale illustrativo della demo. L'incontro del tavolo “{table_name}” ha discusso "
        f"di {_topic(theme, round_)}; i partner hanno riportato la situazione dei loro servizi "
        f"e le criticità della stagione. Interventi, presenze e numero dei partecipanti: "
        f"{ILLUSTRATIVE}."
    )


def _decisions(index: int) -> str:
    return f"{DECISIONS[index % len(DECISIONS)].capitalize()} ({ILLUSTRATIVE})."


def _minutes_pdf(comune_name: str, table_name: str, starts_at) -> SimpleUploadedFile:
    day = starts_at.astimezone(ROME)
    # One line on an A4 page: the table is named by the file.
    content = one_page_pdf(
        f"Verbale illustrativo della demo, non un atto reale - {comune_name}, {day:%d/%m/%Y}"
    )
    name = f"verbale-{slugify(table_name)[:60]}-{day:%Y-%m-%d}.pdf"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


# --- The comune's organisations and the tables --------------------------------------------------


def organisations(istat: str) -> list[Org]:
    """The comune's organisations besides itself: the documented ones, then the roster's
    (illustrative, labelled) up to the comune's size."""
    facts = FACTS[istat]
    found = list(facts.documented)
    keys = {org.key for org in found}
    first = [entry for entry in ROSTER if entry.key in facts.prefer]
    for entry in first + [entry for entry in ROSTER if entry.key not in facts.prefer]:
        if len(found) >= facts.size - 1:
            break
        if entry.key in keys:
            continue
        name = entry.name.format(cap=facts.cap, region=facts.region)
        found.append(Org(entry.key, _illustrative(name), entry.kind, entry.themes, entry.core))
        keys.add(entry.key)
    return found


def _theme(istat: str, table: int) -> str:
    return "" if table == 0 else FACTS[istat].groups[table - 1][0]


def _table_name(istat: str, table: int) -> str:
    facts = FACTS[istat]
    return facts.core[0] if table == 0 else facts.groups[table - 1][1]


def _members(istat: str, table: int) -> list[Org]:
    theme = _theme(istat, table)
    if table == 0:
        return [org for org in organisations(istat) if org.core or FACTS[istat].core_all]
    return [org for org in organisations(istat) if THEME_LETTERS[theme] in org.themes]


class _Rows:
    """The plan's organisations (by key) and tables (by index), read once per step."""

    def __init__(self, plan):
        self.istat = plan.comune.istat_code
        by_name = {
            row.name: row.pk for row in Organisation.objects.filter(comune_id=plan.comune_id)
        }
        self.itself = Organisation.objects.get(comune_id=plan.comune_id, is_the_comune=True).pk
        self.orgs = {org.key: by_name.get(org.name) for org in organisations(self.istat)}
        names = dict(StakeholderTable.objects.filter(plan=plan).values_list("name", "pk"))
        self.tables = {
            index: names.get(_table_name(self.istat, index))
            for index in range(len(FACTS[self.istat].groups) + 1)
        }

    def members(self, table: int) -> list[int]:
        return [self.itself] + [self.orgs[org.key] for org in _members(self.istat, table)]


def _open(plan, by) -> None:
    """The phase opens: the comune's organisations, the core table and the thematic groups."""
    istat = plan.comune.istat_code
    existing = set(
        Organisation.objects.filter(comune_id=plan.comune_id).values_list("name", flat=True)
    )
    for org in organisations(istat):
        if org.name not in existing:
            organisation_save(plan=plan, by=by, name=org.name, kind=org.kind)
    rows = _Rows(plan)
    facts = FACTS[istat]
    for index in range(len(facts.groups) + 1):
        theme = _theme(istat, index)
        convenor = facts.convenors.get(index)
        table_save(
            plan=plan,
            by=by,
            kind="core" if index == 0 else "thematic",
            theme=theme,
            name=_table_name(istat, index),
            convenor_id=rows.orgs[convenor] if convenor else rows.itself,
            members=rows.members(index),
        )


# --- Meetings ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Meeting:
    table: int
    starts_at: datetime.datetime
    agenda: str
    minutes: str
    decisions: str
    place: str
    online_link: str
    present: Callable  # rows → organisations' pks
    extra_people: int
    pdf: bool


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ROME)


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _spread(days: list, count: int) -> list:
    if count <= 1:
        return days[len(days) // 2 : len(days) // 2 + count]
    return [days[round(i * (len(days) - 1) / (count - 1))] for i in range(count)]


def _some(members: list[int], index: int) -> list[int]:
    """Most of a table's members (the comune always), as an illustrative attendance."""
    return [pk for n, pk in enumerate(members) if n == 0 or (n + index) % 4 != 3]


def _documented(istat: str, held: Held) -> _Meeting:
    def present(rows):
        if held.all_members:
            return rows.members(held.table)
        keys = [key for key in held.present or () if rows.orgs.get(key)]
        keys += [
            org.key
            for org in organisations(istat)
            if org.kind in held.present_kinds and org.key not in keys
        ]
        return [rows.itself] + [rows.orgs[key] for key in keys]

    return _Meeting(
        table=held.table,
        starts_at=_at(held.day, held.hour),
        agenda=held.agenda,
        minutes=held.minutes,
        decisions=(held.decisions or f"Decisioni: {ILLUSTRATIVE}."),
        place=held.place or f"Sala riunioni del Comune ({ILLUSTRATIVE})",
        online_link="",
        present=present if held.present or held.all_members or held.present_kinds else None,
        extra_people=held.extra_people,
        pdf=False,
    )


def _illustrative_meetings(istat: str, opens: datetime.date, submits: datetime.date):
    """The illustrative meetings held while the tables are open, round by round, each on
    its own working day (the core table first in each round)."""
    facts = FACTS[istat]
    rounds = []
    for round_ in range(max(facts.core_rounds, facts.group_rounds)):
        if round_ < facts.core_rounds:
            rounds.append((0, round_))
        if round_ < facts.group_rounds:
            rounds += [(index, round_) for index in range(1, len(facts.groups) + 1)]
    days = _spread(
        _working_days(opens + datetime.timedelta(days=2), submits - datetime.timedelta(days=3)),
        len(rounds),
    )
    meetings = []
    for number, ((table, round_), day) in enumerate(zip(rounds, days, strict=True)):
        theme = _theme(istat, table)
        name = _table_name(istat, table)
        online = number % ONLINE_EVERY == ONLINE_EVERY - 1
        meetings.append(
            _Meeting(
                table=table,
                starts_at=_at(day, 10 if table == 0 else 15, 30 if number % 2 else 0),
                agenda=_agenda(theme, round_),
                minutes=_minutes(name, theme, round_),
                decisions=_decisions(number),
                place="" if online else f"Sala riunioni del Comune ({ILLUSTRATIVE})",
                online_link=ONLINE.format(slug=f"{istat}-{slugify(name)[:40]}") if online else "",
                present=lambda rows, table=table, number=number: _some(rows.members(table), number),
                extra_people=2 + number % 5,
                pdf=number % PDF_EVERY == PDF_EVERY - 1,
            )
        )
    return meetings


def _record(meeting: _Meeting):
    """A step writing ``meeting`` with its minutes and attendance."""

    def write(plan, by):
        rows = _Rows(plan)
        present = (
            meeting.present(rows) if meeting.present else _some(rows.members(meeting.table), 1)
        )
        upload = None
        minutes = meeting.minutes
        if meeting.pdf:
            upload = _minutes_pdf(
                plan.comune.name, _table_name(rows.istat, meeting.table), meeting.starts_at
            )
            minutes = ""
        meeting_save(
            plan=plan,
            by=by,
            table=rows.tables[meeting.table],
            starts_at=meeting.starts_at,
            place=meeting.place,
            online_link=meeting.online_link,
            agenda=meeting.agenda,
            attendance=present,
            head_count=len(present) + meeting.extra_people,
            minutes=minutes,
            minutes_upload=upload,
            decisions=meeting.decisions,
        )

    return write


# --- The first cycle, step by step --------------------------------------------------------------


def _scheduled(istat: str, approved: datetime.date) -> tuple[int, datetime.datetime]:
    """The meeting set at submission, still to come, held in drafting: (table, starts_at)."""
    day = _working_days(
        approved + datetime.timedelta(days=6), approved + datetime.timedelta(days=12)
    )[0]
    return len(FACTS[istat].groups), _at(day, 15)


def _submit(istat: str, approved: datetime.date):
    table, starts_at = _scheduled(istat, approved)

    def write(plan, by):
        rows = _Rows(plan)
        meeting_save(
            plan=plan,
            by=by,
            table=rows.tables[table],
            starts_at=starts_at,
            place=f"Sala riunioni del Comune ({ILLUSTRATIVE})",
            agenda=(
                f"{_topic(_theme(istat, table), 3).capitalize()} (incontro fissato al termine "
                f"della fase; ordine del giorno: {ILLUSTRATIVE})."
            ),
        )
        tables_submit(plan=plan, by=by)

    return write


def _scheduled_minutes(istat: str, approved: datetime.date):
    """In drafting, the meeting set at submission gets its minutes (a PDF) and attendance."""
    table, starts_at = _scheduled(istat, approved)

    def write(plan, by):
        rows = _Rows(plan)
        meeting = Meeting.objects.get(table_id=rows.tables[table], starts_at=starts_at)
        present = _some(rows.members(table), 2)
        meeting_save(
            plan=plan,
            by=by,
            table=meeting.table_id,
            pk=meeting.pk,
            seen_version=meeting.revision,
            attendance=present,
            head_count=len(present) + 3,
            minutes_upload=_minutes_pdf(plan.comune.name, _table_name(istat, table), starts_at),
        )

    return write


def first_cycle_steps(istat: str, *, opens, submits, approved) -> list[tuple]:
    """The first cycle's writes, each ``(moment, kind, write(plan, by))``: a save of the
    task's holder (HOLD) while the tables are open from ``opens``, the submission (SUBMIT)
    on ``submits``, and the late additions (LATE) in drafting, after the approval on
    ``approved``."""
    facts = FACTS[istat]
    opened = _at(opens, 15)
    steps = [(opened, HOLD, _open)]
    for held in facts.held:
        meeting = _documented(istat, held)
        if held.day > approved:
            steps.append((_at(held.day, 19), LATE, _record(meeting)))
        elif held.day <= opens:
            steps.append((opened, HOLD, _record(meeting)))  # recorded when the phase opened
        elif held.day < submits:
            steps.append((_at(held.day, 19), HOLD, _record(meeting)))
        else:
            raise ValueError(f"{istat}: the meeting of {held.day} falls in the tables' check")
    for meeting in _illustrative_meetings(istat, opens, submits):
        steps.append((meeting.starts_at.replace(hour=19, minute=0), HOLD, _record(meeting)))
    steps.append((_at(submits, 10), SUBMIT, _submit(istat, approved)))
    _table, starts_at = _scheduled(istat, approved)
    steps.append((starts_at.replace(hour=19), LATE, _scheduled_minutes(istat, approved)))
    return sorted(steps, key=lambda step: step[0])


# --- The second cycle (illustrative) ------------------------------------------------------------

SECOND = "secondo ciclo, illustrativo"


def _existing(plan, kinds) -> list[int]:
    """The comune's first organisation of each kind in ``kinds`` (the comune itself first)."""
    rows = list(
        Organisation.objects.filter(comune_id=plan.comune_id).order_by("-is_the_comune", "pk")
    )
    found = [rows[0].pk]
    for kind in kinds:
        match = next((row.pk for row in rows if row.kind == kind and row.pk not in found), None)
        if match:
            found.append(match)
    return found


def _today_at(offset_days: int, hour: int = 10) -> datetime.datetime:
    """Today's date moved by ``offset_days`` (negative: in the past), at ``hour``."""
    today = timezone.localdate(timezone.now(), ROME)
    return _at(today + datetime.timedelta(days=offset_days), hour)


def _second_cycle_tables(plan, by, groups) -> tuple:
    newcomer = organisation_save(
        plan=plan,
        by=by,
        name=_illustrative("Associazione entrata nel secondo ciclo"),
        kind="third_sector",
    )
    members = _existing(
        plan, ["prefettura", "inps", "labour_inspectorate", "union", "employers", "third_sector"]
    )
    members.append(newcomer.pk)
    core = table_save(
        plan=plan,
        by=by,
        kind="core",
        name=f"Tavolo primario 2026-2028 ({SECOND})",
        convenor_id=members[0],
        members=members,
    )
    made = [
        table_save(
            plan=plan,
            by=by,
            kind="thematic",
            theme=theme,
            name=f"{name} ({SECOND})",
            convenor_id=members[0],
            members=members[: 3 + n],
        )
        for n, (theme, name) in enumerate(groups)
    ]
    return core, made, members


def _second_meeting(plan, by, table, members, *, in_days, recorded=True, pdf=False):
    """A meeting ``in_days`` from today (negative: held); if ``recorded``, with its minutes
    (text, or a PDF) and attendance."""
    starts_at = _today_at(in_days)
    present = members[: max(2, len(members) - 1)] if recorded else []
    text = (
        f"Verbale illustrativo della demo ({SECOND}): aggiornamento delle azioni del piano "
        f"precedente. Interventi e presenze: {ILLUSTRATIVE}."
    )
    upload = _minutes_pdf(plan.comune.name, table.name, starts_at) if recorded and pdf else None
    return meeting_save(
        plan=plan,
        by=by,
        table=table.pk,
        starts_at=starts_at,
        place=f"Sala riunioni del Comune ({ILLUSTRATIVE})",
        agenda=f"Avvio del {SECOND}: bilancio del piano precedente ({ILLUSTRATIVE}).",
        attendance=present,
        head_count=len(present) + 3 if recorded else None,
        minutes=text if recorded and not pdf else "",
        minutes_upload=upload,
        decisions=f"Calendario del {SECOND} ({ILLUSTRATIVE})." if recorded else "",
    )


def second_cycle(plan, by) -> None:
    """Small complete tables (illustrative): a core table and a group that met; submitted."""
    core, groups, members = _second_cycle_tables(
        plan, by, [("protection", "Tutela e vigilanza"), ("housing", "Abitare")]
    )
    _second_meeting(plan, by, core, members, in_days=-21)
    _second_meeting(plan, by, groups[0], members[:3], in_days=-14, pdf=True)
    _second_meeting(plan, by, groups[1], members[:4], in_days=-7)
    tables_submit(plan=plan, by=by)


def second_cycle_draft(plan, by) -> None:
    """Lavello's second cycle, partial: organisations and tables; the protection group met,
    the core table's meeting has no minutes nor attendance yet, the housing group's is still
    to come. The demo user adds the core table's minutes and submits."""
    core, groups, members = _second_cycle_tables(
        plan,
        by,
        [
            ("protection", "Gruppo di lavoro 1: tutela dei lavoratori agricoli dallo sfruttamento"),
            ("housing", "Gruppo di lavoro 2: soluzioni abitative"),
        ],
    )
    _second_meeting(plan, by, core, members, in_days=-5, recorded=False)
    _second_meeting(plan, by, groups[0], members[:3], in_days=-12, pdf=True)
    _second_meeting(plan, by, groups[1], members[:4], in_days=10, recorded=False)
