"""Which audit events a person may read: the timeline's one visibility rule.

It sits beside ``plans_visible_to`` (the one rule for plans), above the audit and the plans,
which it joins. Filter and page what it returns with ``plm_workflow.audit.timeline``.
"""

from django.db.models import Exists, QuerySet

from plm_workflow.audit.models import Event
from plm_workflow.audit.timeline import plan_events
from plm_workflow.roles import is_auditor, is_lead

from .selectors import plans_visible_to


def sees_global_chain(user) -> bool:
    """Return True if the user may read the global chain: the lead facilitator and auditors."""
    return is_lead(user) or is_auditor(user)


def events_visible_to(user, *, plan=None) -> QuerySet[Event]:
    """Return the events the user may read: of one plan, or of every plan they may see.

    - ``plan`` given: its story (``plan_events``: its chain and the global chain's events about
      its comune: role grants and revocations on it, its patron day), if the user may see the
      plan (``plans_visible_to``), else nothing;
    - no plan: the events of every plan the user may see; the global chain as a whole (roles,
      registry imports, exports, restores, verifications) only for the lead and auditors. A
      coordinator's or facilitator's global events of their comuni show on each plan's own
      timeline.

    The visibility is part of the one query that reads the events.
    """
    visible = plans_visible_to(user)
    if plan is not None:
        allowed = Exists(visible.filter(pk=plan.pk))
        story = plan_events(
            Event.objects.all(), plan_id=plan.pk, comune_code=plan.comune.istat_code
        )
        return story.filter(allowed)
    if sees_global_chain(user):
        return Event.objects.all()
    return Event.objects.filter(plan__in=visible)
