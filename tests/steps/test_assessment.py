"""The needs assessment's services, as its coordinators and an auditor see them.

Only the holder of the open ``assess`` task writes the assessment; a draft keeps the task
open, a submission needs the five named checks, and every write that changes something is
one event old → new (rows added, changed and removed included). A refusal leaves no trace.
"""

import pytest
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from flows.flows import PLMFlow
from flows.services import task_claim
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.models import StepKind, StepTask
from plm_workflow.plans.errors import NOT_ALLOWED, PlanError
from plm_workflow.plans.history import plan_changes
from plm_workflow.plans.models import (
    Crop,
    NeedsAssessment,
    Phase,
    PlanStatus,
    Review,
    Settlement,
)
from plm_workflow.plans.models.assessment import (
    CAPACITY_NOT_APPLICABLE,
    NEGATIVE,
    NO_MONTHS,
    NONE_KNOWN_AND_LISTED,
    OFF_SEASON_ABOVE_PEAK,
    RANGE_REVERSED,
    YEAR_IN_FUTURE,
)
from plm_workflow.plans.services import StaleEdit, plan_suspend, plan_withdraw
from plm_workflow.steps.assessment import (
    ALREADY_STARTED,
    NOTHING_TO_COPY,
    ROW_PROBLEM,
    ROW_UNKNOWN,
    assessment_copy_previous,
    assessment_save,
    assessment_submit,
    previous_assessment,
)
from plm_workflow.steps.guard import NOT_HOLDER, NOT_OPEN, SUBMITTED
from tests import assessments
from tests.factories import ADOPTED, ComuneFactory, PlanFactory, UserFactory, plan_step
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

K = EventKind
S = PlanStatus
LABEL = Phase.ASSESSMENT.label


def take(plan, person):
    """Take the plan's open task on as ``person``, as its page does (nobody holds it yet)."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=person)


@pytest.fixture
def plan(flow_launched, comune, coordinator, coordinator2):
    """Saluzzo's plan at its assessment: two coordinators, the task held by ``coordinator``."""
    plan = flow_launched(comune, coordinators=[coordinator, coordinator2])
    take(plan, coordinator)
    return plan


def save(plan, by, *, seen_version=None, **given):
    """Save a complete assessment as a draft (``given`` as ``assessments.complete`` takes)."""
    return assessment_save(
        plan=plan, by=by, seen_version=seen_version, **assessments.complete(**given)
    )


def as_stored(plan) -> dict:
    """Return the save's arguments for the assessment as stored: its rows with their ids."""
    assessment = NeedsAssessment.objects.get(plan=plan)
    return {
        "fields": {name: getattr(assessment, name) for name in assessments.FIELDS},
        "crops": list(assessment.crops.order_by("pk").values("id", *assessments.CROPS[0])),
        "settlements": list(
            assessment.settlements.order_by("pk").values("id", *assessments.SETTLEMENTS[0])
        ),
    }


def trace(plan) -> tuple:
    """What a refused or empty write must leave as it was: rows, their history, events, steps."""
    plan.refresh_from_db()
    return (
        plan.status,
        assessments.state(plan),
        NeedsAssessment.objects.count(),
        Crop.objects.count(),
        Settlement.objects.count(),
        NeedsAssessment.history.count(),
        Crop.history.count(),
        Settlement.history.count(),
        Event.objects.count(),
        list(StepTask.objects.filter(plan=plan).values_list("pk", "closed_at", "holder")),
    )


def saved_events(plan):
    return list(Event.objects.filter(plan=plan, kind=K.ASSESSMENT_SAVED).order_by("seq"))


def work_step(plan):
    return StepTask.objects.get(plan=plan, phase=Phase.ASSESSMENT, kind=StepKind.WORK)


def row_problem(row, number, message) -> str:
    return str(ROW_PROBLEM) % {"row": gettext(row), "number": number, "message": message}


