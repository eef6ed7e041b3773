import pytest
from viewflow.workflow.status import STATUS

import plm_workflow.urls  # noqa: F401  (mounts the flow: its nodes reverse their URLs)
from flows.flows import PLMFlow

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def open_task(plan):
    """Return the plan's one open human task."""
    return plan.process.task_set.filter(status__in=OPEN, flow_task_type="HUMAN").get()


def url(task, name):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


@pytest.fixture
def launch_url():
    return PLMFlow.launch.reverse("execute")


@pytest.fixture
def launch_data(comune, coordinator, facilitator):
    return {
        "comune": "Saluzzo (CN)",
        "title": "PLM 2022-2023",
        "adhesion_act_number": "DGC 112/2022",
        "adhesion_act_date": "2022-06-30",
        "coordinators": [coordinator.pk],
        "facilitators": [facilitator.pk],
    }


@pytest.fixture
def flow_plan(client, lead, launch_url, launch_data):
    """A plan launched over HTTP by the lead: its process waits on the assessment."""
    from plm_workflow.plans.models import Plan

    client.force_login(lead)
    response = client.post(launch_url, launch_data)
    assert response.status_code == 302, response.content.decode()[:2000]
    client.logout()
    return Plan.objects.get(comune__istat_code="004203")
