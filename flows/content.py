"""What each step shows read-only, as of a moment: the step contract's second part.

Each phase's content is built from history, so the same page can show it as of now (the
check), as of a task's completion (a closed task's page) or as of the last submission (the
plan page, with the draft in progress beside it).
"""

from dataclasses import dataclass

from django.utils import timezone
from viewflow.workflow.status import STATUS

from plm_workflow.deadlines.models import StepKind, StepTask
from plm_workflow.plans.models import Phase, Review, ReviewDecision

from .adoption_content import AdoptionContent
from .assessment_content import AssessmentContent
from .drafting_content import DraftingContent
from .tables_content import TablesContent

# The read-only content of each phase.
CONTENT = {
    Phase.ASSESSMENT: AssessmentContent(Phase.ASSESSMENT),
    Phase.TABLES: TablesContent(Phase.TABLES),
    Phase.DRAFTING: DraftingContent(Phase.DRAFTING),
    Phase.ADOPTION: AdoptionContent(Phase.ADOPTION),
}


def content_for(phase):
    return CONTENT[Phase(phase)]


@dataclass(frozen=True)
class SectionState:
    """A phase as the plan page shows it: the last submission and any draft in progress."""

    content: object  # the phase's entry in CONTENT
    submitted: object  # the content as of the last submission (None: never submitted)
    submitted_at: object
    draft: object  # the content now, if it differs from the submission and the work is open
    # The content now, if it grew after the work was submitted (meetings added in drafting),
    # and what was added since, in words.
    later: object = None
    later_changes: object = None


def section_state(plan, phase, *, steps=None) -> SectionState:
    """Return the plan page's view of one phase."""
    content = content_for(phase)
    steps = steps if steps is not None else list(plan.step_tasks.all())
    work = [s for s in steps if s.phase == phase and s.kind == StepKind.WORK]
    # Submitted: completed work tasks only (a withdrawal closes the open one unsubmitted).
    closed = [s.closed_at for s in work if s.closed_at is not None and s.task.status == STATUS.DONE]
    submitted_at = max(closed) if closed else None
    submitted = content.as_of(plan, submitted_at) if submitted_at else None
    draft = later = later_changes = None
    if any(s.closed_at is None for s in work):
        now = content.as_of(plan, timezone.now())
        if now is not None and (submitted is None or now.version != submitted.version):
            draft = now
    elif submitted is not None and getattr(content, "grows_after_submission", False):
        now = content.as_of(plan, timezone.now())
        if now is not None and now.version != submitted.version:
            later = now
            later_changes = content.changes_between(submitted, now)
    return SectionState(
        content=content,
        submitted=submitted,
        submitted_at=submitted_at,
        draft=draft,
        later=later,
        later_changes=later_changes,
    )


def last_return(plan, phase) -> Review | None:
    return (
        Review.objects.filter(plan=plan, phase=phase, decision=ReviewDecision.RETURNED)
        .order_by("-round")
        .first()
    )


def review_of(step, task) -> Review | None:
    """Return the decision a closed check task recorded, with its reviewer, or None.

    Each check task done records one decision on its phase, a cancelled one none: the task's
    round is one more than the checks of that phase done before it.
    """
    if task.status != STATUS.DONE:
        return None
    earlier = StepTask.objects.filter(
        plan_id=step.plan_id,
        phase=step.phase,
        kind=StepKind.CHECK,
        task__status=STATUS.DONE,
        task_id__lt=step.task_id,
    ).count()
    return (
        Review.objects.select_related("reviewer")
        .filter(plan_id=step.plan_id, phase=step.phase, round=earlier + 1)
        .first()
    )


def step_of(task) -> StepTask | None:
    """Return the task's domain row: the one loaded with the task (a task page's), if any."""
    descriptor = type(task).step
    if descriptor.is_cached(task):
        return descriptor.related.get_cached_value(task)
    return StepTask.objects.filter(task_id=task.pk).select_related("returned_by__reviewer").first()
