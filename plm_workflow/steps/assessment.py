"""The needs assessment's writes: save (draft), submit, and start from the last cycle's copy.

A save gives the whole assessment as the editor shows it: its fields, and its crops and
settlements as lists of rows (a row with an ``id`` is an existing one, kept and updated; a
row without is new; an existing row left out is removed). Only what changed is written, and
one event records it, old → new, with the rows added, removed and changed.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import payload_of, record
from plm_workflow.db import joined
from plm_workflow.plans import phases
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    Crop,
    NeedsAssessment,
    Phase,
    Plan,
    PlanStatus,
    Settlement,
)
from plm_workflow.plans.models.assessment import NONE_KNOWN_AND_LISTED
from plm_workflow.plans.services import StaleEdit, last_saved, phase_work_submit

from . import rows
from .guard import work_held

# What an editor may set, per model (everything else is the service's).
ASSESSMENT_FIELDS = (
    "seasonal_min",
    "seasonal_max",
    "seasonal_kind",
    "seasonal_year",
    "seasonal_source",
    "resident_min",
    "resident_max",
    "resident_kind",
    "resident_year",
    "resident_source",
    "countries_of_origin",
    "housing",
    "transport",
    "health_access",
    "services",
    "key_issues",
    "data_sources",
    "no_settlements_known",
)
CROP_FIELDS = ("name", "months", "workers_at_peak")
SETTLEMENT_FIELDS = (
    "name",
    "kind",
    "people_peak",
    "people_off_season",
    "capacity",
    "months",
    "water",
    "electricity",
    "sanitation",
    "notes",
)

ROW_UNKNOWN = _("A row of this assessment was not found: reload the page and try again.")
STALE_ASSESSMENT = _(
    "%(user)s changed this assessment on %(when)s while you were editing it: nothing was "
    "saved. Their version is shown below; copy what you need from yours and save again."
)
ALREADY_STARTED = _(
    "This plan's assessment is already started: a copy of the last cycle can only start an "
    "empty one."
)
NOTHING_TO_COPY = _("This comune has no adopted plan whose assessment could be copied.")
ROW_PROBLEM = rows.ROW_PROBLEM
SPEC = phases.spec_of(Phase.ASSESSMENT)
_REASON = "needs assessment"
_ROW_MODELS = {"crop": (Crop, CROP_FIELDS), "settlement": (Settlement, SETTLEMENT_FIELDS)}


def previous_assessment(plan: Plan) -> NeedsAssessment | None:
    """Return the assessment of the comune's last adopted plan before this one, if any."""
    return (
        NeedsAssessment.objects.filter(
            plan__comune_id=plan.comune_id, plan__status=PlanStatus.ADOPTED
        )
        .exclude(plan_id=plan.pk)
        .select_related("plan")
        .order_by("-plan__created_at", "-plan_id")
        .first()
    )


def assessment_save(
    *,
    plan: Plan,
    by,
    fields: dict,
    crops: list[dict],
    settlements: list[dict],
    seen_version: int | None = None,
) -> NeedsAssessment:
    """Save the assessment as a draft (the holder of the open ``assess`` task).

    ``seen_version`` is the revision the editor showed (0: none yet; None: do not check): an
    assessment changed since by someone else is not overwritten.
    """
    with joined():  # every refusal comes before the first write
        work_held(plan=plan, spec=SPEC, by=by)
        assessment = NeedsAssessment.objects.filter(plan=plan).first()
        if seen_version is not None:
            _refuse_if_stale(assessment, seen_version)
        if assessment is None:
            assessment = NeedsAssessment(plan=plan)
        # A new assessment is compared with the model's defaults: only what was given counts
        # (a field left empty is no change), each recorded from None as the copy records it.
        new = assessment.pk is None
        before = rows.values(assessment, ASSESSMENT_FIELDS)
        for name in ASSESSMENT_FIELDS:
            if name in fields:
                setattr(assessment, name, fields[name])
        problems = rows.problems_of(assessment, exclude=["plan", "copied_from"])
        crop_rows, crop_problems = _rows(assessment, Crop, CROP_FIELDS, crops, _("Crop"))
        settlement_rows, settlement_problems = _rows(
            assessment, Settlement, SETTLEMENT_FIELDS, settlements, _("Settlement")
        )
        problems += crop_problems + settlement_problems
        if assessment.no_settlements_known and settlement_rows["kept"]:
            problems.append(str(NONE_KNOWN_AND_LISTED))
        if problems:
            raise PlanError(problems)
        after = rows.values(assessment, ASSESSMENT_FIELDS)
        field_changes = {
            name: [None if new else before[name], after[name]]
            for name in ASSESSMENT_FIELDS
            if before[name] != after[name]
        }
        # Read before the writes: a removed row loses its id when deleted.
        children = {
            kind: (matched, found)
            for kind, matched, found in (
                ("crop", crop_rows, rows.row_changes(crop_rows, CROP_FIELDS)),
                (
                    "settlement",
                    settlement_rows,
                    rows.row_changes(settlement_rows, SETTLEMENT_FIELDS),
                ),
            )
            if found
        }
        if not field_changes and not children:
            # Nothing changed: no write, no event. An empty form on no assessment creates
            # none either, so the copy of the last cycle is still offered.
            return assessment
        assessment.revision += 1
        _save(assessment, by, "needs assessment")
        for kind, (matched, found) in children.items():
            model, names = _ROW_MODELS[kind]
            _write_rows(model, matched, assessment, by, names, found)
        record(
            kind=EventKind.ASSESSMENT_SAVED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk, "needs_assessment": assessment.pk},
                phase=SPEC.phase,
                node=SPEC.work_node,
                changes=field_changes or None,
                children={kind: found for kind, (_matched, found) in children.items()} or None,
            ),
        )
    return assessment


