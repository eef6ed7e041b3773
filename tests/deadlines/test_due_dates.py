"""Due dates of tasks and the plan's schedule: set, moved for a reason, shifted on resume."""

import datetime

import pytest
from django.utils import timezone
from django.utils.html import escape

from flows.services import flow_resume, flow_suspend, flow_withdraw
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.calendar import days_skipped, next_working_day
from plm_workflow.deadlines.models import PhaseDate, StepTask
from plm_workflow.deadlines.services import (
    DATE_IN_PAST,
    DATES_OUT_OF_ORDER,
    PLAN_CLOSED,
    REASON_MISSING,
    phase_date_move,
    schedule_defaults,
    task_due_move,
)
from plm_workflow.formats.prose import prose_date
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Phase, Plan, PlanStatus
from plm_workflow.plans.phases import PHASE_ORDER
from plm_workflow.roles import Role
from tests.factories import PlanFactory, plan_step
from tests.flows.helpers import decide, open_task, submit, url

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def due(task):
    return StepTask.objects.get(task=task).due


def phase_date(plan, phase):
    return PhaseDate.objects.get(plan=plan, phase=phase)


def test_launch_sets_the_schedule_from_the_form(client, lead, launch_url, launch_data):
    today = timezone.localdate()
    chosen = {
        "date_assessment": next_working_day(today + 30 * DAY),
        "date_tables": next_working_day(today + 90 * DAY),
        "date_drafting": next_working_day(today + 180 * DAY),
        "date_adoption": next_working_day(today + 270 * DAY),
    }
    client.force_login(lead)
    assert (
        str(schedule_defaults()[Phase.ASSESSMENT].isoformat())
        in client.get(launch_url).content.decode()
    )

    client.post(launch_url, {**launch_data, **{k: v.isoformat() for k, v in chosen.items()}})

    plan = Plan.objects.get()
    for phase in Phase:
        row = phase_date(plan, phase)
        assert row.baseline == row.current == chosen[f"date_{phase}"]
    assert due(open_task(plan)) == chosen["date_assessment"]
    event = Event.objects.get(plan=plan, kind=EventKind.SCHEDULE_SET)
    assert event.payload == {
        "concerns": {"plan": plan.pk},
        "children": {
            "phase_date": {
                "added": [
                    {"phase": phase.value, "current": chosen[f"date_{phase}"].isoformat()}
                    for phase in PHASE_ORDER
                ]
            }
        },
    }


def test_a_launch_with_wrong_dates_is_refused_and_creates_nothing(
    client, lead, launch_url, launch_data
):
    today = timezone.localdate()
    client.force_login(lead)

    response = client.post(
        launch_url,
        {
            **launch_data,
            "date_assessment": (today - 5 * DAY).isoformat(),
            "date_tables": (today + 100 * DAY).isoformat(),
            "date_drafting": (today + 50 * DAY).isoformat(),
        },
    )

    content = response.content.decode()
    assert response.status_code == 200
    past = DATE_IN_PAST % {
        "phase": Phase.ASSESSMENT.label,
        "date": prose_date(today - 5 * DAY, "the"),
    }
    disorder = DATES_OUT_OF_ORDER % {
        "phase": Phase.DRAFTING.label,
        "previous": Phase.TABLES.label,
    }
    assert escape(str(past)) in content
    assert escape(str(disorder)) in content
    assert not Plan.objects.exists()


def test_a_check_task_is_due_the_turnaround_after_it_is_created(
    client, flow_plan, coordinator, settings
):
    submit(client, coordinator, open_task(flow_plan), "Analisi.")

    check = open_task(flow_plan)
    expected = next_working_day(
        timezone.localdate() + settings.PLM_CHECK_TURNAROUND_DAYS * DAY, flow_plan.comune
    )
    assert due(check) == expected


