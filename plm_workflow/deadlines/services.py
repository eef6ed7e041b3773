"""Writes of schedules and due dates: set at launch and task creation, moved for a reason."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_WORKING_DAYS, payload_of, record
from plm_workflow.formats.prose import prose_date, prose_month_day
from plm_workflow.limits import reason_too_long
from plm_workflow.plans import permissions
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import NON_FINAL_STATES, Comune, Phase, Plan, PlanStatus
from plm_workflow.plans.phases import PHASE_ORDER, spec_of

from .calendar import days_skipped, next_working_day
from .models import PhaseDate, StepKind, StepTask

SCHEDULE_INCOMPLETE = _("Give a date for every phase.")
DATE_TOO_FAR = _("%(date)s is too far ahead: plans are scheduled within ten years.")
PLAN_CLOSED = _("The plan is %(status)s: its dates no longer change.")
NO_SCHEDULE = _("This plan has no schedule to move.")
MAX_YEARS_AHEAD = 10
DATE_IN_PAST = _("%(phase)s: %(date)s is already past.")
DATES_OUT_OF_ORDER = _("%(phase)s cannot end before %(previous)s.")
DATE_AFTER_NEXT = _("%(phase)s cannot end after %(next)s (%(date)s).")
DATE_BEFORE_PREVIOUS = _("%(phase)s cannot end before %(previous)s (%(date)s).")
SHIFT_LATER_HINT = _(
    "To keep the phases in order, tick “Also move the later phases by the same number of days”."
)
CHANGED_MEANWHILE = _(
    "Someone else changed it meanwhile to: %(current)s. Nothing was changed: check it and try "
    "again."
)
NEW_DATE_IN_PAST = _("The new date, %(date)s, is already past.")
REASON_MISSING = _("Give the reason for the change.")
DATE_UNCHANGED = _("That is already the date: nothing was changed.")
NOT_OPEN = _("This task is closed: its due date stays as it was.")


def schedule_defaults(*, start: datetime.date | None = None) -> dict[Phase, datetime.date]:
    """Return the default phase dates for a plan launched on ``start`` (today by default)."""
    start = start or timezone.localdate()
    offsets = settings.PLM_SCHEDULE_OFFSETS
    return {
        phase: next_working_day(start + datetime.timedelta(days=offsets[phase]))
        for phase in PHASE_ORDER
    }


def schedule_problems(schedule: dict, *, today: datetime.date | None = None) -> list[str]:
    """Return what is wrong with a schedule: a phase without a date, a past date, disorder."""
    return [message for _phase, message in schedule_problems_by_phase(schedule, today=today)]


def schedule_problems_by_phase(
    schedule: dict, *, today: datetime.date | None = None
) -> list[tuple[Phase | None, str]]:
    """Return what is wrong with a schedule, each problem with the phase whose date is at
    fault (None for the schedule as a whole)."""
    today = today or timezone.localdate()
    if any(schedule.get(phase) is None for phase in PHASE_ORDER):
        return [(None, str(SCHEDULE_INCOMPLETE))]
    problems = []
    for previous, phase in zip([None, *PHASE_ORDER], PHASE_ORDER, strict=False):
        day = schedule[phase]
        if day > latest_date(today):
            problems.append((phase, str(DATE_TOO_FAR % {"date": prose_date(day, "the")})))
        if day < today:
            problems.append(
                (phase, str(DATE_IN_PAST % {"phase": phase.label, "date": prose_date(day, "the")}))
            )
        if previous is not None and day < schedule[previous]:
            problems.append(
                (
                    phase,
                    str(DATES_OUT_OF_ORDER % {"phase": phase.label, "previous": previous.label}),
                )
            )
    return problems


def latest_date(today: datetime.date | None = None) -> datetime.date:
    """Return the latest date a schedule may hold (today + ten years)."""
    today = today or timezone.localdate()
    return today.replace(year=today.year + MAX_YEARS_AHEAD, day=min(today.day, 28))


def schedule_set(*, plan: Plan, schedule: dict, by) -> list[PhaseDate]:
    """Give a new plan its phase dates (each moved off non-working days); baseline = current."""
    rows = []
    with transaction.atomic():
        for phase in PHASE_ORDER:
            day = next_working_day(schedule[phase], plan.comune)
            row = PhaseDate(plan=plan, phase=phase, baseline=day, current=day)
            row.full_clean()
            row._history_user = by
            row.save()
            rows.append(row)
        record(
            kind=EventKind.SCHEDULE_SET,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk},
                children={
                    "phase_date": {
                        "added": [{"phase": row.phase, "current": row.current} for row in rows]
                    }
                },
            ),
        )
    return rows


def task_due_compute(*, plan: Plan, phase: str, is_check: bool, returned: bool):
    """Return a new task's due date, as DESIGN §3 says, on a working day of the comune.

    A check is due the turnaround after its creation; a work task at its phase's date; a work
    task returned by a check at the later of that date and today + resubmission days.
    """
    today = timezone.localdate()
    if is_check:
        due = today + datetime.timedelta(days=settings.PLM_CHECK_TURNAROUND_DAYS)
    else:
        due = _work_due(plan=plan, phase=phase, created=today, returned=returned)
    return next_working_day(due, plan.comune)


def _phase_day(plan, phase) -> datetime.date:
    """Return the phase's current date (the default for a plan launched without a schedule)."""
    row = PhaseDate.objects.filter(plan=plan, phase=phase).first()
    return row.current if row else schedule_defaults(start=plan.created_at.date())[phase]


