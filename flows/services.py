"""Writes that move a plan and its flow together, and every change of a task's hands.

Each service checks who may act first (an unauthorised user learns nothing), then the state,
and raises ``PlanError`` with the reason; each writes its audit event in its transaction.
Callers hold the flow's lock on the process (the task pages do).
"""

from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from viewflow.utils import is_owner
from viewflow.workflow.status import PROCESS, STATUS

from plm_workflow.accounts.services import role_revoke
from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_FLOW, SYSTEM_OPERATOR, payload_of, record
from plm_workflow.db import joined
from plm_workflow.deadlines.events import (
    alerts_batched,
    decision_alerts_queue,
    event_alerts_queue,
)
from plm_workflow.deadlines.models import StepKind, StepTask
from plm_workflow.deadlines.services import dates_shift, task_due_compute
from plm_workflow.launch.services import plan_launch
from plm_workflow.plans import phases
from plm_workflow.plans.documents import files_kept_only_on_success
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Plan, ReviewDecision
from plm_workflow.plans.selectors import review_latest
from plm_workflow.plans.services import plan_resume, plan_suspend, plan_withdraw

from .content import step_of
from .rules import (
    ALREADY_HOLDS,
    CHOOSE_CANDIDATE,
    NOT_A_CANDIDATE,
    OPEN_STATUSES,
    TASK_NOT_YOURS,
    TASK_TAKEN,
    can_reassign,
    check_open,
    holds_task_permission,
)

# --- Launch and completion ---------------------------------------------------------------------


def flow_launch(*, by, start, **fields) -> Plan:
    """Launch a plan (``plan_launch``, the lead only) and start its process, all or nothing.

    ``start`` is the start activation viewflow gave the launch page, or, from code and
    commands, the flow's start node (``PLMFlow.launch``). The process's first task is offered
    to the comune's coordinators.
    """
    with files_kept_only_on_success(), transaction.atomic():
        plan = plan_launch(by=by, **fields)
        activation = start
        if not hasattr(start, "process"):
            activation = start.activation_class.create(start, None, None)
            activation.start(SimpleNamespace(user=by))
        activation.process.plan = plan
        activation.execute()
    return plan


def task_complete(*, activation, by) -> None:
    """Record that the person completed the task, then let the flow create the next one.

    ``activation`` is the started activation viewflow gave the task's page, after the step's
    own service ran. Joins the page's transaction without a savepoint: it refuses nothing,
    and whatever it raises undoes that transaction.
    """
    with joined(), alerts_batched():
        task = activation.task
        _record_task(EventKind.TASK_COMPLETED, task, by)
        _step_update(task, closed_at=timezone.now())
        if phases.is_check_node(task.flow_task.name):
            # The check's decision, recorded just before: an approval is told to the plan's
            # people (a return is told as its work task is created again).
            plan = task.process.coerced.plan
            decision_alerts_queue(plan=plan, phase=phases.node_phase(task.flow_task.name))
        # The next task, offered or assigned: told with the decision, in one write.
        activation.execute()


