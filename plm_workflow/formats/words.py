"""The template library ``words`` (``{% load words %}``): dates in prose, file sizes.

``{{ day|prose_date }}`` → "8 marzo 2027"; ``{{ day|prose_date:"to" }}`` → "all'8 marzo 2027";
the argument is a ``how`` of ``prose.prose_date``, optionally followed by "no-year" or
"no-month" (``{{ day|prose_date:"on no-year" }}`` → "l'8 marzo"). ``{{ document.size|file_size }}``
→ "95 byte", "1,2 MB".
"""

from django import template

from .prose import prose_date as _prose_date
from .prose import prose_month_day as _prose_month_day
from .prose import prose_range as _prose_range
from .sizes import file_size as _file_size

register = template.Library()


@register.filter
def prose_date(value, spec: str = "") -> str:
    """A date in words, with the article or preposition ``spec`` asks for."""
    words = (spec or "").split()
    how = words[0] if words and words[0] not in ("no-year", "no-month") else ""
    return _prose_date(value, how, month="no-month" not in words, year="no-year" not in words)


@register.filter
def prose_range(start, end) -> str:
    """Two dates as "dal 15 febbraio all'8 marzo 2027" ("from 15 February to 8 March 2027")."""
    if start is None or end is None:
        return ""
    return _prose_range(start, end)


@register.filter
def month_day(day, month) -> str:
    """A day of every year: ``{{ comune.patron_day|month_day:comune.patron_month }}`` →
    "8 marzo"."""
    return _prose_month_day(day, month)


@register.filter
def file_size(size) -> str:
    """A file's size: "95 byte", "1,2 MB"."""
    return _file_size(size)
