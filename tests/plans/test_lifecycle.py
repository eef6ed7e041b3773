import pytest
from django.db import IntegrityError, transaction
from django.utils.translation import ngettext
from django_fsm import has_transition_perm

from flows.flows import PLMFlow
from flows.services import task_claim
from plm_workflow.launch.services import BOTH_ROLES
from plm_workflow.plans import checks
from plm_workflow.plans.errors import NOT_ALLOWED, PlanError
from plm_workflow.plans.models import (
    ACTIVE_STATES,
    FINAL_STATES,
    NON_FINAL_STATES,
    ONE_OPEN_PLAN_PER_COMUNE,
    FundingLine,
    Indicator,
    Measure,
    Phase,
    Plan,
    PlanSection,
    PlanStatus,
    SectionKey,
)
from plm_workflow.plans.services import (
    CONCURRENT_CHANGE,
    NOT_FROM_STATE,
    plan_adopt,
    plan_approve,
    plan_complete_assessment,
    plan_complete_tables,
    plan_request_changes,
    plan_resume,
    plan_submit_for_review,
    plan_suspend,
    plan_withdraw,
)
from plm_workflow.steps.drafting import sections_save
from plm_workflow.steps.guard import NOT_OPEN, SUBMITTED
from tests import adoptions, assessments, drafts, tables
from tests.factories import UserFactory, plan_step
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

S = PlanStatus
# transition → (service, who may run it, extra arguments, sources, target)
TRANSITIONS = {
    "complete_assessment": (
        plan_complete_assessment,
        "facilitator",
        {},
        [S.NEEDS_ASSESSMENT],
        S.STAKEHOLDER_TABLES,
    ),
    "complete_tables": (
        plan_complete_tables,
        "facilitator",
        {},
        [S.STAKEHOLDER_TABLES],
        S.DRAFTING,
    ),
    "submit_for_review": (plan_submit_for_review, "coordinator", {}, [S.DRAFTING], S.REVIEW),
    "request_changes": (
        plan_request_changes,
        "facilitator",
        {"comments": "Mancano gli indicatori."},
        [S.REVIEW],
        S.DRAFTING,
    ),
    "approve": (plan_approve, "facilitator", {}, [S.REVIEW], S.ADOPTION),
    "adopt": (plan_adopt, "facilitator", {}, [S.ADOPTION], S.ADOPTED),
    "suspend": (plan_suspend, "lead", {"reason": "Elezioni"}, list(ACTIVE_STATES), S.SUSPENDED),
    "resume": (plan_resume, "lead", {"reason": "Ripresa"}, [S.SUSPENDED], None),
    "withdraw": (
        plan_withdraw,
        "lead",
        {"reason": "Rinuncia"},
        list(NON_FINAL_STATES),
        S.WITHDRAWN,
    ),
}
ALL_STATES = list(PlanStatus)


def _fill_notes(plan, coordinator):
    """Give the open phase its work: the assessment's, the tables', the draft's or the
    adoption's data."""
    if plan.status == S.NEEDS_ASSESSMENT:
        assessments.fill(plan)
    elif plan.status == S.STAKEHOLDER_TABLES:
        tables.fill(plan, coordinator)
    elif plan.status == S.ADOPTION:
        adoptions.fill(plan, coordinator)
    elif plan.status == S.DRAFTING:
        drafts.fill(plan, coordinator)


def _history(plan):
    return list(plan.history.values_list("status", "history_change_reason", "history_user"))


@pytest.mark.parametrize(
    ("name", "source"),
    [(name, source) for name, spec in TRANSITIONS.items() for source in spec[3]],
)
def test_every_allowed_transition_moves_the_plan_and_records_who_and_why(
    name, source, plan, drive, request, coordinator
):
    service, role, extra, _sources, target = TRANSITIONS[name]
    by = request.getfixturevalue(role)
    if name == "resume":
        drive(plan, S.DRAFTING)
        plan_suspend(plan=plan, by=by, reason="Elezioni")
        target = S.DRAFTING
    else:
        drive(plan, source)
    _fill_notes(plan, coordinator)

    service(plan=plan, by=by, **extra)

    plan.refresh_from_db()
    assert plan.status == target
    latest = plan.history.latest()
    assert latest.status == target
    assert latest.history_user == by
    assert latest.history_change_reason.startswith(name)
    for text in extra.values():
        assert text in latest.history_change_reason