# --- Drafts -----------------------------------------------------------------------------------


def test_a_draft_save_keeps_the_task_open_and_records_what_was_given(plan, coordinator):
    # when: the coordinator saves the first figures of a draft
    assessment = assessment_save(
        plan=plan,
        by=coordinator,
        fields={"housing": "Affitti alti.", "seasonal_min": 800},
        crops=[],
        settlements=[],
        seen_version=0,
    )

    # then: the task stays theirs and open, the plan where it was, one event says what changed
    plan.refresh_from_db()
    assert plan.status == S.NEEDS_ASSESSMENT
    step = work_step(plan)
    assert (step.closed_at, step.holder) == (None, coordinator)
    assert open_task(plan).flow_task.name == "assess"
    [event] = saved_events(plan)
    assert (event.actor, event.plan) == (coordinator, plan)
    assert event.payload == {
        "concerns": {"plan": plan.pk, "needs_assessment": assessment.pk},
        "phase": "assessment",
        "node": "assess",
        "changes": {"housing": [None, "Affitti alti."], "seasonal_min": [None, 800]},
    }
    assert assessment.revision == 1


def test_a_second_draft_records_each_field_old_and_new(plan, coordinator):
    first = save(plan, coordinator)
    given = as_stored(plan)
    given["fields"] |= {"housing": "Dormitorio pieno.", "seasonal_max": 15_000}

    second = assessment_save(plan=plan, by=coordinator, seen_version=first.revision, **given)

    latest = saved_events(plan)[-1]
    assert latest.payload["changes"] == {
        "housing": [assessments.FIELDS["housing"], "Dormitorio pieno."],
        "seasonal_max": [12_000, 15_000],
    }
    assert "children" not in latest.payload
    assert second.revision == first.revision + 1
    assert len(saved_events(plan)) == 2


def test_saving_unchanged_data_writes_nothing(plan, coordinator):
    assessment = save(plan, coordinator)
    before = trace(plan)

    again = assessment_save(
        plan=plan, by=coordinator, seen_version=assessment.revision, **as_stored(plan)
    )

    assert trace(plan) == before
    assert again.revision == assessment.revision


def test_saving_an_empty_form_on_no_assessment_writes_nothing(plan, coordinator):
    before = trace(plan)

    assessment_save(
        plan=plan,
        by=coordinator,
        fields=dict.fromkeys(["housing", "key_issues"], "") | {"no_settlements_known": False},
        crops=[],
        settlements=[],
        seen_version=0,
    )

    assert trace(plan) == before


def test_crops_and_settlements_added_changed_and_removed_are_each_recorded(plan, coordinator):
    # given: a draft with one crop and one settlement
    first = save(plan, coordinator)
    apples = first.crops.get()
    dormitory = first.settlements.get()
    since = timezone.now()
    given = as_stored(plan)
    # when: the apples' months change, kiwis are added and the dormitory is removed
    given["crops"][0]["months"] = [8, 9]
    given["crops"].append({"name": "Kiwi", "months": [10, 11], "workers_at_peak": 400})
    given["settlements"] = []
    assessment_save(plan=plan, by=coordinator, seen_version=first.revision, **given)

    # then: the rows are as given, and the event and the plan's history tell the same
    kiwi = Crop.objects.get(assessment=first, name="Kiwi")
    apples.refresh_from_db()
    assert apples.months == [8, 9]
    assert not Settlement.objects.filter(pk=dormitory.pk).exists()
    kiwi_values = {"name": "Kiwi", "months": [10, 11], "workers_at_peak": 400}
    dormitory_values = {"id": dormitory.pk, **assessments.SETTLEMENTS[0]}
    event = saved_events(plan)[-1]
    assert "changes" not in event.payload  # no field of the assessment itself changed
    assert event.payload["children"] == {
        "crop": {
            "added": [{"id": kiwi.pk, **kiwi_values}],
            "changed": [{"id": apples.pk, "changes": {"months": [[8, 9, 10], [8, 9]]}}],
        },
        "settlement": {"removed": [dormitory_values]},
    }
    assert plan_changes(plan=plan, since=since).children == {
        "crop": {
            "added": [{"id": kiwi.pk, **kiwi_values}],
            "changed": [{"id": apples.pk, "changes": {"months": [[8, 9, 10], [8, 9]]}}],
        },
        "settlement": {"removed": [dormitory_values]},
    }


