"""The draft read-only, as of a moment, and what changed in it since another (the round diff).

Built from the history rows of the plan's sections, measures, partners, funding lines and
indicators, and the comune's organisations (their names as they were then): one query each
whatever the number of measures or of saves, and one for the priority actions. Totals are
computed here, in ``Decimal``, never stored: per measure, per axis, per funding source.
"""

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.template.defaultfilters import truncatechars
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from plm_workflow.plans.history import plan_ended_at, rows_as_of
from plm_workflow.plans.models import (
    FundingLine,
    FundingSource,
    Indicator,
    Measure,
    MeasurePartner,
    Organisation,
    PlanSection,
    PriorityAction,
    ReviewComment,
    SectionKey,
)
from plm_workflow.plans.models.drafting import SECTION_HELP

from .shown import Shown

EMPTY = "—"
ZERO = Decimal("0.00")
SECTION_CHANGED = _("Section «%(section)s» changed")
SECTION_WRITTEN = _("Section «%(section)s» written.")
SECTION_EMPTIED = _("Section «%(section)s» emptied.")
SECTION_ADDED = _("Section «%(section)s»: added «%(words)s».")
SECTION_REMOVED = _("Section «%(section)s»: removed «%(words)s».")
MEASURE_ADDED = _("Measure «%(title)s» added (%(budget)s).")
MEASURE_REMOVED = _("Measure «%(title)s» removed (it had %(budget)s).")
MEASURE_CHANGED = _("Measure «%(title)s»: %(what)s")
PARTNER_ADDED = _("Measure «%(title)s»: «%(organisation)s» joins as a partner.")
PARTNER_REMOVED = _("Measure «%(title)s»: «%(organisation)s» is no longer a partner.")
LINE_ADDED = _("Measure «%(title)s»: funding line %(source)s of %(amount)s added.")
LINE_REMOVED = _("Measure «%(title)s»: funding line %(source)s of %(amount)s removed.")
LINE_CHANGED = _("Measure «%(title)s», funding line %(source)s: %(what)s")
INDICATOR_ADDED = _("Measure «%(title)s»: indicator «%(name)s» added.")
INDICATOR_REMOVED = _("Measure «%(title)s»: indicator «%(name)s» removed.")
INDICATOR_CHANGED = _("Measure «%(title)s», indicator «%(name)s»: %(what)s")
_TEXT_SHOWN = 120  # characters of a changed text shown on each side
# A text's words and its punctuation marks apart: "riunisce." and "riunisce ogni" share a word.
_WORD = re.compile(r"\d+(?:[.,]\d+)*|\w+(?:['’]\w+)*|[^\w\s]")

MEASURE_FIELDS = ("priority_action_id", "title", "description", "lead_id", "starts_on", "ends_on")
FUNDING_FIELDS = ("source", "amount", "cup")
INDICATOR_FIELDS = ("name", "unit", "baseline", "target", "target_date", "source")


def euro(amount) -> str:
    """An amount as Italian writes it: "1.234.567,89 €" (to the cent, grouped)."""
    if amount is None:
        return EMPTY
    return f"{number_format(amount, decimal_pos=2, force_grouping=True)} €"


def decimal_shown(value) -> str:
    """A baseline or target: "12", "12,5", "1.200" (no trailing zeros)."""
    if value is None:
        return EMPTY
    value = Decimal(value)
    places = max(0, -value.normalize().as_tuple().exponent)
    return number_format(value, decimal_pos=min(places, 2), force_grouping=True)


@dataclass(eq=False)
class SectionShown:
    key: str
    label: str
    help_text: str
    row: object = None  # the historical row (None: never written)
    comments: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.row.text if self.row is not None else ""

    @property
    def filled(self) -> bool:
        return bool(self.text.strip())


@dataclass(eq=False)
class MeasureShown(Shown):
    row: object
    action: PriorityAction | None = None
    lead: object = None  # the organisation's historical row
    partners: list = field(default_factory=list)
    funding: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    comments: list = field(default_factory=list)

    @property
    def budget(self) -> Decimal:
        return sum((line.amount for line in self.funding), ZERO)

    @property
    def axis(self):
        return self.action.axis if self.action is not None else None


@dataclass(eq=False)
class ActionGroup:
    action: PriorityAction | None  # None: measures with no priority action yet
    measures: list = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((measure.budget for measure in self.measures), ZERO)