@pytest.mark.parametrize(
    ("name", "state"),
    [
        (name, state)
        for name, spec in TRANSITIONS.items()
        for state in ALL_STATES
        if state not in spec[3]
    ],
)
def test_every_forbidden_transition_is_refused_and_leaves_no_trace(
    name, state, plan, drive, request, coordinator
):
    service, role, extra, _sources, _target = TRANSITIONS[name]
    drive(plan, state)
    _fill_notes(plan, coordinator)
    before = _history(plan)

    with pytest.raises(PlanError) as refused:
        service(plan=plan, by=request.getfixturevalue(role), **extra)

    assert refused.value.messages == [str(NOT_FROM_STATE) % {"status": state.label}]
    assert refused.value.forbidden is False
    plan.refresh_from_db()
    assert plan.status == state
    assert _history(plan) == before


@pytest.mark.parametrize("name", list(TRANSITIONS))
@pytest.mark.parametrize("intruder", ["stranger", "auditor", "other_role", "superuser"])
def test_an_unauthorised_user_is_refused_before_any_check(
    name, intruder, plan, drive, request, coordinator, facilitator, auditor, superuser
):
    service, role, extra, sources, _target = TRANSITIONS[name]
    drive(plan, S.DRAFTING if name == "resume" else sources[0])
    if name == "resume":
        plan_suspend(plan=plan, by=facilitator, reason="Elezioni")
    others = {"coordinator": facilitator, "facilitator": coordinator, "lead": coordinator}
    by = {
        "stranger": UserFactory(),
        "auditor": auditor,
        "other_role": others[role],
        "superuser": superuser,
    }[intruder]
    before = _history(plan)
    # Blank comments and reasons, no notes: the checks would fail too, yet only the permission
    # speaks, and it says nothing about the plan.
    blank = dict.fromkeys(extra, "")

    with pytest.raises(PlanError) as refused:
        service(plan=plan, by=by, **blank)

    assert refused.value.forbidden is True
    assert refused.value.messages == [str(NOT_ALLOWED)]
    plan.refresh_from_db()
    assert _history(plan) == before


def test_a_facilitator_of_the_plan_may_suspend_and_resume_but_not_withdraw(plan, facilitator, lead):
    assert has_transition_perm(plan.suspend, facilitator)
    assert has_transition_perm(plan.suspend, lead)
    assert not has_transition_perm(plan.withdraw, facilitator)
    assert has_transition_perm(plan.withdraw, lead)


def test_transition_permissions_follow_the_roles(plan, drive, coordinator, facilitator, lead):
    drive(plan, S.REVIEW)

    assert has_transition_perm(plan.approve, facilitator)
    assert not has_transition_perm(plan.approve, coordinator)
    assert not has_transition_perm(plan.approve, lead)
    assert not has_transition_perm(plan.submit_for_review, coordinator)  # not from review


@pytest.mark.parametrize(
    ("state", "name", "message"),
    [
        (S.REVIEW, "request_changes", checks.COMMENTS_MISSING),
        (S.DRAFTING, "suspend", checks.REASON_MISSING),
        (S.DRAFTING, "withdraw", checks.REASON_MISSING),
    ],
)
def test_each_named_check_failing_alone_shows_its_message(
    state, name, message, plan, drive, request
):
    service, role, extra, _sources, _target = TRANSITIONS[name]
    drive(plan, state)
    before = _history(plan)

    with pytest.raises(PlanError) as refused:
        service(plan=plan, by=request.getfixturevalue(role), **dict.fromkeys(extra, "  "))

    assert refused.value.messages == [str(message)]
    plan.refresh_from_db()
    assert plan.status == state
    assert _history(plan) == before


@pytest.mark.parametrize("check", list(assessments.FAILING_ALONE))
def test_each_assessment_check_failing_alone_shows_its_message(check, plan, facilitator):
    message, lacking = assessments.FAILING_ALONE[check]
    assessments.fill(plan, **lacking)
    before = _history(plan)

    with pytest.raises(PlanError) as refused:
        plan_complete_assessment(plan=plan, by=facilitator)

    assert refused.value.messages == [str(message)]
    plan.refresh_from_db()
    assert plan.status == S.NEEDS_ASSESSMENT
    assert _history(plan) == before


def test_an_assessment_not_started_fails_every_check_at_once(plan, facilitator):
    with pytest.raises(PlanError) as refused:
        plan_complete_assessment(plan=plan, by=facilitator)

    assert refused.value.messages == [str(m) for m, _lacking in assessments.FAILING_ALONE.values()]
    plan.refresh_from_db()
    assert plan.status == S.NEEDS_ASSESSMENT


