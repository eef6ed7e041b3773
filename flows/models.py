from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from plm_workflow.plans.models import Plan


class PLMProcess(Process):
    """The viewflow process of one plan: its tasks, and where the plan stands in the flow."""

    plan = models.OneToOneField(
        Plan, on_delete=models.PROTECT, related_name="process", verbose_name=_("plan")
    )

    class Meta:
        verbose_name = _("PLM process")
        verbose_name_plural = _("PLM processes")

    def __str__(self):
        return str(self.plan)
