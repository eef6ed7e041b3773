"""The alert policy of DESIGN §6: which stage a due date has reached, and who is told of it.

Pure functions of the settings, the day and the facts of a task (no query): the sweep reads
the facts in batches and asks these who gets what.

- The stages come in working days of the comune (``calendar``): *due in 7* from the 7th
  working day before the due date (on a Friday a Monday due date is 1 working day away),
  *due in 1* from the last working day before it, *due today*, *overdue* from the day after,
  *escalation* from the 7th working day after it (the numbers are settings).
- "Today" is the date in Europe/Rome of the sweep's ``now``, whatever the machine's zone.
- Each person gets the latest stage reached, never the earlier ones skipped: the holder of
  the task, or whoever may take an offered task on, for a stage that starts on or after the
  day they took it (or it was offered) — a new holder gets only the stages still ahead, the
  one starting that day included (no sweep has told them of it yet). An escalation also goes to
  the plan's facilitators and the lead facilitators; a check task's only to the leads.
- A moved due date is another key (the due date is part of each row's key): it re-arms.
- An adopted plan not yet published reminds its coordinators and facilitators a number of
  days after the adoption act's date.
"""

import datetime
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .alerts import Notice
from .calendar import is_working_day
from .models import STAGES, AlertKind, StepKind

ROME = ZoneInfo("Europe/Rome")
DAY = datetime.timedelta(days=1)

POLICY_DAYS_INVALID = (
    "PLM_ALERTS_DUE_SOON_DAYS ({soon}) must be larger than PLM_ALERTS_DUE_LAST_DAYS ({last}), "
    "and both and PLM_ALERTS_ESCALATION_DAYS ({escalation}) at least 1."
)
POLICY_SEND_FROM_INVALID = "PLM_ALERTS_SEND_FROM must be a time as HH:MM, not {value!r}."
POLICY_NUMBER_INVALID = "{name} must be at least 1, not {value!r}."


@dataclass(frozen=True)
class Policy:
    """The numbers of the policy (settings ``PLM_ALERTS_*``, see .env.example)."""

    due_soon: int = 7
    due_last: int = 1
    escalation: int = 7
    send_from: datetime.time = datetime.time(7, 0)
    not_published_days: int = 15
    lease: datetime.timedelta = datetime.timedelta(minutes=10)
    max_attempts: int = 5


def policy_from_settings() -> Policy:
    """Return the policy the settings describe; refuse numbers that make no sense."""
    soon = settings.PLM_ALERTS_DUE_SOON_DAYS
    last = settings.PLM_ALERTS_DUE_LAST_DAYS
    escalation = settings.PLM_ALERTS_ESCALATION_DAYS
    if not (soon > last >= 1 and escalation >= 1):
        raise ImproperlyConfigured(
            POLICY_DAYS_INVALID.format(soon=soon, last=last, escalation=escalation)
        )
    raw = str(settings.PLM_ALERTS_SEND_FROM).strip()
    try:
        send_from = datetime.time.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(POLICY_SEND_FROM_INVALID.format(value=raw)) from None
    numbers = {
        "PLM_NOT_PUBLISHED_REMINDER_DAYS": settings.PLM_NOT_PUBLISHED_REMINDER_DAYS,
        "PLM_ALERTS_LEASE_SECONDS": settings.PLM_ALERTS_LEASE_SECONDS,
        "PLM_ALERTS_MAX_ATTEMPTS": settings.PLM_ALERTS_MAX_ATTEMPTS,
    }
    for name, value in numbers.items():
        if not isinstance(value, int) or value < 1:
            raise ImproperlyConfigured(POLICY_NUMBER_INVALID.format(name=name, value=value))
    return Policy(
        due_soon=soon,
        due_last=last,
        escalation=escalation,
        send_from=send_from,
        not_published_days=numbers["PLM_NOT_PUBLISHED_REMINDER_DAYS"],
        lease=datetime.timedelta(seconds=numbers["PLM_ALERTS_LEASE_SECONDS"]),
        max_attempts=numbers["PLM_ALERTS_MAX_ATTEMPTS"],
    )


def today_of(now: datetime.datetime) -> datetime.date:
    """Return the day it is in Europe/Rome at ``now`` (an aware datetime)."""
    return now.astimezone(ROME).date()


def day_of(moment: datetime.datetime | None) -> datetime.date | None:
    """Return the day in Europe/Rome of a moment (None stays None)."""
    return moment.astimezone(ROME).date() if moment is not None else None


def sending_starts(now: datetime.datetime, policy: Policy) -> datetime.datetime:
    """Return the moment of today (Europe/Rome) from which e-mails and digests go out."""
    return datetime.datetime.combine(today_of(now), policy.send_from, tzinfo=ROME)


def may_send(now: datetime.datetime, policy: Policy) -> bool:
    """Return True if e-mails may go out at ``now``: from the policy's time of day on."""
    return now >= sending_starts(now, policy)


class Patron(NamedTuple):
    """The comune's patron day (both None: none set), as ``calendar`` reads a comune."""

    patron_month: int | None = None
    patron_day: int | None = None


