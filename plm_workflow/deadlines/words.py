"""Changes of dates told in words: what moved, from when to when, why, and who moved it.

"Analisi dei fabbisogni: scadenza spostata dal 15 febbraio all'8 marzo 2027 — Responsabile
della task force: «Proroga»"; "…all'8 marzo 2027: il 6 è sabato — in automatico, …" for a date
the app moved off a non-working day itself, naming the person whose action caused it. Events
written before causes were recorded (a person as actor, ``cause`` a plain string) read as well.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.formats.prose import prose_date, prose_month_day, prose_range
from plm_workflow.plans.models import Phase
from plm_workflow.plans.phases import spec_of, spec_of_node

from .calendar import HOLIDAY, PATRON_DAY, WEEKEND, days_skipped, holiday_name
from .models import StepKind

PHASE_DATE_MOVED = _("%(phase)s: due date moved %(dates)s")
TASK_DUE_MOVED = _("Task “%(task)s”: due date moved %(dates)s")
SATURDAY = _("%(day)s is a Saturday")
SUNDAY = _("%(day)s is a Sunday")
NATIONAL_HOLIDAY = _("%(day)s is a national holiday (%(name)s)")
PATRON = _("%(day)s is the comune's patron day")
BY_PERSON = _("%(name)s: “%(reason)s”")
BY_PERSON_WITH_PHASE = _("%(name)s, with the due date of %(phase)s: “%(reason)s”")
BY_SYSTEM = _("automatically")
BY_SYSTEM_PATRON_DAY = _("automatically, as %(name)s set the comune's patron day")
BY_SYSTEM_RESUMED = _("automatically, as %(name)s resumed the plan")
BY_SYSTEM_PHASE = _(
    "automatically, following the due date of %(phase)s moved by %(name)s: “%(reason)s”"
)
SOMEONE = _("someone")
MOVED_TO = _("Due date moved %(date)s.")
MOVED_TO_BECAUSE = _("Due date moved %(date)s: %(why)s.")

_DATE_KINDS = (EventKind.PHASE_DATE_CHANGED, EventKind.DUE_DATE_CHANGED)
# How events written before causes were dicts named them (a person was the actor).
_OLD_PATRON_DAY, _OLD_RESUME, _OLD_PHASE_MOVED = "patron day", "resume", "phase date moved"


def person_name(user) -> str:
    """Return how a person is named on the pages: the full name, else the username."""
    if user is None:
        return str(SOMEONE)
    return user.get_full_name() or user.get_username()


def _day(value) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def why_not_working(skipped, landed: datetime.date) -> str:
    """Return why a date moved off ``skipped`` (pairs of day and kind, or the payload's
    ``{"day", "kind"}``): "il 6 è sabato", "the 6th is a Saturday"; the first day, and any
    later one that is a holiday or the patron day. A day of the month and year it landed in
    is named by its number alone."""
    pairs = []
    for item in skipped or []:
        day, kind = (item.get("day"), item.get("kind")) if isinstance(item, dict) else item
        day = _day(day)
        if day is not None:
            pairs.append((day, kind))
    said = [
        pair for index, pair in enumerate(pairs) if index == 0 or pair[1] in (HOLIDAY, PATRON_DAY)
    ]
    reasons = []
    for day, kind in said:
        same_month = (day.year, day.month) == (landed.year, landed.month)
        named = prose_date(day, "the", month=not same_month, year=day.year != landed.year)
        if kind == WEEKEND:
            reasons.append(str((SATURDAY if day.weekday() == 5 else SUNDAY) % {"day": named}))
        elif kind == HOLIDAY:
            name = holiday_name(day, get_language() or "it")
            reasons.append(str(NATIONAL_HOLIDAY % {"day": named, "name": name}))
        elif kind == PATRON_DAY:
            reasons.append(str(PATRON % {"day": named}))
    return "; ".join(reasons)


def moved_message(asked: datetime.date | None, landed: datetime.date, comune) -> str:
    """Return what a page says after a person moved a date: "Scadenza spostata all'8 marzo
    2027." and, when the day asked for was not a working day, why it landed later."""
    date = prose_date(landed, "to")
    if asked is not None and asked != landed:
        why = why_not_working(days_skipped(asked, comune), landed)
        if why:
            return str(MOVED_TO_BECAUSE % {"date": date, "why": why})
    return str(MOVED_TO % {"date": date})


def _subject(event, old, new) -> str:
    payload = event.payload
    dates = prose_range(old, new)
    phase_label = _phase_label(payload.get("phase"))
    if event.kind == EventKind.PHASE_DATE_CHANGED:
        return str(PHASE_DATE_MOVED % {"phase": phase_label, "dates": dates})
    spec = spec_of_node(payload.get("node") or "")
    if spec is not None:
        task = spec.work_title if payload["node"] == spec.work_node else spec.check_title
    else:
        task = phase_label
    return str(TASK_DUE_MOVED % {"task": task, "dates": dates})


def _phase_label(value) -> str:
    return str(Phase(value).label) if value in Phase.values else str(value or "")


