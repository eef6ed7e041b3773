"""Who may do what to a task, and the reasons given when they may not: reads only."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_users_with_perms
from viewflow.workflow.status import STATUS

from plm_workflow.plans import permissions
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import ACTIVE_STATES

TASK_CLOSED = _("This task is already closed: nothing was changed.")
TASK_NOT_CLAIMED = _("Take this task on before you work on it.")
TASK_TAKEN = _("%(user)s has already taken this task on.")
TASK_NOT_YOURS = _("Only the person who holds this task can do this.")
PLAN_NOT_ACTIVE = _("The plan is %(status)s: nothing can be done on its tasks now.")
NOT_A_CANDIDATE = _("%(user)s cannot take this task: choose a holder of its role on the plan.")
CHOOSE_CANDIDATE = _("Choose who takes the task on: a holder of its role on the plan.")
ALREADY_HOLDS = _("%(user)s already holds this task: nothing was changed.")

OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED)
CLOSED_STATUSES = (STATUS.DONE, STATUS.CANCELED, STATUS.REVIVED)


def task_permission_codename(task) -> str:
    """Return the codename of the object permission the task is offered to."""
    return (task.owner_permission or "").partition(".")[2]


def task_candidates(task):
    """Return the active people who hold the task's permission on its plan (by username)."""
    codename = task_permission_codename(task)
    plan = task.process.coerced.plan
    if not codename:
        return get_user_model().objects.none()
    return (
        get_users_with_perms(plan, only_with_perms_in=[codename], with_group_users=False)
        .filter(is_active=True)
        .order_by("username")
    )


def holds_task_permission(user, task) -> bool:
    """Return True if the user holds the task's object permission on that very plan."""
    codename = task_permission_codename(task)
    return bool(codename) and permissions.holds_plan_perm(user, codename, task.process.coerced.plan)


def plan_is_active(plan) -> bool:
    return plan.status in ACTIVE_STATES


def can_reassign(user, task) -> bool:
    """Return True if the user may hand the task to someone else: the lead or a facilitator."""
    plan = task.process.coerced.plan
    return permissions.is_lead(user) or permissions.can_facilitate(plan, user)


def check_open(task) -> None:
    """Refuse a closed task, or one whose plan is not active."""
    if task.status in CLOSED_STATUSES:
        raise PlanError([TASK_CLOSED])
    plan = task.process.coerced.plan
    if not plan_is_active(plan):
        raise PlanError([PLAN_NOT_ACTIVE % {"status": plan.get_status_display().lower()}])


def may_reassign_now(user, task) -> bool:
    """Return True if the task page should offer the user to reassign this task."""
    return (
        task.flow_task_type == "HUMAN"
        and task.status in OPEN_STATUSES
        and plan_is_active(task.process.coerced.plan)
        and can_reassign(user, task)
    )
