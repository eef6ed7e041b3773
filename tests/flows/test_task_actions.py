"""Who may take on, release and reassign a task, and what each writes."""

import io

import pytest
from django.core.management import call_command
from django.utils.html import escape
from viewflow.workflow.status import STATUS

from flows.rules import (
    CHOOSE_CANDIDATE,
    NOT_A_CANDIDATE,
    PLAN_NOT_ACTIVE,
    TASK_CLOSED,
    TASK_TAKEN,
)
from flows.services import membership_revoke
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans.services import plan_suspend
from plm_workflow.roles import Role
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import claim, open_task, submit, url, work_data

pytestmark = pytest.mark.django_db

K = EventKind


def events(plan, kind):
    return list(Event.objects.filter(plan=plan, kind=kind).order_by("seq"))


def page(client, task, follow_to="detail"):
    return client.get(url(task, follow_to)).content.decode()


def test_a_task_with_one_candidate_is_assigned_to_them_at_once(flow_launched, comune, coordinator):
    plan = flow_launched(comune)  # one coordinator, one facilitator

    task = open_task(plan)

    assert (task.status, task.owner) == (STATUS.ASSIGNED, coordinator)
    created = events(plan, K.TASK_CREATED)[-1]
    assert created.payload["changes"]["holder"] == [None, coordinator.pk]
    assert task.step.holder == coordinator
    assert task.step.held_since is not None


def test_a_task_with_several_candidates_is_offered_to_them(flow_plan):
    task = open_task(flow_plan)

    assert (task.status, task.owner) == (STATUS.NEW, None)
    created = events(flow_plan, K.TASK_CREATED)[-1]
    assert created.payload["changes"]["holder"] == [None, None]
    assert (task.step.holder, task.step.held_since) == (None, None)


def test_the_first_to_take_a_task_on_holds_it_the_second_is_told(
    client, flow_plan, coordinator, coordinator2
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    client.force_login(coordinator2)
    response = client.post(url(task, "assign"), follow=True)

    expected = TASK_TAKEN % {"user": coordinator.get_username()}
    assert escape(str(expected)) in response.content.decode()
    task.refresh_from_db()
    assert task.owner == coordinator
    [claimed] = events(flow_plan, K.TASK_CLAIMED)
    assert (claimed.actor, claimed.payload["concerns"]["task"]) == (coordinator, task.pk)
    assert claimed.payload["changes"] == {"holder": [None, coordinator.pk]}
    assert task.step.holder == coordinator
    assert task.step.held_since is not None


@pytest.mark.parametrize("person", ["lead", "facilitator", "auditor"])
def test_only_the_holders_of_the_role_take_a_work_task_on(request, client, flow_plan, person):
    task = open_task(flow_plan)
    client.force_login(request.getfixturevalue(person))

    assert client.post(url(task, "assign")).status_code == 403
    assert events(flow_plan, K.TASK_CLAIMED) == []


def test_a_release_puts_the_task_back_in_the_queue_and_is_recorded(
    client, flow_plan, coordinator, coordinator2
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    client.post(url(task, "unassign"))

    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)
    assert (task.step.holder, task.step.held_since) == (None, None)
    assert [e.actor for e in events(flow_plan, K.TASK_RELEASED)] == [coordinator]
    claim(client, coordinator2, task)  # and another may take it


@pytest.mark.parametrize("by", ["lead", "facilitator"])
def test_the_lead_and_the_plans_facilitators_hand_a_task_to_another_holder(
    request, client, flow_plan, coordinator, coordinator2, by
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    person = request.getfixturevalue(by)
    client.force_login(person)
    assert str(coordinator2.pk) in page(client, task)  # offered in the reassign list

    client.post(url(task, "reassign"), {"to": coordinator2.pk})

    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, coordinator2)
    assert task.step.holder == coordinator2
    [event] = events(flow_plan, K.TASK_REASSIGNED)
    assert (event.actor, event.payload["changes"]) == (
        person,
        {"holder": [coordinator.pk, coordinator2.pk]},
    )


def test_an_offered_task_can_be_handed_to_someone_too(client, flow_plan, lead, coordinator2):
    task = open_task(flow_plan)
    client.force_login(lead)

    client.post(url(task, "reassign"), {"to": coordinator2.pk})

    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, coordinator2)
    assert task.step.holder == coordinator2
    assert task.step.held_since is not None
    assert events(flow_plan, K.TASK_REASSIGNED)[0].payload["changes"] == {
        "holder": [None, coordinator2.pk]
    }


@pytest.mark.parametrize("person", ["coordinator", "auditor"])
def test_coordinators_and_auditors_cannot_reassign(
    request, client, flow_plan, coordinator2, person
):
    task = open_task(flow_plan)
    client.force_login(request.getfixturevalue(person))

    assert client.post(url(task, "reassign"), {"to": coordinator2.pk}).status_code == 403
    assert "plm-reassign" not in page(client, task).replace(".plm-reassign", "")
    task.refresh_from_db()
    assert task.owner is None