def test_fields_the_editor_may_not_set_are_ignored(plan, coordinator):
    other = PlanFactory(at="check_assessment")

    given = assessments.complete()
    given["fields"] |= {"revision": 99, "copied_from": other, "plan": other}
    given["crops"][0]["assessment"] = other.assessment
    assessment = assessment_save(plan=plan, by=coordinator, **given)

    assessment.refresh_from_db()
    assert (assessment.plan, assessment.revision, assessment.copied_from) == (plan, 1, None)
    assert assessment.crops.count() == 1
    assert other.assessment.crops.count() == 1


# --- Submission and the named checks ----------------------------------------------------------


@pytest.mark.parametrize("check", list(assessments.FAILING_ALONE))
def test_each_check_failing_alone_refuses_the_submission_with_its_message(check, plan, coordinator):
    message, lacking = assessments.FAILING_ALONE[check]
    before = trace(plan)

    with pytest.raises(PlanError) as refused:
        assessment_submit(
            plan=plan, by=coordinator, seen_version=0, **assessments.complete(**lacking)
        )

    assert refused.value.messages == [str(message)]
    assert trace(plan) == before
    assert NeedsAssessment.objects.filter(plan=plan).count() == 0
    assert Event.objects.filter(plan=plan, kind=K.ASSESSMENT_SAVED).count() == 0


@pytest.mark.parametrize("check", list(assessments.FAILING_ALONE))
def test_a_refused_submission_leaves_the_draft_as_it_was(check, plan, coordinator):
    message, lacking = assessments.FAILING_ALONE[check]
    draft = save(plan, coordinator)
    before = trace(plan)

    with pytest.raises(PlanError) as refused:
        assessment_submit(
            plan=plan,
            by=coordinator,
            seen_version=draft.revision,
            **assessments.complete(**lacking),
        )

    assert refused.value.messages == [str(message)]
    assert trace(plan) == before


def test_a_submission_with_nothing_given_names_every_missing_part(plan, coordinator):
    with pytest.raises(PlanError) as refused:
        assessment_submit(plan=plan, by=coordinator, fields={}, crops=[], settlements=[])

    expected = [str(message) for message, _lacking in assessments.FAILING_ALONE.values()]
    assert refused.value.messages == expected


def test_a_complete_assessment_is_submitted_and_its_approval_opens_the_tables(
    plan, coordinator, facilitator
):
    # when: the coordinator submits it, as the task's page does
    plan_step(plan, by=coordinator, assessment=assessments.complete())

    # then: the facilitators check it, the plan still in its assessment
    assert plan.status == S.NEEDS_ASSESSMENT
    assert work_step(plan).closed_at is not None
    assert open_task(plan).flow_task.name == "check_assessment"
    assessment = NeedsAssessment.objects.get(plan=plan)
    assert assessments.state(plan)[0]["key_issues"] == assessments.FIELDS["key_issues"]
    assert [event.actor for event in saved_events(plan)] == [coordinator]

    # and: their approval moves the plan to its stakeholder tables
    plan_step(plan, by=facilitator, decision="approved")

    assert plan.status == S.STAKEHOLDER_TABLES
    assert open_task(plan).flow_task.name == "convene_tables"
    review = Review.objects.get(plan=plan, phase=Phase.ASSESSMENT)
    assert (review.decision, review.reviewer) == ("approved", facilitator)
    assert NeedsAssessment.objects.get(plan=plan) == assessment


