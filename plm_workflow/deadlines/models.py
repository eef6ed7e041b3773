from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plm_workflow.plans.models import Phase, Plan, Review


class PhaseDate(models.Model):
    """When a coordinator phase of the plan should be done: the baseline set at launch, and
    the current date, moved since for a stated reason."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="phase_dates", verbose_name=_("plan")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    baseline = models.DateField(_("baseline date"))
    current = models.DateField(_("current date"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("phase date")
        verbose_name_plural = _("phase dates")
        constraints = [
            models.UniqueConstraint(fields=["plan", "phase"], name="phase_date_one_per_phase")
        ]

    def __str__(self):
        return f"{self.plan} — {self.get_phase_display()}: {self.current}"


class StepKind(models.TextChoices):
    WORK = "work", _("work")
    CHECK = "check", _("check")


class StepTask(models.Model):
    """One human task of a plan's flow, as the domain knows it.

    Kept beside the viewflow task (one to one) with the plan it belongs to: its phase and kind,
    its due date, the review that returned it, who holds it since when, and when it closed.
    The domain reads open or closed, holder and "returned by" here, never from viewflow; the
    flow's services (``flows/services.py``) write it as the task is created, changes hands and
    closes. The due date is this package's: set at creation, moved by its services.
    """

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="step_tasks", verbose_name=_("plan")
    )
    task = models.OneToOneField(
        "viewflow.Task", on_delete=models.PROTECT, related_name="step", verbose_name=_("task")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind.choices)
    due = models.DateField(_("due date"))
    returned_by = models.ForeignKey(
        Review,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="returned_tasks",
        verbose_name=_("returned by"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("held by"),
    )
    held_since = models.DateTimeField(_("held since"), null=True, blank=True)
    # Raised each time the due date moves: the calendar feed's SEQUENCE (RFC 5545).
    due_revision = models.PositiveIntegerField(_("due date revision"), default=0)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("step task")
        verbose_name_plural = _("step tasks")
        indexes = [
            models.Index(fields=["due"]),
            models.Index(fields=["plan", "closed_at"], name="step_task_plan_open"),
        ]

    def __str__(self):
        return f"{self.task_id}: {self.get_phase_display()} ({self.get_kind_display()})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_check(self) -> bool:
        return self.kind == StepKind.CHECK


class AlertKind(models.TextChoices):
    """Why a person is told something: a due date's stage, or an event of the flow."""

    # The stages of a task's due date (DESIGN §6), in the order they come.
    DUE_IN_7 = "due_in_7", _("due in 7 working days")
    DUE_IN_1 = "due_in_1", _("due in 1 working day")
    DUE_TODAY = "due_today", _("due today")
    OVERDUE = "overdue", _("overdue")
    ESCALATION = "escalation", _("overdue by 7 working days: escalated")
    # An adopted plan not yet published on the albo pretorio, some days after its adoption.
    NOT_PUBLISHED = "not_published", _("adopted, not yet published")
    # Events of the flow.
    TASK_OFFERED = "task_offered", _("task offered to you")
    TASK_ASSIGNED = "task_assigned", _("task assigned to you")
    STEP_RETURNED = "step_returned", _("step returned with comments")
    STEP_APPROVED = "step_approved", _("step approved")
    PLAN_ADOPTED = "plan_adopted", _("plan adopted")
    # E-mails the sweep gave up on, told to the lead facilitator.
    DELIVERY_FAILED = "delivery_failed", _("e-mails not delivered")


#: The due-date stages, earliest first: "latest stage only" compares positions in it.
STAGES = (
    AlertKind.DUE_IN_7,
    AlertKind.DUE_IN_1,
    AlertKind.DUE_TODAY,
    AlertKind.OVERDUE,
    AlertKind.ESCALATION,
)


class Channel(models.TextChoices):
    IN_APP = "in_app", _("in the app")
    EMAIL = "email", _("e-mail")
    DIGEST = "digest", _("daily digest")


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed: no more retries")


class Alert(models.Model):
    """One thing told to one person on one channel: a notification in the app, an e-mail, or
    a line of their daily digest.

    A due date's stage is keyed by (task, kind, recipient, channel, due date), an event's by
    (event, kind, recipient, channel), a plan's reminder by (plan, kind, recipient, channel,
    due date): unique constraints, so that sweeps running at once, on one machine or several,
    never write one twice. In-app rows are shown as soon as they are written (state sent);
    e-mail and digest rows wait pending until a sweep claims them (state sending, with a
    lease), sends them and marks them sent, or records the error and retries up to a bound.
    The plan is kept beside the task, so the domain reaches the plan without the flow.
    """

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("plan")
    )
    step = models.ForeignKey(
        StepTask,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("task"),
    )
    event = models.ForeignKey(
        "audit.Event",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("audit event"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("recipient"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    due = models.DateField(_("due date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    state = models.CharField(
        _("delivery"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["step", "kind", "recipient", "channel", "due"],
                condition=models.Q(step__isnull=False),
                name="alert_once_per_stage",
            ),
            models.UniqueConstraint(
                fields=["event", "kind", "recipient", "channel"],
                condition=models.Q(event__isnull=False),
                name="alert_once_per_event",
            ),
            models.UniqueConstraint(
                fields=["plan", "kind", "recipient", "channel", "due"],
                condition=models.Q(step__isnull=True, event__isnull=True),
                name="alert_once_per_plan_reminder",
            ),
            models.CheckConstraint(
                condition=models.Q(step__isnull=True) | models.Q(event__isnull=True),
                name="alert_task_or_event",
            ),
        ]
        indexes = [
            # The sweep's claim: pending rows, and sending rows whose lease ran out.
            models.Index(fields=["state", "lease_until"], name="alert_claim"),
            # The bell and the notification list: a person's in-app rows, newest first.
            models.Index(fields=["recipient", "channel", "read_at"], name="alert_unread"),
            models.Index(fields=["recipient", "channel", "-created_at"], name="alert_list"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_channel_display()})"

    @property
    def is_stage(self) -> bool:
        return self.kind in STAGES
