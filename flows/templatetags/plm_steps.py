"""Filters of the step pages: months in words, counts grouped as the language writes them."""

from django import template
from django.utils.formats import number_format

from ..assessment_content import month_names as _month_names

register = template.Library()


@register.filter
def month_names(months) -> str:
    """``[5, 6, 12]`` → "maggio, giugno, dicembre"."""
    return _month_names(months)


@register.filter
def count(value) -> str:
    """A number of people or places grouped as the language writes it (1.234); "—" if none."""
    if value is None or value == "":
        return "—"
    return number_format(value, force_grouping=True)