@dataclass(eq=False)
class AxisGroup:
    axis: object  # None: measures with no priority action yet
    actions: list = field(default_factory=list)  # ActionGroup

    @property
    def total(self) -> Decimal:
        return sum((group.total for group in self.actions), ZERO)

    @property
    def count(self) -> int:
        return sum(len(group.measures) for group in self.actions)


@dataclass(frozen=True)
class DraftState:
    """The draft as it stood at a moment."""

    sections: list  # SectionShown, in the plan's order
    measures: list  # MeasureShown, by priority action then as added
    actions: list  # every PriorityAction, with its axis
    version: tuple
    saved_at: object
    saved_by: object

    @property
    def by_axis(self) -> list[AxisGroup]:
        """The measures by axis and priority action (those with none last)."""
        axes, groups = {}, {}
        for measure in self.measures:
            action = measure.action
            axis_key = action.axis_id if action else None
            if axis_key not in axes:
                axes[axis_key] = AxisGroup(action.axis if action else None)
            key = action.pk if action else None
            if key not in groups:
                groups[key] = ActionGroup(action)
                axes[axis_key].actions.append(groups[key])
            groups[key].measures.append(measure)
        return sorted(axes.values(), key=lambda group: group.axis.number if group.axis else 99)

    @property
    def by_source(self) -> list[tuple[str, Decimal]]:
        """Totals per funding source, in the sources' order, those with money only."""
        totals = {}
        for measure in self.measures:
            for line in measure.funding:
                totals[line.source] = totals.get(line.source, ZERO) + line.amount
        return [(label, totals[value]) for value, label in FundingSource.choices if value in totals]

    @property
    def total(self) -> Decimal:
        return sum((measure.budget for measure in self.measures), ZERO)

    @property
    def coverage(self) -> list[tuple[PriorityAction, int]]:
        """Each of the ten priority actions with how many measures address it."""
        counted = {}
        for measure in self.measures:
            if measure.action is not None:
                counted[measure.action.pk] = counted.get(measure.action.pk, 0) + 1
        return [(action, counted.get(action.pk, 0)) for action in self.actions]

    @property
    def addressed(self) -> int:
        return sum(1 for _action, count in self.coverage if count)


def _actions() -> list[PriorityAction]:
    return list(PriorityAction.objects.select_related("axis").order_by("number"))


@dataclass
class DraftingContent:
    """The drafting phase's content (DESIGN §1.4): the plan's text and its measures."""

    phase: object
    template = "flows/plm/sections/drafting.html"
    changes_template = "flows/plm/steps/drafting/_changes.html"

    def as_of(self, plan, at=None, *, actions=None) -> DraftState | None:
        at = at or timezone.now()
        end = plan_ended_at(plan)
        if end is not None and end < at:
            at = end
        sections = rows_as_of(PlanSection, plan_id=plan.pk, at=at)
        measures = rows_as_of(Measure, plan_id=plan.pk, at=at)
        if not sections and not measures:
            return None
        partners = rows_as_of(MeasurePartner, plan_id=plan.pk, at=at) if measures else {}
        funding = rows_as_of(FundingLine, plan_id=plan.pk, at=at) if measures else {}
        indicators = rows_as_of(Indicator, plan_id=plan.pk, at=at) if measures else {}
        organisations = (
            rows_as_of(Organisation, plan_id=None, at=at, comune_id=plan.comune_id)
            if measures
            else {}
        )
        actions = actions if actions is not None else _actions()
        by_pk = {action.pk: action for action in actions}
        by_key = {row.key: row for row in sections.values()}
        shown_sections = [
            SectionShown(key, str(label), str(SECTION_HELP[key]), by_key.get(key))
            for key, label in SectionKey.choices
        ]
        shown = {}
        for pk, row in sorted(measures.items()):
            shown[pk] = MeasureShown(
                row,
                action=by_pk.get(row.priority_action_id),
                lead=organisations.get(row.lead_id),
            )
        for link in sorted(partners.values(), key=lambda link: link.id):
            measure, organisation = (
                shown.get(link.measure_id),
                organisations.get(link.organisation_id),
            )
            if measure is not None and organisation is not None:
                measure.partners.append(organisation)
        for line in sorted(funding.values(), key=lambda line: line.id):
            if line.measure_id in shown:
                shown[line.measure_id].funding.append(line)
        for indicator in sorted(indicators.values(), key=lambda row: row.id):
            if indicator.measure_id in shown:
                shown[indicator.measure_id].indicators.append(indicator)
        for measure in shown.values():
            measure.partners.sort(key=lambda organisation: organisation.name.lower())
        ordered = sorted(
            shown.values(),
            key=lambda measure: (measure.action.number if measure.action else 99, measure.row.id),
        )
        every = [sections, measures, partners, funding, indicators]
        version = tuple(max((row.history_id for row in rows.values()), default=0) for rows in every)
        latest = max(
            (row for rows in every for row in rows.values()),
            key=lambda row: (row.history_date, row.history_id),
        )
        return DraftState(
            sections=shown_sections,
            measures=ordered,
            actions=actions,
            version=version,
            saved_at=latest.history_date,
            saved_by=latest.history_user,
        )

    def changes_since(self, plan, since) -> list[dict]:
        """Return what changed since ``since``, in words: one entry per row or field."""
        actions = _actions()
        return self.changes_between(
            self.as_of(plan, since, actions=actions), self.as_of(plan, actions=actions)
        )

    def changes_between(self, before, now) -> list[dict]:
        return describe_changes(before, now)

    def with_review(self, state, review):
        """Return the state with the review's comments beside its sections and measures."""
        return with_comments(state, review)


