"""The demo's drafts: each cohort plan's text and measures, and its rounds of review.

Sections and measures draw on COHORT-FACTS (the public documentation of the InCaS programme)
and name it where they use it ("documentazione pubblica InCaS"): Saluzzo's 10,000-12,000
seasonal workers from May to December and its 360-place dormitory, Lavello's reception centre
for about 150 seasonal workers, Siracusa's hostel at Cassibile, the informal settlement of
Schiavonea, the documented meetings and participants. Every measure says which of its parts
are illustrative; the funding amounts COHORT-FACTS documents (the PNRR M5C2 investment 2.2
projects of Saluzzo, Rovigo, Porto Recanati, San Severo and Albenga's bid, rounded to its
documented "about 4 million"; Lavello's 4.2 million of PON Legalità) are used as they are,
every other amount is an "importo illustrativo", and its measure says so. No CUP is given:
none is documented, and the demo invents none. Corigliano-Rossano's 2.6 million PNRR hostel
was announced in 2025: its plan, drafted in 2023, cannot know it.

The first cycle is written over the weeks of the phase, each write on its date, by the
holder of the draft task: context and governance (Rovigo's after the Stati Generali of 5 May
2023, Corigliano-Rossano's after its meeting of 22 February 2023), the measures one by one,
then the objectives and the monitoring (which list the measures and their indicators);
submitted; returned by the facilitator with comments, some on a section or a measure;
revised (an amount, a section, a measure added or removed: the review page's "what changed
since the last round"); submitted again and approved. San Severo stalls with a partial
draft. Second-cycle plans (illustrative): Siracusa's and Saluzzo's complete (Saluzzo's
returned once and under review again), Rovigo's partial, for a demo user to finish.

Written through the step services (``plm_workflow.steps.drafting``) under the flow's lock
(see ``flows.demo``); the facilitator's decisions are ``Decision`` steps.
"""

import datetime
from dataclasses import dataclass, replace
from decimal import Decimal

from plm_workflow.deadlines.calendar import next_working_day
from plm_workflow.plans.models import (
    FundingLine,
    FundingSource,
    Indicator,
    Measure,
    Organisation,
    PriorityAction,
    SectionKey,
    StakeholderTable,
)
from plm_workflow.steps.drafting import draft_submit, measure_remove, measure_save, sections_save

from . import tables

D = datetime.date
SOURCE = "documentazione pubblica InCaS"
ILLUSTRATIVE = "illustrativo"
AMOUNT_DOCUMENTED = f"Importo documentato ({SOURCE})."
AMOUNT_ILLUSTRATIVE = "Finanziamento: importo illustrativo."
AMOUNT_MIXED = (
    f"Finanziamento: importo {{source}} documentato ({SOURCE}); gli altri: importo illustrativo."
)
# How the measure's description names a source whose amount is documented.
DOCUMENTED_SOURCES = {
    FundingSource.PNRR_M5C2_22: "PNRR",
    FundingSource.PON_LEGALITA: "PON Legalità",
}
AMOUNT_MISSING = "Finanziamento: fonte ancora da individuare."
# Steps' kinds: a save of the draft task's holder; the submission; a facilitator's decision.
HOLD, SUBMIT, DECIDE = "hold", "submit", "decide"
ITSELF = "comune"  # the key of the comune's own organisation
NEWCOMER = f"Associazione entrata nel secondo ciclo ({tables.ILLUSTRATIVE})"  # tables.py's
PNRR = FundingSource.PNRR_M5C2_22


@dataclass(frozen=True)
class Line:
    """A funding line; ``documented``: its amount is COHORT-FACTS'."""

    source: str
    amount: str
    documented: bool = False


@dataclass(frozen=True)
class Ind:
    name: str
    unit: str
    baseline: int
    target: int
    source: str
    target_date: datetime.date | None = None


@dataclass(frozen=True)
class M:
    """A measure: its priority action, lead and partners by organisation key (tables.py)."""

    action: int
    title: str
    body: str
    lead: str
    partners: tuple[str, ...]
    starts: datetime.date
    ends: datetime.date
    funding: tuple[Line, ...]
    indicators: tuple[Ind, ...]


@dataclass(frozen=True)
class Revision:
    """A round returned and what the coordinator changed before submitting again."""

    comments: str
    notes: tuple[tuple[str, str], ...]  # (a section's key or a measure's title, comment)
    edits: tuple[tuple[str, str, str], ...] = ()  # (section, old text, new; "" old: appended)
    changed: tuple[tuple[str, dict], ...] = ()  # (measure's title, its fields replaced)
    removed: tuple[str, ...] = ()  # measures' titles
    added: tuple[M, ...] = ()


@dataclass(frozen=True)
class Draft:
    context: str
    aim: str  # the general objective, first paragraph of the objectives
    governance: str  # the comune's own paragraph of the governance
    measures: tuple[M, ...]
    revision: Revision | None = None
    sections_on: datetime.date | None = None  # context and governance (default: 3 weeks in)
    missing: tuple[str, ...] = ()  # sections left empty (a partial draft)


@dataclass(frozen=True)
class Decision:
    """A facilitator's decision, with comments on sections and measures (by title)."""

    decision: str
    comments: str = ""
    notes: tuple[tuple[str, str], ...] = ()

    def items(self, plan) -> list[dict]:
        """The ``item_comments`` of ``review_decide``: the measures found by their title."""
        found = []
        for target, text in self.notes:
            if target in SectionKey.values:
                found.append({"section": target, "text": text})
            else:
                found.append({"measure": _measure(plan, target).pk, "text": text})
        return found


# --- The texts ----------------------------------------------------------------------------------


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def funding_note(funding) -> str:
    """What the measure's description says of its amounts: documented, or illustrative."""
    if not funding:
        return AMOUNT_MISSING
    documented = [line for line in funding if line.documented]
    if len(documented) == len(funding):
        return AMOUNT_DOCUMENTED
    if documented:
        return AMOUNT_MIXED.format(source=DOCUMENTED_SOURCES[documented[0].source])
    return AMOUNT_ILLUSTRATIVE


def description(measure: M) -> str:
    return f"{measure.body} {funding_note(measure.funding)}"


def _tables_of(plan) -> tuple[str, list[str]]:
    rows = list(StakeholderTable.objects.filter(plan=plan).order_by("pk"))
    core = next((row.name for row in rows if row.kind == "core"), "tavolo primario")
    return core, [row.name for row in rows if row.kind == "thematic"]


def objectives(draft: Draft, measures) -> str:
    lines = [
        f"- {measure.title} (azione prioritaria {measure.action})"
        for measure in sorted(measures, key=lambda measure: measure.action)
    ]
    return (
        f"{draft.aim}\n\nObiettivi specifici, ciascuno legato a un'azione prioritaria del "
        "piano nazionale 2020-2022:\n" + "\n".join(lines)
    )


def governance(plan, draft: Draft) -> str:
    core, groups = _tables_of(plan)
    listed = "\n".join(f"- {name}" for name in groups)
    return (
        f"Il piano è guidato da «{core}», convocato dal Comune di {plan.comune.name}. I gruppi "
        f"tematici preparano le schede del loro tema e ne seguono l'attuazione:\n{listed}\n\n"
        f"{draft.governance}\n\n"
        "Ogni scheda ha un ente capofila, responsabile dell'attuazione e dei dati dei suoi "
        "indicatori, e i partner che vi contribuiscono; il referente comunale tiene il "
        "calendario degli incontri e il raccordo con gli uffici del Comune. Le decisioni sono "
        "prese dal tavolo primario e condivise con i gruppi (modalità illustrative)."
    )


def _indicator_line(indicator: Ind) -> str:
    by = f" entro il {indicator.target_date:%d/%m/%Y}" if indicator.target_date else ""
    return (
        f"- {indicator.name}: da {_number(indicator.baseline)} a {_number(indicator.target)} "
        f"{indicator.unit}{by}; fonte: {indicator.source}"
    )


def monitoring(plan, measures) -> str:
    core, _groups = _tables_of(plan)
    lines = [_indicator_line(ind) for measure in measures for ind in measure.indicators]
    return (
        "Il Comune raccoglie due volte l'anno gli indicatori delle schede dagli enti "
        f"capofila e li presenta a «{core}», che verifica lo stato di attuazione e le risorse "
        "spese (cadenza illustrativa).\n\nIndicatori delle schede:\n"
        + "\n".join(lines)
        + "\n\nA metà del piano i gruppi tematici rivedono le schede e il tavolo propone alla "
        "Giunta gli aggiornamenti; una sintesi dei risultati è pubblicata sul sito del Comune "
        "(illustrativo)."
    )


def texts(plan, draft: Draft, measures=None, edits=()) -> dict:
    """Every section's text for ``measures`` (the draft's by default), ``edits`` applied."""
    measures = draft.measures if measures is None else measures
    found = {
        SectionKey.CONTEXT: draft.context,
        SectionKey.OBJECTIVES: objectives(draft, measures),
        SectionKey.GOVERNANCE: governance(plan, draft),
        SectionKey.MONITORING: monitoring(plan, measures),
    }
    for key, old, new in edits:
        text = found[key]
        if old and old not in text:
            raise ValueError(f"{plan}: the {key} section has no “{old}” to edit")
        found[key] = text.replace(old, new, 1) if old else f"{text}\n\n{new}"
    return {key: text for key, text in found.items() if key not in draft.missing}


def revised_measures(draft: Draft) -> list[M]:
    revision = draft.revision
    changed = dict(revision.changed)
    kept = [
        replace(measure, **changed.get(measure.title, {}))
        for measure in draft.measures
        if measure.title not in revision.removed
    ]
    return kept + list(revision.added)


# --- The writes --------------------------------------------------------------------------------


def _organisations(plan) -> dict[str, int]:
    """The comune's organisations by key, as the tables' demo created them."""
    by_name = dict(Organisation.objects.filter(comune_id=plan.comune_id).values_list("name", "pk"))
    found = {
        org.key: by_name[org.name]
        for org in tables.organisations(plan.comune.istat_code)
        if org.name in by_name
    }
    found[ITSELF] = Organisation.objects.get(comune_id=plan.comune_id, is_the_comune=True).pk
    if NEWCOMER in by_name:
        found["nuova"] = by_name[NEWCOMER]
    return found


def _measure(plan, title: str) -> Measure:
    return Measure.objects.get(plan=plan, title=title)


def _funding(measure: M, row: Measure | None) -> list[dict]:
    """The funding lines to send: a stored line of the same source kept (its amount may
    change), others added; lines left out are removed."""
    stored = list(FundingLine.objects.filter(measure=row).order_by("pk")) if row else []
    given = []
    for line in measure.funding:
        match = next((found for found in stored if found.source == line.source), None)
        entry = {"source": line.source, "amount": Decimal(line.amount), "cup": ""}
        if match is not None:
            stored.remove(match)
            entry["id"] = match.pk
        given.append(entry)
    return given


