"""The lead's launch page: the comune by name, the people, the adhesion act."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from viewflow.workflow.models import Process

from flows.models import PLMProcess
from plm_workflow.launch.services import ACT_DATE_IN_FUTURE
from plm_workflow.plans.models import ONE_OPEN_PLAN_PER_COMUNE, Plan
from tests.factories import ComuneFactory

pytestmark = pytest.mark.django_db


def test_only_the_lead_opens_the_launch_page(
    client, lead, coordinator, facilitator, auditor, launch_url
):
    for person in (coordinator, facilitator, auditor):
        client.force_login(person)
        assert client.get(launch_url).status_code == 403
    client.force_login(lead)
    assert client.get(launch_url).status_code == 200


def test_a_non_lead_cannot_launch_by_posting(client, coordinator, launch_url, launch_data):
    client.force_login(coordinator)

    assert client.post(launch_url, launch_data).status_code == 403
    assert not Plan.objects.exists()


def test_launch_creates_the_plan_its_members_and_the_first_task(
    client, lead, coordinator, facilitator, launch_url, launch_data
):
    client.force_login(lead)

    client.post(launch_url, launch_data)

    plan = Plan.objects.get()
    assert plan.comune.label == "Saluzzo (CN)"
    assert coordinator.has_perm("plans.coordinate_plan", plan)
    assert facilitator.has_perm("plans.facilitate_plan", plan)
    assert plan.process.task_set.get(flow_task_type="HUMAN").flow_task.name == "assess"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("Castro", "Castro (BG), Castro (LE)"),
        ("Nowhere (XX)", "Nowhere (XX)"),
        ("", None),
    ],
)
def test_a_comune_that_is_not_one_is_refused_on_the_form(
    client, lead, launch_url, launch_data, typed, error
):
    ComuneFactory(istat_code="016065", name="Castro", province_code="BG")
    ComuneFactory(istat_code="075096", name="Castro", province_code="LE")
    client.force_login(lead)

    response = client.post(launch_url, {**launch_data, "comune": typed})

    assert response.status_code == 200
    if error:
        assert escape(error) in response.content.decode()
    assert not Plan.objects.exists()
    assert not Process.objects.exists()


def test_a_comune_is_found_by_its_istat_code(client, lead, comune, launch_url, launch_data):
    client.force_login(lead)

    client.post(launch_url, {**launch_data, "comune": "004203"})

    assert Plan.objects.get().comune == comune


def test_a_refused_launch_shows_every_reason_and_creates_nothing(
    client, lead, comune, flow_launched, launch_url, launch_data
):
    flow_launched(comune)
    client.force_login(lead)

    response = client.post(launch_url, {**launch_data, "adhesion_act_date": "2999-01-01"})

    content = response.content.decode()
    assert response.status_code == 200
    assert escape(str(ONE_OPEN_PLAN_PER_COMUNE)) in content
    assert escape(str(ACT_DATE_IN_FUTURE)) in content
    assert Plan.objects.count() == 1
    assert PLMProcess.objects.count() == 1


def test_the_comune_search_lists_labels_for_the_lead_only(client, lead, coordinator, comune):
    ComuneFactory(istat_code="004204", name="Sambuco", province_code="CN")
    search = reverse("comune_search")
    client.force_login(coordinator)
    assert client.get(search, {"q": "Sal"}).status_code == 403

    client.force_login(lead)
    assert client.get(search, {"q": "salu"}).json() == {"results": ["Saluzzo (CN)"]}
    assert client.get(search, {"q": "Saluzzo (CN)"}).json() == {"results": ["Saluzzo (CN)"]}
    assert client.get(search, {"q": "0042"}).json() == {"results": ["Saluzzo (CN)", "Sambuco (CN)"]}
    assert client.get(search, {"q": ""}).json() == {"results": []}
