"""Events in words: who, when, and what happened, one sentence per kind.

Read from the audit events alone (their payloads carry what changed), in the shared payload
shape and in the older shapes of events written before it (``event_shapes``), in one query
whatever the kinds: the events with their actors, their plans' comuni, and the names of the
people and comuni their payloads name (a task's holders, the person whose action caused an
automatic change, the person and the comune of a role). Every kind has a sentence of its own;
a kind unknown to this release reads as its label or its key. The plan page shows the last 10
events; the timeline (``flows.timeline``) all of them, with their changes field by field.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Case, CharField, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, Concat, NullIf, Trim
from django.template.defaultfilters import truncatechars
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.words import schedule_sentence
from plm_workflow.formats.prose import prose_date, prose_moment, prose_range
from plm_workflow.plans import phases
from plm_workflow.plans.models import (
    AdoptingBody,
    Comune,
    DocumentKind,
    Phase,
    PlanSection,
    PlanStatus,
    ReviewDecision,
    SectionKey,
)
from plm_workflow.roles import Role

from .event_changes import Change, changes_in_words, value_in_words
from .event_shapes import shared_shape

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
TASK_RELEASED_A_ROLE = _("Task “%(task)s” offered again: its holder's role was revoked.")
TASK_REASSIGNED = _("Task “%(task)s” handed to %(name)s.")
TASK_CANCELLED = _("Task “%(task)s” cancelled.")
TASK_CANCELLED_WITHDRAWN = _("Task “%(task)s” cancelled with the plan's withdrawal.")
WORK_COMPLETED = _("Task “%(task)s” completed: the work went to the facilitators.")
TASK_COMPLETED = _("Task “%(task)s” completed.")
TASK_RETURNED = _("Work sent back with comments: task “%(task)s” opened again.")
TASK_DUE = _("Task “%(task)s” to be done %(date)s.")
A_TASK_DUE = _("A task is to be done %(date)s.")
DUE_MOVED = _("A task's due date moved %(dates)s.")
PUBLISHED = _("Publication on the albo pretorio recorded: %(dates)s.")
PUBLICATION_CORRECTED = _("Publication on the albo pretorio corrected: %(dates)s: “%(reason)s”.")
SAVED_NAMED = _("%(what)s: “%(name)s”.")
NOTE_SAVED = _("Note on “%(phase)s” saved.")
ASSESSMENT_COPIED = _("Needs assessment copied from the comune's last adopted plan.")
ORGANISATION_ADDED = _("Organisation added: “%(name)s”.")
ORGANISATION_CHANGED = _("Organisation changed: “%(name)s”.")
TABLE_ADDED = _("Stakeholder table added: “%(name)s”.")
TABLE_CHANGED = _("Stakeholder table changed: “%(name)s”.")
TABLE_REMOVED = _("Stakeholder table removed: “%(name)s”.")
MEETING_ADDED = _("Meeting of %(when)s added.")
MEETING_MOVED = _("Meeting moved from %(old)s to %(new)s.")
MEETING_REMOVED = _("Meeting of %(when)s removed.")
SECTION_SAVED = _("Plan section “%(section)s” saved.")
MEASURE_ADDED = _("Measure added: “%(name)s”.")
MEASURE_REMOVED = _("Measure removed: “%(name)s”.")
MEASURES_EXPORTED = _("Measures downloaded as CSV (%(rows)s).")
ADOPTION_SAVED = _("Adoption act saved: %(body)s resolution no. %(number)s of %(date)s.")
ROLE_GRANTED = _("%(name)s is now %(role)s.")
ROLE_GRANTED_ON = _("%(name)s is now %(role)s of %(comune)s.")
ROLE_REVOKED = _("%(name)s is no longer %(role)s.")
ROLE_REVOKED_ON = _("%(name)s is no longer %(role)s of %(comune)s.")
REGISTRY_IMPORTED = _("ISTAT registry imported: %(counts)s.")
PATRON_DAY_SET = _("Patron day of %(comune)s set to %(day)s.")
PATRON_DAY_CLEARED = _("Patron day of %(comune)s cleared.")
RESTORED = _("Database restored from the backup of %(date)s: the chains continue from there.")
RESTORED_WHY = _("Database restored from a backup: “%(reason)s”.")
AUDIT_EXPORTED = _("Audit log exported as %(format)s: %(rows)s.")
AUDIT_EXPORTED_FILTERED = _("Audit log exported as %(format)s, filtered: %(rows)s.")
AUDIT_VERIFIED_OK = _("Audit log verified: intact (%(events)s in %(chains)s).")
AUDIT_VERIFIED_BROKEN = _(
    "Audit log verified: broken, %(problems)s found (%(events)s in %(chains)s)."
)
EXPORT_FORMATS = {"csv": "CSV", "json": "JSON Lines"}


@dataclass(frozen=True)
class Told:
    """One event as the pages tell it."""

    kind: str
    occurred_at: object
    when: str  # in words, Rome time
    who: str
    what: str
    pk: int = 0
    comune: str = ""  # the plan's comune, "Saluzzo (CN)"; "" for the global chain's events
    role: str = ""  # the role the person held then, where the timeline says it
    changes: list[Change] = field(default_factory=list)  # field by field, in words


def recent_events(plan, *, limit: int = LATEST) -> list[Told]:
    """Return the plan's last ``limit`` events, newest first, each told in words."""
    events = list(
        with_names(Event.objects.filter(plan=plan)).order_by("-occurred_at", "-seq")[:limit]
    )
    return tell(events)


