"""The drafting pages as their users meet them: the draft's editor, a measure's pages, the
confirmation of the submission, the facilitators' review with comments per item, the plan page."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.timezone import localtime
from django.utils.translation import gettext as _t
from simple_history.utils import bulk_create_with_history
from viewflow.workflow.status import STATUS

from forms.drafting import AMOUNT_INVALID, measure_comment_name, section_comment_name
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans import checks
from plm_workflow.plans.models import (
    FundingLine,
    Indicator,
    Measure,
    MeasurePartner,
    Organisation,
    PlanSection,
    PlanStatus,
    PriorityAction,
    ReviewComment,
    SectionKey,
)
from plm_workflow.plans.models.drafting import AMOUNT_NEGATIVE, CUP_INVALID, END_BEFORE_START
from plm_workflow.roles import Role
from plm_workflow.steps import drafting as service
from plm_workflow.steps.drafting import measure_save, sections_save
from plm_workflow.steps.guard import SUBMITTED
from plm_workflow.steps.tables import meeting_save, organisation_save
from tests import drafts
from tests.factories import MembershipFactory, PlanFactory, plan_step
from tests.flows.helpers import decide, open_task, process_url, url

# In Italian, the app's language: the texts expected are asked of the catalogue.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("italian")]
NOTHING_SAVED = "Nothing was saved:"


@pytest.fixture
def plan():
    return PlanFactory(at="draft")


def _task(plan):
    task = open_task(plan)
    assert task.flow_task.name == "draft"
    return task


def _page(task, name="execute", *ids):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk, *ids])


def _login(client, plan, person=None):
    task = _task(plan)
    client.force_login(person or task.owner)
    return task


def _holder(plan):
    return _task(plan).owner


def _coordinator(plan):
    return plan.comune.memberships.get(role=Role.COORDINATOR).user


def _itself(plan):
    return Organisation.objects.get(comune_id=plan.comune_id, is_the_comune=True)


def _state(plan):
    """What a refusal must leave as it was: the draft's rows and the plan's events."""
    return (
        PlanSection.objects.filter(plan=plan).count(),
        list(PlanSection.objects.filter(plan=plan).values_list("key", "text", "revision")),
        list(Measure.objects.filter(plan=plan).values_list("pk", "title", "revision")),
        list(FundingLine.objects.filter(measure__plan=plan).values_list("amount", "cup")),
        Indicator.objects.filter(measure__plan=plan).count(),
        MeasurePartner.objects.filter(measure__plan=plan).count(),
        Event.objects.filter(plan=plan).count(),
    )


def _kinds_since(plan, seq):
    return list(
        Event.objects.filter(plan=plan, seq__gt=seq).order_by("seq").values_list("kind", flat=True)
    )


def _last_seq(plan):
    return Event.objects.filter(plan=plan).order_by("-seq").values_list("seq", flat=True)[0]


def _sections_data(plan, **texts):
    """The sections' POST: every section's text (``texts`` overrides), its stored revision."""
    stored = {s.key: s for s in PlanSection.objects.filter(plan=plan)}
    data = {"_save_sections": "1"}
    for key, text in drafts.texts(**texts).items():
        data[key] = text
        data[f"{key}_version"] = str(stored[key].revision if key in stored else 0)
    return data


def _rows(prefix, rows, initial=0):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "20",
    }
    for number, row in enumerate(rows):
        data |= {f"{prefix}-{number}-{name}": value for name, value in row.items()}
    return data


FUNDING = {"source": "pnrr_m5c2_2_2", "amount": "1.693.747,15", "cup": "J51B 2100 4880 006"}
INDICATOR = {
    "name": "Posti letto disponibili",
    "unit": "posti",
    "baseline": "0",
    "target": "52",
    "target_date": "2027-12-31",
    "source": "Registro della foresteria",
}


def _measure_data(plan, *, funding=None, indicators=None, version=0, **given):
    """The POST of a new measure's page: complete, led by the comune itself, one line each."""
    data = {
        "title": "Foresteria stagionale",
        "priority_action": str(drafts.action(5).pk),
        "description": "Cinquanta posti letto per la stagione.",
        "lead": str(_itself(plan).pk),
        "starts_on": "2027-03-01",
        "ends_on": "2027-12-31",
        "version": str(version),
        "_save": "1",
    }
    data |= _rows("funding", [FUNDING] if funding is None else funding)
    data |= _rows("indicators", [INDICATOR] if indicators is None else indicators)
    return data | given


