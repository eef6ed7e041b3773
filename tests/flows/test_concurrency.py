"""Two people acting on one task at once: exactly one succeeds (PostgreSQL, threads)."""

import threading

import pytest
from django.contrib.messages import get_messages
from django.db import connection, connections
from django.test import Client

from flows.rules import TASK_CLOSED, TASK_TAKEN
from plm_workflow.audit.models import Event, EventKind
from tests.flows.helpers import claim, open_task, url, work_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL")


def _together(requests):
    """POST each (user, url, data) from its own client at the same moment; return the
    messages each one was shown."""
    barrier = threading.Barrier(len(requests))
    shown = [None] * len(requests)

    def run(index, user, address, data):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            response = client.post(address, data)
            shown[index] = [str(m) for m in get_messages(response.wsgi_request)]
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, *request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return shown


def test_two_concurrent_claims_one_holds_the_task_the_other_is_told(
    flow_plan, coordinator, coordinator2
):
    task = open_task(flow_plan)

    shown = _together(
        [(coordinator, url(task, "assign"), {}), (coordinator2, url(task, "assign"), {})]
    )

    task.refresh_from_db()
    loser = coordinator2 if task.owner == coordinator else coordinator
    assert task.owner in (coordinator, coordinator2)
    told = str(TASK_TAKEN % {"user": task.owner.get_username()})
    assert told in shown[[coordinator, coordinator2].index(loser)]
    assert Event.objects.filter(plan=flow_plan, kind=EventKind.TASK_CLAIMED).count() == 1


def test_two_concurrent_completions_of_one_task_complete_it_once(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    submit = work_data(task, "Analisi.")

    shown = _together(
        [(coordinator, url(task, "execute"), submit), (coordinator, url(task, "execute"), submit)]
    )

    assert sum(str(TASK_CLOSED) in messages for messages in shown) == 1
    completed = Event.objects.filter(plan=flow_plan, kind=EventKind.TASK_COMPLETED)
    assert completed.count() == 1
    assert flow_plan.process.task_set.filter(flow_task_type="HUMAN").count() == 2
    assert open_task(flow_plan).flow_task.name == "check_assessment"
