"""The draft read-only (``flows/drafting_content.py``): as of a moment, and the round diff.

A facilitator checks the draft as it was submitted; a coordinator whose draft came back sees,
in words, what changed since the return that sent it back, and only that round's changes.
Amounts are written as Italian writes them, to the cent; the read costs the same number of
queries whatever the number of measures.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from simple_history.utils import bulk_create_with_history

from flows.drafting_content import DraftingContent, decimal_shown, euro
from flows.flows import PLMFlow
from flows.services import task_claim
from plm_workflow.plans.models import (
    FundingLine,
    Indicator,
    Measure,
    MeasurePartner,
    Organisation,
    Phase,
    PlanSection,
    PlanStatus,
    PriorityAction,
    Review,
    ReviewDecision,
    SectionKey,
)
from plm_workflow.steps.drafting import measure_remove, measure_save, sections_save
from tests import drafts
from tests.factories import plan_step
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

CONTENT = DraftingContent(Phase.DRAFTING)


@pytest.fixture
def english():
    """The round diff's sentences in their source language: the Italian catalogue has none."""
    with translation.override("en"):
        yield


def take(plan, person):
    """Take the plan's open task on as ``person``, as its page does (nobody holds it yet)."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=person)


@pytest.fixture
def plan(drafting_plan, coordinator):
    """Saluzzo's plan in drafting, the ``draft`` task held by ``coordinator``."""
    take(drafting_plan, coordinator)
    return drafting_plan


def add(plan, by, **given) -> Measure:
    return measure_save(plan=plan, by=by, **drafts.measure(plan, by, **given))


def returned(plan, coordinator, facilitator, comments="Rivedere.") -> Review:
    """Submit the draft and return it, as the pages do; the coordinator takes it on again."""
    plan_step(plan, by=coordinator)
    plan_step(plan, by=facilitator, decision=ReviewDecision.RETURNED, comments=comments)
    assert plan.status == PlanStatus.DRAFTING
    take(plan, coordinator)
    return Review.objects.filter(plan=plan, phase=Phase.DRAFTING).latest("round")


# --- Amounts as Italian writes them -------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234567.89"), "1.234.567,89 €"),
        (Decimal("1693747.15"), "1.693.747,15 €"),
        (Decimal("0.3"), "0,30 €"),
        (Decimal("0"), "0,00 €"),
        (Decimal("1000"), "1.000,00 €"),
        (None, "—"),
    ],
)
def test_euro_writes_amounts_as_italian_does_to_the_cent(amount, shown):
    with translation.override("it"):
        assert euro(amount) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("12.00"), "12"), (Decimal("12.50"), "12,5"), (Decimal("1200"), "1.200"), (None, "—")],
)
def test_a_baseline_or_target_is_shown_without_trailing_zeros(value, shown):
    with translation.override("it"):
        assert decimal_shown(value) == shown


# --- As of a moment -----------------------------------------------------------------------------


def test_a_plan_with_no_draft_has_no_state(plan):
    assert CONTENT.as_of(plan) is None


def test_the_draft_as_it_was_submitted_stays_as_it_was(plan, coordinator, facilitator):
    sections_save(plan=plan, by=coordinator, texts=drafts.texts())
    housing = add(plan, coordinator)
    first = returned(plan, coordinator, facilitator)
    measure_save(plan=plan, by=coordinator, pk=housing.pk, fields={"title": "Dormitorio"})
    sections_save(plan=plan, by=coordinator, texts={"context": "Nuovo contesto."})

    then, now = CONTENT.as_of(plan, first.decided_at), CONTENT.as_of(plan)

    assert [m.title for m in then.measures] == ["Foresteria stagionale"]
    assert then.sections[0].text == drafts.texts()["context"]
    assert [m.title for m in now.measures] == ["Dormitorio"]
    assert now.sections[0].text == "Nuovo contesto."
    assert (now.saved_by, now.saved_at > then.saved_at) == (coordinator, True)
    assert now.version != then.version


def test_the_state_shows_names_axes_and_partners_sorted(plan, coordinator):
    itself = Organisation.objects.get(comune=plan.comune, is_the_comune=True)
    prefettura = Organisation.objects.get(comune=plan.comune, name="Prefettura")
    measure = add(plan, coordinator)
    measure_save(
        plan=plan, by=coordinator, pk=measure.pk, fields={}, partners=[prefettura.pk, itself.pk]
    )

    [shown] = CONTENT.as_of(plan).measures

    assert (shown.action.number, shown.axis.code, shown.lead.name) == (
        5,
        "prevention",
        itself.name,
    )
    assert [o.name for o in shown.partners] == sorted([itself.name, "Prefettura"], key=str.lower)
    assert [s.key for s in CONTENT.as_of(plan).sections] == list(SectionKey.values)


# --- The round diff -----------------------------------------------------------------------------