def with_names(events):
    """Return the events with what telling them needs, read with them in the same query: the
    actor, the plan's comune, and the names of the people and comuni the payloads name."""
    return (
        events.select_related("actor", "plan__comune")
        .annotate(
            **{f"{key}_id": _id_at(paths, kinds) for key, (paths, kinds, _pick) in _NAMED.items()}
        )
        .annotate(**{f"{key}_name": _name_of(f"{key}_id") for key in _NAMED})
        .annotate(comune_code=_comune_code())
        .annotate(named_comune=_comune_named())
        .annotate(
            section_pk=_id_at(("payload__concerns__plan_section",), (EventKind.SECTION_SAVED,))
        )
        .annotate(section_key=_section_key())
    )


def tell(events, *, roles: dict | None = None, with_changes: bool = False) -> list[Told]:
    """Tell each event (read through ``with_names``) in words; ``roles`` maps an event's id
    to the role its person held then; ``with_changes`` adds the fields changed, in words."""
    people = people_named(events)
    told = []
    for event in events:
        payload = shared_shape(event.kind, event.payload)
        told.append(
            Told(
                kind=event.kind,
                occurred_at=event.occurred_at,
                when=prose_moment(event.occurred_at),
                who=actor_name(event),
                what=event_sentence(event, people, payload=payload),
                pk=event.pk,
                comune=event.plan.comune.label if event.plan_id is not None else "",
                role=(roles or {}).get(event.pk, ""),
                changes=changes_in_words(event.kind, payload, people) if with_changes else [],
            )
        )
    return told


def actor_name(event) -> str:
    """Return who did it: the person's name, or the named system actor."""
    if event.actor_id is not None:
        return _name(event.actor)
    return system_actor_name(event.actor_system)


def system_actor_name(name: str) -> str:
    """Return how the pages name a system actor (``system:flow`` → "System (workflow)")."""
    named = SYSTEM_ACTORS.get(name)
    if named is not None:
        return str(named)
    return str(SYSTEM_OTHER % {"name": (name or "").removeprefix("system:")})


def event_sentence(event, people: dict, *, payload: dict | None = None) -> str:
    """Return what the event says happened, in one sentence; its kind's label if its payload
    says too little. ``people`` maps the user ids its payload names to names."""
    if payload is None:
        payload = shared_shape(event.kind, event.payload)
    describe = _SENTENCES.get(event.kind)
    told = None
    if describe is not None:
        try:
            told = describe(payload, people, event)
        except (TypeError, ValueError, KeyError, AttributeError):
            told = None  # a payload not of the shape its kind writes: its label says it
    if told:
        return str(told)
    return _label(event.kind, payload)


# --- One sentence per kind --------------------------------------------------------------------


def _launched(payload, people, event):
    title = _new(payload, "title")
    return LAUNCHED % {"title": title} if title else None


def _schedule_set(payload, people, event):
    rows = (payload.get("children") or {}).get("phase_date", {}).get("added") or []
    adoption = next((row for row in rows if row.get("phase") == Phase.ADOPTION), None)
    day = _day(adoption.get("current")) if adoption else None
    return SCHEDULE_SET % {"date": prose_date(day, "by")} if day else None


