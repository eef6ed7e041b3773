"""The calendar feed (issue 21, point 6): a person's tasks as all-day events at a secret
address, parsed back with ``icalendar`` as calendar applications read it."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from plm_workflow.deadlines.calendar import next_working_day
from plm_workflow.deadlines.services import task_due_move
from plm_workflow.plans.models import PlanStatus
from plm_workflow.profiles.models import Profile
from plm_workflow.profiles.services import calendar_token_regenerate, profile_language_set
from tests.factories import ComuneFactory, PlanFactory, UserFactory, plan_step
from tests.flows.helpers import claim, open_task

pytestmark = pytest.mark.django_db


def feed_address(user) -> str:
    profile = Profile.objects.filter(user=user).first()
    token = profile.calendar_token if profile else None
    if token is None:
        token = calendar_token_regenerate(user=user).calendar_token
    return reverse("calendar_feed", args=[token])


def events_of(client, user):
    """GET the person's feed anonymously; return its events, parsed back."""
    response = client.get(feed_address(user))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    feed = icalendar.Calendar.from_ical(response.content)
    assert feed["VERSION"] == "2.0" and feed["PRODID"]
    return feed.walk("VEVENT")


def test_an_offered_task_is_an_all_day_event_with_its_title_and_link(
    client, flow_plan, coordinator
):
    step = open_task(flow_plan).step
    profile_language_set(user=coordinator, language="en")

    [event] = events_of(client, coordinator)

    assert event.decoded("DTSTART") == step.due
    assert type(event.decoded("DTSTART")) is datetime.date  # VALUE=DATE, not a time
    assert event["DTSTART"].params["VALUE"] == "DATE"
    assert event.decoded("DTEND") == step.due + datetime.timedelta(days=1)
    assert str(event["UID"]).startswith(f"steptask-{step.pk}@")
    assert isinstance(event.decoded("DTSTAMP"), datetime.datetime)
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Needs assessment – Saluzzo (CN)"
    task = open_task(flow_plan)
    assert str(event["URL"]).endswith(f"/{task.process_id}/assess/{task.pk}/")
    assert str(event["URL"]).startswith(("http://", "https://"))
    assert str(event["URL"]) in str(event["DESCRIPTION"])
    raw = client.get(feed_address(coordinator)).content.decode()
    assert f"DTSTART;VALUE=DATE:{step.due:%Y%m%d}" in raw


def test_the_feed_speaks_the_persons_language(client, flow_plan, coordinator):
    profile_language_set(user=coordinator, language="it")

    [event] = events_of(client, coordinator)

    assert str(event["SUMMARY"]).startswith("Analisi dei fabbisogni – ")


def test_the_uid_stays_and_the_sequence_rises_when_the_due_date_moves(
    client, flow_plan, coordinator, lead
):
    [before] = events_of(client, coordinator)
    step = open_task(flow_plan).step
    new = next_working_day(step.due + datetime.timedelta(days=20), flow_plan.comune)

    task_due_move(deadline=step, new=new, reason="Proroga", by=lead)

    [after] = events_of(client, coordinator)
    assert str(after["UID"]) == str(before["UID"])
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.decoded("DTSTART") == new
    step.refresh_from_db()
    assert step.due_revision == 1


def test_the_feed_lists_only_the_persons_own_tasks(client, flow_plan, coordinator, facilitator):
    # Another comune's plan, with other people: never in these feeds.
    PlanFactory(comune=ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"))

    assert len(events_of(client, coordinator)) == 1
    # The work is the coordinators': nothing for a facilitator, until it reaches the check.
    assert events_of(client, facilitator) == []
    plan_step(flow_plan, by=coordinator)
    [check] = events_of(client, facilitator)
    assert str(check["UID"]).startswith(f"steptask-{open_task(flow_plan).step.pk}@")
    assert events_of(client, coordinator) == []  # its closed task left the feed


def test_a_task_held_by_someone_else_leaves_the_others_feed(
    client, flow_plan, coordinator, coordinator2
):
    claim(client, coordinator2, open_task(flow_plan))
    client.logout()

    assert events_of(client, coordinator) == []
    assert len(events_of(client, coordinator2)) == 1


def test_a_suspended_plans_tasks_leave_the_feed(client, flow_plan, coordinator, drive):
    drive(flow_plan, PlanStatus.SUSPENDED)

    assert events_of(client, coordinator) == []


def test_a_wrong_token_is_404(client, flow_plan, coordinator):
    calendar_token_regenerate(user=coordinator)

    for token in ("x" * 43, "short", "a" * 65, "ab$cd" * 9):
        assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_a_regenerated_token_retires_the_old_address(client, flow_plan, coordinator):
    old = feed_address(coordinator)

    calendar_token_regenerate(user=coordinator)

    assert client.get(old).status_code == 404
    assert feed_address(coordinator) != old
    assert client.get(feed_address(coordinator)).status_code == 200


def test_a_deactivated_persons_feed_is_404(client, flow_plan, coordinator):
    address = feed_address(coordinator)
    coordinator.is_active = False
    coordinator.save()

    assert client.get(address).status_code == 404


def test_the_feed_answers_get_only(client, flow_plan, coordinator):
    assert client.post(feed_address(coordinator)).status_code == 405


@pytest.mark.parametrize("count", [1, 30])
def test_the_feed_costs_two_queries_whatever_the_number_of_tasks(
    client, django_assert_num_queries, count
):
    coordinator = UserFactory(username="many-plans")
    for n in range(count):
        PlanFactory(
            coordinator=coordinator,
            comune=ComuneFactory(istat_code=f"{n + 1:06d}", name=f"Comune {n}"),
        )
    address = feed_address(coordinator)

    with django_assert_num_queries(2):
        response = client.get(address)

    feed = icalendar.Calendar.from_ical(response.content)
    assert len(feed.walk("VEVENT")) == count
