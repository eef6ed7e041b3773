"""Suspend, resume and withdraw ask for confirmation: a step that restates what the action does
and asks for the reason, on which nothing is written until its button is pressed."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from django.utils.html import escape
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import PROCESS, STATUS

from flows import views
from flows.flows import PLMFlow
from flows.services import flow_suspend
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.limits import REASON_MAX_CHARS
from plm_workflow.plans.checks import REASON_MISSING
from plm_workflow.plans.errors import NOT_ALLOWED
from plm_workflow.plans.models import PlanStatus
from plm_workflow.plans.services import NOT_FROM_STATE
from plm_workflow.web import FLOW_BUSY
from tests.flows.helpers import open_task, process_url
from tests.test_bad_input import database_state

pytestmark = pytest.mark.django_db


def address(plan, action):
    return plan.process.flow_class.instance.reverse(f"process_{action}", args=[plan.process.pk])


def html(response) -> str:
    return response.content.decode()


def said(message) -> str:
    return escape(str(message))


CONSEQUENCES = {
    "suspend": [views.SUSPEND_WAITS, views.SUSPEND_DATES, views.SUSPEND_RESUMABLE],
    "withdraw": [views.WITHDRAW_FINAL, views.WITHDRAW_TASKS],
}


@pytest.mark.parametrize("action", ["suspend", "withdraw"])
def test_the_plan_pages_button_opens_a_step_that_restates_the_consequence(
    client, flow_plan, lead, action
):
    client.force_login(lead)
    before = database_state()

    response = client.get(address(flow_plan, action))

    assert response.status_code == 200
    page = html(response)
    for sentence in CONSEQUENCES[action]:
        assert said(sentence) in page
    if action == "withdraw":
        assert said(views.WITHDRAW_NEW_PLAN % {"comune": "Saluzzo (CN)"}) in page
    assert 'name="reason"' in page and 'name="confirmed" value="1"' in page
    assert f'href="{process_url(flow_plan.process)}"' in page  # the way back, changing nothing
    assert database_state() == before


def test_a_reason_posted_without_the_confirmation_only_shows_the_step(client, flow_plan, lead):
    client.force_login(lead)
    before = database_state()

    response = client.post(address(flow_plan, "withdraw"), {"reason": "Il comune rinuncia"})

    assert response.status_code == 200
    assert ">\nIl comune rinuncia</textarea>" in html(response)  # kept, to confirm
    assert said(views.WITHDRAW_FINAL) in html(response)
    assert database_state() == before
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.NEEDS_ASSESSMENT


def test_the_confirmed_withdrawal_ends_the_plan_and_its_tasks_with_their_events(
    client, flow_plan, lead
):
    task = open_task(flow_plan)
    client.force_login(lead)
    client.get(address(flow_plan, "withdraw"))  # the step: nothing yet
    last = Event.objects.latest("pk").pk

    response = client.post(
        address(flow_plan, "withdraw"), {"reason": "Il comune rinuncia", "confirmed": "1"}
    )

    assert (response.status_code, response["Location"]) == (302, process_url(flow_plan.process))
    flow_plan.refresh_from_db()
    task.refresh_from_db()
    assert flow_plan.status == PlanStatus.WITHDRAWN
    assert flow_plan.withdrawal_reason == "Il comune rinuncia"
    assert task.status == STATUS.CANCELED
    assert flow_plan.process.status == PROCESS.CANCELED
    written = Event.objects.filter(pk__gt=last).order_by("seq")
    assert [(event.kind, event.actor) for event in written] == [
        (EventKind.PLAN_TRANSITION, lead),
        (EventKind.TASK_CANCELED, lead),
    ]
    assert written[0].payload["reason"] == "Il comune rinuncia"
    assert written[0].payload["changes"]["status"] == [PlanStatus.NEEDS_ASSESSMENT, "withdrawn"]


def test_the_confirmed_suspension_pauses_the_plan_and_says_so(client, flow_plan, facilitator):
    client.force_login(facilitator)
    last = Event.objects.latest("pk").pk

    response = client.post(
        address(flow_plan, "suspend"),
        {"reason": "Elezioni comunali", "confirmed": "1"},
        follow=True,
    )

    flow_plan.refresh_from_db()
    assert (flow_plan.status, flow_plan.suspended_from) == (
        PlanStatus.SUSPENDED,
        PlanStatus.NEEDS_ASSESSMENT,
    )
    assert said(views.SuspendView.done_message) in html(response)
    [event] = Event.objects.filter(pk__gt=last)
    assert (event.kind, event.actor, event.payload["reason"]) == (
        EventKind.PLAN_TRANSITION,
        facilitator,
        "Elezioni comunali",
    )


def test_the_resume_step_names_the_state_left_and_the_days_the_dates_move(client, flow_plan, lead):
    flow_suspend(plan=flow_plan, by=lead, reason="Elezioni comunali")
    client.force_login(lead)

    same_day = html(client.get(address(flow_plan, "resume")))
    with time_machine.travel(timezone.now() + datetime.timedelta(days=3, hours=2)):
        client.force_login(lead)  # the session of three days ago has expired
        later = html(client.get(address(flow_plan, "resume")))

    back = views.RESUME_BACK % {"state": PlanStatus.NEEDS_ASSESSMENT.label}
    assert said(back) in same_day and said(back) in later
    assert said(views.RESUME_NO_DATES) in same_day
    assert said(views.RESUME_DATES % {"days": 3}) in later


def test_the_confirmed_resume_takes_the_plan_back_where_it_was(client, flow_plan, lead):
    flow_suspend(plan=flow_plan, by=lead, reason="Elezioni comunali")
    client.force_login(lead)

    response = client.post(
        address(flow_plan, "resume"), {"reason": "Nuova giunta", "confirmed": "1"}
    )

    assert response.status_code == 302
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.NEEDS_ASSESSMENT
    event = Event.objects.filter(plan=flow_plan, kind=EventKind.PLAN_TRANSITION).latest("seq")
    assert event.payload["changes"]["status"] == [PlanStatus.SUSPENDED, PlanStatus.NEEDS_ASSESSMENT]


def test_a_refusal_keeps_what_was_typed_and_says_why_at_the_top_and_beside_the_reason(
    client, flow_plan, lead
):
    client.force_login(lead)
    before = database_state()
    typed = "Elezioni comunali, " * 120  # over the limit

    response = client.post(address(flow_plan, "suspend"), {"reason": typed, "confirmed": "1"})

    assert response.status_code == 200
    page = html(response)
    errors = response.context["form"].errors["reason"]
    assert len(errors) == 1 and f"{REASON_MAX_CHARS:,}".replace(",", ".") in errors[0]
    assert page.count(said(errors[0])) == 2  # at the top of the form and beside the field
    assert escape(typed.strip()) in page
    assert 'name="confirmed" value="1"' in page  # confirming again is one click
    assert database_state() == before


def test_a_confirmation_without_a_reason_is_refused_and_writes_nothing(client, flow_plan, lead):
    client.force_login(lead)
    before = database_state()

    response = client.post(address(flow_plan, "withdraw"), {"reason": "   ", "confirmed": "1"})

    assert response.status_code == 200
    assert said(REASON_MISSING) in html(response)
    assert database_state() == before


@pytest.mark.parametrize(
    ("person", "action"),
    [
        ("coordinator", "suspend"),
        ("auditor", "suspend"),
        ("facilitator", "withdraw"),
        ("auditor", "withdraw"),
    ],
)
def test_the_step_is_403_to_who_may_not_take_the_action(request, client, flow_plan, person, action):
    client.force_login(request.getfixturevalue(person))
    before = database_state()

    page = client.get(address(flow_plan, action))
    confirmed = client.post(address(flow_plan, action), {"reason": "Motivo", "confirmed": "1"})

    assert (page.status_code, confirmed.status_code) == (403, 403)
    assert said(NOT_ALLOWED) in html(confirmed)
    assert database_state() == before


def test_an_action_the_plans_state_does_not_allow_sends_back_to_the_plan_saying_why(
    client, flow_plan, lead
):
    client.force_login(lead)

    response = client.get(address(flow_plan, "resume"), follow=True)

    assert response.redirect_chain == [(process_url(flow_plan.process), 302)]
    status = PlanStatus.NEEDS_ASSESSMENT.label
    assert said(NOT_FROM_STATE % {"status": status}) in html(response)


def test_a_busy_plan_keeps_the_step_and_the_reason(client, flow_plan, lead, monkeypatch):
    def busy(*args, **kwargs):
        raise FlowLockFailed("busy")

    monkeypatch.setattr(PLMFlow, "lock", busy)
    client.force_login(lead)
    before = database_state()

    response = client.post(address(flow_plan, "suspend"), {"reason": "Elezioni", "confirmed": "1"})

    assert response.status_code == 200
    assert said(FLOW_BUSY) in html(response)
    assert ">\nElezioni</textarea>" in html(response)
    assert database_state() == before


def test_the_plan_page_offers_the_actions_apart_each_leading_to_its_step(client, flow_plan, lead):
    client.force_login(lead)

    page = html(client.get(process_url(flow_plan.process)))

    box = page[page.index('class="plm-state-actions') :]
    box = box[: box.index("</section>")]
    assert f'href="{address(flow_plan, "suspend")}"' in box
    assert f'href="{address(flow_plan, "withdraw")}"' in box
    assert "<form" not in box  # nothing runs from the plan page itself
    sections_end = page.rindex('class="plm-section')
    assert page.index('class="plm-state-actions') > sections_end  # after the sections
    assert page.index('id="plm-adhesion"') < page.index('data-phase="assessment"')
