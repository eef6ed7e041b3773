"""Phase dates stay in order; a date move or a patron day on a stale page is refused."""

import datetime
import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client
from django.utils.html import escape

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.calendar import days_skipped, next_working_day
from plm_workflow.deadlines.models import PhaseDate, StepTask
from plm_workflow.deadlines.services import (
    CHANGED_MEANWHILE,
    DATE_AFTER_NEXT,
    DATE_BEFORE_PREVIOUS,
    SHIFT_LATER_HINT,
    comune_patron_day_set,
    phase_date_move,
    task_due_move,
)
from plm_workflow.formats.prose import prose_date, prose_month_day
from plm_workflow.plans.models import Phase
from plm_workflow.web import FLOW_BUSY
from tests.flows.helpers import open_task, url

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
DATE_EVENTS = [EventKind.PHASE_DATE_CHANGED, EventKind.DUE_DATE_CHANGED]


def dates(plan) -> dict:
    return {row.phase: row.current for row in PhaseDate.objects.filter(plan=plan)}


def move_url(plan, phase):
    return plan.process.flow_class.instance.reverse("phase_date", args=[plan.process.pk, phase])


def move(client, person, plan, phase, new, *, shown=None, shift_later=False):
    client.force_login(person)
    data = {
        "date": new.isoformat(),
        "reason": "Proroga",
        "shown": (shown or dates(plan)[phase]).isoformat(),
    }
    if shift_later:
        data["shift_later"] = "on"
    return client.post(move_url(plan, phase), data, follow=True)


def page_says(response, message) -> bool:
    return escape(str(message)) in response.content.decode()


def test_a_phase_date_after_the_next_phase_is_refused_with_the_shift_later_hint(
    client, flow_plan, lead
):
    before = dates(flow_plan)
    new = next_working_day(before[Phase.DRAFTING] + 3 * DAY)

    response = move(client, lead, flow_plan, Phase.TABLES, new)

    after_next = DATE_AFTER_NEXT % {
        "phase": Phase.TABLES.label,
        "next": Phase.DRAFTING.label,
        "date": prose_date(before[Phase.DRAFTING]),
    }
    assert page_says(response, after_next)
    assert page_says(response, SHIFT_LATER_HINT)
    assert 'name="shift_later"' in response.content.decode()
    assert dates(flow_plan) == before
    assert not Event.objects.filter(kind__in=DATE_EVENTS).exists()


def test_a_phase_date_before_the_previous_phase_is_refused(client, flow_plan, lead):
    before = dates(flow_plan)
    new = next_working_day(before[Phase.ASSESSMENT] - 5 * DAY)

    response = move(client, lead, flow_plan, Phase.TABLES, new, shift_later=True)

    before_previous = DATE_BEFORE_PREVIOUS % {
        "phase": Phase.TABLES.label,
        "previous": Phase.ASSESSMENT.label,
        "date": prose_date(before[Phase.ASSESSMENT]),
    }
    assert page_says(response, before_previous)
    assert dates(flow_plan) == before
    assert not Event.objects.filter(kind__in=DATE_EVENTS).exists()


def test_shift_later_moves_every_later_phase_by_the_same_days_one_event_each(
    client, flow_plan, lead
):
    before = dates(flow_plan)
    new = next_working_day(before[Phase.DRAFTING] + 10 * DAY)
    delta = new - before[Phase.TABLES]

    response = move(client, lead, flow_plan, Phase.TABLES, new, shift_later=True)

    assert response.status_code == 200
    expected = {
        Phase.ASSESSMENT: before[Phase.ASSESSMENT],
        Phase.TABLES: new,
        Phase.DRAFTING: next_working_day(before[Phase.DRAFTING] + delta, flow_plan.comune),
        Phase.ADOPTION: next_working_day(before[Phase.ADOPTION] + delta, flow_plan.comune),
    }
    assert dates(flow_plan) == expected
    events = Event.objects.filter(plan=flow_plan, kind=EventKind.PHASE_DATE_CHANGED).order_by("pk")
    assert [
        (e.payload["phase"], e.payload["changes"]["current"], e.payload.get("cause"))
        for e in events
    ] == [
        (phase.value, [before[phase].isoformat(), expected[phase].isoformat()], cause)
        for phase, cause in (
            (Phase.TABLES, None),
            (Phase.DRAFTING, _with_tables(before[Phase.DRAFTING] + delta, flow_plan.comune)),
            (Phase.ADOPTION, _with_tables(before[Phase.ADOPTION] + delta, flow_plan.comune)),
        )
    ]
    # the person moved them all: the later phases with the tables
    assert {e.actor for e in events} == {lead}
    assert {e.payload["reason"] for e in events} == {"Proroga"}