def test_the_service_alone_submits_a_complete_assessment_without_moving_the_plan(plan, coordinator):
    submitted = assessment_submit(plan=plan, by=coordinator, **assessments.complete())

    assert submitted.status == S.NEEDS_ASSESSMENT  # the phase has no submission transition
    assert len(saved_events(plan)) == 1


@pytest.mark.parametrize("moment", ["while it is checked", "after its approval"])
@pytest.mark.parametrize("service", ["save", "submit"])
def test_a_submitted_assessment_cannot_change(moment, service, plan, coordinator, facilitator):
    plan_step(plan, by=coordinator)
    if moment == "after its approval":
        plan_step(plan, by=facilitator, decision="approved")
    before = trace(plan)
    write = {"save": assessment_save, "submit": assessment_submit}[service]

    with pytest.raises(PlanError) as refused:
        write(plan=plan, by=coordinator, **assessments.complete(housing="Cambiato."))

    assert refused.value.messages == [str(SUBMITTED) % {"phase": LABEL}]
    assert refused.value.forbidden is False
    assert trace(plan) == before


@pytest.mark.parametrize("state", [S.SUSPENDED, S.WITHDRAWN])
def test_a_plan_suspended_or_withdrawn_takes_no_change(state, plan, coordinator, lead):
    save(plan, coordinator)
    if state == S.SUSPENDED:
        plan_suspend(plan=plan, by=lead, reason="Elezioni comunali")
    else:
        plan_withdraw(plan=plan, by=lead, reason="Il comune rinuncia")
    before = trace(plan)

    with pytest.raises(PlanError) as refused:
        save(plan, coordinator, housing="Cambiato.")

    assert refused.value.messages == [str(NOT_OPEN) % {"phase": LABEL}]
    assert trace(plan) == before


def test_after_a_return_the_new_task_may_change_the_assessment(plan, coordinator, facilitator):
    # given: submitted, then returned with comments
    plan_step(plan, by=coordinator)
    plan_step(plan, by=facilitator, decision="returned", comments="Manca la mappa.")
    assert plan.status == S.NEEDS_ASSESSMENT
    if open_task(plan).owner_id is None:
        take(plan, coordinator)
    given = as_stored(plan)
    given["settlements"].append(
        assessments.SETTLEMENTS[0]
        | {"name": "Campo di via Lagnasco", "kind": "informal", "capacity": None}
    )

    # when
    assessment = assessment_save(plan=plan, by=coordinator, **given)

    # then
    assert assessment.settlements.count() == 2
    assert saved_events(plan)[-1].payload["children"]["settlement"]["added"][0]["name"] == (
        "Campo di via Lagnasco"
    )
    plan_step(plan, by=coordinator, assessment=as_stored(plan))
    assert open_task(plan).flow_task.name == "check_assessment"


# --- Who may write --------------------------------------------------------------------------


def _write(service, plan, by):
    if service == "copy":
        return assessment_copy_previous(plan=plan, by=by)
    write = {"save": assessment_save, "submit": assessment_submit}[service]
    return write(plan=plan, by=by, **assessments.complete())


SERVICES = ["save", "submit", "copy"]


@pytest.mark.parametrize("service", SERVICES)
def test_another_coordinator_of_the_comune_must_hold_the_task_first(service, plan, coordinator2):
    before = trace(plan)

    with pytest.raises(PlanError) as refused:
        _write(service, plan, coordinator2)

    assert refused.value.messages == [str(NOT_HOLDER) % {"phase": LABEL}]
    assert refused.value.forbidden is False
    assert trace(plan) == before


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("intruder", ["other_comune", "auditor", "facilitator", "lead"])
def test_who_is_not_a_coordinator_of_the_plan_learns_nothing(
    service, intruder, plan, request, flow_launched
):
    if intruder == "other_comune":
        by = UserFactory(username="coord-albenga")
        albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
        flow_launched(albenga, coordinators=[by])
    else:
        by = request.getfixturevalue(intruder)
    before = trace(plan)

    with pytest.raises(PlanError) as refused:
        _write(service, plan, by)

    assert refused.value.forbidden is True
    assert refused.value.messages == [str(NOT_ALLOWED)]
    assert trace(plan) == before


