import datetime

import pytest
from django import forms as django_forms

from forms.launch import LaunchForm
from plm_workflow.deadlines.services import schedule_defaults
from plm_workflow.plans.documents import NOT_A_PDF
from plm_workflow.plans.phases import PHASE_ORDER
from tests.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _form(data, upload=None):
    files = {"adhesion_act_file": upload if upload is not None else pdf_upload()}
    return LaunchForm(data=data, files=files)


def test_a_complete_launch_form_gives_the_comune_the_people_and_the_schedule(
    launch_data, comune, coordinator, coordinator2, facilitator, facilitator2
):
    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}

    form = _form(data)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["comune"] == comune
    assert form.cleaned_data["adhesion_act_date"] == datetime.date(2022, 6, 30)
    assert set(form.cleaned_data["coordinators"]) == {coordinator, coordinator2}
    assert set(form.cleaned_data["facilitators"]) == {facilitator, facilitator2}
    assert form.schedule == schedule_defaults()
    assert list(form.schedule) == list(PHASE_ORDER)


def test_the_schedule_has_one_date_per_phase_defaulting_to_the_settings_offsets(comune):
    form = LaunchForm()

    dates = {name: field for name, field in form.fields.items() if name.startswith("date_")}
    assert list(dates) == [f"date_{phase}" for phase in PHASE_ORDER]
    for phase, day in schedule_defaults().items():
        field = dates[f"date_{phase}"]
        assert (field.initial, field.label) == (day, f"Scadenza: {phase.label}")


def test_missing_fields_are_each_required(comune):
    form = _form({})

    required = str(django_forms.Field.default_error_messages["required"])
    assert not form.is_valid()
    assert form.errors == {
        "comune": [required],
        "adhesion_act_number": [required],
        "adhesion_act_date": [required],
        "title": [required],
        **{f"date_{phase}": [required] for phase in PHASE_ORDER},
    }


def test_bad_dates_are_refused_field_by_field(launch_data):
    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}
    data.update(adhesion_act_date="30/02/2022", date_tables="domani")

    form = _form(data)

    invalid = str(django_forms.DateField.default_error_messages["invalid"])
    assert form.errors == {"adhesion_act_date": [invalid], "date_tables": [invalid]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("999999", "Nessun comune ha il codice ISTAT 999999."),
        ("Atlantide (XX)", "Nessun comune si chiama “Atlantide (XX)”."),
    ],
)
def test_an_unknown_comune_is_refused_with_the_reason(launch_data, text, message):
    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}
    data["comune"] = text

    form = _form(data)

    assert form.errors == {"comune": [message]}


def test_a_file_that_is_not_a_pdf_is_refused(launch_data):
    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}

    form = _form(data, pdf_upload(name="delibera.pdf", content=b"not a pdf at all"))

    assert form.errors == {"adhesion_act_file": [str(NOT_A_PDF) % {"name": "delibera.pdf"}]}
