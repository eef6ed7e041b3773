"""The stakeholder tables' writes: organisations, tables with their members, meetings.

While the ``convene_tables`` task is open its holder manages all of it, over weeks. In
drafting (also after a return, never while suspended) the plan's coordinators may still add
organisations and meetings, and add minutes and attendance to meetings that lack them; the
tables themselves stay as approved (DESIGN §3). Every write is one event, old → new, with the
members or organisations present added and removed.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import payload_of, record
from plm_workflow.db import joined, lock_value
from plm_workflow.plans import permissions, phases
from plm_workflow.plans.documents import document_store
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    DocumentKind,
    Meeting,
    MeetingAttendance,
    Organisation,
    Phase,
    Plan,
    StakeholderTable,
    TableMember,
)
from plm_workflow.plans.models.tables import (
    FUTURE_MEETING_RECORDED,
    ORGANISATION_TWICE,
    TableKind,
)
from plm_workflow.plans.services import StaleEdit, phase_work_submit

from . import rows
from .guard import work_held

SPEC = phases.spec_of(Phase.TABLES)
# Late additions are open while the plan is in this phase's next one (drafting).
LATE_SPEC = phases.spec_of(Phase.DRAFTING)
# While the plan is in one of these, the tables' own guard speaks (not held, not open yet,
# or with the facilitators): late additions are not the question yet.
_BEFORE_LATE = {
    status
    for spec in phases.PHASES[: phases.PHASES.index(SPEC) + 1]
    for status in (spec.status, spec.check_status)
}

ORGANISATION_FIELDS = ("name", "kind", "email")
TABLE_FIELDS = ("kind", "theme", "name", "convenor_id")
MEETING_FIELDS = (
    "starts_at",
    "place",
    "online_link",
    "agenda",
    "head_count",
    "minutes",
    "minutes_file_id",
    "decisions",
)

NOT_FOUND = _("This row was not found on this plan: reload the page and try again.")
OTHER_COMUNE = rows.OTHER_COMUNE
LATE_ONLY_ADDITIONS = _(
    "During drafting the tables stay as approved: you may add organisations and meetings, and "
    "add minutes and attendance to a meeting that has none."
)
LATE_NOT_OPEN = _(
    "Meetings and organisations can be added while the tables are open or during drafting, "
    "until the draft is submitted for review."
)
HEAD_COUNT_BELOW = _(
    "Organisations present: %(count)s. The number of people present cannot be smaller."
)
FUTURE_ATTENDANCE = _(
    "This meeting is in the future: who attended can be recorded once it has taken place."
)
TABLE_HAS_MEETINGS = _(
    "The table “%(table)s” has meetings on record: it cannot be removed. Remove its meetings "
    "first, if they were entered by mistake."
)
THE_COMUNE_ITSELF = _("The comune itself keeps its kind.")
STALE = _(
    "Someone changed “%(name)s” while you were editing it: nothing was saved. Its current "
    "version is shown; make your change again."
)
_WORK, _LATE = "work", "late"


def _mode(*, plan: Plan, by, late_ok: bool) -> str:
    """Lock the plan; return "work" for the tables task's holder, "late" for a coordinator in
    drafting (if ``late_ok``: an addition); refuse anyone else, saying why."""
    try:
        work_held(plan=plan, spec=SPEC, by=by)
        return _WORK
    except PlanError as error:
        if error.forbidden:
            raise
        status = lock_value(Plan, plan.pk, "status")
        if status in _BEFORE_LATE:
            raise  # another coordinator holds the task, or the tables are not open (yet)
        if status != LATE_SPEC.status or not permissions.can_coordinate(plan, by):
            raise PlanError([LATE_NOT_OPEN]) from None
        if not late_ok:
            raise PlanError([LATE_ONLY_ADDITIONS]) from None
        return _LATE


def _check_version(row, seen_version) -> None:
    if row.pk is not None and seen_version is not None and row.revision != seen_version:
        raise StaleEdit([STALE % {"name": str(row)}])


def _clean(row, *, exclude) -> None:
    try:
        row.full_clean(exclude=exclude)
    except ValidationError as error:
        raise PlanError([str(message) for message in error.messages]) from None


def _of_comune(plan, ids) -> list[Organisation]:
    return rows.of_comune(plan.comune_id, ids)


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


# --- Organisations ------------------------------------------------------------------------------


def organisation_save(
    *, plan: Plan, by, pk: int | None = None, seen_version: int | None = None, **fields
) -> Organisation:
    """Add an organisation of the plan's comune, or change one (while the tables are open)."""
    with joined():
        mode = _mode(plan=plan, by=by, late_ok=pk is None)
        if pk is None:
            organisation = Organisation(comune_id=plan.comune_id)
        else:
            organisation = Organisation.objects.filter(pk=pk, comune_id=plan.comune_id).first()
            if organisation is None:
                raise PlanError([NOT_FOUND])
        _check_version(organisation, seen_version)
        before = rows.values(organisation, ORGANISATION_FIELDS) if organisation.pk else {}
        for name in ORGANISATION_FIELDS:
            if name in fields:
                setattr(organisation, name, (fields[name] or "").strip())
        if organisation.is_the_comune and before and organisation.kind != before["kind"]:
            raise PlanError([THE_COMUNE_ITSELF])
        _clean(organisation, exclude=["comune"])
        clash = (
            Organisation.objects.annotate(lowered=Lower("name"))
            .filter(comune_id=plan.comune_id, lowered=organisation.name.lower())
            .exclude(pk=organisation.pk)
        )
        if clash.exists():
            raise PlanError([ORGANISATION_TWICE])
        changes = rows.diff(before, rows.values(organisation, ORGANISATION_FIELDS))
        if organisation.pk is not None and not changes:
            return organisation
        rows.save_row(organisation, by, f"tables ({mode}): organisation")
        _record(
            EventKind.ORGANISATION_SAVED,
            plan,
            by,
            concerns={"organisation": organisation.pk},
            changes=changes,
        )
    return organisation


