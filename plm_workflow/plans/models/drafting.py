"""The plan itself: its sections and its measures, with funding lines and indicators (DESIGN §1.4).

The national Piano triennale's four axes and ten priority actions are reference data
(``fixtures/priority_actions.json``, loaded by a data migration that updates rows by code):
every measure refers to one of them, its axis derived. A measure's lead and partners are
organisations of the plan's comune. A measure's budget is the sum of its funding lines,
computed, never stored. Everything may be left empty in a draft; what a submission needs is
said by the named checks of ``submit_for_review`` (``plans/checks.py``).
"""

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plm_workflow.limits import (
    NOTE_MAX_CHARS,
    REASON_MAX_CHARS,
    SECTION_MAX_CHARS,
    TextLimitValidator,
)

from .core import Plan, Review
from .tables import Organisation

END_BEFORE_START = _("The end cannot be before the start.")
AMOUNT_NEGATIVE = _("An amount cannot be negative.")
CUP_INVALID = _("A CUP is 15 letters or digits (spaces are left out), e.g. “J51B21004880006”.")
_CUP = re.compile(r"^[A-Z0-9]{15}$")


def normalised_cup(value: str) -> str:
    """A CUP as stored: upper-cased, without spaces (its check digit is not invented here)."""
    return re.sub(r"\s+", "", value or "").upper()


def validate_cup(value: str) -> None:
    if value and not _CUP.match(value):
        raise ValidationError(CUP_INVALID, code="cup")


def _to_places(value, places: int):
    """A decimal given with fewer places, as the database stores it ("52" → "52.00")."""
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent > -places:
        return value.quantize(Decimal(1).scaleb(-places))
    return value


class _Named(models.Model):
    """Reference data named in Italian and English: ``name`` in the active language."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    number = models.PositiveSmallIntegerField(_("number"))
    name_it = models.CharField(_("Italian name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300)

    class Meta:
        abstract = True
        ordering = ["number"]

    def __str__(self):
        return f"{self.number}. {self.name}"

    @property
    def name(self) -> str:
        return self.name_it if (get_language() or "it").startswith("it") else self.name_en


class Axis(_Named):
    """One of the national plan's four axes (prevention, vigilance, protection, reintegration)."""

    class Meta(_Named.Meta):
        verbose_name = _("axis")
        verbose_name_plural = _("axes")


class PriorityAction(_Named):
    """One of the national plan's ten priority actions, under its axis."""

    axis = models.ForeignKey(
        Axis, on_delete=models.PROTECT, related_name="actions", verbose_name=_("axis")
    )

    class Meta(_Named.Meta):
        verbose_name = _("priority action")
        verbose_name_plural = _("priority actions")


class SectionKey(models.TextChoices):
    CONTEXT = "context", _("Context")
    OBJECTIVES = "objectives", _("Objectives")
    GOVERNANCE = "governance", _("Governance")
    MONITORING = "monitoring", _("Monitoring and evaluation")


# What each section holds, after the Masterplan template the cohort drafted on.
SECTION_HELP = {
    SectionKey.CONTEXT: _(
        "The territory and the phenomenon: the agricultural economy and its seasons, the "
        "foreign workers and where they live, the services there are, the main critical "
        "issues found by the needs assessment and the tables."
    ),
    SectionKey.OBJECTIVES: _(
        "What the plan wants to achieve in its three years: general objectives and the "
        "specific objectives the measures serve, tied to the national plan's priority actions."
    ),
    SectionKey.GOVERNANCE: _(
        "Who steers and who carries out the plan: the core table and the thematic groups, "
        "the comune's offices, the partners' roles, how decisions are taken and shared."
    ),
    SectionKey.MONITORING: _(
        "How progress is followed: who collects the indicators and how often, when the "
        "tables review the plan, how results are reported and the plan updated."
    ),
}


