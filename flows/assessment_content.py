"""The needs assessment read-only, as of a moment, and what changed in it since another.

Built from the history rows of the assessment, its crops and its settlements: three queries
whatever the number of rows or of saved drafts.
"""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from plm_workflow.plans.history import plan_changes, rows_as_of
from plm_workflow.plans.models import Crop, NeedsAssessment, Settlement
from plm_workflow.plans.models.assessment import FIGURES

_KINDS = ("needs_assessment", "crop", "settlement")
YES, NO, EMPTY = _("yes"), _("no"), "—"
CROP_ADDED = _("Crop «%(name)s» added.")
CROP_REMOVED = _("Crop «%(name)s» removed.")
SETTLEMENT_ADDED = _("Settlement «%(name)s» added.")
SETTLEMENT_REMOVED = _("Settlement «%(name)s» removed.")


def month_names(months) -> str:
    """Return months as words: "maggio, giugno, luglio" ("May, June, July")."""
    names = ", ".join(str(MONTHS[month]) for month in months or [] if month in MONTHS)
    # Italian writes month names in lower case inside a sentence; Django's are capitalised.
    return names.lower() if (get_language() or "").startswith("it") else names


@dataclass(frozen=True)
class Figure:
    """One group of workers (seasonal or resident), as the page shows it."""

    label: str
    low: int | None
    high: int | None
    kind: str
    year: int | None
    source: str

    @property
    def given(self) -> bool:
        return self.low is not None or self.high is not None

    @property
    def range(self) -> str:
        """ "10.000–12.000", or one number when both ends agree or one is missing ("—": none)."""
        ends = [
            number_format(n, force_grouping=True) for n in (self.low, self.high) if n is not None
        ]
        if not ends:
            return EMPTY
        return ends[0] if len(set(ends)) == 1 else "–".join(ends)


@dataclass(frozen=True)
class AssessmentState:
    """The assessment as it stood at a moment: its row, its crops, its settlements."""

    row: object  # the historical row of NeedsAssessment
    crops: list = field(default_factory=list)
    settlements: list = field(default_factory=list)

    @property
    def saved_at(self):
        return self.row.history_date

    @property
    def saved_by(self):
        return self.row.history_user

    @property
    def version(self) -> int:
        return self.row.revision

    @property
    def figures(self) -> list[Figure]:
        labels = {"seasonal": _("Seasonal workers"), "resident": _("Resident workers")}
        return [
            Figure(
                label=labels[name],
                low=getattr(self.row, f"{name}_min"),
                high=getattr(self.row, f"{name}_max"),
                kind=getattr(self.row, f"get_{name}_kind_display")(),
                year=getattr(self.row, f"{name}_year"),
                source=getattr(self.row, f"{name}_source"),
            )
            for name in FIGURES
        ]

    @property
    def peak_months(self) -> str:
        """The plan's peak months: the union of its crops' months, in words."""
        return month_names(sorted({month for crop in self.crops for month in crop.months}))

    @property
    def texts(self) -> list[tuple[str, str]]:
        """The descriptive fields, with their labels, in the order of the form."""
        names = ("housing", "transport", "health_access", "services", "key_issues")
        return [
            (NeedsAssessment._meta.get_field(name).verbose_name, getattr(self.row, name))
            for name in names
        ]

    @property
    def totals(self) -> dict:
        def total(name):
            # None when no settlement gives the figure: unknown, not zero.
            values = [getattr(row, name) for row in self.settlements]
            known = [value for value in values if value is not None]
            return sum(known) if known else None

        return {
            "people_peak": total("people_peak"),
            "people_off_season": total("people_off_season"),
            "capacity": total("capacity"),
        }


@dataclass
class AssessmentContent:
    """The needs assessment phase's content (DESIGN §1.2)."""

    phase: object
    template = "flows/plm/sections/assessment.html"
    changes_template = "flows/plm/steps/assessment/_changes.html"

    def as_of(self, plan, at=None) -> AssessmentState | None:
        at = at or timezone.now()
        rows = rows_as_of(NeedsAssessment, plan_id=plan.pk, at=at)
        if not rows:
            return None
        (row,) = rows.values()

        def children(model):
            found = rows_as_of(model, plan_id=plan.pk, at=at)
            return [found[pk] for pk in sorted(found)]

        return AssessmentState(row=row, crops=children(Crop), settlements=children(Settlement))

    def changes_since(self, plan, since) -> list[dict]:
        """Return what changed since ``since``, in words: one entry per field or row."""
        found = plan_changes(plan=plan, since=since, kinds=_KINDS).children
        described = []
        assessment = found.get("needs_assessment", {})
        for entry in assessment.get("changed", []):
            described += _fields(NeedsAssessment, entry["changes"])
        for entry in assessment.get("added", []):
            # The assessment started after the return: every field given is new.
            values = {k: [None, v] for k, v in entry.items() if k != "id" and v not in _BLANK}
            described += _fields(NeedsAssessment, values)
        for kind, model, title, added, removed in (
            ("crop", Crop, _("Crop"), CROP_ADDED, CROP_REMOVED),
            ("settlement", Settlement, _("Settlement"), SETTLEMENT_ADDED, SETTLEMENT_REMOVED),
        ):
            rows = found.get(kind, {})
            for entry in rows.get("added", []):
                described.append({"text": added % {"name": entry["name"]}})
            for entry in rows.get("removed", []):
                described.append({"text": removed % {"name": entry["name"]}})
            names = _names(model, plan, [entry["id"] for entry in rows.get("changed", [])])
            for entry in rows.get("changed", []):
                for line in _fields(model, entry["changes"]):
                    name = names.get(entry["id"], "")
                    line["what"] = f"{title} «{name}»: {line['what']}"
                    described.append(line)
        return described


_BLANK = (None, "", [], False)


def _names(model, plan, ids) -> dict:
    if not ids:
        return {}
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _fields(model, changes: dict) -> list[dict]:
    lines = []
    for attname, (old, new) in changes.items():
        name = attname.removesuffix("_id")
        try:
            model_field = model._meta.get_field(name)
        except Exception:  # a field the page does not describe (e.g. the copied plan)
            continue
        lines.append(
            {
                "what": str(model_field.verbose_name),
                "old": _shown(model_field, old),
                "new": _shown(model_field, new),
            }
        )
    return lines


def _shown(model_field, value) -> str:
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, list):
        return month_names(value) or EMPTY
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)