def task_opened(*, activation) -> StepTask:
    """Record a new human task and give it its domain row: phase, kind, due date, holder.

    A work task created by a return is linked to the review that returned it. Called by the
    flow's nodes as they create a task (``onCreate``).
    """
    task, plan, node = activation.task, activation.process.plan, activation.flow_task.name
    spec = phases.spec_of_node(node)
    is_check = phases.is_check_node(node)
    review = None if is_check else review_latest(plan=plan, phase=spec.phase)
    returned_by = review if review and review.decision == ReviewDecision.RETURNED else None
    created = record(
        kind=EventKind.TASK_CREATED,
        actor=SYSTEM_FLOW,
        plan=plan,
        payload=payload_of(
            concerns={"plan": plan.pk, "task": task.pk},
            phase=spec.phase,
            node=node,
            changes={
                "offered_to": [None, task.owner_permission],
                "holder": [None, task.owner_id],
            },
        ),
    )
    now = timezone.now()
    due = task_due_compute(
        plan=plan, phase=spec.phase, is_check=is_check, returned=returned_by is not None
    )
    step = StepTask(
        plan=plan,
        task=task,
        phase=spec.phase,
        kind=StepKind.CHECK if is_check else StepKind.WORK,
        due=due,
        returned_by=returned_by,
        holder_id=task.owner_id,
        held_since=now if task.owner_id else None,
        opened_at=now,
    )
    step.full_clean(exclude=["task", "plan", "returned_by", "holder"])
    step.save()
    record(
        kind=EventKind.DUE_DATE_SET,
        actor=SYSTEM_FLOW,
        plan=plan,
        payload=payload_of(
            concerns={"plan": plan.pk, "task": task.pk},
            phase=spec.phase,
            node=node,
            changes={"due": [None, due]},
            cause="task created",
        ),
    )
    told = created
    if returned_by is not None:
        told = record(
            kind=EventKind.TASK_RETURNED,
            actor=returned_by.reviewer,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk, "task": task.pk, "review": returned_by.pk},
                phase=spec.phase,
                node=node,
                cause="review returned the work",
            ),
        )
    # Offered or assigned to whoever may take it on; a returned task says it was returned.
    event_alerts_queue(event=told, plan=plan, step=step, now=now)
    return step


def _step_update(task, **fields) -> None:
    """Write the task's domain row (the flow's services alone do)."""
    step = step_of(task)
    if step is None:  # a start or gate node: no human step
        return
    for name, value in fields.items():
        setattr(step, name, value)
    step.save(update_fields=list(fields))


def _step_held(task, holder) -> None:
    _step_update(
        task,
        holder=holder,
        held_since=timezone.now() if holder is not None else None,
    )


# --- Who holds a task --------------------------------------------------------------------------


def task_claim(*, activation, by) -> None:
    """Take an offered task on (a holder of its permission on the plan, on an active plan)."""
    task = activation.task
    if not holds_task_permission(by, task):
        raise PlanError.not_allowed()
    check_open(task)
    if task.owner_id is not None:
        raise PlanError([TASK_TAKEN % {"user": _name(task.owner)}])
    with transaction.atomic():
        activation.assign(by)
        _step_held(task, by)
        _record_task(EventKind.TASK_CLAIMED, task, by, changes={"holder": [None, by.pk]})


def task_release(*, activation, by) -> None:
    """Give a held task back (its holder): it is offered again."""
    task = activation.task
    owns = task.owner_id is not None and is_owner(task.owner, by)
    if not owns and not holds_task_permission(by, task):
        raise PlanError.not_allowed()
    if not owns:
        raise PlanError([TASK_NOT_YOURS])
    check_open(task)
    with transaction.atomic():
        activation.unassign()
        _step_held(task, None)
        event = _record_task(EventKind.TASK_RELEASED, task, by, changes={"holder": [by.pk, None]})
        event_alerts_queue(event=event, plan=task.process.coerced.plan, step=step_of(task))


def task_reassign(*, activation, to, by) -> None:
    """Hand an open task to another holder of its permission (the lead or a facilitator)."""
    task = activation.task
    if not can_reassign(by, task):
        raise PlanError.not_allowed()
    check_open(task)
    if to is None:
        raise PlanError([CHOOSE_CANDIDATE])
    if not to.is_active or not holds_task_permission(to, task):
        raise PlanError([NOT_A_CANDIDATE % {"user": _name(to)}])
    if task.owner_id == to.pk:
        raise PlanError([ALREADY_HOLDS % {"user": _name(to)}])
    previous = task.owner
    with transaction.atomic():
        task.owner = to
        task.status = STATUS.ASSIGNED
        task.save(update_fields=["owner", "status"])
        _step_held(task, to)
        event = _record_task(
            EventKind.TASK_REASSIGNED,
            task,
            by,
            changes={"holder": [previous.pk if previous else None, to.pk]},
        )
        event_alerts_queue(event=event, plan=task.process.coerced.plan, step=step_of(task))


