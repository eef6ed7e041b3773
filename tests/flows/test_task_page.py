"""A task's page: who holds it, and, once closed, what was submitted or decided."""

import pytest
from django.utils.html import escape
from django.utils.translation import gettext

from flows.services import flow_withdraw
from forms.drafting import section_comment_name
from plm_workflow.plans.models import ReviewDecision, SectionKey
from tests.flows.helpers import claim, decide, open_task, submit, url

pytestmark = pytest.mark.django_db

NOBODY = "Nobody has taken it on yet: it is offered to those who may take it on."
NEVER_SUBMITTED = (
    "Never submitted: the task was cancelled when the plan was withdrawn. What follows is the "
    "work in progress at that moment."
)


def detail(client, person, task):
    client.force_login(person)
    response = client.get(url(task, "detail"))
    assert response.status_code == 200
    return response


def test_a_task_nobody_holds_says_so_in_words(client, flow_plan, auditor):
    response = detail(client, auditor, open_task(flow_plan))  # two coordinators: offered

    assert gettext(NOBODY) in response.content.decode()  # {% translate %} is not escaped


def test_a_closed_check_task_shows_its_decision_and_the_work_it_decided_on(
    client, flow_plan, coordinator, facilitator, auditor
):
    submit(client, coordinator, open_task(flow_plan), "Circa 1.500 braccianti.")
    returned = open_task(flow_plan)
    decide(client, facilitator, returned, "returned", "Manca la mappa degli insediamenti.")
    submit(client, coordinator, open_task(flow_plan), "Circa 1.600 braccianti.")
    approved = open_task(flow_plan)
    decide(client, facilitator, approved, "approved")

    first = detail(client, auditor, returned)
    second = detail(client, auditor, approved)

    review = first.context["decision"]
    assert (review.decision, review.round, review.reviewer) == (
        ReviewDecision.RETURNED,
        1,
        facilitator,
    )
    page = first.content.decode()
    assert 'data-decision="returned"' in page
    assert escape(str(ReviewDecision.RETURNED.label)) in page
    assert "Manca la mappa degli insediamenti." in page
    assert "Circa 1.500 braccianti." in page  # the work as it stood when it was decided on
    assert "Circa 1.600 braccianti." not in page
    assert (second.context["decision"].decision, second.context["decision"].round) == (
        ReviewDecision.APPROVED,
        2,
    )
    assert "Circa 1.600 braccianti." in second.content.decode()


def test_a_closed_work_task_shows_what_was_submitted_and_no_decision(
    client, flow_plan, coordinator, facilitator, auditor
):
    work = open_task(flow_plan)
    submit(client, coordinator, work, "Circa 1.500 braccianti.")

    response = detail(client, auditor, work)

    assert response.context["decision"] is None
    assert response.context["closed"].task_id == work.pk
    page = response.content.decode()
    assert "Circa 1.500 braccianti." in page
    assert "plm-decision" not in page.replace(".plm-decision", "")


def test_a_review_task_shows_the_comments_given_beside_the_items(
    client, drafting_plan, coordinator, facilitator, auditor
):
    submit(client, coordinator, open_task(drafting_plan), "Prima versione.")
    review = open_task(drafting_plan)
    claim(client, facilitator, review)
    response = client.post(
        url(review, "execute"),
        {
            "decision": "returned",
            "comments": "Rivedere il contesto.",
            section_comment_name(SectionKey.CONTEXT): "Citare le fonti.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    page = detail(client, auditor, review).content.decode()

    assert "Rivedere il contesto." in page
    assert "Citare le fonti." in page  # beside the section it is about
    assert "Prima versione." in page


def test_a_cancelled_work_task_says_it_was_never_submitted(
    client, flow_plan, coordinator, lead, auditor
):
    work = open_task(flow_plan)
    claim(client, coordinator, work)
    flow_withdraw(plan=flow_plan, by=lead, reason="Il comune rinuncia")

    response = detail(client, auditor, work)

    assert response.context["cancelled"] is True
    assert response.context["decision"] is None
    assert gettext(NEVER_SUBMITTED) in response.content.decode()  # {% translate %} as is
