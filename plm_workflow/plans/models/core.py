import calendar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, FSMModelMixin, transition
from simple_history.models import HistoricalRecords

from plm_workflow.limits import NOTE_MAX_CHARS, REASON_MAX_CHARS, TextLimitValidator

from .. import permissions

ISTAT_CODE_VALIDATOR = RegexValidator(r"^\d{6}$", _("An ISTAT code has exactly six digits."))
PROVINCE_CODE_VALIDATOR = RegexValidator(
    r"^[A-Z]{2}$", _("A province code has two capital letters.")
)
PATRON_DAY_INVALID = _("The patron day is not a day of the calendar.")
PATRON_DAY_INCOMPLETE = _("Give both the day and the month of the patron day, or neither.")

# A patron day recurs every year: 29 February is allowed, so read months of a leap year.
_LEAP_YEAR = 2000


class Comune(models.Model):
    """A comune of the ISTAT registry, keyed on its six-digit code.

    Names repeat across provinces (two comuni are called Castro), so a comune is shown and
    looked up as ``Name (PROV)``. A comune missing from a newer registry file is marked
    suppressed, never deleted.
    """

    istat_code = models.CharField(
        _("ISTAT code"), max_length=6, unique=True, validators=[ISTAT_CODE_VALIDATOR]
    )
    name = models.CharField(_("name"), max_length=200, db_index=True)
    province_code = models.CharField(
        _("province"), max_length=2, validators=[PROVINCE_CODE_VALIDATOR]
    )
    region = models.CharField(_("region"), max_length=100)
    patron_day = models.PositiveSmallIntegerField(
        _("patron day (day)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
    )
    patron_month = models.PositiveSmallIntegerField(
        _("patron day (month)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
    )
    suppressed = models.BooleanField(
        _("suppressed"),
        default=False,
        help_text=_("No longer in the ISTAT registry (merged or dissolved)."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("comune")
        verbose_name_plural = _("comuni")
        ordering = ["name", "province_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(patron_day__isnull=True, patron_month__isnull=True)
                | Q(patron_day__isnull=False, patron_month__isnull=False),
                name="comune_patron_day_complete",
                violation_error_message=PATRON_DAY_INCOMPLETE,
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """Return the unambiguous name, e.g. ``Castro (LE)``."""
        return f"{self.name} ({self.province_code})"

    def clean(self):
        super().clean()
        if (self.patron_day is None) != (self.patron_month is None):
            raise ValidationError(PATRON_DAY_INCOMPLETE)
        month, day = self.patron_month, self.patron_day
        if month and day and 1 <= month <= 12 and day > calendar.monthrange(_LEAP_YEAR, month)[1]:
            raise ValidationError({"patron_day": PATRON_DAY_INVALID})


class PlanStatus(models.TextChoices):
    NEEDS_ASSESSMENT = "needs_assessment", _("Needs assessment")
    STAKEHOLDER_TABLES = "stakeholder_tables", _("Stakeholder tables")
    DRAFTING = "drafting", _("Drafting")
    REVIEW = "review", _("Review")
    ADOPTION = "adoption", _("Adoption")
    ADOPTED = "adopted", _("Adopted")
    SUSPENDED = "suspended", _("Suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ACTIVE_STATES = (
    PlanStatus.NEEDS_ASSESSMENT,
    PlanStatus.STAKEHOLDER_TABLES,
    PlanStatus.DRAFTING,
    PlanStatus.REVIEW,
    PlanStatus.ADOPTION,
)
FINAL_STATES = (PlanStatus.ADOPTED, PlanStatus.WITHDRAWN)
NON_FINAL_STATES = (*ACTIVE_STATES, PlanStatus.SUSPENDED)
_ACTIVE_VALUES = [state.value for state in ACTIVE_STATES]
_NON_FINAL_VALUES = [state.value for state in NON_FINAL_STATES]

ONE_OPEN_PLAN_PER_COMUNE = _(
    "This comune already has a plan in progress: adopt or withdraw it before starting another."
)


class Phase(models.TextChoices):
    """The coordinators' phases, each worked while the plan is in its state."""

    ASSESSMENT = "assessment", _("Needs assessment")
    TABLES = "tables", _("Stakeholder tables")
    DRAFTING = "drafting", _("Drafting")
    ADOPTION = "adoption", _("Adoption")


class Plan(ConcurrentTransitionMixin, FSMModelMixin, models.Model):
    """A comune's PLM, one cycle of it, through its lifecycle.

    Transition methods change the instance in memory only; the services in ``services.py``
    check permission and the named checks, then save and record.
    """

    comune = models.ForeignKey(
        Comune, on_delete=models.PROTECT, related_name="plans", verbose_name=_("comune")
    )
    title = models.CharField(_("cycle title"), max_length=200)
    status = FSMField(
        _("status"),
        max_length=32,
        choices=PlanStatus.choices,
        default=PlanStatus.NEEDS_ASSESSMENT,
        protected=True,
    )
    adhesion_act_number = models.CharField(_("adhesion act number"), max_length=50)
    adhesion_act_date = models.DateField(_("adhesion act date"))
    suspended_from = models.CharField(
        _("suspended from"),
        max_length=32,
        choices=[(state.value, state.label) for state in ACTIVE_STATES],
        blank=True,
        help_text=_("The state a suspended plan returns to when resumed."),
    )
    suspended_at = models.DateTimeField(_("suspended since"), null=True, blank=True)
    suspension_reason = models.TextField(
        _("reason for the suspension"),
        blank=True,
        max_length=REASON_MAX_CHARS,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
    )
    withdrawn_at = models.DateTimeField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = models.TextField(
        _("reason for the withdrawal"),
        blank=True,
        max_length=REASON_MAX_CHARS,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("coordinate_plan", _("Coordinate the plan (work its tasks)")),
            ("facilitate_plan", _("Facilitate the plan (check and review its steps)")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["comune"],
                condition=Q(status__in=_NON_FINAL_VALUES),
                name="plan_one_open_per_comune",
                violation_error_message=ONE_OPEN_PLAN_PER_COMUNE,
            ),
            models.CheckConstraint(
                condition=Q(status="suspended", suspended_from__in=_ACTIVE_VALUES)
                | (~Q(status="suspended") & Q(suspended_from="")),
                name="plan_suspended_remembers_its_state",
            ),
        ]

    def __str__(self):
        return f"{self.comune.label} — {self.title}"

    # --- Lifecycle: in memory only, no side effects ---------------------------------------

    @transition(
        field=status,
        source=PlanStatus.NEEDS_ASSESSMENT,
        target=PlanStatus.STAKEHOLDER_TABLES,
        permission=permissions.can_facilitate,
    )
    def complete_assessment(self):
        """Close the needs assessment: the stakeholder tables open."""

    @transition(
        field=status,
        source=PlanStatus.STAKEHOLDER_TABLES,
        target=PlanStatus.DRAFTING,
        permission=permissions.can_facilitate,
    )
    def complete_tables(self):
        """Close the stakeholder tables: drafting opens."""

    @transition(
        field=status,
        source=PlanStatus.DRAFTING,
        target=PlanStatus.REVIEW,
        permission=permissions.can_coordinate,
    )
    def submit_for_review(self):
        """Hand the draft to the facilitators."""

    @transition(
        field=status,
        source=PlanStatus.REVIEW,
        target=PlanStatus.DRAFTING,
        permission=permissions.can_facilitate,
    )
    def request_changes(self):
        """Send the draft back to its coordinators."""

    @transition(
        field=status,
        source=PlanStatus.REVIEW,
        target=PlanStatus.ADOPTION,
        permission=permissions.can_facilitate,
    )
    def approve(self):
        """Approve the draft: it goes to the Giunta or the Consiglio."""

    @transition(
        field=status,
        source=PlanStatus.ADOPTION,
        target=PlanStatus.ADOPTED,
        permission=permissions.can_facilitate,
    )
    def adopt(self):
        """Record the plan as adopted."""

    @transition(
        field=status,
        source=list(ACTIVE_STATES),
        target=PlanStatus.SUSPENDED,
        permission=permissions.can_suspend_or_resume,
    )
    def suspend(self, *, reason: str, at):
        """Pause the plan, remembering the state it leaves."""
        self.suspended_from = self.status
        self.suspended_at = at
        self.suspension_reason = reason

    @transition(
        field=status,
        source=PlanStatus.SUSPENDED,
        target=RETURN_VALUE(*ACTIVE_STATES),
        permission=permissions.can_suspend_or_resume,
    )
    def resume(self):
        """Return to the remembered state."""
        state = self.suspended_from
        self.suspended_from = ""
        self.suspended_at = None
        self.suspension_reason = ""
        return state

    @transition(
        field=status,
        source=list(NON_FINAL_STATES),
        target=PlanStatus.WITHDRAWN,
        permission=permissions.can_withdraw,
    )
    def withdraw(self, *, reason: str, at):
        """End the plan without adoption."""
        self.suspended_from = ""
        self.suspended_at = None
        self.suspension_reason = ""
        self.withdrawn_at = at
        self.withdrawal_reason = reason


class PhaseNote(models.Model):
    """The coordinators' note on a phase: the placeholder for that phase's data.

    Each step issue replaces its phase's note with the real data and checks.
    """

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="phase_notes", verbose_name=_("plan")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    text = models.TextField(
        _("note"),
        blank=True,
        max_length=NOTE_MAX_CHARS,
        validators=[TextLimitValidator(NOTE_MAX_CHARS)],
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phase note")
        verbose_name_plural = _("phase notes")
        constraints = [
            models.UniqueConstraint(fields=["plan", "phase"], name="phase_note_one_per_phase")
        ]

    def __str__(self):
        return f"{self.plan} — {self.get_phase_display()}"


class ReviewDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned with comments")


RETURN_WITHOUT_COMMENTS = _("Give comments that say what must change.")


class Review(models.Model):
    """A facilitator's decision on a phase's work: approved, or returned with comments.

    Rounds count the decisions on one phase of one plan: the first return is round 1, the
    approval after it round 2.
    """

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("plan")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    round = models.PositiveSmallIntegerField(_("round"), validators=[MinValueValidator(1)])
    decision = models.CharField(_("decision"), max_length=20, choices=ReviewDecision.choices)
    comments = models.TextField(
        _("comments"),
        blank=True,
        max_length=REASON_MAX_CHARS,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["plan", "decided_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "phase", "round"], name="review_one_decision_per_round"
            ),
            models.CheckConstraint(
                condition=Q(decision="approved") | ~Q(comments=""),
                name="review_return_has_comments",
                violation_error_message=RETURN_WITHOUT_COMMENTS,
            ),
        ]

    def __str__(self):
        return f"{self.plan} — {self.get_phase_display()} #{self.round}"


class DocumentKind(models.TextChoices):
    ADHESION_ACT = "adhesion_act", _("Adhesion act")
    MINUTES = "minutes", _("Minutes of a meeting")
    ADOPTION_ACT = "adoption_act", _("Signed adoption act")
    ADOPTION_ANNEX = "adoption_annex", _("Annex to the adoption act")


class Document(models.Model):
    """A PDF of the plan, stored under a generated name; reached only through its page."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="documents", verbose_name=_("plan")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    public_id = models.UUIDField(_("public id"), unique=True, editable=False)
    file = models.FileField(_("file"), max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["plan", "uploaded_at"]

    def __str__(self):
        return f"{self.plan} — {self.get_kind_display()}"
