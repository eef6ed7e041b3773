"""A person's calendar feed (RFC 5545): the due dates of the tasks they hold or may take on.

One all-day event per open task of an active plan, held by the person or offered to them (no
holder yet, and they hold its permission on the plan: a work task's coordinators, a check's
facilitators). Titles and links only: no comments, nothing the person's calendar provider
needs not know. Each event keeps its UID (``steptask-<id>@<host>``) for as long as the task
lives, and its SEQUENCE is the due date's revision, so that calendars replace the event when
the date moves. Working days are ``calendar.py``'s; this module only writes the feed.
"""

import datetime
from collections.abc import Callable, Iterable

import icalendar
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from guardian.models import UserObjectPermission

from plm_workflow.plans import phases
from plm_workflow.plans.models import ACTIVE_STATES
from plm_workflow.roles import COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME

from .models import StepKind, StepTask

CALENDAR_NAME = _("PLM Workflow: my tasks")
SUMMARY = _("%(task)s – %(comune)s")
DESCRIPTION = _("%(plan)s, %(comune)s. Open the task: %(url)s")
PRODUCT = "-//PLM Workflow//Calendar feed//EN"


def _holds_on_plan(user, codename: str) -> Exists:
    """Whether the user holds this object permission on the step's plan (guardian's table)."""
    return Exists(
        UserObjectPermission.objects.filter(
            user=user,
            permission__codename=codename,
            content_type__app_label="plans",
            content_type__model="plan",
            object_pk=Cast(OuterRef("plan_id"), CharField()),
        )
    )


def calendar_steps(user) -> QuerySet[StepTask]:
    """Return the open tasks of active plans the user holds, or may take on (one query).

    With their plan, comune and viewflow task, for the titles and the links.
    """
    offered = Q(holder__isnull=True) & (
        Q(kind=StepKind.WORK, _coordinates=True) | Q(kind=StepKind.CHECK, _facilitates=True)
    )
    return (
        StepTask.objects.filter(closed_at__isnull=True, plan__status__in=ACTIVE_STATES)
        .alias(
            _coordinates=_holds_on_plan(user, COORDINATE_PLAN_CODENAME),
            _facilitates=_holds_on_plan(user, FACILITATE_PLAN_CODENAME),
        )
        .filter(Q(holder=user) | offered)
        .select_related("plan__comune", "task")
        .order_by("due", "pk")
    )


def _title(step: StepTask) -> str:
    spec = phases.spec_of(step.phase)
    return str(spec.check_title if step.kind == StepKind.CHECK else spec.work_title)


def calendar_feed(
    *,
    steps: Iterable[StepTask],
    link: Callable[[StepTask], str],
    host: str,
    language: str,
    now: datetime.datetime,
) -> bytes:
    """Return the iCalendar text of these tasks, in ``language``.

    ``link(step)`` is the task page's absolute URL; ``host`` names the site in the UIDs;
    ``now`` (aware) is the feed's DTSTAMP.
    """
    stamp = now.astimezone(datetime.UTC)
    with translation.override(language):
        feed = icalendar.Calendar()
        feed.add("prodid", PRODUCT)
        feed.add("version", "2.0")
        feed.add("calscale", "GREGORIAN")
        feed.add("method", "PUBLISH")
        feed.add("x-wr-calname", str(CALENDAR_NAME))
        for step in steps:
            url = link(step)
            comune = step.plan.comune.label
            event = icalendar.Event()
            event.add("uid", f"steptask-{step.pk}@{host}")
            event.add("dtstamp", stamp)
            event.add("sequence", step.due_revision)
            # All-day: a DATE start (VALUE=DATE) and the next day as its exclusive end.
            event.add("dtstart", step.due)
            event.add("dtend", step.due + datetime.timedelta(days=1))
            event.add("summary", str(SUMMARY % {"task": _title(step), "comune": comune}))
            event.add(
                "description",
                str(DESCRIPTION % {"plan": step.plan.title, "comune": comune, "url": url}),
            )
            event.add("url", url)
            event.add("transp", "TRANSPARENT")
            feed.add_component(event)
    return feed.to_ical()