# --- Tables -------------------------------------------------------------------------------------


def table_save(
    *,
    plan: Plan,
    by,
    pk: int | None = None,
    members: list[int] | None = None,
    seen_version: int | None = None,
    **fields,
) -> StakeholderTable:
    """Add or change a table: its kind, theme, name, convenor and members (tables open only).

    ``members`` are all the table's members (None: as they are); the fields not given stay.
    """
    with joined():
        _mode(plan=plan, by=by, late_ok=False)
        if pk is None:
            table = StakeholderTable(plan=plan)
        else:
            table = StakeholderTable.objects.filter(pk=pk, plan=plan).first()
            if table is None:
                raise PlanError([NOT_FOUND])
        _check_version(table, seen_version)
        before = rows.values(table, TABLE_FIELDS) if table.pk else {}
        for name in ("kind", "theme", "name"):
            if name in fields:
                setattr(table, name, (fields[name] or "").strip())
        if table.kind == TableKind.CORE:
            table.theme = ""
        if "convenor_id" in fields:
            convenor = fields["convenor_id"]
            table.convenor_id = _of_comune(plan, [convenor])[0].pk if convenor else None
        wanted = None if members is None else _of_comune(plan, members)
        # The plan is validated too: its constraint says a second core table is refused.
        _clean(table, exclude=["convenor"])
        changes = rows.diff(before, rows.values(table, TABLE_FIELDS))
        if table.pk is None or changes:
            rows.save_row(table, by, "tables: table")
        members_changed = (
            {} if wanted is None else rows.sync_links(TableMember, "table", table, wanted, by)
        )
        if not changes and not members_changed and before:
            return table
        _record(
            EventKind.TABLE_SAVED,
            plan,
            by,
            concerns={"stakeholder_table": table.pk},
            changes=changes,
            children={"table_member": members_changed} if members_changed else None,
        )
    return table


def table_remove(*, plan: Plan, by, pk: int) -> None:
    """Remove a table entered by mistake (tables open, and no meeting recorded for it)."""
    with joined():
        _mode(plan=plan, by=by, late_ok=False)
        table = StakeholderTable.objects.filter(pk=pk, plan=plan).first()
        if table is None:
            raise PlanError([NOT_FOUND])
        if Meeting.objects.filter(table=table).exists():
            raise PlanError([TABLE_HAS_MEETINGS % {"table": table.name}])
        removed = rows.values(table, TABLE_FIELDS)
        members = rows.sync_links(TableMember, "table", table, [], by)
        table._history_user = by
        table._change_reason = "tables: table removed"
        table_pk = table.pk
        table.delete()
        _record(
            EventKind.TABLE_REMOVED,
            plan,
            by,
            concerns={"stakeholder_table": table_pk},
            changes={name: [value, None] for name, value in removed.items()},
            children={"table_member": members} if members else None,
        )


# --- Meetings -----------------------------------------------------------------------------------