def _work_due(*, plan, phase, created: datetime.date, returned: bool) -> datetime.date:
    """A work task is due on its phase's date; sent back, not before the resubmission time."""
    return next_working_day(_work_due_asked(plan, phase, created, returned), plan.comune)


def _work_due_asked(plan, phase, created: datetime.date, returned: bool) -> datetime.date:
    """Return the day the rule gives a work task, before it is moved off non-working days."""
    due = _phase_day(plan, phase)
    if returned:
        due = max(due, created + datetime.timedelta(days=settings.PLM_RESUBMISSION_DAYS))
    return due


def _off(asked: datetime.date, landed: datetime.date, comune) -> list[dict] | None:
    """Return the non-working days a date was moved off (``asked`` gave way to ``landed``),
    each with why, or None when it stayed."""
    if asked == landed:
        return None
    return [{"day": day, "kind": kind} for day, kind in days_skipped(asked, comune)]


def _cause(**parts) -> dict | None:
    """Return a date change's cause (see ``audit.services``), leaving out the parts not given."""
    found = {key: str(value) if key == "event" else value for key, value in parts.items()}
    return {key: value for key, value in found.items() if value is not None} or None


def can_move_dates(plan, user) -> bool:
    """Return True if the user may move the plan's dates: the lead or its facilitators, while
    the plan is not adopted or withdrawn."""
    return plan.status in NON_FINAL_STATES and (
        permissions.is_lead(user) or permissions.can_facilitate(plan, user)
    )


def _may_move_dates(plan, by) -> None:
    if not (permissions.is_lead(by) or permissions.can_facilitate(plan, by)):
        raise PlanError.not_allowed()


def _lock_open_plan(plan) -> None:
    """Lock the plan; refuse once it is adopted or withdrawn."""
    status = Plan.objects.select_for_update().values_list("status", flat=True).get(pk=plan.pk)
    if status not in NON_FINAL_STATES:
        raise PlanError([str(PLAN_CLOSED % {"status": PlanStatus(status).label.lower()})])


def _clean_move(*, old, new, reason, comune) -> tuple[datetime.date, list[dict] | None]:
    """Return the date a move lands on (off non-working days) and the days it was moved off;
    refuse it with every reason."""
    reason = (reason or "").strip()
    problems = []
    if not reason:
        problems.append(str(REASON_MISSING))
    elif (too_long := reason_too_long(reason)) is not None:
        problems.append(too_long)
    if new is None:
        raise PlanError([*problems, str(SCHEDULE_INCOMPLETE)])
    if new > latest_date():
        raise PlanError([*problems, str(DATE_TOO_FAR % {"date": prose_date(new, "the")})])
    asked, new = new, next_working_day(new, comune)
    if new < timezone.localdate():
        problems.append(str(NEW_DATE_IN_PAST % {"date": prose_date(new)}))
    if new == old:
        problems.append(str(DATE_UNCHANGED))
    if problems:
        raise PlanError(problems)
    return new, _off(asked, new, comune)


