"""Who is told what when work reaches them: the notices of the flow's events (DESIGN §6).

Each notice is keyed on the audit event that records the fact (``Notice.event_id``), so an
event tells each person once per channel whatever calls it again. The services that record
the events call ``event_alerts_queue`` in their own transaction: the in-app rows show at once,
the e-mail and digest rows wait for the next sweep. Nobody is told of what they did themselves.

- a task created with its holder, or handed over: its holder, "task assigned to you";
- a task created without one, or released back: whoever may take it on (the holders of its
  permission on the plan), "task offered to you";
- a work task returned by a review: its holder, else whoever may take it on, "step returned";
- a phase approved: the plan's coordinators, "step approved"; the adoption confirmed: the
  plan's coordinators and facilitators, "plan adopted".
"""

import contextlib
import contextvars
import datetime

from django.utils import timezone
from guardian.shortcuts import get_users_with_perms

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans import phases
from plm_workflow.plans.models import Phase, Plan, ReviewDecision
from plm_workflow.roles import COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME

from .alerts import Notice, WriteResult, alerts_write
from .models import AlertKind, StepTask


class _Batch:
    """The notices of one click, written together as it ends; the people read once each."""

    def __init__(self):
        self.notices: list[Notice] = []
        self.people: dict[tuple, list[int]] = {}


_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("alerts", default=None)


@contextlib.contextmanager
def alerts_batched(*, now: datetime.datetime | None = None):
    """Within the block, collect the events' notices and write them once, as it ends.

    For a service that records several events at once (a check's decision, then the next
    task): one read of the recipients and one insert for all. Use it inside the service's
    transaction; if the block raises, nothing is written.
    """
    if _batch.get() is not None:
        yield  # an outer block writes them
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    finally:
        _batch.reset(token)
    alerts_write(batch.notices, now=now or timezone.now())


def plan_people(plan: Plan, *codenames: str) -> list[int]:
    """Return the ids of the active people holding any of these permissions on the plan."""
    batch = _batch.get()
    key = (plan.pk, tuple(sorted(codenames)))
    if batch is not None and key in batch.people:
        return batch.people[key]
    users = get_users_with_perms(plan, only_with_perms_in=codenames, with_group_users=False)
    found = list(users.filter(is_active=True).order_by("pk").values_list("pk", flat=True))
    if batch is not None:
        batch.people[key] = found
    return found


def _codename_of(node: str) -> str:
    """Return the permission a task of this node is offered to (checks to facilitators)."""
    return FACILITATE_PLAN_CODENAME if phases.is_check_node(node) else COORDINATE_PLAN_CODENAME


def _holders(changes: dict) -> tuple[int | None, int | None]:
    """Return the (old, new) holder a task event's payload records."""
    old, new = (changes or {}).get("holder") or (None, None)
    return old, new


def event_notices(
    *, event: Event, plan: Plan | None = None, step: StepTask | None = None
) -> list[Notice]:
    """Return who is told of this event and as what (none for events nobody is told of).

    ``step`` is the task's row as the caller just wrote it, if it has it (else it is read).
    """
    plan = plan if plan is not None else event.plan
    if plan is None:
        return []
    payload = event.payload or {}
    changes = payload.get("changes") or {}
    concerns = payload.get("concerns") or {}
    due = None
    kind, recipients = None, []
    if event.kind in (
        EventKind.TASK_CREATED,
        EventKind.TASK_REASSIGNED,
        EventKind.TASK_RELEASED,
        EventKind.TASK_RETURNED,
    ):
        if step is None:
            step = StepTask.objects.filter(task_id=concerns.get("task")).first()
        if step is None:
            return []
        due = step.due
        node = payload.get("node") or ""
        old, new = _holders(changes)
        if event.kind == EventKind.TASK_RETURNED:
            kind = AlertKind.STEP_RETURNED
            holder = step.holder_id
            recipients = [holder] if holder else plan_people(plan, _codename_of(node))
        elif event.kind == EventKind.TASK_RELEASED or not new:
            kind = AlertKind.TASK_OFFERED
            recipients = [pk for pk in plan_people(plan, _codename_of(node)) if pk != old]
        else:
            kind, recipients = AlertKind.TASK_ASSIGNED, [new]
    elif event.kind == EventKind.REVIEW_DECIDED:
        decision = (changes.get("decision") or (None, None))[1]
        if decision != ReviewDecision.APPROVED:
            return []  # a return is told as its work task is created again
        if payload.get("phase") == Phase.ADOPTION:
            kind = AlertKind.PLAN_ADOPTED
            recipients = plan_people(plan, COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME)
        else:
            kind = AlertKind.STEP_APPROVED
            recipients = plan_people(plan, COORDINATE_PLAN_CODENAME)
    if kind is None:
        return []
    return [
        Notice(plan_id=plan.pk, kind=kind, recipient_id=pk, event_id=event.pk, due=due)
        for pk in dict.fromkeys(recipients)
        if pk and pk != event.actor_id
    ]


def event_alerts_queue(
    *,
    event: Event,
    plan: Plan | None = None,
    step: StepTask | None = None,
    now: datetime.datetime | None = None,
) -> WriteResult:
    """Write the event's notices: in-app at once, e-mail or digest pending for the sweep.

    Call it in the transaction of the service that recorded the event: the rows are kept
    with the change, or neither. Within ``alerts_batched`` the rows are written as the block
    ends (and an empty result is returned).
    """
    notices = event_notices(event=event, plan=plan, step=step)
    batch = _batch.get()
    if batch is not None:
        batch.notices.extend(notices)
        return WriteResult()
    return alerts_write(notices, now=now or timezone.now())


def decision_alerts_queue(
    *, plan: Plan, phase: str, now: datetime.datetime | None = None
) -> WriteResult:
    """Tell of the latest review decision on the plan's phase, if it approved the phase.

    Called as the check task the decision closes completes; a decision already told is not
    told twice (the rows are keyed on its event).
    """
    event = Event.objects.filter(plan=plan, kind=EventKind.REVIEW_DECIDED).order_by("-seq").first()
    if event is None or (event.payload or {}).get("phase") != phase:
        return WriteResult()
    return event_alerts_queue(event=event, plan=plan, now=now)