def assessment_submit(
    *,
    plan: Plan,
    by,
    fields: dict,
    crops: list[dict],
    settlements: list[dict],
    seen_version: int | None = None,
) -> Plan:
    """Save the assessment and hand it to the facilitators; all or nothing.

    The named checks of ``complete_assessment`` must pass: a refusal lists every failing one
    and leaves the assessment as it was before this submission.
    """
    with transaction.atomic():
        assessment_save(
            plan=plan,
            by=by,
            fields=fields,
            crops=crops,
            settlements=settlements,
            seen_version=seen_version,
        )
        return phase_work_submit(plan=plan, phase=SPEC.phase, by=by)


def assessment_copy_previous(*, plan: Plan, by) -> NeedsAssessment:
    """Start the plan's empty assessment from the comune's last adopted one (offered once)."""
    with joined():
        work_held(plan=plan, spec=SPEC, by=by)
        if NeedsAssessment.objects.filter(plan=plan).exists():
            raise PlanError([ALREADY_STARTED])
        source = previous_assessment(plan)
        if source is None:
            raise PlanError([NOTHING_TO_COPY])
        assessment = NeedsAssessment(plan=plan, copied_from=source.plan, revision=1)
        for name in ASSESSMENT_FIELDS:
            setattr(assessment, name, getattr(source, name))
        # The last cycle's figures stand as they were; a year now in the future cannot be.
        assessment.full_clean(exclude=["plan", "copied_from"])
        _save(assessment, by, "needs assessment: copied from the last cycle")
        copies = {}
        for kind, model, names in (
            ("crop", Crop, CROP_FIELDS),
            ("settlement", Settlement, SETTLEMENT_FIELDS),
        ):
            copied = []
            for original in model.objects.filter(assessment=source).order_by("pk"):
                row = model(assessment=assessment, **{n: getattr(original, n) for n in names})
                _save(row, by, "needs assessment: copied from the last cycle")
                copied.append({"id": row.pk, "copy_of": original.pk})
            if copied:
                copies[kind] = {"added": copied}
        record(
            kind=EventKind.ASSESSMENT_COPIED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={
                    "plan": plan.pk,
                    "needs_assessment": assessment.pk,
                    "source_plan": source.plan_id,
                    "source_assessment": source.pk,
                },
                phase=SPEC.phase,
                node=SPEC.work_node,
                changes={
                    name: [None, value]
                    for name, value in rows.values(assessment, ASSESSMENT_FIELDS).items()
                    if value not in (None, "", [], False)
                },
                children=copies or None,
            ),
        )
    return assessment


# --- helpers --------------------------------------------------------------------------------


def _rows(assessment, model, names, given: list[dict], label) -> tuple[dict, list[str]]:
    """Match the given rows with the assessment's stored ones (``rows.match_rows``)."""
    return rows.match_rows(
        assessment, model, "assessment", names, given, label, unknown=ROW_UNKNOWN
    )


def _write_rows(model, matched: dict, assessment, by, names, found) -> None:
    rows.write_rows(
        model,
        matched,
        parent=assessment,
        parent_field="assessment",
        by=by,
        names=names,
        reason=_REASON,
        found=found,
    )


def _save(row, by, reason) -> None:
    rows.save_row(row, by, reason, bump=False)


def _refuse_if_stale(assessment: NeedsAssessment | None, seen_version: int) -> None:
    current = assessment.revision if assessment is not None else 0
    if current == seen_version:
        return
    latest = (
        assessment.history.select_related("history_user").order_by("-history_id").first()
        if assessment is not None
        else None
    )
    raise StaleEdit([STALE_ASSESSMENT % last_saved(latest)])
