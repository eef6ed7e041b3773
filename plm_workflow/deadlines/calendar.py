"""Working days: not a Saturday, a Sunday, an Italian national holiday or the patron day."""

import datetime
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _national_holidays(year: int) -> frozenset[datetime.date]:
    # National holidays only: with a subdivision the package adds the patron day of the
    # province's capital, which is wrong for most comuni.
    return frozenset(holidays.country_holidays("IT", years=year))


def is_working_day(day: datetime.date, comune=None) -> bool:
    """Return True if offices of the comune are open on that day."""
    if day.weekday() >= 5 or day in _national_holidays(day.year):
        return False
    patron = (comune.patron_month, comune.patron_day) if comune is not None else (None, None)
    return (day.month, day.day) != patron


def next_working_day(day: datetime.date, comune=None) -> datetime.date:
    """Return the day itself if it is a working day, else the first working day after it."""
    while not is_working_day(day, comune):
        day += datetime.timedelta(days=1)
    return day