# --- What a saved value must be --------------------------------------------------------------

THIS_YEAR = timezone.localdate().year
INFORMAL = assessments.SETTLEMENTS[0] | {"kind": "informal", "capacity": None}
INVALID = {
    "a negative number": ({"seasonal_min": -5}, lambda: str(NEGATIVE)),
    "a maximum below the minimum": (
        {"seasonal_min": 500, "seasonal_max": 400},
        lambda: str(RANGE_REVERSED),
    ),
    "a reference year in the future": (
        {"resident_year": THIS_YEAR + 1},
        lambda: str(YEAR_IN_FUTURE) % {"year": THIS_YEAR},
    ),
    "a crop with no months": (
        {"crops": [*assessments.CROPS, {"name": "Kiwi", "months": [], "workers_at_peak": None}]},
        lambda: row_problem("Crop", 2, str(NO_MONTHS)),
    ),
    "more people off season than at the peak": (
        {"settlements": [INFORMAL | {"people_peak": 100, "people_off_season": 120}]},
        lambda: row_problem("Settlement", 1, str(OFF_SEASON_ABOVE_PEAK)),
    ),
    "a capacity for an informal settlement": (
        {"settlements": [INFORMAL | {"capacity": 80}]},
        lambda: row_problem("Settlement", 1, str(CAPACITY_NOT_APPLICABLE)),
    ),
    "settlements listed and none known": (
        {"no_settlements_known": True},
        lambda: str(NONE_KNOWN_AND_LISTED),
    ),
}


@pytest.mark.parametrize("case", list(INVALID))
@pytest.mark.parametrize("service", ["save", "submit"])
def test_a_value_that_cannot_be_right_is_refused_with_its_message(case, service, plan, coordinator):
    given, message = INVALID[case]
    draft = save(plan, coordinator)
    before = trace(plan)
    write = {"save": assessment_save, "submit": assessment_submit}[service]

    with pytest.raises(PlanError) as refused:
        write(
            plan=plan,
            by=coordinator,
            seen_version=draft.revision,
            **assessments.complete(**given),
        )

    assert refused.value.messages == [message()]
    assert trace(plan) == before


def test_every_problem_of_a_save_is_named_at_once(plan, coordinator):
    with pytest.raises(PlanError) as refused:
        save(
            plan,
            coordinator,
            seasonal_min=-1,
            crops=[{"name": "Kiwi", "months": [], "workers_at_peak": None}],
            settlements=[INFORMAL | {"capacity": 80}],
        )

    assert refused.value.messages == [
        str(NEGATIVE),
        row_problem("Crop", 1, str(NO_MONTHS)),
        row_problem("Settlement", 1, str(CAPACITY_NOT_APPLICABLE)),
    ]


def test_none_known_with_no_settlement_listed_is_accepted(plan, coordinator):
    plan_step(
        plan,
        by=coordinator,
        assessment=assessments.complete(settlements=[], no_settlements_known=True),
    )

    assert open_task(plan).flow_task.name == "check_assessment"


def test_a_row_of_another_plan_is_not_found_and_nothing_changes(plan, coordinator):
    # given: this plan's draft, and Albenga's assessment with its own crop
    draft = save(plan, coordinator)
    other = PlanFactory(at="check_assessment")
    theirs = other.assessment.crops.get()
    their_state = assessments.state(other)
    before = trace(plan)
    given = as_stored(plan)
    # when: a forged row carries the id of Albenga's crop
    given["crops"].append({"id": theirs.pk, "name": "Rubato", "months": [1]})

    with pytest.raises(PlanError) as refused:
        assessment_save(plan=plan, by=coordinator, seen_version=draft.revision, **given)

    # then
    assert refused.value.messages == [str(ROW_UNKNOWN)]
    assert trace(plan) == before
    assert assessments.state(other) == their_state


