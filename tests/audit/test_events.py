"""Each action writes its event, with its actor and the fields it changed."""

import pytest

from plm_workflow.accounts.services import role_grant, role_revoke
from plm_workflow.audit.models import GLOBAL_CHAIN, Event, EventKind
from plm_workflow.audit.services import SYSTEM_FLOW, SYSTEM_OPERATOR
from plm_workflow.plans.models import Phase, PlanSection, Review, ReviewComment, SectionKey
from plm_workflow.plans.services import (
    plan_complete_assessment,
    plan_resume,
    plan_suspend,
    plan_withdraw,
    review_decide,
)
from plm_workflow.steps.drafting import sections_save
from tests import assessments
from tests.factories import PlanFactory, UserFactory
from tests.flows.helpers import decide, open_task, submit, url
from tests.plans.test_import_comuni import SALUZZO, _import, _write

pytestmark = pytest.mark.django_db

K = EventKind


def last(kind, **filters):
    return Event.objects.filter(kind=kind, **filters).latest("occurred_at", "pk")


def test_a_launch_records_the_new_plans_fields_by_the_lead(plan, lead):
    event = last(K.PLAN_LAUNCHED)

    assert (event.chain, event.seq, event.plan, event.actor) == (f"plan:{plan.pk}", 1, plan, lead)
    assert event.payload["changes"]["status"] == [None, "needs_assessment"]
    assert event.payload["changes"]["comune"] == [None, "004203"]
    assert event.payload["changes"]["adhesion_act_date"] == [None, "2022-06-30"]


def test_a_transition_records_the_fields_it_changed(plan, facilitator):
    assessments.fill(plan)

    plan_complete_assessment(plan=plan, by=facilitator)

    event = last(K.PLAN_TRANSITION)
    assert event.actor == facilitator
    assert event.payload == {
        "concerns": {"plan": plan.pk},
        "changes": {"status": ["needs_assessment", "stakeholder_tables"]},
    }


def test_suspend_resume_and_withdraw_record_the_reason_and_the_remembered_state(plan, lead):
    plan_suspend(plan=plan, by=lead, reason="Elezioni comunali")
    suspended = last(K.PLAN_TRANSITION)
    plan_resume(plan=plan, by=lead, reason="Nuova giunta")
    resumed = last(K.PLAN_TRANSITION)
    plan_withdraw(plan=plan, by=lead, reason="Il comune rinuncia")
    withdrawn = last(K.PLAN_TRANSITION)

    assert suspended.payload["reason"] == "Elezioni comunali"
    assert suspended.payload["changes"]["status"] == ["needs_assessment", "suspended"]
    assert suspended.payload["changes"]["suspended_from"] == ["", "needs_assessment"]
    assert resumed.payload["changes"]["status"] == ["suspended", "needs_assessment"]
    assert resumed.payload["changes"]["suspension_reason"] == ["Elezioni comunali", ""]
    assert withdrawn.payload["changes"]["withdrawal_reason"] == ["", "Il comune rinuncia"]
    seqs = [e.seq for e in Event.objects.filter(plan=plan)]
    assert seqs == list(range(1, len(seqs) + 1))


def test_a_section_records_old_and_new_text_and_nothing_when_unchanged(coordinator):
    plan = PlanFactory(at="draft", coordinator=coordinator)
    context = SectionKey.CONTEXT
    sections_save(plan=plan, by=coordinator, texts={context: "Prima"})
    sections_save(plan=plan, by=coordinator, texts={context: "Dopo"})
    sections_save(plan=plan, by=coordinator, texts={context: "Dopo"})

    saved = Event.objects.filter(kind=K.SECTION_SAVED).order_by("seq")
    section = PlanSection.objects.get(plan=plan, key=context)
    assert [e.payload for e in saved] == [
        {
            "concerns": {"plan": plan.pk, "plan_section": section.pk},
            "phase": "drafting",
            "node": "draft",
            "changes": {"key": [None, "context"], "text": [None, "Prima"]},
        },
        {
            "concerns": {"plan": plan.pk, "plan_section": section.pk},
            "phase": "drafting",
            "node": "draft",
            "changes": {"text": ["Prima", "Dopo"]},
        },
    ]
    assert {e.actor for e in saved} == {coordinator}


def test_a_review_decision_records_phase_round_decision_and_comments(plan, facilitator):
    assessments.fill(plan)

    review = review_decide(
        plan=plan, phase=Phase.ASSESSMENT, decision="returned", comments="Manca", by=facilitator
    )

    event = last(K.REVIEW_DECIDED)
    assert event.actor == facilitator
    assert event.payload == {
        "concerns": {"plan": plan.pk, "review": review.pk},
        "phase": "assessment",
        "node": "check_assessment",
        "changes": {"decision": [None, "returned"], "round": [None, 1]},
        "comments": "Manca",
    }