def test_an_adoption_not_recorded_fails_each_check_of_what_it_lacks_at_once(
    plan, drive, facilitator
):
    drive(plan, S.ADOPTION)
    before = _history(plan)

    with pytest.raises(PlanError) as refused:
        plan_adopt(plan=plan, by=facilitator)

    assert refused.value.messages == [
        str(checks.BODY_MISSING),
        str(checks.ACT_NUMBER_MISSING),
        str(checks.ACT_DATE_MISSING),
        str(checks.SIGNED_ACT_MISSING),
    ]
    plan.refresh_from_db()
    assert plan.status == S.ADOPTION
    assert _history(plan) == before


def test_tables_not_set_up_fail_both_checks_at_once(plan, drive, facilitator):
    drive(plan, S.STAKEHOLDER_TABLES)
    before = _history(plan)

    with pytest.raises(PlanError) as refused:
        plan_complete_tables(plan=plan, by=facilitator)

    assert refused.value.messages == [str(checks.CORE_TABLE_MISSING), str(checks.GROUP_MISSING)]
    plan.refresh_from_db()
    assert plan.status == S.STAKEHOLDER_TABLES
    assert _history(plan) == before


def _emptied(section):
    return lambda measure: PlanSection.objects.filter(key=section).update(text="  ")


# check → (its message, what a complete draft loses so that only this check fails)
DRAFT_FAILING_ALONE = {
    "drafting_sections_filled": (
        lambda: checks.SECTIONS_MISSING % {"sections": f"“{SectionKey.MONITORING.label}”"},
        _emptied(SectionKey.MONITORING),
    ),
    "drafting_measure_given": (
        lambda: checks.MEASURE_MISSING,
        lambda measure: Measure.objects.filter(pk=measure.pk).delete(),
    ),
    "drafting_actions_given": (
        lambda: checks.ACTIONS_MISSING % {"measures": "“Foresteria stagionale”"},
        lambda measure: Measure.objects.filter(pk=measure.pk).update(priority_action=None),
    ),
    "drafting_leads_given": (
        lambda: checks.LEADS_MISSING % {"measures": "“Foresteria stagionale”"},
        lambda measure: Measure.objects.filter(pk=measure.pk).update(lead=None),
    ),
    "drafting_funding_given": (  # a line of 0 € funds nothing
        lambda: checks.FUNDING_MISSING % {"measures": "“Foresteria stagionale”"},
        lambda measure: FundingLine.objects.filter(measure=measure).update(amount=0),
    ),
    "drafting_dates_given": (  # the end before the start
        lambda: checks.DATES_MISSING % {"measures": "“Foresteria stagionale”"},
        lambda measure: Measure.objects.filter(pk=measure.pk).update(
            ends_on=measure.starts_on.replace(year=measure.starts_on.year - 1)
        ),
    ),
    "drafting_indicators_given": (  # an indicator with no target measures nothing
        lambda: checks.INDICATORS_MISSING % {"measures": "“Foresteria stagionale”"},
        lambda measure: Indicator.objects.filter(measure=measure).update(target=None),
    ),
}


def test_every_check_of_the_draft_is_tried_by_a_case():
    assert [check.__name__ for check in checks.DRAFTING_CHECKS] == list(DRAFT_FAILING_ALONE)


@pytest.mark.parametrize("check", list(DRAFT_FAILING_ALONE))
def test_each_draft_check_failing_alone_shows_its_message(check, plan, drive, coordinator):
    message, lose = DRAFT_FAILING_ALONE[check]
    drive(plan, S.DRAFTING)
    lose(drafts.fill(plan, coordinator))
    before = _history(plan)

    with pytest.raises(PlanError) as refused:
        plan_submit_for_review(plan=plan, by=coordinator)

    assert refused.value.messages == [str(message())]
    plan.refresh_from_db()
    assert plan.status == S.DRAFTING
    assert _history(plan) == before


def test_a_draft_not_started_fails_each_check_of_what_it_lacks_at_once(plan, drive, coordinator):
    drive(plan, S.DRAFTING)
    before = _history(plan)

    with pytest.raises(PlanError) as refused:
        plan_submit_for_review(plan=plan, by=coordinator)

    every_section = ", ".join(f"“{label}”" for _key, label in SectionKey.choices)
    assert refused.value.messages == [
        str(checks.SECTIONS_MISSING) % {"sections": every_section},
        str(checks.MEASURE_MISSING),
    ]
    plan.refresh_from_db()
    assert plan.status == S.DRAFTING
    assert _history(plan) == before


