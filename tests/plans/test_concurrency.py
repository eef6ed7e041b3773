import threading

import pytest
from django.db import connection, connections

from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Plan, PlanStatus
from plm_workflow.plans.services import (
    CONCURRENT_CHANGE,
    plan_approve,
    plan_request_changes,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_transitions_of_one_plan_one_wins_the_other_is_told(
    plan, drive, facilitator
):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers are exercised on PostgreSQL")
    drive(plan, PlanStatus.REVIEW)
    # Both writers read the plan in review before either writes.
    copies = [Plan.objects.get(pk=plan.pk), Plan.objects.get(pk=plan.pk)]
    actions = [
        lambda: plan_approve(plan=copies[0], by=facilitator),
        lambda: plan_request_changes(plan=copies[1], by=facilitator, comments="Rivedere"),
    ]
    barrier = threading.Barrier(2)
    outcomes = [None, None]

    def run(index):
        try:
            barrier.wait(timeout=10)
            actions[index]()
            outcomes[index] = "ok"
        except PlanError as exc:
            outcomes[index] = exc.messages
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == sorted(["ok", [str(CONCURRENT_CHANGE)]], key=str)
    final = Plan.objects.get(pk=plan.pk)
    winner = PlanStatus.ADOPTION if outcomes[0] == "ok" else PlanStatus.DRAFTING
    assert final.status == winner
    # One history row for the winner, none for the loser.
    assert (
        plan.history.filter(status__in=[PlanStatus.ADOPTION, PlanStatus.DRAFTING])
        .exclude(history_change_reason__startswith="complete_tables")
        .count()
        == 1
    )