def test_since_a_return_the_diff_lists_exactly_that_rounds_changes(
    plan, coordinator, facilitator, english
):
    # given: a draft of two measures, returned once
    sections_save(plan=plan, by=coordinator, texts=drafts.texts())
    housing = add(plan, coordinator)
    shuttle = measure_save(
        plan=plan,
        by=coordinator,
        **drafts.measure(
            plan, coordinator, title="Navetta per i campi", priority_action_id=drafts.action(6).pk
        )
        | {"funding": drafts.funding(amount=Decimal("5000.00"))},
    )
    first = returned(plan, coordinator, facilitator)
    assert CONTENT.changes_since(plan, first.decided_at) == []

    # when: the coordinator changes an amount, removes a measure and edits a section
    line, indicator = housing.funding.get(), housing.indicators.get()
    measure_save(
        plan=plan,
        by=coordinator,
        pk=housing.pk,
        fields={},
        funding=drafts.funding(id=line.pk, amount=Decimal("1700000.00")),
    )
    measure_remove(plan=plan, by=coordinator, pk=shuttle.pk)
    sections_save(plan=plan, by=coordinator, texts={"objectives": "Alloggi dignitosi e salute."})

    # then: exactly those, in words
    first_round = [
        {"what": "Section «Objectives» changed", "old": "trasporti", "new": "salute"},
        {
            "what": "Measure «Foresteria stagionale», funding line PNRR M5C2 inv. 2.2: amount (€)",
            "old": "1,693,747.15 €",
            "new": "1,700,000.00 €",
        },
        {"text": "Measure «Navetta per i campi» removed (it had 5,000.00 €)."},
    ]
    assert CONTENT.changes_since(plan, first.decided_at) == first_round

    # when: submitted again, returned again, and one target changed
    second = returned(plan, coordinator, facilitator, comments="Ancora.")
    assert second.round == first.round + 1
    measure_save(
        plan=plan,
        by=coordinator,
        pk=housing.pk,
        fields={},
        indicators=drafts.indicators(id=indicator.pk, target=Decimal("60")),
    )

    # then: only the second round's change shows since the second return
    second_round = [
        {
            "what": "Measure «Foresteria stagionale», indicator «Posti letto disponibili»: target",
            "old": "52",
            "new": "60",
        }
    ]
    assert CONTENT.changes_since(plan, second.decided_at) == second_round
    assert CONTENT.changes_since(plan, first.decided_at) == first_round[:2] + second_round + [
        first_round[2]
    ]


def test_the_diff_says_in_words_every_kind_of_change(plan, coordinator, facilitator, english):
    itself = Organisation.objects.get(comune=plan.comune, is_the_comune=True)
    prefettura = Organisation.objects.get(comune=plan.comune, name="Prefettura")
    sections_save(plan=plan, by=coordinator, texts=drafts.texts(monitoring=""))
    housing = add(plan, coordinator)
    measure_save(plan=plan, by=coordinator, pk=housing.pk, fields={}, partners=[itself.pk])
    since = timezone.now()
    indicator = housing.indicators.get()

    sections_save(
        plan=plan, by=coordinator, texts={"monitoring": "Ogni sei mesi.", "governance": ""}
    )
    measure_save(
        plan=plan,
        by=coordinator,
        pk=housing.pk,
        fields={
            "title": "Dormitorio",
            "priority_action_id": drafts.action(9).pk,
            "lead_id": prefettura.pk,
            "ends_on": datetime.date(2028, 6, 30),
        },
        partners=[prefettura.pk],
        funding=[
            {"source": "municipal", "amount": Decimal("1000.00"), "cup": ""},
        ],
        indicators=[
            drafts.indicators(id=indicator.pk, unit="letti")[0],
            drafts.indicators(name="Persone accolte")[0],
        ],
    )
    add(plan, coordinator, title="Sportello")

    changes = CONTENT.changes_since(plan, since)

    old_action, new_action = str(drafts.action(5)), str(drafts.action(9))
    assert changes == [
        {"text": "Section «Governance» emptied."},
        {"text": "Section «Monitoring and evaluation» written."},
        # the measures by priority action: the new one (5) before the one moved to 9
        {"text": "Measure «Sportello» added (1,693,747.15 €)."},
        {
            "what": "Measure «Foresteria stagionale»: priority action",
            "old": old_action,
            "new": new_action,
        },
        {
            "what": "Measure «Foresteria stagionale»: title",
            "old": "Foresteria stagionale",
            "new": "Dormitorio",
        },
        {
            "what": "Measure «Foresteria stagionale»: lead organisation",
            "old": itself.name,
            "new": "Prefettura",
        },
        {
            "what": "Measure «Foresteria stagionale»: end",
            "old": "31 December 2027",
            "new": "30 June 2028",
        },
        {"text": "Measure «Dormitorio»: «Prefettura» joins as a partner."},
        {"text": f"Measure «Dormitorio»: «{itself.name}» is no longer a partner."},
        {"text": "Measure «Dormitorio»: funding line Municipal budget of 1,000.00 € added."},
        {
            "text": "Measure «Dormitorio»: funding line PNRR M5C2 inv. 2.2 of 1,693,747.15 € "
            "removed."
        },
        {
            "what": "Measure «Dormitorio», indicator «Posti letto disponibili»: unit",
            "old": "posti",
            "new": "letti",
        },
        {"text": "Measure «Dormitorio»: indicator «Persone accolte» added."},
    ]


