"""The timeline's filters, combined, and its keyset pages."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.audit.services import SYSTEM_FLOW, payload_of, record
from plm_workflow.audit.timeline import (
    TimelineFilters,
    cursor_decode,
    cursor_encode,
    events_filtered,
    page,
    page_before,
)
from plm_workflow.plans.models import Phase

pytestmark = pytest.mark.django_db

ROME = ZoneInfo("Europe/Rome")
K = EventKind


def _at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    """A moment of March 2027, Rome time."""
    return datetime.datetime(2027, 3, day, hour, minute, tzinfo=ROME)


def _event(*, plan, actor, kind, phase=None, at):
    with time_machine.travel(at, tick=False), transaction.atomic():
        return record(
            kind=kind,
            actor=actor,
            plan=plan,
            payload=payload_of(concerns={"plan": plan.pk}, phase=phase),
        )


@pytest.fixture
def story(plan, coordinator, facilitator):
    """Events of one plan across three days, by two people and the flow, in two phases."""
    made = {
        "claimed": _event(
            plan=plan, actor=coordinator, kind=K.TASK_CLAIMED, phase=Phase.TABLES, at=_at(1, 9)
        ),
        "created": _event(
            plan=plan, actor=SYSTEM_FLOW, kind=K.TASK_CREATED, phase=Phase.TABLES, at=_at(1, 9)
        ),
        # 23:30 in Rome is 22:30 UTC: still 2 March for the filter.
        "late": _event(
            plan=plan,
            actor=coordinator,
            kind=K.TASK_COMPLETED,
            phase=Phase.TABLES,
            at=_at(2, 23, 30),
        ),
        "decided": _event(
            plan=plan,
            actor=facilitator,
            kind=K.REVIEW_DECIDED,
            phase=Phase.DRAFTING,
            at=_at(3, 0, 30),
        ),
        "suspended": _event(plan=plan, actor=facilitator, kind=K.PLAN_TRANSITION, at=_at(3, 10)),
    }
    return made


def _names(story, events):
    found = set(events.values_list("pk", flat=True))
    return {name for name, event in story.items() if event.pk in found}


def _of(story, filters):
    """The story's events matching the filters (the plan's launch events are older)."""
    ids = [event.pk for event in story.values()]
    return _names(story, events_filtered(Event.objects.filter(pk__in=ids), filters))


def test_no_filter_shows_everything(story):
    assert _of(story, TimelineFilters()) == set(story)


def test_each_filter_alone(story, coordinator):
    assert _of(story, TimelineFilters(actor=f"user:{coordinator.pk}")) == {"claimed", "late"}
    assert _of(story, TimelineFilters(actor=SYSTEM_FLOW)) == {"created"}
    assert _of(story, TimelineFilters(kinds=(K.TASK_CLAIMED, K.REVIEW_DECIDED))) == {
        "claimed",
        "decided",
    }
    assert _of(story, TimelineFilters(phase=Phase.TABLES)) == {"claimed", "created", "late"}
    assert _of(story, TimelineFilters(phase=Phase.DRAFTING)) == {"decided"}
    day2 = datetime.date(2027, 3, 2)
    assert _of(story, TimelineFilters(since=day2)) == {"late", "decided", "suspended"}
    assert _of(story, TimelineFilters(until=day2)) == {"claimed", "created", "late"}
    assert _of(story, TimelineFilters(since=day2, until=day2)) == {"late"}


def test_filters_combine_with_and(story, coordinator, facilitator):
    both = TimelineFilters(actor=f"user:{coordinator.pk}", phase=Phase.TABLES)
    assert _of(story, both) == {"claimed", "late"}
    narrower = TimelineFilters(
        actor=f"user:{coordinator.pk}",
        phase=Phase.TABLES,
        kinds=(K.TASK_COMPLETED,),
        since=datetime.date(2027, 3, 2),
        until=datetime.date(2027, 3, 2),
    )
    assert _of(story, narrower) == {"late"}
    assert _of(story, TimelineFilters(actor=f"user:{facilitator.pk}", phase=Phase.TABLES)) == set()
    assert (
        _of(story, TimelineFilters(kinds=(K.REVIEW_DECIDED,), until=datetime.date(2027, 3, 2)))
        == set()
    )


@pytest.mark.parametrize("actor", ["mario", "user:", "user:abc", "system:", "user:1 OR 1=1"])
def test_an_actor_of_no_known_form_matches_nothing(story, actor):
    assert _of(story, TimelineFilters(actor=actor)) == set()


def test_describe_gives_only_the_filters_set(coordinator):
    assert TimelineFilters().describe() == {}
    filters = TimelineFilters(
        actor=f"user:{coordinator.pk}",
        kinds=(K.TASK_CREATED, K.TASK_CLAIMED),
        phase=Phase.TABLES,
        since=datetime.date(2027, 3, 1),
    )
    assert filters.describe() == {
        "actor": f"user:{coordinator.pk}",
        "kinds": ["task.claimed", "task.created"],
        "phase": "tables",
        "since": "2027-03-01",
    }


@pytest.fixture
def many(plan, coordinator):
    """23 events, several at the very same moment (ties broken by id)."""
    for index in range(23):
        _event(
            plan=plan,
            actor=coordinator,
            kind=K.TASK_CLAIMED,
            phase=Phase.TABLES,
            at=_at(5 + index // 4, 9),  # four events a moment
        )
    return list(Event.objects.order_by("occurred_at", "pk"))


def test_pages_cover_every_event_once_in_time_order(many, django_assert_num_queries):
    seen, cursor, pages = [], None, 0
    while True:
        with django_assert_num_queries(1):
            rows, cursor = page(Event.objects.all(), after=cursor, size=5)
        pages += 1
        seen += rows
        if cursor is None:
            break
        cursor = cursor_decode(cursor_encode(cursor))  # as the page's link carries it
    assert [event.pk for event in seen] == [event.pk for event in many]
    assert pages == -(-len(many) // 5)


def test_pages_backwards_from_the_last_cover_every_event_once(many, django_assert_num_queries):
    seen, cursor = [], None
    while True:
        with django_assert_num_queries(1):
            rows, cursor = page_before(Event.objects.all(), before=cursor, size=5)
        seen = rows + seen
        if cursor is None:
            break
    assert [event.pk for event in seen] == [event.pk for event in many]
    last, _ = page_before(Event.objects.all(), before=None, size=5)
    assert last == many[-5:]


def test_a_page_of_filtered_events_counts_them_in_the_filter(many, coordinator):
    filtered = events_filtered(Event.objects.all(), TimelineFilters(kinds=(K.TASK_CLAIMED,)))
    rows, cursor = page(filtered, after=None, size=100)
    assert cursor is None
    assert [event.pk for event in rows] == [e.pk for e in many if e.kind == K.TASK_CLAIMED]
    assert rows[0].actor == coordinator


def test_a_cursor_survives_its_trip_through_a_link(many):
    event = many[7]
    text = cursor_encode((event.occurred_at, event.pk))
    assert text.replace("-", "").isdigit()
    assert cursor_decode(text) == (event.occurred_at, event.pk)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "abc",
        "1-2-3",
        "-1-2",
        "12.5-3",
        "1-" + "9" * 19,
        "9" * 18 + "-1",  # beyond the year 9999
        "1-99999999999999999999",
        "١٢-٣",  # digits of another script
        "1-2\n",
    ],
)
def test_a_forged_cursor_is_no_cursor(text):
    assert cursor_decode(text) is None


def test_a_page_after_a_well_formed_cursor_of_the_future_is_empty(many):
    rows, cursor = page(Event.objects.all(), after=cursor_decode("9" * 16 + "-1"), size=5)
    assert (rows, cursor) == ([], None)
