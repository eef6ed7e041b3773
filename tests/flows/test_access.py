"""Who may open and act on the pages of a plan's process and tasks."""

import pytest
from django.utils.html import escape
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from flows.flows import PLMFlow
from flows.nodes import FLOW_BUSY
from flows.rules import PLAN_NOT_ACTIVE, TASK_CLOSED, TASK_NOT_YOURS
from flows.steps.base import SUBMIT_OR_SAVE
from plm_workflow.plans.checks import KEY_ISSUES_MISSING
from plm_workflow.plans.models import (
    RETURN_WITHOUT_COMMENTS,
    NeedsAssessment,
    Plan,
    PlanSection,
    PlanStatus,
    Review,
)
from tests import assessments
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import claim, decide, open_task, submit, url, work_data

pytestmark = pytest.mark.django_db

ACTIONS = ("assign", "execute", "unassign")


@pytest.fixture
def outsiders(flow_launched):
    """A coordinator of another comune and a facilitator of another plan."""
    other_coordinator = UserFactory(username="coord-albenga")
    other_facilitator = UserFactory(username="facilitator-albenga")
    albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    flow_launched(albenga, coordinators=[other_coordinator], facilitators=[other_facilitator])
    return [other_coordinator, other_facilitator]


@pytest.fixture
def returned_plan(client, flow_plan, coordinator, facilitator):
    """A plan whose assessment was returned once: closed tasks of every kind, one open."""
    submit(client, coordinator, open_task(flow_plan), "Analisi.")
    decide(client, facilitator, open_task(flow_plan), "returned", "Da completare.")
    claim(client, coordinator, open_task(flow_plan))  # held: unassign is an action too
    client.logout()
    assert flow_plan.process.task_set.count() == 5  # launch, assess, check, gate, assess
    return flow_plan


def pages(plan):
    """Every page of the plan's process and tasks that shows something (GET)."""
    process = plan.process
    flow = process.flow_class.instance
    yield flow.reverse("process_detail", args=[process.pk])
    yield flow.reverse("process_chart", args=[process.pk])
    for task in process.task_set.all():
        yield url(task, "index")
        yield url(task, "detail")


def actions(plan):
    for task in plan.process.task_set.filter(flow_task_type="HUMAN"):
        for action in ACTIONS:
            yield task, url(task, action)


def snapshot(plan):
    process = plan.process
    plan.refresh_from_db()
    return (
        plan.status,
        list(process.task_set.order_by("pk").values_list("status", "owner_id", "finished")),
        list(PlanSection.objects.filter(plan=plan).values_list("key", "text")),
        assessments.state(plan),
        Review.objects.filter(plan=plan).count(),
    )


def test_outsiders_get_404_on_every_page_and_action_of_a_plan(client, returned_plan, outsiders):
    before = snapshot(returned_plan)
    for person in outsiders:
        client.force_login(person)
        for page in pages(returned_plan):
            assert client.get(page).status_code == 404, (person, page)
        for task, action in actions(returned_plan):
            assert client.get(action).status_code == 404, (person, action)
            response = client.post(action, {**work_data(task, "x"), "decision": "approved"})
            assert response.status_code == 404, (person, action)
    assert snapshot(returned_plan) == before


def test_an_outsider_cannot_tell_a_hidden_task_from_a_missing_one(client, returned_plan, outsiders):
    task = open_task(returned_plan)
    client.force_login(outsiders[0])
    hidden = client.get(url(task, "detail"))
    missing = client.get(url(task, "detail").replace(f"/{task.pk}/", "/999999/"))
    assert hidden.status_code == missing.status_code == 404


def test_a_task_of_another_process_is_not_reached_through_this_ones_url(
    client, returned_plan, launch, outsiders, coordinator
):
    # the coordinator of Saluzzo forges Albenga's task id into a Saluzzo process URL
    albenga_task = open_task(Plan.objects.get(comune__istat_code="009002"))
    forged = url(albenga_task, "assign").replace(
        f"/{albenga_task.process_id}/", f"/{returned_plan.process.pk}/", 1
    )
    holder = albenga_task.owner
    client.force_login(coordinator)
    assert client.post(forged).status_code == 404
    albenga_task.refresh_from_db()
    assert albenga_task.owner == holder


