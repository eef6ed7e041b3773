"""The needs assessment's writes: save (draft), submit, and start from the last cycle's copy.

A save gives the whole assessment as the editor shows it: its fields, and its crops and
settlements as lists of rows (a row with an ``id`` is an existing one, kept and updated; a
row without is new; an existing row left out is removed). Only what changed is written, and
one event records it, old → new, with the rows added, removed and changed.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

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
ROW_PROBLEM = _("%(row)s %(number)s: %(message)s")
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
        before = _row_values(assessment, ASSESSMENT_FIELDS)
        for name in ASSESSMENT_FIELDS:
            if name in fields:
                setattr(assessment, name, fields[name])
        problems = _problems(assessment, exclude=["plan", "copied_from"])
        crop_rows, crop_problems = _rows(assessment, Crop, CROP_FIELDS, crops, _("Crop"))
        settlement_rows, settlement_problems = _rows(
            assessment, Settlement, SETTLEMENT_FIELDS, settlements, _("Settlement")
        )
        problems += crop_problems + settlement_problems
        if assessment.no_settlements_known and settlement_rows["kept"]:
            problems.append(str(NONE_KNOWN_AND_LISTED))
        if problems:
            raise PlanError(problems)
        after = _row_values(assessment, ASSESSMENT_FIELDS)
        field_changes = {
            name: [None if new else before[name], after[name]]
            for name in ASSESSMENT_FIELDS
            if before[name] != after[name]
        }
        # Read before the writes: a removed row loses its id when deleted.
        children = {
            kind: (rows, found)
            for kind, rows, found in (
                ("crop", crop_rows, _row_changes(crop_rows, CROP_FIELDS)),
                ("settlement", settlement_rows, _row_changes(settlement_rows, SETTLEMENT_FIELDS)),
            )
            if found
        }
        if not field_changes and not children:
            # Nothing changed: no write, no event. An empty form on no assessment creates
            # none either, so the copy of the last cycle is still offered.
            return assessment
        assessment.revision += 1
        _save(assessment, by, "needs assessment")
        for kind, (rows, found) in children.items():
            model, names = _ROW_MODELS[kind]
            _write_rows(model, rows, assessment, by, names)
            for entry, row in zip(found.get("added", []), rows["new"], strict=True):
                entry["id"] = row.pk
        record(
            kind=EventKind.ASSESSMENT_SAVED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk, "needs_assessment": assessment.pk},
                phase=SPEC.phase,
                node=SPEC.work_node,
                changes=field_changes or None,
                children={kind: found for kind, (rows, found) in children.items()} or None,
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
            rows = []
            for original in model.objects.filter(assessment=source).order_by("pk"):
                row = model(assessment=assessment, **{n: getattr(original, n) for n in names})
                _save(row, by, "needs assessment: copied from the last cycle")
                rows.append({"id": row.pk, "copy_of": original.pk})
            if rows:
                copies[kind] = {"added": rows}
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
                    for name, value in _row_values(assessment, ASSESSMENT_FIELDS).items()
                    if value not in (None, "", [], False)
                },
                children=copies or None,
            ),
        )
    return assessment


# --- helpers --------------------------------------------------------------------------------


def _row_values(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def _problems(row, *, exclude, label=None, number=None) -> list[str]:
    try:
        row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        messages = [str(message) for message in error.messages]
        if label is not None:
            return [
                str(ROW_PROBLEM % {"row": label, "number": number, "message": m}) for m in messages
            ]
        return messages
    return []


def _rows(assessment, model, names, given: list[dict], label) -> tuple[dict, list[str]]:
    """Match the given rows with the stored ones: ``kept`` (new and updated), ``new``,
    ``updated`` (with their old values), ``removed``; and the problems found."""
    stored = (
        {row.pk: row for row in model.objects.filter(assessment=assessment)}
        if assessment.pk
        else {}
    )
    result = {"kept": [], "new": [], "updated": [], "removed": []}
    problems, seen = [], set()
    for number, values in enumerate(given, start=1):
        pk = values.get("id")
        if pk is not None:
            row = stored.get(pk)
            if row is None or pk in seen:
                raise PlanError([ROW_UNKNOWN])
            seen.add(pk)
            old = _row_values(row, names)
        else:
            row, old = model(), None
        for name in names:
            if name in values:
                setattr(row, name, values[name])
        problems += _problems(row, exclude=["assessment"], label=label, number=number)
        result["kept"].append(row)
        if old is None:
            result["new"].append(row)
        elif old != _row_values(row, names):
            result["updated"].append((row, old))
    result["removed"] = [row for pk, row in stored.items() if pk not in seen]
    return result, problems


def _row_changes(rows: dict, names) -> dict:
    found = {}
    added = [{"id": None, **_row_values(row, names)} for row in rows["new"]]
    removed = [{"id": row.pk, **_row_values(row, names)} for row in rows["removed"]]
    changed = [
        {
            "id": row.pk,
            "changes": {
                name: [old[name], getattr(row, name)]
                for name in names
                if old[name] != getattr(row, name)
            },
        }
        for row, old in rows["updated"]
    ]
    for part, entries in (("added", added), ("removed", removed), ("changed", changed)):
        if entries:
            found[part] = entries
    return found


def _write_rows(model, rows: dict, assessment, by, names) -> None:
    """Write the rows' changes: new and changed rows in bulk (a few queries however many),
    removed ones one by one (each with its history row naming ``by``)."""
    for row in rows["removed"]:
        row._history_user = by
        row.delete()
    for row in rows["new"]:
        row.assessment = assessment
    if rows["new"]:
        created = bulk_create_with_history(
            rows["new"], model, default_user=by, default_change_reason=_REASON
        )
        for row, saved in zip(rows["new"], created, strict=True):
            row.pk = saved.pk
    if rows["updated"]:
        bulk_update_with_history(
            [row for row, _old in rows["updated"]],
            model,
            fields=list(names),
            default_user=by,
            default_change_reason=_REASON,
        )


def _save(row, by, reason) -> None:
    row._history_user = by
    row._change_reason = reason
    row.save()


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
