"""What an event changed, field by field, in words: "Status: Drafting → Suspended".

Read from the event's payload alone (its ``changes``, field → [old, new], and its
``children``, rows added, removed or changed), in the shared shape (``event_shapes``). Each
field is named by its model's label where the event's kind says which model it is about, its
values as the pages write them: a choice by its label, a date in words, a moment in Rome time,
a person by name, a yes or no; long texts are cut. Nothing is read from the database here:
``people`` names the persons the payloads name (read with the events).
"""

import datetime
import decimal
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from plm_workflow.audit.models import EventKind
from plm_workflow.formats.prose import prose_date, prose_month_day
from plm_workflow.plans.models import Phase
from plm_workflow.roles import Role

TEXT_MAX = 160  # the characters of a text a change shows
NOTHING = "—"
YES, NO = _("yes"), _("no")
SOMEONE = _("someone")
ADDED = _("added")
REMOVED = _("removed")
CHANGED = _("changed")
ROWS = {
    "added": lambda count: ngettext("%(count)d added", "%(count)d added", count),
    "removed": lambda count: ngettext("%(count)d removed", "%(count)d removed", count),
    "changed": lambda count: ngettext("%(count)d changed", "%(count)d changed", count),
    "suppressed": lambda count: ngettext("%(count)d suppressed", "%(count)d suppressed", count),
}

INTACT, BROKEN = _("intact"), _("broken")
NO_FILTERS = _("none: every event")
EXPORT_FORMATS = {"csv": "CSV", "json": "JSON Lines"}
FILTER_NAMES = {
    "actor": _("who"),
    "kinds": _("what"),
    "phase": _("phase"),
    "since": _("from"),
    "until": _("to"),
}

# Fields no model names (the flow's and the schedule's), by their payload key.
FIELD_LABELS = {
    "holder": _("held by"),
    "offered_to": _("offered to"),
    "due": _("due date"),
    "current": _("due date"),
    "role": _("role"),
    "patron_day": _("patron day"),
    "rows": _("rows"),
    "measures": _("measures"),
    "round": _("round"),
    "decision": _("decision"),
    "format": _("format"),
    "events": _("events"),
}

# Who a task is offered to, by the permission it is offered to.
OFFERED = {
    "plans.coordinate_plan": _("the plan's municipal coordinators"),
    "plans.facilitate_plan": _("the plan's facilitators"),
}

# The model each kind's changes are about: its fields' labels and choices.
_MODELS = {
    EventKind.PLAN_LAUNCHED: "plans.Plan",
    EventKind.PLAN_TRANSITION: "plans.Plan",
    EventKind.PHASE_NOTE_SAVED: "plans.PhaseNote",
    EventKind.ASSESSMENT_SAVED: "plans.NeedsAssessment",
    EventKind.ASSESSMENT_COPIED: "plans.NeedsAssessment",
    EventKind.ORGANISATION_SAVED: "plans.Organisation",
    EventKind.TABLE_SAVED: "plans.StakeholderTable",
    EventKind.TABLE_REMOVED: "plans.StakeholderTable",
    EventKind.MEETING_SAVED: "plans.Meeting",
    EventKind.MEETING_REMOVED: "plans.Meeting",
    EventKind.SECTION_SAVED: "plans.PlanSection",
    EventKind.MEASURE_SAVED: "plans.Measure",
    EventKind.MEASURE_REMOVED: "plans.Measure",
    EventKind.ADOPTION_SAVED: "plans.Adoption",
    EventKind.PUBLICATION_RECORDED: "plans.Adoption",
    EventKind.PUBLICATION_CORRECTED: "plans.Adoption",
    EventKind.REVIEW_DECIDED: "plans.Review",
    EventKind.PATRON_DAY_SET: "plans.Comune",
    EventKind.PHASE_DATE_CHANGED: "deadlines.PhaseDate",
}

# Payload keys holding a person's id.
_PEOPLE = {"holder"}


@dataclass(frozen=True)
class Change:
    """One field an event changed, in words."""

    field: str
    label: str
    old: str
    new: str


def changes_in_words(kind: str, payload: dict, people: dict) -> list[Change]:
    """Return what the event (``payload`` in the shared shape) changed, field by field, then
    the rows it added, removed or changed, by kind of row."""
    model = _model(kind)
    found = []
    changes = payload.get("changes")
    for name, change in sorted(changes.items()) if isinstance(changes, dict) else ():
        if not isinstance(change, list | tuple) or len(change) != 2:
            continue
        old, new = change
        field = _field(model, name)
        found.append(
            Change(
                field=name,
                label=_label(model, name, field),
                old=value_in_words(name, old, field, people),
                new=value_in_words(name, new, field, people),
            )
        )
    children = payload.get("children")
    for name, rows in sorted(children.items()) if isinstance(children, dict) else ():
        counted = _counted(rows)
        if counted:
            found.append(Change(field=name, label=_rows_label(name), old="", new=counted))
    for part, facts in (("export", _export_facts), ("verification", _verification_facts)):
        if isinstance(payload.get(part), dict):
            found += [
                Change(field=name, label=capfirst(str(label)), old="", new=value)
                for name, label, value in facts(payload[part])
            ]
    return found


