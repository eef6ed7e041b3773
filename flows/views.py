"""The pages of the PLM flow: thin, each calls one service and shows its refusals."""

import datetime

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.flow.views import FlowChartView
from viewflow.workflow.status import STATUS

from forms.launch import LaunchForm
from forms.steps import DecisionForm, PhaseNoteForm
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.models import TaskDeadline
from plm_workflow.deadlines.services import (
    PHASE_ORDER,
    can_move_dates,
    phase_date_move,
    task_due_move,
)
from plm_workflow.ids import parse_id
from plm_workflow.plans import permissions
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    ACTIVE_STATES,
    NON_FINAL_STATES,
    Phase,
    PhaseNote,
    Plan,
    PlanStatus,
    ReviewDecision,
)
from plm_workflow.plans.services import (
    phase_note_save,
    phase_work_submit,
    review_decide,
)

from .rules import may_reassign_now, task_candidates
from .selectors import processes_visible_to
from .services import (
    flow_launch,
    flow_resume,
    flow_suspend,
    flow_withdraw,
    task_claim,
    task_complete,
    task_reassign,
    task_release,
)

LAUNCHED = _("The plan of %(comune)s is launched.")
DRAFT_SAVED = _("Draft saved. The task stays with you until you submit it.")
WORK_SUBMITTED = _("Submitted to the facilitators.")
TAKEN = _("The task is yours now.")
REASSIGNED = _("The task is now held by %(user)s.")
RELEASED = _("Task released: it is offered again to those who may take it.")
SUBMIT_OR_SAVE = _("Choose whether to save a draft or to submit.")
DECISION_RECORDED = {
    ReviewDecision.APPROVED: _("Approved: the plan moves on."),
    ReviewDecision.RETURNED: _("Returned to the coordinators with your comments."),
}


FLOW_BUSY = _("Someone else is acting on this plan right now: try again in a moment.")


def report_refusal(request, error: PlanError) -> None:
    """Answer a refused action: 403 when the person has no say, else its reasons as messages."""
    if error.forbidden:
        raise PermissionDenied(" ".join(error.messages))
    for message in error.messages:
        messages.error(request, message)


def process_url(process) -> str:
    return process.flow_class.instance.reverse("process_detail", args=[process.pk])


class _RefusalMixin:
    """Show a service's refusal as errors on the unchanged form, never a 500."""

    def refuse(self, form, error: PlanError):
        if error.forbidden:
            raise PermissionDenied(" ".join(error.messages))
        for message in error.messages:
            form.add_error(None, message)
        return self.form_invalid(form)


class _TaskFormView(_RefusalMixin, generic.FormView):
    """A task's form, on a page that shows the plan it belongs to."""

    def get_context_data(self, **kwargs):
        activation = self.request.activation
        context = super().get_context_data(**kwargs)
        context.update(
            process=activation.process,
            plan=activation.process.plan,
            task=activation.task,
            process_url=process_url(activation.process),
            deadline=_deadline_of(activation.task),
        )
        return context

    def done(self, message):
        task_complete(activation=self.request.activation, by=self.request.user)
        messages.success(self.request, message)
        return redirect(process_url(self.request.activation.process))


class LaunchView(_RefusalMixin, generic.FormView):
    """The lead launches a comune's plan: the plan, its people, its first task."""

    form_class = LaunchForm
    template_name = "flows/plm/launch.html"

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            plan = flow_launch(
                activation=self.request.activation,
                comune=data["comune"],
                title=data["title"],
                adhesion_act_number=data["adhesion_act_number"],
                adhesion_act_date=data["adhesion_act_date"],
                coordinators=list(data["coordinators"]),
                facilitators=list(data["facilitators"]),
                schedule=form.schedule,
                adhesion_act_file=data["adhesion_act_file"],
                by=self.request.user,
            )
        except PlanError as error:
            return self.refuse(form, error)
        messages.success(self.request, LAUNCHED % {"comune": plan.comune.label})
        return redirect(process_url(plan.process))


