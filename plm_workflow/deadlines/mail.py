"""The e-mails of alert rows: one per e-mail row, one digest per person for their digest rows.

Each is written in its recipient's stored language (their profile's, else the site's), with a
plain-text part and an HTML part, and links to the task's page (or the plan's) that start with
``PLM_SITE_URL``. Dates are written in words: "scade lunedì 8 marzo 2027". The pages' URLs are
reversed by name: the domain never imports the flow.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db.models import CharField, Value
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from guardian.models import UserObjectPermission

from plm_workflow.formats.prose import prose_date, prose_weekday_date
from plm_workflow.plans.models import ACTIVE_STATES, Phase, Plan, PlanStatus, Review
from plm_workflow.plans.phases import spec_of, spec_of_node
from plm_workflow.profiles.models import Profile
from plm_workflow.roles import (
    AUDITOR_GROUP,
    COORDINATE_PLAN_CODENAME,
    FACILITATE_PLAN_CODENAME,
    LEAD_GROUP,
    VIEW_PLAN_CODENAME,
)

from .models import STAGES, Alert, AlertKind, Channel, StepKind, StepTask
from .policy import working_days_between

# The flow's URL namespace (flows/viewsets.py mounts it under the site's home).
FLOW_NAMESPACE = "home:plm"

HEADLINES = {
    AlertKind.DUE_TODAY: _("Due today"),
    AlertKind.OVERDUE: _("Overdue"),
    AlertKind.NOT_PUBLISHED: _("Adopted, not yet published"),
    AlertKind.TASK_OFFERED: _("A task is offered to you"),
    AlertKind.TASK_ASSIGNED: _("A task is assigned to you"),
    AlertKind.STEP_RETURNED: _("Work returned to you with comments"),
    AlertKind.STEP_APPROVED: _("Step approved"),
    AlertKind.PLAN_ADOPTED: _("Plan adopted"),
    AlertKind.DELIVERY_FAILED: _("E-mails not delivered"),
}
SUBJECT = _("%(headline)s: %(plan)s")
DIGEST_SUBJECT = _("PLM Workflow: your notifications of %(date)s")
GREETING = _("Hello %(name)s,")
DUE_TODAY = _("“%(task)s” is due today, %(date)s.")
OVERDUE = _("“%(task)s” was due %(date)s: it is overdue.")
NOT_PUBLISHED = _(
    "The plan was adopted %(date)s and its publication on the albo pretorio is not yet "
    "recorded: record it on the plan's page."
)
NOT_PUBLISHED_UNDATED = _(
    "The plan is adopted and its publication on the albo pretorio is not yet recorded: "
    "record it on the plan's page."
)
TASK_OFFERED = _("“%(task)s” is offered to you: whoever takes it on first does it.")
TASK_ASSIGNED = _("“%(task)s” is assigned to you.")
STEP_RETURNED = _("“%(task)s” was returned to you with comments.")
STEP_APPROVED = _("The facilitators approved “%(phase)s”.")
PLAN_ADOPTED = _("The adoption of the plan was confirmed.")
DELIVERY_FAILED = _("Some e-mails about this plan could not be delivered: see the server's log.")
DUE_PART = _("It is due %(date)s.")
OPEN_TASK = _("Open the task")
OPEN_PLAN = _("Open the plan")
COMMENTS = _("The comments:")


# Why a claimed row is not sent after all (its ``last_error``, for the operator: the row is
# failed, but not given up on — there is nothing left to tell).
NO_ADDRESS = "Not sent: the person has no e-mail address any more, or was deactivated."
STALE_CLOSED = "Not sent, no longer due: the task is closed."
STALE_PLAN = "Not sent, no longer due: the plan is no longer active."
STALE_MOVED = "Not sent, no longer due: the due date moved (the new date has its own row)."
STALE_PUBLISHED = "Not sent, no longer due: the plan's publication is recorded."
STALE_ACCESS = "Not sent, no longer due: the person may no longer see the plan."
#: The object permissions that open a plan to its comune's people (``plans_visible_to``'s
#: memberships, as the roles derive them on each plan: this package may not import accounts).
PLAN_CODENAMES = (VIEW_PLAN_CODENAME, COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME)
#: Event e-mails about work on the plan: stale once the plan stopped, or the task closed.
TASK_EVENTS = (AlertKind.TASK_OFFERED, AlertKind.TASK_ASSIGNED, AlertKind.STEP_RETURNED)


@dataclass
class Outgoing:
    """One e-mail to send and the alert rows it delivers."""

    alert_ids: list[int]
    email: EmailMultiAlternatives


@dataclass
class Composed:
    """What ``compose`` made of claimed rows: the e-mails to send, the rows that cannot go
    (no address, or deactivated), the rows no longer due ({row: why}), and the rows whose
    e-mail could not be written ((rows, error): a bug, retried up to the bound)."""

    outgoing: list[Outgoing] = field(default_factory=list)
    no_address: list[int] = field(default_factory=list)
    stale: dict[int, str] = field(default_factory=dict)
    broken: list[tuple[list[int], Exception]] = field(default_factory=list)


def absolute(path: str) -> str:
    """Return the address of a page of the site, as people reach it (``PLM_SITE_URL``)."""
    return settings.PLM_SITE_URL.rstrip("/") + path


def _plan_path(alert) -> str:
    process = getattr(alert.plan, "process", None)
    if process is not None:
        try:
            return reverse(f"{FLOW_NAMESPACE}:process_detail", args=[process.pk])
        except NoReverseMatch:
            pass
    return reverse("home:index")


def _task_path(alert, node: str, task_id) -> str | None:
    process = getattr(alert.plan, "process", None)
    if process is None or not node or not task_id:
        return None
    try:
        return reverse(f"{FLOW_NAMESPACE}:{node}:index", args=[process.pk, task_id])
    except NoReverseMatch:
        return None


def _step_node(step) -> str:
    spec = spec_of(step.phase)
    return spec.check_node if step.kind == StepKind.CHECK else spec.work_node


def _task_title(node: str, phase) -> str:
    spec = spec_of_node(node or "")
    if spec is not None:
        return str(spec.work_title if node == spec.work_node else spec.check_title)
    return str(Phase(phase).label) if phase in Phase.values else ""


def _days(kind) -> int:
    return {
        AlertKind.DUE_IN_7: settings.PLM_ALERTS_DUE_SOON_DAYS,
        AlertKind.DUE_IN_1: settings.PLM_ALERTS_DUE_LAST_DAYS,
        AlertKind.ESCALATION: settings.PLM_ALERTS_ESCALATION_DAYS,
    }.get(kind, 0)


def _late_by(alert) -> int:
    """Return how many working days of the comune the task was overdue when the escalation
    was written: the policy's threshold on its day, more when earlier sweeps missed it (a
    task found years late is not said to be 7 days late)."""
    written = timezone.localdate(alert.created_at)
    return max(
        _days(AlertKind.ESCALATION),
        working_days_between(alert.due, written, alert.plan.comune) if alert.due else 0,
    )


def headline(kind, days: int | None = None) -> str:
    """Return what the alert is, in a few words (the subject of its e-mail); ``days``: the
    working days it speaks of, if not the policy's."""
    days = _days(kind) if days is None else days
    if kind in (AlertKind.DUE_IN_7, AlertKind.DUE_IN_1):
        return ngettext("Due in %(days)d working day", "Due in %(days)d working days", days) % {
            "days": days
        }
    if kind == AlertKind.ESCALATION:
        return ngettext(
            "Escalated: overdue by %(days)d working day",
            "Escalated: overdue by %(days)d working days",
            days,
        ) % {"days": days}
    return str(HEADLINES.get(kind, kind))