@pytest.mark.parametrize("phase_far", [True, False])
def test_a_returned_work_task_is_due_at_the_later_of_its_phase_date_and_the_resubmission(
    client, flow_plan, coordinator, facilitator, settings, phase_far
):
    today = timezone.localdate()
    phase_day = next_working_day(today + (40 if phase_far else 2) * DAY)
    PhaseDate.objects.filter(plan=flow_plan, phase=Phase.ASSESSMENT).update(current=phase_day)
    submit(client, coordinator, open_task(flow_plan), "Analisi.")
    decide(client, facilitator, open_task(flow_plan), "returned", "Manca la mappa.")

    returned = open_task(flow_plan)

    resubmission = today + settings.PLM_RESUBMISSION_DAYS * DAY
    expected = next_working_day(max(phase_day, resubmission), flow_plan.comune)
    assert due(returned) == expected
    assert due(returned) == (phase_day if phase_far else next_working_day(resubmission))


def test_a_phase_date_moves_with_a_reason_and_its_open_work_task_follows(flow_plan, lead):
    row = phase_date(flow_plan, Phase.ASSESSMENT)
    baseline, old = row.baseline, row.current
    task = open_task(flow_plan)
    old_due = due(task)
    # A Saturday before the next phase's date, so the phases stay in order.
    new = timezone.localdate() + 30 * DAY
    new += (5 - new.weekday()) % 7 * DAY
    moved_to = next_working_day(new)

    phase_date_move(plan=flow_plan, phase=Phase.ASSESSMENT, new=new, reason="Proroga", by=lead)

    row.refresh_from_db()
    assert (row.baseline, row.current) == (baseline, moved_to) and moved_to != new
    assert due(task) == moved_to
    moved = Event.objects.get(plan=flow_plan, kind=EventKind.PHASE_DATE_CHANGED)
    off = [{"day": day.isoformat(), "kind": kind} for day, kind in days_skipped(new)]
    assert moved.actor == lead
    assert moved.payload == {
        "concerns": {"plan": flow_plan.pk, "phase_date": row.pk},
        "phase": "assessment",
        "changes": {"current": [old.isoformat(), moved_to.isoformat()]},
        "reason": "Proroga",
        "cause": {"non_working": off},  # the Saturday and the Sunday it was moved off
    }
    follows = Event.objects.get(plan=flow_plan, kind=EventKind.DUE_DATE_CHANGED)
    assert (follows.actor, follows.actor_system) == (None, "system:working-days")
    assert follows.payload == {
        "concerns": {"plan": flow_plan.pk, "task": task.pk},
        "phase": "assessment",
        "node": "assess",
        "changes": {"due": [old_due.isoformat(), moved_to.isoformat()]},
        "reason": "Proroga",
        "cause": {"event": "phase_date.changed", "by": lead.pk, "phase": "assessment"},
    }


@pytest.mark.parametrize("move", ["phase", "task"])
def test_a_date_change_without_a_reason_is_refused(flow_plan, lead, move):
    task = open_task(flow_plan)
    before = (phase_date(flow_plan, Phase.ASSESSMENT).current, due(task))
    new = _far(500)

    with pytest.raises(PlanError) as refused:
        if move == "phase":
            phase_date_move(plan=flow_plan, phase=Phase.ASSESSMENT, new=new, reason=" ", by=lead)
        else:
            task_due_move(deadline=task.step, new=new, reason="", by=lead)

    assert refused.value.messages == [str(REASON_MISSING)]
    assert (phase_date(flow_plan, Phase.ASSESSMENT).current, due(task)) == before
    assert not Event.objects.filter(
        kind__in=[EventKind.PHASE_DATE_CHANGED, EventKind.DUE_DATE_CHANGED]
    ).exists()


