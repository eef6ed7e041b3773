"""The demo's needs assessments: what the cohort's public documents say of each comune.

Figures, settlements and projects come from COHORT-FACTS (the public documentation of the
InCaS programme) and name it as their source. Whatever is not documented there (most worker
counts, the crop calendars, months and services of the places listed) is plainly illustrative:
its source or its text says "dato illustrativo", so nothing invented reads as the real fact.
Reference years are 2022, the year of the first cycle's assessments (the replay's clock).

Written through the step services, by the holder of the open task, under the flow's lock.
"""

from plm_workflow.steps.assessment import (
    assessment_copy_previous,
    assessment_save,
    assessment_submit,
)

SOURCE = "Documentazione pubblica del programma InCaS (ANCI/Cittalia)"
ILLUSTRATIVE = "dato illustrativo"
# Every count not documented says so in its source.
ILLUSTRATIVE_SOURCE = "Dato illustrativo della demo: cifra non documentata pubblicamente"
YEAR = 2022
SECOND_CYCLE_NOTE = (
    "Secondo ciclo (illustrativo): analisi ripresa dal piano 2022-2023 e confermata in attesa "
    "di dati aggiornati."
)
DRAFT_NOTE = (
    "Bozza del secondo ciclo (illustrativa): cifre e calendario ripresi dal 2022, da aggiornare."
)


def _months(first: int, last: int) -> list[int]:
    """The months from ``first`` to ``last``, across the new year if need be, sorted."""
    if first <= last:
        return list(range(first, last + 1))
    return sorted([*range(first, 13), *range(1, last + 1)])


def _figure(group: str, low: int, high: int, kind: str, source: str) -> dict:
    return {
        f"{group}_min": low,
        f"{group}_max": high,
        f"{group}_kind": kind,
        f"{group}_year": YEAR,
        f"{group}_source": source,
    }


def _crop(name: str, first: int, last: int) -> dict:
    """A crop whose calendar is not documented: its name says it is illustrative."""
    return {"name": f"{name} (calendario illustrativo)", "months": _months(first, last)}


def _place(name, kind, *, notes, capacity=None, people_peak=None, months=()) -> dict:
    return {
        "name": name,
        "kind": kind,
        "people_peak": people_peak,
        "people_off_season": None,
        "capacity": capacity,
        "months": list(months),
        "water": "unknown",
        "electricity": "unknown",
        "sanitation": "unknown",
        "notes": notes,
    }


def _sources(documented: str, illustrative: str) -> str:
    return f"{SOURCE}: {documented}. Dati illustrativi della demo, non documentati: {illustrative}."


HOUSING_TO_SURVEY = "Altre condizioni abitative: dato illustrativo, da rilevare."

