"""The pages of the PLM flow: thin, each calls one service and shows its refusals."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django.views import generic
from django_fsm import can_proceed, has_transition_perm
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.flow.views import FlowChartView
from viewflow.workflow.status import STATUS

from forms.adoption import PublicationForm
from forms.fields import form_messages
from forms.launch import LaunchForm
from forms.plan import DateMoveForm, PhaseDateMoveForm, ReasonForm
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.models import StepTask
from plm_workflow.deadlines.services import can_move_dates, phase_date_move, task_due_move
from plm_workflow.deadlines.words import moved_message
from plm_workflow.ids import parse_id
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    DocumentKind,
    Phase,
    Plan,
    PlanStatus,
)
from plm_workflow.plans.phases import (
    PHASE_ORDER,
    PHASES,
    is_check_node,
    spec_of_node,
)
from plm_workflow.plans.services import NOT_FROM_STATE
from plm_workflow.web import FLOW_BUSY, report_refusal

from .adoption_content import adoption_of, may_record_publication
from .content import content_for, review_of, section_state, step_of
from .diagram import plan_diagram
from .history import recent_events
from .progress import plan_progress
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
from .tables_content import late_additions_open, tables_counts

LAUNCHED = _("The plan of %(comune)s is launched.")
TAKEN = _("The task is yours now.")
REASSIGNED = _("The task is now held by %(user)s.")
RELEASED = _("Task released: it is offered again to those who may take it.")


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
            deadline=step_of(activation.task),
        )
        return context

    def done(self, message):
        task_complete(activation=self.request.activation, by=self.request.user)
        messages.success(self.request, message)
        return redirect(process_url(self.request.activation.process))


class LaunchView(_RefusalMixin, generic.FormView):
    """The lead launches a comune's plan: the plan, its people, its first task.

    A refusal gives every reason at once, the form's own and the launch service's, beside the
    fields at fault, and keeps the adhesion act chosen if it passed its own checks.
    """

    form_class = LaunchForm
    template_name = "flows/plm/launch.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_invalid(self, form):
        if not getattr(form, "launch_checked", False):
            form.add_launch_problems()
        form.keep_file()
        return super().form_invalid(form)

    def form_valid(self, form):
        if form.add_launch_problems():
            return self.form_invalid(form)
        data = form.cleaned_data
        try:
            plan = flow_launch(
                start=self.request.activation,
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
        form.discard_kept()
        messages.success(self.request, LAUNCHED % {"comune": plan.comune.label})
        return redirect(process_url(plan.process))


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
            deadline=step_of(task),
        )
        step = context["deadline"]
        context["returned_by"] = step.returned_by if step is not None else None
        if step is not None and step.closed_at is not None:
            context.update(_closed_step(process.plan, task, step))
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
            # Offered only when there is someone to hand it to.
            candidates = list(task_candidates(task).exclude(pk=task.owner_id))
            if candidates:
                context["reassign_url"] = activation.flow_task.reverse(
                    "reassign", args=[process.pk, task.pk]
                )
                context["candidates"] = candidates
        return context


def _closed_step(plan, task, step) -> dict:
    """What a closed task's page shows: the step's content as it stood when the task closed
    (what was submitted, or what the check decided on) and, for a check, its decision."""
    content = content_for(step.phase)
    review = review_of(step, task) if step.is_check else None
    shown = content.as_of(plan, step.closed_at)
    if review is not None and hasattr(content, "with_review"):
        shown = content.with_review(shown, review)  # its comments beside the items
    return {
        "content": content,
        "shown": shown,
        "closed": step,
        "decision": review,
        "cancelled": task.status == STATUS.CANCELED,
    }


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


# The plan's pauses and end, as offered on its page: (transition, URL name, label, what it
# does). Each opens its confirmation step.
_STATE_ACTIONS = (
    (
        Plan.suspend,
        "process_suspend",
        _("Suspend the plan"),
        _("Pause the plan: its tasks wait and its due dates stop counting until it is resumed."),
    ),
    (
        Plan.resume,
        "process_resume",
        _("Resume the plan"),
        _("Take the plan up again where it was left; its dates move by the days suspended."),
    ),
    (
        Plan.withdraw,
        "process_withdraw",
        _("Withdraw the plan"),
        _("End the plan for good without adoption: its open tasks are cancelled."),
    ),
)


def state_actions(plan, user, flow, process) -> list[dict]:
    """Return the pauses and ends of the plan this person may do now, asking the FSM."""
    found = []
    for transition, url_name, label, hint in _STATE_ACTIONS:
        bound = getattr(plan, transition.__name__)
        if can_proceed(bound) and has_transition_perm(bound, user):
            found.append(
                {
                    "key": transition.__name__,
                    "label": label,
                    "hint": hint,
                    "url": flow.reverse(url_name, args=[process.pk]),
                }
            )
    return found


class ProcessDetailView(generic.DetailView):
    """The plan page: header, what to do now, one section per phase, actions, history.

    Visible plans only (else 404). Who may do what is asked of the FSM and the rules; the
    template only shows what it is given.
    """

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
        # The people's tasks only: the flow's gates and end are no task of anybody's.
        tasks = list(
            process.task_set.filter(flow_task_type="HUMAN")
            .select_related("owner", "step")
            .order_by("created", "pk")
        )
        for task in tasks:
            task.url = task.flow_task.reverse("index", args=[process.pk, task.pk])
        plan, user = process.plan, self.request.user
        flow = process.flow_class.instance
        may_move = can_move_dates(plan, user)
        steps = [task.step for task in tasks if getattr(task, "step", None) is not None]
        current = next(
            (task for task in reversed(tasks) if task.status in (STATUS.NEW, STATUS.ASSIGNED)),
            None,
        )
        if current is not None:
            current.process = process
            activation = current.flow_task.activation_class(current)
            context["current_actions"] = task_actions(activation, user)
            context["current_spec"] = spec_of_node(current.flow_task.name)
            context["current_is_check"] = is_check_node(current.flow_task.name)
        context.update(
            plan=plan,
            tasks=tasks,
            current=current,
            progress=plan_progress(plan, steps=steps),
            is_suspended=plan.status == PlanStatus.SUSPENDED,
            is_withdrawn=plan.status == PlanStatus.WITHDRAWN,
            is_adopted=plan.status == PlanStatus.ADOPTED,
            sections=[
                {"spec": spec, "state": section_state(plan, spec.phase, steps=steps)}
                for spec in PHASES
            ],
            schedule=[
                {
                    "row": row,
                    "move_url": flow.reverse("phase_date", args=[process.pk, row.phase])
                    if may_move
                    else None,
                }
                for row in sorted(
                    plan.phase_dates.all(), key=lambda row: PHASE_ORDER.index(row.phase)
                )
            ],
            state_actions=state_actions(plan, user, flow, process),
            recent_events=recent_events(plan),
            chart_url=flow.reverse("process_chart", args=[process.pk]),
            diagram=plan_diagram(plan, steps=steps),
            reviews=plan.reviews.select_related("reviewer"),
            adhesion_acts=plan.documents.filter(kind=DocumentKind.ADHESION_ACT),
            schedule_changes=Event.objects.filter(
                plan=plan, kind=EventKind.PHASE_DATE_CHANGED
            ).select_related("actor"),
        )
        # The step issues add their counts here (measures, meetings…): label and value.
        context["counts"] = []
        if any(step.phase == Phase.TABLES for step in steps):
            counted = tables_counts(plan)
            context["counts"] += [
                {"label": _("Organisations"), "value": counted["organisations"]},
                {"label": _("Thematic groups"), "value": counted["groups"]},
                {"label": _("Meetings"), "value": counted["meetings"]},
            ]
        if any(step.phase == Phase.DRAFTING for step in steps):
            measures = plan.measures.count()
            context["counts"].append({"label": _("Measures"), "value": measures})
            if measures:
                context["measures_csv_url"] = flow.reverse("measures_csv", args=[process.pk])
        if late_additions_open(plan, user):
            context["tables_late"] = _late_links(flow, process, context["sections"])
        if context["is_adopted"]:
            context.update(_adoption_box(plan, user, flow, process))
        return context


def _adoption_box(plan, user, flow, process) -> dict:
    """The adopted plan's box, in place of "now": the act, its publication on the albo
    pretorio, and the publication's form for the plan's coordinators and facilitators."""
    adoption = adoption_of(plan)
    found = {
        "resolution": adoption,
        "adopted_on": (
            plan.history.filter(status=PlanStatus.ADOPTED)
            .order_by("history_date")
            .values_list("history_date", flat=True)
            .first()
        ),
    }
    if adoption is not None and may_record_publication(plan, user):
        found["publication_url"] = flow.reverse("publication", args=[process.pk])
        found["publication_form"] = PublicationForm(
            instance=adoption,
            initial={"version": adoption.revision},
            correcting=adoption.is_published,
        )
    return found


def _late_links(flow, process, sections) -> dict:
    """Give the tables shown on the plan page their late additions' links (in drafting)."""
    state = next(section["state"] for section in sections if section["spec"].phase == Phase.TABLES)
    shown = state.later or state.submitted
    for table in shown.tables if shown else ():
        table.add_meeting_url = flow.reverse("tables_meeting_new", args=[process.pk, table.row.id])
        for meeting in table.meetings:
            if meeting.lacks_record:
                meeting.record_url = flow.reverse(
                    "tables_meeting_record", args=[process.pk, meeting.row.id]
                )
    return {"organisation_url": flow.reverse("tables_organisation_new", args=[process.pk])}


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