def test_a_review_of_the_draft_records_its_comments_on_each_item(facilitator):
    plan = PlanFactory(at="review", facilitator=facilitator)
    measure = plan.measures.get()

    review = review_decide(
        plan=plan,
        phase=Phase.DRAFTING,
        decision="returned",
        comments="Da rivedere.",
        item_comments=[
            {"section": "context", "text": "Mancano gli insediamenti."},
            {"section": "objectives", "text": "  "},  # left empty: no comment
            {"measure": measure.pk, "text": "Il CUP manca."},
        ],
        by=facilitator,
    )

    event = last(K.REVIEW_DECIDED)
    on_context, on_measure = ReviewComment.objects.filter(review=review).order_by("pk")
    assert event.actor == facilitator
    assert event.payload == {
        "concerns": {"plan": plan.pk, "review": review.pk},
        "phase": "drafting",
        "node": "review",
        "changes": {"decision": [None, "returned"], "round": [None, 1]},
        "children": {
            "review_comment": {
                "added": [
                    {
                        "id": on_context.pk,
                        "section": "context",
                        "measure_id": None,
                        "text": "Mancano gli insediamenti.",
                    },
                    {
                        "id": on_measure.pk,
                        "section": "",
                        "measure_id": measure.pk,
                        "text": "Il CUP manca.",
                    },
                ]
            }
        },
        "comments": "Da rivedere.",
    }


def test_role_grants_and_revocations_go_to_the_global_chain(lead, comune):
    anna = UserFactory(username="anna")

    role_grant(user=anna, role="coordinator", comune=comune, by=lead)
    role_revoke(user=anna, role="coordinator", comune=comune, by=lead)
    role_grant(user=anna, role="auditor")

    granted, revoked, auditor = Event.objects.filter(payload__concerns__user=anna.pk).order_by(
        "seq"
    )
    assert (granted.kind, granted.chain, granted.plan, granted.actor) == (
        K.ROLE_GRANTED,
        GLOBAL_CHAIN,
        None,
        lead,
    )
    assert granted.payload == {
        "concerns": {"user": anna.pk, "comune": "004203"},
        "changes": {"role": [None, "coordinator"]},
    }
    assert (revoked.kind, revoked.actor) == (K.ROLE_REVOKED, lead)
    assert revoked.payload == {
        "concerns": {"user": anna.pk, "comune": "004203"},
        "changes": {"role": ["coordinator", None]},
    }
    assert (auditor.actor, auditor.actor_system) == (None, SYSTEM_OPERATOR)
    assert auditor.payload == {
        "concerns": {"user": anna.pk},
        "changes": {"role": [None, "auditor"]},
    }


def test_tasks_created_claimed_completed_and_returned_are_recorded(
    client, flow_plan, coordinator, facilitator
):
    task = open_task(flow_plan)
    created = last(K.TASK_CREATED, plan=flow_plan)
    assert (created.actor_system, created.payload["concerns"], created.payload["node"]) == (
        SYSTEM_FLOW,
        {"plan": flow_plan.pk, "task": task.pk},
        "assess",
    )
    submit(client, coordinator, task, "Analisi.")
    check = open_task(flow_plan)
    decide(client, facilitator, check, "returned", "Da completare.")
    again = open_task(flow_plan)
    client.post(url(check, "unassign"))  # closed: refused, nothing recorded

    kinds = list(
        Event.objects.filter(plan=flow_plan).order_by("seq").values_list("kind", "actor__username")
    )
    assert kinds == [
        (K.PLAN_LAUNCHED, "lead"),
        (K.SCHEDULE_SET, "lead"),
        (K.FILE_UPLOADED, "lead"),
        (K.TASK_CREATED, None),
        (K.DUE_DATE_SET, None),
        (K.TASK_CLAIMED, "coord-saluzzo"),
        (K.ASSESSMENT_SAVED, "coord-saluzzo"),
        (K.TASK_COMPLETED, "coord-saluzzo"),
        (K.TASK_CREATED, None),
        (K.DUE_DATE_SET, None),
        (K.TASK_CLAIMED, "facilitator"),
        (K.REVIEW_DECIDED, "facilitator"),
        (K.TASK_COMPLETED, "facilitator"),
        (K.TASK_CREATED, None),
        (K.DUE_DATE_SET, None),
        (K.TASK_RETURNED, "facilitator"),
    ]
    returned = last(K.TASK_RETURNED)
    assert returned.payload["concerns"] == {
        "plan": flow_plan.pk,
        "task": again.pk,
        "review": Review.objects.get(plan=flow_plan, phase=Phase.ASSESSMENT).pk,
    }


def test_a_release_is_recorded(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    client.force_login(coordinator)
    client.post(url(task, "assign"))

    client.post(url(task, "unassign"))

    event = last(K.TASK_RELEASED)
    assert (event.actor, event.payload) == (
        coordinator,
        {
            "concerns": {"plan": flow_plan.pk, "task": task.pk},
            "phase": "assessment",
            "node": "assess",
            "changes": {"holder": [coordinator.pk, None]},
        },
    )


def test_a_registry_import_that_changes_comuni_is_recorded_and_a_no_op_is_not(tmp_path):
    registry = _write(tmp_path, [SALUZZO])

    _import(registry)
    _import(registry)

    event = Event.objects.get(kind=K.REGISTRY_IMPORTED)
    assert (event.actor_system, event.payload) == (
        SYSTEM_OPERATOR,
        {"children": {"comune": {"added": 1, "changed": [], "suppressed": []}}},
    )
