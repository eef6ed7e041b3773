"""The bell's unread count: ``{% load plm_notifications %}{% unread_notifications as count %}``.

Read once per request, with one indexed query, and only on a page that draws the bell (or
the notification list, which says the same count); nothing for a visitor not logged in.
"""

from django import template

from plm_workflow.deadlines.notifications import unread_count

register = template.Library()

_CACHE = "_plm_unread_notifications"


def unread_of(request) -> int:
    """Return how many of the requesting person's notifications are unread, read once per
    request."""
    if request is None:
        return 0
    if not hasattr(request, _CACHE):
        setattr(request, _CACHE, unread_count(getattr(request, "user", None)))
    return getattr(request, _CACHE)


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    return unread_of(context.get("request"))
