"""A plan's latest events in words: who, when, and what happened, one sentence per kind.

Read from the audit events alone (their payloads carry what changed), in one query whatever the
plan's history and whichever kinds come last: the events with their actors and the names of the
people their payloads name (a task's holders, the person whose action caused an automatic
change). A kind without a sentence of its own reads as its label. The full history is the
timeline's.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import IntegerField, OuterRef, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.words import schedule_sentence
from plm_workflow.formats.prose import prose_date, prose_range
from plm_workflow.plans import phases
from plm_workflow.plans.models import DocumentKind, Phase, PlanStatus, ReviewDecision

LATEST = 10
QUOTED_MAX = 200  # the characters of a reason or comments a sentence quotes

# The named system actors, as the pages name them.
SYSTEM_ACTORS = {
    "system:flow": _("System (workflow)"),
    "system:working-days": _("System (working days)"),
    "system:deadline-sweep": _("System (due date reminders)"),
    "system:operator": _("An operator (command line)"),
}
SYSTEM_OTHER = _("System (%(name)s)")
SOMEONE = _("someone")

LAUNCHED = _("Plan launched: “%(title)s”.")
SCHEDULE_SET = _("Schedule set, with the adoption %(date)s.")
FILE_UPLOADED = _("File uploaded: “%(name)s” (%(kind)s).")
ESCALATED = _("Task “%(task)s” escalated: it was due %(date)s.")
SUSPENDED = _("Plan suspended: “%(reason)s”.")
RESUMED = _("Plan resumed, back in “%(status)s”: “%(reason)s”.")
WITHDRAWN = _("Plan withdrawn: “%(reason)s”.")
ADOPTED = _("Plan adopted.")
MOVED = _("The plan moved from “%(old)s” to “%(new)s”.")
DECIDED = _("Decision on “%(phase)s”, round %(round)s: %(decision)s.")
DECIDED_WITH_COMMENTS = _(
    "Decision on “%(phase)s”, round %(round)s: %(decision)s, with the comments “%(comments)s”."
)
TASK_OFFERED = _("Task “%(task)s” opened, offered to those who may take it on.")
TASK_ASSIGNED = _("Task “%(task)s” opened, assigned to %(name)s.")
TASK_CLAIMED = _("Task “%(task)s” taken on.")
TASK_RELEASED = _("Task “%(task)s” released: offered again to those who may take it on.")
TASK_RELEASED_ROLE = _("Task “%(task)s” offered again: the role of %(name)s was revoked.")
TASK_REASSIGNED = _("Task “%(task)s” handed to %(name)s.")
TASK_CANCELLED = _("Task “%(task)s” cancelled.")
TASK_CANCELLED_WITHDRAWN = _("Task “%(task)s” cancelled with the plan's withdrawal.")
WORK_COMPLETED = _("Task “%(task)s” completed: the work went to the facilitators.")
TASK_COMPLETED = _("Task “%(task)s” completed.")
TASK_RETURNED = _("Work sent back with comments: task “%(task)s” opened again.")
TASK_DUE = _("Task “%(task)s” to be done %(date)s.")
PUBLISHED = _("Publication on the albo pretorio recorded: %(dates)s.")
SAVED_NAMED = _("%(what)s: “%(name)s”.")


@dataclass(frozen=True)
class Told:
    """One event as the page tells it."""

    kind: str
    occurred_at: object
    when: str  # in words, Rome time
    who: str
    what: str


def recent_events(plan, *, limit: int = LATEST) -> list[Told]:
    """Return the plan's last ``limit`` events, newest first, each told in words."""
    events = list(
        Event.objects.filter(plan=plan)
        .select_related("actor")
        .annotate(**{f"{key}_id": _id_at(path) for key, (path, _pick) in _NAMED.items()})
        .annotate(**{f"{key}_name": _name_of(f"{key}_id") for key in _NAMED})
        .order_by("-occurred_at", "-seq")[:limit]
    )
    people = _people(events)
    return [
        Told(
            kind=event.kind,
            occurred_at=event.occurred_at,
            when=when_in_words(event.occurred_at),
            who=actor_name(event),
            what=event_sentence(event, people),
        )
        for event in events
    ]


def when_in_words(moment) -> str:
    """Return a moment as prose writes it, in Rome time: "8 marzo 2027, 16:15"."""
    local = timezone.localtime(moment)
    return f"{prose_date(local.date())}, {date_format(local, 'TIME_FORMAT')}"


