"""The drafting phase's services, as its coordinators, facilitators and an auditor see them.

While the ``draft`` task is open its holder writes the plan's four sections and its measures,
each with its partners, funding lines and indicators; the submission needs the seven named
checks of ``submit_for_review``. Every save is one event old → new with the rows added,
removed or changed; a refusal leaves no trace. The facilitators may comment on single
sections and measures when they return the draft.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format

from flows.content import last_return, step_of
from flows.drafting_content import DraftingContent, orphan_comments, with_comments
from flows.flows import PLMFlow
from flows.services import task_claim, task_complete, task_release
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans.errors import NOT_ALLOWED, PlanError
from plm_workflow.plans.models import (
    FundingLine,
    Indicator,
    Measure,
    MeasurePartner,
    Organisation,
    Phase,
    PlanSection,
    PlanStatus,
    Review,
    ReviewComment,
    ReviewDecision,
    SectionKey,
)
from plm_workflow.plans.services import StaleEdit, review_decide
from plm_workflow.steps.drafting import (
    draft_submit,
    measure_remove,
    measure_save,
    sections_save,
)
from plm_workflow.steps.guard import NOT_HOLDER, NOT_OPEN, SUBMITTED
from tests import drafts
from tests.factories import ComuneFactory, PlanFactory, UserFactory, plan_step
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

K = EventKind
S = PlanStatus
LABEL = Phase.DRAFTING.label
TITLE = "“Foresteria stagionale”"  # the title of drafts.measure, as a check names it
MEASURE_FIELDS = ("priority_action_id", "title", "description", "lead_id", "starts_on", "ends_on")
INDICATOR_FIELDS = ("name", "unit", "baseline", "target", "target_date", "source")
HISTORIES = (PlanSection, Measure, MeasurePartner, FundingLine, Indicator, ReviewComment)


@pytest.fixture
def english():
    """Messages in the source language: the Italian catalogue has no drafting strings yet."""
    with translation.override("en"):
        yield


def take(plan, person):
    """Take the plan's open task on as ``person``, as its page does (nobody holds it yet)."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=person)


def release(plan, person):
    """Give the plan's open task back, as its page does."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        task_release(activation=task.flow_task.activation_class(task), by=person)


def decide(plan, by, decision, *, comments="", item_comments=None) -> Review:
    """Decide the review task as ``by``, as its page does, with comments on items."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        activation = task.flow_task.activation_class(task)
        if task.owner_id is None:
            task_claim(activation=activation, by=by)
        activation.start(SimpleNamespace(user=by))
        review = review_decide(
            plan=plan,
            phase=Phase.DRAFTING,
            decision=decision,
            comments=comments,
            by=by,
            item_comments=item_comments,
        )
        task_complete(activation=activation, by=by)
    plan.refresh_from_db()
    return review


@pytest.fixture
def plan(drafting_plan, coordinator):
    """Saluzzo's plan in drafting: two coordinators, the ``draft`` task held by ``coordinator``."""
    take(drafting_plan, coordinator)
    assert open_task(drafting_plan).owner == coordinator
    return drafting_plan


@pytest.fixture
def itself(plan):
    return Organisation.objects.get(comune=plan.comune, is_the_comune=True)


@pytest.fixture
def prefettura(plan):
    """A partner of Saluzzo's tables (``tests.tables.complete``)."""
    return Organisation.objects.get(comune=plan.comune, name="Prefettura")


@pytest.fixture
def elsewhere():
    """Albenga's plan under review: a complete draft of its own, written by its coordinator."""
    albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    return PlanFactory(comune=albenga, at="review")


@pytest.fixture
def stranger(elsewhere):
    """An organisation of another comune (Albenga)."""
    return Organisation.objects.get(comune=elsewhere.comune, is_the_comune=True)


def add(plan, by, **given) -> Measure:
    """Add a complete measure (``given`` changes its fields)."""
    return measure_save(plan=plan, by=by, **drafts.measure(plan, by, **given))


def complete(plan, by) -> Measure:
    """Write the four sections and one complete measure; return the measure."""
    sections_save(plan=plan, by=by, texts=drafts.texts())
    return add(plan, by)


def _rows(model, *fields):
    return list(model.objects.order_by("pk").values_list("pk", *fields))


def trace(plan) -> tuple:
    """What a refused write must leave as it was: the rows, their history, reviews, events."""
    plan.refresh_from_db()
    return (
        plan.status,
        _rows(PlanSection, "plan_id", "key", "text", "revision"),
        _rows(Measure, "plan_id", *MEASURE_FIELDS, "revision"),
        _rows(MeasurePartner, "measure_id", "organisation_id"),
        _rows(FundingLine, "measure_id", "source", "amount", "cup"),
        _rows(Indicator, "measure_id", *INDICATOR_FIELDS),
        _rows(Review, "plan_id", "phase", "round", "decision"),
        _rows(ReviewComment, "review_id", "section", "measure_id", "text"),
        [model.history.count() for model in HISTORIES],
        Event.objects.count(),
        list(plan.process.task_set.order_by("pk").values_list("pk", "status", "owner")),
    )


def refused(action, plan) -> PlanError:
    """Run ``action``, which must be refused and leave no trace; return the refusal."""
    before = trace(plan)
    with pytest.raises(PlanError) as caught:
        action()
    assert trace(plan) == before
    return caught.value