def item(alert, reviews: dict) -> dict:
    """Return what one alert says, in the active language: its headline, plan, sentence,
    comments (a returned step's) and link."""
    kind = alert.kind
    payload = (alert.event.payload or {}) if alert.event_id else {}
    if alert.step_id:
        node, task_id = _step_node(alert.step), alert.step.task_id
        phase = alert.step.phase
    else:
        node = payload.get("node") or ""
        task_id = (payload.get("concerns") or {}).get("task")
        phase = payload.get("phase")
    task = _task_title(node, phase)
    date = prose_weekday_date(alert.due)
    days = _late_by(alert) if kind == AlertKind.ESCALATION else _days(kind)
    comments = ""
    if kind in (AlertKind.DUE_IN_7, AlertKind.DUE_IN_1):
        sentence = ngettext(
            "“%(task)s” is due %(date)s, in %(days)d working day.",
            "“%(task)s” is due %(date)s, in %(days)d working days.",
            days,
        ) % {"task": task, "date": date, "days": days}
    elif kind == AlertKind.DUE_TODAY:
        sentence = DUE_TODAY % {"task": task, "date": date}
    elif kind == AlertKind.OVERDUE:
        sentence = OVERDUE % {"task": task, "date": date}
    elif kind == AlertKind.ESCALATION and alert.step_id and alert.step.is_check:
        # An overdue check task escalates to the lead facilitator only (DESIGN §6).
        sentence = ngettext(
            "“%(task)s” was due %(date)s and is still open %(days)d working day later: it "
            "is escalated to the lead facilitator.",
            "“%(task)s” was due %(date)s and is still open %(days)d working days later: it "
            "is escalated to the lead facilitator.",
            days,
        ) % {"task": task, "date": date, "days": days}
    elif kind == AlertKind.ESCALATION:
        sentence = ngettext(
            "“%(task)s” was due %(date)s and is still open %(days)d working day later: it "
            "is escalated to the facilitators and the lead facilitator.",
            "“%(task)s” was due %(date)s and is still open %(days)d working days later: it "
            "is escalated to the facilitators and the lead facilitator.",
            days,
        ) % {"task": task, "date": date, "days": days}
    elif kind == AlertKind.NOT_PUBLISHED:
        adoption = getattr(alert.plan, "adoption", None)
        act_date = adoption.act_date if adoption is not None else None
        sentence = (
            NOT_PUBLISHED % {"date": prose_date(act_date, "on")}
            if act_date
            else NOT_PUBLISHED_UNDATED
        )
    elif kind in (AlertKind.TASK_OFFERED, AlertKind.TASK_ASSIGNED, AlertKind.STEP_RETURNED):
        template = {
            AlertKind.TASK_OFFERED: TASK_OFFERED,
            AlertKind.TASK_ASSIGNED: TASK_ASSIGNED,
            AlertKind.STEP_RETURNED: STEP_RETURNED,
        }[kind]
        sentence = template % {"task": task}
        if alert.due:
            sentence = f"{sentence} {DUE_PART % {'date': date}}"
        if kind == AlertKind.STEP_RETURNED:
            review = reviews.get((payload.get("concerns") or {}).get("review"))
            comments = review.comments if review is not None else ""
    elif kind == AlertKind.STEP_APPROVED:
        label = str(Phase(phase).label) if phase in Phase.values else task
        sentence = STEP_APPROVED % {"phase": label}
    elif kind == AlertKind.PLAN_ADOPTED:
        sentence = str(PLAN_ADOPTED)
    else:
        sentence = str(DELIVERY_FAILED)
    task_path = (
        _task_path(alert, node, task_id)
        if kind not in (AlertKind.STEP_APPROVED, AlertKind.PLAN_ADOPTED)
        else None
    )
    return {
        "headline": headline(kind, days),
        "plan": str(alert.plan),
        "sentence": str(sentence),
        "comments": comments,
        "url": absolute(task_path or _plan_path(alert)),
        "link_label": str(OPEN_TASK if task_path else OPEN_PLAN),
    }