class PlanStateView(generic.FormView):
    """Suspend, resume or withdraw the plan, from a confirmation step that restates what the
    action does and asks for the reason (``reason``); only a POST with ``confirmed`` acts.

    A plan the person may not see is 404, an action they may not take 403 (on the page as on
    its POST); an action the plan's state does not allow sends them back to the plan, saying
    why. A refusal shows the page again, with what was typed, and nothing changes.
    """

    http_method_names = ["get", "post"]
    flow_class = None
    viewset = None
    form_class = ReasonForm
    template_name = "flows/plm/plan_state.html"
    transition = None  # the Plan method
    service = None
    done_message = None
    title = None  # the page's heading and its button
    back_label = _("Go back without changing anything")

    def dispatch(self, request, *args, process_pk, **kwargs):
        self.process = get_object_or_404(processes_visible_to(request.user), pk=process_pk)
        self.plan = Plan.objects.select_related("comune").get(pk=self.process.plan_id)
        bound = getattr(self.plan, self.transition.__name__)
        try:
            if not _transition_permitted(self.transition, self.plan, request.user):
                raise PlanError.not_allowed()
        except PlanError as error:
            report_refusal(request, error)  # 403, with the reason (the error page reads it)
        if not can_proceed(bound):
            messages.error(request, NOT_FROM_STATE % {"status": self.plan.get_status_display()})
            return redirect(process_url(self.process))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        # A reason posted without the confirmation (from another page) is shown to confirm.
        return {"reason": self.request.POST.get("reason", "")}

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirmed") != "1":
            # Nothing is written: the confirmation step, with the reason given, if any.
            return self.render_to_response(
                self.get_context_data(form=self.form_class(initial=self.get_initial()))
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            with self.flow_class.lock(self.process.pk), transaction.atomic():
                self.service(
                    plan=self.plan, by=self.request.user, reason=form.cleaned_data["reason"]
                )
        except PlanError as error:
            if error.forbidden:
                raise PermissionDenied(" ".join(error.messages)) from None
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        except FlowLockFailed:
            form.add_error(None, FLOW_BUSY)
            return self.form_invalid(form)
        messages.success(self.request, self.done_message)
        return redirect(process_url(self.process))

    def consequences(self) -> list[str]:
        """Return what the action does, in sentences, as the page restates it."""
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            process=self.process,
            plan=self.plan,
            title=self.title,
            back_label=self.back_label,
            back_url=process_url(self.process),
            consequences=self.consequences(),
            refusals=form_messages(form) if form.is_bound else [],
        )
        return context