def phase_date_move(
    *,
    plan: Plan,
    phase: str,
    new,
    reason: str,
    by,
    shown: datetime.date | None = None,
    shift_later: bool = False,
) -> PhaseDate:
    """Move a phase's current date (the lead or the plan's facilitators), with a reason.

    The baseline stays. The open first-round work task of that phase follows the new date.
    The phases stay in order: a date before the previous phase's or after the next one's is
    refused, unless ``shift_later`` moves each later phase by the same number of days too
    (then off non-working days, one change each, caused by this move). ``shown`` is the date
    the page showed: if it changed meanwhile, the move is refused with the current date.
    A date given on a non-working day lands on the next working day; the event says which
    days it was moved off. The phase's open work task follows, moved by the system.
    """
    _may_move_dates(plan, by)
    phase = Phase(phase)
    with transaction.atomic():
        _lock_open_plan(plan)
        rows = {
            row.phase: row
            for row in PhaseDate.objects.select_for_update().filter(plan=plan).order_by("pk")
        }
        row = rows.get(phase)
        if row is None:
            raise PlanError([str(NO_SCHEDULE)])
        if shown is not None and shown != row.current:
            raise _changed_meanwhile(prose_date(row.current))
        new, off = _clean_move(old=row.current, new=new, reason=reason, comune=plan.comune)
        index = PHASE_ORDER.index(phase)
        later = [rows[p] for p in PHASE_ORDER[index + 1 :] if p in rows]
        earlier = [rows[p] for p in PHASE_ORDER[:index] if p in rows]
        delta = new - row.current
        shifted = (
            {other.phase: next_working_day(other.current + delta, plan.comune) for other in later}
            if shift_later
            else {}
        )
        _refuse_disorder(
            phase=phase,
            new=new,
            previous=earlier[-1] if earlier else None,
            following=None if shift_later or not later else later[0],
            shifted=shifted,
        )
        reason = reason.strip()
        _move_phase(row, new=new, reason=reason, by=by, cause=_cause(non_working=off))
        for other in later:
            if shifted.get(other.phase, other.current) != other.current:
                _move_phase(
                    other,
                    new=shifted[other.phase],
                    reason=reason,
                    by=by,
                    cause=_cause(
                        event=EventKind.PHASE_DATE_CHANGED,
                        phase=phase.value,
                        non_working=_off(other.current + delta, shifted[other.phase], plan.comune),
                    ),
                )
    return row


def _changed_meanwhile(current: str) -> PlanError:
    """Return the refusal of a change made on a page that showed another value."""
    return PlanError([str(CHANGED_MEANWHILE % {"current": current})])


def _refuse_disorder(*, phase, new, previous, following, shifted) -> None:
    """Refuse a phase date before the previous phase's, after the next one's, or later phases
    shifted beyond the schedule's horizon."""
    problems = []
    if previous is not None and new < previous.current:
        problems.append(
            str(
                DATE_BEFORE_PREVIOUS
                % {
                    "phase": phase.label,
                    "previous": Phase(previous.phase).label,
                    "date": prose_date(previous.current),
                }
            )
        )
    if following is not None and new > following.current:
        after = DATE_AFTER_NEXT % {
            "phase": phase.label,
            "next": Phase(following.phase).label,
            "date": prose_date(following.current),
        }
        # One message: the page shows the last one of several.
        problems.append(f"{after} {SHIFT_LATER_HINT}")
    for day in shifted.values():
        if day > latest_date():
            problems.append(str(DATE_TOO_FAR % {"date": prose_date(day, "the")}))
            break
    if problems:
        raise PlanError(problems)


def _set_phase_date(
    row: PhaseDate, *, new, reason: str | None, by, cause: dict | None = None, note: str = ""
) -> None:
    """Move the phase's date and record it: ``by`` a person or the system (then ``cause``
    names who did what); ``note`` is the history's reason when no person gave one."""
    old = row.current
    row.current = new
    row._history_user = by if not isinstance(by, str) else None
    row._change_reason = reason or note
    row.save(update_fields=["current"])
    record(
        kind=EventKind.PHASE_DATE_CHANGED,
        actor=by,
        plan=row.plan,
        payload=payload_of(
            concerns={"plan": row.plan_id, "phase_date": row.pk},
            phase=row.phase,
            changes={"current": [old, new]},
            reason=reason,
            cause=cause,
        ),
    )