def test_a_row_given_twice_is_refused(plan, coordinator):
    draft = save(plan, coordinator)
    before = trace(plan)
    given = as_stored(plan)
    given["crops"].append(dict(given["crops"][0], name="Doppione"))

    with pytest.raises(PlanError) as refused:
        assessment_save(plan=plan, by=coordinator, seen_version=draft.revision, **given)

    assert refused.value.messages == [str(ROW_UNKNOWN)]
    assert trace(plan) == before


def test_a_save_from_an_out_of_date_page_is_refused_and_names_who_saved(plan, coordinator):
    # given: two pages opened on no assessment; the first one saves
    save(plan, coordinator, seen_version=0)
    before = trace(plan)

    # when: the second one saves what it shows, an older version
    with pytest.raises(StaleEdit) as refused:
        save(plan, coordinator, seen_version=0, housing="Dall'altra scheda.")

    # then
    assert len(refused.value.messages) == 1
    assert coordinator.get_username() in refused.value.messages[0]
    assert trace(plan) == before


def test_a_save_without_a_version_is_not_checked(plan, coordinator):
    save(plan, coordinator)

    assessment = save(plan, coordinator, housing="Senza versione.")

    assert assessment.housing == "Senza versione."


# --- The copy of the last cycle -------------------------------------------------------------


@pytest.fixture
def last_cycle(comune, lead, coordinator, facilitator):
    """Saluzzo's last plan, adopted: its assessment is the complete one of the factories."""
    return PlanFactory(
        at=ADOPTED, comune=comune, lead=lead, coordinator=coordinator, facilitator=facilitator
    )


@pytest.fixture
def new_cycle(last_cycle, flow_launched, comune, coordinator, coordinator2):
    """Saluzzo's next plan at its assessment, the task held by ``coordinator``."""
    plan = flow_launched(comune, title="PLM 2024-2026", coordinators=[coordinator, coordinator2])
    take(plan, coordinator)
    return plan


def test_the_last_adopted_cycle_is_offered_as_a_start(new_cycle, last_cycle):
    assert previous_assessment(new_cycle) == last_cycle.assessment


def test_the_copy_starts_from_the_last_cycles_assessment_and_says_so(
    new_cycle, last_cycle, coordinator
):
    source = last_cycle.assessment
    source_state = assessments.state(last_cycle)

    copy = assessment_copy_previous(plan=new_cycle, by=coordinator)

    # the figures, the crop calendar and the settlements are those of the last cycle
    copy.refresh_from_db()
    assert (copy.plan, copy.copied_from, copy.revision) == (new_cycle, last_cycle, 1)
    fields, crops, settlements = assessments.state(new_cycle)
    source_fields, source_crops, source_settlements = source_state
    assert {k: v for k, v in fields.items() if k not in ("revision", "copied_from_id")} == {
        k: v for k, v in source_fields.items() if k not in ("revision", "copied_from_id")
    }

    def without_ids(rows):
        return [{k: v for k, v in row.items() if k != "pk"} for row in rows]

    assert without_ids(crops) == without_ids(source_crops)
    assert without_ids(settlements) == without_ids(source_settlements)
    assert {row["pk"] for row in crops}.isdisjoint(row["pk"] for row in source_crops)
    # the last cycle's assessment is untouched
    assert assessments.state(last_cycle) == source_state
    # one event, naming the plan copied from and each row's original
    [event] = Event.objects.filter(plan=new_cycle, kind=K.ASSESSMENT_COPIED)
    assert event.actor == coordinator
    assert event.payload["concerns"] == {
        "plan": new_cycle.pk,
        "needs_assessment": copy.pk,
        "source_plan": last_cycle.pk,
        "source_assessment": source.pk,
    }
    assert (event.payload["phase"], event.payload["node"]) == ("assessment", "assess")
    assert event.payload["changes"]["key_issues"] == [None, assessments.FIELDS["key_issues"]]
    assert event.payload["children"] == {
        "crop": {"added": [{"id": crops[0]["pk"], "copy_of": source_crops[0]["pk"]}]},
        "settlement": {
            "added": [{"id": settlements[0]["pk"], "copy_of": source_settlements[0]["pk"]}]
        },
    }
    # and the copy is a draft like any other: the task stays open
    assert work_step(new_cycle).closed_at is None