def test_an_auditor_opens_every_page_and_finds_no_action(client, returned_plan, auditor):
    client.force_login(auditor)
    for page in pages(returned_plan):
        response = client.get(page, follow=True)
        assert response.status_code == 200, page
        content = response.content.decode()
        assert 'class="plm-actions"' not in content, page
    held = open_task(returned_plan)
    detail = client.get(url(held, "detail")).content.decode()
    assert url(held, "unassign") not in detail
    assert url(held, "execute") not in detail


def test_an_auditor_is_refused_every_action(client, returned_plan, auditor):
    before = snapshot(returned_plan)
    client.force_login(auditor)
    open_one = open_task(returned_plan)
    # assign and unassign are POST only; the task's form refuses an auditor
    refused_get = {"assign": 405, "execute": 403, "unassign": 405}
    for action in ACTIONS:
        assert client.get(url(open_one, action)).status_code == refused_get[action], action
        response = client.post(url(open_one, action), work_data(open_one, "x"))
        assert response.status_code == 403, action
    assert snapshot(returned_plan) == before


def test_completing_a_finished_task_again_says_so_and_changes_nothing(
    client, returned_plan, coordinator
):
    done = returned_plan.process.task_set.filter(flow_task_type="HUMAN", status=STATUS.DONE)
    first_assessment = done.filter(owner=coordinator).earliest("pk")
    before = snapshot(returned_plan)
    client.force_login(coordinator)

    response = client.post(
        url(first_assessment, "execute"), work_data(first_assessment, "Riscritto."), follow=True
    )

    assert response.status_code == 200
    assert escape(str(TASK_CLOSED)) in response.content.decode()
    assert snapshot(returned_plan) == before


def test_a_refused_submission_shows_why_and_changes_nothing(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))

    response = client.post(url(task, "execute"), assessments.post_data(key_issues="   "))

    assert response.status_code == 200
    assert escape(str(KEY_ISSUES_MISSING)) in response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, coordinator)
    assert not NeedsAssessment.objects.filter(plan=flow_plan).exists()
    flow_plan.refresh_from_db()
    assert flow_plan.status == PlanStatus.NEEDS_ASSESSMENT


def test_returning_without_comments_is_refused_on_the_form(
    client, flow_plan, coordinator, facilitator
):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))
    client.post(url(task, "execute"), work_data(task, "Analisi."))
    check = open_task(flow_plan)
    client.force_login(facilitator)
    client.post(url(check, "assign"))

    response = client.post(url(check, "execute"), {"decision": "returned", "comments": " "})

    assert response.status_code == 200
    assert escape(str(RETURN_WITHOUT_COMMENTS)) in response.content.decode()
    check.refresh_from_db()
    assert check.status == STATUS.ASSIGNED
    assert not Review.objects.exists()


def test_a_coordinator_cannot_take_a_check_task(client, flow_plan, coordinator, facilitator):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))
    client.post(url(task, "execute"), work_data(task, "Analisi."))
    check = open_task(flow_plan)

    assert client.post(url(check, "assign")).status_code == 403
    check.refresh_from_db()
    assert check.owner is None


def test_a_facilitator_cannot_take_a_work_task(client, flow_plan, facilitator):
    task = open_task(flow_plan)
    client.force_login(facilitator)

    assert client.post(url(task, "assign")).status_code == 403
    task.refresh_from_db()
    assert task.owner is None


def test_only_the_holder_releases_a_task(client, flow_plan, coordinator, coordinator2):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))

    client.force_login(coordinator2)
    refused = client.post(url(task, "unassign"), follow=True)
    assert escape(str(TASK_NOT_YOURS)) in refused.content.decode()
    task.refresh_from_db()
    assert task.owner == coordinator
    client.force_login(coordinator)
    response = client.post(url(task, "unassign"))
    assert (response.status_code, response["Location"]) == (302, url(task, "detail"))
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)


def test_a_task_link_opens_the_form_for_its_holder_and_the_page_for_others(
    client, flow_plan, coordinator, auditor, facilitator
):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    assert client.get(url(task, "index"))["Location"] == url(task, "detail")  # not yet taken
    client.post(url(task, "assign"))
    assert client.get(url(task, "index"))["Location"] == url(task, "execute")
    for person in (auditor, facilitator):
        client.force_login(person)
        assert client.get(url(task, "index"))["Location"] == url(task, "detail")