def _move_phase(row: PhaseDate, *, new, reason: str, by, cause: dict | None = None) -> None:
    _set_phase_date(row, new=new, reason=reason, by=by, cause=cause)
    # The phase's open work task follows, by the rule that set its due date: the system moves
    # it, for the person who moved the phase.
    following = StepTask.objects.select_for_update().filter(
        plan=row.plan, phase=row.phase, kind=StepKind.WORK, closed_at__isnull=True
    )
    for deadline in following:
        returned = deadline.returned_by_id is not None
        created = timezone.localdate(deadline.opened_at)
        asked = _work_due_asked(row.plan, row.phase, created, returned)
        due = next_working_day(asked, row.plan.comune)
        if due != deadline.due:
            _move_due(
                deadline,
                new=due,
                reason=reason,
                by=SYSTEM_WORKING_DAYS,
                cause=_cause(
                    event=EventKind.PHASE_DATE_CHANGED,
                    by=by.pk,
                    phase=row.phase,
                    non_working=_off(asked, due, row.plan.comune),
                ),
            )


def task_due_move(
    *, deadline: StepTask, new, reason: str, by, shown: datetime.date | None = None
) -> StepTask:
    """Move an open task's due date (the lead or the plan's facilitators), with a reason.

    ``shown`` is the due date the page showed: if it changed meanwhile, the move is refused
    with the current date.
    """
    plan = deadline.plan
    _may_move_dates(plan, by)
    with transaction.atomic():
        _lock_open_plan(plan)
        deadline = StepTask.objects.select_for_update().get(pk=deadline.pk)
        if not deadline.is_open:
            raise PlanError([str(NOT_OPEN)])
        if shown is not None and shown != deadline.due:
            raise _changed_meanwhile(prose_date(deadline.due))
        new, off = _clean_move(old=deadline.due, new=new, reason=reason, comune=plan.comune)
        _move_due(deadline, new=new, reason=reason.strip(), by=by, cause=_cause(non_working=off))
    return deadline


def _move_due(
    deadline: StepTask,
    *,
    new,
    reason: str | None,
    by,
    cause: dict | None = None,
    note: str = "",
) -> None:
    """Move the task's due date and record it, as ``_set_phase_date`` does.

    Every move raises the date's revision (the calendar feed's SEQUENCE, so that calendars
    replace the event they hold). Callers hold the task's row locked.
    """
    old = deadline.due
    deadline.due = new
    deadline.due_revision += 1
    deadline._history_user = by if not isinstance(by, str) else None
    deadline._change_reason = reason or note
    deadline.save(update_fields=["due", "due_revision"])
    record(
        kind=EventKind.DUE_DATE_CHANGED,
        actor=by,
        plan=deadline.plan,
        payload=payload_of(
            concerns={"plan": deadline.plan_id, "task": deadline.task_id},
            phase=deadline.phase,
            node=_node_of(deadline),
            changes={"due": [old, new]},
            reason=reason,
            cause=cause,
        ),
    )


def _node_of(deadline: StepTask) -> str:
    """Return the flow's node of the task, by the phase registry."""
    spec = spec_of(deadline.phase)
    return spec.check_node if deadline.kind == StepKind.CHECK else spec.work_node


def dates_shift(*, plan: Plan, days: int, from_phase: str, by) -> None:
    """Shift the open due dates and the dates of phases not yet started by ``days``, then off
    non-working days (after a suspension). The system moves them, each change recorded with
    its cause: ``by`` resumed the plan after ``days`` days."""
    if days <= 0:
        return
    delta = datetime.timedelta(days=days)
    later = PHASE_ORDER[PHASE_ORDER.index(Phase(from_phase)) + 1 :]
    comune = plan.comune

    def cause(asked, landed):
        return _cause(
            event=EventKind.PLAN_TRANSITION,
            transition="resume",
            by=by.pk,
            days=days,
            non_working=_off(asked, landed, comune),
        )

    with transaction.atomic():
        for deadline in StepTask.objects.select_for_update().filter(
            plan=plan, closed_at__isnull=True
        ):
            asked = deadline.due + delta
            new = next_working_day(asked, comune)
            _move_due(
                deadline,
                new=new,
                reason=None,
                by=SYSTEM_WORKING_DAYS,
                cause=cause(asked, new),
                note="resume",
            )
        for row in PhaseDate.objects.select_for_update().filter(plan=plan, phase__in=later):
            asked = row.current + delta
            new = next_working_day(asked, comune)
            _set_phase_date(
                row,
                new=new,
                reason=None,
                by=SYSTEM_WORKING_DAYS,
                cause=cause(asked, new),
                note="resume",
            )


