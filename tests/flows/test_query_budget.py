"""Cheaper clicks: a submission, an approval and a return each stay within a query budget.

Measured over HTTP, the POST to the task's execute page, savepoints included (pytest-django
counts SAVEPOINT and RELEASE statements as queries), on a fresh plan and again on one with a
long history, so that the cost does not grow with the plan's past. The same events are
written as ever, and the plan's chain still verifies.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from plm_workflow.audit.chain import chain_of
from plm_workflow.audit.models import ChainHead, Event, EventKind
from plm_workflow.audit.verify import chains_verify
from plm_workflow.plans.models import PlanStatus, Review
from tests.flows.helpers import claim, open_task, url, work_data

pytestmark = pytest.mark.django_db

# 40 before the clicks told people (issue 21): an approval now also reads its decision's
# event, the plan's coordinators, their addresses and choices, and writes their rows with the
# next task's in one insert (without a savepoint of its own); the adoption act's submission,
# the dearest click, reads the people it tells and writes their rows: 42.
BUDGET = 42
ROUNDS = 4  # rounds of work returned that give a plan its long history

K = EventKind


def _summary(captured) -> str:
    sqls = [query["sql"] for query in captured.captured_queries]
    savepoints = sum(sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for sql in sqls)
    listing = "\n".join(sql[:150] for sql in sqls)
    return f"{len(sqls)} queries (budget {BUDGET}), {savepoints} of them savepoints:\n{listing}"


def _complete(client, person, task, data, django_assert_max_num_queries):
    """Take the task on, then POST its form within the budget; return the events written."""
    claim(client, person, task)
    plan = task.process.plmprocess.plan
    last = Event.objects.filter(plan=plan).order_by("-seq").values_list("seq", flat=True)[0]
    with django_assert_max_num_queries(BUDGET):
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url(task, "execute"), data)
        assert len(captured) <= BUDGET, _summary(captured)
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.status == STATUS.DONE, _summary(captured)
    return list(
        Event.objects.filter(plan=plan, seq__gt=last).order_by("seq").values_list("kind", flat=True)
    )


def _submit(client, person, plan, django_assert_max_num_queries, text="Fatto."):
    """Submit the assessment (``work_data``: its key issues are ``text``, its rows kept)."""
    task = open_task(plan)
    return _complete(client, person, task, work_data(task, text), django_assert_max_num_queries)


def _decide(client, person, plan, decision, django_assert_max_num_queries):
    data = {"decision": decision, "comments": "Manca la mappa degli insediamenti."}
    return _complete(client, person, open_task(plan), data, django_assert_max_num_queries)


def _given(client, plan, coordinator, facilitator, history, assert_max):
    """Bring the plan to its assessment's work, after ``ROUNDS`` returns if ``history``."""
    for round_ in range(ROUNDS if history else 0):
        _submit(client, coordinator, plan, assert_max, text=f"Versione {round_}.")
        _decide(client, facilitator, plan, "returned", assert_max)
    assert open_task(plan).flow_task.name == "assess"


def _chain_verifies(plan):
    chain = chain_of(plan.pk)
    assert chains_verify(chain=chain, plan_ids=[plan.pk]).broken == []
    last = Event.objects.filter(chain=chain).latest("seq")
    assert ChainHead.objects.filter(chain=chain, seq=last.seq, hash=last.hash).exists()


HISTORY = pytest.mark.parametrize("history", [False, True], ids=["fresh", "long-history"])


@HISTORY
def test_a_work_submission_stays_within_the_query_budget(
    client, flow_plan, coordinator, facilitator, history, django_assert_max_num_queries
):
    # given
    _given(client, flow_plan, coordinator, facilitator, history, django_assert_max_num_queries)

    # when
    kinds = _submit(client, coordinator, flow_plan, django_assert_max_num_queries, text="Nuova.")

    # then
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.NEEDS_ASSESSMENT
    assert open_task(flow_plan).flow_task.name == "check_assessment"
    assert kinds == [K.ASSESSMENT_SAVED, K.TASK_COMPLETED, K.TASK_CREATED, K.DUE_DATE_SET]
    _chain_verifies(flow_plan)


@HISTORY
def test_an_approval_stays_within_the_query_budget(
    client, flow_plan, coordinator, facilitator, history, django_assert_max_num_queries
):
    # given
    _given(client, flow_plan, coordinator, facilitator, history, django_assert_max_num_queries)
    _submit(client, coordinator, flow_plan, django_assert_max_num_queries)

    # when
    kinds = _decide(client, facilitator, flow_plan, "approved", django_assert_max_num_queries)

    # then
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.STAKEHOLDER_TABLES
    assert open_task(flow_plan).flow_task.name == "convene_tables"
    review = Review.objects.filter(plan=flow_plan).latest("pk")
    assert (review.decision, review.round) == ("approved", ROUNDS + 1 if history else 1)
    assert kinds == [
        K.PLAN_TRANSITION,
        K.REVIEW_DECIDED,
        K.TASK_COMPLETED,
        K.TASK_CREATED,
        K.DUE_DATE_SET,
    ]
    _chain_verifies(flow_plan)


@HISTORY
def test_a_return_stays_within_the_query_budget(
    client, flow_plan, coordinator, facilitator, history, django_assert_max_num_queries
):
    # given
    _given(client, flow_plan, coordinator, facilitator, history, django_assert_max_num_queries)
    _submit(client, coordinator, flow_plan, django_assert_max_num_queries)

    # when
    kinds = _decide(client, facilitator, flow_plan, "returned", django_assert_max_num_queries)

    # then
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.NEEDS_ASSESSMENT
    task = open_task(flow_plan)
    review = Review.objects.filter(plan=flow_plan).latest("pk")
    assert (review.decision, review.round) == ("returned", ROUNDS + 1 if history else 1)
    assert (task.flow_task.name, task.step.returned_by) == ("assess", review)
    assert kinds == [
        K.REVIEW_DECIDED,
        K.TASK_COMPLETED,
        K.TASK_CREATED,
        K.DUE_DATE_SET,
        K.TASK_RETURNED,
    ]
    _chain_verifies(flow_plan)


def _draft_submission(client, measures: int):
    """Submit a complete draft of ``measures`` measures from its confirmation step; return the
    queries of that one POST and the plan."""
    from plm_workflow.steps.drafting import measure_save, sections_save
    from tests import drafts
    from tests.factories import PlanFactory

    plan = PlanFactory(at="draft")
    task = open_task(plan)
    person = task.owner
    for number in range(measures):
        measure_save(
            plan=plan, by=person, **drafts.measure(plan, person, title=f"Scheda {number + 1}")
        )
    sections_save(plan=plan, by=person, texts=drafts.texts())
    client.force_login(person)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url(task, "execute"), {"_submit": "1", "confirmed": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    plan.refresh_from_db()
    return captured, plan


def test_a_draft_submission_costs_the_same_with_1_or_40_measures_within_the_budget(client):
    # given / when
    one, small = _draft_submission(client, 1)
    many, large = _draft_submission(client, 40)

    # then: the named checks read the draft in a fixed number of queries
    assert len(one) == len(many) <= BUDGET, _summary(many)
    assert (small.status, large.status) == (PlanStatus.REVIEW, PlanStatus.REVIEW)
    kinds = list(
        Event.objects.filter(plan=large).order_by("-seq").values_list("kind", flat=True)[:4]
    )
    assert kinds[::-1] == [K.PLAN_TRANSITION, K.TASK_COMPLETED, K.TASK_CREATED, K.DUE_DATE_SET]
    _chain_verifies(large)