def test_viewflows_own_lists_and_shortcuts_are_not_mounted(client, returned_plan, lead):
    process = returned_plan.process
    base = process.flow_class.instance.reverse("process_detail", args=[process.pk])
    task = open_task(returned_plan)
    client.force_login(lead)
    for page in (
        base.replace(f"{process.pk}/", "flows/"),
        base.replace(f"{process.pk}/", "tasks/"),
        base + "cancel/",
        url(task, "detail").replace("detail/", "cancel/"),
        url(task, "detail").replace("detail/", "undo/"),
        url(task, "detail").replace("detail/", "revive/"),
    ):
        assert client.get(page).status_code == 404, page
        assert client.post(page).status_code == 404, page


@pytest.mark.parametrize("person", ["auditor", "lead", "facilitator"])
def test_who_lacks_the_nodes_permission_cannot_take_a_task_on(request, client, flow_plan, person):
    task = open_task(flow_plan)
    client.force_login(request.getfixturevalue(person))

    assert client.post(url(task, "assign")).status_code == 403
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)


def test_assign_and_release_answer_only_posts(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    client.force_login(coordinator)

    assert client.get(url(task, "assign")).status_code == 405
    client.post(url(task, "assign"))
    assert client.get(url(task, "unassign")).status_code == 405
    task.refresh_from_db()
    assert task.owner == coordinator


@pytest.mark.parametrize("state", [PlanStatus.SUSPENDED, PlanStatus.WITHDRAWN])
def test_nothing_is_done_on_the_tasks_of_a_plan_that_is_not_active(
    client, flow_plan, coordinator, drive, state
):
    held = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(held, "assign"))
    drive(flow_plan, state)
    before = snapshot(flow_plan)

    draft = client.post(url(held, "execute"), work_data(held, "x", submit=False), follow=True)
    release = client.post(url(held, "unassign"), follow=True)

    flow_plan.refresh_from_db()
    reason = PLAN_NOT_ACTIVE % {"status": flow_plan.get_status_display().lower()}
    for response in (draft, release):
        assert response.status_code == 200
        assert escape(str(reason)) in response.content.decode()
    assert snapshot(flow_plan) == before
    assert list(client.get("/home/inbox/").context["page_obj"]) == []


def test_a_post_that_neither_saves_nor_submits_changes_nothing(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))
    before = snapshot(flow_plan)

    data = work_data(task, "Analisi.")
    del data["_submit"]

    response = client.post(url(task, "execute"), data)

    assert response.status_code == 200
    assert escape(str(SUBMIT_OR_SAVE)) in response.content.decode()
    assert snapshot(flow_plan) == before


def test_ids_beyond_any_key_are_not_found(client, flow_plan, lead):
    task = open_task(flow_plan)
    huge = "99999999999999999999"
    process_page = flow_plan.process.flow_class.instance.reverse(
        "process_detail", args=[flow_plan.process.pk]
    )
    client.force_login(lead)
    for page in (
        process_page.replace(f"/{flow_plan.process.pk}/", f"/{huge}/"),
        process_page.replace(f"/{flow_plan.process.pk}/", f"/{huge}/") + "chart/",
        url(task, "detail").replace(f"/{task.pk}/", f"/{huge}/"),
        url(task, "detail").replace(f"/{flow_plan.process.pk}/", f"/{huge}/", 1),
    ):
        assert client.get(page).status_code == 404, page


def test_a_busy_plan_asks_to_try_again_and_changes_nothing(
    client, flow_plan, coordinator, monkeypatch
):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))
    before = snapshot(flow_plan)

    def busy(flow_class, process_pk):
        raise FlowLockFailed("busy")

    monkeypatch.setattr(PLMFlow, "lock_impl", busy)
    response = client.post(url(task, "execute"), work_data(task, "x"), follow=True)

    assert response.status_code == 200
    assert escape(str(FLOW_BUSY)) in response.content.decode()
    assert snapshot(flow_plan) == before