def test_a_message_names_five_measures_and_counts_the_rest(plan, drive, coordinator):
    drive(plan, S.DRAFTING)
    first = drafts.fill(plan, coordinator)  # complete: not named
    for number in range(2, 9):
        Measure.objects.create(plan=plan, title=f"Misura {number}", lead=first.lead)
    named = ", ".join(f"“Misura {number}”" for number in range(2, 7))
    rest = ngettext("and %(count)s more", "and %(count)s more", 2) % {"count": 2}

    with pytest.raises(PlanError) as refused:
        plan_submit_for_review(plan=plan, by=coordinator)

    assert str(checks.ACTIONS_MISSING % {"measures": f"{named}, {rest}"}) in (
        refused.value.messages
    )


def test_settlements_are_stated_by_none_known_as_well_as_by_a_list(plan, facilitator):
    assessments.fill(plan, settlements=[], no_settlements_known=True)

    plan_complete_assessment(plan=plan, by=facilitator)

    plan.refresh_from_db()
    assert plan.status == S.STAKEHOLDER_TABLES


def test_the_resident_figure_alone_gives_the_workers(plan, facilitator):
    resident = {"resident_min": 300, "resident_max": 400, "resident_kind": "declared"}
    assessments.fill(
        plan,
        **dict.fromkeys(["seasonal_min", "seasonal_max", "seasonal_year"]),
        seasonal_kind="",
        seasonal_source="",
        **resident,
        resident_year=2023,
        resident_source="INPS",
    )

    plan_complete_assessment(plan=plan, by=facilitator)

    plan.refresh_from_db()
    assert plan.status == S.STAKEHOLDER_TABLES


def test_a_crop_without_months_does_not_count_as_the_crop_calendar(plan, facilitator):
    assessments.fill(plan, crops=[{"name": "Mele", "months": [], "workers_at_peak": None}])

    with pytest.raises(PlanError) as refused:
        plan_complete_assessment(plan=plan, by=facilitator)

    assert refused.value.messages == [str(checks.CROPS_MISSING)]


def test_resume_without_a_reason_is_refused(plan, lead):
    plan_suspend(plan=plan, by=lead, reason="Elezioni")

    with pytest.raises(PlanError) as refused:
        plan_resume(plan=plan, by=lead, reason="")

    assert refused.value.messages == [str(checks.REASON_MISSING)]
    plan.refresh_from_db()
    assert plan.status == S.SUSPENDED


@pytest.mark.parametrize("state", list(ACTIVE_STATES))
def test_suspend_then_resume_returns_to_the_remembered_state(state, plan, drive, facilitator):
    drive(plan, state)

    plan_suspend(plan=plan, by=facilitator, reason="Elezioni comunali")
    plan.refresh_from_db()
    assert (plan.status, plan.suspended_from) == (S.SUSPENDED, state)
    assert plan.suspension_reason == "Elezioni comunali"
    assert plan.suspended_at is not None

    plan_resume(plan=plan, by=facilitator, reason="Nuova giunta insediata")
    plan.refresh_from_db()
    assert plan.status == state
    assert (plan.suspended_from, plan.suspended_at, plan.suspension_reason) == ("", None, "")


@pytest.mark.parametrize("state", list(NON_FINAL_STATES))
def test_the_lead_withdraws_a_plan_from_each_non_final_state(state, plan, drive, lead):
    drive(plan, state)

    plan_withdraw(plan=plan, by=lead, reason="Il comune rinuncia")

    plan.refresh_from_db()
    assert plan.status == S.WITHDRAWN
    assert plan.withdrawal_reason == "Il comune rinuncia"
    assert plan.suspended_from == ""


def test_the_status_cannot_be_written_directly(plan):
    with pytest.raises(AttributeError):
        plan.status = S.ADOPTED


def test_a_second_open_plan_for_a_comune_is_refused(plan, launch, comune):
    with pytest.raises(PlanError) as refused:
        launch(comune, title="Another")

    assert str(ONE_OPEN_PLAN_PER_COMUNE) in refused.value.messages
    assert Plan.objects.filter(comune=comune).count() == 1