# The first cycle's assessment of each cohort comune, by ISTAT code: the keyword arguments of
# ``assessment_save`` (fields, crops, settlements).
FIRST_CYCLE = {
    "076043": {  # Lavello
        "fields": {
            **_figure(
                "resident",
                300,
                500,
                "estimated",
                f"{ILLUSTRATIVE_SOURCE}; la {SOURCE} descrive una manodopera straniera "
                "stabile, non solo stagionale",
            ),
            "housing": (
                "Manodopera straniera stabile, non solo stagionale; centro regionale di "
                "accoglienza per circa 150 lavoratori stagionali (documentazione pubblica "
                f"InCaS). {HOUSING_TO_SURVEY}"
            ),
            "services": (
                "Centro regionale di accoglienza per circa 150 lavoratori stagionali (4,2 "
                "milioni di euro, PON Legalità). Kick-off del 6 luglio 2022 con una bozza di "
                "Masterplan (documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "1. Tutela dei lavoratori agricoli dallo sfruttamento. 2. Soluzioni abitative "
                "per una manodopera anche stabile. (I due gruppi di lavoro del kick-off, "
                "documentazione pubblica InCaS.)"
            ),
            "data_sources": _sources(
                "contesto del comune, centro di accoglienza, kick-off del 6 luglio 2022",
                "numero dei lavoratori residenti, calendario colturale, mesi di apertura del "
                "centro",
            ),
        },
        "crops": [_crop("Pomodoro da industria", 7, 9), _crop("Uva da vino", 9, 10)],
        "settlements": [
            _place(
                "Centro regionale di accoglienza per lavoratori stagionali",
                "reception_centre",
                capacity=150,
                months=_months(6, 10),
                notes=(
                    "Circa 150 posti; 4,2 milioni di euro, PON Legalità (documentazione "
                    "pubblica InCaS). Mesi di apertura: dato illustrativo."
                ),
            )
        ],
    },
    "089017": {  # Siracusa
        "fields": {
            **_figure("seasonal", 800, 1_200, "estimated", ILLUSTRATIVE_SOURCE),
            "housing": (
                "Manodopera concentrata a Cassibile; ostello fino a 110 persone dall'aprile "
                f"2021 (documentazione pubblica InCaS). {HOUSING_TO_SURVEY}"
            ),
            "services": (
                "Ostello fino a 110 persone dall'aprile 2021. Protocollo provinciale del "
                "maggio 2021 con INPS, centro per l'impiego, ITL, datori di lavoro, sindacati "
                "ed ente bilaterale agricolo (EBAT) (documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "Incontro regolare tra domanda e offerta di lavoro e alloggio a Cassibile nei "
                "mesi di raccolta (sintesi illustrativa della demo)."
            ),
            "data_sources": _sources(
                "manodopera a Cassibile, ostello, protocollo provinciale del maggio 2021",
                "numero dei lavoratori stagionali, calendario colturale, mesi dell'ostello",
            ),
        },
        "crops": [_crop("Patata novella", 2, 5), _crop("Agrumi", 11, 3)],
        "settlements": [
            _place(
                "Ostello per lavoratori stagionali",
                "reception_centre",
                capacity=110,
                months=_months(2, 6),
                notes=(
                    "Fino a 110 persone, aperto dall'aprile 2021 (documentazione pubblica "
                    "InCaS). Mesi: dato illustrativo."
                ),
            )
        ],
    },
    "078157": {  # Corigliano-Rossano
        "fields": {
            **_figure("seasonal", 1_500, 2_500, "estimated", ILLUSTRATIVE_SOURCE),
            "housing": (
                "Insediamento informale vicino alla costa, a Schiavonea (documentazione "
                f"pubblica InCaS). {HOUSING_TO_SURVEY}"
            ),
            "services": (
                "Associazioni contro il caporalato, Caritas, Migrantes e CREA nel percorso; "
                "coordinamento interno con l'ufficio PNRR (documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "1. Molte vittime sono donne cittadine dell'Unione europea. 2. Formazione per "
                "l'inserimento stabile e la professionalizzazione. 3. L'insediamento "
                "informale di Schiavonea. (Documentazione pubblica InCaS.)"
            ),
            "data_sources": _sources(
                "insediamento di Schiavonea, vittime, partecipanti e metodo del percorso",
                "numero dei lavoratori stagionali, calendario colturale, mesi dell'insediamento",
            ),
        },
        "crops": [_crop("Agrumi, clementine", 10, 2), _crop("Olive", 10, 12)],
        "settlements": [
            _place(
                "Insediamento informale vicino alla costa (Schiavonea)",
                "informal",
                months=_months(10, 2),
                notes=(
                    "Documentato (documentazione pubblica InCaS). Presenze e servizi non "
                    "documentati; mesi: dato illustrativo."
                ),
            )
        ],
    },
    "009002": {  # Albenga
        "fields": {
            **_figure(
                "resident",
                250,
                250,
                "declared",
                f"{SOURCE}: circa 250 lavoratori agricoli stranieri dichiarati (anno di "
                "riferimento e gruppo, residenti o stagionali: dato illustrativo)",
            ),
            "housing": (
                "La documentazione pubblica non descrive dove vivono i lavoratori: alloggi "
                "privati in affitto nella piana, dato illustrativo da verificare con le "
                "organizzazioni locali."
            ),
            "services": (
                "Rete locale del primo incontro (2 agosto 2022): fondazione Caritas della "
                "diocesi, ARCI, CPIA, Migrantes, due enti dell'accoglienza. Proposta PNRR: "
                "hub sociale con sportello, aule di formazione e bottega-laboratorio, più 15 "
                "mini-alloggi da 3 posti letto (circa 4 milioni di euro) (documentazione "
                "pubblica InCaS)."
            ),
            "key_issues": (
                "Il comune conta il 28% delle aziende agricole liguri (documentazione pubblica "
                "InCaS): alloggio dignitoso e accesso ai servizi per i lavoratori stranieri "
                "(sintesi illustrativa della demo)."
            ),
            "data_sources": _sources(
                "lavoratori dichiarati, quota delle aziende agricole liguri, rete locale, "
                "proposta PNRR",
                "anno di riferimento, calendario colturale, alloggi",
            ),
        },
        "crops": [_crop("Piante aromatiche in vaso", 3, 10), _crop("Ortaggi, carciofo", 11, 4)],
        "settlements": [
            _place(
                "Alloggi privati in affitto nella piana (dato illustrativo)",
                "other",
                notes="Dato illustrativo: la documentazione pubblica non ne parla.",
            )
        ],
    },
    "061027": {  # Castel Volturno
        "fields": {
            **_figure("resident", 2_000, 3_000, "estimated", ILLUSTRATIVE_SOURCE),
            "housing": (
                "La documentazione pubblica non descrive le condizioni abitative: dato "
                "illustrativo, da rilevare con il tavolo permanente in Prefettura."
            ),
            "services": (
                "Tavolo permanente contro lo sfruttamento presso la Prefettura di Caserta dal "
                "gennaio 2022, con ITL, INPS, INAIL, ASL, sindacati, terzo settore e OIM; "
                "Regione Campania nel percorso (documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "Coordinamento tra Comune, Prefettura e Regione nella prevenzione e nella "
                "vigilanza (sintesi illustrativa della demo)."
            ),
            "data_sources": _sources(
                "tavolo permanente in Prefettura, partecipanti",
                "numero dei lavoratori residenti, calendario colturale, alloggi",
            ),
        },
        "crops": [_crop("Ortaggi, pomodoro", 6, 9), _crop("Allevamento bufalino", 1, 12)],
        "settlements": [
            _place(
                "Abitazioni private sovraffollate (dato illustrativo)",
                "overcrowded_housing",
                notes="Dato illustrativo: la documentazione pubblica non ne parla.",
            )
        ],
    },
    "029041": {  # Rovigo
        "fields": {
            **_figure("seasonal", 400, 700, "estimated", ILLUSTRATIVE_SOURCE),
            "housing": (
                "La documentazione pubblica non descrive le condizioni abitative: dato "
                "illustrativo, da rilevare."
            ),
            "services": (
                "Progetto PNRR di 1.129.164,77 euro per circa 10 alloggi temporanei "
                "(documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "Valorizzazione del lavoro agricolo e contrasto allo sfruttamento (sintesi "
                "illustrativa della demo)."
            ),
            "data_sources": _sources(
                "progetto PNRR per gli alloggi temporanei",
                "numero dei lavoratori stagionali, calendario colturale, alloggi",
            ),
        },
        "crops": [_crop("Frutta, pere e mele", 7, 10), _crop("Orticole", 4, 9)],
        "settlements": [
            _place(
                "Alloggi temporanei in strutture private (dato illustrativo)",
                "other",
                notes="Dato illustrativo: la documentazione pubblica non ne parla.",
            )
        ],
    },
    "004203": {  # Saluzzo
        "fields": {
            **_figure(
                "seasonal",
                10_000,
                12_000,
                "estimated",
                f"{SOURCE}: 10.000-12.000 stagionali l'anno, il 70% stranieri (anno di "
                "riferimento e tipo di dato: dato illustrativo)",
            ),
            "housing": (
                "Stagione da maggio (piccoli frutti) a dicembre (mele): 10.000-12.000 "
                "stagionali l'anno, il 70% stranieri; dormitorio stagionale di accoglienza da "
                f"360 posti dal 2018 (documentazione pubblica InCaS). {HOUSING_TO_SURVEY}"
            ),
            "services": (
                "Dormitorio stagionale da 360 posti dal 2018. Progetto PNRR di 1.693.747,15 "
                "euro per 52 posti letto (documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "Alloggio nei mesi di picco, oltre i 360 posti del dormitorio, e incontro tra "
                "domanda e offerta di lavoro (sintesi illustrativa della demo)."
            ),
            "data_sources": _sources(
                "stagionali, stagione da maggio a dicembre, dormitorio, progetto PNRR",
                "mesi centrali del calendario colturale, mesi di apertura del dormitorio",
            ),
        },
        "crops": [
            {"name": "Piccoli frutti (da maggio; durata: dato illustrativo)", "months": [5, 6, 7]},
            {"name": "Mele (fino a dicembre; inizio: dato illustrativo)", "months": _months(8, 12)},
        ],
        "settlements": [
            _place(
                "Dormitorio stagionale di accoglienza",
                "reception_centre",
                capacity=360,
                months=_months(5, 12),
                notes=(
                    "360 posti dal 2018 (documentazione pubblica InCaS). Mesi di apertura: dato "
                    "illustrativo."
                ),
            )
        ],
    },
    "043042": {  # Porto Recanati
        "fields": {
            **_figure(
                "resident",
                500,
                500,
                "declared",
                f"{SOURCE}: circa 500 lavoratori dichiarati (anno di riferimento: dato "
                "illustrativo)",
            ),
            "housing": (
                "Circa 500 lavoratori dichiarati vivono in due grandi complessi residenziali "
                "(documentazione pubblica InCaS). Sovraffollamento e stato degli alloggi: dato "
                "illustrativo, da rilevare."
            ),
            "transport": (
                "I lavoratori lavorano nei comuni vicini (documentazione pubblica InCaS); "
                "mezzi di trasporto: dato illustrativo, da rilevare."
            ),
            "services": (
                "Progetto PNRR di 7.958.238,25 euro per 115 posti letto con tre comuni vicini "
                "(documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "Alloggio dignitoso fuori dai due complessi e spostamenti verso i campi dei "
                "comuni vicini (sintesi illustrativa della demo)."
            ),
            "data_sources": _sources(
                "lavoratori dichiarati, complessi residenziali, lavoro nei comuni vicini, "
                "progetto PNRR",
                "anno di riferimento, calendario colturale, stato degli alloggi",
            ),
        },
        "crops": [_crop("Ortaggi in pieno campo nei comuni vicini", 4, 9)],
        "settlements": [
            _place(
                "Due grandi complessi residenziali",
                "overcrowded_housing",
                people_peak=500,
                months=_months(1, 12),
                notes=(
                    "Circa 500 lavoratori dichiarati (documentazione pubblica InCaS). "
                    "Sovraffollamento, presenze fuori stagione e servizi: dato illustrativo."
                ),
            )
        ],
    },
    "071051": {  # San Severo
        "fields": {
            **_figure("seasonal", 3_000, 5_000, "estimated", ILLUSTRATIVE_SOURCE),
            "housing": (
                "La documentazione pubblica non descrive le condizioni abitative: dato "
                "illustrativo, da rilevare."
            ),
            "services": (
                "Piano d'azione PNRR di 27.832.952,99 euro, con 2.000 posti letto previsti "
                "(documentazione pubblica InCaS)."
            ),
            "key_issues": (
                "Superamento degli insediamenti informali e alloggio nei mesi di raccolta "
                "(sintesi illustrativa della demo)."
            ),
            "data_sources": _sources(
                "piano d'azione PNRR",
                "numero dei lavoratori stagionali, calendario colturale, insediamenti",
            ),
        },
        "crops": [_crop("Pomodoro", 7, 9), _crop("Uva", 8, 10), _crop("Olive", 10, 12)],
        "settlements": [
            _place(
                "Insediamento informale nelle campagne (dato illustrativo)",
                "informal",
                notes="Dato illustrativo: la documentazione pubblica non ne parla.",
            )
        ],
    },
}


def first_cycle_data(istat: str) -> dict:
    """Return the keyword arguments of ``assessment_save`` for a comune's first cycle."""
    facts = FIRST_CYCLE[istat]
    return {
        "fields": dict(facts["fields"]),
        "crops": [dict(row) for row in facts["crops"]],
        "settlements": [dict(row) for row in facts["settlements"]],
    }


def draft_data(istat: str) -> dict:
    """A second cycle's partial draft: figures, crops and housing, without the key issues
    and the settlements (what the demo leaves for its user to write)."""
    data = first_cycle_data(istat)
    data["fields"] |= {
        "key_issues": "",
        "data_sources": f"{data['fields']['data_sources']}\n{DRAFT_NOTE}",
    }
    data["settlements"] = []
    return data


# --- The filler's steps: each runs under the flow's lock, by the holder of the open task ----


def first_cycle(plan, by) -> None:
    """Submit the first cycle's assessment of the plan's comune."""
    assessment_submit(plan=plan, by=by, **first_cycle_data(plan.comune.istat_code))


def second_cycle(plan, by) -> None:
    """Start from a copy of the last adopted plan's assessment, note it, and submit it."""
    copy = assessment_copy_previous(plan=plan, by=by)
    assessment_submit(
        plan=plan,
        by=by,
        fields={"data_sources": f"{copy.data_sources}\n{SECOND_CYCLE_NOTE}".strip()},
        crops=[{"id": pk} for pk in copy.crops.order_by("pk").values_list("pk", flat=True)],
        settlements=[
            {"id": pk} for pk in copy.settlements.order_by("pk").values_list("pk", flat=True)
        ],
        seen_version=copy.revision,
    )


def second_cycle_draft(plan, by) -> None:
    """Save (not submit) a partial draft, for a demo user to finish."""
    assessment_save(plan=plan, by=by, seen_version=0, **draft_data(plan.comune.istat_code))