def events(plan, *kinds):
    return list(Event.objects.filter(plan=plan, kind__in=kinds).order_by("seq"))


def stored(value):
    """A value as the event payload stores it (decimals and dates as text)."""
    if isinstance(value, Decimal | datetime.date):
        return str(value) if isinstance(value, Decimal) else value.isoformat()
    return value


# --- The named checks of submit_for_review ------------------------------------------------------


def test_an_empty_draft_fails_the_sections_and_the_measure_checks(plan, coordinator, english):
    error = refused(lambda: draft_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [
        "Write the plan's sections still empty: “Context”, “Objectives”, “Governance”, "
        "“Monitoring and evaluation”.",
        "Add at least one measure.",
    ]


def _change(**fields):
    return lambda plan, by, measure: measure_save(plan=plan, by=by, pk=measure.pk, fields=fields)


def _rows_given(**given):
    return lambda plan, by, measure: measure_save(
        plan=plan, by=by, pk=measure.pk, fields={}, **given
    )


def _stored(**fields):
    """Write straight to the database what the services refuse (rows of an older release)."""
    return lambda plan, by, measure: Measure.objects.filter(pk=measure.pk).update(**fields)


FUNDING = f"Give at least one funding line above 0 € to these measures: {TITLE}."
DATES = f"Give the start and the end (not before the start) of these measures: {TITLE}."
INDICATORS = f"Give at least one indicator with its baseline and target to these measures: {TITLE}."
BREAKS = {
    "a section left empty": (
        lambda plan, by, measure: sections_save(plan=plan, by=by, texts={"monitoring": "  \n"}),
        "Write the plan's sections still empty: “Monitoring and evaluation”.",
    ),
    "no measure": (
        lambda plan, by, measure: measure_remove(plan=plan, by=by, pk=measure.pk),
        "Add at least one measure.",
    ),
    "no priority action": (
        _change(priority_action_id=None),
        f"Choose the priority action of these measures: {TITLE}.",
    ),
    "no lead": (_change(lead_id=None), f"Choose the lead organisation of these measures: {TITLE}."),
    "no funding line": (_rows_given(funding=[]), FUNDING),
    "only a funding line of 0 €": (
        _rows_given(funding=drafts.funding(amount=Decimal("0.00"))),
        FUNDING,
    ),
    "no start": (_change(starts_on=None), DATES),
    "no end": (_change(ends_on=None), DATES),
    "the start after the end": (
        _stored(starts_on=datetime.date(2028, 1, 1), ends_on=datetime.date(2027, 12, 31)),
        DATES,
    ),
    "no indicator": (_rows_given(indicators=[]), INDICATORS),
    "an indicator without baseline": (
        _rows_given(indicators=drafts.indicators(baseline=None)),
        INDICATORS,
    ),
    "an indicator without target": (
        _rows_given(indicators=drafts.indicators(target=None)),
        INDICATORS,
    ),
}


@pytest.mark.parametrize("lack", BREAKS)
def test_each_named_check_refuses_alone_with_its_own_message(lack, plan, coordinator, english):
    # given: a complete draft, then one thing missing
    measure = complete(plan, coordinator)
    breaks, message = BREAKS[lack]
    breaks(plan, coordinator, measure)

    # when: its holder submits it
    error = refused(lambda: draft_submit(plan=plan, by=coordinator), plan)

    # then: only that check fails, and the plan stays in drafting
    assert error.messages == [message]
    assert plan.status == S.DRAFTING


def test_a_complete_draft_goes_to_review(plan, coordinator):
    complete(plan, coordinator)

    draft_submit(plan=plan, by=coordinator)

    plan.refresh_from_db()
    assert plan.status == S.REVIEW
    [moved] = events(plan, K.PLAN_TRANSITION)[-1:]
    assert moved.payload["changes"]["status"] == [S.DRAFTING, S.REVIEW]


def test_a_line_of_0_euro_beside_one_above_0_funds_the_measure(plan, coordinator):
    measure = complete(plan, coordinator)
    measure_save(
        plan=plan,
        by=coordinator,
        pk=measure.pk,
        fields={},
        funding=drafts.funding(amount=Decimal("0.00")) + drafts.funding(amount=Decimal("0.01")),
    )

    draft_submit(plan=plan, by=coordinator)

    plan.refresh_from_db()
    assert plan.status == S.REVIEW


def test_a_check_names_five_measures_and_counts_the_rest(plan, coordinator, english):
    sections_save(plan=plan, by=coordinator, texts=drafts.texts())
    for number in range(1, 8):
        add(plan, coordinator, title=f"Misura {number}", lead_id=None)

    error = refused(lambda: draft_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [
        "Choose the lead organisation of these measures: “Misura 1”, “Misura 2”, "
        "“Misura 3”, “Misura 4”, “Misura 5”, and 2 more."
    ]


def test_every_failing_check_is_said_at_once_naming_its_own_measures(plan, coordinator, english):
    sections_save(plan=plan, by=coordinator, texts=drafts.texts())
    add(plan, coordinator, title="Senza capofila", lead_id=None)
    add(plan, coordinator, title="Senza date", starts_on=None)

    error = refused(lambda: draft_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [
        "Choose the lead organisation of these measures: “Senza capofila”.",
        "Give the start and the end (not before the start) of these measures: “Senza date”.",
    ]


# --- Totals, to the cent ------------------------------------------------------------------------


def test_totals_are_exact_to_the_cent_per_measure_axis_source_and_plan(plan, coordinator, english):
    cents = [
        {"source": "pnrr_m5c2_2_2", "amount": Decimal("0.10"), "cup": ""},
        {"source": "fnpm", "amount": Decimal("0.20"), "cup": ""},
    ]
    housing = add(plan, coordinator, title="Foresteria")  # action 5: prevention
    victims = add(plan, coordinator, title="Sportello", priority_action_id=drafts.action(9).pk)
    for measure in (housing, victims):
        measure_save(plan=plan, by=coordinator, pk=measure.pk, fields={}, funding=cents)

    state = DraftingContent(Phase.DRAFTING).as_of(plan)

    assert [(m.title, str(m.budget)) for m in state.measures] == [
        ("Foresteria", "0.30"),
        ("Sportello", "0.30"),
    ]
    assert [(group.axis.code, str(group.total)) for group in state.by_axis] == [
        ("prevention", "0.30"),
        ("protection", "0.30"),
    ]
    assert [(str(label), str(total)) for label, total in state.by_source] == [
        ("PNRR M5C2 inv. 2.2", "0.20"),
        ("FNPM", "0.40"),
    ]
    assert state.total == Decimal("0.60") and str(state.total) == "0.60"
    assert all(isinstance(m.budget, Decimal) for m in state.measures)


def test_measures_without_an_action_are_grouped_last_and_coverage_counts_each_action(
    plan, coordinator
):
    add(plan, coordinator, title="Senza azione", priority_action_id=None)
    add(plan, coordinator, title="Vigilanza", priority_action_id=drafts.action(8).pk)
    add(plan, coordinator, title="Alloggi")
    add(plan, coordinator, title="Altri alloggi")

    state = DraftingContent(Phase.DRAFTING).as_of(plan)

    assert [(group.axis.code if group.axis else None, group.count) for group in state.by_axis] == [
        ("prevention", 2),
        ("vigilance", 1),
        (None, 1),
    ]
    assert [(action.number, count) for action, count in state.coverage] == [
        (number, {5: 2, 8: 1}.get(number, 0)) for number in range(1, 11)
    ]
    assert state.addressed == 2


# --- Refusals: what is wrong is said, nothing is written ----------------------------------------


def _line(**given):
    return {"funding": drafts.funding(**given)}


REFUSALS = {
    "a CUP of 14 characters": (
        lambda ctx: _line(cup="J51B2100488000"),
        "Funding line 1: A CUP is 15 letters or digits (spaces are left out), e.g. "
        "“J51B21004880006”.",
    ),
    "a CUP with symbols": (
        lambda ctx: _line(cup="J51B-2100488000"),
        "Funding line 1: A CUP is 15 letters or digits (spaces are left out), e.g. "
        "“J51B21004880006”.",
    ),
    "a negative amount": (
        lambda ctx: _line(amount=Decimal("-0.01")),
        "Funding line 1: An amount cannot be negative.",
    ),
    "the end before the start": (
        lambda ctx: {"starts_on": datetime.date(2027, 6, 1), "ends_on": datetime.date(2027, 5, 31)},
        "The end cannot be before the start.",
    ),
    "a lead of another comune": (
        lambda ctx: {"lead": ctx["stranger"]},
        "Choose among this comune's organisations.",
    ),
    "a partner of another comune": (
        lambda ctx: {"partners": [ctx["prefettura"].pk, ctx["stranger"].pk]},
        "Choose among this comune's organisations.",
    ),
    "an unknown priority action": (
        lambda ctx: {"priority_action_id": 999_999},
        "Choose one of the national plan's priority actions.",
    ),
    "a forged funding line": (
        lambda ctx: _line(id=ctx["elsewhere_line"]),
        "A row of this page was not found: reload the page and try again.",
    ),
    "a forged indicator": (
        lambda ctx: {"indicators": drafts.indicators(id=ctx["elsewhere_indicator"])},
        "A row of this page was not found: reload the page and try again.",
    ),
}


def _measure_kwargs(plan, by, given: dict) -> dict:
    """``measure_save``'s arguments for a complete measure, ``given`` changing any of them."""
    rows = {key: given.pop(key) for key in ("partners", "funding", "indicators") if key in given}
    kwargs = drafts.measure(plan, by, **given)
    return kwargs | rows


@pytest.mark.parametrize("existing", [False, True], ids=["new measure", "a change"])
@pytest.mark.parametrize("wrong", REFUSALS)
def test_a_wrong_measure_is_refused_saying_why_and_nothing_is_written(
    wrong, existing, plan, coordinator, prefettura, stranger, elsewhere, english
):
    other = elsewhere.measures.get()
    ctx = {
        "prefettura": prefettura,
        "stranger": stranger,
        "elsewhere_line": other.funding.get().pk,
        "elsewhere_indicator": other.indicators.get().pk,
    }
    pk = add(plan, coordinator).pk if existing else None
    make, message = REFUSALS[wrong]
    kwargs = _measure_kwargs(plan, coordinator, make(ctx))

    error = refused(lambda: measure_save(plan=plan, by=coordinator, pk=pk, **kwargs), plan)

    assert error.messages == [message]


def test_another_measure_of_the_plan_cannot_lend_its_rows(plan, coordinator, english):
    first = add(plan, coordinator)
    second = add(plan, coordinator, title="Navetta")
    line = first.funding.get()

    error = refused(
        lambda: measure_save(
            plan=plan,
            by=coordinator,
            pk=second.pk,
            fields={},
            funding=drafts.funding(id=line.pk, amount=Decimal("1.00")),
        ),
        plan,
    )

    assert error.messages == ["A row of this page was not found: reload the page and try again."]


def test_a_measure_of_another_plan_is_not_found(plan, coordinator, elsewhere, english):
    other = elsewhere.measures.get()
    message = "This measure was not found on this plan: reload the page and try again."

    for action in (
        lambda: measure_save(plan=plan, by=coordinator, pk=other.pk, fields={"title": "Mia"}),
        lambda: measure_remove(plan=plan, by=coordinator, pk=other.pk),
    ):
        before = other.history.count()
        assert refused(action, plan).messages == [message]
        other.refresh_from_db()
        assert (other.title, other.history.count()) == ("Foresteria stagionale", before)


def test_a_valid_cup_is_kept(plan, coordinator):
    measure = measure_save(
        plan=plan,
        by=coordinator,
        **_measure_kwargs(plan, coordinator, _line(cup="J51B21004880006")),
    )

    assert measure.funding.get().cup == "J51B21004880006"


@pytest.mark.parametrize("typed", ["j51b 2100 4880 006", "j51b21004880006", " J51B21004880006 "])
def test_a_cup_is_stored_upper_cased_without_spaces(typed, plan, coordinator):
    measure = measure_save(
        plan=plan, by=coordinator, **_measure_kwargs(plan, coordinator, _line(cup=typed))
    )

    assert measure.funding.get().cup == "J51B21004880006"


def test_a_section_over_50000_characters_is_refused_saying_so(plan, coordinator, english):
    error = refused(
        lambda: sections_save(
            plan=plan,
            by=coordinator,
            texts=drafts.texts(context="x" * 50_001),
        ),
        plan,
    )

    assert error.messages == ["Context: At most 50,000 characters, please: this text has 50,001."]


def test_a_section_of_50000_characters_is_saved_with_line_breaks_counted_once(plan, coordinator):
    text = "x" * 49_998 + "\r\ny"

    saved = sections_save(plan=plan, by=coordinator, texts={"context": text})

    assert saved["context"].text == "x" * 49_998 + "\ny"


def test_an_unknown_section_is_refused(plan, coordinator, english):
    error = refused(
        lambda: sections_save(plan=plan, by=coordinator, texts={"preface": "Premessa."}), plan
    )

    assert error.messages == ["This plan has no such section."]


# --- Pages out of date --------------------------------------------------------------------------


def _meanwhile(plan, coordinator, coordinator2, change):
    """Another coordinator takes the task over, makes ``change`` and gives the task back; the
    first one takes it again, their page still showing what it showed before."""
    release(plan, coordinator)
    take(plan, coordinator2)
    change(coordinator2)
    release(plan, coordinator2)
    take(plan, coordinator)


def _saved_at(row) -> str:
    latest = row.history.order_by("-history_id").first()
    return date_format(timezone.localtime(latest.history_date), "SHORT_DATETIME_FORMAT")


def test_a_measure_changed_since_the_page_loaded_is_refused_naming_who_and_when(
    plan, coordinator, coordinator2, english
):
    coordinator2.first_name, coordinator2.last_name = "Anna", "Bianchi"
    coordinator2.save()
    measure = add(plan, coordinator)
    shown = measure.revision
    _meanwhile(
        plan,
        coordinator,
        coordinator2,
        lambda by: measure_save(plan=plan, by=by, pk=measure.pk, fields={"title": "Dormitorio"}),
    )

    before = trace(plan)
    with pytest.raises(StaleEdit) as caught:
        measure_save(
            plan=plan,
            by=coordinator,
            pk=measure.pk,
            seen_version=shown,
            fields={"description": "La mia versione."},
        )

    assert trace(plan) == before
    measure.refresh_from_db()
    assert (measure.title, measure.description) == (
        "Dormitorio",
        "Cinquanta posti letto per la stagione.",
    )
    assert caught.value.messages == [
        f"Anna Bianchi changed the measure “Dormitorio” on {_saved_at(measure)} while you were "
        "editing it: nothing was saved. Its current version is shown; make your change again."
    ]


def test_a_measure_whose_rows_changed_since_the_page_loaded_is_refused(plan, coordinator):
    measure = add(plan, coordinator)
    shown = measure.revision
    measure_save(plan=plan, by=coordinator, pk=measure.pk, fields={}, indicators=[])  # another tab

    before = trace(plan)
    with pytest.raises(StaleEdit) as caught:
        measure_save(
            plan=plan, by=coordinator, pk=measure.pk, seen_version=shown, fields={"title": "X"}
        )

    assert trace(plan) == before
    assert coordinator.get_username() in caught.value.messages[0]


def test_a_section_changed_since_the_page_loaded_is_refused_naming_who_and_when(
    plan, coordinator, coordinator2, english
):
    saved = sections_save(plan=plan, by=coordinator, texts=drafts.texts())
    shown = {key: section.revision for key, section in saved.items()}
    _meanwhile(
        plan,
        coordinator,
        coordinator2,
        lambda by: sections_save(plan=plan, by=by, texts={"governance": "La giunta decide."}),
    )

    before = trace(plan)
    with pytest.raises(StaleEdit) as caught:
        sections_save(
            plan=plan,
            by=coordinator,
            texts={"context": "Il mio contesto.", "governance": "Il mio tavolo."},
            seen_versions=shown,
        )

    # then: neither section is written, not even the one nobody else changed
    assert trace(plan) == before
    governance = PlanSection.objects.get(plan=plan, key="governance")
    assert governance.text == "La giunta decide."
    assert caught.value.messages == [
        f"coord-saluzzo-2 changed the section “Governance” on {_saved_at(governance)} while "
        "you were editing it: nothing was saved. Its current text is shown; copy what you "
        "need from yours and save again."
    ]


def test_a_section_written_since_an_empty_page_loaded_is_refused(plan, coordinator):
    sections_save(plan=plan, by=coordinator, texts={"context": "Dall'altra scheda."})

    before = trace(plan)
    with pytest.raises(StaleEdit):
        sections_save(
            plan=plan, by=coordinator, texts={"context": "Il mio."}, seen_versions={"context": 0}
        )

    assert trace(plan) == before


def test_a_version_given_for_a_section_never_written_is_refused(plan, coordinator):
    refused(
        lambda: sections_save(
            plan=plan, by=coordinator, texts={"context": "Il mio."}, seen_versions={"context": 3}
        ),
        plan,
    )


def test_a_save_from_an_up_to_date_page_is_saved(plan, coordinator):
    saved = sections_save(plan=plan, by=coordinator, texts={"context": "Prima."})
    measure = add(plan, coordinator)

    sections_save(
        plan=plan,
        by=coordinator,
        texts={"context": "Dopo.", "objectives": "Nuovi."},
        seen_versions={"context": saved["context"].revision, "objectives": 0},
    )
    measure_save(
        plan=plan,
        by=coordinator,
        pk=measure.pk,
        seen_version=measure.revision,
        fields={"title": "Dopo"},
    )

    assert dict(PlanSection.objects.filter(plan=plan).values_list("key", "text")) == {
        "context": "Dopo.",
        "objectives": "Nuovi.",
    }
    measure.refresh_from_db()
    assert measure.title == "Dopo"


# --- Who may write, and when --------------------------------------------------------------------


def _every_write(plan, measure, new):
    """One call of each service on the plan's draft, by a person."""
    return {
        "sections_save": lambda by: sections_save(plan=plan, by=by, texts={"context": "Altro."}),
        "measure_save": lambda by: measure_save(plan=plan, by=by, **new),
        "measure_save (a change)": lambda by: measure_save(
            plan=plan, by=by, pk=measure.pk, fields={"title": "Altro"}
        ),
        "measure_remove": lambda by: measure_remove(plan=plan, by=by, pk=measure.pk),
        "draft_submit": lambda by: draft_submit(plan=plan, by=by),
    }


WRITES = ["sections_save", "measure_save", "measure_save (a change)", "measure_remove"]


@pytest.mark.parametrize("write", [*WRITES, "draft_submit"])
@pytest.mark.parametrize("who", ["another comune's coordinator", "auditor", "facilitator"])
def test_people_who_do_not_coordinate_the_plan_are_refused_learning_nothing(
    write, who, plan, coordinator, facilitator, auditor, elsewhere
):
    measure = complete(plan, coordinator)
    new = drafts.measure(plan, coordinator)
    person = {
        "another comune's coordinator": elsewhere.comune.memberships.get(role="coordinator").user,
        "auditor": auditor,
        "facilitator": facilitator,
    }[who]

    error = refused(lambda: _every_write(plan, measure, new)[write](person), plan)

    assert error.forbidden is True
    assert error.messages == [str(NOT_ALLOWED)]


def test_a_stranger_without_any_role_is_refused(plan, coordinator):
    error = refused(
        lambda: sections_save(plan=plan, by=UserFactory(), texts={"context": "Altro."}), plan
    )

    assert error.forbidden is True


@pytest.mark.parametrize("write", [*WRITES, "draft_submit"])
def test_a_coordinator_not_holding_the_task_is_told_to_take_it_on(
    write, plan, coordinator, coordinator2
):
    measure = complete(plan, coordinator)
    new = drafts.measure(plan, coordinator)

    error = refused(lambda: _every_write(plan, measure, new)[write](coordinator2), plan)

    assert error.forbidden is False
    assert error.messages == [str(NOT_HOLDER % {"phase": LABEL})]


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("when", ["under review", "approved"])
def test_the_draft_cannot_change_once_submitted(
    write, when, plan, coordinator, coordinator2, facilitator
):
    measure = complete(plan, coordinator)
    new = drafts.measure(plan, coordinator)
    plan_step(plan, by=coordinator)  # submitted, as the task's page does
    if when == "approved":
        plan_step(plan, by=facilitator, decision="approved")
    assert plan.status == (S.REVIEW if when == "under review" else S.ADOPTION)

    for person in (coordinator, coordinator2):
        error = refused(lambda: _every_write(plan, measure, new)[write](person), plan)  # noqa: B023

        assert error.messages == [str(SUBMITTED % {"phase": LABEL})]


def test_nothing_is_written_before_drafting_opens(tables_plan, coordinator):
    take(tables_plan, coordinator)

    error = refused(
        lambda: sections_save(plan=tables_plan, by=coordinator, texts=drafts.texts()),
        tables_plan,
    )

    assert error.messages == [str(NOT_OPEN % {"phase": LABEL})]


def test_a_returned_draft_is_written_again_by_whoever_takes_the_new_task(
    plan, coordinator, coordinator2, facilitator
):
    measure = complete(plan, coordinator)
    plan_step(plan, by=coordinator)
    plan_step(plan, by=facilitator, decision="returned", comments="Rivedere le date.")
    assert plan.status == S.DRAFTING
    take(plan, coordinator2)

    measure_save(plan=plan, by=coordinator2, pk=measure.pk, fields={"title": "Rivista"})
    error = refused(
        lambda: measure_save(plan=plan, by=coordinator, pk=measure.pk, fields={"title": "No"}),
        plan,
    )

    assert error.messages == [str(NOT_HOLDER % {"phase": LABEL})]
    measure.refresh_from_db()
    assert measure.title == "Rivista"


# --- Events and history -------------------------------------------------------------------------


def test_a_new_measure_records_one_event_with_its_fields_and_rows(plan, coordinator, prefettura):
    kwargs = drafts.measure(plan, coordinator) | {"partners": [prefettura.pk]}
    fields = kwargs["fields"]
    before = Event.objects.count()

    measure = measure_save(plan=plan, by=coordinator, **kwargs)

    assert Event.objects.count() == before + 1
    [saved] = events(plan, K.MEASURE_SAVED)
    line, indicator = measure.funding.get(), measure.indicators.get()
    assert (saved.actor, saved.plan) == (coordinator, plan)
    assert saved.payload == {
        "concerns": {"plan": plan.pk, "measure": measure.pk},
        "phase": "drafting",
        "node": "draft",
        "changes": {name: [None, stored(fields[name])] for name in MEASURE_FIELDS},
        "children": {
            "funding_line": {
                "added": [
                    {"id": line.pk, "source": "pnrr_m5c2_2_2", "amount": "1693747.15", "cup": ""}
                ]
            },
            "indicator": {
                "added": [
                    {
                        "id": indicator.pk,
                        "name": "Posti letto disponibili",
                        "unit": "posti",
                        "baseline": "0.00",
                        "target": "52.00",
                        "target_date": None,
                        "source": "Registro della foresteria",
                    }
                ]
            },
            "measure_partner": {"added": [prefettura.pk]},
        },
    }


def test_a_change_records_one_event_old_and_new_with_the_rows_added_removed_and_changed(
    plan, coordinator, itself, prefettura
):
    measure = add(plan, coordinator, title="Foresteria")
    measure_save(plan=plan, by=coordinator, pk=measure.pk, fields={}, partners=[itself.pk])
    line, indicator = measure.funding.get(), measure.indicators.get()
    before = Event.objects.count()

    measure_save(
        plan=plan,
        by=coordinator,
        pk=measure.pk,
        fields={"title": "Foresteria di Saluzzo", "ends_on": datetime.date(2028, 3, 31)},
        partners=[prefettura.pk],
        funding=[
            {"id": line.pk, "source": "pnrr_m5c2_2_2", "amount": Decimal("1700000.00"), "cup": ""},
            {"source": "municipal", "amount": Decimal("25000.50"), "cup": "J51B21004880006"},
        ],
        indicators=[drafts.indicators(name="Persone accolte", target=Decimal("120"))[0]],
    )

    assert Event.objects.count() == before + 1
    saved = events(plan, K.MEASURE_SAVED)[-1]
    new_line = measure.funding.exclude(pk=line.pk).get()
    new_indicator = measure.indicators.get()
    assert saved.payload == {
        "concerns": {"plan": plan.pk, "measure": measure.pk},
        "phase": "drafting",
        "node": "draft",
        "changes": {
            "title": ["Foresteria", "Foresteria di Saluzzo"],
            "ends_on": ["2027-12-31", "2028-03-31"],
        },
        "children": {
            "funding_line": {
                "added": [
                    {
                        "id": new_line.pk,
                        "source": "municipal",
                        "amount": "25000.50",
                        "cup": "J51B21004880006",
                    }
                ],
                "changed": [{"id": line.pk, "changes": {"amount": ["1693747.15", "1700000.00"]}}],
            },
            "indicator": {
                "added": [
                    {
                        "id": new_indicator.pk,
                        "name": "Persone accolte",
                        "unit": "posti",
                        "baseline": "0.00",
                        "target": "120.00",
                        "target_date": None,
                        "source": "Registro della foresteria",
                    }
                ],
                "removed": [
                    {
                        "id": indicator.pk,
                        "name": "Posti letto disponibili",
                        "unit": "posti",
                        "baseline": "0.00",
                        "target": "52.00",
                        "target_date": None,
                        "source": "Registro della foresteria",
                    }
                ],
            },
            "measure_partner": {"added": [prefettura.pk], "removed": [itself.pk]},
        },
    }


def test_a_change_of_rows_alone_counts_a_revision_and_one_event(plan, coordinator):
    measure = add(plan, coordinator)
    revision = measure.revision

    measure_save(plan=plan, by=coordinator, pk=measure.pk, fields={}, indicators=[])

    measure.refresh_from_db()
    assert measure.revision == revision + 1
    saved = events(plan, K.MEASURE_SAVED)[-1]
    assert "changes" not in saved.payload
    assert list(saved.payload["children"]) == ["indicator"]


def test_a_save_that_changes_nothing_writes_nothing(plan, coordinator, prefettura):
    kwargs = drafts.measure(plan, coordinator) | {"partners": [prefettura.pk]}
    measure = measure_save(plan=plan, by=coordinator, **kwargs)
    sections_save(plan=plan, by=coordinator, texts=drafts.texts())
    as_stored = kwargs | {
        "funding": [
            {"id": line.pk, "source": line.source, "amount": line.amount, "cup": line.cup}
            for line in measure.funding.all()
        ],
        "indicators": [
            {"id": row.pk, **{name: getattr(row, name) for name in INDICATOR_FIELDS}}
            for row in measure.indicators.all()
        ],
    }

    for action in (
        lambda: measure_save(plan=plan, by=coordinator, pk=measure.pk, **as_stored),
        lambda: measure_save(plan=plan, by=coordinator, pk=measure.pk, fields={}),
        lambda: sections_save(plan=plan, by=coordinator, texts=drafts.texts()),
        lambda: sections_save(
            plan=plan, by=coordinator, texts={"context": drafts.texts()["context"] + "\n  "}
        ),
    ):
        before = trace(plan)
        action()
        assert trace(plan) == before


def test_a_removed_measure_records_what_was_removed_with_its_rows(plan, coordinator, prefettura):
    kwargs = drafts.measure(plan, coordinator) | {"partners": [prefettura.pk]}
    measure = measure_save(plan=plan, by=coordinator, **kwargs)
    line, indicator = measure.funding.get(), measure.indicators.get()
    pk = measure.pk

    measure_remove(plan=plan, by=coordinator, pk=pk)

    assert not Measure.objects.filter(pk=pk).exists()
    assert not FundingLine.objects.filter(measure_id=pk).exists()
    assert not Indicator.objects.filter(measure_id=pk).exists()
    assert not MeasurePartner.objects.filter(measure_id=pk).exists()
    [removed] = events(plan, K.MEASURE_REMOVED)
    assert removed.actor == coordinator
    assert removed.payload == {
        "concerns": {"plan": plan.pk, "measure": pk},
        "phase": "drafting",
        "node": "draft",
        "changes": {name: [stored(kwargs["fields"][name]), None] for name in MEASURE_FIELDS},
        "children": {
            "funding_line": {
                "removed": [
                    {
                        "id": line.pk,
                        "source": "pnrr_m5c2_2_2",
                        "amount": "1693747.15",
                        "cup": "",
                    }
                ]
            },
            "indicator": {
                "removed": [
                    {
                        "id": indicator.pk,
                        "name": "Posti letto disponibili",
                        "unit": "posti",
                        "baseline": "0.00",
                        "target": "52.00",
                        "target_date": None,
                        "source": "Registro della foresteria",
                    }
                ]
            },
            "measure_partner": {"removed": [prefettura.pk]},
        },
    }


def test_each_section_written_or_changed_records_its_own_event(plan, coordinator):
    sections_save(plan=plan, by=coordinator, texts={"context": "Primo."})

    saved = sections_save(
        plan=plan, by=coordinator, texts={"context": "Secondo.", "objectives": " Obiettivi. "}
    )

    changed, written = events(plan, K.SECTION_SAVED)[1:]
    assert changed.payload == {
        "concerns": {"plan": plan.pk, "plan_section": saved["context"].pk},
        "phase": "drafting",
        "node": "draft",
        "changes": {"text": ["Primo.", "Secondo."]},
    }
    assert written.payload["concerns"]["plan_section"] == saved["objectives"].pk
    assert written.payload["changes"] == {
        "key": [None, "objectives"],
        "text": [None, "Obiettivi."],
    }
    assert len(events(plan, K.SECTION_SAVED)) == 3


def test_every_row_written_or_removed_has_its_history_naming_who(plan, coordinator, prefettura):
    sections_save(plan=plan, by=coordinator, texts=drafts.texts())
    kwargs = drafts.measure(plan, coordinator) | {"partners": [prefettura.pk]}
    measure = measure_save(plan=plan, by=coordinator, **kwargs)
    line = measure.funding.get()
    measure_save(
        plan=plan,
        by=coordinator,
        pk=measure.pk,
        fields={},
        funding=[{"id": line.pk, "source": "fnpm", "amount": Decimal("5.00"), "cup": ""}],
    )
    measure_remove(plan=plan, by=coordinator, pk=measure.pk)

    written = {
        model.__name__: sorted(
            set(model.history.values_list("history_type", "history_user__username"))
        )
        for model in (PlanSection, Measure, MeasurePartner, FundingLine, Indicator)
    }
    who = "coord-saluzzo"
    assert written == {
        "PlanSection": [("+", who)],
        "Measure": [("+", who), ("-", who), ("~", who)],
        "MeasurePartner": [("+", who), ("-", who)],
        "FundingLine": [("+", who), ("-", who), ("~", who)],
        "Indicator": [("+", who), ("-", who)],
    }
    assert PlanSection.history.count() == 4
    assert list(
        FundingLine.history.filter(id=line.pk).order_by("history_id").values_list("amount")
    ) == [(Decimal("1693747.15"),), (Decimal("5.00"),), (Decimal("5.00"),)]


# --- Review comments on single sections and measures -------------------------------------------


def test_a_return_stores_comments_on_a_section_and_a_measure(plan, coordinator, facilitator):
    measure = complete(plan, coordinator)
    plan_step(plan, by=coordinator)

    review = decide(
        plan,
        facilitator,
        ReviewDecision.RETURNED,
        comments="Qualche punto da rivedere.",
        item_comments=[
            {"section": "governance", "text": "Chi presiede il tavolo?\r\n"},
            {"measure": measure.pk, "text": "Manca il CUP."},
            {"section": "context", "text": "   "},  # empty: left out
        ],
    )

    assert plan.status == S.DRAFTING
    assert list(
        review.item_comments.order_by("pk").values_list("section", "measure", "subject", "text")
    ) == [
        ("governance", None, str(SectionKey.GOVERNANCE.label), "Chi presiede il tavolo?"),
        ("", measure.pk, "Foresteria stagionale", "Manca il CUP."),
    ]
    comments = list(review.item_comments.order_by("pk"))
    decided = events(plan, K.REVIEW_DECIDED)[-1]
    assert decided.payload["concerns"]["review"] == review.pk
    assert decided.payload["children"] == {
        "review_comment": {
            "added": [
                {
                    "id": comments[0].pk,
                    "section": "governance",
                    "measure_id": None,
                    "text": "Chi presiede il tavolo?",
                },
                {
                    "id": comments[1].pk,
                    "section": "",
                    "measure_id": measure.pk,
                    "text": "Manca il CUP.",
                },
            ]
        }
    }
    assert set(ReviewComment.history.values_list("history_user", flat=True)) == {facilitator.pk}


def test_the_returned_draft_shows_each_comment_beside_its_item(
    plan, coordinator, coordinator2, facilitator
):
    measure = complete(plan, coordinator)
    other = add(plan, coordinator, title="Navetta")
    plan_step(plan, by=coordinator)
    review = decide(
        plan,
        facilitator,
        ReviewDecision.RETURNED,
        comments="Rivedere.",
        item_comments=[
            {"section": "monitoring", "text": "Ogni quanto?"},
            {"measure": measure.pk, "text": "Manca il CUP."},
        ],
    )

    # the new draft task, as its holder opens it
    take(plan, coordinator2)
    returned_by = step_of(open_task(plan)).returned_by
    state = with_comments(DraftingContent(Phase.DRAFTING).as_of(plan), returned_by)

    assert returned_by == review == last_return(plan, Phase.DRAFTING)
    sections = {section.key: [c.text for c in section.comments] for section in state.sections}
    assert sections == {
        "context": [],
        "objectives": [],
        "governance": [],
        "monitoring": ["Ogni quanto?"],
    }
    measures = {m.row.id: [c.text for c in m.comments] for m in state.measures}
    assert measures == {measure.pk: ["Manca il CUP."], other.pk: []}
    assert orphan_comments(returned_by, state) == []


def test_a_comment_on_a_measure_removed_since_stays_with_its_title(plan, coordinator, facilitator):
    measure = complete(plan, coordinator)
    second = add(plan, coordinator, title="Navetta")
    plan_step(plan, by=coordinator)
    review = decide(
        plan,
        facilitator,
        ReviewDecision.RETURNED,
        comments="Rivedere.",
        item_comments=[{"measure": second.pk, "text": "Non serve."}],
    )
    take(plan, coordinator)

    measure_remove(plan=plan, by=coordinator, pk=second.pk)

    state = with_comments(DraftingContent(Phase.DRAFTING).as_of(plan), review)
    [orphan] = orphan_comments(review, state)
    assert (orphan.subject, orphan.text, orphan.measure_id) == ("Navetta", "Non serve.", None)
    assert [m.row.id for m in state.measures] == [measure.pk]
    assert all(not m.comments for m in state.measures)


@pytest.mark.parametrize(
    "item",
    ["a measure of another plan", "a removed measure", "an unknown section", "nothing named"],
)
def test_a_comment_on_an_item_not_of_the_plan_is_refused(
    item, plan, coordinator, facilitator, elsewhere, english
):
    complete(plan, coordinator)
    gone = add(plan, coordinator, title="Da togliere")
    measure_remove(plan=plan, by=coordinator, pk=gone.pk)
    plan_step(plan, by=coordinator)
    given = {
        "a measure of another plan": {"measure": elsewhere.measures.get().pk},
        "a removed measure": {"measure": gone.pk},
        "an unknown section": {"section": "preface"},
        "nothing named": {},
    }[item]

    error = refused(
        lambda: review_decide(
            plan=plan,
            phase=Phase.DRAFTING,
            decision=ReviewDecision.RETURNED,
            comments="Rivedere.",
            by=facilitator,
            item_comments=[{"section": "context", "text": "Bene."}, given | {"text": "Male."}],
        ),
        plan,
    )

    assert error.messages == [
        "A commented section or measure was not found on this plan: reload the page."
    ]
    assert plan.status == S.REVIEW
