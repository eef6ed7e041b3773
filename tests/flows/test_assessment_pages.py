"""The needs assessment's pages as their users meet them: the editor, the check, the plan page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from viewflow.workflow.status import STATUS

from flows.content import content_for
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans import checks
from plm_workflow.plans.models import Crop, NeedsAssessment, PlanStatus, Settlement
from plm_workflow.plans.models.assessment import (
    NEGATIVE,
    NONE_KNOWN_AND_LISTED,
    OFF_SEASON_ABOVE_PEAK,
    RANGE_REVERSED,
)
from plm_workflow.steps.assessment import ROW_UNKNOWN, assessment_save
from tests import assessments
from tests.factories import ADOPTED, MembershipFactory, PlanFactory, UserFactory
from tests.flows.helpers import decide, open_task, process_url, url

pytestmark = pytest.mark.django_db

MESSAGES = (
    checks.WORKERS_MISSING,
    checks.CROPS_MISSING,
    checks.HOUSING_MISSING,
    checks.KEY_ISSUES_MISSING,
    checks.SETTLEMENTS_MISSING,
)


@pytest.fixture
def plan():
    return PlanFactory(at="assess")


def _task(plan):
    return open_task(plan)


def _holder(plan):
    return _task(plan).owner


def _page(client, plan, person=None):
    task = _task(plan)
    client.force_login(person or task.owner)
    return task, url(task, "execute")


def _counts(plan):
    return (
        NeedsAssessment.objects.filter(plan=plan).count(),
        Crop.objects.filter(assessment__plan=plan).count(),
        Settlement.objects.filter(assessment__plan=plan).count(),
        Event.objects.filter(plan=plan).count(),
    )


def _settlement(name, **values):
    return {**assessments.SETTLEMENTS[0], "name": name, **values}


def _post(assessment=None, *, submit=False, **given):
    """The page's POST with the given rows as new ones (existing rows ticked for removal)."""
    return assessments.post_data(assessment, submit=submit, **given)


def _save(plan, **kwargs):
    return assessment_save(plan=plan, by=_holder(plan), seen_version=None, **kwargs)


def test_a_draft_save_keeps_the_task_open_and_the_plan_where_it_is(client, plan):
    task, page = _page(client, plan)

    response = client.post(page, _post())

    assert response.status_code == 302
    task.refresh_from_db()
    plan.refresh_from_db()
    assert task.status in (STATUS.NEW, STATUS.ASSIGNED)
    assert plan.status == PlanStatus.NEEDS_ASSESSMENT
    assessment = plan.assessment
    assert (assessment.seasonal_min, assessment.revision) == (10_000, 1)
    assert [crop.name for crop in assessment.crops.all()] == ["Mele"]
    saved = Event.objects.filter(plan=plan, kind=EventKind.ASSESSMENT_SAVED).get()
    assert saved.payload["changes"]["seasonal_min"] == [None, 10_000]


def test_a_submission_missing_a_required_field_shows_it_beside_the_field_and_changes_nothing(
    client, plan
):
    task, page = _page(client, plan)
    before = _counts(plan)

    response = client.post(page, _post(submit=True, housing=""))

    assert response.status_code == 200
    html = response.content.decode()
    message = escape(str(checks.HOUSING_MISSING))
    # At the top, and beside the housing field.
    assert html.count(message) == 2
    assert 'value="Alloggio nei mesi di raccolta."' not in html  # a textarea keeps its text
    assert "Alloggio nei mesi di raccolta." in html
    assert _counts(plan) == before
    task.refresh_from_db()
    assert task.status in (STATUS.NEW, STATUS.ASSIGNED)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"seasonal_min": None, "seasonal_max": None}, checks.WORKERS_MISSING),
        ({"seasonal_source": ""}, checks.WORKERS_MISSING),
        ({"crops": []}, checks.CROPS_MISSING),
        ({"housing": "  "}, checks.HOUSING_MISSING),
        ({"key_issues": ""}, checks.KEY_ISSUES_MISSING),
        ({"settlements": []}, checks.SETTLEMENTS_MISSING),
    ],
)
def test_each_named_check_failing_alone_shows_its_own_message(client, plan, change, message):
    _task_, page = _page(client, plan)
    before = _counts(plan)

    response = client.post(page, _post(submit=True, **change))

    assert response.status_code == 200
    html = response.content.decode()
    assert escape(str(message)) in html
    others = set(MESSAGES) - {message}
    assert not [other for other in others if escape(str(other)) in html]
    assert _counts(plan) == before