def test_the_copy_is_offered_once(new_cycle, coordinator):
    assessment_copy_previous(plan=new_cycle, by=coordinator)
    before = trace(new_cycle)

    with pytest.raises(PlanError) as refused:
        assessment_copy_previous(plan=new_cycle, by=coordinator)

    assert refused.value.messages == [str(ALREADY_STARTED)]
    assert trace(new_cycle) == before


def test_an_assessment_already_started_is_not_replaced_by_the_copy(new_cycle, coordinator):
    save(new_cycle, coordinator, housing="Scritto a mano.")
    before = trace(new_cycle)

    with pytest.raises(PlanError) as refused:
        assessment_copy_previous(plan=new_cycle, by=coordinator)

    assert refused.value.messages == [str(ALREADY_STARTED)]
    assert trace(new_cycle) == before


def test_an_empty_draft_does_not_take_the_copy_away(new_cycle, last_cycle, coordinator):
    assessment_save(
        plan=new_cycle, by=coordinator, fields={}, crops=[], settlements=[], seen_version=0
    )

    copy = assessment_copy_previous(plan=new_cycle, by=coordinator)

    assert copy.copied_from == last_cycle


def test_with_no_adopted_plan_there_is_nothing_to_copy(plan, coordinator):
    before = trace(plan)

    with pytest.raises(PlanError) as refused:
        assessment_copy_previous(plan=plan, by=coordinator)

    assert refused.value.messages == [str(NOTHING_TO_COPY)]
    assert trace(plan) == before
    assert previous_assessment(plan) is None


def test_a_withdrawn_plan_is_not_a_cycle_to_copy(
    flow_launched, comune, lead, coordinator, coordinator2
):
    withdrawn = PlanFactory(at="check_assessment", comune=comune, lead=lead)
    plan_withdraw(plan=withdrawn, by=lead, reason="Il comune rinuncia")
    plan = flow_launched(comune, title="PLM 2024-2026", coordinators=[coordinator, coordinator2])
    take(plan, coordinator)

    with pytest.raises(PlanError) as refused:
        assessment_copy_previous(plan=plan, by=coordinator)

    assert refused.value.messages == [str(NOTHING_TO_COPY)]


def test_another_comunes_adopted_plan_is_not_copied(plan, coordinator):
    PlanFactory(at=ADOPTED, comune=ComuneFactory(istat_code="009002", name="Albenga"))

    assert previous_assessment(plan) is None


def test_of_two_adopted_cycles_the_latest_is_copied(
    comune, lead, coordinator, facilitator, coordinator2, flow_launched
):
    people = {"lead": lead, "coordinator": coordinator, "facilitator": facilitator}
    PlanFactory(at=ADOPTED, comune=comune, **people)
    latest = PlanFactory(at=ADOPTED, comune=comune, title="PLM 2023-2024", **people)
    plan = flow_launched(comune, title="PLM 2025-2026", coordinators=[coordinator, coordinator2])

    assert previous_assessment(plan).plan == latest


def test_the_reference_year_may_be_this_year(plan, coordinator):
    save(plan, coordinator, seasonal_year=THIS_YEAR)

    assert NeedsAssessment.objects.get(plan=plan).seasonal_year == THIS_YEAR
