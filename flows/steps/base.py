"""The pages every step shares: what a coordinator's editor and a facilitator's check need.

The step contract: each phase provides (a) its editor (a ``WorkView`` on ``_StepView``, with
its form and template), (b) a read-only view of its content as of a moment (``content.py``), and (c)
stale-form refusal: the editor carries the version it showed, and a save from a page that is
out of date is refused, saying who changed it when, and overwrites nothing.
"""

from django.utils.translation import gettext_lazy as _

from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import ReviewDecision
from plm_workflow.plans.services import review_decide

from ..content import content_for, last_return
from ..views import _TaskFormView

DRAFT_SAVED = _("Draft saved. The task stays with you until you submit it.")
WORK_SUBMITTED = _("Submitted to the facilitators.")
SUBMIT_OR_SAVE = _("Choose whether to save a draft or to submit.")
DECISION_RECORDED = {
    ReviewDecision.APPROVED: _("Approved: the plan moves on."),
    ReviewDecision.RETURNED: _("Returned to the municipal coordinators with your comments."),
}


class _StepView(_TaskFormView):
    spec = None  # the phase's registry entry, given by the flow

    @property
    def plan(self):
        return self.request.activation.process.plan

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        content = content_for(self.spec.phase)
        context.update(spec=self.spec, phase=self.spec.phase, content=content)
        return context


class CheckView(_StepView):
    """A facilitator's check: the step's content as of now, then approve or return."""

    template_name = "flows/plm/check.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        content = context["content"]
        returned = last_return(self.plan, self.spec.phase)
        context.update(
            current=content.as_of(self.plan),
            last_return=returned,
            changed_since_return=(
                content.changes_since(self.plan, returned.decided_at) if returned else None
            ),
            reviews=self.plan.reviews.filter(phase=self.spec.phase).select_related("reviewer"),
        )
        return context

    def form_valid(self, form):
        decision = form.cleaned_data["decision"]
        try:
            # Refuses before it writes anything, so the page shows the refusal on a clean
            # transaction; completing the task is outside the ``try``, like the submission's.
            review_decide(
                plan=self.plan,
                phase=self.spec.phase,
                decision=decision,
                comments=form.cleaned_data["comments"],
                by=self.request.user,
            )
        except PlanError as error:
            return self.refuse(form, error)
        return self.done(DECISION_RECORDED[ReviewDecision(decision)])