def test_a_complete_assessment_submits_and_the_facilitators_approval_moves_the_plan_on(
    client, plan
):
    task, page = _page(client, plan)

    response = client.post(page, _post(submit=True))

    assert (response.status_code, response["Location"]) == (302, process_url(plan.process))
    check = open_task(plan)
    assert check.flow_task.name == "check_assessment"
    decide(client, check.owner, check, "approved")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.STAKEHOLDER_TABLES


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"seasonal_min": -5}, NEGATIVE),
        ({"seasonal_min": 500, "seasonal_max": 100}, RANGE_REVERSED),
        ({"seasonal_year": 2999}, "2999"),
    ],
)
def test_field_errors_are_specific_and_change_nothing(client, plan, fields, message):
    _task_, page = _page(client, plan)
    before = _counts(plan)

    response = client.post(page, _post(**fields))

    assert response.status_code == 200
    html = response.content.decode()
    if message == "2999":
        assert "future" in html or "futuro" in html
    else:
        assert escape(str(message)) in html
    assert _counts(plan) == before


def test_a_settlement_off_season_above_its_peak_is_refused_beside_it(client, plan):
    _task_, page = _page(client, plan)
    row = _settlement("Borgo", people_peak=10, people_off_season=20)

    response = client.post(page, _post(settlements=[row]))

    assert response.status_code == 200
    assert escape(str(OFF_SEASON_ABOVE_PEAK)) in response.content.decode()
    assert not NeedsAssessment.objects.filter(plan=plan).exists()


def test_settlements_listed_and_none_known_ticked_are_refused(client, plan):
    _task_, page = _page(client, plan)

    response = client.post(page, _post(no_settlements_known=True))

    assert response.status_code == 200
    assert escape(str(NONE_KNOWN_AND_LISTED)) in response.content.decode()
    assert not NeedsAssessment.objects.filter(plan=plan).exists()


