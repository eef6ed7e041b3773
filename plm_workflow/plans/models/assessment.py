"""The needs assessment of a plan: its figures, crop calendar and map of settlements (DESIGN §1.2).

Everything may be left empty in a draft; what a submission needs is said by the named checks
of ``complete_assessment`` (``plans/checks.py``). What is given must make sense: no negative
figure, a range's maximum not below its minimum, no reference year in the future, months as
a sorted list of distinct numbers 1–12 (a JSON list: no ``ArrayField`` on SQLite).
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plm_workflow.limits import NOTE_MAX_CHARS, REASON_MAX_CHARS, TextLimitValidator

from .core import Plan

MONTHS_INVALID = _("Months are numbers from 1 to 12, each given once, in order.")
NEGATIVE = _("A number of people cannot be negative.")
RANGE_REVERSED = _("The maximum cannot be below the minimum.")
YEAR_IN_FUTURE = _("The reference year cannot be in the future (it is %(year)s now).")
YEAR_TOO_OLD = _("Give a reference year from 1990 on.")
NO_MONTHS = _("Tick at least one month of peak work for this crop.")
OFF_SEASON_ABOVE_PEAK = _("People off season cannot be more than at the peak.")
CAPACITY_NOT_APPLICABLE = _(
    "A capacity in places applies only to reception centres and employer housing."
)
NONE_KNOWN_AND_LISTED = _(
    "You listed settlements and ticked “no settlements known”: remove the settlements or "
    "untick the box."
)
OLDEST_YEAR = 1990
# The two groups of foreign agricultural workers, each a range with its kind, year and source.
FIGURES = ("seasonal", "resident")


def validate_months(value) -> None:
    """Refuse anything but a sorted list of distinct month numbers 1–12."""
    if (
        not isinstance(value, list)
        or not all(type(month) is int and 1 <= month <= 12 for month in value)
        or value != sorted(set(value))
    ):
        raise ValidationError(MONTHS_INVALID, code="months")


def _count(label, help_text):
    return models.PositiveIntegerField(
        label,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message=NEGATIVE)],
        help_text=help_text,
    )


def _text(label, help_text, limit=NOTE_MAX_CHARS):
    return models.TextField(
        label,
        blank=True,
        max_length=limit,
        validators=[TextLimitValidator(limit)],
        help_text=help_text,
    )


def _months(label, help_text):
    return models.JSONField(
        label, default=list, blank=True, validators=[validate_months], help_text=help_text
    )


class FigureKind(models.TextChoices):
    DECLARED = "declared", _("Declared")
    ESTIMATED = "estimated", _("Estimated")


class SettlementKind(models.TextChoices):
    INFORMAL = "informal", _("Informal settlement")
    RECEPTION = "reception_centre", _("Reception centre")
    EMPLOYER = "employer_housing", _("Employer housing")
    OVERCROWDED = "overcrowded_housing", _("Overcrowded private housing")
    OTHER = "other", _("Other")


# The kinds whose size is counted in places as well as in people.
WITH_CAPACITY = (SettlementKind.RECEPTION, SettlementKind.EMPLOYER)


class Presence(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Not known")


class NeedsAssessment(models.Model):
    """The analysis of needs of one plan: who works the land, when, where they live, what exists.

    ``revision`` counts the saves that changed something (the assessment, a crop or a
    settlement): an editor carries the revision it showed, and a save from an older page is
    refused.
    """

    plan = models.OneToOneField(
        Plan, on_delete=models.PROTECT, related_name="assessment", verbose_name=_("plan")
    )
    seasonal_min = _count(
        _("seasonal workers, at least"),
        _("Foreign agricultural workers who come for the season: the lower end of the range."),
    )
    seasonal_max = _count(
        _("seasonal workers, at most"),
        _("The upper end of the range (the same number if the figure is exact)."),
    )
    seasonal_kind = models.CharField(
        _("seasonal workers: kind of figure"),
        max_length=20,
        choices=FigureKind.choices,
        blank=True,
        help_text=_(
            "Declared if it comes from records (employment, INPS, reception), estimated otherwise."
        ),
    )
    seasonal_year = models.PositiveSmallIntegerField(
        _("seasonal workers: reference year"),
        null=True,
        blank=True,
        help_text=_("The year the figure refers to."),
    )
    seasonal_source = models.CharField(
        _("seasonal workers: source"),
        max_length=300,
        blank=True,
        help_text=_("Who produced the figure, e.g. “INPS, 2022 records” or “Caritas estimate”."),
    )
    resident_min = _count(
        _("resident workers, at least"),
        _("Foreign agricultural workers living here all year: the lower end of the range."),
    )
    resident_max = _count(
        _("resident workers, at most"),
        _("The upper end of the range (the same number if the figure is exact)."),
    )
    resident_kind = models.CharField(
        _("resident workers: kind of figure"),
        max_length=20,
        choices=FigureKind.choices,
        blank=True,
        help_text=_(
            "Declared if it comes from records (employment, INPS, reception), estimated otherwise."
        ),
    )
    resident_year = models.PositiveSmallIntegerField(
        _("resident workers: reference year"),
        null=True,
        blank=True,
        help_text=_("The year the figure refers to."),
    )
    resident_source = models.CharField(
        _("resident workers: source"),
        max_length=300,
        blank=True,
        help_text=_("Who produced the figure."),
    )
    countries_of_origin = models.CharField(
        _("main countries of origin"),
        max_length=500,
        blank=True,
        help_text=_("The main countries the workers come from, most numerous first."),
    )
    housing = _text(
        _("housing conditions"),
        _("Where and how the workers live: rents, overcrowding, reception places, settlements."),
    )
    transport = _text(
        _("transport"),
        _(
            "How the workers reach the fields: public transport, bicycles, transport by "
            "intermediaries."
        ),
    )
    health_access = _text(
        _("access to health services"),
        _("Registration with the health service, clinics, mobile units, barriers met."),
    )
    services = _text(
        _("existing services and projects"),
        _("Help desks, reception, legal aid, funded projects (PNRR, PON, FAMI) and who runs them."),
    )
    key_issues = _text(
        _("key issues"),
        _("The main problems the plan must answer, in order of urgency."),
    )
    data_sources = _text(
        _("data sources"),
        _("Every source used above: surveys, registers, reports, interviews, with their dates."),
    )
    no_settlements_known = models.BooleanField(
        _("no settlements known"),
        default=False,
        help_text=_("Tick only if no settlement, formal or informal, is known in the territory."),
    )
    copied_from = models.ForeignKey(
        Plan,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("copied from the plan"),
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")

    def __str__(self):
        return f"{self.plan} — {self._meta.verbose_name}"

    def clean(self):
        super().clean()
        errors = {}
        this_year = timezone.localdate().year
        for figure in FIGURES:
            low, high = getattr(self, f"{figure}_min"), getattr(self, f"{figure}_max")
            if low is not None and high is not None and high < low:
                errors[f"{figure}_max"] = RANGE_REVERSED
            year = getattr(self, f"{figure}_year")
            if year is not None and year > this_year:
                errors[f"{figure}_year"] = YEAR_IN_FUTURE % {"year": this_year}
            elif year is not None and year < OLDEST_YEAR:
                errors[f"{figure}_year"] = YEAR_TOO_OLD
        if errors:
            raise ValidationError(errors)


class Crop(models.Model):
    """One line of the crop calendar: a crop, its months of peak work, the workers it needs."""

    assessment = models.ForeignKey(
        NeedsAssessment,
        on_delete=models.CASCADE,
        related_name="crops",
        verbose_name=_("needs assessment"),
    )
    name = models.CharField(
        _("crop"), max_length=100, help_text=_("E.g. apples, small fruit, tomatoes, vineyards.")
    )
    months = _months(_("months of peak work"), _("The months when the crop needs most workers."))
    workers_at_peak = _count(
        _("workers at the peak"), _("How many workers the crop needs in its busiest month.")
    )

    history = HistoricalRecords()
    # Where the plan is, from this model's history rows (``plans/history.py``).
    PLAN_PATH = "assessment__plan"

    class Meta:
        verbose_name = _("crop")
        verbose_name_plural = _("crop calendar")
        ordering = ["assessment", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.months == []:
            raise ValidationError({"months": NO_MONTHS})


class Settlement(models.Model):
    """A place where workers live: an informal settlement, a reception centre, housing."""

    assessment = models.ForeignKey(
        NeedsAssessment,
        on_delete=models.CASCADE,
        related_name="settlements",
        verbose_name=_("needs assessment"),
    )
    name = models.CharField(
        _("name or locality"),
        max_length=200,
        help_text=_("How the place is known locally, or its locality."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=SettlementKind.choices)
    people_peak = _count(
        _("people at the peak"), _("How many people live there in the busiest season.")
    )
    people_off_season = _count(
        _("people off season"), _("How many people live there outside the season.")
    )
    capacity = _count(
        _("capacity in places"),
        _("For reception centres and employer housing: the places available."),
    )
    months = _months(_("months inhabited"), _("The months when people live there."))
    water = models.CharField(
        _("drinking water"), max_length=10, choices=Presence.choices, default=Presence.UNKNOWN
    )
    electricity = models.CharField(
        _("electricity"), max_length=10, choices=Presence.choices, default=Presence.UNKNOWN
    )
    sanitation = models.CharField(
        _("toilets and washing"), max_length=10, choices=Presence.choices, default=Presence.UNKNOWN
    )
    notes = _text(
        _("notes"),
        _("Anything else that matters: who runs it, evictions, fires, projects under way."),
        limit=REASON_MAX_CHARS,
    )

    history = HistoricalRecords()
    PLAN_PATH = "assessment__plan"

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["assessment", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        errors = {}
        peak, off = self.people_peak, self.people_off_season
        if peak is not None and off is not None and off > peak:
            errors["people_off_season"] = OFF_SEASON_ABOVE_PEAK
        if self.capacity is not None and self.kind and self.kind not in WITH_CAPACITY:
            errors["capacity"] = CAPACITY_NOT_APPLICABLE
        if errors:
            raise ValidationError(errors)
