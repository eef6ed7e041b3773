"""Inbox, queue and archive: each person's tasks, filtered, paginated, with bulk actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import generic
from viewflow.workflow.exceptions import FlowLockFailed

from forms.tasks import TaskFilterForm
from plm_workflow.accounts.selectors import plans_visible_to
from plm_workflow.deadlines.models import StepTask
from plm_workflow.deadlines.policy import policy_from_settings, stage_reached
from plm_workflow.ids import parse_id
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import ACTIVE_STATES, PlanStatus
from plm_workflow.plans.phases import spec_of

from .nodes import load_task
from .selectors import archive_for, by_due_date, inbox_for, queue_for
from .services import task_claim, task_release
from .views import FLOW_BUSY, process_url

PAGE_SIZE = 25
NOTHING_CHOSEN = _("Choose at least one task.")
FILTER_REFUSED = _("No task is shown: the filter cannot be applied. Correct it, or clear it.")
CHECK_OF_PHASE = _("%(phase)s – check")
# An open task's due date, flagged in words beside its colour (UI: status is text first).
OVERDUE = "overdue"
DUE_SOON = "soon"
DUE_FLAGS = {OVERDUE: _("Overdue"), DUE_SOON: _("Due soon")}


def due_flag(due, *, today, comune=None, policy=None) -> tuple[str, str] | None:
    """Return how an open task's due date is flagged in the lists: (OVERDUE, "Overdue") after
    it, (DUE_SOON, "Due soon") from its first reminder (the alert policy's "due in 7", in the
    comune's working days) up to the day itself, else None."""
    if due is None:
        return None
    if due < today:
        return OVERDUE, str(DUE_FLAGS[OVERDUE])
    if stage_reached(due, today, comune, policy) is not None:
        return DUE_SOON, str(DUE_FLAGS[DUE_SOON])
    return None


def step_phase_label(step) -> str:
    """Return where a task stands on the plan's path, for the lists' "Phase" column: its
    phase for a work task; for a check, the status the plan is in meanwhile when it has its
    own (the draft's review: "Review"), else the phase's check ("Needs assessment – check")."""
    if step is None:
        return "—"
    spec = spec_of(step.phase)
    if not step.is_check:
        return str(spec.label)
    if spec.check_status != spec.status:
        return str(PlanStatus(spec.check_status).label)
    return str(CHECK_OF_PHASE % {"phase": spec.label})


def _released(count: int) -> str:
    return ngettext(
        "%(count)d task released: it is offered again to those who may take it.",
        "%(count)d tasks released: they are offered again to those who may take them.",
        count,
    ) % {"count": count}


def _taken_on(count: int) -> str:
    return ngettext(
        "%(count)d task taken on: it is yours now.",
        "%(count)d tasks taken on: they are yours now.",
        count,
    ) % {"count": count}


class TaskListView(generic.TemplateView):
    """One of a person's task lists; POST runs its bulk action on the chosen tasks."""

    template_name = "flows/plm/task_list.html"
    title = None
    selector = None
    bulk_action = None  # (button label, done message of a count, service) or None
    empty_text = None

    def tasks(self):
        tasks = self.selector(self.request.user)
        if self.selector is archive_for:
            return tasks.order_by("-finished", "-pk")
        return by_due_date(tasks)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = TaskFilterForm(self.request.GET or None, user=self.request.user)
        page = Paginator(form.apply(self.tasks()), PAGE_SIZE).get_page(self.request.GET.get("page"))
        today, policy = timezone.localdate(), policy_from_settings()
        for task in page:
            task.plan = task.process.plmprocess.plan
            task.url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
            step = getattr(task, "step", None)
            task.phase_label = step_phase_label(step)
            task.due_flag = (
                due_flag(step.due, today=today, comune=task.plan.comune, policy=policy)
                if step is not None and step.is_open and task.plan.status in ACTIVE_STATES
                else None
            )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            title=self.title,
            form=form,
            page_obj=page,
            query=query.urlencode(),
            bulk_label=self.bulk_action[0] if self.bulk_action else None,
            empty_text=FILTER_REFUSED if form.refused else self.empty_text,
            filter_refused=form.refused,
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.bulk_action is None:
            raise PermissionDenied
        _button, done_message, service = self.bulk_action
        chosen = [pk for pk in map(parse_id, request.POST.getlist("tasks")) if pk is not None]
        # Only tasks of this very list: a forged id is simply not there.
        tasks = list(self.tasks().filter(pk__in=chosen))
        if not tasks:
            messages.error(request, NOTHING_CHOSEN)
        done = 0
        for task in tasks:
            node = task.flow_task
            try:
                with node.flow_class.lock(task.process_id), transaction.atomic():
                    current = load_task(node, request, task.process_id, task.pk)
                    service(activation=node.activation_class(current), by=request.user)
                done += 1
            except (PlanError, Http404) as error:  # changed or gone meanwhile
                reasons = getattr(error, "messages", [])
                messages.warning(request, f"{task.title}: {' '.join(reasons)}")
            except FlowLockFailed:
                messages.warning(request, f"{task.title}: {FLOW_BUSY}")
        if done:
            messages.success(request, done_message(done))
        return redirect(request.get_full_path())


class InboxView(TaskListView):
    title = _("Inbox")
    selector = staticmethod(inbox_for)
    bulk_action = (_("Release the chosen tasks"), _released, task_release)
    empty_text = _("You hold no task.")


class QueueView(TaskListView):
    title = _("Queue")
    selector = staticmethod(queue_for)
    bulk_action = (_("Take the chosen tasks on"), _taken_on, task_claim)
    empty_text = _("No task is waiting to be taken on.")


class ArchiveView(TaskListView):
    title = _("Archive")
    selector = staticmethod(archive_for)
    empty_text = _("You have not completed any task yet.")


class PlanListView(generic.ListView):
    """The plans the person may see, newest first, with their state: the way in for the lead
    and the auditors, whose inboxes stay empty."""

    template_name = "flows/plm/plan_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        # The due date of the plan's open task, read in the same query.
        open_due = StepTask.objects.filter(plan=OuterRef("pk"), closed_at__isnull=True)
        plans = (
            plans_visible_to(self.request.user)
            .select_related("comune", "process")
            .annotate(open_due=Subquery(open_due.order_by("due").values("due")[:1]))
        )
        status = self.request.GET.get("status", "")
        if status in PlanStatus.values:
            plans = plans.filter(status=status)
        return plans.order_by("comune__name", "-created_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today, policy = timezone.localdate(), policy_from_settings()
        for plan in context["object_list"]:
            process = getattr(plan, "process", None)
            plan.url = process_url(process) if process else None
            # Suspended, withdrawn and adopted plans are quiet.
            plan.due_flag = (
                due_flag(plan.open_due, today=today, comune=plan.comune, policy=policy)
                if plan.status in ACTIVE_STATES
                else None
            )
        context["statuses"] = PlanStatus.choices
        context["status"] = self.request.GET.get("status", "")
        return context
