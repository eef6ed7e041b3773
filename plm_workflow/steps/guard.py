"""Who may change a phase's data now: the holder of its open work task, on an open phase."""

from django.utils.translation import gettext_lazy as _

from plm_workflow.db import lock_value
from plm_workflow.deadlines.models import StepKind, StepTask
from plm_workflow.plans import permissions, phases
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Plan, PlanStatus

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
    status = lock_value(Plan, plan.pk, "status")
    if status != spec.status:
        # Checked (the draft in review) or approved: submitted; else not started, or paused.
        submitted = status == spec.check_status or _approved(spec, status)
        raise PlanError([(SUBMITTED if submitted else NOT_OPEN) % {"phase": spec.label}])
    open_steps = list(StepTask.objects.filter(plan=plan, phase=spec.phase, closed_at__isnull=True))
    work = [step for step in open_steps if step.kind == StepKind.WORK]
    if not work:
        raise PlanError([SUBMITTED % {"phase": spec.label}])
    if work[0].holder_id != by.pk:
        raise PlanError([NOT_HOLDER % {"phase": spec.label}])
    return work[0]


def _approved(spec, status) -> bool:
    """Whether the plan in ``status`` has gone past the phase: its work approved."""
    if status == PlanStatus.ADOPTED:
        return True
    later = phases.PHASES[phases.PHASES.index(spec) + 1 :]
    return any(status in (after.status, after.check_status) for after in later)
