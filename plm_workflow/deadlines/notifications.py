"""A person's notifications in the app: the bell's count, the list, marking them read.

A notification is an alert row on the in-app channel (``Channel.IN_APP``), written by the
sweep or by a service as something happens, shown at once and unread until its recipient
marks it read. Everyone sees and marks only their own rows; an auditor may mark their own
read too (DESIGN §4: it concerns only them). A row about a plan its recipient can no longer
see (a role revoked since) stays theirs, but is told without the plan's name or a link: the
caller passes the plans the person may see (``plans_visible_to``, which this package may not
import), and the row carries ``plan_visible``.
"""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plm_workflow.formats.prose import prose_weekday_date
from plm_workflow.plans.phases import spec_of, spec_of_node

from .models import Alert, AlertKind, Channel

NOT_YOURS = _("This notification is not among yours: nothing was marked as read.")

# What each kind says. %(task)s is the task's name, %(comune)s the comune ("San Severo
# (FG)"), %(day)s the due date with its weekday ("Monday 3 April 2023").
SAYS = {
    AlertKind.DUE_IN_7: _("The task “%(task)s” of %(comune)s is due on %(day)s."),
    AlertKind.DUE_IN_1: _(
        "The task “%(task)s” of %(comune)s is due on %(day)s, the next working day."
    ),
    AlertKind.DUE_TODAY: _("The task “%(task)s” of %(comune)s is due today, %(day)s."),
    AlertKind.OVERDUE: _("The task “%(task)s” of %(comune)s was due on %(day)s: it is overdue."),
    AlertKind.ESCALATION: _(
        "The task “%(task)s” of %(comune)s was due on %(day)s and is still not done: "
        "escalated to the plan's facilitators and the lead facilitator."
    ),
    AlertKind.NOT_PUBLISHED: _(
        "The plan of %(comune)s is adopted but not yet published on the albo pretorio: "
        "record its publication."
    ),
    AlertKind.TASK_OFFERED: _(
        "The task “%(task)s” of %(comune)s is offered to you: take it on from the queue."
    ),
    AlertKind.TASK_ASSIGNED: _("The task “%(task)s” of %(comune)s is assigned to you."),
    AlertKind.STEP_RETURNED: _(
        "The task “%(task)s” of %(comune)s was returned to you with comments."
    ),
    AlertKind.STEP_APPROVED: _("The task “%(task)s” of %(comune)s was approved."),
    AlertKind.PLAN_ADOPTED: _("The plan of %(comune)s was adopted."),
    AlertKind.DELIVERY_FAILED: _(
        "Some e-mails about the plan of %(comune)s could not be delivered after every retry: "
        "see the deadline sweep's summary."
    ),
}
#: An overdue check task escalates to the lead facilitator only (DESIGN §6).
ESCALATION_OF_CHECK = _(
    "The task “%(task)s” of %(comune)s was due on %(day)s and is still not done: "
    "escalated to the lead facilitator."
)
#: A row about a plan the person can no longer see: nothing about the plan is told.
NO_LONGER_VISIBLE = _("A notification about a plan you no longer have access to.")
#: A kind this module does not know yet (a later issue's): its label.
OTHER_KIND = _("%(kind)s – %(comune)s")


def _in_app(user) -> QuerySet[Alert]:
    return Alert.objects.filter(recipient_id=user.pk, channel=Channel.IN_APP)


def unread_count(user) -> int:
    """Return how many of the user's notifications are unread: one indexed query; 0 without
    one for a visitor who is not logged in."""
    if user is None or not user.is_authenticated:
        return 0
    return _in_app(user).filter(read_at__isnull=True).count()


def notifications_of(user, *, visible_plans) -> QuerySet[Alert]:
    """Return the user's notifications, newest first, each with its plan's comune and its
    task, and ``plan_visible``: whether ``visible_plans`` (the plans the user may see)
    holds its plan. Nobody else's rows, whatever the user's role."""
    if user is None or not user.is_authenticated:
        return Alert.objects.none()
    return (
        _in_app(user)
        .select_related("plan__comune", "step", "event")
        .annotate(plan_visible=Exists(visible_plans.filter(pk=OuterRef("plan_id"))))
        .order_by("-created_at", "-pk")
    )


class NotificationError(Exception):
    """A notification that is not the person's: refused, nothing marked."""

    def __init__(self, message):
        self.message = str(message)
        super().__init__(self.message)


def notification_read(*, alert_id: int | None, by, now: datetime.datetime | None = None) -> Alert:
    """Mark one of ``by``'s notifications read (again: nothing changes). Another person's
    row, an e-mail row, a missing or forged id: ``NotificationError``, nothing changed."""
    if alert_id is None or by is None or not by.is_authenticated:
        raise NotificationError(NOT_YOURS)
    with transaction.atomic():
        alert = _in_app(by).select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise NotificationError(NOT_YOURS)
        if alert.read_at is None:
            alert.read_at = now or timezone.now()
            alert.full_clean(validate_constraints=False)
            alert.save(update_fields=["read_at"])
    return alert


def notifications_read_all(*, by, now: datetime.datetime | None = None) -> int:
    """Mark every unread notification of ``by`` read; return how many were."""
    if by is None or not by.is_authenticated:
        return 0
    with transaction.atomic():
        return _in_app(by).filter(read_at__isnull=True).update(read_at=now or timezone.now())


# --- In words -----------------------------------------------------------------------------------


def task_name(step) -> str:
    """Return the name of a step's task as the lists say it ("Drafting", "Review the draft")."""
    if step is None:
        return ""
    spec = spec_of(step.phase)
    return str(spec.check_title if step.is_check else spec.work_title)


def event_task(event) -> tuple[str | None, int | None]:
    """Return the flow node and the task id an event's payload names (either may be None)."""
    payload = (event.payload or {}) if event is not None else {}
    concerns = payload.get("concerns") or {}
    node, task = payload.get("node"), concerns.get("task")
    return (node if isinstance(node, str) else None), (task if isinstance(task, int) else None)


def _event_task_name(event, *, work: bool) -> str:
    """Return the name of the task an event tells of: its node's, or with ``work`` the work
    of its phase (a check's decision approves the work, not the check)."""
    node, _task = event_task(event)
    spec = spec_of_node(node) if node else None
    if spec is None:
        try:
            spec = spec_of((event.payload or {}).get("phase"))
        except (KeyError, ValueError, TypeError):
            return ""
        work = True
    return str(spec.work_title if work or node == spec.work_node else spec.check_title)


def alert_task_name(alert: Alert) -> str:
    """Return the name of the task a notification is about: its step's, else its event's;
    for an approval, the work approved."""
    if alert.step_id is not None:
        return task_name(alert.step)
    if alert.event_id is not None:
        return _event_task_name(alert.event, work=alert.kind == AlertKind.STEP_APPROVED)
    return ""


def notification_sentence(alert: Alert, *, plan_visible: bool = True) -> str:
    """Return what a notification tells, in the active language (see ``SAYS``); a row about a
    plan its recipient no longer sees tells nothing of the plan."""
    if not plan_visible:
        return str(NO_LONGER_VISIBLE)
    comune = alert.plan.comune.label
    says = SAYS.get(alert.kind)
    if alert.kind == AlertKind.ESCALATION and alert.step is not None and alert.step.is_check:
        says = ESCALATION_OF_CHECK
    if says is None:
        return str(OTHER_KIND % {"kind": alert.get_kind_display(), "comune": comune})
    due = alert.due or (alert.step.due if alert.step is not None else None)
    return str(
        says % {"task": alert_task_name(alert), "comune": comune, "day": prose_weekday_date(due)}
    )
