"""The PLM flow over HTTP, from launch to adoption, as the people who do each step."""

import pytest
from django.utils import timezone
from django.utils.html import escape
from viewflow.workflow.status import STATUS

from flows.steps.base import DRAFT_SAVED
from plm_workflow.plans.models import (
    Adoption,
    Document,
    DocumentKind,
    NeedsAssessment,
    Plan,
    PlanStatus,
    Review,
    SectionKey,
)
from plm_workflow.plans.phases import NODE_STATUS
from tests import assessments
from tests.flows.helpers import claim, decide, open_task, process_url, submit, url, work_data

pytestmark = pytest.mark.django_db

S = PlanStatus


def assert_in_step(plan, node, status):
    """The plan is in ``status`` and its one open task is at ``node``, as DESIGN §3 says."""
    plan.refresh_from_db()
    task = open_task(plan)
    assert (task.flow_task.name, plan.status) == (node, status)
    assert NODE_STATUS[task.flow_task.name] == plan.status
    return task


def work(client, person, task, text):
    """Take the work task, save a draft, then submit it (``work_data``)."""
    claim(client, person, task)
    response = client.post(url(task, "execute"), work_data(task, text + " (bozza)", submit=False))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"].split("#")[0] == url(task, "execute")  # back to the editor
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    response = client.post(url(task, "execute"), work_data(task, text))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == process_url(task.process)
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, person)


def reviews(plan):
    return list(
        Review.objects.filter(plan=plan)
        .order_by("pk")
        .values_list("phase", "round", "decision", "comments", "reviewer__username")
    )


