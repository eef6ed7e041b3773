from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from plm_workflow.plans.models import Phase, Plan


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


class TaskDeadline(models.Model):
    """A task's due date, beside the viewflow task, with the plan it belongs to."""

    plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, related_name="deadlines", verbose_name=_("plan")
    )
    task = models.OneToOneField(
        "viewflow.Task", on_delete=models.PROTECT, related_name="deadline", verbose_name=_("task")
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    is_check = models.BooleanField(_("check step"), default=False)
    due = models.DateField(_("due date"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("task due date")
        verbose_name_plural = _("task due dates")
        indexes = [models.Index(fields=["due"])]

    def __str__(self):
        return f"{self.task_id}: {self.due}"