def _edit_data(measure, **given):
    """The POST of a stored measure's page, as its form shows it (``given`` changes it)."""
    lines = list(measure.funding.order_by("pk"))
    indicators = list(measure.indicators.order_by("pk"))
    data = {
        "title": measure.title,
        "priority_action": str(measure.priority_action_id or ""),
        "description": measure.description,
        "lead": str(measure.lead_id or ""),
        "starts_on": measure.starts_on.isoformat() if measure.starts_on else "",
        "ends_on": measure.ends_on.isoformat() if measure.ends_on else "",
        "version": str(measure.revision),
        "_save": "1",
    }
    data |= _rows(
        "funding",
        [
            {"id": str(line.pk), "source": line.source, "amount": str(line.amount), "cup": line.cup}
            for line in lines
        ],
        initial=len(lines),
    )
    data |= _rows(
        "indicators",
        [
            {
                "id": str(row.pk),
                "name": row.name,
                "unit": row.unit,
                "baseline": str(row.baseline if row.baseline is not None else ""),
                "target": str(row.target if row.target is not None else ""),
                "target_date": row.target_date.isoformat() if row.target_date else "",
                "source": row.source,
            }
            for row in indicators
        ],
        initial=len(indicators),
    )
    return data | given


def _measure(plan, **given):
    """A complete measure saved through the service by the draft's holder."""
    return measure_save(plan=plan, by=_holder(plan), **drafts.measure(plan, _holder(plan), **given))


# --- The sections -------------------------------------------------------------------------------


def test_the_coordinator_saves_the_sections_each_written_one_recorded(client, plan):
    task = _login(client, plan)
    page = _page(task)
    seq = _last_seq(plan)

    response = client.post(page, _sections_data(plan, monitoring=""))

    assert (response.status_code, response["Location"]) == (302, page + "#sections")
    stored = dict(PlanSection.objects.filter(plan=plan).values_list("key", "text"))
    assert stored == {key: text for key, text in drafts.texts().items() if key != "monitoring"}
    assert _kinds_since(plan, seq) == [EventKind.SECTION_SAVED] * 3
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED  # the task stays open, with its holder
    # The page shows them again, each with its help and the revision it showed.
    html = client.get(page).content.decode()
    assert "Il tavolo primario guida il piano." in html
    assert 'name="context_version" value="1"' in html
    assert 'name="monitoring_version" value="0"' in html
    assert 'maxlength="50000"' in html
    assert escape(str(service.SPEC.work_hint)) in html


def test_a_section_save_from_an_older_page_is_refused_and_shows_the_text_saved_meanwhile(
    client, plan
):
    task = _login(client, plan)
    page = _page(task)
    old = _sections_data(plan)
    sections_save(plan=plan, by=task.owner, texts={"context": "Il testo di un'altra scheda."})
    before = _state(plan)

    response = client.post(page, old | {"context": "Il mio testo."})

    assert response.status_code == 200
    html = response.content.decode()
    assert _state(plan) == before
    assert "Il testo di un&#x27;altra scheda." in html  # the text saved meanwhile
    assert "Il mio testo." in html  # what was typed stays
    assert 'name="context_version" value="1"' in html  # saving again is deliberate
    refusal = response.context["form"].non_field_errors()
    assert len(refusal) == 1
    assert f"“{SectionKey.CONTEXT.label}”" in refusal[0]
    assert escape(refusal[0]) in html
    assert escape(_t(NOTHING_SAVED)) in html


def test_a_section_over_the_limit_is_refused_beside_it(client, plan):
    task = _login(client, plan)

    response = client.post(_page(task), _sections_data(plan, governance="x" * 50_001))

    assert response.status_code == 200
    assert not PlanSection.objects.filter(plan=plan).exists()
    assert "50.000" in response.content.decode()


# --- A measure ----------------------------------------------------------------------------------