def _release_held(*, plans, user, by, reason: str) -> int:
    """Put the user's open tasks on these plans back in the queue; return how many."""
    from viewflow.workflow.models import Task

    held = (
        Task.objects.select_for_update(of=("self",))
        .filter(process__plmprocess__plan__in=plans, owner=user, status=STATUS.ASSIGNED)
        .select_related("process__plmprocess__plan")
    )
    count = 0
    for task in held:
        task.owner = None
        task.status = STATUS.NEW
        task.save(update_fields=["owner", "status"])
        _step_held(task, None)
        event = _record_task(
            EventKind.TASK_RELEASED, task, by, changes={"holder": [user.pk, None]}, cause=reason
        )
        event_alerts_queue(event=event, plan=task.process.coerced.plan, step=step_of(task))
        count += 1
    return count


def membership_revoke(*, user, role: str, comune=None, by=None) -> int:
    """Revoke a role; a comune role's holder loses the tasks they held there (back in the queue).

    Returns how many tasks were released. ``by`` is the lead, or None for an operator.
    """
    with transaction.atomic():
        role_revoke(user=user, role=role, comune=comune, by=by)
        if comune is None:
            return 0
        return _release_held(
            plans=Plan.objects.filter(comune=comune),
            user=user,
            by=by if by is not None else SYSTEM_OPERATOR,
            reason="role revoked",
        )


# --- The plan's pauses and end -----------------------------------------------------------------


def flow_suspend(*, plan: Plan, by, reason: str) -> Plan:
    """Suspend the plan: its open task stays where it is, and nobody can act on it."""
    return plan_suspend(plan=plan, by=by, reason=reason)


def flow_resume(*, plan: Plan, by, reason: str) -> Plan:
    """Resume the plan in the state it left: its open task is workable again.

    Open due dates and the dates of phases not yet started move by the whole days spent
    suspended, then off non-working days (each change recorded with the reason "resume").
    """
    with transaction.atomic():
        left_from, since = plan.suspended_from, plan.suspended_at
        plan = plan_resume(plan=plan, by=by, reason=reason)
        days = (timezone.now() - since).days  # whole days spent suspended
        dates_shift(plan=plan, days=days, from_phase=phases.STATUS_PHASE[left_from], by=by)
    return plan


def flow_withdraw(*, plan: Plan, by, reason: str) -> Plan:
    """Withdraw the plan (the lead) and cancel its open tasks: the flow ends with it."""
    from viewflow.workflow.models import Task

    with transaction.atomic():
        plan = plan_withdraw(plan=plan, by=by, reason=reason)
        process = plan.process
        for task in (
            Task.objects.select_for_update(of=("self",))
            .filter(process=process, status__in=OPEN_STATUSES)
            .select_related("process__plmprocess__plan")
        ):
            activation = task.flow_task.activation_class(task)
            activation.cancel()
            _step_update(task, closed_at=plan.withdrawn_at)
            _record_task(EventKind.TASK_CANCELED, task, by, cause="plan withdrawn")
        process.status = PROCESS.CANCELED
        process.finished = plan.withdrawn_at
        process.save(update_fields=["status", "finished"])
    return plan


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _record_task(kind, task, by, *, changes=None, reason=None, cause=None):
    plan = task.process.coerced.plan
    node = task.flow_task.name
    spec = phases.spec_of_node(node)
    return record(
        kind=kind,
        actor=by,
        plan=plan,
        payload=payload_of(
            concerns={"plan": plan.pk, "task": task.pk},
            phase=spec.phase if spec else None,
            node=node,
            changes=changes,
            reason=reason,
            cause=cause,
        ),
    )
