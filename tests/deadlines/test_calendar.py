"""Working days: weekends, Italian national holidays and the comune's patron day are not."""

import datetime

import pytest

from plm_workflow.deadlines.calendar import is_working_day, next_working_day
from tests.factories import ComuneFactory

D = datetime.date


@pytest.mark.parametrize(
    ("day", "expected", "why"),
    [
        (D(2025, 4, 25), D(2025, 4, 28), "Liberation Day (a Friday) → Monday"),
        (D(2026, 4, 25), D(2026, 4, 27), "Liberation Day on a Saturday → Monday"),
        (D(2026, 6, 2), D(2026, 6, 3), "Republic Day"),
        (D(2026, 4, 6), D(2026, 4, 7), "Easter Monday"),
        (D(2026, 11, 28), D(2026, 11, 30), "a Saturday"),
        (D(2026, 11, 29), D(2026, 11, 30), "a Sunday"),
        (D(2026, 12, 24), D(2026, 12, 24), "Christmas Eve is worked"),
        (D(2026, 12, 25), D(2026, 12, 28), "Christmas, Saint Stephen, Sunday"),
        (D(2026, 10, 5), D(2026, 10, 5), "a Monday"),
    ],
)
def test_a_date_off_work_moves_to_the_next_working_day(day, expected, why):
    assert next_working_day(day) == expected, why


@pytest.mark.django_db
def test_the_comunes_patron_day_is_not_a_working_day_there_only():
    saluzzo = ComuneFactory(name="Saluzzo", patron_day=3, patron_month=12)
    rovigo = ComuneFactory(name="Rovigo")

    assert not is_working_day(D(2026, 12, 3), saluzzo)
    assert next_working_day(D(2026, 12, 3), saluzzo) == D(2026, 12, 4)
    assert next_working_day(D(2026, 12, 3), rovigo) == D(2026, 12, 3)


@pytest.mark.django_db
def test_a_patron_day_before_a_weekend_moves_past_both():
    comune = ComuneFactory(patron_day=4, patron_month=12)  # Friday 4 December 2026

    assert next_working_day(D(2026, 12, 4), comune) == D(2026, 12, 7)