@dataclass(frozen=True)
class DateMoved:
    """A date the system moved off a day that is no longer a working day."""

    plan: Plan
    phase: str
    kind: str | None  # the task's StepKind for a due date, None for the phase's date
    old: datetime.date
    new: datetime.date


def dates_off_non_working_days(*, comune, by) -> list[DateMoved]:
    """Move the open due dates and phase dates of the comune's plans that now fall on a
    non-working day (a new patron day, set by ``by``) to the next working day: the system
    moves them, each change recorded with its cause. Return what moved."""
    plans = Plan.objects.filter(comune=comune, status__in=NON_FINAL_STATES)
    moved = []

    def cause(old, new):
        return _cause(event=EventKind.PATRON_DAY_SET, by=by.pk, non_working=_off(old, new, comune))

    for deadline in (
        StepTask.objects.select_for_update()
        .filter(plan__in=plans, closed_at__isnull=True)
        .select_related("plan")
    ):
        old = deadline.due
        new = next_working_day(old, comune)
        if new != old:
            _move_due(
                deadline,
                new=new,
                reason=None,
                by=SYSTEM_WORKING_DAYS,
                cause=cause(old, new),
                note="patron day",
            )
            moved.append(DateMoved(deadline.plan, deadline.phase, deadline.kind, old, new))
    for row in PhaseDate.objects.select_for_update().filter(plan__in=plans).select_related("plan"):
        old = row.current
        new = next_working_day(old, comune)
        if new != old:
            _set_phase_date(
                row,
                new=new,
                reason=None,
                by=SYSTEM_WORKING_DAYS,
                cause=cause(old, new),
                note="patron day",
            )
            moved.append(DateMoved(row.plan, row.phase, None, old, new))
    return moved


# --- The comune's patron day --------------------------------------------------------------

PATRON_DAY_NOT_ALLOWED = _("Only the lead facilitator can set a comune's patron day.")
PATRON_DAY_UNCHANGED = _("That is already the patron day: nothing was changed.")


PATRON_DAY_NOT_SET = _("no patron day")


@dataclass(frozen=True)
class PatronDaySaved:
    """A comune's new patron day, and the open dates of its plans that moved off it."""

    comune: Comune
    moved: list[DateMoved]


def comune_patron_day_set(
    *,
    comune: Comune,
    day: int | None,
    month: int | None,
    by,
    shown: tuple[int | None, int | None] | None = None,
) -> PatronDaySaved:
    """Set (or clear, with None) the comune's patron day: the lead only, recorded.

    The open dates of the comune's plans that fall on the new patron day move at once to the
    next working day (by the system, for this person); the result says which. ``shown`` is
    the (day, month) the page showed, (None, None) for none: if it changed meanwhile, the
    change is refused with the current patron day.
    """
    if not permissions.is_lead(by):
        raise PlanError([PATRON_DAY_NOT_ALLOWED], forbidden=True)
    with transaction.atomic():
        comune = Comune.objects.select_for_update().get(pk=comune.pk)
        old = _patron_text(comune.patron_day, comune.patron_month)
        if shown is not None and tuple(shown) != (comune.patron_day, comune.patron_month):
            current = prose_month_day(comune.patron_day, comune.patron_month)
            raise _changed_meanwhile(current or str(PATRON_DAY_NOT_SET))
        if (comune.patron_day, comune.patron_month) == (day, month):
            raise PlanError([PATRON_DAY_UNCHANGED])
        comune.patron_day, comune.patron_month = day, month
        try:
            comune.full_clean()
        except ValidationError as error:
            raise PlanError(error.messages) from None
        comune._history_user = by
        comune._change_reason = "patron day"
        comune.save(update_fields=["patron_day", "patron_month"])
        # The plans' chains before the global one, as every writer takes them.
        moved = dates_off_non_working_days(comune=comune, by=by)
        record(
            kind=EventKind.PATRON_DAY_SET,
            actor=by,
            payload=payload_of(
                concerns={"comune": comune.istat_code},
                changes={"patron_day": [old, _patron_text(day, month)]},
            ),
        )
    return PatronDaySaved(comune=comune, moved=moved)


def _patron_text(day, month) -> str | None:
    return f"{day:02d}/{month:02d}" if day and month else None