def _languages(user_ids) -> dict[int, str]:
    offered = dict(settings.LANGUAGES)
    stored = Profile.objects.filter(user_id__in=user_ids).values_list("user_id", "language")
    return {
        pk: language if language in offered else settings.LANGUAGE_CODE for pk, language in stored
    }


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _message(user, subject: str, context: dict, template: str) -> EmailMultiAlternatives:
    context = {**context, "greeting": GREETING % {"name": _name(user)}, "comments_label": COMMENTS}
    text = render_to_string(f"deadlines/email/{template}.txt", context)
    html = render_to_string(f"deadlines/email/{template}.html", context)
    email = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(html, "text/html")
    return email


def _seers(alerts) -> set[tuple[int, int | None]]:
    """Return who among the rows' recipients may still see which of their plans: (person,
    plan), or (person, None) for the lead and the auditors, who see every plan (one query:
    the plans' object permissions and the two groups, as ``plans_visible_to`` rules)."""
    users = {alert.recipient_id for alert in alerts}
    plans = {str(alert.plan_id) for alert in alerts}
    if not users:
        return set()
    granted = UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(Plan),
        permission__codename__in=PLAN_CODENAMES,
        user_id__in=users,
        object_pk__in=plans,
    ).values_list("user_id", "object_pk")
    everything = (
        get_user_model()
        .groups.through.objects.filter(
            user_id__in=users, group__name__in=(LEAD_GROUP, AUDITOR_GROUP)
        )
        .values_list("user_id", Value("", output_field=CharField()))
    )
    return {
        (user, int(plan) if plan else None) for user, plan in granted.union(everything, all=True)
    }