def _file_uploaded(payload, people, event):
    added = (payload.get("children") or {}).get("document", {}).get("added") or []
    if not added:
        return None
    document = added[0]
    kind = document.get("kind")
    kind = DocumentKind(kind).label if kind in DocumentKind.values else kind or ""
    return FILE_UPLOADED % {"name": document.get("name", ""), "kind": kind}


def _transition(payload, people, event):
    change = (payload.get("changes") or {}).get("status") or []
    if len(change) != 2:
        return None
    old, new = change
    reason = _quoted(payload.get("reason"))
    # Where the plan went first: a plan withdrawn (or adopted) while suspended was not resumed.
    if new == PlanStatus.WITHDRAWN:
        return WITHDRAWN % {"reason": reason}
    if new == PlanStatus.ADOPTED:
        return ADOPTED
    if new == PlanStatus.SUSPENDED:
        return SUSPENDED % {"reason": reason}
    if old == PlanStatus.SUSPENDED:
        return RESUMED % {"status": _status(new), "reason": reason}
    return MOVED % {"old": _status(old), "new": _status(new)}


def _decided(payload, people, event):
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


def _created(payload, people, event):
    holder = _new(payload, "holder")
    if holder is not None:
        return TASK_ASSIGNED % {"task": _task(payload), "name": _person(people, holder)}
    return TASK_OFFERED % {"task": _task(payload)}


def _claimed(payload, people, event):
    return TASK_CLAIMED % {"task": _task(payload)}


def _released(payload, people, event):
    if payload.get("cause") == "role revoked":
        holder = _old(payload, "holder")
        if holder is None:  # written before the holder was recorded
            return TASK_RELEASED_A_ROLE % {"task": _task(payload)}
        return TASK_RELEASED_ROLE % {"task": _task(payload), "name": _person(people, holder)}
    return TASK_RELEASED % {"task": _task(payload)}


def _reassigned(payload, people, event):
    return TASK_REASSIGNED % {
        "task": _task(payload),
        "name": _person(people, _new(payload, "holder")),
    }


def _cancelled(payload, people, event):
    if payload.get("cause") == "plan withdrawn":
        return TASK_CANCELLED_WITHDRAWN % {"task": _task(payload)}
    return TASK_CANCELLED % {"task": _task(payload)}


def _completed(payload, people, event):
    if payload.get("node") in phases.WORK_NODES:
        return WORK_COMPLETED % {"task": _task(payload)}
    return TASK_COMPLETED % {"task": _task(payload)}


def _returned(payload, people, event):
    return TASK_RETURNED % {"task": _task(payload)}


def _due_set(payload, people, event):
    day = _day(_new(payload, "due"))
    if not day:
        return None
    if not payload.get("node") and not payload.get("phase"):  # written without its task's node
        return A_TASK_DUE % {"date": prose_date(day, "by")}
    return TASK_DUE % {"task": _task(payload), "date": prose_date(day, "by")}


def _date_changed(payload, people, event):
    told = schedule_sentence(event, people)
    if (
        told
        and event.kind == EventKind.DUE_DATE_CHANGED
        and not (payload.get("node") or payload.get("phase"))
    ):
        # Written without its task's node: the task is not named.
        old, new = _day(_old(payload, "due")), _day(_new(payload, "due"))
        author = told.partition(" — ")[2]
        moved = str(DUE_MOVED % {"dates": prose_range(old, new)}).removesuffix(".")
        return f"{moved} — {author}" if author else f"{moved}."
    return told


def _escalated(payload, people, event):
    cause = payload.get("cause")
    day = _day(cause.get("due")) if isinstance(cause, dict) else None
    return ESCALATED % {"task": _task(payload), "date": prose_date(day, "on")} if day else None


def _published(payload, people, event):
    start, end = _day(_new(payload, "published_from")), _day(_new(payload, "published_to"))
    if not (start and end):
        return None
    dates = prose_range(start, end) if start != end else prose_date(start)
    if event.kind == EventKind.PUBLICATION_CORRECTED and payload.get("reason"):
        return PUBLICATION_CORRECTED % {"dates": dates, "reason": _quoted(payload["reason"])}
    return PUBLISHED % {"dates": dates}


