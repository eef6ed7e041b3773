"""A person's calendar feed, at its secret address: no login (calendar applications have none).

A wrong token, an old one (replaced from the profile page) and a deactivated person's are
all 404, alike. Two queries whatever the number of tasks: the person by the token, the tasks.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from plm_workflow.deadlines.ical import calendar_feed as feed_of
from plm_workflow.deadlines.ical import calendar_steps
from plm_workflow.profiles.models import Profile

# What ``secrets.token_urlsafe`` writes; anything else is not looked up at all.
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
CONTENT_TYPE = "text/calendar; charset=utf-8"


def site_url() -> str:
    """The site's address as people reach it (``PLM_SITE_URL``), without a trailing slash."""
    return settings.PLM_SITE_URL.rstrip("/")


def feed_url(token: str) -> str:
    """The absolute address of the feed with this token."""
    return site_url() + reverse("calendar_feed", args=[token])


def _task_link(step) -> str:
    task = step.task
    return site_url() + task.flow_task.reverse("index", args=[task.process_id, task.pk])


@login_not_required
@require_GET
def calendar_feed(request, token: str):
    """The iCalendar feed of the person whose token this is, in their language."""
    if not TOKEN.fullmatch(token):
        raise Http404
    profile = (
        Profile.objects.select_related("user")
        .filter(calendar_token=token, user__is_active=True)
        .first()
    )
    if profile is None:
        raise Http404
    language = profile.language
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    body = feed_of(
        steps=calendar_steps(profile.user),
        link=_task_link,
        host=urlsplit(site_url()).hostname or request.get_host(),
        language=language,
        now=timezone.now(),
    )
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = 'inline; filename="plm-workflow.ics"'
    # A secret address: not kept by shared caches, not sent on as a referrer.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
