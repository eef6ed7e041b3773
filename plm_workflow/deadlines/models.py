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