def _note_saved(payload, people, event):
    phase = payload.get("phase")
    return NOTE_SAVED % {"phase": _phase(phase)} if phase else None


def _assessment_saved(payload, people, event):
    # Saved as a draft or with the work: the changes say what, field by field.
    return str(EventKind.ASSESSMENT_SAVED.label)


def _assessment_copied(payload, people, event):
    return ASSESSMENT_COPIED


def _named_change(added, changed, removed=None, *, field_name="name"):
    def describe(payload, people, event):
        old, new = _old(payload, field_name), _new(payload, field_name)
        if removed is not None and old and new is None:
            return removed % {"name": truncatechars(old, 80)}
        if new and old is None:
            return added % {"name": truncatechars(new, 80)}
        name = new or old
        return changed % {"name": truncatechars(name, 80)} if name and changed else None

    return describe


def _table_saved(payload, people, event):
    told = _named_change(TABLE_ADDED, TABLE_CHANGED)(payload, people, event)
    if told:
        return told
    if _new(payload, "kind") == "core":
        return TABLE_ADDED % {"name": _("Core table")}
    return None


def _meeting_saved(payload, people, event):
    old, new = _change(payload, "starts_at")
    if not new:
        return None  # its moment unchanged: the changes say what was saved
    if old is None:
        return MEETING_ADDED % {"when": value_in_words("starts_at", new, None, people)}
    return MEETING_MOVED % {
        "old": value_in_words("starts_at", old, None, people),
        "new": value_in_words("starts_at", new, None, people),
    }


def _meeting_removed(payload, people, event):
    old = _old(payload, "starts_at")
    return (
        MEETING_REMOVED % {"when": value_in_words("starts_at", old, None, people)} if old else None
    )


def _section_saved(payload, people, event):
    # The first save names its section; a later one only its row (read with the event).
    key = _new(payload, "key") or getattr(event, "section_key", None)
    if key in SectionKey.values:
        return SECTION_SAVED % {"section": SectionKey(key).label}
    return None


def _measures_exported(payload, people, event):
    rows = _new(payload, "rows")
    if not isinstance(rows, int):
        return None
    counted = ngettext("%(count)d row", "%(count)d rows", rows) % {"count": rows}
    return MEASURES_EXPORTED % {"rows": counted}


def _adoption_saved(payload, people, event):
    number, day = _new(payload, "act_number"), _day(_new(payload, "act_date"))
    body = _new(payload, "body")
    if not (number and day and body in AdoptingBody.values):
        return None
    return ADOPTION_SAVED % {
        "body": str(AdoptingBody(body).label),
        "number": number,
        "date": prose_date(day),
    }


def _role(payload, people, event):
    granted = event.kind == EventKind.ROLE_GRANTED
    old, new = _change(payload, "role")
    role = new if granted else old
    if role not in Role.values:
        return None
    user = (payload.get("concerns") or {}).get("user")
    name = people.get(user) or payload.get("username") or str(SOMEONE)
    values = {"name": name, "role": str(Role(role).label)}
    comune = getattr(event, "named_comune", None) or (payload.get("concerns") or {}).get("comune")
    if comune:
        return (ROLE_GRANTED_ON if granted else ROLE_REVOKED_ON) % {**values, "comune": comune}
    return (ROLE_GRANTED if granted else ROLE_REVOKED) % values


def _registry_imported(payload, people, event):
    rows = (payload.get("children") or {}).get("comune")
    if not isinstance(rows, dict):
        return None
    counts = []
    for part, singular, plural in (
        ("added", "%(count)s comune added", "%(count)s comuni added"),
        ("changed", "%(count)s comune changed", "%(count)s comuni changed"),
        ("suppressed", "%(count)s comune suppressed", "%(count)s comuni suppressed"),
    ):
        entries = rows.get(part)
        count = entries if isinstance(entries, int) else len(entries or [])
        counts.append(
            ngettext(singular, plural, count) % {"count": number_format(count, force_grouping=True)}
        )
    return REGISTRY_IMPORTED % {"counts": ", ".join(counts)}