def actor_name(event) -> str:
    """Return who did it: the person's name, or the named system actor."""
    if event.actor_id is not None:
        return _name(event.actor)
    named = SYSTEM_ACTORS.get(event.actor_system)
    if named is not None:
        return str(named)
    return str(SYSTEM_OTHER % {"name": event.actor_system.removeprefix("system:")})


def event_sentence(event, people: dict) -> str:
    """Return what the event says happened, in one sentence; its kind's label if nothing
    more can be said. ``people`` maps the user ids its payload names to names."""
    payload = event.payload or {}
    describe = _SENTENCES.get(event.kind)
    told = describe(payload, people) if describe is not None else None
    if not told and event.kind in (EventKind.DUE_DATE_CHANGED, EventKind.PHASE_DATE_CHANGED):
        told = schedule_sentence(event, people)
    if told:
        return str(told)
    return _label(event.kind, payload)


# --- One sentence per kind --------------------------------------------------------------------


def _launched(payload, people):
    title = _new(payload, "title")
    return LAUNCHED % {"title": title} if title else None


def _schedule_set(payload, people):
    rows = (payload.get("children") or {}).get("phase_date", {}).get("added") or []
    adoption = next((row for row in rows if row.get("phase") == Phase.ADOPTION), None)
    day = _day(adoption.get("current")) if adoption else None
    return SCHEDULE_SET % {"date": prose_date(day, "by")} if day else None


def _file_uploaded(payload, people):
    added = (payload.get("children") or {}).get("document", {}).get("added") or []
    if not added:
        return None
    document = added[0]
    kind = document.get("kind")
    kind = DocumentKind(kind).label if kind in DocumentKind.values else kind or ""
    return FILE_UPLOADED % {"name": document.get("name", ""), "kind": kind}


def _transition(payload, people):
    change = (payload.get("changes") or {}).get("status") or []
    if len(change) != 2:
        return None
    old, new = change
    reason = _quoted(payload.get("reason"))
    if new == PlanStatus.SUSPENDED:
        return SUSPENDED % {"reason": reason}
    if old == PlanStatus.SUSPENDED:
        return RESUMED % {"status": _status(new), "reason": reason}
    if new == PlanStatus.WITHDRAWN:
        return WITHDRAWN % {"reason": reason}
    if new == PlanStatus.ADOPTED:
        return ADOPTED
    return MOVED % {"old": _status(old), "new": _status(new)}


def _decided(payload, people):
    decision, round_ = _new(payload, "decision"), _new(payload, "round")
    if decision not in ReviewDecision.values or round_ is None:
        return None
    values = {
        "phase": _phase(payload.get("phase")),
        "round": round_,
        "decision": str(ReviewDecision(decision).label).lower(),
    }
    comments = _quoted(payload.get("comments"))
    if comments:
        return DECIDED_WITH_COMMENTS % {**values, "comments": comments}
    return DECIDED % values


def _created(payload, people):
    holder = _new(payload, "holder")
    if holder is not None:
        return TASK_ASSIGNED % {"task": _task(payload), "name": _person(people, holder)}
    return TASK_OFFERED % {"task": _task(payload)}


def _claimed(payload, people):
    return TASK_CLAIMED % {"task": _task(payload)}


def _released(payload, people):
    if payload.get("cause") == "role revoked":
        holder = _old(payload, "holder")
        return TASK_RELEASED_ROLE % {"task": _task(payload), "name": _person(people, holder)}
    return TASK_RELEASED % {"task": _task(payload)}


def _reassigned(payload, people):
    return TASK_REASSIGNED % {
        "task": _task(payload),
        "name": _person(people, _new(payload, "holder")),
    }


def _cancelled(payload, people):
    if payload.get("cause") == "plan withdrawn":
        return TASK_CANCELLED_WITHDRAWN % {"task": _task(payload)}
    return TASK_CANCELLED % {"task": _task(payload)}


def _completed(payload, people):
    if payload.get("node") in phases.WORK_NODES:
        return WORK_COMPLETED % {"task": _task(payload)}
    return TASK_COMPLETED % {"task": _task(payload)}


def _returned(payload, people):
    return TASK_RETURNED % {"task": _task(payload)}


