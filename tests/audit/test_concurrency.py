"""Concurrent writers never fork a chain (PostgreSQL, real threads and connections)."""

import threading

import pytest
from django.db import connection, connections, transaction

from flows.flows import PLMFlow
from flows.services import task_claim
from plm_workflow.accounts.services import role_grant
from plm_workflow.audit.models import GLOBAL_CHAIN, Event, EventKind
from plm_workflow.audit.services import record
from plm_workflow.audit.verify import chains_verify
from plm_workflow.plans.models import SectionKey
from plm_workflow.steps.drafting import sections_save
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db(transaction=True)

WRITERS = 8


def _together(actions):
    """Run the actions in threads released at the same moment; return their errors."""
    barrier = threading.Barrier(len(actions))
    errors = []

    def run(action):
        try:
            barrier.wait(timeout=10)
            action()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL")


def test_concurrent_actions_on_one_plan_make_one_unbroken_chain(drafting_plan, coordinator):
    plan = drafting_plan
    with PLMFlow.lock(plan.process.pk), transaction.atomic():  # the draft's task taken on
        task = open_task(plan)
        task.process = plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=coordinator)
    chain = f"plan:{plan.pk}"
    before = Event.objects.filter(chain=chain).count()
    actions = []
    for index in range(WRITERS):
        if index % 2:
            actions.append(
                lambda index=index: sections_save(
                    plan=plan, by=coordinator, texts={SectionKey.CONTEXT: f"contesto {index}"}
                )
            )
        else:
            actions.append(
                lambda index=index: record(
                    kind=EventKind.TASK_CREATED,
                    actor="system:flow",
                    plan=plan,
                    payload={"cause": f"writer {index}"},
                )
            )

    errors = _together(actions)

    assert errors == []
    seqs = list(Event.objects.filter(chain=chain).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, before + WRITERS + 1))
    assert chains_verify(chain=chain).ok


def test_concurrent_grants_on_different_comuni_make_one_unbroken_global_chain(lead):
    people = [UserFactory(username=f"person-{index}") for index in range(WRITERS)]
    comuni = [
        ComuneFactory(istat_code=f"{100000 + index}", name=f"Comune {index}")
        for index in range(WRITERS)
    ]
    before = Event.objects.filter(chain=GLOBAL_CHAIN).count()

    errors = _together(
        [
            lambda person=person, comune=comune: role_grant(
                user=person, role="coordinator", comune=comune, by=lead
            )
            for person, comune in zip(people, comuni, strict=True)
        ]
    )

    assert errors == []
    assert Event.objects.filter(chain=GLOBAL_CHAIN).count() == before + WRITERS
    assert chains_verify(chain=GLOBAL_CHAIN).ok
