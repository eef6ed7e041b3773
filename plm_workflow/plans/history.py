"""What a plan's data was at a moment, and what changed between two moments.

Read from django-simple-history's rows, so it works for any tracked model: the plan's own
fields, and its child rows (the phase notes of plans drafted before the phases had their own
data; assessments, tables, measures…, and many-to-many links through history-tracked
through-models) registered in ``CHILD_MODELS``. Nothing here writes.
"""

from dataclasses import dataclass, field

from django.utils import timezone

from .models import (
    Adoption,
    Crop,
    FundingLine,
    Indicator,
    Measure,
    MeasurePartner,
    Meeting,
    MeetingAttendance,
    NeedsAssessment,
    PhaseNote,
    Plan,
    PlanSection,
    PlanStatus,
    ReviewComment,
    Settlement,
    StakeholderTable,
    TableMember,
)

# Child rows of a plan, by the kind name payloads and pages use; each has history, and either
# a ``plan`` or a ``PLAN_PATH`` saying how its rows reach the plan (``assessment__plan``).
CHILD_MODELS = {
    "phase_note": PhaseNote,
    "needs_assessment": NeedsAssessment,
    "crop": Crop,
    "settlement": Settlement,
    "stakeholder_table": StakeholderTable,
    "table_member": TableMember,
    "meeting": Meeting,
    "meeting_attendance": MeetingAttendance,
    "plan_section": PlanSection,
    "measure": Measure,
    "measure_partner": MeasurePartner,
    "funding_line": FundingLine,
    "indicator": Indicator,
    "review_comment": ReviewComment,
    "adoption": Adoption,
}
# Fields that change on every save and say nothing to a reader.
_SKIPPED = {"id", "updated_at", "created_at", "plan", "assessment", "measure", "review", "revision"}


@dataclass
class Changes:
    """Fields old → new, and child rows added, removed or changed (each with its fields)."""

    fields: dict = field(default_factory=dict)
    children: dict = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields or self.children)


def _tracked(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.name not in _SKIPPED and f.attname]


def _values(row, names) -> dict:
    return {name: getattr(row, name) for name in names} if row is not None else {}


def _diff(before: dict, after: dict) -> dict:
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def _of_plan(model, path: str, plan_id: int) -> dict:
    """Return the history filter of ``model``'s rows that reach the plan along ``path``.

    Each step goes through the parent's history, not its live table: the members and meetings
    of a table removed since (and the attendance of a removed meeting) were the plan's too.
    """
    if "__" not in path:
        return {f"{path}_id": plan_id}
    step, rest = path.split("__", 1)
    parent = model._meta.get_field(step).related_model
    ever = parent.history.filter(**_of_plan(parent, rest, plan_id)).values("id")
    return {f"{step}_id__in": ever}


def rows_as_of(model, *, plan_id: int | None, at, **filters) -> dict:
    """Return ``{row id: historical row}`` of the plan's rows of ``model`` as they stood at ``at``.

    Rows deleted by then are left out. One query. ``plan_id`` None: rows not of a plan (a
    comune's organisations), chosen by ``filters`` alone.
    """
    rows = {}
    if plan_id is not None:
        filters.update(_of_plan(model, getattr(model, "PLAN_PATH", "plan"), plan_id))
    history = (
        model.history.filter(history_date__lte=at, **filters)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for row in history:
        if row.history_type == "-":
            rows.pop(row.id, None)
        else:
            rows[row.id] = row
    return rows


def plan_as_of(plan: Plan, at):
    """Return the plan's historical row as it stood at ``at`` (None before it existed)."""
    return (
        plan.history.filter(history_date__lte=at).order_by("-history_date", "-history_id").first()
    )


def plan_changes(*, plan: Plan, since, until=None, kinds=None) -> Changes:
    """Return what changed in the plan's data between ``since`` and ``until`` (now by default).

    ``kinds`` narrows the child rows to some of ``CHILD_MODELS`` (all by default).
    """
    until = until or timezone.now()
    names = _tracked(Plan)
    result = Changes(
        fields=_diff(
            _values(plan_as_of(plan, since), names), _values(plan_as_of(plan, until), names)
        )
    )
    for kind, model in CHILD_MODELS.items():
        if kinds is not None and kind not in kinds:
            continue
        child_names = _tracked(model)
        before = rows_as_of(model, plan_id=plan.pk, at=since)
        after = rows_as_of(model, plan_id=plan.pk, at=until)
        found = {}
        added = [_values(after[pk], child_names) | {"id": pk} for pk in after if pk not in before]
        removed = [
            _values(before[pk], child_names) | {"id": pk} for pk in before if pk not in after
        ]
        changed = []
        for pk in sorted(set(before) & set(after)):
            fields = _diff(_values(before[pk], child_names), _values(after[pk], child_names))
            if fields:
                changed.append({"id": pk, "changes": fields})
        for part, rows in (("added", added), ("removed", removed), ("changed", changed)):
            if rows:
                found[part] = rows
        if found:
            result.children[kind] = found
    return result


def plan_ended_at(plan: Plan):
    """Return the moment an ended plan ended (its withdrawal or its adoption), None while it
    runs."""
    if plan.status == PlanStatus.WITHDRAWN:
        return plan.withdrawn_at
    if plan.status == PlanStatus.ADOPTED:
        return (
            Plan.history.filter(id=plan.pk, status=PlanStatus.ADOPTED)
            .order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
        )
    return None
