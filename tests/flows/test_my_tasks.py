"""The home page's list of the tasks waiting for each person."""

import pytest

from plm_workflow.accounts.services import role_revoke
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import open_task, url

pytestmark = pytest.mark.django_db


def my_tasks(client, person):
    client.force_login(person)
    return client.get("/home/").context["tasks"]


def test_the_coordinators_see_the_task_to_take_and_the_others_do_not(
    client, flow_plan, coordinator, facilitator, lead, auditor
):
    task = open_task(flow_plan)

    assert [t.pk for t in my_tasks(client, coordinator)] == [task.pk]
    for person in (facilitator, lead, auditor):
        assert my_tasks(client, person) == []


def test_a_coordinator_of_two_comuni_sees_both_and_nobody_elses(
    client, flow_launched, comune, coordinator
):
    albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    rovigo = ComuneFactory(istat_code="029041", name="Rovigo", province_code="RO")
    saluzzo_plan = flow_launched(comune)
    albenga_plan = flow_launched(albenga)
    flow_launched(rovigo, coordinators=[UserFactory(username="coord-rovigo")])

    shown = {t.pk for t in my_tasks(client, coordinator)}

    assert shown == {open_task(saluzzo_plan).pk, open_task(albenga_plan).pk}


def test_a_claimed_task_stays_only_with_its_holder(client, flow_plan, coordinator, coordinator2):
    colleague = coordinator2
    task = open_task(flow_plan)
    assert [t.pk for t in my_tasks(client, colleague)] == [task.pk]

    client.force_login(coordinator)
    client.post(url(task, "assign"))

    assert [t.pk for t in my_tasks(client, coordinator)] == [task.pk]
    assert my_tasks(client, colleague) == []


def test_the_lead_finds_the_launch_button_and_nobody_else(client, lead, coordinator, launch_url):
    client.force_login(lead)
    assert launch_url in client.get("/home/").content.decode()
    client.force_login(coordinator)
    assert launch_url not in client.get("/home/").content.decode()


def test_a_revoked_coordinator_no_longer_sees_the_task_they_held(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))

    role_revoke(user=coordinator, role="coordinator", comune=flow_plan.comune)

    assert my_tasks(client, coordinator) == []
    assert client.get(url(task, "detail")).status_code == 404