def test_the_coordinator_adds_a_measure_with_its_lines_partners_and_indicator(client, plan):
    task = _login(client, plan)
    prefettura = Organisation.objects.get(comune_id=plan.comune_id, name="Prefettura")
    seq = _last_seq(plan)

    response = client.post(
        _page(task, "page_measure_new"),
        _measure_data(
            plan,
            partners=[str(prefettura.pk)],
            funding=[FUNDING, {"source": "municipal", "amount": "25000", "cup": ""}],
        ),
    )

    measure = Measure.objects.get(plan=plan)
    assert (response.status_code, response["Location"]) == (
        302,
        _page(task) + f"#measure-{measure.pk}",
    )
    assert (measure.title, measure.priority_action.number, measure.lead) == (
        "Foresteria stagionale",
        5,
        _itself(plan),
    )
    assert (measure.starts_on, measure.ends_on) == (
        datetime.date(2027, 3, 1),
        datetime.date(2027, 12, 31),
    )
    assert list(measure.funding.order_by("pk").values_list("source", "amount", "cup")) == [
        ("pnrr_m5c2_2_2", Decimal("1693747.15"), "J51B21004880006"),
        ("municipal", Decimal("25000.00"), ""),
    ]
    assert list(measure.indicators.values_list("name", "baseline", "target")) == [
        ("Posti letto disponibili", Decimal("0"), Decimal("52"))
    ]
    assert list(measure.partners.all()) == [prefettura]
    assert _kinds_since(plan, seq) == [EventKind.MEASURE_SAVED]
    # The editor lists it with its budget in Italian, and its links.
    html = client.get(_page(task)).content.decode()
    assert "1.718.747,15 €" in html
    assert _page(task, "page_measure", measure.pk) in html
    assert _page(task, "page_measure_remove", measure.pk) in html


@pytest.mark.parametrize("typed", ["1.234,56", "1234,56", "1234.56", "1 234,56 €"])
def test_an_amount_is_taken_as_italian_writes_it_or_plainly(client, plan, typed):
    task = _login(client, plan)

    response = client.post(
        _page(task, "page_measure_new"),
        _measure_data(plan, funding=[{"source": "fnpm", "amount": typed, "cup": ""}]),
    )

    assert response.status_code == 302
    assert FundingLine.objects.get(measure__plan=plan).amount == Decimal("1234.56")


def test_a_stored_amount_is_shown_for_editing_as_italian_writes_it(client, plan):
    measure = _measure(plan)
    task = _login(client, plan)

    html = client.get(_page(task, "page_measure", measure.pk)).content.decode()

    assert 'value="1693747,15"' in html
    # The priority actions grouped by axis, named in Italian.
    assert '<optgroup label="1. Prevenzione">' in html
    assert "5. Alloggi dignitosi" in html


def test_the_add_a_line_buttons_show_one_more_row_and_save_nothing(client, plan):
    task = _login(client, plan)
    page = _page(task, "page_measure_new")
    before = _state(plan)

    for button, total in (("_add_funding", "funding"), ("_add_indicator", "indicators")):
        data = _measure_data(plan, title="Navetta")
        del data["_save"]
        data[button] = "1"
        response = client.post(page, data)

        assert response.status_code == 200
        html = response.content.decode()
        assert f'name="{total}-TOTAL_FORMS" value="2"' in html
        assert 'value="Navetta"' in html  # what was typed stays
        assert "1.693.747,15" in html
    assert _state(plan) == before


