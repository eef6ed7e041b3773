"""Free text has maximum lengths (DESIGN §7): forms, services and models refuse longer text with
one message, before anything is written; request bodies are capped."""

import datetime
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from forms.drafting import SectionsForm
from forms.steps import DecisionForm
from plm_workflow.audit.models import Event
from plm_workflow.limits import (
    NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
    SECTION_MAX_CHARS,
    length_of,
    too_long,
)
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    Measure,
    Meeting,
    NeedsAssessment,
    Phase,
    Plan,
    PlanSection,
    PlanStatus,
    Review,
    ReviewComment,
    SectionKey,
    Settlement,
)
from plm_workflow.plans.services import (
    plan_approve,
    plan_request_changes,
    plan_resume,
    plan_suspend,
    plan_withdraw,
    review_decide,
)
from plm_workflow.steps.drafting import sections_save
from tests import assessments
from tests.conftest import pdf_upload
from tests.factories import PlanFactory
from tests.flows.helpers import claim, open_task, sections_data, url

pytestmark = pytest.mark.django_db

NOTE_OVER = "n" * (NOTE_MAX_CHARS + 1)
REASON_OVER = "r" * (REASON_MAX_CHARS + 1)
SECTION_OVER = "s" * (SECTION_MAX_CHARS + 1)
CONTEXT, OBJECTIVES = SectionKey.CONTEXT, SectionKey.OBJECTIVES


def _trace(plan) -> tuple:
    """What a refused action must leave unchanged: the plan, its rows and its events."""
    plan.refresh_from_db()
    return (
        plan.status,
        plan.suspension_reason,
        plan.withdrawal_reason,
        plan.history.count(),
        list(PlanSection.objects.filter(plan=plan).values_list("key", "text")),
        PlanSection.history.filter(plan=plan).count(),
        Review.objects.filter(plan=plan).count(),
        assessments.state(plan),
        Event.objects.count(),
    )


# --- The message -------------------------------------------------------------------------------


def test_the_message_writes_the_numbers_as_each_language_does():
    with translation.override("it"):
        assert too_long("x" * 20_001, NOTE_MAX_CHARS) == (
            "Sono ammessi al massimo 20.000 caratteri: questo testo ne ha 20.001."
        )
    with translation.override("en"):
        assert too_long("x" * 2_001, REASON_MAX_CHARS) == (
            "At most 2,000 characters, please: this text has 2,001."
        )