class WorkView(_TaskFormView):
    """A coordinator's step: the phase note, saved as a draft or submitted."""

    phase = None
    form_class = PhaseNoteForm
    template_name = "flows/plm/work.html"

    def get_initial(self):
        plan = self.request.activation.process.plan
        note = PhaseNote.objects.filter(plan=plan, phase=self.phase).first()
        return {"text": note.text if note else ""}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["phase"] = Phase(self.phase)
        context["returned_by"] = returned_by(self.request.activation.task)
        return context

    def form_valid(self, form):
        plan = self.request.activation.process.plan
        text = form.cleaned_data["text"]
        try:
            if "_draft" in self.request.POST:
                # The note only: the task is never saved here, so its stored status stays
                # NEW or ASSIGNED and a withdrawal can still cancel it.
                phase_note_save(plan=plan, phase=self.phase, text=text, by=self.request.user)
                messages.success(self.request, DRAFT_SAVED)
                return HttpResponseRedirect(self.request.get_full_path())
            if "_submit" not in self.request.POST:
                form.add_error(None, SUBMIT_OR_SAVE)
                return self.form_invalid(form)
            with transaction.atomic():
                phase_work_submit(plan=plan, phase=self.phase, text=text, by=self.request.user)
                return self.done(WORK_SUBMITTED)
        except PlanError as error:
            return self.refuse(form, error)


class CheckView(_TaskFormView):
    """A facilitator's check: approve, or return with comments."""

    phase = None
    form_class = DecisionForm
    template_name = "flows/plm/check.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.request.activation.process.plan
        context["phase"] = Phase(self.phase)
        context["note"] = PhaseNote.objects.filter(plan=plan, phase=self.phase).first()
        context["reviews"] = plan.reviews.filter(phase=self.phase).select_related("reviewer")
        return context

    def form_valid(self, form):
        decision = form.cleaned_data["decision"]
        try:
            with transaction.atomic():
                review_decide(
                    plan=self.request.activation.process.plan,
                    phase=self.phase,
                    decision=decision,
                    comments=form.cleaned_data["comments"],
                    by=self.request.user,
                )
                return self.done(DECISION_RECORDED[ReviewDecision(decision)])
        except PlanError as error:
            return self.refuse(form, error)


def _deadline_of(task):
    return TaskDeadline.objects.filter(task=task).first()


def returned_by(task):
    """Return the review that sent this work task back, if it was created by a return."""
    review_pk = (task.data or {}).get("returned_by_review")
    if review_pk is None:
        return None
    return task.process.coerced.plan.reviews.select_related("reviewer").filter(pk=review_pk).first()


class _TaskHandsView(generic.View):
    """Change who holds a task (POST only) through its service, then show the task."""

    http_method_names = ["post"]
    next_page = "detail"

    def post(self, request, *args, **kwargs):
        activation = request.activation
        message = self.act(activation, request)
        messages.success(request, message)
        return redirect(
            activation.flow_task.reverse(
                self.next_page, args=[activation.process.pk, activation.task.pk]
            )
        )


class AssignView(_TaskHandsView):
    """Take a task on: then its form opens."""

    next_page = "index"

    def act(self, activation, request):
        task_claim(activation=activation, by=request.user)
        return TAKEN


class UnassignView(_TaskHandsView):
    """Release a task: it is offered again."""

    def act(self, activation, request):
        task_release(activation=activation, by=request.user)
        return RELEASED


class ReassignView(_TaskHandsView):
    """Hand an open task to another holder of its role (``to``: a user id)."""

    def act(self, activation, request):
        pk = parse_id(request.POST.get("to"))
        to = get_user_model().objects.filter(pk=pk).first() if pk is not None else None
        task_reassign(activation=activation, to=to, by=request.user)
        return REASSIGNED % {"user": to.get_full_name() or to.get_username()}


class TaskIndexView(generic.RedirectView):
    """A task's link: its form for the person who holds it, its page for everyone else."""

    def get_redirect_url(self, *args, **kwargs):
        activation = self.request.activation
        task, node = activation.task, activation.flow_task
        name = "detail"
        if activation.start.can_proceed() and node.can_execute(self.request.user, task):
            name = "execute"
        return node.reverse(name, args=[task.process_id, task.pk])