def test_an_added_line_left_empty_is_not_saved(client, plan):
    task = _login(client, plan)
    empty = {"source": "", "amount": "", "cup": ""}

    response = client.post(
        _page(task, "page_measure_new"), _measure_data(plan, funding=[FUNDING, empty])
    )

    assert response.status_code == 302
    assert FundingLine.objects.filter(measure__plan=plan).count() == 1


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"funding-0-cup": "J51B2100"}, "funding-0-cup", CUP_INVALID),
        ({"funding-0-amount": "-100,00"}, "funding-0-amount", AMOUNT_NEGATIVE),
        ({"funding-0-amount": "mille euro"}, "funding-0-amount", AMOUNT_INVALID),
        ({"ends_on": "2027-01-31"}, "ends_on", END_BEFORE_START),
        ({"title": ""}, "title", None),
    ],
    ids=["bad-cup", "negative-amount", "not-an-amount", "end-before-start", "no-title"],
)
def test_a_refused_measure_shows_why_beside_the_field_and_at_the_top_and_changes_nothing(
    client, plan, given, field, message
):
    task = _login(client, plan)
    before = _state(plan)

    response = client.post(_page(task, "page_measure_new"), _measure_data(plan, **given))

    assert response.status_code == 200
    html = response.content.decode()
    assert _state(plan) == before
    form = response.context["form"]
    funding = response.context["funding"]
    errors = funding.forms[0].errors if field.startswith("funding-") else form.errors
    assert errors[field.removeprefix("funding-0-")], errors
    if message is not None:
        assert escape(str(message)) in html
    assert escape(_t(NOTHING_SAVED)) in html
    assert "Cinquanta posti letto per la stagione." in html  # what was typed stays


def test_a_lead_of_another_comune_forged_in_the_post_is_refused_and_changes_nothing(client, plan):
    other = PlanFactory(at="draft")
    foreign = _itself(other)
    task = _login(client, plan)
    before = _state(plan)

    response = client.post(
        _page(task, "page_measure_new"),
        _measure_data(plan, lead=str(foreign.pk), partners=[str(foreign.pk)]),
    )

    assert response.status_code == 200
    assert escape(str(service.OTHER_COMUNE)) in response.content.decode()
    assert _state(plan) == before
    huge = _measure_data(plan, lead="9" * 30, priority_action="9" * 30)
    assert client.post(_page(task, "page_measure_new"), huge).status_code == 200
    assert _state(plan) == before


def test_a_forged_funding_line_id_of_another_measure_is_refused(client, plan):
    mine, theirs = _measure(plan), _measure(plan, title="Altra")
    line = theirs.funding.get()
    task = _login(client, plan)
    data = _edit_data(mine)
    data["funding-0-id"] = str(line.pk)
    before = _state(plan)

    response = client.post(_page(task, "page_measure", mine.pk), data)

    assert response.status_code == 200
    assert _state(plan) == before


def test_a_measure_is_changed_a_line_removed_and_one_added_in_one_save(client, plan):
    measure = _measure(plan)
    task = _login(client, plan)
    data = _edit_data(measure, title="Foresteria e navetta")
    data["funding-0-DELETE"] = "on"
    data |= {
        "funding-TOTAL_FORMS": "2",
        "funding-1-source": "fami_2021_2027",
        "funding-1-amount": "80.000,00",
        "funding-1-cup": "",
    }
    seq = _last_seq(plan)

    response = client.post(_page(task, "page_measure", measure.pk), data)

    assert response.status_code == 302
    measure.refresh_from_db()
    assert measure.title == "Foresteria e navetta"
    assert list(measure.funding.values_list("source", "amount")) == [
        ("fami_2021_2027", Decimal("80000.00"))
    ]
    assert _kinds_since(plan, seq) == [EventKind.MEASURE_SAVED]


def test_a_measure_save_from_an_older_page_is_refused_and_shows_the_current_version(client, plan):
    measure = _measure(plan)
    task = _login(client, plan)
    old = _edit_data(measure, title="Il mio titolo")
    measure_save(plan=plan, by=task.owner, pk=measure.pk, fields={"title": "Foresteria di Revello"})
    before = _state(plan)

    response = client.post(_page(task, "page_measure", measure.pk), old)

    assert response.status_code == 200
    html = response.content.decode()
    assert _state(plan) == before
    assert "Foresteria di Revello" in html  # the version saved meanwhile
    assert 'value="Il mio titolo"' in html  # what was typed stays
    measure.refresh_from_db()
    assert f'name="version" value="{measure.revision}"' in html
    assert response.context["current"].title == "Foresteria di Revello"


