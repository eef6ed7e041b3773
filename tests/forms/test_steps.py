import pytest
from django import forms as django_forms
from django.core.validators import MinValueValidator

from forms import adoption, assessment, drafting, tables
from forms.steps import DecisionForm, PhaseNoteForm
from plm_workflow.plans import phases
from plm_workflow.plans.models import RETURN_WITHOUT_COMMENTS, ReviewDecision
from plm_workflow.steps.adoption import ACT_FIELDS


def test_a_phase_note_carries_the_version_the_page_showed_hidden():
    form = PhaseNoteForm(data={"text": "Fatto.", "version": "3"})

    assert form.is_valid()
    assert form.cleaned_data == {"text": "Fatto.", "version": 3}
    assert isinstance(form.fields["version"].widget, django_forms.HiddenInput)
    assert 'type="hidden" name="version" value="3"' in str(form["version"])


def test_a_phase_note_may_be_empty_without_a_version_but_not_a_negative_one():
    assert PhaseNoteForm(data={}).is_valid()

    form = PhaseNoteForm(data={"text": "x", "version": "-1"})

    minimum = str(MinValueValidator.message) % {"limit_value": 0}
    assert form.errors == {"version": [minimum]}


@pytest.mark.parametrize("decision", [ReviewDecision.APPROVED, ReviewDecision.RETURNED])
def test_a_decision_with_comments_is_accepted(decision):
    form = DecisionForm(data={"decision": decision, "comments": "Da completare."})

    assert form.is_valid()
    assert form.cleaned_data == {"decision": decision, "comments": "Da completare."}


def test_an_approval_needs_no_comments():
    assert DecisionForm(data={"decision": ReviewDecision.APPROVED}).is_valid()


@pytest.mark.parametrize("comments", ["", "   \n "])
def test_a_return_without_comments_is_refused_with_the_reason(comments):
    form = DecisionForm(data={"decision": ReviewDecision.RETURNED, "comments": comments})

    assert form.errors == {"comments": [str(RETURN_WITHOUT_COMMENTS)]}


def test_a_decision_is_one_of_the_review_decisions():
    form = DecisionForm(data={"decision": "maybe"})

    message = str(django_forms.ChoiceField.default_error_messages["invalid_choice"])
    assert form.errors == {"decision": [message % {"value": "maybe"}]}


# The tables have no work form of their own: each row is saved through its own form.
WORK_FORMS = {
    "assessment": assessment.AssessmentWorkForm,
    "drafting": drafting.DraftingWorkForm,
    "adoption": adoption.AdoptionWorkForm,
}
# The phases whose work is still their note (drafting: the others have their own forms).
NOTE_FORMS = {phase: form for phase, form in WORK_FORMS.items() if phases.spec_of(phase).has_note}
CHECK_FORMS = {
    "assessment": assessment.AssessmentCheckForm,
    "tables": tables.TablesCheckForm,
    "drafting": drafting.DraftingCheckForm,
    "adoption": adoption.AdoptionCheckForm,
}


def test_each_phase_names_its_note_its_own_way_and_keeps_the_version():
    forms = [form_class() for form_class in NOTE_FORMS.values()]

    labels = [str(form.fields["text"].label) for form in forms]
    assert len(set(labels)) == len(NOTE_FORMS)
    # What to write is the registry's work hint, shown once above the editor; the field's
    # help says how drafts and submissions work, the same in every phase.
    helps = {str(form.fields["text"].help_text) for form in forms}
    assert helps == {str(PhaseNoteForm().fields["text"].help_text)}
    assert str(PhaseNoteForm().fields["text"].label) not in labels
    for form in forms:
        assert isinstance(form, PhaseNoteForm)
        assert isinstance(form.fields["version"].widget, django_forms.HiddenInput)


def test_a_phases_label_does_not_leak_into_the_base_form_or_another_phase():
    drafting.DraftingWorkForm()

    assert str(PhaseNoteForm().fields["text"].label) == "Nota di fase"


def test_the_assessment_has_its_own_form_not_a_note():
    form = assessment.AssessmentWorkForm()

    assert not phases.spec_of("assessment").has_note
    assert not isinstance(form, PhaseNoteForm)
    assert "text" not in form.fields
    assert isinstance(form.fields["version"].widget, django_forms.HiddenInput)


def test_the_adoption_has_its_own_form_not_a_note():
    form = adoption.AdoptionWorkForm()

    assert not phases.spec_of("adoption").has_note
    assert not isinstance(form, PhaseNoteForm)
    assert "text" not in form.fields
    assert {*ACT_FIELDS, "signed_act", "annexes", "version"} <= set(form.fields)
    assert isinstance(form.fields["version"].widget, django_forms.HiddenInput)


def test_the_tables_have_their_own_forms_not_a_note():
    classes = [value for value in vars(tables).values() if isinstance(value, type)]

    assert not phases.spec_of("tables").has_note
    assert tables.OrganisationForm in classes
    assert not [form for form in classes if issubclass(form, PhaseNoteForm)]


@pytest.mark.parametrize("phase", list(NOTE_FORMS))
def test_each_phases_note_form_keeps_the_submitted_text_and_version(phase):
    form = NOTE_FORMS[phase](data={"text": "Fatto.", "version": "2"})

    assert form.is_valid()
    assert form.cleaned_data == {"text": "Fatto.", "version": 2}


@pytest.mark.parametrize("phase", list(CHECK_FORMS))
def test_each_phases_check_refuses_a_return_without_comments(phase):
    form = CHECK_FORMS[phase](data={"decision": ReviewDecision.RETURNED})

    assert form.errors == {"comments": [str(RETURN_WITHOUT_COMMENTS)]}


@pytest.mark.parametrize("phase", list(NOTE_FORMS))
def test_each_phases_note_label_is_italian_by_default(phase):
    from django.utils import translation

    italian = str(NOTE_FORMS[phase]().fields["text"].label)
    with translation.override("en"):
        english = str(NOTE_FORMS[phase]().fields["text"].label)

    assert italian != english
