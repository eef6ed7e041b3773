"""The draft's writes: the plan's sections, its measures with funding lines and indicators.

The holder of the open ``draft`` task writes the draft over many saves: the four sections
(one save for all, an event per section changed), and each measure on its own (its fields,
partners, funding lines and indicators in one save, one event). While the draft is under
review, or before drafting opens, nothing here writes. Submitting runs the named checks of
``submit_for_review`` and moves the plan to review, all or nothing.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import payload_of, record
from plm_workflow.db import joined
from plm_workflow.plans import phases
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    FundingLine,
    Indicator,
    Measure,
    MeasurePartner,
    Phase,
    Plan,
    PlanSection,
    PriorityAction,
    SectionKey,
)
from plm_workflow.plans.services import StaleEdit, last_saved, phase_work_submit

from . import rows
from .guard import work_held

SPEC = phases.spec_of(Phase.DRAFTING)
MEASURE_FIELDS = ("priority_action_id", "title", "description", "lead_id", "starts_on", "ends_on")
FUNDING_FIELDS = ("source", "amount", "cup")
INDICATOR_FIELDS = ("name", "unit", "baseline", "target", "target_date", "source")

NOT_FOUND = _("This measure was not found on this plan: reload the page and try again.")
SECTION_UNKNOWN = _("This plan has no such section.")
ACTION_UNKNOWN = _("Choose one of the national plan's priority actions.")
OTHER_COMUNE = rows.OTHER_COMUNE
STALE_SECTION = _(
    "%(user)s changed the section “%(section)s” on %(when)s while you were editing it: "
    "nothing was saved. Its current text is shown; copy what you need from yours and save "
    "again."
)
STALE_MEASURE = _(
    "%(user)s changed the measure “%(measure)s” on %(when)s while you were editing it: "
    "nothing was saved. Its current version is shown; make your change again."
)
FUNDING_LINE = _("Funding line")
INDICATOR = _("Indicator")
_REASON = "draft"


def _record(kind, plan, by, *, concerns, changes=None, children=None) -> None:
    record(
        kind=kind,
        actor=by,
        plan=plan,
        payload=payload_of(
            concerns={"plan": plan.pk, **concerns},
            phase=SPEC.phase,
            node=SPEC.work_node,
            changes=changes or None,
            children=children or None,
        ),
    )


def _stale(row, message, **names) -> StaleEdit:
    """The refusal of a page out of date, naming who saved ``row`` last and when (a row that
    does not exist, for a forged revision, names nobody)."""
    latest = (
        row.history.select_related("history_user").order_by("-history_id").first()
        if row is not None
        else None
    )
    return StaleEdit([message % {**last_saved(latest), **names}])


# --- Sections -----------------------------------------------------------------------------------


def sections_save(
    *, plan: Plan, by, texts: dict, seen_versions: dict | None = None
) -> dict[str, PlanSection]:
    """Save the sections' texts (``{key: text}``; the keys not given stay as they are).

    ``seen_versions`` (``{key: revision}``, 0 for a section not written yet) are the
    revisions the editor showed: a section changed since by someone else is not overwritten,
    and nothing of this save is written. Return the plan's sections by key.
    """
    unknown = set(texts) - set(SectionKey.values)
    if unknown:
        raise PlanError([SECTION_UNKNOWN])
    with joined():  # every refusal comes before the first write
        work_held(plan=plan, spec=SPEC, by=by)
        stored = {section.key: section for section in PlanSection.objects.filter(plan=plan)}
        for key in texts:
            section = stored.get(key)
            seen = (seen_versions or {}).get(key)
            if seen is not None and (section.revision if section else 0) != seen:
                raise _stale(section, STALE_SECTION, section=SectionKey(key).label)
        changed, problems = [], []
        for key in SectionKey.values:
            if key not in texts:
                continue
            text = (texts[key] or "").replace("\r\n", "\n").strip()
            section = stored.get(key) or PlanSection(plan=plan, key=key)
            old = section.text if section.pk else None
            if (old or "") == text:
                continue
            section.text = text
            problems += [
                f"{SectionKey(key).label}: {message}"
                for message in rows.problems_of(section, exclude=["plan"])
            ]
            changed.append((section, old))
        if problems:
            raise PlanError(problems)
        for section, old in changed:
            rows.save_row(section, by, f"{_REASON}: section")
            stored[section.key] = section
            _record(
                EventKind.SECTION_SAVED,
                plan,
                by,
                concerns={"plan_section": section.pk},
                changes={"key": [None, section.key], "text": [old, section.text]}
                if old is None
                else {"text": [old, section.text]},
            )
    return stored


# --- Measures -----------------------------------------------------------------------------------


def measure_save(
    *,
    plan: Plan,
    by,
    fields: dict,
    pk: int | None = None,
    partners: list[int] | None = None,
    funding: list[dict] | None = None,
    indicators: list[dict] | None = None,
    seen_version: int | None = None,
) -> Measure:
    """Add a measure, or change one: its fields, partners, funding lines and indicators.

    ``partners``, ``funding`` and ``indicators`` are all of them (None: as they are); a
    funding line or indicator with an ``id`` is an existing one of this measure. The lead
    and partners are organisations of the plan's comune. All or nothing, one event.
    """
    with joined():  # every refusal comes before the first write
        work_held(plan=plan, spec=SPEC, by=by)
        if pk is None:
            measure = Measure(plan=plan)
        else:
            measure = Measure.objects.filter(pk=pk, plan=plan).first()
            if measure is None:
                raise PlanError([NOT_FOUND])
            if seen_version is not None and measure.revision != seen_version:
                raise _stale(measure, STALE_MEASURE, measure=measure.title)
        before = rows.values(measure, MEASURE_FIELDS) if measure.pk else {}
        for name in MEASURE_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(measure, name, value.strip() if isinstance(value, str) else value)
        action = measure.priority_action_id
        if action is not None and not PriorityAction.objects.filter(pk=action).exists():
            raise PlanError([ACTION_UNKNOWN])
        if measure.lead_id is not None:
            rows.of_comune(plan.comune_id, [measure.lead_id])
        wanted = None if partners is None else rows.of_comune(plan.comune_id, partners)
        problems = rows.problems_of(measure, exclude=["plan", "priority_action", "lead"])
        children = {}
        for kind, model, names, given, label in (
            ("funding_line", FundingLine, FUNDING_FIELDS, funding, FUNDING_LINE),
            ("indicator", Indicator, INDICATOR_FIELDS, indicators, INDICATOR),
        ):
            if given is None:
                continue
            matched, found_problems = rows.match_rows(
                measure, model, "measure", names, given, label
            )
            problems += found_problems
            children[kind] = (model, names, matched)
        if problems:
            raise PlanError(problems)
        changes = rows.diff(before, rows.values(measure, MEASURE_FIELDS))
        # Read before the writes: a removed row loses its id when deleted.
        described = {
            kind: rows.row_changes(matched, names)
            for kind, (model, names, matched) in children.items()
        }
        described = {kind: found for kind, found in described.items() if found}
        if measure.pk is None or changes:
            rows.save_row(measure, by, f"{_REASON}: measure")
        for kind, found in described.items():
            model, names, matched = children[kind]
            rows.write_rows(
                model,
                matched,
                parent=measure,
                parent_field="measure",
                by=by,
                names=names,
                reason=f"{_REASON}: measure",
                found=found,
            )
        if wanted is not None:
            linked = rows.sync_links(MeasurePartner, "measure", measure, wanted, by)
            if linked:
                described["measure_partner"] = linked
        if before and not changes and not described:
            return measure  # nothing changed: no write, no event
        if described and not changes and before:
            # A measure's rows changed: its revision counts it, so a page out of date sees it.
            rows.save_row(measure, by, f"{_REASON}: measure")
        _record(
            EventKind.MEASURE_SAVED,
            plan,
            by,
            concerns={"measure": measure.pk},
            changes=changes,
            children=described,
        )
    return measure


def measure_remove(*, plan: Plan, by, pk: int) -> None:
    """Remove a measure, with its funding lines, indicators and partners (history kept)."""
    with joined():
        work_held(plan=plan, spec=SPEC, by=by)
        measure = Measure.objects.filter(pk=pk, plan=plan).first()
        if measure is None:
            raise PlanError([NOT_FOUND])
        removed = rows.values(measure, MEASURE_FIELDS)
        children = {}
        for kind, model, names in (
            ("funding_line", FundingLine, FUNDING_FIELDS),
            ("indicator", Indicator, INDICATOR_FIELDS),
        ):
            found = []
            for row in model.objects.filter(measure=measure).order_by("pk"):
                found.append({"id": row.pk, **rows.values(row, names)})
                row._history_user = by
                row.delete()
            if found:
                children[kind] = {"removed": found}
        partners = rows.sync_links(MeasurePartner, "measure", measure, [], by)
        if partners:
            children["measure_partner"] = partners
        measure_pk = measure.pk
        measure._history_user = by
        measure._change_reason = f"{_REASON}: measure removed"
        measure.delete()
        _record(
            EventKind.MEASURE_REMOVED,
            plan,
            by,
            concerns={"measure": measure_pk},
            changes={name: [value, None] for name, value in removed.items()},
            children=children,
        )


# --- Submission ---------------------------------------------------------------------------------


def draft_submit(*, plan: Plan, by) -> Plan:
    """Hand the draft to the facilitators for review (the draft task's holder): the named
    checks of ``submit_for_review`` must pass; the draft is locked until they decide."""
    with transaction.atomic():
        work_held(plan=plan, spec=SPEC, by=by)
        return phase_work_submit(plan=plan, phase=SPEC.phase, by=by)


# --- The measures' CSV ---------------------------------------------------------------------------


def measures_export_record(*, plan: Plan, by, rows: int, measures: int) -> None:
    """Record that ``by`` downloaded the plan's measures as CSV (anyone who may see the plan)."""
    with transaction.atomic():
        record(
            kind=EventKind.MEASURES_EXPORTED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk},
                phase=SPEC.phase,
                changes={"rows": [None, rows], "measures": [None, measures]},
            ),
        )