@pytest.mark.parametrize(
    ("person", "allowed"),
    [("lead", True), ("facilitator", True), ("coordinator", False), ("auditor", False)],
)
def test_who_may_move_a_due_date_from_the_task_page(request, client, flow_plan, person, allowed):
    task = open_task(flow_plan)
    before = due(task)
    client.force_login(request.getfixturevalue(person))
    address = flow_plan.process.flow_class.instance.reverse(
        "due_date", args=[flow_plan.process.pk, task.pk]
    )

    response = client.post(
        address, {"date": _far(500).isoformat(), "reason": "Ferie", "shown": before.isoformat()}
    )

    assert response.status_code == (302 if allowed else 403)
    assert due(task) == (_far(500) if allowed else before)
    page = client.get(url(task, "detail")).content.decode()
    assert (address in page) == allowed


def test_resume_after_ten_days_shifts_open_and_later_dates_then_off_holidays(
    client, flow_plan, lead, coordinator
):
    submit(client, coordinator, open_task(flow_plan), "Analisi.")  # the check is open now
    check = open_task(flow_plan)
    before_due = due(check)
    before = {phase: phase_date(flow_plan, phase).current for phase in Phase}
    flow_suspend(plan=flow_plan, by=lead, reason="Elezioni")
    Plan.objects.filter(pk=flow_plan.pk).update(
        suspended_at=flow_plan.suspended_at - datetime.timedelta(days=10)
    )
    flow_plan.refresh_from_db()

    flow_resume(plan=flow_plan, by=lead, reason="Nuova giunta")

    comune = flow_plan.comune
    assert due(check) == next_working_day(before_due + 10 * DAY, comune)
    # the assessment has started: its date stays; the later phases move
    assert phase_date(flow_plan, Phase.ASSESSMENT).current == before[Phase.ASSESSMENT]
    for phase in (Phase.TABLES, Phase.DRAFTING, Phase.ADOPTION):
        assert phase_date(flow_plan, phase).current == next_working_day(
            before[phase] + 10 * DAY, comune
        )
    moves = Event.objects.filter(
        plan=flow_plan, kind__in=[EventKind.DUE_DATE_CHANGED, EventKind.PHASE_DATE_CHANGED]
    )
    assert len(moves) == 4
    for event in moves:
        assert (event.actor, event.actor_system) == (None, "system:working-days")
        assert "reason" not in event.payload  # nobody wrote one: the cause says why
        cause = dict(event.payload["cause"])
        cause.pop("non_working", None)  # when the shifted day was not a working day
        assert cause == {
            "event": "plan.transition",
            "transition": "resume",
            "by": lead.pk,
            "days": 10,
        }


def test_the_task_and_process_pages_show_the_due_date_and_the_days_left(
    client, flow_plan, coordinator
):
    task = open_task(flow_plan)
    StepTask.objects.filter(task=task).update(due=timezone.localdate() + 3 * DAY)
    client.force_login(coordinator)
    shown = (timezone.localdate() + 3 * DAY).strftime("%d/%m/%Y")

    task_page = client.get(url(task, "detail")).content.decode()
    process_page = client.get(
        flow_plan.process.flow_class.instance.reverse("process_detail", args=[flow_plan.process.pk])
    ).content.decode()

    for content in (task_page, process_page):
        assert shown in content
        assert "mancano 3 giorni" in content
    StepTask.objects.filter(task=task).update(due=timezone.localdate() - 2 * DAY)
    assert "scaduta da 2 giorni" in client.get(url(task, "detail")).content.decode()
    StepTask.objects.filter(task=task).update(due=timezone.localdate())
    assert "scade oggi" in client.get(url(task, "detail")).content.decode()


def _far(days):
    return next_working_day(timezone.localdate() + days * DAY)


def _withdrawn(lead):
    plan = PlanFactory(at="convene_tables", lead=lead)
    deadline = open_task(plan).step
    flow_withdraw(plan=plan, by=lead, reason="Rinuncia")
    return plan, deadline