def with_comments(state: DraftState | None, review) -> DraftState | None:
    """Attach the review's comments on sections and measures to the state's items."""
    if state is None or review is None:
        return state
    comments = list(ReviewComment.objects.filter(review=review).order_by("pk"))
    sections = {section.key: section for section in state.sections}
    measures = {measure.row.id: measure for measure in state.measures}
    for comment in comments:
        if comment.section and comment.section in sections:
            sections[comment.section].comments.append(comment)
        elif comment.measure_id in measures:
            measures[comment.measure_id].comments.append(comment)
    return state


def orphan_comments(review, state: DraftState | None) -> list:
    """The review's comments on measures removed since (shown apart, under their title)."""
    if review is None:
        return []
    present = {measure.row.id for measure in state.measures} if state else set()
    return [
        comment
        for comment in ReviewComment.objects.filter(review=review, section="").order_by("pk")
        if comment.measure_id not in present
    ]


# --- What changed, in words -------------------------------------------------------------------


def _excerpts(old: str, new: str) -> tuple[str, str]:
    """The words taken out and put in between two texts, each cut to a readable length."""
    taken, put = _word_changes(old, new)
    shown = [truncatechars(" … ".join(p for p in part if p), _TEXT_SHOWN) for part in (taken, put)]
    return shown[0] or EMPTY, shown[1] or EMPTY


def _word_changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """The runs of text taken out of ``old`` and put into ``new``, in order, as written."""
    old_words, new_words = list(_WORD.finditer(old or "")), list(_WORD.finditer(new or ""))
    taken, put = [], []
    matcher = difflib.SequenceMatcher(
        a=[m.group() for m in old_words], b=[m.group() for m in new_words], autojunk=False
    )
    for tag, a1, a2, b1, b2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        taken.append(_span(old or "", old_words[a1:a2]))
        put.append(_span(new or "", new_words[b1:b2]))
    return [part for part in taken if part], [part for part in put if part]


def _span(text: str, words: list) -> str:
    """The text from the first of ``words`` to the last, its spacing as written."""
    return " ".join(text[words[0].start() : words[-1].end()].split()) if words else ""


def _section_change(values, old_text: str, new_text: str) -> dict:
    """A section's edit in words: what was added, removed, or replaced by what."""
    taken, put = _word_changes(old_text, new_text)
    if put and not taken:
        return {"text": SECTION_ADDED % {**values, "words": _cut(put)}}
    if taken and not put:
        return {"text": SECTION_REMOVED % {**values, "words": _cut(taken)}}
    old, new = _excerpts(old_text, new_text)
    return {"what": SECTION_CHANGED % values, "old": old, "new": new}


def _cut(parts: list[str]) -> str:
    return truncatechars(" … ".join(parts), _TEXT_SHOWN)


def _value(model, name, value, names, actions) -> str:
    if value is None or value == "":
        return EMPTY
    if name == "lead_id":
        return names.get(value, EMPTY)
    if name == "priority_action_id":
        action = actions.get(value)
        return str(action) if action else EMPTY
    if name == "amount":
        return euro(value)
    if name in ("baseline", "target"):
        return decimal_shown(value)
    model_field = model._meta.get_field(name.removesuffix("_id"))
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if hasattr(value, "isoformat"):
        return date_format(value, "DATE_FORMAT")
    return truncatechars(str(value), _TEXT_SHOWN)