def _due_set(payload, people):
    day = _day(_new(payload, "due"))
    return TASK_DUE % {"task": _task(payload), "date": prose_date(day, "by")} if day else None


def _escalated(payload, people):
    cause = payload.get("cause")
    day = _day(cause.get("due")) if isinstance(cause, dict) else None
    return ESCALATED % {"task": _task(payload), "date": prose_date(day, "on")} if day else None


def _published(payload, people):
    start, end = _day(_new(payload, "published_from")), _day(_new(payload, "published_to"))
    return PUBLISHED % {"dates": prose_range(start, end)} if start and end else None


_SENTENCES = {
    EventKind.PLAN_LAUNCHED: _launched,
    EventKind.SCHEDULE_SET: _schedule_set,
    EventKind.FILE_UPLOADED: _file_uploaded,
    EventKind.PLAN_TRANSITION: _transition,
    EventKind.REVIEW_DECIDED: _decided,
    EventKind.TASK_CREATED: _created,
    EventKind.TASK_CLAIMED: _claimed,
    EventKind.TASK_RELEASED: _released,
    EventKind.TASK_REASSIGNED: _reassigned,
    EventKind.TASK_CANCELED: _cancelled,
    EventKind.TASK_COMPLETED: _completed,
    EventKind.TASK_RETURNED: _returned,
    EventKind.DUE_DATE_SET: _due_set,
    EventKind.PUBLICATION_RECORDED: _published,
    EventKind.PUBLICATION_CORRECTED: _published,
    EventKind.ALERT_ESCALATED: _escalated,
}


# --- What the sentences are made of -----------------------------------------------------------


def _label(kind, payload) -> str:
    label = str(EventKind(kind).label) if kind in EventKind.values else str(kind)
    name = _new(payload, "name") or _new(payload, "title")
    if isinstance(name, str) and name:
        return str(SAVED_NAMED % {"what": label, "name": truncatechars(name, 80)})
    return label


def _change(payload, field) -> list:
    change = (payload.get("changes") or {}).get(field)
    return change if isinstance(change, list) and len(change) == 2 else [None, None]


def _new(payload, field):
    return _change(payload, field)[1]


def _old(payload, field):
    return _change(payload, field)[0]


def _day(value):
    try:
        return datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _quoted(text) -> str:
    return truncatechars(text, QUOTED_MAX) if text else ""


def _status(value) -> str:
    return str(PlanStatus(value).label) if value in PlanStatus.values else str(value or "")


def _phase(value) -> str:
    return str(Phase(value).label) if value in Phase.values else str(value or "")


def _task(payload) -> str:
    """Return the task's title: its node's, from the phase registry."""
    node = payload.get("node") or ""
    spec = phases.spec_of_node(node)
    if spec is None:
        return _phase(payload.get("phase")) or node
    return str(spec.work_title if node == spec.work_node else spec.check_title)


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


def _person(people: dict, pk) -> str:
    return people.get(pk) or str(SOMEONE)


# The people a payload names, by where their id is: read with the events, by name.
_NAMED = {
    "holder_to": ("payload__changes__holder__1", lambda payload: _new(payload, "holder")),
    "holder_from": ("payload__changes__holder__0", lambda payload: _old(payload, "holder")),
    "cause_by": ("payload__cause__by", lambda payload: _cause_by(payload)),
}


def _cause_by(payload):
    cause = payload.get("cause")
    return cause.get("by") if isinstance(cause, dict) else None


def _id_at(path):
    """Return the user id at ``path`` in the payload (NULL if none)."""
    return Cast(KT(path), IntegerField())


def _name_of(annotated: str):
    """Return, as a subquery, the name of the user whose id the event's ``annotated`` holds:
    the full name, else the username (as ``_name`` says it); NULL if none."""
    users = get_user_model().objects.filter(pk=OuterRef(annotated))
    full = NullIf(Trim(Concat("first_name", Value(" "), "last_name")), Value(""))
    return Subquery(users.annotate(named=Coalesce(full, "username")).values("named")[:1])


def _people(events) -> dict:
    """Return the names of the people the events' payloads name, by id (read with them)."""
    people = {}
    for event in events:
        payload = event.payload or {}
        for key, (_path, pick) in _NAMED.items():
            pk, name = pick(payload), getattr(event, f"{key}_name", None)
            if isinstance(pk, int) and name:
                people[pk] = name
    return people
