import pytest
from django import forms as django_forms
from django.core.validators import MinValueValidator

from forms import adoption, assessment, drafting, tables
from forms.steps import DecisionForm
from plm_workflow.plans.models import (
    RETURN_WITHOUT_COMMENTS,
    Organisation,
    ReviewDecision,
    SectionKey,
)
from plm_workflow.steps.adoption import ACT_FIELDS


def test_the_drafts_sections_carry_the_version_the_page_showed_hidden():
    form = drafting.SectionsForm(data={"context": "Fatto.", "context_version": "3"})

    assert form.is_valid(), form.errors
    assert form.texts()["context"] == "Fatto."
    assert form.seen_versions() == {"context": 3}
    assert isinstance(form.fields["context_version"].widget, django_forms.HiddenInput)
    assert 'type="hidden" name="context_version" value="3"' in str(form["context_version"])


def test_the_sections_may_be_empty_without_a_version_but_not_a_negative_one():
    empty = drafting.SectionsForm(data={})
    assert empty.is_valid()
    assert empty.seen_versions() == {}  # no version shown: nothing to compare

    form = drafting.SectionsForm(data={"context": "x", "context_version": "-1"})

    minimum = str(MinValueValidator.message) % {"limit_value": 0}
    assert form.errors == {"context_version": [minimum]}


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


# The tables have no work form of their own: each row is saved through its own form. The
# draft's editor saves its sections; each measure has a page of its own.
WORK_FORMS = {
    "assessment": assessment.AssessmentWorkForm,
    "drafting": drafting.SectionsForm,
    "drafting (a measure)": lambda: drafting.MeasureForm(
        organisations=Organisation.objects.none(), actions=[]
    ),
    "adoption": adoption.AdoptionWorkForm,
}
CHECK_FORMS = {
    "assessment": assessment.AssessmentCheckForm,
    "tables": tables.TablesCheckForm,
    "drafting": drafting.DraftingCheckForm,
    "adoption": adoption.AdoptionCheckForm,
}


@pytest.mark.parametrize("phase", list(WORK_FORMS))
def test_each_work_form_has_its_own_fields_not_a_note_and_keeps_versions_hidden(phase):
    form = WORK_FORMS[phase]()

    assert "text" not in form.fields
    versions = [name for name in form.fields if name == "version" or name.endswith("_version")]
    assert versions
    for name in versions:
        assert isinstance(form.fields[name].widget, django_forms.HiddenInput)


def test_the_draft_has_a_field_per_section_named_and_explained_by_its_own():
    form = drafting.SectionsForm()

    labels = [str(form.fields[key].label) for key in SectionKey.values]
    helps = {str(form.fields[key].help_text) for key in SectionKey.values}
    assert labels == [str(label) for _key, label in SectionKey.choices]
    assert len(helps) == len(SectionKey.values)
    assert set(form.fields) == {*SectionKey.values, *(f"{key}_version" for key in SectionKey)}


def test_the_adoption_has_its_act_fields_and_files():
    form = adoption.AdoptionWorkForm()

    assert {*ACT_FIELDS, "signed_act", "annexes", "version"} <= set(form.fields)


def test_the_tables_have_their_own_forms_not_a_note():
    classes = [value for value in vars(tables).values() if isinstance(value, type)]

    forms = [value for value in classes if issubclass(value, django_forms.BaseForm)]
    assert tables.OrganisationForm in forms
    assert not [form for form in forms if "text" in form.base_fields]


@pytest.mark.parametrize("phase", list(CHECK_FORMS))
def test_each_phases_check_refuses_a_return_without_comments(phase):
    form = CHECK_FORMS[phase](data={"decision": ReviewDecision.RETURNED})

    assert form.errors == {"comments": [str(RETURN_WITHOUT_COMMENTS)]}
