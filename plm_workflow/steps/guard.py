"""Who may change a phase's data now: the holder of its open work task, on an open phase."""

from django.utils.translation import gettext_lazy as _

from plm_workflow.db import lock_value
from plm_workflow.deadlines.models import StepKind, StepTask
from plm_workflow.plans import permissions
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Plan

NOT_OPEN = _("The phase “%(phase)s” is not open: its data cannot change now.")
SUBMITTED = _(
    "The work of the phase “%(phase)s” has been submitted to the facilitators: it cannot "
    "change while they check it, nor after their approval."
)
NOT_HOLDER = _(
    "You do not hold the task of the phase “%(phase)s”: take it on before changing its data."
)


def work_held(*, plan: Plan, spec, by) -> StepTask:
    """Lock the plan and return the open work task ``by`` holds for the phase; else refuse.

    Call it inside the transaction of the write: the plan stays locked until it ends, so the
    phase cannot close, nor the task change hands, before the write is saved.
    """
    if not permissions.can_coordinate(plan, by):
        raise PlanError.not_allowed()
    if lock_value(Plan, plan.pk, "status") != spec.status:
        raise PlanError([NOT_OPEN % {"phase": spec.label}])
    open_steps = list(StepTask.objects.filter(plan=plan, phase=spec.phase, closed_at__isnull=True))
    work = [step for step in open_steps if step.kind == StepKind.WORK]
    if not work:
        raise PlanError([SUBMITTED % {"phase": spec.label}])
    if work[0].holder_id != by.pk:
        raise PlanError([NOT_HOLDER % {"phase": spec.label}])
    return work[0]
