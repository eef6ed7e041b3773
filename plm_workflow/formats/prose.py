"""Dates as prose writes them, with the article or preposition each language puts before them.

Italian elides and contracts before the day: "il 1° marzo", "l'8 marzo", "l'11 marzo", "al 2",
"all'8", "dal 1°", "dall'11", "entro l'8"; English writes "on 1 March", "to 8 March", "from the
11th". The grammar depends on the number, so it lives here rather than in the catalogue; the
month names are Django's (lower-case Italian ones from ``locale_viewflow``, see ``it/formats``).

``how`` names what the date is to the sentence:

======  ================================  ==========================
how     Italian                           English
======  ================================  ==========================
""      8 marzo 2027, 1° marzo 2027       8 March 2027
"the"   l'8 marzo 2027, il 1° marzo 2027  8 March 2027 (the 8th)
"on"    l'8 marzo 2027                    on 8 March 2027
"to"    all'8 marzo 2027, al 2 marzo      to 8 March 2027
"from"  dall'8 marzo 2027, dal 1° marzo   from 8 March 2027
"by"    entro l'8 marzo 2027              by 8 March 2027
"of"    dell'8 marzo 2027, del 2 marzo    of 8 March 2027
======  ================================  ==========================

Without the month (``month=False``: "il 6 è sabato", "dal 6 all'8 marzo") English says "the
6th". A language other than Italian is written as English is.
"""

import datetime

from django.utils import dates, timezone
from django.utils.formats import date_format
from django.utils.translation import get_language

HOW = ("", "the", "on", "to", "from", "by", "of")

# Italian: the article before the day, by how; "l'" and its contractions elide before a vowel.
_IT_ARTICLE = {"the": "il", "on": "il", "to": "al", "from": "dal", "by": "entro il", "of": "del"}
_IT_ELIDED = {
    "the": "l'", "on": "l'", "to": "all'", "from": "dall'", "by": "entro l'", "of": "dell'"
}  # fmt: skip
_EN_WORD = {"the": "", "on": "on ", "to": "to ", "from": "from ", "by": "by ", "of": "of "}


def _italian() -> bool:
    return (get_language() or "").startswith("it")


def _starts_with_vowel_sound(day: int) -> bool:
    """Return True if the Italian name of the day number starts with a vowel: otto, undici
    (and the eighties, which no month has)."""
    return day in (8, 11)


def _italian_day(day: int) -> str:
    return "1°" if day == 1 else str(day)


def english_ordinal(day: int) -> str:
    """Return "1st", "2nd", "3rd", "4th", "11th", "21st"…"""
    if day % 100 in (11, 12, 13):
        return f"{day}th"
    return f"{day}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(day % 10, 'th') }"


def prose_date(
    value: datetime.date | None, how: str = "", *, month: bool = True, year: bool = True
) -> str:
    """Return the date as a sentence writes it, preceded by the words ``how`` asks for.

    ``month=False`` leaves out the month and the year (the day alone); ``year=False`` the year.
    None gives "".
    """
    if value is None:
        return ""
    if how not in HOW:
        raise ValueError(f"prose_date: how is one of {HOW}, not {how!r}")
    if isinstance(value, datetime.datetime):
        value = value.date()
    month_name = str(dates.MONTHS_ALT[value.month])
    if _italian():
        words = _italian_day(value.day)
        if month:
            words += f" {month_name.lower()}"
            if year:
                words += f" {value.year}"
        if not how:
            return words
        article = (_IT_ELIDED if _starts_with_vowel_sound(value.day) else _IT_ARTICLE)[how]
        return f"{article}{words}" if article.endswith("'") else f"{article} {words}"
    if not month:
        day = english_ordinal(value.day)
        return f"the {day}" if how in ("", "the") else f"{_EN_WORD[how]}the {day}"
    words = f"{value.day} {month_name}"
    if year:
        words += f" {value.year}"
    return f"{_EN_WORD.get(how, '')}{words}"


def prose_range(start: datetime.date, end: datetime.date) -> str:
    """Return "from … to …" with what the two dates share said once: "dal 15 febbraio all'8
    marzo 2027", "dal 6 all'8 marzo 2027", "from 6 to 8 March 2027"; the year of each when
    they differ."""
    same_year = start.year == end.year
    same_month = same_year and start.month == end.month
    if same_month and not _italian():
        return f"from {start.day} to {prose_date(end)}"
    first = prose_date(start, "from", month=not same_month, year=not same_year)
    if same_month:  # Italian: "dal 6 all'8 marzo 2027"
        first = prose_date(start, "from", month=False)
    return f"{first} {prose_date(end, 'to')}"


def prose_month_day(day: int | None, month: int | None, how: str = "") -> str:
    """Return a day of every year in words ("8 marzo", "l'8 marzo", "8 March"); "" if none."""
    if not day or not month:
        return ""
    # A leap year, so that 29 February is a day too.
    return prose_date(datetime.date(2000, month, day), how, year=False)


def prose_weekday_date(value: datetime.date | None) -> str:
    """Return the date with its weekday, as a notification writes it: "lunedì 8 marzo 2027",
    "Monday 8 March 2027"; None gives "" (a notice is often read days later: "lunedì" alone
    would not do)."""
    if value is None:
        return ""
    weekday = str(dates.WEEKDAYS[value.weekday()])
    if _italian():
        weekday = weekday.lower()
    return f"{weekday} {prose_date(value)}"


def prose_moment(moment: datetime.datetime | None) -> str:
    """Return a moment as prose writes it, in the site's time (Rome): "8 marzo 2027, 16:15".

    None gives "".
    """
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{prose_date(local.date())}, {date_format(local, 'TIME_FORMAT')}"


def short_date(value: datetime.date | None) -> str:
    """Return the date as a table or a spreadsheet writes it: "08/03/2027"; None gives ""."""
    return date_format(value, "SHORT_DATE_FORMAT") if value else ""
