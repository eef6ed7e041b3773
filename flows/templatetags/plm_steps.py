"""Filters of the step pages: months in words, counts and money grouped as the language writes
them, a form's refusals as one list, the plan's text as paragraphs and lists."""

import re

from django import template
from django.utils.formats import number_format
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from forms.fields import form_messages

from ..assessment_content import month_names as _month_names
from ..drafting_content import decimal_shown
from ..drafting_content import euro as _euro

register = template.Library()

_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_ITEM = re.compile(r"^\s*- ")


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
def euro(amount) -> str:
    """An amount as the language writes it: "1.234.567,89 €" in Italian; "—" if none."""
    return _euro(amount)


@register.filter
def figure(value) -> str:
    """A baseline or target as the language writes it: "12", "12,5", "1.200"; "—" if none."""
    return decimal_shown(value)


@register.filter
def refusals(form) -> list[str]:
    """Every refusal of a bound form, as the top of its page lists them ("Label: message")."""
    if form is None or not form.is_bound or not form.errors:
        return []
    return form_messages(form)


@register.filter(needs_autoescape=True)
def plan_text(text, autoescape=True):
    """The plan's text as it is shown: a paragraph at each blank line, lines starting with
    "- " as a list, other line breaks kept. Everything is escaped: HTML or Markdown typed in
    it shows as typed."""
    escape = conditional_escape if autoescape else str
    html = []
    for block in _BLANK_LINE.split((text or "").replace("\r\n", "\n").strip()):
        lines, items = [], []
        for line in block.split("\n"):
            if _ITEM.match(line):
                if lines:
                    html.append("<p>" + "<br>".join(escape(part) for part in lines) + "</p>")
                    lines = []
                items.append(_ITEM.sub("", line, count=1))
            else:
                if items:
                    html.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
                    items = []
                if line.strip():
                    lines.append(line)
        if lines:
            html.append("<p>" + "<br>".join(escape(part) for part in lines) + "</p>")
        if items:
            html.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
    return mark_safe("".join(html))  # every part escaped above
