"""The stakeholder tables of a plan: the comune's organisations, the tables, their meetings.

Organisations belong to a comune (no shared list that would leak another comune's partners),
the comune itself always among them. Each plan has exactly one core table and its thematic
groups, each with a convenor and member organisations; each meeting has its date, place or
online link, agenda, attendance (organisations present and a head count), minutes (text or a
PDF) and decisions. A meeting in the future has no minutes nor attendance yet.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plm_workflow.limits import NOTE_MAX_CHARS, REASON_MAX_CHARS, TextLimitValidator

from .core import Comune, Document, Plan

ONE_CORE_TABLE = _("This plan has its core table already: add thematic groups beside it.")
THEME_OF_A_GROUP = _("Choose the theme of the thematic group.")
CORE_HAS_NO_THEME = _("The core table has no theme: it covers the whole plan.")
ORGANISATION_TWICE = _("The comune has an organisation of this name already.")
FUTURE_MEETING_RECORDED = _(
    "This meeting is in the future: its minutes and attendance can be recorded once it has "
    "taken place."
)
NO_PLACE = _("Give the place of the meeting, or its online link.")
HEAD_COUNT_NEGATIVE = _("A head count cannot be negative.")
ONLINE_LINK_SCHEMES = ["http", "https"]
ONLINE_LINK_INVALID = _("Give a web address starting with https:// (or http://).")


class OrganisationKind(models.TextChoices):
    PREFETTURA = "prefettura", _("Prefettura")
    REGIONE = "regione", _("Regione")
    ASL = "asl", _("Local health authority (ASL)")
    INPS = "inps", _("INPS")
    LABOUR_INSPECTORATE = "labour_inspectorate", _("Labour inspectorate (Ispettorato del Lavoro)")
    JOB_CENTRE = "job_centre", _("Job centre (centro per l'impiego)")
    UNION = "union", _("Trade union")
    EMPLOYERS = "employers", _("Employers' association")
    THIRD_SECTOR = "third_sector", _("Third sector")
    COMUNE = "comune", _("Comune")
    RESEARCH = "research", _("University or research")
    INTERNATIONAL = "international", _("International organisation")
    OTHER = "other", _("Other")


class Organisation(models.Model):
    """A body that sits at the comune's tables: a partner of this comune only."""

    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, related_name="organisations", verbose_name=_("comune")
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("The body's own name, e.g. “Prefettura di Cuneo” or “Caritas diocesana”."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=OrganisationKind.choices)
    email = models.EmailField(
        _("contact e-mail"), blank=True, help_text=_("Optional: an office address, not a person's.")
    )
    # The comune itself: one per comune, made with its first plan's tables.
    is_the_comune = models.BooleanField(_("the comune itself"), default=False, editable=False)
    revision = models.PositiveIntegerField(_("revision"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["comune", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "comune",
                Lower("name"),
                name="organisation_name_once_per_comune",
                violation_error_message=ORGANISATION_TWICE,
            ),
            models.UniqueConstraint(
                fields=["comune"],
                condition=Q(is_the_comune=True),
                name="organisation_the_comune_once",
            ),
        ]

    def __str__(self):
        return self.name


class TableKind(models.TextChoices):
    CORE = "core", _("Core table")
    THEMATIC = "thematic", _("Thematic group")


class Theme(models.TextChoices):
    HOUSING = "housing", _("Housing")
    PROTECTION = "protection", _("Protection from exploitation")
    INTERMEDIATION = "intermediation", _("Labour intermediation")
    TRANSPORT = "transport", _("Transport")
    HEALTH = "health", _("Health")
    OTHER = "other", _("Other")


class StakeholderTable(models.Model):
    """The core table or a thematic group of a plan, with its convenor and members."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="tables", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=TableKind.choices)
    theme = models.CharField(_("theme"), max_length=20, choices=Theme.choices, blank=True)
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("As the table calls itself, e.g. “Tavolo di coprogettazione territoriale”."),
    )
    convenor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("convenor"),
        help_text=_("The organisation that calls and chairs the meetings."),
    )
    members = models.ManyToManyField(
        Organisation,
        through="TableMember",
        related_name="tables",
        verbose_name=_("members"),
        blank=True,
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("stakeholder table")
        verbose_name_plural = _("stakeholder tables")
        ordering = ["plan", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(kind="core"),
                name="table_one_core_per_plan",
                violation_error_message=ONE_CORE_TABLE,
            ),
            models.CheckConstraint(
                condition=Q(kind="core", theme="") | (Q(kind="thematic") & ~Q(theme="")),
                name="table_theme_only_for_groups",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.kind == TableKind.THEMATIC and not self.theme:
            raise ValidationError({"theme": THEME_OF_A_GROUP})
        if self.kind == TableKind.CORE and self.theme:
            raise ValidationError({"theme": CORE_HAS_NO_THEME})


class TableMember(models.Model):
    """An organisation sitting at a table (history kept: who joined and left when)."""

    table = models.ForeignKey(StakeholderTable, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    PLAN_PATH = "table__plan"

    class Meta:
        verbose_name = _("table member")
        verbose_name_plural = _("table members")
        constraints = [
            models.UniqueConstraint(fields=["table", "organisation"], name="table_member_once")
        ]

    def __str__(self):
        return f"{self.table_id}: {self.organisation_id}"


def _validate_online_link(value):
    try:
        URLValidator(schemes=ONLINE_LINK_SCHEMES)(value)
    except ValidationError:
        raise ValidationError(ONLINE_LINK_INVALID, code="online_link") from None


class Meeting(models.Model):
    """One meeting of a table: when, where, who came, what was said and decided."""

    table = models.ForeignKey(
        StakeholderTable, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("table")
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(
        _("place"), max_length=300, blank=True, help_text=_("E.g. “Sala consiliare”.")
    )
    online_link = models.CharField(
        _("online link"),
        max_length=500,
        blank=True,
        validators=[_validate_online_link],
        help_text=_("For an online meeting: its https:// address."),
    )
    agenda = models.TextField(
        _("agenda"),
        blank=True,
        max_length=REASON_MAX_CHARS,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
    )
    attendance = models.ManyToManyField(
        Organisation,
        through="MeetingAttendance",
        related_name="meetings_attended",
        verbose_name=_("organisations present"),
        blank=True,
    )
    head_count = models.PositiveIntegerField(
        _("people present"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0, message=HEAD_COUNT_NEGATIVE)],
        help_text=_("How many people took part, at least one per organisation present."),
    )
    minutes = models.TextField(
        _("minutes"),
        blank=True,
        max_length=NOTE_MAX_CHARS,
        validators=[TextLimitValidator(NOTE_MAX_CHARS)],
        help_text=_("What was said: the minutes' text, or attach them as a PDF."),
    )
    minutes_file = models.ForeignKey(
        Document,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("minutes (PDF)"),
    )
    decisions = models.TextField(
        _("decisions"),
        blank=True,
        max_length=REASON_MAX_CHARS,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
    )
    revision = models.PositiveIntegerField(_("revision"), default=0)

    history = HistoricalRecords()
    PLAN_PATH = "table__plan"

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["table", "starts_at", "pk"]
        indexes = [models.Index(fields=["table", "starts_at"])]

    def __str__(self):
        return f"{self.table} — {timezone.localtime(self.starts_at):%d/%m/%Y %H:%M}"

    @property
    def has_minutes(self) -> bool:
        return bool(self.minutes.strip()) or self.minutes_file_id is not None

    def clean(self):
        super().clean()
        errors = {}
        if not self.place.strip() and not self.online_link.strip():
            errors["place"] = NO_PLACE
        recorded = self.has_minutes or self.head_count is not None
        if self.starts_at and self.starts_at > timezone.now() and recorded:
            errors["minutes"] = FUTURE_MEETING_RECORDED
        if errors:
            raise ValidationError(errors)


class MeetingAttendance(models.Model):
    """An organisation present at a meeting (history kept)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()
    PLAN_PATH = "meeting__table__plan"

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation"], name="meeting_attendance_once"
            )
        ]

    def __str__(self):
        return f"{self.meeting_id}: {self.organisation_id}"