def test_the_database_refuses_a_second_open_plan_too(plan, comune):
    with pytest.raises(IntegrityError), transaction.atomic():
        Plan.objects.create(
            comune=comune,
            title="Bypass",
            adhesion_act_number="1",
            adhesion_act_date=plan.adhesion_act_date,
        )


@pytest.mark.parametrize("final", list(FINAL_STATES))
def test_a_new_cycle_may_start_after_adoption_or_withdrawal(final, plan, drive, launch, comune):
    drive(plan, final)

    second = launch(comune, title="PLM 2024-2026")

    assert second.status == S.NEEDS_ASSESSMENT
    assert Plan.objects.filter(comune=comune).count() == 2


def test_a_stale_copy_of_the_plan_gets_the_concurrency_message(plan, drive, facilitator):
    drive(plan, S.REVIEW)
    stale = Plan.objects.get(pk=plan.pk)
    plan_approve(plan=plan, by=facilitator)

    with pytest.raises(PlanError) as refused:
        plan_request_changes(plan=stale, by=facilitator, comments="Rivedere")

    assert refused.value.messages == [str(CONCURRENT_CHANGE)]
    assert Plan.objects.get(pk=plan.pk).status == S.ADOPTION
    assert stale.status == S.ADOPTION  # reloaded, not left half-changed


def _take_draft(plan, person):
    """Take the plan's draft task on as ``person``, as its page does."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=person)


def test_the_draft_is_written_only_by_its_coordinator_while_drafting_is_open(
    tables_plan, coordinator, facilitator
):
    context = {SectionKey.CONTEXT: "x"}
    with pytest.raises(PlanError) as refused:  # the plan is still at its tables
        sections_save(plan=tables_plan, by=coordinator, texts=context)
    assert refused.value.messages == [str(NOT_OPEN) % {"phase": Phase.DRAFTING.label}]
    assert not PlanSection.objects.filter(plan=tables_plan).exists()

    plan_step(tables_plan, by=coordinator)
    plan_step(tables_plan, by=facilitator, decision="approved")
    _take_draft(tables_plan, coordinator)
    with pytest.raises(PlanError) as refused:
        sections_save(plan=tables_plan, by=facilitator, texts=context)
    assert refused.value.forbidden

    first = sections_save(plan=tables_plan, by=coordinator, texts={SectionKey.CONTEXT: "Bozza"})
    again = sections_save(plan=tables_plan, by=coordinator, texts={SectionKey.CONTEXT: "Rivista"})
    section = again[SectionKey.CONTEXT]
    assert section.pk == first[SectionKey.CONTEXT].pk
    assert [h.text for h in section.history.order_by("history_id")] == ["Bozza", "Rivista"]


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (S.NEEDS_ASSESSMENT, NOT_OPEN),
        (S.STAKEHOLDER_TABLES, NOT_OPEN),
        (S.REVIEW, SUBMITTED),
        (S.ADOPTION, SUBMITTED),
        (S.ADOPTED, SUBMITTED),
        (S.SUSPENDED, NOT_OPEN),
        (S.WITHDRAWN, NOT_OPEN),
    ],
)
def test_the_draft_cannot_change_outside_drafting(state, message, plan, drive, coordinator):
    drive(plan, state)
    before = dict(PlanSection.objects.filter(plan=plan).values_list("key", "text"))

    with pytest.raises(PlanError) as refused:
        sections_save(plan=plan, by=coordinator, texts={SectionKey.CONTEXT: "Riscritto."})

    assert refused.value.messages == [str(message) % {"phase": Phase.DRAFTING.label}]
    assert dict(PlanSection.objects.filter(plan=plan).values_list("key", "text")) == before


def test_a_launch_names_every_fault_of_its_people(comune, launch, coordinator, facilitator):
    sleeper = UserFactory(username="sleeper", is_active=False)

    with pytest.raises(PlanError) as refused:
        launch(comune, coordinators=[coordinator, coordinator, sleeper], facilitators=[coordinator])

    assert refused.value.messages == [
        "sleeper è disattivato e non può essere indicato.",
        str(BOTH_ROLES % {"user": "coord-saluzzo"}),
    ]
    assert not Plan.objects.filter(comune=comune).exists()


def test_a_person_listed_twice_is_named_once(comune, launch, coordinator):
    plan = launch(comune, coordinators=[coordinator, coordinator])

    assert plan.comune.memberships.filter(user=coordinator).count() == 1
