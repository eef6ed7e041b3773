"""Suspend, resume and withdraw from the process page: who may, and what the flow does."""

import pytest
from django.utils.html import escape
from viewflow.workflow.status import PROCESS, STATUS

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans.checks import REASON_MISSING
from plm_workflow.plans.models import PlanStatus
from plm_workflow.plans.phases import NODE_STATUS, node_phase
from tests.factories import ComuneFactory, PlanFactory, UserFactory
from tests.flows.helpers import advance, claim, open_task, process_url, sections_data, url

pytestmark = pytest.mark.django_db

HUMAN_NODES = list(NODE_STATUS)


def act(client, person, plan, action, reason="Motivo", *, follow=True):
    """Suspend, resume or withdraw from the action's confirmation step."""
    process = plan.process
    client.force_login(person)
    return client.post(
        process.flow_class.instance.reverse(f"process_{action}", args=[process.pk]),
        {"reason": reason, "confirmed": "1"},
        follow=follow,
    )


def process_page(client, person, plan):
    client.force_login(person)
    process = plan.process
    return client.get(
        process.flow_class.instance.reverse("process_detail", args=[process.pk])
    ).content.decode()


ACTIVE, SUSPENDED = PlanStatus.NEEDS_ASSESSMENT, PlanStatus.SUSPENDED


@pytest.mark.parametrize(
    ("person", "action", "before", "code", "after"),
    [
        ("lead", "suspend", ACTIVE, 302, SUSPENDED),
        ("lead", "resume", SUSPENDED, 302, ACTIVE),
        ("lead", "withdraw", ACTIVE, 302, PlanStatus.WITHDRAWN),
        ("facilitator", "suspend", ACTIVE, 302, SUSPENDED),
        ("facilitator", "resume", SUSPENDED, 302, ACTIVE),
        ("facilitator", "withdraw", ACTIVE, 403, ACTIVE),
        ("coordinator", "suspend", ACTIVE, 403, ACTIVE),
        ("coordinator", "resume", SUSPENDED, 403, SUSPENDED),
        ("coordinator", "withdraw", ACTIVE, 403, ACTIVE),
        ("auditor", "suspend", ACTIVE, 403, ACTIVE),
        ("auditor", "resume", SUSPENDED, 403, SUSPENDED),
        ("auditor", "withdraw", ACTIVE, 403, ACTIVE),
    ],
)
def test_who_may_suspend_resume_and_withdraw(
    request, client, flow_plan, lead, person, action, before, code, after
):
    actor = request.getfixturevalue(person)
    if before == SUSPENDED:
        act(client, lead, flow_plan, "suspend")
    flow_plan.refresh_from_db()
    assert flow_plan.status == before
    last = Event.objects.latest("pk").pk

    response = act(client, actor, flow_plan, action, follow=False)

    flow_plan.refresh_from_db()
    allowed = code == 302
    assert (response.status_code, response.get("Location")) == (
        code,
        process_url(flow_plan.process) if allowed else None,
    )
    assert flow_plan.status == after
    written = Event.objects.filter(pk__gt=last)
    transitions = [
        (event.actor, event.payload["changes"]["status"])
        for event in written.filter(kind=EventKind.PLAN_TRANSITION)
    ]
    assert transitions == ([(actor, [before, after])] if allowed else [])
    assert written.exists() is allowed


def test_the_process_page_offers_each_role_its_buttons(
    client, flow_plan, lead, facilitator, auditor
):
    flow = flow_plan.process.flow_class.instance
    urls = {
        action: flow.reverse(f"process_{action}", args=[flow_plan.process.pk])
        for action in ("suspend", "resume", "withdraw")
    }
    lead_page = process_page(client, lead, flow_plan)
    facilitator_page = process_page(client, facilitator, flow_plan)
    auditor_page = process_page(client, auditor, flow_plan)

    assert urls["suspend"] in lead_page and urls["withdraw"] in lead_page
    assert urls["resume"] not in lead_page
    assert urls["suspend"] in facilitator_page and urls["withdraw"] not in facilitator_page
    assert not any(link in auditor_page for link in urls.values())


def test_an_outsider_cannot_touch_the_plans_state(client, flow_plan, flow_launched):
    other = UserFactory(username="facilitator-albenga")
    flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"),
        coordinators=[UserFactory(username="coord-albenga")],
        facilitators=[other],
    )

    for action in ("suspend", "resume", "withdraw"):
        assert act(client, other, flow_plan, action).status_code == 404
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.NEEDS_ASSESSMENT


def test_a_change_of_state_without_a_reason_is_refused_with_the_reason_why(client, flow_plan, lead):
    response = act(client, lead, flow_plan, "suspend", reason="  ")

    assert response.status_code == 200  # the confirmation step again
    assert escape(str(REASON_MISSING)) in response.content.decode()
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.NEEDS_ASSESSMENT


@pytest.mark.parametrize("node", ["check_tables", "review", "record_adoption"])
def test_resume_returns_to_the_remembered_state_and_node(
    client, flow_plan, lead, coordinator, facilitator, node
):
    held = advance(client, flow_plan, node, coordinator=coordinator, facilitator=facilitator)

    act(client, lead, flow_plan, "suspend", reason="Elezioni comunali")
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.SUSPENDED
    assert flow_plan.suspended_from == NODE_STATUS[node]  # the invariant, while suspended
    assert open_task(flow_plan).pk == held.pk

    act(client, lead, flow_plan, "resume", reason="Nuova giunta")

    flow_plan.refresh_from_db()
    task = open_task(flow_plan)
    assert (task.pk, flow_plan.status) == (held.pk, NODE_STATUS[node])
    person = coordinator if node == "record_adoption" else facilitator
    claim(client, person, task)  # workable again


@pytest.mark.parametrize("node", [*HUMAN_NODES, "draft saved", "suspended"])
def test_withdrawal_from_any_step_cancels_the_open_task_and_ends_the_flow(
    client, lead, coordinator, node
):
    target = {"draft saved": "draft", "suspended": "review"}.get(node, node)
    plan = PlanFactory(at=target, lead=lead, coordinator=coordinator)
    task = open_task(plan)
    if node == "draft saved":
        client.force_login(coordinator)  # the plan's one coordinator holds the task
        saved = client.post(url(task, "execute"), sections_data(plan, context="Bozza."))
        assert saved.status_code == 302
        assert saved["Location"].startswith(url(task, "execute"))  # back to the editor
        assert plan.sections.get(key="context").text == "Bozza."
    if node == "suspended":
        act(client, lead, plan, "suspend")

    response = act(client, lead, plan, "withdraw", reason="Il comune rinuncia", follow=False)

    assert (response.status_code, response["Location"]) == (302, process_url(plan.process))
    plan.refresh_from_db()
    task.refresh_from_db()
    process = plan.process
    process.refresh_from_db()
    assert plan.status == PlanStatus.WITHDRAWN
    assert task.status == STATUS.CANCELED
    assert process.status == PROCESS.CANCELED
    assert not process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    cancelled = Event.objects.get(plan=plan, kind=EventKind.TASK_CANCELED)
    assert (cancelled.actor, cancelled.payload) == (
        lead,
        {
            "concerns": {"plan": plan.pk, "task": task.pk},
            "phase": node_phase(target),
            "node": target,
            "cause": "plan withdrawn",
        },
    )
    assert plan.withdrawn_at is not None
    assert task.step.closed_at == plan.withdrawn_at