def _transition_permitted(transition, plan, user) -> bool:
    """Return True if the user may run the transition on the plan, whatever its state (the
    services ask the same first)."""
    return next(iter(transition._django_fsm.transitions.values())).has_perm(plan, user)


class SuspendView(PlanStateView):
    transition = staticmethod(Plan.suspend)
    service = staticmethod(flow_suspend)
    title = _("Suspend the plan")
    done_message = _("The plan is suspended: its tasks wait until it is resumed.")

    def consequences(self):
        return [
            SUSPEND_WAITS,
            SUSPEND_DATES,
            SUSPEND_RESUMABLE,
        ]


class ResumeView(PlanStateView):
    transition = staticmethod(Plan.resume)
    service = staticmethod(flow_resume)
    title = _("Resume the plan")
    done_message = _("The plan is resumed where it was left.")

    def consequences(self):
        plan = self.plan
        days = (timezone.now() - plan.suspended_at).days if plan.suspended_at else 0
        dates = RESUME_DATES % {"days": days} if days else RESUME_NO_DATES
        return [RESUME_BACK % {"state": plan.get_suspended_from_display()}, dates]


class WithdrawView(PlanStateView):
    transition = staticmethod(Plan.withdraw)
    service = staticmethod(flow_withdraw)
    title = _("Withdraw the plan")
    done_message = _("The plan is withdrawn and its open task cancelled.")

    def consequences(self):
        return [
            WITHDRAW_FINAL,
            WITHDRAW_TASKS,
            WITHDRAW_NEW_PLAN % {"comune": self.plan.comune.label},
        ]