def _working_day_after(due: datetime.date, count: int, comune) -> datetime.date:
    """Return the ``count``-th working day after ``due``."""
    day, seen = due, 0
    while seen < count:
        day += DAY
        if is_working_day(day, comune):
            seen += 1
    return day


def working_days_between(start: datetime.date, end: datetime.date, comune=None) -> int:
    """Return the number of working days after ``start`` up to ``end`` included (0 if none)."""
    days, day = 0, start
    while day < end:
        day += DAY
        if is_working_day(day, comune):
            days += 1
    return days


@lru_cache(maxsize=4096)
def _stage_days(due: datetime.date, patron: Patron, policy: Policy) -> tuple:
    return (
        (AlertKind.DUE_IN_7, _working_days_back(due, policy.due_soon, patron)),
        (AlertKind.DUE_IN_1, _working_days_back(due, policy.due_last, patron)),
        (AlertKind.DUE_TODAY, due),
        (AlertKind.OVERDUE, due + DAY),
        (AlertKind.ESCALATION, _working_day_after(due, policy.escalation, patron)),
    )


def _working_days_back(due: datetime.date, count: int, comune) -> datetime.date:
    """Return the first day on which at most ``count`` working days are left until ``due``:
    the latest working day before it with exactly ``count`` working days after it, up to the
    due date included."""
    day, left = due, 0
    while True:
        if is_working_day(day, comune):
            left += 1  # working days in (day - 1, due]
        day -= DAY
        if left == count:
            # The days from here back to the previous working day have ``count`` left too:
            # the stage starts on that working day.
            while not is_working_day(day, comune):
                day -= DAY
            return day


def stage_days(due: datetime.date, comune=None, policy: Policy | None = None) -> dict:
    """Return the day each stage of this due date starts on, {kind: day}, earliest first."""
    policy = policy or Policy()
    patron = Patron(getattr(comune, "patron_month", None), getattr(comune, "patron_day", None))
    return dict(_stage_days(due, patron, policy))


def stage_reached(
    due: datetime.date, today: datetime.date, comune=None, policy: Policy | None = None
) -> tuple[str, datetime.date] | None:
    """Return the latest stage this due date has reached on ``today`` and the day it started
    on, or None if it is more than the first reminder away."""
    reached = None
    for kind, day in stage_days(due, comune, policy).items():
        if day <= today:
            reached = (kind, day)
    return reached


@dataclass(frozen=True)
class TaskFacts:
    """What the policy needs to know of one open task of an active plan."""

    step_id: int
    plan_id: int
    kind: str  # StepKind
    due: datetime.date
    holder_id: int | None
    held_since: datetime.datetime | None
    opened_at: datetime.datetime
    comune: Patron = Patron()


@dataclass(frozen=True)
class PlanPeople:
    """Who works on one plan: its coordinators and its facilitators (active people)."""

    coordinators: tuple[int, ...] = ()
    facilitators: tuple[int, ...] = ()


def task_notices(
    task: TaskFacts,
    today: datetime.date,
    *,
    people: PlanPeople,
    leads: tuple[int, ...] = (),
    policy: Policy | None = None,
) -> list[Notice]:
    """Return who is told what of this task today: each person their latest stage only.

    The holder, or (an offered task) whoever may take it on, get the latest stage if it
    started on or after the day they took the task on (or it was offered); an escalation also
    reaches the plan's facilitators (not for a check task) and the leads.
    """
    reached = stage_reached(task.due, today, task.comune, policy)
    if reached is None:
        return []
    stage, started = reached
    if task.holder_id is not None:
        workers, since = (task.holder_id,), task.held_since or task.opened_at
    else:
        workers = people.facilitators if task.kind == StepKind.CHECK else people.coordinators
        since = task.opened_at
    told = []
    if day_of(since) <= started:
        told.extend(workers)
    if stage == AlertKind.ESCALATION:
        if task.kind != StepKind.CHECK:
            told.extend(people.facilitators)
        told.extend(leads)
    return [
        Notice(
            plan_id=task.plan_id, kind=stage, recipient_id=pk, step_id=task.step_id, due=task.due
        )
        for pk in dict.fromkeys(told)
    ]


def not_published_notices(
    plan_id: int,
    act_date: datetime.date | None,
    today: datetime.date,
    *,
    people: PlanPeople,
    policy: Policy | None = None,
) -> list[Notice]:
    """Return the reminders of an adopted plan not yet published: to its coordinators and
    facilitators, once the policy's days after the adoption act's date have passed (the
    reminder is keyed by that day: it is told once)."""
    policy = policy or Policy()
    if act_date is None:
        return []
    day = act_date + datetime.timedelta(days=policy.not_published_days)
    if day > today:
        return []
    return [
        Notice(plan_id=plan_id, kind=AlertKind.NOT_PUBLISHED, recipient_id=pk, due=day)
        for pk in dict.fromkeys((*people.coordinators, *people.facilitators))
    ]


__all__ = [
    "STAGES",
    "Patron",
    "PlanPeople",
    "Policy",
    "TaskFacts",
    "may_send",
    "not_published_notices",
    "policy_from_settings",
    "stage_days",
    "stage_reached",
    "task_notices",
    "today_of",
    "working_days_between",
]