def _export_facts(export: dict) -> list[tuple]:
    """An export's format, filters, rows and the chains' last events it covers."""
    facts = [
        ("format", FIELD_LABELS["format"], EXPORT_FORMATS.get(export.get("format"), "")),
        ("filters", _("filters"), filters_in_words(export.get("filters") or {})),
        ("rows", _("events"), value_in_words("rows", export.get("rows"), None, {})),
    ]
    heads = export.get("heads")
    if isinstance(heads, dict) and heads:
        said = ", ".join(
            f"{chain} #{head.get('seq')} ({str(head.get('hash', ''))[:12]}…)"
            for chain, head in sorted(heads.items())
            if isinstance(head, dict)
        )
        facts.append(("heads", _("last event per chain"), said))
    return facts


def _verification_facts(found: dict) -> list[tuple]:
    """A verification's result and counts."""
    return [
        ("ok", _("result"), str(INTACT if found.get("ok") else BROKEN)),
        ("chains", _("chains"), value_in_words("chains", found.get("chains"), None, {})),
        ("events", _("events"), value_in_words("events", found.get("events"), None, {})),
        ("problems", _("problems"), value_in_words("problems", found.get("problems"), None, {})),
    ]


def filters_in_words(filters: dict) -> str:
    """The filters of an export as the timeline's form names them; "none" if none."""
    if not filters:
        return str(NO_FILTERS)
    said = []
    for name, value in filters.items():
        if name == "kinds" and isinstance(value, list):
            value = ", ".join(
                str(EventKind(kind).label) if kind in EventKind.values else str(kind)
                for kind in value
            )
        elif name == "phase":
            value = str(Phase(value).label) if value in Phase.values else str(value)
        elif name in ("since", "until"):
            value = _moment(str(value)) or str(value)
        said.append(f"{FILTER_NAMES.get(name, name)}: {value}")
    return "; ".join(said)


def value_in_words(name: str, value, field, people: dict) -> str:
    """Return one value of a change as the pages write it."""
    if value is None or value == "" or value == []:
        return NOTHING
    if name in _PEOPLE:
        return people.get(value) or str(SOMEONE)
    if name == "offered_to":
        return str(OFFERED.get(value, value))
    if name == "role":
        return str(Role(value).label) if value in Role.values else str(value)
    if name == "patron_day":
        return _patron_day(value)
    if isinstance(value, bool):
        return str(YES if value else NO)
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    if isinstance(value, list):
        if name == "months":
            return ", ".join(_month(item) for item in value)
        return ", ".join(str(choices.get(item, item)) for item in value)
    if choices and value in choices:
        return str(choices[value])
    if isinstance(value, str):
        moment = _moment(value)
        if moment is not None:
            return moment
        if _is_decimal(value, field):
            return number_format(decimal.Decimal(value), use_l10n=True, force_grouping=True)
        return truncatechars(value, TEXT_MAX)
    if isinstance(value, int):
        # A year is written as a year ("2022"), other counts grouped ("12.000").
        if name == "year" or name.endswith("_year"):
            return str(value)
        return number_format(value, force_grouping=True)
    return truncatechars(str(value), TEXT_MAX)


# --- What the words are made of ------------------------------------------------------------


def _model(kind):
    label = _MODELS.get(kind)
    return apps.get_model(label) if label else None


def _field(model, name):
    if model is None:
        return None
    for candidate in (name, name.removesuffix("_id")):
        try:
            return model._meta.get_field(candidate)
        except FieldDoesNotExist:
            continue
    return None


def _label(model, name, field) -> str:
    if field is not None and getattr(field, "verbose_name", None):
        return capfirst(str(field.verbose_name))
    if name in FIELD_LABELS:
        return capfirst(str(FIELD_LABELS[name]))
    return capfirst(name.removesuffix("_id").replace("_", " "))


def _rows_label(name: str) -> str:
    """A kind of row by its model's plural name (``table_member`` → "Table members")."""
    for app in ("plans", "deadlines", "accounts"):
        try:
            model = apps.get_model(app, name.replace("_", ""))
        except LookupError:
            continue
        return capfirst(str(model._meta.verbose_name_plural))
    return capfirst(name.replace("_", " "))


def _counted(rows) -> str:
    if not isinstance(rows, dict):
        return ""
    said = []
    for part in ("added", "removed", "changed", "suppressed"):
        entries = rows.get(part)
        count = entries if isinstance(entries, int) else len(entries or [])
        if count:
            said.append(ROWS[part](count) % {"count": count})
    return ", ".join(said)


def _moment(value: str) -> str | None:
    """An ISO date in words, an ISO moment in Rome time; None for any other text."""
    if len(value) == 10:
        try:
            return prose_date(datetime.date.fromisoformat(value))
        except ValueError:
            return None
    if len(value) >= 19 and value[4] == "-" and value[10] == "T":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, datetime.UTC)
        local = timezone.localtime(moment)
        return f"{prose_date(local.date())}, {date_format(local, 'TIME_FORMAT')}"
    return None


def _is_decimal(value: str, field) -> bool:
    from django.db import models

    if not isinstance(field, models.DecimalField | models.IntegerField):
        return False
    try:
        decimal.Decimal(value)
    except decimal.InvalidOperation:
        return False
    return True


def _month(item) -> str:
    return str(MONTHS.get(item, item)) if isinstance(item, int) else str(item)


def _patron_day(value) -> str:
    """``"03/12"`` (day/month, as the events write it) in words: "3 dicembre"."""
    if isinstance(value, str) and len(value) == 5 and value[2] == "/":
        day, month = value[:2], value[3:]
        if day.isdigit() and month.isdigit():
            try:
                return prose_month_day(int(day), int(month)) or value
            except ValueError:
                return value
    return str(value)