def _with_tables(asked, comune):
    """The cause of a later phase's date moved with the tables' (off non-working days)."""
    cause = {"event": "phase_date.changed", "phase": "tables"}
    skipped = days_skipped(asked, comune)
    if skipped:
        cause["non_working"] = [{"day": day.isoformat(), "kind": kind} for day, kind in skipped]
    return cause


def test_a_phase_date_move_on_a_stale_page_is_refused_with_the_current_date(
    client, flow_plan, lead, facilitator
):
    shown = dates(flow_plan)[Phase.TABLES]
    meanwhile = next_working_day(shown + 5 * DAY)
    phase_date_move(
        plan=flow_plan, phase=Phase.TABLES, new=meanwhile, reason="Altro", by=facilitator
    )
    before = dates(flow_plan)
    events = Event.objects.count()

    response = move(client, lead, flow_plan, Phase.TABLES, shown + 2 * DAY, shown=shown)

    assert page_says(response, CHANGED_MEANWHILE % {"current": prose_date(meanwhile)})
    assert dates(flow_plan) == before
    assert Event.objects.count() == events


def test_a_due_date_move_on_a_stale_page_is_refused_with_the_current_date(
    client, flow_plan, lead, facilitator
):
    task = open_task(flow_plan)
    shown = task.step.due
    meanwhile = next_working_day(shown + 20 * DAY)
    task_due_move(deadline=task.step, new=meanwhile, reason="Altro", by=facilitator)
    events = Event.objects.count()
    client.force_login(lead)
    address = flow_plan.process.flow_class.instance.reverse(
        "due_date", args=[flow_plan.process.pk, task.pk]
    )

    response = client.post(
        address,
        {
            "date": (shown + 9 * DAY).isoformat(),
            "reason": "Ferie",
            "shown": shown.isoformat(),
        },
        follow=True,
    )

    assert page_says(response, CHANGED_MEANWHILE % {"current": prose_date(meanwhile)})
    assert StepTask.objects.get(task=task).due == meanwhile
    assert Event.objects.count() == events
    assert response.redirect_chain[-1][0] == url(task, "detail")


def test_a_patron_day_changed_on_a_stale_page_is_refused_with_the_current_day(
    client, flow_plan, lead
):
    comune = flow_plan.comune
    comune_patron_day_set(comune=comune, day=3, month=12, by=lead)
    events = Event.objects.count()
    client.force_login(lead)

    response = client.post(
        f"/comuni/{comune.istat_code}/",
        {"patron_day": "8", "patron_month": "5", "shown": ""},
        follow=True,
    )

    assert page_says(response, CHANGED_MEANWHILE % {"current": prose_month_day(3, 12)})
    comune.refresh_from_db()
    assert (comune.patron_day, comune.patron_month) == (3, 12)
    assert Event.objects.count() == events
    # The page now shows the current day, and a change from it goes through.
    assert 'name="shown" value="3/12"' in response.content.decode()
    client.post(
        f"/comuni/{comune.istat_code}/",
        {"patron_day": "8", "patron_month": "5", "shown": "3/12"},
    )
    comune.refresh_from_db()
    assert (comune.patron_day, comune.patron_month) == (8, 5)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_moves_of_one_phase_date_one_wins_the_other_is_told(
    flow_plan, lead, facilitator
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL")
    shown = dates(flow_plan)[Phase.TABLES]
    targets = [next_working_day(shown + 5 * DAY), next_working_day(shown + 12 * DAY)]
    barrier = threading.Barrier(2)
    told = [None, None]

    def run(index, person):
        client = Client()
        client.force_login(person)
        data = {
            "date": targets[index].isoformat(),
            "reason": "Proroga",
            "shown": shown.isoformat(),
        }
        try:
            barrier.wait(timeout=10)
            response = client.post(move_url(flow_plan, Phase.TABLES), data)
            told[index] = [str(m) for m in get_messages(response.wsgi_request)]
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate([lead, facilitator])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    now = dates(flow_plan)[Phase.TABLES]
    assert now in targets
    loser = 1 - targets.index(now)
    refusals = {str(FLOW_BUSY), str(CHANGED_MEANWHILE % {"current": prose_date(now)})}
    assert refusals & set(told[loser]), told
    assert Event.objects.filter(plan=flow_plan, kind=EventKind.PHASE_DATE_CHANGED).count() == 1