def test_a_measure_is_removed_only_after_its_confirmation(client, plan):
    measure = _measure(plan)
    task = _login(client, plan)
    page = _page(task, "page_measure_remove", measure.pk)
    before = _state(plan)

    response = client.get(page)

    assert response.status_code == 200
    assert "Foresteria stagionale" in response.content.decode()
    assert _state(plan) == before
    seq = _last_seq(plan)
    response = client.post(page)
    assert (response.status_code, response["Location"]) == (302, _page(task) + "#measures")
    assert not Measure.objects.filter(plan=plan).exists()
    assert not FundingLine.objects.filter(measure_id=measure.pk).exists()
    assert _kinds_since(plan, seq) == [EventKind.MEASURE_REMOVED]
    assert client.get(page).status_code == 404


def test_a_measure_of_another_plan_is_not_found_on_these_pages(client, plan):
    other = PlanFactory(at="draft")
    theirs = measure_save(plan=other, by=_holder(other), **drafts.measure(other, _holder(other)))
    task = _login(client, plan)

    assert client.get(_page(task, "page_measure", theirs.pk)).status_code == 404
    assert client.post(_page(task, "page_measure_remove", theirs.pk)).status_code == 404
    assert Measure.objects.filter(pk=theirs.pk).exists()


# --- The submission -----------------------------------------------------------------------------


def test_the_confirmation_step_writes_nothing_and_its_button_submits_the_draft(client, plan):
    drafts.complete(plan, _holder(plan))
    task = _login(client, plan)
    page = _page(task)
    before = _state(plan)

    response = client.post(page, {"_submit": "1"})

    assert response.status_code == 200
    html = response.content.decode()
    consequence = (
        "The draft goes to the facilitators for review and stays locked until they decide:"
    )
    assert escape(_t(consequence)) in html
    assert 'name="confirmed" value="1"' in html
    assert _state(plan) == before
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFTING
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED

    response = client.post(page, {"_submit": "1", "confirmed": "1"})

    assert (response.status_code, response["Location"]) == (302, process_url(plan.process))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    assert open_task(plan).flow_task.name == "review"


def test_the_confirmation_names_every_failing_check_and_offers_no_button(client, plan):
    sections_save(plan=plan, by=_holder(plan), texts={"context": "Il territorio."})
    task = _login(client, plan)

    response = client.post(_page(task), {"_submit": "1"})

    assert response.status_code == 200
    html = response.content.decode()
    assert escape(str(checks.MEASURE_MISSING)) in html
    assert escape(f"“{SectionKey.OBJECTIVES.label}”") in html
    assert 'name="confirmed"' not in html