@pytest.mark.parametrize(
    ("to", "message", "params"),
    [
        ("facilitator", NOT_A_CANDIDATE, {"user": "facilitator"}),
        ("stranger", NOT_A_CANDIDATE, {"user": "stranger"}),
        ("", CHOOSE_CANDIDATE, None),
        ("abc", CHOOSE_CANDIDATE, None),
        ("99999999999999999999999", CHOOSE_CANDIDATE, None),
    ],
)
def test_a_task_goes_only_to_a_holder_of_its_role(
    request, client, flow_plan, lead, to, message, params
):
    task = open_task(flow_plan)
    if to in ("facilitator", "stranger"):
        to = (request.getfixturevalue(to) if to == "facilitator" else UserFactory(username=to)).pk
    client.force_login(lead)

    response = client.post(url(task, "reassign"), {"to": to}, follow=True)

    expected = str(message) if params is None else str(message) % params
    assert escape(expected) in response.content.decode()
    task.refresh_from_db()
    assert task.owner is None
    assert events(flow_plan, K.TASK_REASSIGNED) == []


def test_a_closed_task_cannot_be_reassigned(client, flow_plan, lead, coordinator, coordinator2):
    task = open_task(flow_plan)
    submit(client, coordinator, task, "Analisi.")
    client.force_login(lead)

    response = client.post(url(task, "reassign"), {"to": coordinator2.pk}, follow=True)

    assert escape(str(TASK_CLOSED)) in response.content.decode()
    task.refresh_from_db()
    assert task.owner == coordinator


def test_a_facilitator_of_another_plan_cannot_even_see_the_task(
    client, flow_plan, flow_launched, coordinator2
):
    other = UserFactory(username="facilitator-albenga")
    flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"),
        coordinators=[UserFactory(username="coord-albenga")],
        facilitators=[other],
    )
    task = open_task(flow_plan)
    client.force_login(other)

    assert client.post(url(task, "reassign"), {"to": coordinator2.pk}).status_code == 404


def test_a_revoked_coordinator_loses_the_task_they_held_to_the_queue(
    client, flow_plan, coordinator, coordinator2, lead
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    released = membership_revoke(
        user=coordinator, role="coordinator", comune=flow_plan.comune, by=lead
    )

    assert released == 1
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)
    assert (task.step.holder, task.step.held_since) == (None, None)
    client.force_login(coordinator)
    response = client.post(url(task, "execute"), work_data(task, "x"))
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.status == STATUS.NEW
    [event] = events(flow_plan, K.TASK_RELEASED)
    assert (event.actor, event.payload["cause"]) == (lead, "role revoked")
    assert event.payload["changes"] == {"holder": [coordinator.pk, None]}
    claim(client, coordinator2, task)


def test_revoke_role_at_the_command_line_releases_the_held_tasks(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    out = io.StringIO()

    call_command("revoke_role", "coordinator", coordinator.username, comune="004203", stdout=out)

    task.refresh_from_db()
    assert task.owner is None
    assert task.step.holder is None
    assert out.getvalue().splitlines() == [
        f"coord-saluzzo non è più {Role.COORDINATOR.label} — Saluzzo (CN).",
        "1 attività che aveva in carico è tornata in coda.",
    ]
    assert events(flow_plan, K.TASK_RELEASED)[0].actor_system == "system:operator"


@pytest.mark.parametrize("action", ["assign", "unassign", "reassign", "execute"])
def test_nothing_can_be_done_on_a_suspended_plans_task(
    client, flow_plan, coordinator, coordinator2, lead, action
):
    task = open_task(flow_plan)
    if action != "assign":
        claim(client, coordinator, task)
    plan_suspend(plan=flow_plan, by=lead, reason="Elezioni")
    task.refresh_from_db()
    before = (task.status, task.owner_id)
    person = lead if action == "reassign" else coordinator
    client.force_login(person)

    response = client.post(
        url(task, action), {"to": coordinator2.pk, **work_data(task, "x")}, follow=True
    )

    reason = PLAN_NOT_ACTIVE % {"status": "sospeso"}
    assert escape(str(reason)) in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.owner_id) == before


def test_reassignment_is_not_offered_when_nobody_else_may_take_the_task(
    client, flow_launched, comune, lead, facilitator
):
    plan = flow_launched(comune)  # one coordinator, who holds the task at once
    task = open_task(plan)

    for person in (lead, facilitator):
        client.force_login(person)
        response = client.get(url(task, "detail"))
        assert "reassign_url" not in response.context
        assert url(task, "reassign") not in response.content.decode()


def test_reassignment_is_offered_with_the_other_holders_of_the_role(
    client, flow_plan, lead, coordinator, coordinator2
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    client.force_login(lead)

    response = client.get(url(task, "detail"))

    assert url(task, "reassign") in response.content.decode()
    assert response.context["candidates"] == [coordinator2]  # not the one who holds it
