"""The task lists' filters offer only what the person's plans hold, a refused filter shows no
task, the "Phase" column says where a task stands, and the bulk actions count in words."""

import re

import pytest
from django.utils import translation
from django.utils.html import escape

from flows.lists import CHECK_OF_PHASE, FILTER_REFUSED, _released, _taken_on, step_phase_label
from forms.tasks import COMUNE_NOT_SEEN
from plm_workflow.plans.models import Phase, PlanStatus
from tests.factories import ComuneFactory, PlanFactory, UserFactory
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

INBOX, QUEUE = "/home/inbox/", "/home/queue/"


def _page(client, person, address, **query):
    client.force_login(person)
    response = client.get(address, query)
    assert response.status_code == 200
    return response


def _filters(content: str) -> str:
    start = content.index('<form method="get" class="plm-inline-form plm-filters">')
    return content[start : content.index("</form>", start)]


def _rows(response) -> list[int]:
    return [task.pk for task in response.context["page_obj"]]


def test_a_one_comune_coordinator_is_offered_no_comune_or_region_filter(
    client, flow_plan, coordinator
):
    ComuneFactory(istat_code="009002", name="Albenga", province_code="SV", region="Liguria")

    filters = _filters(_page(client, coordinator, QUEUE).content.decode())

    assert 'name="phase"' in filters
    assert 'name="comune"' not in filters and 'name="region"' not in filters
    assert "Liguria" not in filters


def test_a_coordinator_of_comuni_in_two_regions_is_offered_those_regions_only(client):
    coordinator = UserFactory(username="coord-two")
    for istat, name, region in (
        ("004203", "Saluzzo", "Piemonte"),
        ("009002", "Albenga", "Liguria"),
    ):
        PlanFactory(
            comune=ComuneFactory(istat_code=istat, name=name, region=region),
            coordinator=coordinator,
        )
    ComuneFactory(istat_code="029041", name="Rovigo", region="Veneto")  # no plan of theirs

    filters = _filters(_page(client, coordinator, INBOX).content.decode())

    assert 'name="comune"' in filters
    regions = re.findall(r'<option value="([^"]*)"', filters[filters.index('name="region"') :])
    assert regions[:3] == ["", "Liguria", "Piemonte"]
    assert "Veneto" not in filters


def test_two_comuni_in_one_region_offer_the_comune_but_not_the_region(client):
    coordinator = UserFactory(username="coord-two")
    for istat, name in (("004203", "Saluzzo"), ("004078", "Cuneo")):
        PlanFactory(
            comune=ComuneFactory(istat_code=istat, name=name, region="Piemonte"),
            coordinator=coordinator,
        )

    filters = _filters(_page(client, coordinator, INBOX).content.decode())

    assert 'name="comune"' in filters and 'name="region"' not in filters


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"comune": "Atlantide (XX)"}, "Atlantide (XX)"),
        ({"comune": "009002"}, "Albenga"),  # a comune with a plan the person cannot see
        ({"region": "Liguria"}, "Liguria"),
    ],
)
def test_a_filter_that_cannot_be_applied_shows_why_and_no_task(
    client, flow_plan, flow_launched, coordinator, query, reason
):
    flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV", region="Liguria"),
        coordinators=[UserFactory(username="coord-albenga")],
    )
    assert _rows(_page(client, coordinator, QUEUE)) == [open_task(flow_plan).pk]

    response = _page(client, coordinator, QUEUE, **query)

    content = response.content.decode()
    assert _rows(response) == []
    assert escape(str(FILTER_REFUSED)) in content
    assert 'class="plm-task"' not in content
    errors = content[content.index(escape(str(FILTER_REFUSED))) :]
    assert escape(reason) in errors or reason in errors


def test_a_comune_one_cannot_see_is_refused_by_name(client, flow_plan, coordinator):
    albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")

    response = _page(client, coordinator, QUEUE, comune="Albenga (SV)")

    message = escape(str(COMUNE_NOT_SEEN % {"comune": albenga.label}))
    assert message in response.content.decode()
    assert _rows(response) == []


def test_the_phase_column_says_where_the_task_stands(client):
    facilitator = UserFactory(username="fac")
    in_review = PlanFactory(
        comune=ComuneFactory(istat_code="004203", name="Saluzzo"),
        facilitator=facilitator,
        at="review",
    )
    checking = PlanFactory(
        comune=ComuneFactory(istat_code="004078", name="Cuneo"),
        facilitator=facilitator,
        at="check_assessment",
    )

    response = _page(client, facilitator, INBOX)

    content = response.content.decode()
    columns = dict(
        re.findall(r'data-task="(\d+)">.*?data-label="Fase">([^<]*)</td>', content, re.S)
    )
    assert columns[str(open_task(in_review).pk)] == str(PlanStatus.REVIEW.label) == "Revisione"
    assert columns[str(open_task(checking).pk)] == escape(
        str(CHECK_OF_PHASE % {"phase": Phase.ASSESSMENT.label})
    )


def test_the_phase_label_of_each_kind_of_step():
    from plm_workflow.deadlines.models import StepTask

    def step(phase, kind):
        return StepTask(phase=phase, kind=kind)

    with translation.override("en"):
        assert step_phase_label(step(Phase.DRAFTING, "work")) == "Drafting"
        assert step_phase_label(step(Phase.DRAFTING, "check")) == "Review"
        assert step_phase_label(step(Phase.TABLES, "check")) == "Stakeholder tables – check"
        assert step_phase_label(None) == "—"


@pytest.mark.parametrize("count", [1, 2])
def test_the_bulk_actions_count_the_tasks_in_words(client, count, flow_launched):
    coordinator = UserFactory(username="coord-bulk")
    plans = [
        flow_launched(
            ComuneFactory(istat_code=f"00100{n}", name=f"Comune {n}"),
            coordinators=[coordinator, UserFactory(username=f"other-{n}")],
        )
        for n in range(count)
    ]
    client.force_login(coordinator)

    client.post(QUEUE, {"tasks": [open_task(plan).pk for plan in plans]})
    released = client.post(INBOX, {"tasks": [open_task(plan).pk for plan in plans]})

    # both messages, the first not shown yet, are stored for the next page
    said = [str(message) for message in released.wsgi_request._messages]
    assert said == [_taken_on(count), _released(count)]
    with translation.override("en"):
        assert _taken_on(count) == (
            "1 task taken on: it is yours now."
            if count == 1
            else "2 tasks taken on: they are yours now."
        )