def test_a_refused_submission_lists_every_failing_check_at_the_top_and_changes_nothing(
    client, plan
):
    measure = _measure(plan, lead_id=None)
    FundingLine.objects.filter(measure=measure).delete()
    task = _login(client, plan)
    before = _state(plan)

    response = client.post(_page(task), {"_submit": "1", "confirmed": "1"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="plm-submit-refusal"' in html
    for message in (checks.SECTIONS_MISSING, checks.LEADS_MISSING, checks.FUNDING_MISSING):
        assert escape(str(message).split("%")[0]) in html, message
    assert _state(plan) == before
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFTING


def test_the_draft_pages_are_closed_once_submitted(client, plan):
    measure = _measure(plan)
    task = _login(client, plan)
    sections_save(plan=plan, by=task.owner, texts=drafts.texts())
    old_sections = _sections_data(plan, context="Cambiato dopo l'invio.")
    old_measure = _edit_data(measure, title="Cambiata dopo l'invio")
    assert client.post(_page(task), {"_submit": "1", "confirmed": "1"}).status_code == 302
    before = _state(plan)
    detail = _page(task, "detail")

    for address, data in (
        (_page(task), old_sections),
        (_page(task, "page_measure", measure.pk), old_measure),
        (_page(task, "page_measure_new"), _measure_data(plan)),
        (_page(task, "page_measure_remove", measure.pk), {}),
    ):
        response = client.post(address, data)
        assert (response.status_code, response["Location"]) == (302, detail), address
        assert client.get(address).status_code == 302, address
    assert _state(plan) == before
    # And a service called directly says why.
    with pytest.raises(service.PlanError) as refused:
        measure_save(plan=plan, by=task.owner, pk=measure.pk, fields={"title": "No"})
    assert refused.value.messages == [str(SUBMITTED % {"phase": service.SPEC.label})]


# --- The review ---------------------------------------------------------------------------------


def _in_review(plan):
    """Submit the plan's draft as its holder, its sections written and a measure added if it
    has none; return the review's task."""
    holder = _holder(plan)
    if not plan.sections.exists():
        sections_save(plan=plan, by=holder, texts=drafts.texts())
    if not plan.measures.exists():
        _measure(plan)
    plan_step(plan, by=holder)
    task = open_task(plan)
    assert task.flow_task.name == "review"
    return task


def test_the_facilitator_returns_with_comments_per_item_shown_beside_them_on_the_new_draft(
    client, plan
):
    _measure(plan, title="Navetta per i braccianti", priority_action_id=drafts.action(6).pk)
    check = _in_review(plan)
    measure = Measure.objects.get(plan=plan, title="Navetta per i braccianti")
    client.force_login(check.owner)
    page = url(check, "execute")
    html = client.get(page).content.decode()
    assert f'name="{section_comment_name("governance")}"' in html
    assert f'name="{measure_comment_name(measure.pk)}"' in html

    response = client.post(
        page,
        {
            "decision": "returned",
            "comments": "Rivedere la governance e la navetta.",
            section_comment_name("governance"): "Chi presiede il tavolo primario?",
            measure_comment_name(measure.pk): "Manca il CUP della navetta.",
            section_comment_name("context"): "   ",  # an empty comment is no comment
        },
    )

    assert (response.status_code, response["Location"]) == (302, process_url(plan.process))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DRAFTING
    review = plan.reviews.latest("pk")
    assert sorted(
        ReviewComment.objects.filter(review=review).values_list("section", "measure_id", "text")
    ) == [
        ("", measure.pk, "Manca il CUP della navetta."),
        ("governance", None, "Chi presiede il tavolo primario?"),
    ]
    task = _task(plan)
    client.force_login(task.owner)
    html = client.get(_page(task)).content.decode()
    assert "Rivedere la governance e la navetta." in html  # the round's general comments
    governance = html.index('id="section-governance"')
    assert html.index("Chi presiede il tavolo primario?") > governance
    assert html.index("Chi presiede il tavolo primario?") < html.index('id="section-monitoring"')
    beside = html.index(f'id="measure-{measure.pk}"')
    assert beside < html.index("Manca il CUP della navetta.") < html.index("</article>", beside)
    # And on the measure's own page.
    html = client.get(_page(task, "page_measure", measure.pk)).content.decode()
    assert "Manca il CUP della navetta." in html


def test_a_return_needs_comments_and_refuses_a_comment_over_the_limit(client, plan):
    check = _in_review(plan)
    client.force_login(check.owner)
    page = url(check, "execute")

    refused = [
        {"decision": "returned", "comments": ""},
        {
            "decision": "returned",
            "comments": "Rivedere.",
            section_comment_name("context"): "x" * 2001,
        },
    ]
    for data in refused:
        response = client.post(page, data)
        assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW
    assert not plan.reviews.filter(phase="drafting").exists()


def test_an_approval_moves_the_plan_to_adoption(client, plan):
    check = _in_review(plan)

    decide(client, check.owner, check, "approved", "Bene.")

    plan.refresh_from_db()
    assert plan.status == PlanStatus.ADOPTION


def test_the_review_after_a_second_round_says_what_changed_since_the_return(client, plan):
    kept = _measure(plan, title="Foresteria stagionale")
    dropped = _measure(plan, title="Sportello informativo", priority_action_id=drafts.action(7).pk)
    check = _in_review(plan)
    decide(client, check.owner, check, "returned", "Rivedere il budget.")
    holder = _holder(plan)
    line = kept.funding.get()
    measure_save(
        plan=plan,
        by=holder,
        pk=kept.pk,
        fields={},
        funding=[{"id": line.pk, "source": line.source, "amount": Decimal("1500000"), "cup": ""}],
    )
    service.measure_remove(plan=plan, by=holder, pk=dropped.pk)
    sections_save(
        plan=plan,
        by=holder,
        texts={"objectives": "Alloggi dignitosi, trasporti e salute."},
    )
    check = _in_review(plan)
    client.force_login(check.owner)

    response = client.get(url(check, "execute"))

    assert response.status_code == 200
    html = response.content.decode()
    changes = html[html.index('id="plm-changes-title"') : html.index("plm-review-draft")]
    assert "1.693.747,15 € → 1.500.000,00 €" in changes
    assert "Sportello informativo" in changes
    assert "salute" in changes
    returned = plan.reviews.get(phase="drafting", round=1)
    heading = _t("What changed since the return of round %(round)s (%(when)s)") % {
        "round": 1,
        "when": date_format(localtime(returned.decided_at), "DATETIME_FORMAT"),
    }
    assert escape(heading) in changes
    # The removed measure is gone from the draft, the changed one shows its new budget.
    draft = html[html.index("plm-review-draft") :]
    assert "Sportello informativo" not in draft
    assert "1.500.000,00 €" in draft


def test_markdown_and_html_in_the_texts_are_shown_as_typed(client, plan):
    holder = _holder(plan)
    sections_save(
        plan=plan,
        by=holder,
        texts=drafts.texts(
            context="**Il territorio** <script>alert('x')</script>\n\n- stagionali\n- residenti"
        ),
    )
    _measure(plan, description="<img src=x onerror=alert(1)> _corsivo_")
    check = _in_review(plan)
    client.force_login(check.owner)

    for address in (url(check, "execute"), process_url(plan.process)):
        html = client.get(address).content.decode()
        assert "<script>alert(" not in html, address
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html, address
        assert "**Il territorio**" in html, address
        assert "<img src=x" not in html, address
        assert "<ul><li>stagionali</li><li>residenti</li></ul>" in html, address


def test_the_review_lists_the_meetings_added_since_the_tables_were_approved(client, plan):
    holder = _holder(plan)
    core = plan.tables.get(kind="core")
    meeting_save(
        plan=plan,
        by=holder,
        table=core.pk,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        place="Sala del Consiglio di Revello",
    )
    check = _in_review(plan)
    client.force_login(check.owner)

    html = client.get(url(check, "execute")).content.decode()

    section = html[html.index('id="plm-late-meetings-title"') :]
    section = section[: section.index("</section>")]
    assert "Sala del Consiglio di Revello" in section
    assert core.name in section
    assert section.count("<tr data-meeting=") == 1  # the tables' own meetings are not listed


def test_the_plan_page_shows_the_submitted_draft_by_axis_with_italian_totals_and_coverage(
    client, plan
):
    _measure(plan)
    _measure(plan, title="Navetta", priority_action_id=drafts.action(6).pk)
    _measure(plan, title="Ispezioni", priority_action_id=drafts.action(8).pk)
    _in_review(plan)
    client.force_login(_coordinator(plan))

    html = client.get(process_url(plan.process)).content.decode()

    section = html[html.index('data-phase="drafting"') :]
    assert "5.081.241,45 €" in section  # the three measures' total
    assert "3.387.494,30 €" in section  # the prevention axis (actions 5 and 6)
    assert section.count('data-addressed="yes"') == 3
    assert section.count('data-addressed="no"') == 7
    assert section.index("Navetta") < section.index("Ispezioni")  # axis 1 before axis 2


def test_the_closed_draft_task_shows_the_draft_as_it_was_submitted(client, plan):
    _measure(plan)
    _in_review(plan)
    draft = plan.process.task_set.get(
        flow_task_type="HUMAN", status=STATUS.DONE, step__phase="drafting"
    )
    client.force_login(_coordinator(plan))

    html = client.get(url(draft, "detail")).content.decode()

    assert "Foresteria stagionale" in html
    assert "1.693.747,15 €" in html


# --- Who may see and do what --------------------------------------------------------------------


def _addresses(task, measure):
    return [
        _page(task),
        _page(task, "page_measure_new"),
        _page(task, "page_measure", measure.pk),
        _page(task, "page_measure_remove", measure.pk),
    ]


def test_a_coordinator_of_another_comune_gets_404_on_every_page_and_post(client, plan):
    measure = _measure(plan)
    task = _task(plan)
    client.force_login(MembershipFactory().user)
    before = _state(plan)

    for address in _addresses(task, measure):
        assert client.get(address).status_code == 404, address
        data = _sections_data(plan) | _measure_data(plan) | {"_submit": "1", "confirmed": "1"}
        assert client.post(address, data).status_code == 404, address
    assert _state(plan) == before


def test_the_auditor_is_refused_every_post_with_403(client, plan, auditor):
    measure = _measure(plan)
    task = _task(plan)
    client.force_login(auditor)
    before = _state(plan)

    for address in _addresses(task, measure):
        data = _sections_data(plan) | _measure_data(plan) | {"_submit": "1", "confirmed": "1"}
        assert client.post(address, data).status_code == 403, address
    assert _state(plan) == before
    check = _in_review(plan)
    client.force_login(auditor)
    before = _state(plan)
    response = client.post(url(check, "execute"), {"decision": "approved", "comments": "Sì."})
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.REVIEW
    assert _state(plan) == before


def test_the_facilitator_cannot_write_the_draft(client, plan):
    measure = _measure(plan)
    task = _task(plan)
    client.force_login(plan.comune.memberships.get(role=Role.FACILITATOR).user)
    before = _state(plan)

    for address in _addresses(task, measure):
        response = client.post(address, _measure_data(plan))
        assert response.status_code == 403, address
    assert _state(plan) == before


# --- Query counts -------------------------------------------------------------------------------


def _queries(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def _with_measures(plan, count):
    """``count`` complete measures over every priority action, each with two funding lines,
    an indicator and a partner, written in bulk with their history; the sections too."""
    holder = _holder(plan)
    sections_save(plan=plan, by=holder, texts=drafts.texts())
    actions = list(PriorityAction.objects.order_by("number"))
    itself = _itself(plan)
    partner = organisation_save(plan=plan, by=holder, name="Caritas", kind="third_sector")
    measures = bulk_create_with_history(
        [
            Measure(
                plan=plan,
                revision=1,
                **drafts.measure_fields(
                    plan,
                    holder,
                    title=f"Misura {n}",
                    lead=itself,
                    priority_action_id=actions[n % len(actions)].pk,
                ),
            )
            for n in range(count)
        ],
        Measure,
        default_user=holder,
    )
    bulk_create_with_history(
        [
            FundingLine(measure=measure, **line)
            for measure in measures
            for line in drafts.funding() + drafts.funding(source="municipal")
        ],
        FundingLine,
        default_user=holder,
    )
    bulk_create_with_history(
        [Indicator(measure=measure, **drafts.indicators()[0]) for measure in measures],
        Indicator,
        default_user=holder,
    )
    bulk_create_with_history(
        [MeasurePartner(measure=measure, organisation=partner) for measure in measures],
        MeasurePartner,
        default_user=holder,
    )
    return measures


def test_the_draft_page_runs_as_many_queries_with_10_or_100_measures(client):
    counts = []
    for size in (10, 100):
        plan = PlanFactory(at="draft")
        _with_measures(plan, size)
        task = _login(client, plan)
        counts.append(_queries(client, _page(task)))

    assert counts[0] == counts[1], counts


def test_the_review_page_and_the_plan_page_run_as_many_queries_with_10_or_100_measures(client):
    reviews, plans = [], []
    for size in (10, 100):
        plan = PlanFactory(at="draft")
        measures = _with_measures(plan, size)
        check = _in_review(plan)
        client.force_login(check.owner)
        html = client.get(url(check, "execute")).content.decode()
        assert html.count('class="plm-measure"') == size
        assert measure_comment_name(measures[-1].pk) in html
        reviews.append(_queries(client, url(check, "execute")))
        plans.append(_queries(client, process_url(plan.process)))

    assert reviews[0] == reviews[1], reviews
    assert plans[0] == plans[1], plans


def test_a_measure_page_runs_as_many_queries_with_1_or_15_lines(client, plan):
    small = _measure(plan)
    large = _measure(plan, title="Grande")
    holder = _holder(plan)
    measure_save(
        plan=plan,
        by=holder,
        pk=large.pk,
        fields={},
        funding=drafts.funding() * 15,
        indicators=drafts.indicators() * 15,
    )
    task = _login(client, plan)
    client.get(_page(task, "page_measure", small.pk))  # caches warmed (content types…)

    counts = [_queries(client, _page(task, "page_measure", m.pk)) for m in (small, large)]

    assert counts[0] == counts[1], counts
