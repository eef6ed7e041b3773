"""Filters of the step pages: months in words, counts grouped as the language writes them, a
form's refusals as one list."""

from django import template
from django.utils.formats import number_format

from forms.fields import form_messages

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


@register.filter
def refusals(form) -> list[str]:
    """Every refusal of a bound form, as the top of its page lists them ("Label: message")."""
    if form is None or not form.is_bound or not form.errors:
        return []
    return form_messages(form)