def meeting_save(
    *,
    plan: Plan,
    by,
    table: int,
    pk: int | None = None,
    attendance: list[int] | None = None,
    minutes_upload=None,
    seen_version: int | None = None,
    **fields,
) -> Meeting:
    """Add or change a meeting of the plan's table ``table``, with who attended and its minutes.

    ``attendance`` is every organisation present (None: as it is); the fields not given stay.
    A meeting stays with its table. During drafting only a new meeting, or the minutes and
    attendance a meeting lacks. Every refusal comes before the minutes' PDF is stored.
    """
    with joined():
        mode = _mode(plan=plan, by=by, late_ok=True)
        owner = StakeholderTable.objects.filter(pk=table, plan=plan).first()
        if owner is None:
            raise PlanError([NOT_FOUND])
        if pk is None:
            meeting = Meeting(table=owner)
            present_before = []
        else:
            meeting = Meeting.objects.filter(pk=pk, table=owner).first()
            if meeting is None:
                raise PlanError([NOT_FOUND])
            present_before = list(
                MeetingAttendance.objects.filter(meeting=meeting).values_list(
                    "organisation_id", flat=True
                )
            )
        _check_version(meeting, seen_version)
        before = rows.values(meeting, MEETING_FIELDS) if meeting.pk else {}
        lacked_minutes = meeting.pk is None or not meeting.has_minutes
        # Attendance is who was there (as the named checks count it): a head count alone
        # leaves the organisations present to be recorded.
        lacked_attendance = meeting.pk is None or not present_before
        meeting.table = owner
        for name in MEETING_FIELDS:
            if name in fields and name != "minutes_file_id":
                value = fields[name]
                setattr(meeting, name, value.strip() if isinstance(value, str) else value)
        present = _of_comune(plan, present_before if attendance is None else attendance)
        problems = []
        if meeting.head_count is not None and meeting.head_count < len(present):
            problems.append(HEAD_COUNT_BELOW % {"count": len(present)})
        to_come = meeting.starts_at and meeting.starts_at > timezone.now()
        if present and to_come:
            problems.append(FUTURE_ATTENDANCE)
        if minutes_upload is not None and to_come and not meeting.has_minutes:
            # (minutes' text on a meeting to come: the model's own check says it)
            problems.append(FUTURE_MEETING_RECORDED)
        if problems:
            raise PlanError(problems)
        if mode == _LATE and meeting.pk is not None:
            _refuse_late_changes(
                before,
                meeting,
                present_before,
                present,
                lacked_minutes=lacked_minutes,
                lacked_attendance=lacked_attendance,
                uploading=minutes_upload is not None,
            )
        _clean(meeting, exclude=["table", "minutes_file"])
        if minutes_upload is not None:
            if not lacked_minutes and mode == _LATE:
                raise PlanError([LATE_ONLY_ADDITIONS])
            # The last refusal (not a PDF, too large) is document_store's, before it stores.
            document = document_store(
                plan=plan, kind=DocumentKind.MINUTES, upload=minutes_upload, by=by
            )
            meeting.minutes_file = document
        changes = rows.diff(before, rows.values(meeting, MEETING_FIELDS))
        if meeting.pk is None or changes:
            rows.save_row(meeting, by, f"tables ({mode}): meeting")
        present_changed = rows.sync_links(MeetingAttendance, "meeting", meeting, present, by)
        if before and not changes and not present_changed:
            return meeting
        _record(
            EventKind.MEETING_SAVED,
            plan,
            by,
            concerns={"stakeholder_table": owner.pk, "meeting": meeting.pk},
            changes=changes,
            children={"meeting_attendance": present_changed} if present_changed else None,
        )
    return meeting


def _refuse_late_changes(
    before, meeting, present_before, present, *, lacked_minutes, lacked_attendance, uploading
):
    """In drafting, only what a meeting lacked may be given."""
    after = rows.values(meeting, MEETING_FIELDS)
    allowed = set()
    if lacked_minutes:
        allowed |= {"minutes", "minutes_file_id"}
    if lacked_attendance:
        allowed |= {"head_count"}
    changed = {name for name in after if before.get(name) != after[name]} - allowed
    attendance_changed = sorted(o.pk for o in present) != sorted(present_before)
    if (
        changed
        or (attendance_changed and not lacked_attendance)
        or (uploading and not lacked_minutes)
    ):
        raise PlanError([LATE_ONLY_ADDITIONS])


def meeting_remove(*, plan: Plan, by, pk: int) -> None:
    """Remove a meeting entered by mistake (tables open only)."""
    with joined():
        _mode(plan=plan, by=by, late_ok=False)
        meeting = Meeting.objects.filter(pk=pk, table__plan=plan).first()
        if meeting is None:
            raise PlanError([NOT_FOUND])
        removed = rows.values(meeting, MEETING_FIELDS)
        present = rows.sync_links(MeetingAttendance, "meeting", meeting, [], by)
        table_pk, meeting_pk = meeting.table_id, meeting.pk
        meeting._history_user = by
        meeting._change_reason = "tables: meeting removed"
        meeting.delete()
        _record(
            EventKind.MEETING_REMOVED,
            plan,
            by,
            concerns={"stakeholder_table": table_pk, "meeting": meeting_pk},
            changes={name: [value, None] for name, value in removed.items()},
            children={"meeting_attendance": present} if present else None,
        )


# --- Submission ---------------------------------------------------------------------------------


def tables_submit(*, plan: Plan, by) -> Plan:
    """Hand the tables to the facilitators (the task's holder): the named checks must pass."""
    with transaction.atomic():
        work_held(plan=plan, spec=SPEC, by=by)
        return phase_work_submit(plan=plan, phase=SPEC.phase, by=by)
