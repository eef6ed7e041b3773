"""Where a plan stands on its path, in words: "Phase 3 of 5 – Drafting", each phase marked.

The phases counted are the plan's active states, in the registry's order: each coordinator
phase's status, and its check's when the check runs in a state of its own (the draft's review).
So the count and the plan's status never disagree: a plan in review is at "Phase 4 of 5 –
Review". Built from the plan and its step tasks, which the caller gives (no query of its own),
for the plan page and, later, the dashboard (``_progress.html``).
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plm_workflow.deadlines.models import StepKind
from plm_workflow.plans import phases
from plm_workflow.plans.models import PlanStatus

from .diagram import StepState

# The plan's phases, in order: the distinct states its work and checks run in.
STAGES = phases.PLAN_STAGES

# A phase's state, in words that agree with "fase" (feminine in Italian).
STATE_WORDS = {
    StepState.DONE: pgettext_lazy("plan phase", "done"),
    StepState.CURRENT: pgettext_lazy("plan phase", "in progress"),
    StepState.SUSPENDED: pgettext_lazy("plan phase", "suspended"),
    StepState.STOPPED: pgettext_lazy("plan phase", "stopped"),
    StepState.AHEAD: pgettext_lazy("plan phase", "to do"),
    StepState.NOT_REACHED: pgettext_lazy("plan phase", "not reached"),
}

AT_PHASE = _("Phase %(number)s of %(total)s – %(phase)s")
AT_PHASE_SUSPENDED = _("Phase %(number)s of %(total)s – %(phase)s (plan suspended)")
STOPPED_AT_PHASE = _("Stopped at phase %(number)s of %(total)s – %(phase)s: the plan was withdrawn")
ALL_DONE = _("All %(total)s phases done: the plan is adopted")


@dataclass(frozen=True)
class Stage:
    number: int
    status: str
    label: str
    state: StepState

    @property
    def state_label(self) -> str:
        return str(STATE_WORDS[self.state])

    @property
    def is_current(self) -> bool:
        return self.state in (StepState.CURRENT, StepState.SUSPENDED, StepState.STOPPED)


@dataclass(frozen=True)
class Progress:
    stages: list
    total: int
    number: int | None  # the phase the plan is at (or stopped at); None once adopted
    summary: str

    @property
    def current(self) -> Stage | None:
        return self.stages[self.number - 1] if self.number else None


def plan_progress(plan, *, steps) -> Progress:
    """Return where the plan stands: its phases, each with its state, and the summary.

    ``steps`` are the plan's step tasks (``plan.step_tasks``), in any order: a withdrawn plan
    stopped in the phase of its last one.
    """
    total = len(STAGES)
    at = _stage_index(plan, steps)
    if plan.status == PlanStatus.ADOPTED:
        stages = [_stage(index, StepState.DONE) for index in range(total)]
        return Progress(stages, total, None, str(ALL_DONE % {"total": total}))
    if plan.status == PlanStatus.WITHDRAWN:
        here, later, summary = StepState.STOPPED, StepState.NOT_REACHED, STOPPED_AT_PHASE
    elif plan.status == PlanStatus.SUSPENDED:
        here, later, summary = StepState.SUSPENDED, StepState.AHEAD, AT_PHASE_SUSPENDED
    else:
        here, later, summary = StepState.CURRENT, StepState.AHEAD, AT_PHASE
    stages = [
        _stage(index, StepState.DONE if index < at else here if index == at else later)
        for index in range(total)
    ]
    current = stages[at]
    text = summary % {"number": current.number, "total": total, "phase": current.label}
    return Progress(stages, total, current.number, str(text))


def _stage(index: int, state: StepState) -> Stage:
    status = STAGES[index]
    return Stage(index + 1, status, str(PlanStatus(status).label), state)


def _stage_index(plan, steps) -> int:
    """Return the index in ``STAGES`` of the state the plan is in, left or stopped in."""
    if plan.status == PlanStatus.ADOPTED:
        return len(STAGES) - 1
    if plan.status == PlanStatus.WITHDRAWN:
        last = max(steps, key=lambda step: (step.opened_at, step.pk), default=None)
        if last is None:
            return 0
        spec = phases.spec_of(last.phase)
        return STAGES.index(spec.check_status if last.kind == StepKind.CHECK else spec.status)
    return STAGES.index(plan.suspended_from or plan.status)