def _indicators(measure: M, row: Measure | None) -> list[dict]:
    stored = {ind.name: ind.pk for ind in Indicator.objects.filter(measure=row)} if row else {}
    given = []
    for ind in measure.indicators:
        entry = {
            "name": ind.name,
            "unit": ind.unit,
            "baseline": Decimal(ind.baseline),
            "target": Decimal(ind.target),
            "target_date": ind.target_date,
            "source": ind.source,
        }
        if ind.name in stored:
            entry["id"] = stored[ind.name]
        given.append(entry)
    return given


def save_measure(plan, by, measure: M, *, pk: int | None = None) -> Measure:
    """Add ``measure`` to the plan's draft, or make the stored one ``pk`` be it."""
    orgs = _organisations(plan)
    row = Measure.objects.get(pk=pk) if pk else None
    return measure_save(
        plan=plan,
        by=by,
        pk=pk,
        seen_version=row.revision if row else None,
        fields={
            "priority_action_id": PriorityAction.objects.get(number=measure.action).pk,
            "title": measure.title,
            "description": description(measure),
            "lead_id": orgs[measure.lead],
            "starts_on": measure.starts,
            "ends_on": measure.ends,
        },
        partners=[orgs[key] for key in measure.partners],
        funding=_funding(measure, row),
        indicators=_indicators(measure, row),
    )


def _sections(draft: Draft, keys):
    def write(plan, by):
        wanted = texts(plan, draft)
        sections_save(plan=plan, by=by, texts={key: wanted[key] for key in keys if key in wanted})

    return write


def _add(measure: M):
    def write(plan, by):
        save_measure(plan, by, measure)

    return write


def _revise(draft: Draft):
    """The coordinator's changes after the return: sections, then the measures."""

    def write(plan, by):
        revision = draft.revision
        final = revised_measures(draft)
        sections_save(plan=plan, by=by, texts=texts(plan, draft, final, revision.edits))
        for title in revision.removed:
            measure_remove(plan=plan, by=by, pk=_measure(plan, title).pk)
        for title, _fields in revision.changed:
            measure = next(found for found in final if found.title == title)
            save_measure(plan, by, measure, pk=_measure(plan, title).pk)
        for measure in revision.added:
            save_measure(plan, by, measure)

    return write


def submit(plan, by) -> None:
    draft_submit(plan=plan, by=by)


def write_all(plan, by, draft: Draft) -> None:
    """Write the whole draft at once (the second cycle's)."""
    sections_save(plan=plan, by=by, texts=texts(plan, draft))
    for measure in draft.measures:
        save_measure(plan, by, measure)


# --- The calendar -------------------------------------------------------------------------------


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=tables.ROME)


def _days(first: datetime.date, last: datetime.date, count: int) -> list[datetime.date]:
    """``count`` working days spread from ``first`` to ``last``."""
    span = (last - first).days
    if count == 1:
        return [next_working_day(first)]
    return [
        next_working_day(first + datetime.timedelta(days=round(n * span / (count - 1))))
        for n in range(count)
    ]


def _writing(draft: Draft, opens: datetime.date, until: datetime.date) -> list[tuple]:
    """The draft's writes from ``opens`` (drafting opened) to ``until`` (last writing day)."""
    first = draft.sections_on or opens + datetime.timedelta(days=21)
    steps = [
        (
            _at(next_working_day(first), 11),
            HOLD,
            _sections(draft, [SectionKey.CONTEXT, SectionKey.GOVERNANCE]),
        )
    ]
    days = _days(opens + datetime.timedelta(days=28), until, len(draft.measures) + 1)
    for day, measure in zip(days, draft.measures, strict=False):
        steps.append((_at(day, 16), HOLD, _add(measure)))
    steps.append(
        (_at(days[-1], 12), HOLD, _sections(draft, [SectionKey.OBJECTIVES, SectionKey.MONITORING]))
    )
    return steps


def first_cycle_steps(istat: str, *, opens: datetime.date, adopted: datetime.date) -> list:
    """The first cycle's drafting, each step ``(moment, kind, write or Decision)``: the
    draft written from ``opens`` (the tables approved), submitted, returned, revised,
    submitted again and approved before the act dated ``adopted``."""
    draft = FIRST_CYCLE[istat]
    revision = draft.revision
    submitted = next_working_day(adopted - datetime.timedelta(days=75))
    returned = next_working_day(adopted - datetime.timedelta(days=65))
    revised = next_working_day(adopted - datetime.timedelta(days=58))
    resubmitted = next_working_day(adopted - datetime.timedelta(days=50))
    approved = next_working_day(adopted - datetime.timedelta(days=40))
    steps = _writing(draft, opens, submitted - datetime.timedelta(days=7))
    steps += [
        (_at(submitted, 10), SUBMIT, submit),
        (_at(returned, 10), DECIDE, Decision("returned", revision.comments, revision.notes)),
        (_at(revised, 11), HOLD, _revise(draft)),
        (_at(resubmitted, 10), SUBMIT, submit),
        (_at(approved, 10), DECIDE, Decision("approved")),
    ]
    steps.sort(key=lambda step: step[0])
    if not opens < steps[0][0].date() or not steps[-1][0].date() < adopted:
        raise ValueError(f"{istat}: the drafting calendar does not fit")
    return steps


def stalled_steps(istat: str, *, opens: datetime.date) -> list:
    """San Severo's drafting: a partial draft, never submitted."""
    draft = FIRST_CYCLE[istat]
    sections = [key for key in SectionKey.values if key not in draft.missing]
    days = _days(opens + datetime.timedelta(days=40), opens + datetime.timedelta(days=70), 3)
    steps = [(_at(days[0], 11), HOLD, _sections(draft, sections))]
    steps += [
        (_at(day, 16), HOLD, _add(measure))
        for day, measure in zip(days[1:], draft.measures, strict=True)
    ]
    return steps


# --- The first cycle's drafts, by ISTAT code ----------------------------------------------------

F = FundingSource
PNRR_END = D(2026, 6, 30)  # the programme's deadline (COHORT-FACTS)


def _register(what: str) -> str:
    return f"{what} (valori illustrativi)"


