"""Working days: not a Saturday, a Sunday, an Italian national holiday or the patron day."""

import datetime
from functools import lru_cache

import holidays

# Why a day is not a working day, in the order a reason is given (a holiday on a Sunday is
# said to be the holiday).
HOLIDAY, PATRON_DAY, WEEKEND = "holiday", "patron_day", "weekend"


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[datetime.date]:
    # National holidays only: with a subdivision the package adds the patron day of the
    # province's capital, which is wrong for most comuni.
    return frozenset(holidays.country_holidays("IT", years=year))


@lru_cache(maxsize=128)
def _holiday_names(year: int, language: str) -> dict[datetime.date, str]:
    return dict(holidays.country_holidays("IT", years=year, language=language))


def holiday_name(day: datetime.date, language: str = "it") -> str:
    """Return the national holiday's name ("Festa della Liberazione"), "" on other days."""
    code = "it_IT" if language.startswith("it") else "en_US"
    return _holiday_names(day.year, code).get(day, "")


def non_working_kind(day: datetime.date, comune=None) -> str | None:
    """Return why offices of the comune are closed that day (HOLIDAY, PATRON_DAY, WEEKEND),
    or None on a working day."""
    if day in _national_holidays(day.year):
        return HOLIDAY
    if comune is not None and (day.month, day.day) == (comune.patron_month, comune.patron_day):
        return PATRON_DAY
    if day.weekday() >= 5:
        return WEEKEND
    return None


def is_working_day(day: datetime.date, comune=None) -> bool:
    """Return True if offices of the comune are open on that day."""
    return non_working_kind(day, comune) is None


def next_working_day(day: datetime.date, comune=None) -> datetime.date:
    """Return the day itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, comune):
        day += datetime.timedelta(days=1)
    return day


def days_skipped(day: datetime.date, comune=None) -> list[tuple[datetime.date, str]]:
    """Return the non-working days from ``day`` up to the next working day, each with why."""
    skipped = []
    while (kind := non_working_kind(day, comune)) is not None:
        skipped.append((day, kind))
        day += datetime.timedelta(days=1)
    return skipped