def test_text_at_the_limit_passes_and_a_line_break_counts_as_one():
    assert too_long("x" * NOTE_MAX_CHARS, NOTE_MAX_CHARS) is None
    # As a browser sends it: its maxlength counted each line break as one character.
    assert too_long("x\r\n" * (REASON_MAX_CHARS // 2), REASON_MAX_CHARS) is None
    assert too_long("x\r\n" * (REASON_MAX_CHARS // 2) + "x", REASON_MAX_CHARS) is not None


# --- Forms -------------------------------------------------------------------------------------


def test_the_sections_form_refuses_an_overlong_section_with_the_message():
    form = SectionsForm(data={CONTEXT: SECTION_OVER, OBJECTIVES: "Alloggi."})

    assert not form.is_valid()
    assert form.errors == {CONTEXT: [too_long(SECTION_OVER, SECTION_MAX_CHARS)]}


def test_the_sections_form_takes_sections_at_the_limit_and_tells_the_browser_the_limit():
    form = SectionsForm(data=dict.fromkeys(SectionKey.values, "s" * SECTION_MAX_CHARS))

    assert form.is_valid(), form.errors
    for key in SectionKey.values:
        assert f'maxlength="{SECTION_MAX_CHARS}"' in str(form[key])


def test_the_decision_form_refuses_overlong_comments_with_the_message():
    form = DecisionForm(data={"decision": "returned", "comments": REASON_OVER})

    assert not form.is_valid()
    assert form.errors["comments"] == [too_long(REASON_OVER, REASON_MAX_CHARS)]
    assert f'maxlength="{REASON_MAX_CHARS}"' in str(form["comments"])


def test_the_decision_form_takes_comments_at_the_limit():
    form = DecisionForm(data={"decision": "returned", "comments": "r" * REASON_MAX_CHARS})

    assert form.is_valid(), form.errors


# --- Services ----------------------------------------------------------------------------------


@pytest.fixture
def drafting_plan(coordinator):
    """A plan at its drafting, the draft's task held by ``coordinator`` (its one coordinator)."""
    return PlanFactory(at="draft", coordinator=coordinator)


def _refused(text):
    """The refusal of a section's text, as the save names it: the section, then the limit."""
    return f"{SectionKey.CONTEXT.label}: {too_long(text, SECTION_MAX_CHARS)}"


def test_an_overlong_section_is_refused_and_nothing_is_written(drafting_plan, coordinator):
    plan = drafting_plan
    before = _trace(plan)

    with pytest.raises(PlanError) as refused:
        sections_save(plan=plan, by=coordinator, texts={CONTEXT: SECTION_OVER})

    assert refused.value.messages == [_refused(SECTION_OVER)]
    assert _trace(plan) == before


def test_an_overlong_section_replaces_no_text_already_there(drafting_plan, coordinator):
    plan = drafting_plan
    sections_save(plan=plan, by=coordinator, texts={CONTEXT: "Prima."})
    before = _trace(plan)

    with pytest.raises(PlanError):
        sections_save(plan=plan, by=coordinator, texts={CONTEXT: SECTION_OVER})

    assert _trace(plan) == before
    assert PlanSection.objects.get(plan=plan).text == "Prima."


def test_one_overlong_section_keeps_the_others_of_the_same_save_unwritten(
    drafting_plan, coordinator
):
    plan = drafting_plan
    before = _trace(plan)

    with pytest.raises(PlanError) as refused:
        sections_save(
            plan=plan, by=coordinator, texts={OBJECTIVES: "Alloggi.", CONTEXT: SECTION_OVER}
        )

    assert refused.value.messages == [_refused(SECTION_OVER)]
    assert _trace(plan) == before


def test_a_section_at_the_limit_is_saved(drafting_plan, coordinator):
    text = "s" * SECTION_MAX_CHARS

    saved = sections_save(plan=drafting_plan, by=coordinator, texts={CONTEXT: text})

    assert PlanSection.objects.get(pk=saved[CONTEXT].pk).text == text


def test_overlong_comments_on_a_return_are_refused_and_nothing_is_written(plan, facilitator):
    assessments.fill(plan)
    before = _trace(plan)

    with pytest.raises(PlanError) as refused:
        review_decide(
            plan=plan,
            phase=Phase.ASSESSMENT,
            decision="returned",
            comments=REASON_OVER,
            by=facilitator,
        )

    assert refused.value.messages == [too_long(REASON_OVER, REASON_MAX_CHARS)]
    assert _trace(plan) == before


def test_overlong_comments_on_an_approval_are_refused_too(plan, drive, facilitator):
    drive(plan, PlanStatus.REVIEW)
    before = _trace(plan)

    for attempt in (
        lambda: review_decide(
            plan=plan,
            phase=Phase.DRAFTING,
            decision="approved",
            comments=REASON_OVER,
            by=facilitator,
        ),
        lambda: plan_approve(plan=plan, by=facilitator, comments=REASON_OVER),
        lambda: plan_request_changes(plan=plan, by=facilitator, comments=REASON_OVER),
    ):
        with pytest.raises(PlanError) as refused:
            attempt()
        assert refused.value.messages == [too_long(REASON_OVER, REASON_MAX_CHARS)]
        assert _trace(plan) == before


def test_comments_at_the_limit_are_recorded(plan, facilitator):
    assessments.fill(plan)
    comments = "r" * REASON_MAX_CHARS

    review = review_decide(
        plan=plan, phase=Phase.ASSESSMENT, decision="returned", comments=comments, by=facilitator
    )

    assert Review.objects.get(pk=review.pk).comments == comments


@pytest.mark.parametrize("service", [plan_suspend, plan_withdraw])
def test_an_overlong_reason_is_refused_and_nothing_is_written(service, plan, lead):
    before = _trace(plan)

    with pytest.raises(PlanError) as refused:
        service(plan=plan, by=lead, reason=REASON_OVER)

    assert refused.value.messages == [too_long(REASON_OVER, REASON_MAX_CHARS)]
    assert _trace(plan) == before


def test_an_overlong_reason_to_resume_is_refused(plan, lead):
    plan_suspend(plan=plan, by=lead, reason="Elezioni comunali")
    before = _trace(plan)

    with pytest.raises(PlanError) as refused:
        plan_resume(plan=plan, by=lead, reason=REASON_OVER)

    assert refused.value.messages == [too_long(REASON_OVER, REASON_MAX_CHARS)]
    assert _trace(plan) == before


def test_a_reason_at_the_limit_is_stored(plan, lead):
    reason = "r" * REASON_MAX_CHARS

    plan_suspend(plan=plan, by=lead, reason=reason)

    assert Plan.objects.get(pk=plan.pk).suspension_reason == reason


# --- Models ------------------------------------------------------------------------------------


def test_the_models_full_clean_refuses_overlong_text(plan, facilitator):
    section = PlanSection(plan=plan, key=CONTEXT, text=SECTION_OVER)
    measure = Measure(plan=plan, title="Foresteria", description=NOTE_OVER)
    assessment = NeedsAssessment(plan=plan, key_issues=NOTE_OVER)
    settlement = Settlement(name="Campo", kind="informal", notes=REASON_OVER)
    meeting = Meeting(
        starts_at=timezone.now() - datetime.timedelta(days=1),
        place="Sala",
        agenda=REASON_OVER,
        minutes=NOTE_OVER,
        decisions=REASON_OVER,
    )
    review = Review(
        plan=plan,
        phase=Phase.ASSESSMENT,
        round=1,
        decision="returned",
        comments=REASON_OVER,
        reviewer=facilitator,
    )
    comment = ReviewComment(section=CONTEXT, subject="Contesto", text=REASON_OVER)
    plan.suspension_reason = plan.withdrawal_reason = REASON_OVER
    cases = [
        (section, "text", SECTION_OVER, SECTION_MAX_CHARS),
        (measure, "description", NOTE_OVER, NOTE_MAX_CHARS),
        (comment, "text", REASON_OVER, REASON_MAX_CHARS),
        (assessment, "key_issues", NOTE_OVER, NOTE_MAX_CHARS),
        (settlement, "notes", REASON_OVER, REASON_MAX_CHARS),
        (meeting, "agenda", REASON_OVER, REASON_MAX_CHARS),
        (meeting, "minutes", NOTE_OVER, NOTE_MAX_CHARS),
        (meeting, "decisions", REASON_OVER, REASON_MAX_CHARS),
        (review, "comments", REASON_OVER, REASON_MAX_CHARS),
        (plan, "suspension_reason", REASON_OVER, REASON_MAX_CHARS),
        (plan, "withdrawal_reason", REASON_OVER, REASON_MAX_CHARS),
    ]
    for instance, field, text, limit in cases:
        with pytest.raises(ValidationError) as refused:
            # The status is protected (the FSM guards it).
            instance.full_clean(
                exclude=["status", "assessment", "table", "review"], validate_constraints=False
            )
        assert refused.value.message_dict[field] == [too_long(text, limit)], field


def test_the_models_full_clean_takes_text_at_the_limit(plan):
    PlanSection(plan=plan, key=CONTEXT, text="s" * SECTION_MAX_CHARS).full_clean()
    Measure(plan=plan, title="Foresteria", description="n" * NOTE_MAX_CHARS).full_clean()
    ReviewComment(section=CONTEXT, subject="Contesto", text="r" * REASON_MAX_CHARS).full_clean(
        exclude=["review"]
    )
    NeedsAssessment(plan=plan, housing="n" * NOTE_MAX_CHARS).full_clean()
    Settlement(name="Campo", kind="informal", notes="r" * REASON_MAX_CHARS).full_clean(
        exclude=["assessment"]
    )
    Meeting(
        starts_at=timezone.now() - datetime.timedelta(days=1),
        place="Sala",
        agenda="r" * REASON_MAX_CHARS,
        minutes="n" * NOTE_MAX_CHARS,
        decisions="r" * REASON_MAX_CHARS,
    ).full_clean(exclude=["table"])


# --- Request bodies ----------------------------------------------------------------------------


def _work_task(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    return task


@pytest.mark.parametrize("content_type", ["multipart", "urlencoded"])
def test_a_body_over_the_cap_answers_400_and_changes_nothing(
    content_type, client, flow_plan, coordinator, settings
):
    task = _work_task(client, flow_plan, coordinator)
    before = _trace(flow_plan)
    text = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    if content_type == "multipart":
        response = client.post(url(task, "execute"), {"text": text, "_save": "1"})
    else:
        response = client.post(
            url(task, "execute"),
            f"text={text}&_save=1",
            content_type="application/x-www-form-urlencoded",
        )

    assert response.status_code == 400
    assert _trace(flow_plan) == before


def test_the_body_cap_leaves_room_for_the_longest_text_in_any_script(settings):
    # Four bytes a character in UTF-8, percent-encoded as three characters a byte.
    assert max(NOTE_MAX_CHARS, SECTION_MAX_CHARS) * 4 * 3 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_the_draft_editor_saves_every_section_at_its_limit_in_italian(client, coordinator):
    # Accents, typographic quotes and dashes, line breaks as a browser sends them, the whole
    # form URL-encoded: the four sections of one save, each at its limit, stay under the cap.
    plan = PlanFactory(at="draft", coordinator=coordinator)
    line = "Saluzzo, città della frutta: più di 1.500 braccianti d’estate – perché?\n"
    text = (line * (SECTION_MAX_CHARS // len(line) + 1))[: SECTION_MAX_CHARS - 1] + "."
    sent = text.replace("\n", "\r\n")
    assert length_of(sent) == SECTION_MAX_CHARS
    body = urlencode(sections_data(plan, **dict.fromkeys(SectionKey.values, sent)))
    client.force_login(coordinator)

    response = client.post(
        url(open_task(plan), "execute"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert dict(plan.sections.values_list("key", "text")) == dict.fromkeys(SectionKey.values, text)


def test_the_body_cap_does_not_count_an_uploaded_file(
    client, lead, launch_url, launch_data, settings
):
    from plm_workflow.plans.pdfs import one_page_pdf

    # Just under the upload limit, ten times the body cap: the file is not part of the cap.
    content = one_page_pdf("Delibera di adesione")
    padding = settings.PLM_MAX_UPLOAD_BYTES - len(content) - 16
    assert padding > 5 * settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    big = pdf_upload(content=content + b"\n%" + b"0" * padding + b"\n")
    client.force_login(lead)

    response = client.post(launch_url, {**launch_data, "adhesion_act_file": big})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Plan.objects.filter(comune__istat_code="004203").exists()


def test_a_body_over_the_cap_is_refused_before_login_too(db):
    response = Client().post(
        "/accounts/login/",
        "username=" + "u" * (2 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 400
