"""Who may act on a plan: the object permissions derived from memberships.

The names are constants of ``plm_workflow.roles`` (the bottom layer); this module asks
guardian whether a person holds one of them on a given plan.
"""

from guardian.shortcuts import get_user_perms

from plm_workflow.roles import (
    COORDINATE_PLAN,
    COORDINATE_PLAN_CODENAME,
    FACILITATE_PLAN,
    FACILITATE_PLAN_CODENAME,
    VIEW_PLAN,
    VIEW_PLAN_CODENAME,
    is_active_user,
    is_auditor,
    is_lead,
)

__all__ = [
    "COORDINATE_PLAN",
    "FACILITATE_PLAN",
    "VIEW_PLAN",
    "VIEW_PLAN_CODENAME",
    "can_coordinate",
    "can_facilitate",
    "can_suspend_or_resume",
    "can_withdraw",
    "holds_plan_perm",
    "remember_plan_perms",
    "is_auditor",
    "is_lead",
]


_PLAN_PERMS = "_plm_plan_perms"


def remember_plan_perms(user) -> None:
    """Read each plan's permissions of this user once, for as long as this user object lives.

    For the user of one request (a page): nothing the page does changes its own holder's
    permissions. Other user objects (services called from code) read them every time.
    """
    if user is not None and is_active_user(user):
        user.__dict__.setdefault(_PLAN_PERMS, {})


def holds_plan_perm(user, codename: str, plan) -> bool:
    """Return True if the user holds the object permission on this very plan.

    Only permissions granted to the user on the plan count: superuser status and model-wide
    permissions open nothing here.
    """
    if not is_active_user(user):
        return False
    remembered = user.__dict__.get(_PLAN_PERMS)
    if remembered is None:
        return codename in get_user_perms(user, plan)
    if plan.pk not in remembered:
        remembered[plan.pk] = frozenset(get_user_perms(user, plan))
    return codename in remembered[plan.pk]


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
