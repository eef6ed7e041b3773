from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
