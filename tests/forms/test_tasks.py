import pytest
from django import forms as django_forms
from viewflow.workflow.models import Task

from forms.tasks import TaskFilterForm
from plm_workflow.plans.models import Phase
from tests.factories import ComuneFactory, PlanFactory
from tests.flows.helpers import OPEN, open_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def plans():
    """Open tasks at three steps in two regions: assessment and drafting in Piemonte."""
    saluzzo = ComuneFactory(
        istat_code="004203", name="Saluzzo", province_code="CN", region="Piemonte"
    )
    cuneo = ComuneFactory(istat_code="004078", name="Cuneo", province_code="CN", region="Piemonte")
    rovigo = ComuneFactory(istat_code="029041", name="Rovigo", province_code="RO", region="Veneto")
    return {
        "saluzzo": PlanFactory(comune=saluzzo, at="assess"),
        "cuneo": PlanFactory(comune=cuneo, at="draft"),
        "rovigo": PlanFactory(comune=rovigo, at="assess"),
    }


def _open(plans, *names):
    """The open human task of each named plan."""
    return {open_task(plans[name]).pk for name in names}


def _shown(data, user):
    tasks = Task.objects.filter(flow_task_type="HUMAN", status__in=OPEN)
    return set(TaskFilterForm(data=data, user=user).apply(tasks).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, ["saluzzo", "cuneo", "rovigo"]),
        ({"comune": "Saluzzo (CN)"}, ["saluzzo"]),
        ({"comune": "029041"}, ["rovigo"]),
        ({"region": "Piemonte"}, ["saluzzo", "cuneo"]),
        ({"phase": Phase.ASSESSMENT}, ["saluzzo", "rovigo"]),
        ({"region": "Piemonte", "phase": Phase.ASSESSMENT}, ["saluzzo"]),
        ({"comune": "Rovigo (RO)", "region": "Piemonte"}, []),
    ],
)
def test_each_filter_narrows_the_tasks(plans, lead, data, expected):
    assert _shown(data, lead) == _open(plans, *expected)


def test_an_invalid_filter_shows_no_task_and_says_why(plans, lead):
    form = TaskFilterForm(data={"comune": "Atlantide (XX)", "region": "Piemonte"}, user=lead)

    assert form.errors == {"comune": ["Nessun comune si chiama “Atlantide (XX)”."]}
    assert form.refused
    assert _shown({"comune": "Atlantide (XX)", "region": "Piemonte"}, lead) == set()


def test_no_filter_asked_shows_every_task(plans, lead):
    form = TaskFilterForm(user=lead)

    assert not form.refused
    assert _shown(None, lead) == _open(plans, "saluzzo", "cuneo", "rovigo")


def test_the_regions_offered_are_those_of_the_visible_plans_once_each(plans, lead):
    ComuneFactory(istat_code="009002", name="Albenga", province_code="SV", region="Liguria")
    form = TaskFilterForm(user=lead)

    assert form.fields["region"].choices == [
        ("", "—"),
        ("Piemonte", "Piemonte"),
        ("Veneto", "Veneto"),
    ]


def test_an_unknown_region_or_phase_is_refused(lead):
    form = TaskFilterForm(data={"region": "Atlantide", "phase": "nowhere"}, user=lead)

    message = str(django_forms.ChoiceField.default_error_messages["invalid_choice"])
    assert form.errors == {
        "region": [message % {"value": "Atlantide"}],
        "phase": [message % {"value": "nowhere"}],
    }