# What each of the plan's pauses and end does, as its confirmation step says it.
SUSPEND_WAITS = _(
    "While the plan is suspended nobody can work on its tasks: the open task waits where it "
    "is, and no reminder is sent."
)
SUSPEND_DATES = _(
    "Its due dates stop counting: when the plan is resumed, the open due dates and the dates "
    "of the phases not yet started move by the days it spent suspended."
)
SUSPEND_RESUMABLE = _(
    "The lead or the plan's facilitators can resume it at any time, giving a reason."
)
RESUME_BACK = _(
    "The plan goes back to where it was left, “%(state)s”, and its open task can be worked on "
    "again."
)
RESUME_DATES = ngettext_lazy(
    "It has been suspended for %(days)s whole day: the open due dates and the dates of the "
    "phases not yet started move by %(days)s day, then to the next working day.",
    "It has been suspended for %(days)s whole days: the open due dates and the dates of the "
    "phases not yet started move by %(days)s days, then to the next working day.",
    "days",
)
RESUME_NO_DATES = _("It has been suspended for less than a day: no date moves.")
WITHDRAW_FINAL = _(
    "Withdrawing is final: the plan can no longer be resumed nor changed. It stays readable, "
    "with its history."
)
WITHDRAW_TASKS = _("Its open tasks are cancelled and its flow ends.")
WITHDRAW_NEW_PLAN = _("A new plan can then be launched for %(comune)s.")


def _valid(form, *, allowed: bool = True):
    """Return the form if it is valid; else refuse with its messages (nothing changes), or
    403 to someone who may not act at all."""
    if not form.is_valid():
        if not allowed:
            raise PermissionDenied
        raise PlanError(form_messages(form))
    return form


class PhaseDateMoveView(_PlanActionView):
    """Move a phase's date (``date``, ``reason``, ``shown``; ``shift_later``)."""

    def act(self, process, request, *, phase):
        if phase not in Phase.values:
            raise Http404
        allowed = can_move_dates(process.plan, request.user)
        data = _valid(PhaseDateMoveForm(request.POST), allowed=allowed).cleaned_data
        row = phase_date_move(
            plan=process.plan,
            phase=phase,
            new=data["date"],
            reason=data["reason"],
            by=request.user,
            shown=data["shown"],
            shift_later=data["shift_later"],
        )
        return moved_message(data["date"], row.current, process.plan.comune)


class DueDateMoveView(_PlanActionView):
    """Move an open task's due date (``date``, ``reason``, ``shown``)."""

    def back_url(self, process, *, task_pk):
        deadline = self._deadline(process, task_pk)
        return deadline.task.flow_task.reverse("detail", args=[process.pk, task_pk])

    def act(self, process, request, *, task_pk):
        allowed = can_move_dates(process.plan, request.user)
        data = _valid(DateMoveForm(request.POST), allowed=allowed).cleaned_data
        deadline = task_due_move(
            deadline=self._deadline(process, task_pk),
            new=data["date"],
            reason=data["reason"],
            by=request.user,
            shown=data["shown"],
        )
        return moved_message(data["date"], deadline.due, process.plan.comune)

    def _deadline(self, process, task_pk):
        deadline = (
            StepTask.objects.select_related("task")
            .filter(plan=process.plan, task_id=task_pk)
            .first()
        )
        if deadline is None:
            raise Http404
        return deadline
