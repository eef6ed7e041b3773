"""Inbox, queue and archive: each person sees exactly their tasks, at a constant cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from plm_workflow.accounts.services import role_revoke
from plm_workflow.audit.models import Event, EventKind
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import claim, open_task, submit

pytestmark = pytest.mark.django_db

INBOX, QUEUE, ARCHIVE = "/home/inbox/", "/home/queue/", "/home/archive/"


def shown(client, person, address, **query):
    client.force_login(person)
    response = client.get(address, query)
    assert response.status_code == 200
    return [task.pk for task in response.context["page_obj"]]


def test_each_role_sees_exactly_its_tasks(
    client, flow_plan, coordinator, coordinator2, facilitator, lead, auditor
):
    task = open_task(flow_plan)

    for person in (coordinator, coordinator2):
        assert shown(client, person, QUEUE) == [task.pk]
        assert shown(client, person, INBOX) == []
    for person in (facilitator, lead, auditor):
        assert shown(client, person, QUEUE) == []
        assert shown(client, person, INBOX) == []

    claim(client, coordinator, task)
    assert shown(client, coordinator, INBOX) == [task.pk]
    assert shown(client, coordinator2, QUEUE) == []


def test_a_coordinator_of_two_comuni_sees_both_and_nobody_elses(
    client, flow_launched, comune, coordinator
):
    albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    rovigo = ComuneFactory(istat_code="029041", name="Rovigo", province_code="RO")
    saluzzo_plan = flow_launched(comune)
    albenga_plan = flow_launched(albenga)
    flow_launched(rovigo, coordinators=[UserFactory(username="coord-rovigo")])

    # one coordinator each: the tasks went straight to them
    assert set(shown(client, coordinator, INBOX)) == {
        open_task(saluzzo_plan).pk,
        open_task(albenga_plan).pk,
    }


def test_the_archive_lists_what_the_person_completed(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    submit(client, coordinator, task, "Analisi.")

    assert shown(client, coordinator, ARCHIVE) == [task.pk]
    assert shown(client, coordinator, INBOX) == []


def test_a_revoked_coordinator_no_longer_sees_the_task_they_held(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    role_revoke(user=coordinator, role="coordinator", comune=flow_plan.comune)

    assert shown(client, coordinator, INBOX) == []


@pytest.mark.parametrize(
    "query",
    [
        {"comune": "009002"},
        {"comune": "Albenga (SV)"},
        {"region": "Liguria"},
        {"phase": "tables"},
    ],
)
def test_filters_narrow_the_list(client, flow_plan, flow_launched, coordinator, query):
    flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV", region="Liguria"),
        coordinators=[UserFactory(username="coord-albenga")],
    )

    assert shown(client, coordinator, QUEUE) == [open_task(flow_plan).pk]
    assert shown(client, coordinator, QUEUE, **query) == []


@pytest.mark.parametrize(
    "query", [{"comune": "999999"}, {"region": "Atlantide"}, {"phase": "everything"}]
)
def test_a_forged_filter_cannot_widen_the_list(
    client, flow_plan, flow_launched, coordinator, query
):
    other = flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV", region="Liguria"),
        coordinators=[UserFactory(username="coord-albenga")],
    )

    listed = shown(client, coordinator, QUEUE, **query)

    assert open_task(other).pk not in listed
    assert set(listed) <= {open_task(flow_plan).pk}


def test_overdue_tasks_come_first(client, flow_launched, coordinator):
    from plm_workflow.deadlines.models import StepTask

    plans = [
        flow_launched(ComuneFactory(istat_code=f"00100{n}", name=f"Comune {n}")) for n in range(3)
    ]
    tasks = [open_task(plan) for plan in plans]
    for days, task in zip((30, -5, 2), tasks, strict=True):
        from django.utils import timezone

        StepTask.objects.filter(task=task).update(
            due=timezone.localdate() + timezone.timedelta(days=days)
        )

    assert shown(client, coordinator, INBOX) == [tasks[1].pk, tasks[2].pk, tasks[0].pk]


def test_lists_are_paginated(client, flow_launched, coordinator):
    for n in range(27):
        flow_launched(ComuneFactory(istat_code=f"{200000 + n}", name=f"Comune {n}"))

    first = shown(client, coordinator, INBOX)
    second = shown(client, coordinator, INBOX, page=2)

    assert (len(first), len(second)) == (25, 2)
    assert not set(first) & set(second)
    assert shown(client, coordinator, INBOX, page="abc") == first


def test_bulk_take_on_and_release_go_through_the_services_and_ignore_forged_ids(
    client, flow_plan, flow_launched, coordinator
):
    other = flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"),
        coordinators=[UserFactory(username="coord-albenga"), UserFactory(username="c2")],
    )
    mine, foreign = open_task(flow_plan), open_task(other)
    client.force_login(coordinator)

    client.post(QUEUE, {"tasks": [mine.pk, foreign.pk, "x"]})

    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert (mine.status, mine.owner) == (STATUS.ASSIGNED, coordinator)
    assert foreign.owner is None
    assert Event.objects.filter(kind=EventKind.TASK_CLAIMED, actor=coordinator).count() == 1

    client.post(INBOX, {"tasks": [mine.pk]})

    mine.refresh_from_db()
    assert (mine.status, mine.owner) == (STATUS.NEW, None)
    assert Event.objects.filter(kind=EventKind.TASK_RELEASED, actor=coordinator).count() == 1
    assert client.post(ARCHIVE, {"tasks": [mine.pk]}).status_code == 403


def _queries(client, person, page):
    client.force_login(person)
    client.get(page)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(page).status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", [INBOX, QUEUE, ARCHIVE])
def test_a_list_costs_the_same_queries_for_5_and_50_plans(
    client, flow_launched, lead, auditor, page
):
    coordinator = UserFactory(username="coord-many")
    facilitator = UserFactory(username="fac-many")
    people = {
        "coordinator": coordinator,
        "facilitator": facilitator,
        "lead": lead,
        "auditor": auditor,
    }

    def grow(to):
        for n in range(ComuneFactory._meta.model.objects.count(), to):
            plan = flow_launched(
                ComuneFactory(istat_code=f"{300000 + n}", name=f"Comune {n}"),
                coordinators=[coordinator],
                facilitators=[facilitator],
            )
            if n % 2:
                submit(client, coordinator, open_task(plan), "Analisi.")  # a check opens

    grow(5)
    at_five = {name: _queries(client, person, page) for name, person in people.items()}
    grow(50)
    at_fifty = {name: _queries(client, person, page) for name, person in people.items()}

    assert at_fifty == at_five


def test_a_held_task_leaves_the_inbox_when_its_role_is_gone_even_if_another_is_held(
    client, flow_plan, coordinator
):
    from plm_workflow.accounts.services import role_grant

    task = open_task(flow_plan)
    claim(client, coordinator, task)
    role_revoke(user=coordinator, role="coordinator", comune=flow_plan.comune)
    role_grant(user=coordinator, role="facilitator", comune=flow_plan.comune)

    assert task.pk not in shown(client, coordinator, INBOX)


def test_odd_task_ids_in_a_bulk_post_change_nothing(client, flow_plan, coordinator):
    client.force_login(coordinator)

    response = client.post(QUEUE, {"tasks": ["²", "-1", "99999999999999999999999", ""]})

    assert (response.status_code, response["Location"]) == (302, QUEUE)
    assert not Event.objects.filter(kind=EventKind.TASK_CLAIMED).exists()


def test_the_plan_list_shows_each_person_the_plans_they_may_see(
    client, flow_plan, flow_launched, coordinator, lead, auditor
):
    other = flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"),
        coordinators=[UserFactory(username="coord-albenga")],
    )

    def listed(person, **query):
        client.force_login(person)
        return {plan.pk for plan in client.get("/home/plans/", query).context["object_list"]}

    assert listed(lead) == listed(auditor) == {flow_plan.pk, other.pk}
    assert listed(coordinator) == {flow_plan.pk}
    assert listed(lead, status="drafting") == set()
    assert listed(lead, status="forged") == {flow_plan.pk, other.pk}