def _fields(model, old_row, new_row, names_, names, actions) -> list[tuple[str, str, str]]:
    found = []
    for name in names_:
        old, new = getattr(old_row, name), getattr(new_row, name)
        if old == new:
            continue
        label = str(model._meta.get_field(name.removesuffix("_id")).verbose_name)
        if name == "description":
            found.append((label, *_excerpts(old, new)))
        else:
            found.append(
                (
                    label,
                    _value(model, name, old, names, actions),
                    _value(model, name, new, names, actions),
                )
            )
    return found


def _changed(template, values, changes) -> list[dict]:
    return [
        {"what": template % {**values, "what": label}, "old": old, "new": new}
        for label, old, new in changes
    ]


def describe_changes(before: DraftState | None, now: DraftState | None) -> list[dict]:
    """Describe, in sentences, what differs between two states of a plan's draft."""
    lines = []
    old_sections = {s.key: s for s in before.sections} if before else {}
    for section in now.sections if now else []:
        old = old_sections.get(section.key)
        old_text, new_text = (old.text if old else ""), section.text
        if old_text == new_text:
            continue
        values = {"section": section.label}
        if not old_text.strip():
            lines.append({"text": SECTION_WRITTEN % values})
        elif not new_text.strip():
            lines.append({"text": SECTION_EMPTIED % values})
        else:
            lines.append(_section_change(values, old_text, new_text))

    old_measures = {m.row.id: m for m in before.measures} if before else {}
    new_measures = {m.row.id: m for m in now.measures} if now else {}
    actions = {a.pk: a for a in (now or before).actions} if (now or before) else {}
    names = {}
    for state in (before, now):
        for measure in state.measures if state else []:
            for organisation in [measure.lead, *measure.partners]:
                if organisation is not None:
                    names[organisation.id] = organisation.name
    for pk, measure in new_measures.items():
        title = measure.title
        if pk not in old_measures:
            lines.append({"text": MEASURE_ADDED % {"title": title, "budget": euro(measure.budget)}})
            continue
        old = old_measures[pk]
        values = {"title": old.title}
        lines += _changed(
            MEASURE_CHANGED,
            values,
            _fields(Measure, old.row, measure.row, MEASURE_FIELDS, names, actions),
        )
        values = {"title": title}
        old_partners = {o.id for o in old.partners}
        new_partners = {o.id for o in measure.partners}
        for organisation in measure.partners:
            if organisation.id not in old_partners:
                lines.append(
                    {"text": PARTNER_ADDED % {**values, "organisation": organisation.name}}
                )
        for organisation in old.partners:
            if organisation.id not in new_partners:
                lines.append(
                    {"text": PARTNER_REMOVED % {**values, "organisation": names[organisation.id]}}
                )
        lines += _child_changes(
            FundingLine,
            old.funding,
            measure.funding,
            FUNDING_FIELDS,
            values,
            lambda line: {"source": line.get_source_display(), "amount": euro(line.amount)},
            (LINE_ADDED, LINE_REMOVED, LINE_CHANGED),
            names,
            actions,
        )
        lines += _child_changes(
            Indicator,
            old.indicators,
            measure.indicators,
            INDICATOR_FIELDS,
            values,
            lambda indicator: {"name": indicator.name},
            (INDICATOR_ADDED, INDICATOR_REMOVED, INDICATOR_CHANGED),
            names,
            actions,
        )
    for pk, measure in old_measures.items():
        if pk not in new_measures:
            lines.append(
                {"text": MEASURE_REMOVED % {"title": measure.title, "budget": euro(measure.budget)}}
            )
    return lines


def _child_changes(model, old_rows, new_rows, names_, values, describe, templates, names, actions):
    added, removed, changed = templates
    lines = []
    old_by_id = {row.id: row for row in old_rows}
    new_ids = {row.id for row in new_rows}
    for row in new_rows:
        if row.id not in old_by_id:
            lines.append({"text": added % {**values, **describe(row)}})
            continue
        old = old_by_id[row.id]
        lines += _changed(
            changed,
            {**values, **describe(old)},
            _fields(model, old, row, names_, names, actions),
        )
    for row in old_rows:
        if row.id not in new_ids:
            lines.append({"text": removed % {**values, **describe(row)}})
    return lines