def test_a_plan_goes_from_launch_to_adoption_with_a_return_and_a_round_of_changes(
    client, lead, coordinator, facilitator, launch_url, launch_data
):
    # given: the lead launches Saluzzo's plan from the launch form
    client.force_login(lead)
    assert client.get(launch_url).status_code == 200
    response = client.post(launch_url, launch_data)
    plan = Plan.objects.get(comune__istat_code="004203")
    assert response.status_code == 302
    assert response["Location"] == plan.process.flow_class.instance.reverse(
        "process_detail", args=[plan.process.pk]
    )
    assert plan.adhesion_act_number == "DGC 112/2022"
    launch_task = plan.process.task_set.get(flow_task_type="HUMAN_START")
    assert (launch_task.status, launch_task.owner) == (STATUS.DONE, lead)

    # the assessment is offered to the coordinators, held by nobody yet
    task = assert_in_step(plan, "assess", S.NEEDS_ASSESSMENT)
    assert (task.status, task.owner) == (STATUS.NEW, None)
    work(client, coordinator, task, "Circa 1.500 braccianti stranieri nei picchi estivi.")
    assessment = NeedsAssessment.objects.get(plan=plan)
    assert assessment.key_issues.startswith("Circa 1.500")

    # a facilitator returns the assessment with comments
    task = assert_in_step(plan, "check_assessment", S.NEEDS_ASSESSMENT)
    decide(client, facilitator, task, "returned", "Manca la mappa degli insediamenti informali.")
    assert reviews(plan) == [
        ("assessment", 1, "returned", "Manca la mappa degli insediamenti informali.", "facilitator")
    ]

    # the new assessment task shows the comments that returned it
    task = assert_in_step(plan, "assess", S.NEEDS_ASSESSMENT)
    assert task.owner is None
    client.force_login(coordinator)
    for page in ("detail", "execute"):
        if page == "execute":
            claim(client, coordinator, task)
        content = client.get(url(task, page)).content.decode()
        assert escape("Manca la mappa degli insediamenti informali.") in content
    informal = assessments.SETTLEMENTS[0] | {
        "name": "Campo di via Lagnasco",
        "kind": "informal",
        "people_peak": 300,
        "capacity": None,
        "water": "no",
    }
    response = client.post(
        url(task, "execute"),
        assessments.post_data(
            assessment, settlements=[*assessments.SETTLEMENTS, informal], key_issues="Insediamenti."
        ),
    )
    assert response.status_code == 302, response.content.decode()
    assessment.refresh_from_db()
    assert assessment.key_issues == "Insediamenti."
    assert sorted(assessment.settlements.values_list("name", flat=True)) == [
        "Campo di via Lagnasco",
        "Dormitorio stagionale",
    ]

    # approved this time: the stakeholder tables open
    task = assert_in_step(plan, "check_assessment", S.NEEDS_ASSESSMENT)
    decide(client, facilitator, task, "approved")
    assert reviews(plan)[1] == ("assessment", 2, "approved", "", "facilitator")

    task = assert_in_step(plan, "convene_tables", S.STAKEHOLDER_TABLES)
    assert "Manca la mappa" not in client.get(url(task, "detail")).content.decode()
    # the tables are saved as they are entered, then submitted from their page
    submit(client, coordinator, task, "")
    assert list(plan.tables.values_list("kind", "name")) == [
        ("core", "Tavolo primario"),
        ("thematic", "Gruppo abitare"),
    ]
    task = assert_in_step(plan, "check_tables", S.STAKEHOLDER_TABLES)
    decide(client, facilitator, task, "approved", "Bene.")

    # drafting, then review asks for changes: the plan goes back to drafting
    task = assert_in_step(plan, "draft", S.DRAFTING)
    work(client, coordinator, task, "Bozza con 12 schede intervento.")
    context = plan.sections.get(key=SectionKey.CONTEXT)
    assert [row.text for row in context.history.order_by("history_id")] == [
        "Bozza con 12 schede intervento. (bozza)",
        "Bozza con 12 schede intervento.",
    ]
    assert list(plan.measures.values_list("title", flat=True)) == ["Foresteria stagionale"]
    task = assert_in_step(plan, "review", S.REVIEW)
    decide(client, facilitator, task, "returned", "Aggiungere gli indicatori della scheda 3.")
    task = assert_in_step(plan, "draft", S.DRAFTING)
    client.force_login(coordinator)
    assert (
        escape("Aggiungere gli indicatori della scheda 3.")
        in client.get(url(task, "detail")).content.decode()
    )
    work(client, coordinator, task, "Bozza con indicatori.")
    context.refresh_from_db()
    assert context.text == "Bozza con indicatori."
    task = assert_in_step(plan, "review", S.REVIEW)
    decide(client, facilitator, task, "approved")

    # adoption recorded by the coordinator, verified by the facilitator
    task = assert_in_step(plan, "record_adoption", S.ADOPTION)
    work(client, coordinator, task, "DCC n. 45 del 2023.")
    task = assert_in_step(plan, "verify_adoption", S.ADOPTION)
    decide(client, facilitator, task, "approved", "Adozione verificata.")

    # then: adopted, the flow ended, every decision on record
    plan.refresh_from_db()
    assert plan.status == S.ADOPTED
    adoption = Adoption.objects.get(plan=plan)
    assert (
        adoption.body,
        adoption.act_number,
        adoption.act_date,
        adoption.immediately_enforceable,
        adoption.notes,
    ) == ("giunta", "112", timezone.localdate(), True, "DCC n. 45 del 2023.")
    # the act chosen with the draft is the one submitted: the submission kept it
    acts = Document.objects.filter(plan=plan, kind=DocumentKind.ADOPTION_ACT)
    assert list(acts) == [adoption.signed_act]
    assert not plan.process.task_set.filter(status__in=[STATUS.NEW, STATUS.ASSIGNED]).exists()
    assert plan.process.task_set.filter(flow_task_type="END", status=STATUS.DONE).exists()
    plan.process.refresh_from_db()
    assert plan.process.status == "DONE"
    assert reviews(plan) == [
        (
            "assessment",
            1,
            "returned",
            "Manca la mappa degli insediamenti informali.",
            "facilitator",
        ),
        ("assessment", 2, "approved", "", "facilitator"),
        ("tables", 1, "approved", "Bene.", "facilitator"),
        ("drafting", 1, "returned", "Aggiungere gli indicatori della scheda 3.", "facilitator"),
        ("drafting", 2, "approved", "", "facilitator"),
        ("adoption", 1, "approved", "Adozione verificata.", "facilitator"),
    ]
    # the plan's page shows every decision and its comments to its coordinator
    client.force_login(coordinator)
    content = client.get(
        plan.process.flow_class.instance.reverse("process_detail", args=[plan.process.pk])
    ).content.decode()
    assert escape("Manca la mappa degli insediamenti informali.") in content
    assert "Adozione verificata." in content


def test_a_draft_save_keeps_the_task_new_or_assigned_and_cancellable(
    client, flow_plan, coordinator
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    response = client.post(
        url(task, "execute"), work_data(task, "Appunti.", submit=False), follow=True
    )

    assert escape(str(DRAFT_SAVED)) in response.content.decode()
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED
    assert task.started is None
    assert NeedsAssessment.objects.get(plan=flow_plan).key_issues == "Appunti."
    assert task.flow_task.activation_class(task).cancel.can_proceed()


def test_a_draft_save_on_an_unclaimed_task_is_refused_and_keeps_it_new(
    client, flow_plan, coordinator
):
    task = open_task(flow_plan)
    client.force_login(coordinator)

    response = client.post(url(task, "execute"), work_data(task, "Appunti.", submit=False))

    assert (response.status_code, response["Location"]) == (302, url(task, "detail"))
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)
    assert not NeedsAssessment.objects.filter(plan=flow_plan).exists()