class TaskDetailView(generic.TemplateView):
    """A task's page: what it is, who holds it, the actions the user may take."""

    template_name = "flows/plm/task_detail.html"

    def get_context_data(self, **kwargs):
        activation = self.request.activation
        task, process = activation.task, activation.process
        context = super().get_context_data(**kwargs)
        context.update(
            process=process,
            plan=process.plan,
            task=task,
            process_url=process_url(process),
            actions=task_actions(activation, self.request.user),
            returned_by=returned_by(task),
            deadline=_deadline_of(task),
        )
        user = self.request.user
        if (
            context["deadline"] is not None
            and task.status in (STATUS.NEW, STATUS.ASSIGNED)
            and can_move_dates(process.plan, user)
        ):
            context["due_move_url"] = process.flow_class.instance.reverse(
                "due_date", args=[process.pk, task.pk]
            )
        if may_reassign_now(user, task):
            context["reassign_url"] = activation.flow_task.reverse(
                "reassign", args=[process.pk, task.pk]
            )
            context["candidates"] = task_candidates(task).exclude(pk=task.owner_id)
        return context


# The task actions offered on a task page, by viewflow transition; others stay hidden.
_ACTIONS = {
    "assign": (_("Take on this task"), "assign", "post"),
    "start": (_("Work on it"), "execute", "get"),
    "unassign": (_("Release it"), "unassign", "post"),
}


def task_actions(activation, user) -> list[dict]:
    """Return the actions the user may take on the task now: label, url, method."""
    actions = []
    for transition in activation.get_available_transitions(user):
        if transition.slug not in _ACTIONS:
            continue
        label, url_name, method = _ACTIONS[transition.slug]
        url = activation.flow_task.reverse(
            url_name, args=[activation.process.pk, activation.task.pk]
        )
        actions.append({"label": label, "url": url, "method": method})
    return actions


class ProcessDetailView(generic.DetailView):
    """A plan's process: its tasks and review decisions (visible plans only, else 404)."""

    flow_class = None
    viewset = None
    pk_url_kwarg = "process_pk"
    context_object_name = "process"
    template_name = "flows/plm/process_detail.html"

    def get_queryset(self):
        return processes_visible_to(self.request.user).filter(flow_class=self.flow_class)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        process = self.object
        tasks = list(process.task_set.select_related("owner", "deadline").order_by("created", "pk"))
        for task in tasks:
            task.url = task.flow_task.reverse("index", args=[process.pk, task.pk])
        plan, user = process.plan, self.request.user
        flow = process.flow_class.instance
        state_actions = []
        if plan.status in ACTIVE_STATES and permissions.can_suspend_or_resume(plan, user):
            state_actions.append(("suspend", _("Suspend the plan")))
        if plan.status == PlanStatus.SUSPENDED and permissions.can_suspend_or_resume(plan, user):
            state_actions.append(("resume", _("Resume the plan")))
        if plan.status in NON_FINAL_STATES and permissions.can_withdraw(plan, user):
            state_actions.append(("withdraw", _("Withdraw the plan")))
        may_move = can_move_dates(plan, user)
        context["schedule"] = [
            {
                "row": row,
                "move_url": flow.reverse("phase_date", args=[process.pk, row.phase])
                if may_move
                else None,
            }
            for row in sorted(plan.phase_dates.all(), key=lambda row: PHASE_ORDER.index(row.phase))
        ]
        context["state_actions"] = [
            {"label": label, "url": flow.reverse(f"process_{action}", args=[process.pk])}
            for action, label in state_actions
        ]
        current = next(
            (
                task
                for task in reversed(tasks)
                if task.flow_task_type == "HUMAN" and task.status in (STATUS.NEW, STATUS.ASSIGNED)
            ),
            None,
        )
        if current is not None:
            current.process = process
            activation = current.flow_task.activation_class(current)
            context["current_actions"] = task_actions(activation, user)
        context.update(
            plan=plan,
            tasks=tasks,
            current=current,
            chart_url=process.flow_class.instance.reverse("process_chart", args=[process.pk]),
            reviews=process.plan.reviews.select_related("reviewer"),
            notes=process.plan.phase_notes.all(),
            documents=process.plan.documents.all(),
            schedule_changes=Event.objects.filter(
                plan=plan, kind=EventKind.PHASE_DATE_CHANGED
            ).select_related("actor"),
        )
        return context


