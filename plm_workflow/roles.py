"""Role names, the groups of the global roles, the plan permissions, and who holds a global role.

The bottom layer: every package may import it, it imports only Django. Object permissions on
a plan are derived from memberships (``plm_workflow.accounts``) and granted per plan only,
never model-wide: the lead and the auditors see plans through the model-wide ``view_plan`` of
their group alone.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("municipal coordinator")
    FACILITATOR = "facilitator", _("facilitator")
    LEAD = "lead", _("lead facilitator")
    AUDITOR = "auditor", _("auditor")


# Roles held on a comune (a Membership); the others are global (a group).
COMUNE_ROLES = (Role.COORDINATOR, Role.FACILITATOR)

LEAD_GROUP = "lead"
AUDITOR_GROUP = "auditor"

VIEW_PLAN_CODENAME = "view_plan"
COORDINATE_PLAN_CODENAME = "coordinate_plan"
FACILITATE_PLAN_CODENAME = "facilitate_plan"

# Full names, for has_perm and viewflow's ``.Permission(...)``.
VIEW_PLAN = f"plans.{VIEW_PLAN_CODENAME}"
COORDINATE_PLAN = f"plans.{COORDINATE_PLAN_CODENAME}"
FACILITATE_PLAN = f"plans.{FACILITATE_PLAN_CODENAME}"


def is_active_user(user) -> bool:
    """Return True if ``user`` is a logged-in, active person."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_lead(user) -> bool:
    """Return True if the user is an active lead facilitator."""
    return is_active_user(user) and _in_group(user, LEAD_GROUP)


def is_auditor(user) -> bool:
    """Return True if the user is an active auditor."""
    return is_active_user(user) and _in_group(user, AUDITOR_GROUP)


def groups_known(user) -> bool:
    """Return True if the user's global groups were read already (cached on the user object)."""
    return user.__dict__.get("_plm_groups") is not None


def _in_group(user, name: str) -> bool:
    # Cached on the user object for the request: pages ask several times.
    cache = user.__dict__.setdefault("_plm_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user.__dict__["_plm_groups"] = cache
    return name in cache
