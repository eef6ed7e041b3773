import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from plm_workflow.plans.models import PATRON_DAY_INCOMPLETE, PATRON_DAY_INVALID
from tests.factories import ComuneFactory

pytestmark = pytest.mark.django_db


def test_a_comune_is_shown_with_its_province():
    assert str(ComuneFactory(name="Castro", province_code="LE")) == "Castro (LE)"


@pytest.mark.parametrize(("day", "month"), [(29, 2), (31, 12), (None, None)])
def test_a_patron_day_of_the_calendar_is_accepted(day, month):
    comune = ComuneFactory.build(patron_day=day, patron_month=month)

    comune.full_clean()


def test_a_patron_day_not_in_the_calendar_is_refused():
    comune = ComuneFactory.build(patron_day=31, patron_month=4)

    with pytest.raises(ValidationError) as refused:
        comune.full_clean()

    assert refused.value.message_dict["patron_day"] == [str(PATRON_DAY_INVALID)]


def test_half_a_patron_day_is_refused_by_the_form_and_by_the_database():
    comune = ComuneFactory.build(patron_day=4, patron_month=None)

    with pytest.raises(ValidationError) as refused:
        comune.full_clean()
    assert str(PATRON_DAY_INCOMPLETE) in refused.value.messages

    with pytest.raises(IntegrityError):
        comune.save()


def test_an_istat_code_must_have_six_digits():
    with pytest.raises(ValidationError) as refused:
        ComuneFactory.build(istat_code="12345").full_clean()

    assert "istat_code" in refused.value.message_dict