def _closed_tasks(alerts) -> set[int]:
    """Return the viewflow tasks, among those the rows' task events name, that are closed
    (one query, only when such rows are there)."""
    tasks = set()
    for alert in alerts:
        if alert.kind in TASK_EVENTS and alert.event_id:
            task = ((alert.event.payload or {}).get("concerns") or {}).get("task")
            if isinstance(task, int):
                tasks.add(task)
    if not tasks:
        return set()
    closed = StepTask.objects.filter(task_id__in=tasks, closed_at__isnull=False)
    return set(closed.values_list("task_id", flat=True))


def no_longer_due(alert, closed_tasks: set[int] = frozenset()) -> str | None:
    """Return why a claimed row should not be sent any more (None: it should).

    A stage row, once its task closed, its plan stopped being active (suspended, withdrawn,
    adopted) or its due date moved (the new date has its own row); a task's event, once the
    plan stopped or the task closed; a reminder to publish, once the publication is recorded.
    An approval or an adoption was done: its e-mail goes whatever came after.
    """
    plan = alert.plan
    if alert.kind in STAGES and alert.step_id:
        step = alert.step
        if step.closed_at is not None:
            return STALE_CLOSED
        if plan.status not in ACTIVE_STATES:
            return STALE_PLAN
        if alert.due != step.due:
            return STALE_MOVED
    elif alert.kind in TASK_EVENTS:
        if plan.status not in ACTIVE_STATES:
            return STALE_PLAN
        payload = (alert.event.payload or {}) if alert.event_id else {}
        if (payload.get("concerns") or {}).get("task") in closed_tasks:
            return STALE_CLOSED
    elif alert.kind == AlertKind.NOT_PUBLISHED:
        adoption = getattr(plan, "adoption", None)
        if (
            plan.status != PlanStatus.ADOPTED
            or adoption is None
            or adoption.published_from is not None
        ):
            return STALE_PUBLISHED
    return None


def compose(ids, *, today: datetime.date) -> Composed:
    """Return the e-mails that deliver these alert rows (an e-mail row alone, a person's
    digest rows together, "of" ``today``), and the rows that cannot go: no address or
    deactivated, no longer due (``no_longer_due``), about a plan the person may no longer
    see, or whose e-mail could not be written (each row, each digest, on its own: one that
    fails leaves the others).

    A constant number of queries: the rows with their plan, task, event and person, who may
    see the plans, the task events' closed tasks, the people's languages, the reviews a
    returned step quotes.
    """
    alerts = list(
        Alert.objects.filter(pk__in=ids)
        .select_related("plan__comune", "plan__process", "plan__adoption", "recipient")
        .select_related("step", "event")
        .order_by("created_at", "pk")
    )
    done = Composed()
    live = []
    for alert in alerts:
        user = alert.recipient
        if not user.is_active or not (user.email or "").strip():
            done.no_address.append(alert.pk)
        else:
            live.append(alert)
    seers = _seers(live)
    closed_tasks = _closed_tasks(live)
    alerts = []
    for alert in live:
        why = no_longer_due(alert, closed_tasks)
        if why is None and not (
            (alert.recipient_id, None) in seers or (alert.recipient_id, alert.plan_id) in seers
        ):
            why = STALE_ACCESS
        if why is None:
            alerts.append(alert)
        else:
            done.stale[alert.pk] = why
    review_ids = {
        ((alert.event.payload or {}).get("concerns") or {}).get("review")
        for alert in alerts
        if alert.kind == AlertKind.STEP_RETURNED and alert.event_id
    } - {None}
    reviews = Review.objects.in_bulk(review_ids) if review_ids else {}
    languages = _languages({alert.recipient_id for alert in alerts})
    digests = {}
    for alert in alerts:
        user = alert.recipient
        if alert.channel == Channel.DIGEST:
            digests.setdefault(user.pk, []).append(alert)
            continue
        try:
            with translation.override(languages.get(user.pk, settings.LANGUAGE_CODE)):
                told = item(alert, reviews)
                subject = SUBJECT % {"headline": told["headline"], "plan": told["plan"]}
                email = _message(user, str(subject), {"item": told}, "alert")
        except Exception as error:  # a bug in one row's e-mail: the others still go
            done.broken.append(([alert.pk], error))
            continue
        done.outgoing.append(Outgoing([alert.pk], email))
    for rows in digests.values():
        user = rows[0].recipient
        try:
            with translation.override(languages.get(user.pk, settings.LANGUAGE_CODE)):
                items = [item(alert, reviews) for alert in rows]
                subject = DIGEST_SUBJECT % {"date": prose_date(today)}
                email = _message(user, str(subject), {"items": items}, "digest")
        except Exception as error:
            done.broken.append(([alert.pk for alert in rows], error))
            continue
        done.outgoing.append(Outgoing([alert.pk for alert in rows], email))
    return done
