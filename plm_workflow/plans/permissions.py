"""Permission names and role checks of the plans domain: one list, referred to by constant.

Object permissions on a plan are derived from memberships (``plm_workflow.accounts``) and
granted per plan only, never model-wide: the lead and the auditors see plans through the
model-wide ``view_plan`` of their group alone.
"""

from guardian.shortcuts import get_user_perms

VIEW_PLAN_CODENAME = "view_plan"
COORDINATE_PLAN_CODENAME = "coordinate_plan"
FACILITATE_PLAN_CODENAME = "facilitate_plan"

# Full names, for has_perm and viewflow's ``.Permission(...)``.
VIEW_PLAN = f"plans.{VIEW_PLAN_CODENAME}"
COORDINATE_PLAN = f"plans.{COORDINATE_PLAN_CODENAME}"
FACILITATE_PLAN = f"plans.{FACILITATE_PLAN_CODENAME}"

LEAD_GROUP = "lead"
AUDITOR_GROUP = "auditor"


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_lead(user) -> bool:
    """Return True if the user is an active lead facilitator."""
    return _active(user) and user.groups.filter(name=LEAD_GROUP).exists()


def is_auditor(user) -> bool:
    """Return True if the user is an active auditor."""
    return _active(user) and user.groups.filter(name=AUDITOR_GROUP).exists()


def holds_plan_perm(user, codename: str, plan) -> bool:
    """Return True if the user holds the object permission on this very plan.

    Only permissions granted to the user on the plan count: superuser status and model-wide
    permissions open nothing here.
    """
    return _active(user) and codename in get_user_perms(user, plan)


def can_coordinate(plan, user) -> bool:
    """Return True if the user is a coordinator of the plan."""
    return holds_plan_perm(user, COORDINATE_PLAN_CODENAME, plan)


def can_facilitate(plan, user) -> bool:
    """Return True if the user is a facilitator of the plan."""
    return holds_plan_perm(user, FACILITATE_PLAN_CODENAME, plan)


def can_suspend_or_resume(plan, user) -> bool:
    """Return True if the user is the lead or a facilitator of the plan."""
    return is_lead(user) or can_facilitate(plan, user)


def can_withdraw(plan, user) -> bool:
    """Return True if the user is the lead."""
    return is_lead(user)