class ProcessChartView(FlowChartView):
    """The flow's chart; a plan's chart only for those who may see the plan."""

    def dispatch(self, request, *args, **kwargs):
        process_pk = kwargs.get("process_pk")
        if process_pk is not None and not (
            processes_visible_to(request.user).filter(pk=process_pk).exists()
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class _PlanActionView(generic.View):
    """An action on a plan from its pages (POST), under the flow's lock, through a service.

    A plan the person may not see is 404; a refusal is 403 or its reasons as messages, and
    nothing changes.
    """

    http_method_names = ["post"]
    flow_class = None
    viewset = None

    def post(self, request, *args, process_pk, **kwargs):
        process = get_object_or_404(processes_visible_to(request.user), pk=process_pk)
        back = self.back_url(process, **kwargs)
        try:
            with self.flow_class.lock(process_pk), transaction.atomic():
                message = self.act(process, request, **kwargs)
        except PlanError as error:
            report_refusal(request, error)
        except FlowLockFailed:
            messages.warning(request, FLOW_BUSY)
        else:
            messages.success(request, message)
        return redirect(back)

    def back_url(self, process, **kwargs):
        return process_url(process)


class PlanStateView(_PlanActionView):
    """Suspend, resume or withdraw the plan (``reason``)."""

    service = None
    done_message = None

    def act(self, process, request):
        plan = Plan.objects.get(pk=process.plan_id)
        self.service(plan=plan, by=request.user, reason=request.POST.get("reason", ""))
        return self.done_message


class SuspendView(PlanStateView):
    service = staticmethod(flow_suspend)
    done_message = _("The plan is suspended: its tasks wait until it is resumed.")


class ResumeView(PlanStateView):
    service = staticmethod(flow_resume)
    done_message = _("The plan is resumed where it was left.")


class WithdrawView(PlanStateView):
    service = staticmethod(flow_withdraw)
    done_message = _("The plan is withdrawn and its open task cancelled.")


INVALID_DATE = _("Give the new date as a date of the calendar.")
DATE_MOVED = _("Date moved to %(date)s.")


def _posted_date(request):
    try:
        return datetime.date.fromisoformat(request.POST.get("date", "").strip()[:10])
    except ValueError:
        raise PlanError([INVALID_DATE]) from None


def _moved(day) -> str:
    return DATE_MOVED % {"date": day.strftime("%d/%m/%Y")}


class PhaseDateMoveView(_PlanActionView):
    """Move a phase's date (``date``, ``reason``)."""

    def act(self, process, request, *, phase):
        if phase not in Phase.values:
            raise Http404
        row = phase_date_move(
            plan=process.plan,
            phase=phase,
            new=_posted_date(request),
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
        return _moved(row.current)


class DueDateMoveView(_PlanActionView):
    """Move an open task's due date (``date``, ``reason``)."""

    def back_url(self, process, *, task_pk):
        deadline = self._deadline(process, task_pk)
        return deadline.task.flow_task.reverse("detail", args=[process.pk, task_pk])

    def act(self, process, request, *, task_pk):
        deadline = task_due_move(
            deadline=self._deadline(process, task_pk),
            new=_posted_date(request),
            reason=request.POST.get("reason", ""),
            by=request.user,
        )
        return _moved(deadline.due)

    def _deadline(self, process, task_pk):
        deadline = (
            TaskDeadline.objects.select_related("task")
            .filter(plan=process.plan, task_id=task_pk)
            .first()
        )
        if deadline is None:
            raise Http404
        return deadline
