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
from plm_workflow.audit.services import SYSTEM_OPERATOR, record
from plm_workflow.deadlines.services import STATUS_PHASE, dates_shift
from plm_workflow.plans.documents import files_kept_only_on_success
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Plan
from plm_workflow.plans.services import plan_launch, plan_resume, plan_suspend, plan_withdraw

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


def flow_launch(*, by, activation=None, **fields) -> Plan:
    """Launch a plan (``plan_launch``, the lead only) and start its process, all or nothing.

    The process's first task is offered to the comune's coordinators. The launch page passes
    the start activation viewflow gave it; code and commands pass none.
    """
    with files_kept_only_on_success(), transaction.atomic():
        plan = plan_launch(by=by, **fields)
        if activation is None:
            from .flows import PLMFlow  # the flow's views import this module

            node = PLMFlow.launch
            activation = node.activation_class.create(node, None, None)
            activation.start(SimpleNamespace(user=by))
        activation.process.plan = plan
        activation.execute()
    return plan


def task_complete(*, activation, by) -> None:
    """Record that the person completed the task, then let the flow create the next one.

    ``activation`` is the started activation viewflow gave the task's page, after the step's
    own service ran.
    """
    with transaction.atomic():
        _record_task(EventKind.TASK_COMPLETED, activation.task, by)
        activation.execute()


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
        _record_task(EventKind.TASK_CLAIMED, task, by)


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
        _record_task(EventKind.TASK_RELEASED, task, by)


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
        _record_task(
            EventKind.TASK_REASSIGNED,
            task,
            by,
            **{"from": previous.pk if previous else None, "to": to.pk},
        )


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
        _record_task(EventKind.TASK_RELEASED, task, by, reason=reason)
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
        dates_shift(plan=plan, days=days, from_phase=STATUS_PHASE[left_from], by=by)
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
            _record_task(EventKind.TASK_CANCELED, task, by, reason="plan withdrawn")
        process.status = PROCESS.CANCELED
        process.finished = plan.withdrawn_at
        process.save(update_fields=["status", "finished"])
    return plan


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _record_task(kind, task, by, **extra) -> None:
    record(
        kind=kind,
        actor=by,
        plan=task.process.coerced.plan,
        payload={"task": task.pk, "node": task.flow_task.name, **extra},
    )