def test_settlement_rows_are_added_changed_and_removed_each_recorded(client, plan):
    _task_, page = _page(client, plan)
    client.post(page, _post(settlements=[_settlement("Borgo"), _settlement("Campo")]))
    assessment = NeedsAssessment.objects.get(plan=plan)
    borgo, campo = assessment.settlements.order_by("pk")
    data = assessments.post_data(assessment, submit=False)
    # Keep Borgo with a new peak, remove Campo, add Masseria (the post ticks every stored
    # row for removal: untick Borgo and change it).
    rows = {data[f"settlements-{i}-id"]: i for i in range(2)}
    keep = rows[borgo.pk]
    del data[f"settlements-{keep}-DELETE"]
    data[f"settlements-{keep}-people_peak"] = 80
    data[f"settlements-{keep}-people_off_season"] = 5
    data[f"settlements-{keep}-capacity"] = ""
    data[f"settlements-{keep}-kind"] = "informal"
    data["settlements-2-name"] = "Masseria"

    response = client.post(page, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    names = list(assessment.settlements.order_by("pk").values_list("name", "people_peak"))
    assert names == [("Borgo", 80), ("Masseria", 360)]
    event = Event.objects.filter(plan=plan, kind=EventKind.ASSESSMENT_SAVED).latest("seq")
    settlements = event.payload["children"]["settlement"]
    assert [row["name"] for row in settlements["added"]] == ["Masseria"]
    assert [row["id"] for row in settlements["removed"]] == [campo.pk]
    assert settlements["changed"][0]["changes"]["people_peak"] == [360, 80]


def test_adding_a_row_shows_one_more_empty_row_and_saves_nothing(client, plan):
    _task_, page = _page(client, plan)
    data = _post(settlements=[_settlement("Borgo")])
    data["_add_settlement"] = "1"
    del data["_draft"]

    response = client.post(page, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="settlements-TOTAL_FORMS" value="2"' in html
    assert 'value="Borgo"' in html  # what was typed stays
    assert not NeedsAssessment.objects.filter(plan=plan).exists()


def test_a_forged_row_id_is_refused_and_changes_nothing(client, plan):
    other = PlanFactory(at="assess")
    _save(other, **assessments.complete())
    foreign = Crop.objects.get(assessment__plan=other)
    _save(plan, **assessments.complete())
    assessment = plan.assessment
    task, page = _page(client, plan)
    data = assessments.post_data(assessment, submit=False)
    data["crops-0-id"] = foreign.pk
    del data["crops-0-DELETE"]
    before = _counts(plan)

    response = client.post(page, data)

    assert response.status_code == 200
    assert escape(str(ROW_UNKNOWN)) in response.content.decode()
    assert _counts(plan) == before
    foreign.refresh_from_db()
    assert foreign.name == "Mele"
    huge = dict(data, **{"crops-0-id": "9" * 30})
    assert client.post(page, huge).status_code == 200


def test_a_save_from_an_older_page_is_refused_and_shows_the_newer_version(client, plan):
    _task_, page = _page(client, plan)
    client.post(page, _post())
    _save(plan, fields={"key_issues": "Trasporti."}, crops=[], settlements=[])

    response = client.post(page, _post(version=1, key_issues="Alloggi."))

    assert response.status_code == 200
    assert NeedsAssessment.objects.get(plan=plan).key_issues == "Trasporti."
    assert "Trasporti." in response.content.decode()


def test_a_coordinator_of_another_comune_gets_404_on_the_page_and_on_a_forged_post(client, plan):
    stranger = MembershipFactory().user
    task, page = _page(client, plan, person=stranger)

    assert client.get(page).status_code == 404
    assert client.post(page, _post()).status_code == 404
    assert not NeedsAssessment.objects.filter(plan=plan).exists()


def test_the_auditor_is_refused_a_post(client, plan, auditor):
    task, page = _page(client, plan, person=auditor)

    assert client.post(page, _post()).status_code == 403
    assert not NeedsAssessment.objects.filter(plan=plan).exists()


def test_the_assessment_cannot_change_once_submitted(client, plan):
    task, page = _page(client, plan)
    client.post(page, _post(submit=True))
    assessment = NeedsAssessment.objects.get(plan=plan)

    # The old page posted again: the task is closed, nothing changes.
    response = client.post(page, _post(assessment, key_issues="Altro."))

    assert response.status_code in (302, 403, 404)
    assessment.refresh_from_db()
    assert assessment.key_issues == assessments.FIELDS["key_issues"]


def test_after_a_return_the_check_page_shows_a_changed_estimate_and_a_removed_settlement(
    client, plan
):
    task, page = _page(client, plan)
    client.post(page, _post(submit=True, settlements=[_settlement("Borgo"), _settlement("Campo")]))
    check = open_task(plan)
    decide(client, check.owner, check, "returned", "Rivedere le stime.")
    work = open_task(plan)
    assessment = NeedsAssessment.objects.get(plan=plan)
    data = assessments.post_data(assessment, submit=True, seasonal_max=15_000)
    # Keep Borgo as it is (untick its removal), leave Campo removed, add nothing new.
    borgo = assessment.settlements.get(name="Borgo")
    index = next(i for i in range(2) if data[f"settlements-{i}-id"] == borgo.pk)
    del data[f"settlements-{index}-DELETE"]
    data["settlements-TOTAL_FORMS"] = 2
    for key in [k for k in data if k.startswith("settlements-2-")]:
        del data[key]
    data["crops-TOTAL_FORMS"] = 1
    del data["crops-0-DELETE"]
    for key in [k for k in data if k.startswith("crops-1-")]:
        del data[key]
    client.force_login(work.owner)
    response = client.post(url(work, "execute"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    check = open_task(plan)
    client.force_login(check.owner)

    html = client.get(url(check, "execute")).content.decode()

    changes = html[html.index("plm-changes") :]
    assert "15.000" in changes or "15000" in changes
    assert "Campo" in changes


def test_the_plan_page_shows_the_assessment_with_settlement_totals_in_italian(client, plan):
    _task_, page = _page(client, plan)
    rows = [_settlement("Borgo", people_peak=1_200), _settlement("Campo")]
    assert client.post(page, _post(submit=True, settlements=rows)).status_code == 302

    html = client.get(process_url(plan.process), HTTP_ACCEPT_LANGUAGE="it").content.decode()

    assert "10.000–12.000" in html
    assert "1.560" in html  # 1.200 + 360 people at the peak


def test_settlement_totals_are_unknown_when_no_settlement_gives_the_figure(client, plan):
    _task_, page = _page(client, plan)
    rows = [_settlement("Borgo", people_peak=None, people_off_season=None)]
    assert client.post(page, _post(submit=True, settlements=rows)).status_code == 302

    state = content_for("assessment").as_of(plan)

    assert state.totals == {"people_peak": None, "people_off_season": None, "capacity": 360}


def test_a_new_cycle_is_offered_a_copy_of_the_last_adopted_assessment_once(client):
    first = PlanFactory(at=ADOPTED)
    coordinator = first.step_tasks.filter(kind="work").first().holder
    facilitator = UserFactory()
    MembershipFactory(user=facilitator, comune=first.comune, role="facilitator")
    second = PlanFactory(
        comune=first.comune, coordinator=coordinator, facilitator=facilitator, title="PLM 2026"
    )
    task, page = _page(client, second)

    offer = client.get(page).content.decode()
    assert 'name="_copy"' in offer
    response = client.post(page, {"_copy": "1"})

    assert response.status_code == 302
    copy = NeedsAssessment.objects.get(plan=second)
    assert copy.copied_from == first
    assert copy.seasonal_min == first.assessment.seasonal_min
    assert Event.objects.filter(plan=second, kind=EventKind.ASSESSMENT_COPIED).count() == 1
    assert 'name="_copy"' not in client.get(page).content.decode()


def _queries(client, page):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(page)
    assert response.status_code == 200
    return len(captured)


def test_the_step_page_runs_as_many_queries_with_1_or_30_settlements_and_1_or_50_drafts(client):
    small, large = PlanFactory(at="assess"), PlanFactory(at="assess")
    _save(small, **assessments.complete())
    many = [_settlement(f"Luogo {n}") for n in range(30)]
    _save(large, **(assessments.complete() | {"settlements": many}))
    for n in range(50):
        _save(
            large,
            fields={"key_issues": f"Versione {n}"},
            crops=assessments.CROPS,
            settlements=[
                {**row, "id": pk}
                for pk, row in zip(
                    large.assessment.settlements.order_by("pk").values_list("pk", flat=True),
                    many,
                    strict=True,
                )
            ],
        )

    counts = [_queries(client, _page(client, p)[1]) for p in (small, large)]

    assert counts[0] == counts[1]


def test_the_check_page_runs_as_many_queries_with_1_or_30_settlements_and_50_drafts(client):
    pages = []
    for size, drafts in ((1, 1), (30, 50)):
        plan = PlanFactory(at="assess")
        rows = [_settlement(f"Luogo {n}") for n in range(size)]
        for n in range(drafts):
            _save(plan, fields={"key_issues": f"Versione {n}"}, crops=[], settlements=[])
        task, page = _page(client, plan)
        assessment = NeedsAssessment.objects.get(plan=plan)
        response = client.post(page, _post(assessment, submit=True, settlements=rows))
        assert response.status_code == 302
        check = open_task(plan)
        pages.append((check.owner, url(check, "execute")))
    counts = []
    for owner, page in pages:
        client.force_login(owner)
        counts.append(_queries(client, page))

    assert counts[0] == counts[1]


# A submission of the assessment fits the 40-query budget of a click
# (tests/flows/test_query_budget.py) with no addition: 39 queries measured, with 1 or 30 new
# settlements (the rows are written in bulk, the named checks read the assessment once).
def test_a_first_submission_costs_the_same_with_1_or_30_settlements(client):
    from tests.flows.test_query_budget import BUDGET

    counts = []
    for size in (1, 30):
        plan = PlanFactory(at="assess")
        _task_, page = _page(client, plan)
        rows = [_settlement(f"Luogo {n}") for n in range(size)]
        with CaptureQueriesContext(connection) as captured:
            response = client.post(page, _post(submit=True, settlements=rows))
        assert response.status_code == 302
        assert Settlement.objects.filter(assessment__plan=plan).count() == size
        counts.append(len(captured))

    assert counts[0] == counts[1] <= BUDGET, counts
