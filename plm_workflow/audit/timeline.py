"""The timeline's reads: events filtered, then paged on (time, id) without OFFSET.

Who may see which events is decided above this package (``plm_workflow.accounts.timeline``,
through ``plans_visible_to``); these functions narrow and page whatever queryset they get:

    events = events_filtered(events_visible_to(user, plan=plan), filters)
    rows, next_cursor = page(events, after=cursor_decode(request.GET.get("after", "")), size=50)

A page is one query whatever the size of the log (the indexes ``audit_event_time``,
``audit_event_kind_time`` and ``audit_event_actor_time`` serve it).
"""

import datetime
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from .chain import chain_of
from .models import GLOBAL_CHAIN, Event, EventKind

# Days of the filters are days in Rome, where the plans are worked, whatever the server's zone.
ROME = ZoneInfo("Europe/Rome")

# "user:<id>" for a person; a system actor by its own name ("system:flow", ...).
USER_ACTOR = re.compile(r"user:([0-9]{1,18})", re.ASCII)
SYSTEM_ACTOR = re.compile(r"system:[a-z0-9-]{1,50}", re.ASCII)

Cursor = tuple[datetime.datetime, int]
_CURSOR = re.compile(r"([0-9]{1,18})-([0-9]{1,18})", re.ASCII)
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class TimelineFilters:
    """What the timeline shows; every filter left empty shows everything, the given ones AND.

    ``actor`` is ``""`` (everyone), ``"user:<id>"`` or a system actor's name (``"system:flow"``);
    ``kinds`` the event kinds wanted (none: all); ``phase`` a ``Phase`` value (see
    ``events_filtered``); ``since`` and ``until`` days in Europe/Rome, both included.
    """

    actor: str = ""
    kinds: tuple[str, ...] = ()
    phase: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    def describe(self) -> dict:
        """Return the filters given, as JSON-able values (for an export's trailer and event).

        Filters left empty are left out: ``{}`` for an unfiltered timeline. Kinds are sorted,
        days are ISO text.
        """
        parts = {
            "actor": self.actor or None,
            "kinds": sorted(self.kinds) or None,
            "phase": self.phase or None,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }
        return {name: value for name, value in parts.items() if value is not None}


def _start_of(day: datetime.date) -> datetime.datetime:
    """Return the moment day ``day`` begins in Rome."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ROME)


def events_filtered(events: QuerySet[Event], filters: TimelineFilters) -> QuerySet[Event]:
    """Return the events of ``events`` that match every filter given (combined with AND).

    - actor: the person (``user:<id>``) or the system actor who acted; any other text matches
      nothing;
    - kinds: any of the kinds;
    - phase: the events whose payload names that phase: everything done within a phase (its
      work and check tasks taken, released, reassigned, completed, returned; its data saved;
      its review decided; its dates and due dates set or moved). Plan transitions, launches,
      role grants and patron days name no phase and are left out; so are events of the older
      payload shapes written without one;
    - since / until: the days, in Europe/Rome, from the first moment of ``since`` to the last
      of ``until``.
    """
    condition = Q()
    if filters.actor:
        user = USER_ACTOR.fullmatch(filters.actor)
        if user:
            condition &= Q(actor_id=int(user.group(1)))
        elif SYSTEM_ACTOR.fullmatch(filters.actor):
            condition &= Q(actor_system=filters.actor)
        else:
            return events.none()
    if filters.kinds:
        condition &= Q(kind__in=list(filters.kinds))
    if filters.phase:
        condition &= Q(payload__phase=filters.phase)
    if filters.since is not None:
        condition &= Q(occurred_at__gte=_start_of(filters.since))
    if filters.until is not None and filters.until < datetime.date.max:  # the last day: no bound
        condition &= Q(occurred_at__lt=_start_of(filters.until + datetime.timedelta(days=1)))
    return events.filter(condition)


# The global chain's events about one comune: who was given or lost a role on it, its patron day.
COMUNE_KINDS = (EventKind.ROLE_GRANTED, EventKind.ROLE_REVOKED, EventKind.PATRON_DAY_SET)


def plan_events(events: QuerySet[Event], *, plan_id: int, comune_code: str) -> QuerySet[Event]:
    """Return a plan's story: the events of its chain and the global chain's events about its
    comune (``COMUNE_KINDS``, naming its ISTAT code in ``concerns`` or, in the payloads written
    before the shared shape, at the payload's top level).

    One condition on ``events``; the caller decides first that the plan may be seen.
    """
    about_comune = Q(payload__concerns__comune=comune_code) | Q(payload__comune=comune_code)
    return events.filter(
        Q(chain=chain_of(plan_id)) | Q(about_comune, chain=GLOBAL_CHAIN, kind__in=COMUNE_KINDS)
    )


def cursor_encode(cursor: Cursor) -> str:
    """Return the cursor as URL-safe text: ``<microseconds since 1970 UTC>-<event id>``."""
    moment, pk = cursor
    delta = moment.astimezone(datetime.UTC) - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}-{pk}"


def cursor_decode(text: str) -> Cursor | None:
    """Return the cursor written by ``cursor_encode``, or None for any other text (never raises).

    A forged or garbled cursor is not an error the page must answer: the timeline starts again
    from its first page.
    """
    found = _CURSOR.fullmatch(text or "")
    if not found:
        return None
    micros, pk = int(found.group(1)), int(found.group(2))
    if pk > _MAX_ID:
        return None
    try:
        moment = _EPOCH + datetime.timedelta(microseconds=micros)
    except OverflowError:
        return None
    return moment, pk


def page(events: QuerySet[Event], *, after: Cursor | None, size: int) -> tuple[list, Cursor | None]:
    """Return up to ``size`` events in time order after ``after`` (the start, if None) and the
    cursor of the next page (None on the last page).

    Time order is (occurred_at, id) ascending. Keyset pagination: one query whatever the page's
    position, the event's actor loaded with it.
    """
    ordered = events.select_related("actor").order_by("occurred_at", "pk")
    if after is not None:
        moment, pk = after
        # ">=" first: a range on the time index, then the ties at that moment by id.
        ordered = ordered.filter(occurred_at__gte=moment).filter(
            Q(occurred_at__gt=moment) | Q(pk__gt=pk)
        )
    rows = list(ordered[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, (rows[-1].occurred_at, rows[-1].pk)


def page_before(
    events: QuerySet[Event], *, before: Cursor | None, size: int
) -> tuple[list, Cursor | None]:
    """Return up to ``size`` events in time order just before ``before`` (the last page, if
    None) and the cursor of the page before them (None on the first page).

    The rows come in time order as ``page`` gives them; pass the returned cursor as ``before``
    to go back further, and the last row's (occurred_at, id) as ``after`` to come forward.
    One query.
    """
    ordered = events.select_related("actor").order_by("-occurred_at", "-pk")
    if before is not None:
        moment, pk = before
        ordered = ordered.filter(occurred_at__lte=moment).filter(
            Q(occurred_at__lt=moment) | Q(pk__lt=pk)
        )
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size][::-1]
    if not more:
        return rows, None
    return rows, (rows[0].occurred_at, rows[0].pk)


def position(event: Event) -> Cursor:
    """Return the event's place in time order, as a cursor."""
    return event.occurred_at, event.pk