# --- Queries: the same whatever the number of measures ------------------------------------------


def _bulk_draft(plan, by, count, first=0):
    """Write ``count`` complete measures straight to the database, with their history."""
    actions = list(PriorityAction.objects.order_by("number"))
    partners = list(Organisation.objects.filter(comune=plan.comune).order_by("pk"))
    measures = bulk_create_with_history(
        [
            Measure(
                plan=plan,
                priority_action=actions[number % len(actions)],
                title=f"Misura {number}",
                lead=partners[number % len(partners)],
                starts_on=datetime.date(2027, 1, 1),
                ends_on=datetime.date(2027, 12, 31),
                revision=1,
            )
            for number in range(first, first + count)
        ],
        Measure,
        default_user=by,
    )
    bulk_create_with_history(
        [
            FundingLine(measure=measure, source=source, amount=Decimal("0.10"))
            for measure in measures
            for source in ("fnpm", "municipal")
        ],
        FundingLine,
        default_user=by,
    )
    bulk_create_with_history(
        [
            Indicator(measure=measure, name="Persone", baseline=Decimal(0), target=Decimal(10))
            for measure in measures
        ],
        Indicator,
        default_user=by,
    )
    bulk_create_with_history(
        [
            MeasurePartner(measure=measure, organisation=organisation)
            for measure in measures
            for organisation in partners[:2]
        ],
        MeasurePartner,
        default_user=by,
    )


@pytest.fixture
def launched(launch, comune, lead):
    """Saluzzo's plan with its sections and three partners besides the comune itself."""
    plan = launch(comune)
    bulk_create_with_history(
        [
            Organisation(comune=comune, name=f"Partner {number}", kind="other")
            for number in range(3)
        ],
        Organisation,
        default_user=lead,
    )
    bulk_create_with_history(
        [PlanSection(plan=plan, key=key, text=text) for key, text in drafts.texts().items()],
        PlanSection,
        default_user=lead,
    )
    return plan


def _read(plan) -> tuple[int, object]:
    """Read the draft and everything a page shows of it; return the queries it took."""
    with CaptureQueriesContext(connection) as captured:
        state = CONTENT.as_of(plan)
        for measure in state.measures:
            assert measure.title and measure.lead.name and measure.axis.name
            assert [o.name for o in measure.partners]
            assert [line.get_source_display() for line in measure.funding]
            assert [indicator.name for indicator in measure.indicators]
            assert measure.budget == Decimal("0.20")
        assert [(group.axis.name, group.total, group.count) for group in state.by_axis]
        assert state.by_source and state.coverage and state.saved_by.username
        assert [section.text for section in state.sections]
    return len(captured.captured_queries), state


def test_the_draft_is_read_in_the_same_queries_with_10_and_with_100_measures(launched, lead):
    _bulk_draft(launched, lead, 10)
    few, state = _read(launched)
    assert (len(state.measures), state.total) == (10, Decimal("2.00"))

    _bulk_draft(launched, lead, 90, first=10)
    many, state = _read(launched)

    assert (len(state.measures), state.total) == (100, Decimal("20.00"))
    # sections, measures, partners, funding lines, indicators, organisations, priority actions
    assert few == many == 7


def test_the_round_diff_takes_the_same_queries_with_10_and_with_100_measures(launched, lead):
    since = timezone.now()
    _bulk_draft(launched, lead, 10)
    with CaptureQueriesContext(connection) as few:
        assert len(CONTENT.changes_since(launched, since)) == 10

    _bulk_draft(launched, lead, 90, first=10)
    with CaptureQueriesContext(connection) as many:
        assert len(CONTENT.changes_since(launched, since)) == 100

    assert len(few.captured_queries) == len(many.captured_queries)


def _text_state(text):
    from types import SimpleNamespace

    from flows.drafting_content import DraftState, SectionShown

    section = SectionShown("context", "Context", "", SimpleNamespace(text=text))
    return DraftState(
        sections=[section], measures=[], actions=[], version=(), saved_at=None, saved_by=None
    )


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        (
            "Il tavolo si riunisce.",
            "Il tavolo si riunisce ogni mese.",
            {"text": "Section «Context»: added «ogni mese»."},
        ),
        (
            "Alloggi e trasporti, e tutela.",
            "Alloggi e tutela.",
            {"text": "Section «Context»: removed «e trasporti,»."},
        ),
        (
            "Cento posti letto.",
            "Duecento posti letto.",
            {"what": "Section «Context» changed", "old": "Cento", "new": "Duecento"},
        ),
    ],
    ids=["added", "removed", "replaced"],
)
def test_a_section_edit_says_what_was_added_removed_or_replaced(old, new, line):
    from flows.drafting_content import describe_changes

    with translation.override("en"):
        assert describe_changes(_text_state(old), _text_state(new)) == [line]
