"""Reads of who may see what: the one visibility rule, beside the memberships it follows."""

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q, QuerySet

from plm_workflow.plans.models import Comune, Plan
from plm_workflow.roles import AUDITOR_GROUP, LEAD_GROUP, groups_known, is_auditor, is_lead

from .models import Membership


def plans_visible_to(user) -> QuerySet[Plan]:
    """Return the plans the user may see: the one rule for every page, list and export.

    The lead and the auditors see every plan; coordinators and facilitators the plans of the
    comuni they currently hold a role on (every cycle); anyone else, and deactivated people,
    nothing. Superuser status opens nothing here.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Plan.objects.none()
    if is_lead(user) or is_auditor(user):
        return Plan.objects.all()
    return Plan.objects.filter(
        Exists(
            Membership.objects.filter(user=user, comune=OuterRef("comune"), revoked_at__isnull=True)
        )
    )


def plan_visible(user, plan_id) -> bool:
    """Return True if the user may see the plan with this id (one query)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if groups_known(user):
        return plans_visible_to(user).filter(pk=plan_id).exists()
    # The rule of ``plans_visible_to``, with the lead's and auditors' groups asked in the
    # same query.
    global_role = Exists(Group.objects.filter(user=user, name__in=(LEAD_GROUP, AUDITOR_GROUP)))
    member = Exists(
        Membership.objects.filter(user=user, comune=OuterRef("comune"), revoked_at__isnull=True)
    )
    return Plan.objects.filter(Q(global_role) | Q(member), pk=plan_id).exists()


def comuni_visible_to(user) -> QuerySet[Comune]:
    """Return the comuni the user may open: all for the lead (who sets patron days before a
    launch), else those with a plan the user may see."""
    if is_lead(user):
        return Comune.objects.all()
    return Comune.objects.filter(Exists(plans_visible_to(user).filter(comune=OuterRef("pk"))))