def _adopted(lead):
    plan = PlanFactory(at="verify_adoption", lead=lead)
    deadline = open_task(plan).step
    plan_step(plan, by=plan.comune.memberships.get(role=Role.FACILITATOR).user, decision="approved")
    return plan, deadline


@pytest.mark.parametrize(
    ("close", "status"),
    [(_withdrawn, PlanStatus.WITHDRAWN), (_adopted, PlanStatus.ADOPTED)],
    ids=["withdrawn", "adopted"],
)
def test_dates_of_an_adopted_or_withdrawn_plan_no_longer_move(lead, close, status):
    plan, deadline = close(lead)
    plan.refresh_from_db()
    assert plan.status == status
    before = Event.objects.count()
    expected = [str(PLAN_CLOSED) % {"status": status.label.lower()}]

    with pytest.raises(PlanError) as phase_refused:
        phase_date_move(plan=plan, phase=Phase.TABLES, new=_far(400), reason="Proroga", by=lead)
    with pytest.raises(PlanError) as due_refused:
        task_due_move(deadline=deadline, new=_far(400), reason="Proroga", by=lead)

    assert phase_refused.value.messages == due_refused.value.messages == expected
    assert Event.objects.count() == before


def test_a_returned_task_follows_its_phase_by_the_same_rule(
    client, flow_plan, coordinator, facilitator, lead, settings
):
    submit(client, coordinator, open_task(flow_plan), "Analisi.")
    decide(client, facilitator, open_task(flow_plan), "returned", "Manca la mappa.")
    returned = open_task(flow_plan)
    resubmission = next_working_day(
        timezone.localdate() + settings.PLM_RESUBMISSION_DAYS * DAY, flow_plan.comune
    )

    phase_date_move(plan=flow_plan, phase=Phase.ASSESSMENT, new=_far(100), reason="R", by=lead)
    assert due(returned) == _far(100)
    phase_date_move(plan=flow_plan, phase=Phase.ASSESSMENT, new=_far(1), reason="R", by=lead)
    assert due(returned) == max(_far(1), resubmission)


def test_a_suspension_shorter_than_a_day_moves_nothing(client, flow_plan, lead):
    task = open_task(flow_plan)
    before = due(task)
    flow_suspend(plan=flow_plan, by=lead, reason="Pausa")
    Plan.objects.filter(pk=flow_plan.pk).update(
        suspended_at=timezone.now() - datetime.timedelta(hours=23, minutes=58)
    )
    flow_plan.refresh_from_db()

    flow_resume(plan=flow_plan, by=lead, reason="Ripresa")

    assert due(task) == before


@pytest.mark.parametrize("move", ["phase", "task"])
def test_a_date_too_far_ahead_is_refused(flow_plan, lead, move):
    task = open_task(flow_plan)
    with pytest.raises(PlanError):
        if move == "phase":
            phase_date_move(
                plan=flow_plan,
                phase=Phase.ADOPTION,
                new=datetime.date(9999, 12, 30),
                reason="x",
                by=lead,
            )
        else:
            task_due_move(deadline=task.step, new=datetime.date(9999, 12, 30), reason="x", by=lead)


def test_a_new_patron_day_moves_the_open_dates_it_falls_on(client, flow_plan, lead):
    task = open_task(flow_plan)
    before = due(task)
    client.force_login(lead)

    client.post(
        f"/comuni/{flow_plan.comune.istat_code}/",
        {"patron_day": before.day, "patron_month": before.month},
    )

    flow_plan.comune.refresh_from_db()
    assert due(task) == next_working_day(before, flow_plan.comune) != before
    event = Event.objects.get(plan=flow_plan, kind=EventKind.DUE_DATE_CHANGED)
    assert (event.actor, event.actor_system) == (None, "system:working-days")
    assert "reason" not in event.payload
    assert event.payload["cause"] == {
        "event": "comune.patron_day_set",
        "by": lead.pk,
        "non_working": [{"day": before.isoformat(), "kind": "patron_day"}],
    }