class PlanSection(models.Model):
    """One section of the plan's text: plain paragraphs, lines starting with "- " as lists."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="sections", verbose_name=_("plan")
    )
    key = models.CharField(_("section"), max_length=20, choices=SectionKey.choices)
    text = models.TextField(
        _("text"),
        blank=True,
        max_length=SECTION_MAX_CHARS,
        validators=[TextLimitValidator(SECTION_MAX_CHARS)],
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan section")
        verbose_name_plural = _("plan sections")
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="plan_section_once_per_plan")
        ]

    def __str__(self):
        return str(self.get_key_display())


class Measure(models.Model):
    """A measure of the plan (*scheda intervento*), tied to a priority action."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="measures", verbose_name=_("plan")
    )
    priority_action = models.ForeignKey(
        PriorityAction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("priority action"),
        help_text=_("The national plan's priority action the measure serves."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=NOTE_MAX_CHARS,
        validators=[TextLimitValidator(NOTE_MAX_CHARS)],
        help_text=_("What is done, for whom and where; what it changes."),
    )
    lead = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lead organisation"),
        help_text=_("The organisation responsible for carrying out the measure."),
    )
    partners = models.ManyToManyField(
        Organisation,
        through="MeasurePartner",
        related_name="measures",
        verbose_name=_("partners"),
        blank=True,
    )
    starts_on = models.DateField(_("start"), null=True, blank=True)
    ends_on = models.DateField(_("end"), null=True, blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["plan", "pk"]

    def __str__(self):
        return self.title

    def clean(self):
        super().clean()
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": END_BEFORE_START})


class MeasurePartner(models.Model):
    """An organisation taking part in a measure (history kept)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    PLAN_PATH = "measure__plan"

    class Meta:
        verbose_name = _("measure partner")
        verbose_name_plural = _("measure partners")
        constraints = [
            models.UniqueConstraint(fields=["measure", "organisation"], name="measure_partner_once")
        ]

    def __str__(self):
        return f"{self.measure_id}: {self.organisation_id}"


class FundingSource(models.TextChoices):
    PNRR_M5C2_22 = "pnrr_m5c2_2_2", _("PNRR M5C2 inv. 2.2")
    FAMI_2014_2020 = "fami_2014_2020", _("FAMI 2014-2020")
    FAMI_2021_2027 = "fami_2021_2027", _("FAMI 2021-2027")
    PON_INCLUSIONE = "pon_inclusione", _("PON Inclusione")
    PN_INCLUSIONE = "pn_inclusione", _("PN Inclusione e lotta alla povertà 2021-2027")
    PON_LEGALITA = "pon_legalita", _("PON Legalità")
    PN_SICUREZZA = "pn_sicurezza", _("PN Sicurezza per la legalità 2021-2027")
    FSE_PLUS = "fse_plus", _("FSE+ regionale")
    FNPM = "fnpm", _("FNPM")
    REGIONAL = "regional", _("Regional funds")
    MUNICIPAL = "municipal", _("Municipal budget")
    PRIVATE = "private", _("Private funds or foundations")
    OTHER = "other", _("Other")


class FundingLine(models.Model):
    """Money for a measure from one source: amount in euro, its CUP when there is one."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="funding", verbose_name=_("measure")
    )
    source = models.CharField(_("source"), max_length=30, choices=FundingSource.choices)
    amount = models.DecimalField(
        _("amount (€)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), message=AMOUNT_NEGATIVE)],
    )
    cup = models.CharField(
        _("CUP"),
        max_length=15,
        blank=True,
        validators=[validate_cup],
        help_text=_("The project's Codice Unico di Progetto, when it has one: 15 characters."),
    )

    history = HistoricalRecords()
    PLAN_PATH = "measure__plan"

    class Meta:
        verbose_name = _("funding line")
        verbose_name_plural = _("funding lines")
        ordering = ["measure", "pk"]

    def __str__(self):
        return f"{self.get_source_display()}: {self.amount}"

    def clean_fields(self, exclude=None):
        # The CUP as typed ("j51b 2100 4880 006") is stored normalised: before its validators.
        self.cup = normalised_cup(self.cup)
        self.amount = _to_places(self.amount, 2)
        super().clean_fields(exclude=exclude)


class Indicator(models.Model):
    """How a measure's result is measured: from its baseline to its target."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("measure")
    )
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(
        _("unit"), max_length=60, blank=True, help_text=_("E.g. “beds”, “people”, “%”.")
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    target = models.DecimalField(
        _("target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    source = models.CharField(
        _("source of the data"),
        max_length=300,
        blank=True,
        help_text=_("Where the figure comes from, e.g. “registro presenze del dormitorio”."),
    )

    history = HistoricalRecords()
    PLAN_PATH = "measure__plan"

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["measure", "pk"]

    def __str__(self):
        return self.name

    def clean_fields(self, exclude=None):
        # Stored and recorded alike: "52" is kept (and its event says) "52.00".
        self.baseline = _to_places(self.baseline, 2)
        self.target = _to_places(self.target, 2)
        super().clean_fields(exclude=exclude)


class ReviewComment(models.Model):
    """A facilitator's comment on one section or measure, part of a review decision.

    The measure may be removed later: the comment keeps its title as it was (``subject``).
    """

    review = models.ForeignKey(
        Review, on_delete=models.PROTECT, related_name="item_comments", verbose_name=_("review")
    )
    section = models.CharField(_("section"), max_length=20, choices=SectionKey.choices, blank=True)
    measure = models.ForeignKey(
        Measure,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_comments",
        verbose_name=_("measure"),
    )
    subject = models.CharField(_("about"), max_length=200)
    text = models.TextField(
        _("comment"), max_length=REASON_MAX_CHARS, validators=[TextLimitValidator(REASON_MAX_CHARS)]
    )

    history = HistoricalRecords()
    PLAN_PATH = "review__plan"

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["review", "pk"]

    def __str__(self):
        return f"{self.subject}: {self.text[:40]}"
