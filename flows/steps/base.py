"""The pages every step shares: a coordinator's editor, a facilitator's check.

The step contract: each phase provides (a) its editor (a ``WorkView`` with its form and
template), (b) a read-only view of its content as of a moment (``content.py``), and (c)
stale-form refusal: the editor carries the version it showed, and a save from a page that is
out of date is refused, saying who changed it when, and overwrites nothing.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import ReviewDecision
from plm_workflow.plans.services import StaleEdit, phase_note_save, phase_work_submit, review_decide

from ..content import content_for, last_return, step_of
from ..views import _TaskFormView

DRAFT_SAVED = _("Draft saved. The task stays with you until you submit it.")
WORK_SUBMITTED = _("Submitted to the facilitators.")
SUBMIT_OR_SAVE = _("Choose whether to save a draft or to submit.")
DECISION_RECORDED = {
    ReviewDecision.APPROVED: _("Approved: the plan moves on."),
    ReviewDecision.RETURNED: _("Returned to the coordinators with your comments."),
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


class WorkView(_StepView):
    """A coordinator's step: its data (the phase note), saved as a draft or submitted."""

    template_name = "flows/plm/work.html"

    def get_initial(self):
        current = content_for(self.spec.phase).as_of(self.plan)
        return {
            "text": current.text if current else "",
            "version": current.version if current else 0,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        step = step_of(self.request.activation.task)
        context["returned_by"] = step.returned_by if step else None
        context["current"] = getattr(self, "stale_current", None)
        return context

    def form_valid(self, form):
        text, version = form.cleaned_data["text"], form.cleaned_data.get("version")
        user = self.request.user
        try:
            if "_draft" in self.request.POST:
                # The data only: the task is never saved here, so its stored status stays
                # NEW or ASSIGNED and a withdrawal can still cancel it.
                phase_note_save(
                    plan=self.plan, phase=self.spec.phase, text=text, by=user, seen_version=version
                )
                messages.success(self.request, DRAFT_SAVED)
                return HttpResponseRedirect(self.request.get_full_path())
            if "_submit" not in self.request.POST:
                form.add_error(None, SUBMIT_OR_SAVE)
                return self.form_invalid(form)
            # Atomic itself: a refusal leaves the note as it was. Completing the task is not
            # inside the ``try``: whatever it raises undoes the whole page's transaction.
            phase_work_submit(
                plan=self.plan, phase=self.spec.phase, text=text, by=user, seen_version=version
            )
        except StaleEdit as error:
            # Keep what the person typed; show the text saved meanwhile, and its version, so
            # that saving again is a deliberate choice.
            self.stale_current = content_for(self.spec.phase).as_of(self.plan)
            data = form.data.copy()
            data["version"] = self.stale_current.version if self.stale_current else 0
            form.data = data
            return self.refuse(form, error)
        except PlanError as error:
            return self.refuse(form, error)
        return self.done(WORK_SUBMITTED)


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
