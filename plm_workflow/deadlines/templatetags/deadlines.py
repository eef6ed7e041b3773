from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from plm_workflow.deadlines.words import people_named, schedule_sentence

register = template.Library()


@register.filter
def days_left(due) -> str:
    """Say how far a due date is: "3 days left", "due today", "2 days overdue"."""
    if due is None:
        return ""
    days = (due - timezone.localdate()).days
    if days == 0:
        return _("due today")
    if days > 0:
        return ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}
    return ngettext("%(days)d day overdue", "%(days)d days overdue", -days) % {"days": -days}


@register.simple_tag(takes_context=True)
def schedule_change(context, event, events=None) -> str:
    """A change of a phase date or a due date in words (``deadlines.words``), "" for another
    event: ``{% schedule_change event %}``. The people its cause names are read once per
    page: pass the whole list as ``events`` (``{% schedule_change event schedule_changes %}``)
    to read them all in one query, else one query per person.
    """
    request = context.get("request")
    cache = getattr(request, "_plm_people_named", None) if request is not None else None
    if cache is None:
        cache = {}
        if request is not None:
            request._plm_people_named = cache
    cause = event.payload.get("cause") if hasattr(event, "payload") else None
    wanted = cause.get("by") if isinstance(cause, dict) else None
    if wanted is not None and wanted not in cache:
        cache.update(people_named(events if events is not None else [event]))
    return schedule_sentence(event, cache)
