"""Dates the app moves itself are credited to the system, with the person and the event that
caused the move, and say why in words (UI.md: "say why when the app changes something itself")."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.html import escape

from flows.services import flow_resume, flow_suspend
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.audit.services import SYSTEM_WORKING_DAYS
from plm_workflow.deadlines.calendar import next_working_day
from plm_workflow.deadlines.models import PhaseDate, StepTask
from plm_workflow.deadlines.services import (
    comune_patron_day_set,
    phase_date_move,
    task_due_move,
)
from plm_workflow.deadlines.words import schedule_sentence
from plm_workflow.formats.prose import prose_date
from plm_workflow.plans.models import Phase, Plan
from tests.flows.helpers import open_task, submit

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
DATE_EVENTS = [EventKind.DUE_DATE_CHANGED, EventKind.PHASE_DATE_CHANGED]


def _saturday_ahead(days: int) -> datetime.date:
    day = timezone.localdate() + days * DAY
    return day + (5 - day.weekday()) % 7 * DAY


def test_a_new_patron_day_moves_the_open_dates_as_the_system_for_the_lead(flow_plan, lead):
    task = open_task(flow_plan)
    due = task.step.due
    phase = PhaseDate.objects.get(plan=flow_plan, phase=Phase.ASSESSMENT)
    assert phase.current == due  # the assessment's task is due on the phase's date

    saved = comune_patron_day_set(comune=flow_plan.comune, day=due.day, month=due.month, by=lead)

    landed = next_working_day(due, saved.comune)
    moves = Event.objects.filter(plan=flow_plan, kind__in=DATE_EVENTS).order_by("seq")
    assert [(e.kind, e.actor_id, e.actor_system) for e in moves] == [
        (EventKind.DUE_DATE_CHANGED, None, SYSTEM_WORKING_DAYS),
        (EventKind.PHASE_DATE_CHANGED, None, SYSTEM_WORKING_DAYS),
    ]
    for event in moves:
        assert event.payload["cause"] == {
            "event": EventKind.PATRON_DAY_SET,
            "by": lead.pk,
            "non_working": [{"day": due.isoformat(), "kind": "patron_day"}],
        }
    # the patron day's own event is the lead's
    assert Event.objects.get(kind=EventKind.PATRON_DAY_SET).actor == lead
    # and the service says what moved
    assert [(m.kind, m.old, m.new) for m in saved.moved] == [
        ("work", due, landed),
        (None, due, landed),
    ]
    with translation.override("en"):
        sentence = schedule_sentence(moves[0])
    assert "is the comune's patron day" in sentence
    assert sentence.endswith("automatically, as lead set the comune's patron day")


def test_a_resume_shifts_the_dates_as_the_system_for_the_person_who_resumed(
    client, flow_plan, lead, coordinator
):
    submit(client, coordinator, open_task(flow_plan), "Analisi.")
    flow_suspend(plan=flow_plan, by=lead, reason="Elezioni")
    Plan.objects.filter(pk=flow_plan.pk).update(
        suspended_at=flow_plan.suspended_at - datetime.timedelta(days=12)
    )
    flow_plan.refresh_from_db()

    flow_resume(plan=flow_plan, by=lead, reason="Nuova giunta")

    moves = Event.objects.filter(plan=flow_plan, kind__in=DATE_EVENTS)
    assert moves.count() == 4  # the check's due date and the three later phases
    assert {(e.actor_id, e.actor_system) for e in moves} == {(None, SYSTEM_WORKING_DAYS)}
    assert {(e.payload["cause"]["by"], e.payload["cause"]["days"]) for e in moves} == {
        (lead.pk, 12)
    }
    with translation.override("en"):
        sentences = [schedule_sentence(e) for e in moves]
    assert all(
        s.endswith("automatically, by the 12 days the plan was suspended, as lead resumed it")
        for s in sentences
    )


def test_a_phase_date_moved_by_a_person_is_theirs_and_its_task_follows_as_the_system(
    flow_plan, lead
):
    task = open_task(flow_plan)
    new = next_working_day(timezone.localdate() + 40 * DAY)

    phase_date_move(plan=flow_plan, phase=Phase.ASSESSMENT, new=new, reason="Proroga", by=lead)

    phase = Event.objects.get(plan=flow_plan, kind=EventKind.PHASE_DATE_CHANGED)
    follows = Event.objects.get(plan=flow_plan, kind=EventKind.DUE_DATE_CHANGED)
    assert (phase.actor, phase.actor_system, phase.payload.get("cause")) == (lead, "", None)
    assert (follows.actor, follows.actor_system) == (None, SYSTEM_WORKING_DAYS)
    assert follows.payload["cause"] == {
        "event": EventKind.PHASE_DATE_CHANGED,
        "by": lead.pk,
        "phase": "assessment",
    }
    assert follows.payload["concerns"]["task"] == task.pk
    with translation.override("en"):
        assert schedule_sentence(phase).endswith(f"{prose_date(new)} — lead: “Proroga”")
        assert schedule_sentence(follows).endswith(
            "automatically, following the due date of Needs assessment moved by lead: “Proroga”"
        )


def test_a_due_date_given_on_a_saturday_lands_on_monday_and_says_why(flow_plan, lead):
    task = open_task(flow_plan)
    saturday = _saturday_ahead(30)
    monday = saturday + 2 * DAY
    assert next_working_day(saturday) == monday  # no holiday in the way, or pick another day

    task_due_move(deadline=task.step, new=saturday, reason="Ferie", by=lead)

    assert StepTask.objects.get(task=task).due == monday
    event = Event.objects.get(plan=flow_plan, kind=EventKind.DUE_DATE_CHANGED)
    assert event.actor == lead  # the person moved it; the app only moved it off the weekend
    assert event.payload["cause"] == {
        "non_working": [
            {"day": saturday.isoformat(), "kind": "weekend"},
            {"day": (saturday + DAY).isoformat(), "kind": "weekend"},
        ]
    }
    with translation.override("en"):
        sentence = schedule_sentence(event)
        named = prose_date(
            saturday,
            "the",
            month=(saturday.year, saturday.month) != (monday.year, monday.month),
            year=saturday.year != monday.year,
        )
    assert f": {named} is a Saturday — lead: “Ferie”" in sentence


def test_the_task_page_says_where_a_due_date_landed_and_why(client, flow_plan, lead):
    task = open_task(flow_plan)
    saturday = _saturday_ahead(30)
    monday = next_working_day(saturday)
    client.force_login(lead)
    address = flow_plan.process.flow_class.instance.reverse(
        "due_date", args=[flow_plan.process.pk, task.pk]
    )

    response = client.post(
        address,
        {"date": saturday.isoformat(), "reason": "Ferie", "shown": task.step.due.isoformat()},
        follow=True,
    )

    # the page speaks the app's default language, Italian
    with translation.override("it"):
        landed = prose_date(monday, "to")
        day = prose_date(
            saturday, "the", month=saturday.month != monday.month, year=saturday.year != monday.year
        )
    content = response.content.decode()
    assert escape(landed) in content and escape(day) in content
    assert StepTask.objects.get(task=task).due == monday