def _patron_day(payload, people, event):
    comune = getattr(event, "named_comune", None) or (payload.get("concerns") or {}).get("comune")
    if not comune:
        return None
    new = _new(payload, "patron_day")
    if not new:
        return PATRON_DAY_CLEARED % {"comune": comune}
    return PATRON_DAY_SET % {"comune": comune, "day": value_in_words("patron_day", new, None, {})}


_RESTORED_FROM = re.compile(r"restored from the backup of (\d{4}-\d{2}-\d{2})$")


def _restored(payload, people, event):
    reason = payload.get("reason") or ""
    found = _RESTORED_FROM.match(reason)
    day = _day(found.group(1)) if found else None
    if day:
        return RESTORED % {"date": prose_date(day)}
    return RESTORED_WHY % {"reason": _quoted(reason)} if reason else None


def _audit_exported(payload, people, event):
    export = payload.get("export")
    if not isinstance(export, dict) or not isinstance(export.get("rows"), int):
        return None
    rows = export["rows"]
    counted = ngettext("%(count)s event", "%(count)s events", rows) % {
        "count": number_format(rows, force_grouping=True)
    }
    fmt = EXPORT_FORMATS.get(export.get("format"), export.get("format") or "")
    if export.get("filters"):
        return AUDIT_EXPORTED_FILTERED % {"format": fmt, "rows": counted}
    return AUDIT_EXPORTED % {"format": fmt, "rows": counted}


def _audit_verified(payload, people, event):
    found = payload.get("verification")
    if not isinstance(found, dict) or not isinstance(found.get("events"), int):
        return None
    counts = {
        "events": ngettext("%(count)s event", "%(count)s events", found["events"])
        % {"count": number_format(found["events"], force_grouping=True)},
        "chains": ngettext("%(count)s chain", "%(count)s chains", found.get("chains") or 0)
        % {"count": number_format(found.get("chains") or 0, force_grouping=True)},
    }
    if found.get("ok"):
        return AUDIT_VERIFIED_OK % counts
    problems = found.get("problems") or 0
    return AUDIT_VERIFIED_BROKEN % {
        **counts,
        "problems": ngettext("%(count)s problem", "%(count)s problems", problems)
        % {"count": problems},
    }