def _author(event, people: dict) -> str:
    """Return who moved the date: the person and their reason, or the system and the person
    and action that caused the move."""
    payload = event.payload
    cause = payload.get("cause")
    reason = payload.get("reason") or ""
    if isinstance(cause, dict):
        by = people.get(cause.get("by"), str(SOMEONE))
        if event.actor_id is not None or not event.actor_system:  # a person moved it
            name = person_name(event.actor)
            if cause.get("event") == EventKind.PHASE_DATE_CHANGED and cause.get("phase"):
                phase = _phase_label(cause["phase"])
                return str(BY_PERSON_WITH_PHASE % {"name": name, "phase": phase, "reason": reason})
            return str(BY_PERSON % {"name": name, "reason": reason}) if reason else name
        if cause.get("event") == EventKind.PATRON_DAY_SET:
            return str(BY_SYSTEM_PATRON_DAY % {"name": by})
        if cause.get("transition") == "resume":
            days = cause.get("days")
            if isinstance(days, int):
                return ngettext(
                    "automatically, by the %(days)d day the plan was suspended, as %(name)s "
                    "resumed it",
                    "automatically, by the %(days)d days the plan was suspended, as %(name)s "
                    "resumed it",
                    days,
                ) % {"days": days, "name": by}
            return str(BY_SYSTEM_RESUMED % {"name": by})
        if cause.get("event") == EventKind.PHASE_DATE_CHANGED:
            phase = _phase_label(cause.get("phase") or payload.get("phase"))
            return str(BY_SYSTEM_PHASE % {"phase": phase, "name": by, "reason": reason})
        return str(BY_SYSTEM)
    # Written before causes were recorded: the person who triggered it was the actor.
    name = person_name(event.actor) if event.actor_id else str(BY_SYSTEM)
    if cause == _OLD_PATRON_DAY:
        return str(BY_SYSTEM_PATRON_DAY % {"name": name})
    if cause == _OLD_RESUME:
        return str(BY_SYSTEM_RESUMED % {"name": name})
    if cause == _OLD_PHASE_MOVED:
        phase = _phase_label(payload.get("phase"))
        return str(BY_SYSTEM_PHASE % {"phase": phase, "name": name, "reason": reason})
    if isinstance(cause, str) and cause.endswith(" date moved"):
        phase = _phase_label(cause.removesuffix(" date moved"))
        return str(BY_PERSON_WITH_PHASE % {"name": name, "phase": phase, "reason": reason})
    return str(BY_PERSON % {"name": name, "reason": reason}) if reason else name


def schedule_sentence(event, people: dict | None = None) -> str:
    """Return a phase date's or due date's change in words (see the module); "" for an event
    of another kind. ``people`` maps the ids named in causes to names (else one query)."""
    if event.kind not in _DATE_KINDS:
        return ""
    field = "current" if event.kind == EventKind.PHASE_DATE_CHANGED else "due"
    change = (event.payload.get("changes") or {}).get(field) or []
    old, new = (_day(change[0]), _day(change[1])) if len(change) == 2 else (None, None)
    if old is None or new is None:
        return ""
    if people is None:
        people = _people([event])
    sentence = _subject(event, old, new)
    cause = event.payload.get("cause")
    if isinstance(cause, dict) and cause.get("non_working"):
        why = why_not_working(cause["non_working"], new)
        if why:
            sentence += f": {why}"
    return f"{sentence} — {_author(event, people)}"


def _people(events) -> dict:
    ids = {
        event.payload["cause"].get("by")
        for event in events
        if isinstance(event.payload.get("cause"), dict)
    } - {None}
    if not ids:
        return {}
    return {user.pk: person_name(user) for user in get_user_model().objects.filter(pk__in=ids)}


def people_named(events) -> dict:
    """Return the names of the people the causes of ``events`` name, by id, in one query."""
    return _people(list(events))


def schedule_sentences(events) -> list[str]:
    """Return each date change of ``events`` in words, the people their causes name read in
    one query (select the events' ``actor`` with them)."""
    events = list(events)
    people = _people(events)
    return [sentence for event in events if (sentence := schedule_sentence(event, people))]


# --- The comune's patron day ------------------------------------------------------------------

PATRON_DAY_SAVED = _("Patron day saved: %(day)s.")
PATRON_DAY_CLEARED = _(
    "Patron day cleared: due dates may fall on that day again; those moved off it stay where "
    "they are."
)
NOTHING_ON_IT = _("No open date of the comune's plans fell on it.")
DUE_DATE_ITEM = _("the due date of the task “%(task)s” %(date)s")
PHASE_DATE_ITEM = _("the due date of %(phase)s in the schedule %(date)s")


def patron_day_message(saved) -> str:
    """Return what the comune's page says once a patron day is saved (a ``PatronDaySaved``):
    the day in words and exactly which open dates it moved, and to when."""
    comune = saved.comune
    if not comune.patron_day:
        return str(PATRON_DAY_CLEARED)
    day = prose_month_day(comune.patron_day, comune.patron_month)
    said = [str(PATRON_DAY_SAVED % {"day": day})]
    if not saved.moved:
        said.append(str(NOTHING_ON_IT))
        return " ".join(said)
    items = []
    for moved in saved.moved:
        date = prose_date(moved.new, "to")
        if moved.kind is None:
            items.append(str(PHASE_DATE_ITEM % {"phase": _phase_label(moved.phase), "date": date}))
        else:
            spec = spec_of(moved.phase)
            task = spec.check_title if moved.kind == StepKind.CHECK else spec.work_title
            items.append(str(DUE_DATE_ITEM % {"task": task, "date": date}))
    count = len(items)
    said.append(
        ngettext(
            "The open date that fell on it moved to the next working day: %(moves)s.",
            "The %(count)d open dates that fell on it moved to the next working day: %(moves)s.",
            count,
        )
        % {"count": count, "moves": "; ".join(items)}
    )
    return " ".join(said)