FIRST_CYCLE = {
    "076043": Draft(  # Lavello
        context=(
            "Lavello, nel nord della Basilicata, ha una manodopera agricola straniera stabile, "
            "non solo stagionale: una parte dei lavoratori vive tutto l'anno nel territorio, "
            f"un'altra arriva per le campagne di raccolta ({SOURCE}).\n\n"
            "Il territorio dispone di un centro regionale di accoglienza per circa 150 "
            "lavoratori stagionali, finanziato con 4,2 milioni di euro del PON Legalità "
            f"({SOURCE}). "
            "Il percorso del piano è partito il 6 luglio 2022 con un kick-off su una bozza di "
            "Masterplan e due gruppi di lavoro.\n\n"
            "Criticità emerse dall'analisi dei bisogni e dai gruppi di lavoro:\n"
            "- tutela dei lavoratori agricoli dallo sfruttamento;\n"
            "- soluzioni abitative per chi vive stabilmente nel territorio, oltre l'accoglienza "
            "stagionale;\n"
            "- numero dei lavoratori residenti e calendario delle colture: dati illustrativi, da "
            "aggiornare con i partner."
        ),
        aim=(
            "Il piano vuole garantire a chi lavora nei campi di Lavello condizioni di lavoro "
            "regolari e un alloggio dignitoso, nei mesi di raccolta e durante l'anno, mettendo "
            "in rete i servizi del Comune, della Regione e dei partner (sintesi illustrativa "
            "della demo)."
        ),
        governance=(
            "I due gruppi di lavoro nati al kick-off del 6 luglio 2022, sulla tutela dei "
            f"lavoratori dallo sfruttamento e sulle soluzioni abitative ({SOURCE}), preparano le "
            "schede del loro tema; il tavolo primario le approva e ne segue l'attuazione."
        ),
        measures=(
            M(
                5,
                "Accoglienza stagionale nel centro regionale",
                "Apertura e servizi del centro regionale di accoglienza per circa 150 "
                f"lavoratori stagionali, finanziato con il PON Legalità ({SOURCE}). Gestione, "
                "mesi di apertura e servizi offerti: illustrativi.",
                ITSELF,
                ("regione", "accoglienza", "asl", "caritas"),
                D(2023, 6, 1),
                D(2025, 12, 31),
                (Line(F.PON_LEGALITA, "4200000.00", documented=True),),
                (
                    Ind(
                        "Lavoratori stagionali accolti nel mese di picco",
                        "persone",
                        90,
                        150,
                        _register("Registro presenze del centro"),
                    ),
                ),
            ),
            M(
                5,
                "Casa per chi lavora tutto l'anno",
                "Agenzia sociale per la casa: ricerca di alloggi in affitto, garanzie ai "
                "proprietari e accompagnamento per i lavoratori che vivono stabilmente a "
                "Lavello. Numero di alloggi e strumenti: illustrativi.",
                ITSELF,
                ("caritas", "accoglienza", "cgil"),
                D(2023, 9, 1),
                D(2025, 12, 31),
                (Line(F.MUNICIPAL, "60000.00"), Line(F.FAMI_2021_2027, "120000.00")),
                (
                    Ind(
                        "Lavoratori accompagnati in un affitto regolare",
                        "persone",
                        0,
                        40,
                        _register("Schede dell'agenzia sociale per la casa"),
                    ),
                ),
            ),
            M(
                9,
                "Sportello di tutela e prima assistenza",
                "Sportello con orientamento legale, mediazione linguistica e presa in carico "
                "delle vittime di sfruttamento, in raccordo con ITL e INPS. Sede, orari e "
                "numero di operatori: illustrativi.",
                "sportello",
                ("itl", "inps", "cgil", "mediazione"),
                D(2023, 7, 1),
                D(2025, 12, 31),
                (Line(F.PN_INCLUSIONE, "90000.00"),),
                (
                    Ind(
                        "Persone prese in carico dallo sportello",
                        "persone",
                        0,
                        120,
                        _register("Registro dello sportello"),
                    ),
                ),
            ),
            M(
                8,
                "Controlli coordinati nelle aziende durante la raccolta",
                "Calendario condiviso dei controlli di ITL, carabinieri e INPS nei mesi di "
                "raccolta, con mediatori culturali presenti; i costi sono in gran parte "
                "risorse ordinarie degli enti. Numero dei controlli: illustrativo.",
                "itl",
                ("carabinieri", "inps", "asl", "prefettura"),
                D(2023, 6, 1),
                D(2025, 10, 31),
                (Line(F.OTHER, "20000.00"),),
                (
                    Ind(
                        "Controlli congiunti nei mesi di raccolta",
                        "controlli",
                        10,
                        40,
                        _register("Relazioni dell'ITL"),
                    ),
                ),
            ),
            M(
                7,
                "Campagna informativa sui diritti",
                "Incontri nei luoghi di ritrovo e materiali nelle lingue dei lavoratori su "
                "contratto, salario, sicurezza e servizi del territorio. Lingue e luoghi: "
                "illustrativi.",
                ITSELF,
                ("mediazione", "cisl", "uil", "coldiretti"),
                D(2023, 5, 1),
                D(2025, 12, 31),
                (Line(F.FNPM, "15000.00"),),
                (
                    Ind(
                        "Lavoratori raggiunti dagli incontri",
                        "persone",
                        0,
                        600,
                        _register("Fogli presenze degli incontri"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "Bozza solida. Prima dell'approvazione: la scheda dello sportello copre un solo "
                "anno, il contesto non distingue la manodopera stabile da quella stagionale e "
                "manca un'azione di reintegrazione socio-lavorativa delle vittime (azione "
                "prioritaria 10)."
            ),
            notes=(
                (
                    SectionKey.CONTEXT,
                    "Distinguere la manodopera stabile da quella stagionale: servizi diversi "
                    "per bisogni diversi.",
                ),
                (
                    "Sportello di tutela e prima assistenza",
                    "L'importo basta per un anno di apertura: rivederlo per tutto il triennio.",
                ),
            ),
            edits=(
                (
                    SectionKey.CONTEXT,
                    "",
                    "Le due componenti della manodopera hanno bisogni diversi: chi arriva per la "
                    "raccolta cerca un posto letto per pochi mesi, chi vive a Lavello tutto "
                    "l'anno un'abitazione in affitto regolare e l'accesso ai servizi del "
                    "territorio (distinzione emersa nel gruppo sulle soluzioni abitative; "
                    "dettagli illustrativi).",
                ),
            ),
            changed=(
                (
                    "Sportello di tutela e prima assistenza",
                    {"funding": (Line(F.PN_INCLUSIONE, "210000.00"),)},
                ),
            ),
            added=(
                M(
                    10,
                    "Percorsi di inserimento lavorativo per le vittime",
                    "Tirocini e borse lavoro presso aziende agricole regolari per chi esce da "
                    "una situazione di sfruttamento, con il centro per l'impiego. Numero dei "
                    "percorsi: illustrativo.",
                    "cpi",
                    ("sportello", "coldiretti", "cia"),
                    D(2023, 9, 1),
                    D(2025, 12, 31),
                    (Line(F.PN_INCLUSIONE, "80000.00"),),
                    (
                        Ind(
                            "Percorsi di inserimento avviati",
                            "percorsi",
                            0,
                            25,
                            _register("Centro per l'impiego"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "089017": Draft(  # Siracusa
        context=(
            "A Siracusa la manodopera agricola straniera si concentra a Cassibile nei mesi di "
            f"raccolta ({SOURCE}). Dall'aprile 2021 un ostello accoglie fino a 110 persone.\n\n"
            "Nel maggio 2021 un protocollo provinciale ha messo insieme INPS, centro per "
            "l'impiego, Ispettorato territoriale del lavoro, datori di lavoro, sindacati ed ente "
            f"bilaterale agricolo (EBAT) ({SOURCE}): il piano parte da quella rete. Il percorso si "
            "è aperto con gli incontri del 13 luglio e del 1° agosto 2022.\n\n"
            "Criticità su cui il piano interviene:\n"
            "- l'incontro regolare tra domanda e offerta di lavoro nei mesi di raccolta;\n"
            "- i posti dell'ostello rispetto alle presenze nei mesi di picco;\n"
            "- gli spostamenti tra Cassibile e le aziende;\n"
            "- numero dei lavoratori stagionali e calendario colturale: dati illustrativi."
        ),
        aim=(
            "Il piano vuole che chi raccoglie nei campi intorno a Cassibile trovi lavoro "
            "attraverso canali regolari, un posto letto dignitoso e un modo sicuro di "
            "raggiungere le aziende, rafforzando la rete del protocollo provinciale del 2021 "
            "(sintesi illustrativa della demo)."
        ),
        governance=(
            f"Il tavolo primario riprende la rete del protocollo provinciale del maggio 2021 "
            f"({SOURCE}); ogni gruppo tematico porta al tavolo le proprie schede e i dati dei "
            "servizi."
        ),
        measures=(
            M(
                5,
                "Ostello di Cassibile nei mesi di raccolta",
                "Apertura dell'ostello per i lavoratori stagionali (fino a 110 persone "
                f"dall'aprile 2021, {SOURCE}) e trenta posti in più nei mesi di picco. Posti "
                "aggiuntivi, gestione e mesi di apertura: illustrativi.",
                ITSELF,
                ("accoglienza", "caritas", "asl"),
                D(2023, 11, 1),
                D(2025, 12, 31),
                (Line(F.MUNICIPAL, "150000.00"), Line(F.FAMI_2021_2027, "250000.00")),
                (
                    Ind(
                        "Posti letto per i lavoratori stagionali a Cassibile",
                        "posti",
                        110,
                        140,
                        f"Registro dell'ostello (valore di partenza: {SOURCE}; obiettivo "
                        "illustrativo)",
                    ),
                ),
            ),
            M(
                4,
                "Liste pubbliche di prenotazione per la raccolta",
                "Il centro per l'impiego raccoglie prima di ogni campagna la disponibilità dei "
                "lavoratori e le richieste delle aziende, con l'ente bilaterale agricolo; "
                "l'incontro avviene in uno sportello a Cassibile. Tempi e modalità: "
                "illustrativi.",
                "cpi",
                ("ebat", "inps", "coldiretti", "cgil"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.PN_INCLUSIONE, "180000.00"),),
                (
                    Ind(
                        "Assunzioni regolari tramite le liste pubbliche",
                        "assunzioni",
                        0,
                        300,
                        _register("Centro per l'impiego di Siracusa"),
                    ),
                ),
            ),
            M(
                6,
                "Navetta tra Cassibile e le aziende",
                "Servizio di trasporto stagionale all'alba e nel primo pomeriggio tra Cassibile "
                "e le aziende che aderiscono. Percorsi, orari e numero di corse: illustrativi.",
                "trasporti",
                ("coldiretti", "cia", "uil"),
                D(2024, 2, 1),
                D(2025, 6, 30),
                (Line(F.REGIONAL, "120000.00"),),
                (
                    Ind(
                        "Lavoratori trasportati in un giorno di picco",
                        "persone",
                        0,
                        150,
                        _register("Fogli di viaggio del servizio"),
                    ),
                ),
            ),
            M(
                8,
                "Vigilanza coordinata secondo il protocollo provinciale",
                "Controlli congiunti di ITL, INPS e carabinieri nelle aziende nei mesi di "
                "raccolta, con il calendario condiviso dal protocollo. Numero dei controlli: "
                "illustrativo.",
                "itl",
                ("inps", "carabinieri", "prefettura"),
                D(2023, 11, 1),
                D(2025, 12, 31),
                (Line(F.OTHER, "30000.00"),),
                (
                    Ind(
                        "Aziende controllate nella stagione",
                        "aziende",
                        40,
                        90,
                        _register("Relazioni dell'ITL"),
                    ),
                ),
            ),
            M(
                9,
                "Presidio di tutela e prima assistenza a Cassibile",
                "Presidio mobile con orientamento legale e sanitario e mediazione linguistica "
                "nei luoghi di ritrovo dei lavoratori. Giorni di apertura e operatori: "
                "illustrativi.",
                "sportello",
                ("mediazione", "oim", "caritas", "asl"),
                D(2023, 11, 1),
                D(2025, 12, 31),
                (Line(F.FAMI_2021_2027, "100000.00"),),
                (
                    Ind(
                        "Persone assistite dal presidio",
                        "persone",
                        0,
                        150,
                        _register("Registro del presidio"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "La scheda sulla vigilanza descrive le attività ordinarie degli enti: va tolta "
                "o trasformata. La navetta ha bisogno di un cofinanziamento delle aziende. La "
                "governance deve dire come il piano si raccorda con il protocollo provinciale."
            ),
            notes=(
                (
                    "Navetta tra Cassibile e le aziende",
                    "Senza una quota delle aziende il servizio rischia di fermarsi dopo il primo "
                    "anno: prevedere un cofinanziamento.",
                ),
                (
                    "Vigilanza coordinata secondo il protocollo provinciale",
                    "Sono attività ordinarie dell'ITL e dell'INPS: non servono una scheda e un "
                    "budget del piano.",
                ),
                (
                    SectionKey.GOVERNANCE,
                    "Spiegare chi convoca il raccordo con il protocollo provinciale e ogni quanto.",
                ),
            ),
            edits=(
                (
                    SectionKey.GOVERNANCE,
                    "",
                    "Il Comune partecipa agli incontri del protocollo provinciale del maggio "
                    "2021 e vi porta ogni sei mesi lo stato delle schede; i controlli restano "
                    "affidati agli enti del protocollo, fuori dal budget del piano (cadenza "
                    "illustrativa).",
                ),
            ),
            changed=(
                (
                    "Navetta tra Cassibile e le aziende",
                    {"funding": (Line(F.REGIONAL, "95000.00"), Line(F.PRIVATE, "25000.00"))},
                ),
            ),
            removed=("Vigilanza coordinata secondo il protocollo provinciale",),
        ),
    ),
    "078157": Draft(  # Corigliano-Rossano
        context=(
            "Corigliano-Rossano, sulla costa ionica della provincia di Cosenza, vede una forte "
            "presenza di manodopera agricola straniera nei mesi degli agrumi e delle olive "
            "(colture, mesi e numeri: dati illustrativi). Molte vittime di sfruttamento sono "
            f"donne, cittadine dell'Unione europea ({SOURCE}).\n\n"
            f"Vicino alla costa, a Schiavonea, c'è un insediamento informale ({SOURCE}); presenze "
            "e servizi non sono documentati e vanno rilevati con i partner.\n\n"
            "Il percorso del piano:\n"
            "- primo incontro operativo il 18 luglio 2022 e prima riunione del gruppo primario "
            "il 25 luglio 2022;\n"
            "- incontri bilaterali, tavoli tematici e coordinamento interno con l'ufficio PNRR "
            "del Comune;\n"
            f"- riunione del 22 febbraio 2023 ({SOURCE})."
        ),
        aim=(
            "Il piano vuole dare a chi lavora nei campi di Corigliano-Rossano, e in particolare "
            "alle lavoratrici, un lavoro regolare e qualificato, un alloggio fuori "
            "dall'insediamento informale e una tutela rapida contro lo sfruttamento. È "
            f"costruito sulle dieci azioni prioritarie del piano nazionale ({SOURCE})."
        ),
        governance=(
            "Il gruppo primario, riunito per la prima volta il 25 luglio 2022, guida il piano; "
            "il metodo resta quello del percorso: incontri bilaterali con i partner, tavoli "
            f"tematici e coordinamento interno con l'ufficio PNRR del Comune ({SOURCE})."
        ),
        sections_on=D(2023, 3, 1),  # after the meeting of 22 February 2023
        measures=(
            M(
                10,
                "Formazione per l'inserimento stabile e la professionalizzazione",
                "Corsi di potatura, uso delle macchine e sicurezza, con certificazione delle "
                "competenze, per chi vuole restare e lavorare stabilmente nel territorio: il "
                f"tema al centro del percorso ({SOURCE}). Contenuti, durata e numero dei corsi: "
                "illustrativi.",
                ITSELF,
                ("crea", "cpia", "coldiretti", "anticaporalato2"),
                D(2023, 10, 1),
                D(2025, 12, 31),
                (Line(F.FSE_PLUS, "200000.00"),),
                (
                    Ind(
                        "Lavoratori che concludono un percorso con certificazione",
                        "persone",
                        0,
                        120,
                        _register("Registri dei corsi"),
                    ),
                ),
            ),
            M(
                9,
                "Sportello per le lavoratrici: tutela e prima assistenza",
                "Sportello con operatrici e mediatrici per le donne vittime di sfruttamento, "
                f"molte cittadine dell'Unione europea ({SOURCE}): ascolto, orientamento legale e "
                "sanitario, accompagnamento ai servizi. Sede e orari: illustrativi.",
                "anticaporalato",
                ("caritas", "migrantes", "asl", "mediazione"),
                D(2023, 10, 1),
                D(2025, 12, 31),
                (Line(F.PN_INCLUSIONE, "150000.00"),),
                (
                    Ind(
                        "Lavoratrici prese in carico",
                        "persone",
                        0,
                        80,
                        _register("Registro dello sportello"),
                    ),
                ),
            ),
            M(
                5,
                "Superare l'insediamento informale di Schiavonea",
                "Soluzioni abitative temporanee e accompagnamento all'abitare per chi vive "
                f"nell'insediamento vicino alla costa, a Schiavonea ({SOURCE}), in raccordo con "
                "l'ufficio PNRR del Comune. Numero dei posti e luoghi: illustrativi.",
                ITSELF,
                ("caritas", "migrantes", "prefettura", "regione"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.REGIONAL, "500000.00"), Line(F.MUNICIPAL, "50000.00")),
                (
                    Ind(
                        "Persone accompagnate fuori dall'insediamento",
                        "persone",
                        0,
                        100,
                        _register("Schede di accompagnamento"),
                    ),
                ),
            ),
            M(
                1,
                "Osservatorio su colture e fabbisogni di manodopera",
                "Il CREA e l'INPS mettono insieme i dati sulle colture e sulle giornate "
                "lavorate per prevedere i fabbisogni di ogni campagna. Dati e cadenza dei "
                "rapporti: illustrativi.",
                "crea",
                ("inps", "cpi", "coldiretti"),
                D(2023, 10, 1),
                D(2025, 12, 31),
                (Line(F.FNPM, "40000.00"),),
                (
                    Ind(
                        "Rapporti stagionali pubblicati",
                        "rapporti",
                        0,
                        3,
                        _register("Sito del Comune"),
                    ),
                ),
            ),
            M(
                7,
                "Informazione nelle lingue di chi lavora nei campi",
                "Materiali e incontri nei luoghi di ritrovo sui diritti del lavoro e sui "
                "servizi del territorio. Lingue e luoghi: illustrativi.",
                "migrantes",
                ("mediazione", "cgil", "caritas"),
                D(2023, 10, 1),
                D(2025, 12, 31),
                (Line(F.MUNICIPAL, "20000.00"),),
                (
                    Ind(
                        "Persone raggiunte dagli incontri",
                        "persone",
                        0,
                        1000,
                        _register("Fogli presenze degli incontri"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "La scheda su Schiavonea è sottofinanziata e non coinvolge l'ASL; per un piano "
                "costruito sulle dieci azioni prioritarie manca un'azione di vigilanza (asse 2). "
                "Nella governance citare l'assemblea pubblica."
            ),
            notes=(
                (
                    "Superare l'insediamento informale di Schiavonea",
                    "Coinvolgere l'ASL per i presidi sanitari e rivedere l'importo rispetto "
                    "alle persone da accompagnare.",
                ),
                (
                    SectionKey.GOVERNANCE,
                    "Dire come l'assemblea pubblica del 13 giugno ha presentato il piano e come "
                    "la cittadinanza ne sarà informata.",
                ),
            ),
            edits=(
                (
                    SectionKey.GOVERNANCE,
                    "",
                    "Il piano è stato presentato alla cittadinanza nell'assemblea pubblica del "
                    f"13 giugno 2023 ({SOURCE}); un incontro pubblico all'anno ne riporta lo stato "
                    "di attuazione (illustrativo).",
                ),
            ),
            changed=(
                (
                    "Superare l'insediamento informale di Schiavonea",
                    {
                        "partners": ("caritas", "migrantes", "prefettura", "regione", "asl"),
                        "funding": (Line(F.REGIONAL, "650000.00"), Line(F.MUNICIPAL, "50000.00")),
                    },
                ),
            ),
            added=(
                M(
                    8,
                    "Controlli coordinati nelle aziende della piana",
                    "Calendario condiviso dei controlli di ITL, INPS e carabinieri nei mesi "
                    "della raccolta, con mediatrici presenti per le lavoratrici. Numero dei "
                    "controlli: illustrativo.",
                    "itl",
                    ("inps", "carabinieri", "cgil"),
                    D(2023, 10, 1),
                    D(2025, 12, 31),
                    (Line(F.OTHER, "25000.00"),),
                    (
                        Ind(
                            "Controlli congiunti nella stagione",
                            "controlli",
                            15,
                            45,
                            _register("Relazioni dell'ITL"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "009002": Draft(  # Albenga
        context=(
            "Albenga conta il 28% delle aziende agricole della Liguria; circa 250 lavoratori "
            f"agricoli stranieri risultano dichiarati ({SOURCE}). Le serre e i campi della piana "
            "producono piante aromatiche in vaso e ortaggi (colture e mesi: dato "
            "illustrativo).\n\n"
            "Il primo incontro con le organizzazioni locali, il 2 agosto 2022, ha riunito la "
            "fondazione Caritas della diocesi, ARCI, il CPIA, Migrantes e due enti "
            f"dell'accoglienza ({SOURCE}).\n\n"
            f"Il Comune ha candidato al PNRR un progetto da circa 4 milioni di euro ({SOURCE}):\n"
            "- un hub sociale con sportello, aule di formazione e una bottega-laboratorio;\n"
            "- 15 mini-alloggi da 3 posti letto.\n\n"
            "Dove vivono oggi i lavoratori non è documentato: alloggi privati in affitto nella "
            "piana, dato illustrativo da verificare."
        ),
        aim=(
            "Il piano vuole offrire ai lavoratori agricoli stranieri della piana un alloggio "
            "dignitoso e un punto di accesso unico ai servizi, alla formazione e alla lingua, "
            "con la rete locale che ha avviato il percorso (sintesi illustrativa della demo)."
        ),
        governance=(
            "La rete del primo incontro (fondazione Caritas della diocesi, ARCI, CPIA, Migrantes "
            f"e due enti dell'accoglienza, {SOURCE}) siede al tavolo con il Comune e guida i "
            "gruppi tematici."
        ),
        measures=(
            M(
                5,
                "Hub sociale e 15 mini-alloggi",
                "Un hub sociale con sportello, aule di formazione e una bottega-laboratorio, e "
                f"15 mini-alloggi da 3 posti letto ({SOURCE}: proposta PNRR di circa 4 milioni di "
                "euro; l'importo indicato è arrotondato). Gestione e tempi: illustrativi.",
                ITSELF,
                ("caritas", "accoglienza", "accoglienza2"),
                D(2023, 12, 1),
                PNRR_END,
                (Line(PNRR, "4000000.00", documented=True),),
                (
                    Ind(
                        "Posti letto nei mini-alloggi",
                        "posti",
                        0,
                        45,
                        f"Proposta PNRR: 15 alloggi da 3 posti ({SOURCE})",
                        PNRR_END,
                    ),
                ),
            ),
            M(
                7,
                "Sportello informativo nell'hub sociale",
                "Sportello su contratti, permessi, sanità e servizi, aperto nelle ore in cui i "
                "lavoratori tornano dai campi, con mediatori; fino all'apertura dell'hub è "
                "ospitato da ARCI. Orari, lingue e sede provvisoria: illustrativi.",
                "arci",
                ("migrantes", "cpia", "mediazione", "cgil"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FAMI_2021_2027, "90000.00"),),
                (
                    Ind(
                        "Accessi allo sportello in un anno",
                        "accessi",
                        0,
                        500,
                        _register("Registro dello sportello"),
                    ),
                ),
            ),
            M(
                10,
                "Lingua italiana e formazione professionale",
                "Corsi di italiano del CPIA e moduli di formazione sulle colture in serra, "
                "nelle aule dell'hub quando saranno pronte. Calendario e contenuti: "
                "illustrativi.",
                "cpia",
                ("arci", "coldiretti", "cia"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FSE_PLUS, "60000.00"),),
                (
                    Ind(
                        "Iscritti ai corsi di italiano",
                        "persone",
                        0,
                        120,
                        _register("Registri del CPIA"),
                    ),
                ),
            ),
            M(
                4,
                "Incontro tra domanda e offerta per le aziende della piana",
                "Un servizio del centro per l'impiego che raccoglie le richieste delle aziende "
                "e le disponibilità dei lavoratori, con le associazioni agricole. Modalità: "
                "illustrative.",
                "cpi",
                ("coldiretti", "cia", "confagricoltura", "cisl"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.REGIONAL, "50000.00"),),
                (
                    Ind(
                        "Aziende che usano il servizio",
                        "aziende",
                        0,
                        60,
                        _register("Centro per l'impiego"),
                    ),
                ),
            ),
            M(
                9,
                "Accompagnamento delle vittime di sfruttamento",
                "Ascolto, orientamento legale e accoglienza temporanea per chi denuncia o esce "
                "da una situazione di sfruttamento, con gli enti dell'accoglienza. Posti e "
                "percorsi: illustrativi.",
                "accoglienza2",
                ("sportello", "caritas", "prefettura"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.PN_INCLUSIONE, "70000.00"),),
                (
                    Ind(
                        "Persone accompagnate",
                        "persone",
                        0,
                        30,
                        _register("Schede dell'ente"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "Il progetto dell'hub va descritto meglio, anche nella parte della "
                "bottega-laboratorio; il centro per l'impiego non ha confermato la sua scheda; "
                "lo sportello informativo è sottodimensionato."
            ),
            notes=(
                (
                    "Hub sociale e 15 mini-alloggi",
                    "Chi gestirà la bottega-laboratorio e con quali entrate? Indicare anche una "
                    "quota del Comune per la gestione.",
                ),
                (
                    "Incontro tra domanda e offerta per le aziende della piana",
                    "Il centro per l'impiego non ha confermato: rinviare la scheda al prossimo "
                    "aggiornamento del piano.",
                ),
                (SectionKey.OBJECTIVES, "Collegare gli obiettivi all'hub, punto unico di accesso."),
            ),
            edits=(
                (
                    SectionKey.OBJECTIVES,
                    "",
                    "L'hub sociale è il punto unico di accesso del piano: sportello, formazione "
                    "e alloggi nello stesso luogo, vicino alle aziende della piana "
                    "(illustrativo).",
                ),
            ),
            changed=(
                (
                    "Hub sociale e 15 mini-alloggi",
                    {
                        "body": (
                            "Un hub sociale con sportello, aule di formazione e una "
                            "bottega-laboratorio, e 15 mini-alloggi da 3 posti letto "
                            f"({SOURCE}: proposta PNRR di circa 4 milioni di euro; l'importo "
                            "indicato è arrotondato). La bottega-laboratorio è gestita da un "
                            "ente del terzo settore scelto con avviso pubblico e i suoi ricavi "
                            "coprono parte dei costi; il Comune contribuisce alla gestione. "
                            "Gestione, ricavi e tempi: illustrativi."
                        ),
                        "funding": (
                            Line(PNRR, "4000000.00", documented=True),
                            Line(F.MUNICIPAL, "100000.00"),
                        ),
                    },
                ),
                (
                    "Sportello informativo nell'hub sociale",
                    {"funding": (Line(F.FAMI_2021_2027, "120000.00"),)},
                ),
            ),
            removed=("Incontro tra domanda e offerta per le aziende della piana",),
        ),
    ),
    "061027": Draft(  # Castel Volturno
        context=(
            "Castel Volturno, sul litorale domizio in provincia di Caserta, ha una popolazione "
            "straniera residente che lavora anche nell'agricoltura e nell'allevamento bufalino "
            "(numeri e settori: dati illustrativi).\n\n"
            "Dal gennaio 2022 la Prefettura di Caserta riunisce un tavolo permanente contro lo "
            f"sfruttamento con ITL, INPS, INAIL, ASL, sindacati, terzo settore e OIM ({SOURCE}). "
            "Il percorso del piano si è aperto pubblicamente il 6 ottobre 2022 in sala "
            "consiliare, con la Prefettura e la Regione Campania; il piano è redatto da un "
            f"gruppo di lavoro di ANCI, Comune e Cittalia ({SOURCE}).\n\n"
            "Criticità su cui il piano interviene:\n"
            "- emersione e tutela delle vittime di sfruttamento;\n"
            "- condizioni abitative, spesso in abitazioni private sovraffollate (dato "
            "illustrativo);\n"
            "- canali regolari di incontro tra domanda e offerta di lavoro."
        ),
        aim=(
            "Il piano vuole portare nel territorio comunale il lavoro del tavolo permanente "
            "della Prefettura: far emergere lo sfruttamento, accompagnare le vittime, offrire "
            "canali regolari di lavoro e alloggi dignitosi (sintesi illustrativa della demo)."
        ),
        governance=(
            f"Il piano è redatto da un gruppo di lavoro di ANCI, Comune e Cittalia ({SOURCE}). Il "
            "gruppo sulla tutela lavora in raccordo con il tavolo permanente della Prefettura "
            "di Caserta, che lo convoca."
        ),
        measures=(
            M(
                8,
                "Raccordo con il tavolo permanente della Prefettura",
                "Una sessione del tavolo permanente contro lo sfruttamento (attivo dal gennaio "
                f"2022, {SOURCE}) dedicata ogni trimestre al territorio comunale, con i dati dei "
                "controlli di ITL, INPS e INAIL. Cadenza e contenuti: illustrativi.",
                "prefettura",
                ("itl", "inps", "inail", "asl"),
                D(2023, 9, 1),
                D(2025, 12, 31),
                (Line(F.OTHER, "30000.00"),),
                (
                    Ind(
                        "Sessioni del tavolo dedicate al territorio comunale",
                        "sessioni",
                        0,
                        12,
                        _register("Verbali del tavolo permanente"),
                    ),
                ),
            ),
            M(
                9,
                "Emersione e prima assistenza delle vittime",
                "Unità di contatto con OIM, mediatori e operatori legali nei luoghi di lavoro "
                "e di vita; presa in carico e accompagnamento ai servizi. Operatori e giorni: "
                "illustrativi.",
                "oim",
                ("sportello", "caritas", "asl", "mediazione"),
                D(2023, 9, 1),
                D(2025, 12, 31),
                (Line(F.PN_INCLUSIONE, "250000.00"),),
                (
                    Ind(
                        "Vittime prese in carico",
                        "persone",
                        0,
                        60,
                        _register("Schede di presa in carico"),
                    ),
                ),
            ),
            M(
                5,
                "Alloggi dignitosi contro il sovraffollamento",
                "Contributi all'affitto e mediazione con i proprietari per chi vive in "
                "abitazioni sovraffollate, con la Regione e il terzo settore. Numero degli "
                "alloggi e contributi: illustrativi.",
                ITSELF,
                ("regione", "accoglienza", "caritas"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.REGIONAL, "400000.00"),),
                (
                    Ind(
                        "Persone accompagnate in un alloggio regolare",
                        "persone",
                        0,
                        80,
                        _register("Servizi sociali del Comune"),
                    ),
                ),
            ),
            M(
                4,
                "Lavoro regolare attraverso il centro per l'impiego",
                "Iscrizione dei lavoratori e delle aziende a un servizio pubblico di incontro "
                "tra domanda e offerta, con i sindacati e le associazioni agricole. Modalità: "
                "illustrative.",
                "cpi",
                ("coldiretti", "cgil", "cisl", "inps"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FSE_PLUS, "120000.00"),),
                (
                    Ind(
                        "Avviamenti regolari tramite il centro per l'impiego",
                        "avviamenti",
                        0,
                        200,
                        _register("Centro per l'impiego"),
                    ),
                ),
            ),
            M(
                7,
                "Informazione sui diritti nelle lingue delle comunità",
                "Incontri con le comunità e materiali su contratti, salute e sicurezza, nelle "
                "lingue più parlate. Lingue e luoghi: illustrativi.",
                "mediazione",
                ("oim", "uil", "arci"),
                D(2023, 9, 1),
                D(2025, 12, 31),
                (Line(F.FNPM, "25000.00"),),
                (
                    Ind(
                        "Persone raggiunte dagli incontri",
                        "persone",
                        0,
                        800,
                        _register("Fogli presenze degli incontri"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "Le schede vanno bene; mancano un indicatore di esito per l'emersione, una "
                "quota del Comune per gli alloggi e un'azione di reintegrazione socio-lavorativa "
                "delle vittime (asse 4). Nella governance dire chi adotterà il piano."
            ),
            notes=(
                (
                    "Emersione e prima assistenza delle vittime",
                    "Aggiungere un indicatore di esito: quante persone avviano un percorso di "
                    "regolarizzazione.",
                ),
                (
                    "Alloggi dignitosi contro il sovraffollamento",
                    "Prevedere una quota del bilancio comunale, anche piccola.",
                ),
            ),
            edits=(
                (
                    SectionKey.GOVERNANCE,
                    "",
                    "Il piano è proposto alla Giunta comunale, che lo fa proprio con una "
                    "delibera; il gruppo di lavoro ne segue poi l'attuazione (illustrativo).",
                ),
            ),
            changed=(
                (
                    "Emersione e prima assistenza delle vittime",
                    {
                        "indicators": (
                            Ind(
                                "Vittime prese in carico",
                                "persone",
                                0,
                                60,
                                _register("Schede di presa in carico"),
                            ),
                            Ind(
                                "Percorsi di regolarizzazione avviati",
                                "percorsi",
                                0,
                                25,
                                _register("Schede di presa in carico"),
                            ),
                        )
                    },
                ),
                (
                    "Alloggi dignitosi contro il sovraffollamento",
                    {"funding": (Line(F.REGIONAL, "350000.00"), Line(F.MUNICIPAL, "50000.00"))},
                ),
            ),
            added=(
                M(
                    10,
                    "Inserimento lavorativo delle vittime",
                    "Borse lavoro e tirocini in aziende agricole e zootecniche regolari per chi "
                    "esce da una situazione di sfruttamento, con il centro per l'impiego e l'OIM. "
                    "Numero dei percorsi: illustrativo.",
                    "cpi",
                    ("oim", "coldiretti", "sportello"),
                    D(2024, 1, 1),
                    D(2025, 12, 31),
                    (Line(F.PN_INCLUSIONE, "90000.00"),),
                    (
                        Ind(
                            "Percorsi di inserimento avviati",
                            "percorsi",
                            0,
                            20,
                            _register("Centro per l'impiego"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "029041": Draft(  # Rovigo
        context=(
            "Rovigo e il Polesine hanno un'agricoltura di frutta e orticole che nei mesi estivi "
            "richiede manodopera stagionale, in parte straniera (colture, mesi e numeri: dati "
            "illustrativi).\n\n"
            "Il 5 maggio 2023 gli «Stati Generali del Lavoro Agricolo» hanno riunito in una "
            "giornata di tavoli partecipati la rete del terzo settore, gli attori "
            "dell'economia rurale, i sindacati, la Prefettura, ANCI e il Comune di "
            f"Castelguglielmo ({SOURCE}). Il piano è «per la valorizzazione del lavoro agricolo e "
            "il contrasto allo sfruttamento».\n\n"
            "Il Comune ha un progetto PNRR di 1.129.164,77 euro per circa 10 alloggi temporanei "
            f"({SOURCE}).\n\n"
            "Criticità emerse:\n"
            "- alloggi temporanei per i mesi di raccolta;\n"
            "- spostamenti tra i comuni e le aziende;\n"
            "- tutela dei lavoratori e riconoscimento del lavoro agricolo di qualità."
        ),
        aim=(
            "Il piano vuole valorizzare il lavoro agricolo e contrastarne lo sfruttamento "
            f"({SOURCE}): alloggi temporanei, trasporti, canali regolari di lavoro e tutela, con "
            "le proposte dei tavoli degli Stati Generali."
        ),
        governance=(
            "Le proposte dei tavoli degli Stati Generali del Lavoro Agricolo del 5 maggio 2023 "
            f"({SOURCE}) sono la base delle schede; il Comune di Castelguglielmo partecipa alle "
            "schede sugli alloggi e sui trasporti (ruolo: illustrativo)."
        ),
        sections_on=D(2023, 5, 15),  # after the Stati Generali of 5 May 2023
        measures=(
            M(
                5,
                "Circa 10 alloggi temporanei per i lavoratori agricoli",
                "Alloggi temporanei per i lavoratori agricoli nei mesi di raccolta, finanziati "
                f"con il PNRR ({SOURCE}). Sedi, gestione e regole di accesso: illustrative.",
                ITSELF,
                ("castelguglielmo", "rete", "prefettura"),
                D(2023, 12, 1),
                PNRR_END,
                (Line(PNRR, "1129164.77", documented=True),),
                (
                    Ind(
                        "Alloggi temporanei disponibili",
                        "alloggi",
                        0,
                        10,
                        f"Progetto PNRR: circa 10 alloggi ({SOURCE})",
                        PNRR_END,
                    ),
                ),
            ),
            M(
                3,
                "Aziende nella Rete del lavoro agricolo di qualità",
                "Promozione dell'iscrizione delle aziende del territorio alla Rete del lavoro "
                "agricolo di qualità presso l'INPS, con le associazioni agricole. Numero delle "
                "aziende: illustrativo.",
                "inps",
                ("coldiretti", "confagricoltura", "cia", "cgil"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.OTHER, "15000.00"),),
                (
                    Ind(
                        "Aziende del territorio iscritte alla Rete",
                        "aziende",
                        20,
                        60,
                        _register("INPS"),
                    ),
                ),
            ),
            M(
                6,
                "Trasporto tra Rovigo, Castelguglielmo e le aziende",
                "Corse stagionali del trasporto pubblico locale negli orari dei turni in "
                "campagna. Percorsi e orari: illustrativi.",
                "trasporti",
                ("castelguglielmo", "coldiretti", "uil"),
                D(2024, 5, 1),
                D(2025, 10, 31),
                (Line(F.REGIONAL, "90000.00"),),
                (
                    Ind(
                        "Corse stagionali effettuate",
                        "corse",
                        0,
                        400,
                        _register("Azienda del trasporto pubblico"),
                    ),
                ),
            ),
            M(
                9,
                "Sportello contro lo sfruttamento",
                "Sportello della rete del terzo settore con orientamento legale e presa in "
                "carico, in raccordo con l'ITL e i sindacati. Sede e orari: illustrativi.",
                "rete",
                ("sportello", "itl", "cgil", "cisl"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FAMI_2021_2027, "110000.00"),),
                (
                    Ind(
                        "Persone prese in carico",
                        "persone",
                        0,
                        90,
                        _register("Registro dello sportello"),
                    ),
                ),
            ),
            M(
                4,
                "Incontro tra domanda e offerta di lavoro agricolo",
                "Liste pubbliche di disponibilità e un calendario condiviso delle campagne, "
                "con il centro per l'impiego e l'ente bilaterale. Strumenti: illustrativi.",
                "cpi",
                ("coldiretti", "cia", "ebat", "anci"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FSE_PLUS, "70000.00"),),
                (
                    Ind(
                        "Avviamenti tramite le liste pubbliche",
                        "avviamenti",
                        0,
                        150,
                        _register("Centro per l'impiego"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "Il piano riflette bene gli Stati Generali. La scheda sulla Rete del lavoro "
                "agricolo di qualità descrive un'attività dell'INPS già in corso; il trasporto è "
                "sovradimensionato per una sola stagione; per gli alloggi PNRR indicare chi li "
                "gestirà."
            ),
            notes=(
                (
                    "Circa 10 alloggi temporanei per i lavoratori agricoli",
                    "Dire chi gestirà gli alloggi e con quali regole di accesso.",
                ),
                (
                    "Aziende nella Rete del lavoro agricolo di qualità",
                    "È un'attività ordinaria dell'INPS: non serve una scheda del piano.",
                ),
                (
                    "Trasporto tra Rovigo, Castelguglielmo e le aziende",
                    "Ridimensionare l'importo: il servizio copre una sola stagione di raccolta.",
                ),
            ),
            edits=(
                (
                    SectionKey.CONTEXT,
                    "- tutela dei lavoratori e riconoscimento del lavoro agricolo di qualità.",
                    "- tutela dei lavoratori e riconoscimento del lavoro agricolo di qualità;\n"
                    "- chi gestisce gli alloggi temporanei e come vi si accede (illustrativo).",
                ),
            ),
            changed=(
                (
                    "Circa 10 alloggi temporanei per i lavoratori agricoli",
                    {
                        "body": (
                            "Alloggi temporanei per i lavoratori agricoli nei mesi di raccolta, "
                            f"finanziati con il PNRR ({SOURCE}). La gestione è affidata alla rete "
                            "del terzo settore con un avviso pubblico; si accede dallo sportello "
                            "contro lo sfruttamento. Sedi, gestione e regole di accesso: "
                            "illustrative."
                        )
                    },
                ),
                (
                    "Trasporto tra Rovigo, Castelguglielmo e le aziende",
                    {"funding": (Line(F.REGIONAL, "60000.00"),)},
                ),
            ),
            removed=("Aziende nella Rete del lavoro agricolo di qualità",),
        ),
    ),
    "004203": Draft(  # Saluzzo
        context=(
            "Saluzzo è il centro di un distretto della frutta che ogni anno impiega tra 10.000 "
            "e 12.000 lavoratori stagionali, per il 70% stranieri, da maggio (piccoli frutti) a "
            f"dicembre (mele) ({SOURCE}).\n\n"
            f"Dal 2018 un dormitorio stagionale di accoglienza offre 360 posti ({SOURCE}): meno "
            "delle presenze nei mesi di picco. Il Comune ha un progetto PNRR di 1.693.747,15 "
            f"euro per 52 posti letto, da completare entro il 30 giugno 2026 ({SOURCE}).\n\n"
            "Il tavolo di coprogettazione territoriale partecipata ha dedicato la sessione del "
            "26 gennaio 2023 all'incontro tra domanda e offerta di lavoro, con oltre 30 enti "
            f"({SOURCE}).\n\n"
            "Criticità su cui il piano interviene:\n"
            "- posti letto nei mesi di picco, oltre i 360 del dormitorio;\n"
            "- incontro regolare tra domanda e offerta di lavoro;\n"
            "- spostamenti verso le aziende dei comuni vicini;\n"
            "- tutela dei lavoratori stagionali."
        ),
        aim=(
            "Il piano vuole che chi arriva a Saluzzo per la stagione, da maggio a dicembre, "
            "trovi un posto letto dignitoso, un lavoro attraverso canali regolari e un modo "
            "sicuro di raggiungere le aziende, con la Regione e i comuni vicini (sintesi "
            "illustrativa della demo)."
        ),
        governance=(
            "Il tavolo di coprogettazione territoriale partecipata riunisce oltre 30 enti: "
            "Regione Piemonte, ITL, INPS, CREA, OIM, datori di lavoro, sindacati, terzo settore "
            f"e sindaci o assessori di una decina di comuni vicini ({SOURCE}). I comuni vicini "
            "partecipano alle schede sui trasporti e sull'accoglienza (ruolo: illustrativo)."
        ),
        measures=(
            M(
                5,
                "52 posti letto per i lavoratori stagionali",
                "Nuovi posti letto per i lavoratori stagionali finanziati con il PNRR (52 "
                f"posti, da completare entro il 30 giugno 2026: {SOURCE}). Sede e gestione: "
                "illustrative.",
                ITSELF,
                ("regione", "accoglienza", "caritas"),
                D(2023, 12, 1),
                PNRR_END,
                (Line(PNRR, "1693747.15", documented=True),),
                (
                    Ind(
                        "Posti letto realizzati con il PNRR",
                        "posti",
                        0,
                        52,
                        f"Progetto PNRR ({SOURCE})",
                        PNRR_END,
                    ),
                ),
            ),
            M(
                5,
                "Dormitorio stagionale da maggio a dicembre",
                "Gestione del dormitorio stagionale di accoglienza da 360 posti (dal 2018, "
                f"{SOURCE}) per tutta la stagione, con presidio sanitario e mediazione. Mesi di "
                "apertura e costi: illustrativi.",
                ITSELF,
                ("caritas", "accoglienza", "asl", "medici"),
                D(2024, 5, 1),
                D(2025, 12, 31),
                (Line(F.MUNICIPAL, "180000.00"), Line(F.REGIONAL, "120000.00")),
                (
                    Ind(
                        "Posti del dormitorio occupati nel mese di picco",
                        "posti",
                        300,
                        360,
                        f"Registro presenze del dormitorio (capienza: {SOURCE}; presenze: "
                        "valori illustrativi)",
                    ),
                ),
            ),
            M(
                4,
                "Incontro tra domanda e offerta nel distretto della frutta",
                "Liste pubbliche e calendario condiviso delle campagne, nati dalla sessione "
                f"del tavolo del 26 gennaio 2023 ({SOURCE}); il centro per l'impiego incrocia le "
                "richieste delle aziende con le disponibilità dei lavoratori. Strumenti e "
                "tempi: illustrativi.",
                "regione",
                ("cpi", "coldiretti", "confagricoltura", "copagri", "cgil"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FSE_PLUS, "150000.00"),),
                (
                    Ind(
                        "Lavoratori stagionali avviati tramite i canali pubblici",
                        "persone",
                        500,
                        1500,
                        _register("Centro per l'impiego"),
                    ),
                ),
            ),
            M(
                6,
                "Trasporto verso le aziende dei comuni vicini",
                "Navette stagionali e biciclette in comodato per raggiungere le aziende dei "
                "comuni vicini, su percorsi concordati con loro. Percorsi, orari e mezzi: "
                "illustrativi.",
                ITSELF,
                ("vicino1", "vicino2", "vicino3", "coldiretti", "volontariato"),
                D(2024, 5, 1),
                D(2025, 12, 31),
                (Line(F.REGIONAL, "100000.00"),),
                (
                    Ind(
                        "Lavoratori che usano il servizio in un giorno di picco",
                        "persone",
                        0,
                        300,
                        _register("Fogli di viaggio del servizio"),
                    ),
                ),
            ),
            M(
                9,
                "Sportello di tutela per i lavoratori stagionali",
                "Sportello nel dormitorio e nei luoghi di ritrovo, con orientamento legale e "
                "presa in carico, in raccordo con ITL, INPS e OIM. Orari e operatori: "
                "illustrativi.",
                "sportello",
                ("itl", "inps", "oim", "cgil", "cisl", "uil"),
                D(2024, 5, 1),
                D(2025, 12, 31),
                (Line(F.PN_INCLUSIONE, "120000.00"),),
                (
                    Ind(
                        "Persone prese in carico dallo sportello",
                        "persone",
                        0,
                        200,
                        _register("Registro dello sportello"),
                    ),
                ),
            ),
            M(
                1,
                "Dati condivisi sui fabbisogni di manodopera",
                "Il CREA e l'INPS stimano prima di ogni stagione i fabbisogni delle aziende e "
                "le presenze attese, per dimensionare accoglienza e trasporti. Dati e cadenza: "
                "illustrativi.",
                "crea",
                ("inps", "regione", "coldiretti"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FNPM, "30000.00"),),
                (
                    Ind(
                        "Stime stagionali condivise con il tavolo",
                        "stime",
                        0,
                        2,
                        _register("Verbali del tavolo"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "Il piano è completo. Il costo del dormitorio non è coerente con otto mesi di "
                "apertura; manca un'azione di informazione nei mesi di arrivo; nel monitoraggio "
                "dire chi raccoglie i dati dei comuni vicini."
            ),
            notes=(
                (
                    "Dormitorio stagionale da maggio a dicembre",
                    "Otto mesi di apertura: rivedere la quota del Comune.",
                ),
                (SectionKey.MONITORING, "Chi raccoglie i dati dei comuni vicini sui trasporti?"),
            ),
            edits=(
                (
                    SectionKey.MONITORING,
                    "",
                    "I dati dei trasporti sono raccolti dai comuni vicini che partecipano alla "
                    "scheda e trasmessi al Comune di Saluzzo ogni mese della stagione "
                    "(illustrativo).",
                ),
            ),
            changed=(
                (
                    "Dormitorio stagionale da maggio a dicembre",
                    {"funding": (Line(F.MUNICIPAL, "220000.00"), Line(F.REGIONAL, "120000.00"))},
                ),
            ),
            added=(
                M(
                    7,
                    "Informazione all'arrivo per la stagione",
                    "Un punto informativo nei mesi di arrivo, da maggio, su contratti, "
                    "alloggio, trasporti e servizi, nelle lingue dei lavoratori. Luoghi e "
                    "lingue: illustrativi.",
                    "mediazione",
                    ("caritas", "arci", "cgil"),
                    D(2024, 5, 1),
                    D(2025, 12, 31),
                    (Line(F.FNPM, "20000.00"),),
                    (
                        Ind(
                            "Lavoratori informati all'arrivo",
                            "persone",
                            0,
                            2000,
                            _register("Registro del punto informativo"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "043042": Draft(  # Porto Recanati
        context=(
            "A Porto Recanati circa 500 lavoratori agricoli stranieri risultano dichiarati; "
            "vivono in due grandi complessi residenziali e lavorano nei campi dei comuni vicini "
            f"({SOURCE}). Sovraffollamento e stato degli alloggi non sono documentati: dati "
            "illustrativi da rilevare.\n\n"
            "Il tavolo primario del 9 gennaio 2023 ha riunito la Prefettura di Macerata, la "
            "Regione Marche, INPS, Ispettorato del Lavoro, Coldiretti, CIA, CGIL, CISL, UIL e "
            f"l'intera Giunta comunale ({SOURCE}), con l'obiettivo di adottare il piano entro "
            "l'agosto 2023.\n\n"
            "Con tre comuni vicini il Comune ha un progetto PNRR di 7.958.238,25 euro per 115 "
            f"posti letto ({SOURCE}).\n\n"
            "Criticità su cui il piano interviene:\n"
            "- alloggio dignitoso fuori dai due complessi residenziali;\n"
            "- spostamenti verso i campi dei comuni vicini;\n"
            "- lavoro regolare e tutela."
        ),
        aim=(
            "Il piano vuole offrire ai lavoratori agricoli che vivono a Porto Recanati "
            "un'alternativa ai due complessi residenziali, un modo sicuro di raggiungere i campi "
            "dei comuni vicini e canali regolari di lavoro (sintesi illustrativa della demo)."
        ),
        governance=(
            "Al tavolo primario siede l'intera Giunta comunale con la Prefettura di Macerata, la "
            "Regione Marche, INPS, Ispettorato del Lavoro, le associazioni agricole e i "
            f"sindacati ({SOURCE}). I tre comuni vicini del progetto PNRR partecipano alla scheda "
            "sui posti letto (modalità illustrative)."
        ),
        measures=(
            M(
                5,
                "115 posti letto con tre comuni vicini",
                "Posti letto per i lavoratori agricoli in strutture dei quattro comuni, "
                f"finanziati con il PNRR (115 posti, {SOURCE}). Sedi e gestione: illustrative.",
                ITSELF,
                ("regione", "prefettura", "accoglienza"),
                D(2023, 12, 1),
                PNRR_END,
                (Line(PNRR, "7958238.25", documented=True),),
                (
                    Ind(
                        "Posti letto realizzati",
                        "posti",
                        0,
                        115,
                        f"Progetto PNRR ({SOURCE})",
                        PNRR_END,
                    ),
                ),
            ),
            M(
                5,
                "Accompagnamento all'abitare fuori dai due complessi",
                "Mediazione con i proprietari, contributi per il primo affitto e "
                "accompagnamento per chi lascia i complessi sovraffollati. Numero degli alloggi "
                "e contributi: illustrativi.",
                "accoglienza",
                ("caritas", "cgil", "cisl"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FAMI_2021_2027, "140000.00"),),
                (
                    Ind(
                        "Lavoratori accompagnati in un nuovo alloggio",
                        "persone",
                        0,
                        60,
                        _register("Schede di accompagnamento"),
                    ),
                ),
            ),
            M(
                6,
                "Spostamenti verso i campi dei comuni vicini",
                "Navetta stagionale all'alba dai due complessi ai campi dei comuni vicini, con "
                "le aziende che aderiscono. Percorsi, orari e corse: illustrativi.",
                "trasporti",
                ("coldiretti", "cia", "uil"),
                D(2024, 4, 1),
                D(2025, 9, 30),
                (Line(F.REGIONAL, "110000.00"),),
                (
                    Ind(
                        "Lavoratori trasportati in un giorno di picco",
                        "persone",
                        0,
                        120,
                        _register("Fogli di viaggio del servizio"),
                    ),
                ),
            ),
            M(
                8,
                "Vigilanza nei campi dei comuni vicini",
                "Controlli congiunti dell'Ispettorato del Lavoro, dell'INPS e dei carabinieri "
                "nelle aziende dove lavorano i residenti dei complessi. Numero dei controlli: "
                "illustrativo.",
                "itl",
                ("inps", "carabinieri", "prefettura"),
                D(2024, 4, 1),
                D(2025, 12, 31),
                (Line(F.OTHER, "20000.00"),),
                (
                    Ind(
                        "Aziende controllate nella stagione",
                        "aziende",
                        10,
                        35,
                        _register("Relazioni dell'Ispettorato"),
                    ),
                ),
            ),
            M(
                4,
                "Lavoro regolare e intermediazione",
                "Un servizio del centro per l'impiego nei due complessi per iscriversi alle "
                "liste e incontrare le aziende dei comuni vicini. Giorni e modalità: "
                "illustrativi.",
                "cpi",
                ("coldiretti", "cia", "cgil", "inps"),
                D(2024, 1, 1),
                D(2025, 12, 31),
                (Line(F.FSE_PLUS, "80000.00"),),
                (
                    Ind(
                        "Avviamenti tramite il centro per l'impiego",
                        "avviamenti",
                        0,
                        150,
                        _register("Centro per l'impiego"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "Manca una scheda di tutela delle vittime (asse 3); la navetta costa troppo per "
                "una sola stagione; nel contesto dire come si lavora con i tre comuni del "
                "progetto PNRR."
            ),
            notes=(
                (
                    "Spostamenti verso i campi dei comuni vicini",
                    "Importo alto per una navetta stagionale: rivederlo o chiedere una quota "
                    "alle aziende.",
                ),
                (SectionKey.CONTEXT, "Dire come si lavora con i tre comuni vicini del PNRR."),
            ),
            edits=(
                (
                    SectionKey.CONTEXT,
                    f"posti letto ({SOURCE}).",
                    f"posti letto ({SOURCE}); un accordo tra i quattro comuni ne regola la "
                    "gestione (illustrativo).",
                ),
            ),
            changed=(
                (
                    "Spostamenti verso i campi dei comuni vicini",
                    {"funding": (Line(F.REGIONAL, "80000.00"),)},
                ),
            ),
            added=(
                M(
                    9,
                    "Sportello di tutela nei complessi residenziali",
                    "Uno sportello settimanale nei due complessi con orientamento legale, "
                    "mediazione e presa in carico delle vittime di sfruttamento. Giorni e "
                    "operatori: illustrativi.",
                    "sportello",
                    ("mediazione", "cgil", "cisl", "itl"),
                    D(2024, 1, 1),
                    D(2025, 12, 31),
                    (Line(F.PN_INCLUSIONE, "90000.00"),),
                    (
                        Ind(
                            "Persone prese in carico",
                            "persone",
                            0,
                            70,
                            _register("Registro dello sportello"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "071051": Draft(  # San Severo: started, never submitted
        context=(
            "San Severo, in provincia di Foggia, vede nei mesi di raccolta del pomodoro, "
            "dell'uva e delle olive un forte afflusso di lavoratori stagionali stranieri, in "
            "parte alloggiati in insediamenti informali nelle campagne (colture, mesi, numeri e "
            "insediamenti: dati illustrativi).\n\n"
            "Il Comune ha un piano d'azione PNRR di 27.832.952,99 euro, con 2.000 posti letto "
            f"previsti ({SOURCE}).\n\n"
            "Criticità da approfondire:\n"
            "- superamento degli insediamenti informali;\n"
            "- alloggio nei mesi di raccolta;\n"
            "- presidi sanitari e tutela."
        ),
        aim=(
            "Il piano vuole superare gli insediamenti informali delle campagne con alloggi "
            "dignitosi e portare servizi sanitari e di tutela dove vivono i lavoratori (bozza; "
            "sintesi illustrativa della demo)."
        ),
        governance="",
        missing=(SectionKey.GOVERNANCE, SectionKey.MONITORING),
        measures=(
            M(
                5,
                "Piano d'azione PNRR: 2.000 posti letto",
                "Superamento degli insediamenti informali con i posti letto del piano d'azione "
                f"PNRR (2.000 posti previsti, {SOURCE}). Sedi, fasi e gestione: illustrative.",
                ITSELF,
                ("regione", "prefettura", "accoglienza"),
                D(2023, 6, 1),
                PNRR_END,
                (Line(PNRR, "27832952.99", documented=True),),
                (
                    Ind(
                        "Posti letto realizzati",
                        "posti",
                        0,
                        2000,
                        f"Piano d'azione PNRR ({SOURCE})",
                        PNRR_END,
                    ),
                ),
            ),
            M(
                9,
                "Presidio sanitario e di prima assistenza nelle campagne",
                "Presidio mobile dell'ASL con mediatori negli insediamenti nei mesi di "
                "raccolta. Giorni e operatori: illustrativi.",
                "asl",
                ("caritas", "mediazione", "oim"),
                D(2023, 7, 1),
                D(2025, 12, 31),
                (),  # its funding still to be found: the draft cannot be submitted
                (
                    Ind(
                        "Persone visitate dal presidio",
                        "persone",
                        0,
                        300,
                        _register("Registro del presidio"),
                    ),
                ),
            ),
        ),
    ),
}

# The amounts COHORT-FACTS documents, on their comuni's first plan: (source, amount).
DOCUMENTED_FUNDING = {
    "004203": (PNRR, Decimal("1693747.15")),  # Saluzzo, 52 beds
    "029041": (PNRR, Decimal("1129164.77")),  # Rovigo, about 10 temporary homes
    "043042": (PNRR, Decimal("7958238.25")),  # Porto Recanati, 115 beds
    "071051": (PNRR, Decimal("27832952.99")),  # San Severo, 2,000 beds planned
    "009002": (PNRR, Decimal("4000000.00")),  # Albenga's bid, "about 4 million"
    "076043": (F.PON_LEGALITA, Decimal("4200000.00")),  # Lavello's reception centre
}


# --- The second cycle (illustrative) ------------------------------------------------------------

SECOND = "secondo ciclo, illustrativo"
S_START, S_END = D(2027, 1, 1), D(2028, 12, 31)
LEFT_OPEN = "Dal piano 2022-2023 restano aperti (illustrativo):\n"


def _second(name: str) -> str:
    return f"Secondo piano di {name} (2026-2028, contenuti illustrativi della demo)."


SECOND_CYCLE = {
    "004203": Draft(  # Saluzzo: submitted, returned once, submitted again: under review
        context=(
            f"{_second('Saluzzo')} Il distretto della frutta impiega ogni anno tra 10.000 e "
            "12.000 lavoratori stagionali, per il 70% stranieri, da maggio a dicembre; il "
            f"dormitorio stagionale da 360 posti è aperto dal 2018 ({SOURCE}).\n\n"
            "Il progetto PNRR di 1.693.747,15 euro per 52 posti letto aveva come termine il 30 "
            f"giugno 2026 ({SOURCE}); lo stato dei lavori è un dato illustrativo.\n\n"
            f"{LEFT_OPEN}"
            "- i posti letto nei mesi di picco;\n"
            "- i trasporti verso le aziende dei comuni vicini;\n"
            "- la tutela nei mesi di arrivo."
        ),
        aim=(
            "Il secondo piano consolida l'accoglienza stagionale e porta a regime i servizi "
            "avviati dal primo (illustrativo)."
        ),
        governance=(
            "Il tavolo del secondo ciclo riprende il metodo del tavolo di coprogettazione "
            "territoriale partecipata del primo piano (illustrativo)."
        ),
        measures=(
            M(
                5,
                "Gestione dei 52 posti letto del progetto PNRR",
                f"Apertura e gestione per tutta la stagione dei 52 posti letto del PNRR ({SOURCE})."
                " Stato dei lavori, gestione e costi: illustrativi.",
                ITSELF,
                ("accoglienza", "caritas", "regione"),
                S_START,
                S_END,
                (Line(F.MUNICIPAL, "90000.00"),),
                (
                    Ind(
                        "Posti letto PNRR aperti nella stagione",
                        "posti",
                        0,
                        52,
                        _register("Comune"),
                    ),
                ),
            ),
            M(
                5,
                "Dormitorio stagionale: 360 posti da maggio a dicembre",
                "Gestione del dormitorio stagionale per tutta la stagione, con presidio "
                "sanitario e mediazione. Costi e mesi: illustrativi.",
                ITSELF,
                ("caritas", "accoglienza", "asl"),
                S_START,
                S_END,
                (Line(F.MUNICIPAL, "200000.00"), Line(F.REGIONAL, "120000.00")),
                (
                    Ind(
                        "Posti del dormitorio occupati nel mese di picco",
                        "posti",
                        330,
                        360,
                        _register("Registro presenze del dormitorio"),
                    ),
                ),
            ),
            M(
                6,
                "Navette stagionali con i comuni vicini",
                "Navette verso le aziende dei comuni vicini negli orari dei turni. Percorsi e "
                "orari: illustrativi.",
                ITSELF,
                ("vicino1", "vicino2", "vicino3"),
                S_START,
                S_END,
                (Line(F.REGIONAL, "110000.00"),),
                (
                    Ind(
                        "Lavoratori che usano il servizio in un giorno di picco",
                        "persone",
                        300,
                        400,
                        _register("Fogli di viaggio del servizio"),
                    ),
                ),
            ),
            M(
                9,
                "Sportello di tutela nei mesi di arrivo",
                "Sportello di tutela e presa in carico da maggio, con una nuova associazione "
                "entrata nel secondo ciclo. Orari e operatori: illustrativi.",
                "sportello",
                ("itl", "oim", "nuova"),
                S_START,
                S_END,
                (Line(F.PN_INCLUSIONE, "130000.00"),),
                (
                    Ind(
                        "Persone prese in carico dallo sportello",
                        "persone",
                        200,
                        300,
                        _register("Registro dello sportello"),
                    ),
                ),
            ),
        ),
        revision=Revision(
            comments=(
                "Manca l'incontro tra domanda e offerta, punto forte del primo piano; la quota "
                "del Comune per i 52 posti è bassa per una stagione intera (illustrativo)."
            ),
            notes=(
                (
                    "Gestione dei 52 posti letto del progetto PNRR",
                    "Rivedere la quota del Comune: i posti restano aperti da maggio a dicembre.",
                ),
                (SectionKey.OBJECTIVES, "Riprendere l'incontro tra domanda e offerta del primo."),
            ),
            edits=(
                (
                    SectionKey.CONTEXT,
                    "- la tutela nei mesi di arrivo.",
                    "- la tutela nei mesi di arrivo;\n"
                    "- l'incontro tra domanda e offerta attraverso canali pubblici.",
                ),
            ),
            changed=(
                (
                    "Gestione dei 52 posti letto del progetto PNRR",
                    {"funding": (Line(F.MUNICIPAL, "130000.00"),)},
                ),
            ),
            added=(
                M(
                    4,
                    "Canali pubblici di incontro tra domanda e offerta",
                    "Liste pubbliche e calendario delle campagne con il centro per l'impiego, "
                    "come nel primo piano. Strumenti: illustrativi.",
                    "regione",
                    ("cpi", "coldiretti", "cgil"),
                    S_START,
                    S_END,
                    (Line(F.FSE_PLUS, "140000.00"),),
                    (
                        Ind(
                            "Lavoratori stagionali avviati tramite i canali pubblici",
                            "persone",
                            1500,
                            2000,
                            _register("Centro per l'impiego"),
                        ),
                    ),
                ),
            ),
        ),
    ),
    "089017": Draft(  # Siracusa: approved, waiting on its act
        context=(
            f"{_second('Siracusa')} La manodopera resta concentrata a Cassibile nei mesi di "
            "raccolta; l'ostello aperto dall'aprile 2021 accoglie fino a 110 persone "
            f"({SOURCE}).\n\n"
            f"{LEFT_OPEN}"
            "- i posti letto nei mesi di picco;\n"
            "- i canali regolari di incontro tra domanda e offerta;\n"
            "- la tutela delle vittime."
        ),
        aim=(
            "Il secondo piano porta a regime l'ostello, le liste pubbliche e il presidio di "
            "tutela avviati dal primo (illustrativo)."
        ),
        governance=(
            "Il tavolo del secondo ciclo resta collegato al protocollo provinciale del maggio "
            f"2021 ({SOURCE}; raccordo illustrativo)."
        ),
        measures=(
            M(
                5,
                "Ostello di Cassibile nei mesi di raccolta",
                "Apertura dell'ostello nei mesi di raccolta, con i posti aggiunti dal primo "
                "piano. Posti, gestione e mesi: illustrativi.",
                ITSELF,
                ("accoglienza", "caritas"),
                S_START,
                S_END,
                (Line(F.MUNICIPAL, "160000.00"), Line(F.FAMI_2021_2027, "200000.00")),
                (
                    Ind(
                        "Posti letto per i lavoratori stagionali a Cassibile",
                        "posti",
                        140,
                        160,
                        _register("Registro dell'ostello"),
                    ),
                ),
            ),
            M(
                4,
                "Liste pubbliche di prenotazione per la raccolta",
                "Le liste del centro per l'impiego per ogni campagna, con l'ente bilaterale "
                "agricolo. Tempi e modalità: illustrativi.",
                "cpi",
                ("ebat", "inps", "coldiretti"),
                S_START,
                S_END,
                (Line(F.PN_INCLUSIONE, "150000.00"),),
                (
                    Ind(
                        "Assunzioni regolari tramite le liste pubbliche",
                        "assunzioni",
                        300,
                        450,
                        _register("Centro per l'impiego di Siracusa"),
                    ),
                ),
            ),
            M(
                9,
                "Presidio di tutela a Cassibile",
                "Il presidio mobile di tutela e prima assistenza, con la nuova associazione "
                "entrata nel secondo ciclo. Giorni e operatori: illustrativi.",
                "sportello",
                ("mediazione", "oim", "nuova"),
                S_START,
                S_END,
                (Line(F.FAMI_2021_2027, "90000.00"),),
                (
                    Ind(
                        "Persone assistite dal presidio",
                        "persone",
                        150,
                        200,
                        _register("Registro del presidio"),
                    ),
                ),
            ),
        ),
    ),
    "029041": Draft(  # Rovigo: a partial draft for the demo user to finish
        context=(
            f"{_second('Rovigo')} Nell'agosto 2024 il Comune ha rinunciato al progetto PNRR di "
            f"1.129.164,77 euro per circa 10 alloggi temporanei ({SOURCE}): il bisogno di alloggi "
            "temporanei resta e va coperto con altre risorse.\n\n"
            f"{LEFT_OPEN}"
            "- alloggi temporanei nei mesi di raccolta;\n"
            "- trasporti tra i comuni e le aziende;\n"
            "- tutela dei lavoratori."
        ),
        aim=(
            "Il secondo piano cerca altre risorse per gli alloggi temporanei e consolida "
            "trasporti e tutela (illustrativo)."
        ),
        governance=(
            "Il tavolo del secondo ciclo riparte dai tavoli degli Stati Generali del Lavoro "
            f"Agricolo del 5 maggio 2023 ({SOURCE}; metodo illustrativo)."
        ),
        missing=(SectionKey.MONITORING,),
        measures=(
            M(
                5,
                "Alloggi temporanei dopo la rinuncia al PNRR",
                "Alloggi temporanei in strutture pubbliche e private convenzionate nei mesi di "
                "raccolta, dopo la rinuncia al progetto PNRR dell'agosto 2024 "
                f"({SOURCE}). Posti, sedi e costi: illustrativi.",
                ITSELF,
                ("castelguglielmo", "rete"),
                S_START,
                S_END,
                (Line(F.REGIONAL, "250000.00"), Line(F.MUNICIPAL, "60000.00")),
                (
                    Ind(
                        "Posti letto temporanei disponibili",
                        "posti",
                        0,
                        30,
                        _register("Comune"),
                    ),
                ),
            ),
            M(
                6,
                "Corse stagionali verso le aziende",
                "Corse del trasporto pubblico locale negli orari dei turni in campagna. "
                "Percorsi e orari: illustrativi.",
                "trasporti",
                ("castelguglielmo", "coldiretti"),
                S_START,
                S_END,
                (),  # left for the demo user: its funding line
                (
                    Ind(
                        "Corse stagionali effettuate",
                        "corse",
                        400,
                        500,
                        _register("Azienda del trasporto pubblico"),
                    ),
                ),
            ),
            M(
                9,
                "Sportello contro lo sfruttamento",
                "Lo sportello della rete del terzo settore, con la nuova associazione entrata "
                "nel secondo ciclo. Sede e orari: illustrativi.",
                "rete",
                ("sportello", "itl", "nuova"),
                S_START,
                S_END,
                (Line(F.FAMI_2021_2027, "120000.00"),),
                (
                    Ind(
                        "Persone prese in carico",
                        "persone",
                        90,
                        120,
                        _register("Registro dello sportello"),
                    ),
                ),
            ),
        ),
    ),
}


def second_cycle(plan, by) -> None:
    """The second cycle's draft (illustrative), written and submitted."""
    write_all(plan, by, SECOND_CYCLE[plan.comune.istat_code])
    draft_submit(plan=plan, by=by)


def second_cycle_draft(plan, by) -> None:
    """A partial draft, saved (not submitted), for a demo user to finish: the monitoring
    section and one measure's funding are left to write."""
    write_all(plan, by, SECOND_CYCLE[plan.comune.istat_code])


@dataclass(frozen=True)
class Rework:
    """A returned round of a plan now under review: the decision, then the revision."""

    decision: Decision
    revise: object  # revise(plan, by): the changes and the submission


def second_cycle_return(istat: str) -> Rework | None:
    """Where a second-cycle plan waits on the draft's review: a round returned first."""
    draft = SECOND_CYCLE.get(istat)
    if draft is None or draft.revision is None:
        return None
    revise = _revise(draft)

    def write(plan, by):
        revise(plan, by)
        draft_submit(plan=plan, by=by)

    revision = draft.revision
    return Rework(Decision("returned", revision.comments, revision.notes), write)