_SENTENCES = {
    EventKind.PLAN_LAUNCHED: _launched,
    EventKind.PLAN_TRANSITION: _transition,
    EventKind.PHASE_NOTE_SAVED: _note_saved,
    EventKind.ASSESSMENT_SAVED: _assessment_saved,
    EventKind.ASSESSMENT_COPIED: _assessment_copied,
    EventKind.ORGANISATION_SAVED: _named_change(ORGANISATION_ADDED, ORGANISATION_CHANGED),
    EventKind.TABLE_SAVED: _table_saved,
    EventKind.TABLE_REMOVED: _named_change(None, None, TABLE_REMOVED),
    EventKind.MEETING_SAVED: _meeting_saved,
    EventKind.MEETING_REMOVED: _meeting_removed,
    EventKind.SECTION_SAVED: _section_saved,
    EventKind.MEASURE_SAVED: _named_change(MEASURE_ADDED, None, field_name="title"),
    EventKind.MEASURE_REMOVED: _named_change(None, None, MEASURE_REMOVED, field_name="title"),
    EventKind.MEASURES_EXPORTED: _measures_exported,
    EventKind.ADOPTION_SAVED: _adoption_saved,
    EventKind.PUBLICATION_RECORDED: _published,
    EventKind.PUBLICATION_CORRECTED: _published,
    EventKind.REVIEW_DECIDED: _decided,
    EventKind.TASK_CREATED: _created,
    EventKind.TASK_CLAIMED: _claimed,
    EventKind.TASK_RELEASED: _released,
    EventKind.TASK_REASSIGNED: _reassigned,
    EventKind.TASK_CANCELED: _cancelled,
    EventKind.TASK_COMPLETED: _completed,
    EventKind.TASK_RETURNED: _returned,
    EventKind.ROLE_GRANTED: _role,
    EventKind.ROLE_REVOKED: _role,
    EventKind.REGISTRY_IMPORTED: _registry_imported,
    EventKind.SCHEDULE_SET: _schedule_set,
    EventKind.PHASE_DATE_CHANGED: _date_changed,
    EventKind.DUE_DATE_SET: _due_set,
    EventKind.DUE_DATE_CHANGED: _date_changed,
    EventKind.PATRON_DAY_SET: _patron_day,
    EventKind.FILE_UPLOADED: _file_uploaded,
    EventKind.BACKUP_RESTORED: _restored,
    # The audit's own events (the timeline's exports, the full verification).
    EventKind.AUDIT_EXPORTED: _audit_exported,
    EventKind.AUDIT_VERIFIED: _audit_verified,
    # The deadline sweep's escalation of an overdue task.
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
    return truncatechars(str(text), QUOTED_MAX) if text else ""


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


_TASK_KINDS = (
    EventKind.TASK_CREATED,
    EventKind.TASK_CLAIMED,
    EventKind.TASK_RELEASED,
    EventKind.TASK_REASSIGNED,
)
_ROLE_KINDS = (EventKind.ROLE_GRANTED, EventKind.ROLE_REVOKED)
_DATE_KINDS = (EventKind.PHASE_DATE_CHANGED, EventKind.DUE_DATE_CHANGED)

# The people a payload names, by where their id is (the shared shape's place first, then the
# older shapes'), with the kinds that put an id there: read with the events, by name.
_NAMED = {
    "holder_to": (
        ("payload__changes__holder__1", "payload__assigned_to", "payload__to"),
        _TASK_KINDS,
        lambda payload: _new(payload, "holder"),
    ),
    "holder_from": (
        ("payload__changes__holder__0", "payload__from"),
        _TASK_KINDS,
        lambda payload: _old(payload, "holder"),
    ),
    "cause_by": (("payload__cause__by",), _DATE_KINDS, lambda payload: _cause_by(payload)),
    "concerned": (
        ("payload__concerns__user", "payload__user"),
        _ROLE_KINDS,
        lambda payload: (payload.get("concerns") or {}).get("user"),
    ),
}


def _cause_by(payload):
    cause = payload.get("cause")
    return cause.get("by") if isinstance(cause, dict) else None


def _id_at(paths, kinds):
    """Return the user id at the first of ``paths`` in the payload that holds one, for events
    of ``kinds`` only (NULL otherwise: no other payload is read as a number)."""
    found = (
        Coalesce(*(Cast(KT(path), IntegerField()) for path in paths))
        if len(paths) > 1
        else (Cast(KT(paths[0]), IntegerField()))
    )
    return Case(When(kind__in=kinds, then=found), default=None, output_field=IntegerField())


def _name_of(annotated: str):
    """Return, as a subquery, the name of the user whose id the event's ``annotated`` holds:
    the full name, else the username (as ``_name`` says it); NULL if none."""
    users = get_user_model().objects.filter(pk=OuterRef(annotated))
    full = NullIf(Trim(Concat("first_name", Value(" "), "last_name")), Value(""))
    return Subquery(users.annotate(named=Coalesce(full, "username")).values("named")[:1])


def _comune_code():
    """Return the ISTAT code a role's or patron day's payload names (NULL for other events)."""
    return Case(
        When(
            kind__in=(*_ROLE_KINDS, EventKind.PATRON_DAY_SET),
            then=Coalesce(KT("payload__concerns__comune"), KT("payload__comune")),
        ),
        default=None,
        output_field=CharField(),
    )


def _comune_named():
    """Return, as a subquery, the comune of the event's ``comune_code`` as the pages name it
    ("Saluzzo (CN)"); NULL if none."""
    comuni = Comune.objects.filter(istat_code=OuterRef("comune_code"))
    named = Concat("name", Value(" ("), "province_code", Value(")"), output_field=CharField())
    return Subquery(comuni.annotate(named=named).values("named")[:1], output_field=CharField())


def _section_key():
    """Return, as a subquery, the key of the plan section a section's event concerns (its
    later saves record the row, not the key; a section is never removed, nor its key changed);
    NULL for other events."""
    sections = PlanSection.objects.filter(pk=OuterRef("section_pk"))
    return Subquery(sections.values("key")[:1], output_field=CharField())


def people_named(events) -> dict:
    """Return the names of the people the events' payloads name, by id (read with them)."""
    people = {}
    for event in events:
        payload = shared_shape(event.kind, event.payload)
        for key, (_paths, _kinds, pick) in _NAMED.items():
            pk, name = pick(payload), getattr(event, f"{key}_name", None)
            if isinstance(pk, int) and name:
                people[pk] = name
    return people
