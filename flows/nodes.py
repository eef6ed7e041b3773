"""viewflow's nodes, with every page of a plan's task opened only to those who may see the plan.

viewflow's own task pages check only model-wide permissions (upstream #505) and let its undo,
revive and cancel shortcuts change a flow with no service of ours running. Here every task
page first finds the task in its own process and node and the plan among the user's visible
plans (404 otherwise); actions then need the node's object permission on that very plan, on an
active plan; the shortcuts are switched off.
"""

from functools import update_wrapper

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from viewflow.fsm import TransitionNotAllowed
from viewflow.utils import is_owner
from viewflow.workflow import flow
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.status import STATUS

from plm_workflow.accounts.selectors import plan_visible
from plm_workflow.audit.services import head_writes_deferred
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.permissions import remember_plan_perms
from plm_workflow.web import FLOW_BUSY, report_refusal

from . import rules
from .views import (
    AssignView,
    ReassignView,
    TaskDetailView,
    TaskIndexView,
    UnassignView,
)


def load_task(node, request, process_pk: int, task_pk: int):
    """Return the task of this node and process, its plan visible to the user, or raise 404.

    The same answer for a task that does not exist and for one the user may not see: the
    page tells an outsider nothing about the plan.
    """
    # One query: the task, its holder and domain row, its process and plan.
    task = (
        node.flow_class.task_class._default_manager.select_related(
            "owner", "step__returned_by__reviewer", "process__plmprocess__plan__comune"
        )
        .filter(pk=task_pk, process_id=process_pk)
        .first()
    )
    if task is None or task.flow_task is None or task.flow_task.name != node.name:
        raise Http404
    process = getattr(task.process, "plmprocess", None)
    if process is None or process.flow_class is not node.flow_class:
        raise Http404
    if not plan_visible(request.user, process.plan_id):
        raise Http404
    task.process = process
    return task


def _refuse(request, node, task, message):
    """Leave the task as it is and show why, on its page."""
    messages.info(request, message)
    return redirect(node.reverse("detail", args=[task.process_id, task.pk]))


def _task_page(node, origin_view, *, execute=False):
    """Wrap a task page: find the task (404), then let the page or its service decide.

    The execute page checks here that the person holds the task on an active plan. Actions
    (take on, release, reassign) run services that refuse with a ``PlanError``: forbidden
    answers 403; any other reason returns to the task's page with it, nothing changed.

    POSTs run under the flow's lock (``select_for_update`` on the process) in one
    transaction, so two people acting on one task take turns and the second one finds
    the task already changed.
    """

    def view(request, *args, **kwargs):
        process_pk, task_pk = kwargs["process_pk"], kwargs["task_pk"]

        def call():
            # The person's permissions on the plan are read once for the whole page.
            remember_plan_perms(request.user)
            task = load_task(node, request, process_pk, task_pk)
            request.activation = node.activation_class(task)
            if execute:
                _check_execute(node, request.user, task)
                # In memory only: a draft save must leave the stored status NEW or ASSIGNED.
                request.activation.start(request)
            return origin_view(request, *args, **kwargs)

        try:
            if request.method == "POST":
                # The flow's lock is a transaction already: no savepoint of our own inside it.
                # Each chain's head row is written once, as the page's transaction ends.
                with (
                    node.flow_class.lock(process_pk),
                    transaction.atomic(savepoint=False),
                    head_writes_deferred(),
                ):
                    return call()
            return call()
        except PlanError as error:
            report_refusal(request, error)
        except TransitionNotAllowed:
            messages.info(request, rules.TASK_CLOSED)
        except FlowLockFailed:
            messages.warning(request, FLOW_BUSY)
        return redirect(node.reverse("detail", args=[process_pk, task_pk]))

    update_wrapper(view, origin_view)
    return view


def step_page(node, view):
    """Wrap a step's own page exactly as its form is (see ``Task.Pages``)."""
    return _task_page(node, view, execute=True)


def _check_execute(node, user, task) -> None:
    """Refuse to open a task's form to anyone but its holder, on an open task, active plan."""
    if not rules.holds_task_permission(user, task):
        raise PlanError.not_allowed()
    rules.check_open(task)
    if task.status == STATUS.NEW:
        raise PlanError([rules.TASK_NOT_CLAIMED])
    if not is_owner(task.owner, user):
        raise PlanError.not_allowed()


class PlanPagesMixin:
    """Task pages behind the plan's visibility; viewflow's undo, revive and cancel off."""

    detail_view_class = TaskDetailView
    undo_view_class = None
    revive_view_class = None
    cancel_view_class = None

    @property
    def index_path(self):
        return path(
            f"<id:process_pk>/{self.name}/<id:task_pk>/",
            _task_page(self, self.index_view),
            name="index",
        )

    @property
    def detail_path(self):
        return path(
            f"<id:process_pk>/{self.name}/<id:task_pk>/detail/",
            _task_page(self, self.detail_view),
            name="detail",
        )

    def can_view(self, user, task):
        """Return True if the user may see the task's plan."""
        return plan_visible(user, task.process.coerced.plan_id)


class Start(PlanPagesMixin, flow.Start):
    """The launch: a start view for the lead."""


class If(PlanPagesMixin, flow.If):
    """A gate that routes on the plan's state."""


class End(PlanPagesMixin, flow.End):
    """The end of the flow."""


class Task(PlanPagesMixin, flow.View):
    """A human task offered to the holders of an object permission on the plan.

    Taking on, working on and releasing need that permission on the plan now (a revoked role
    loses them at once) and an active plan; working and releasing also need ownership. The
    lead and the plan's facilitators may hand an open task to another holder. Every change of
    hands runs a service in ``flows/rules.py`` that records it.
    """

    index_view_class = TaskIndexView
    assign_view_class = AssignView
    unassign_view_class = UnassignView
    reassign_view_class = ReassignView

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._pages = []

    def Pages(self, *pages):  # noqa: N802 (viewflow's node-builder style)
        """Add pages of this step under its task's URL: ``(slug, view)`` pairs, or
        ``(slug, route, view)`` with a route of its own (``meeting/<id:meeting_pk>/``).

        Each opens like the task's form (``execute``): the task is found in its process and
        node, the plan visible and active, the person holds the task; a draft save there must
        never save the task. Reversed as ``page_<slug>``.
        """
        self._pages.extend(pages)
        return self

    def _get_urls(self):
        urlpatterns = super()._get_urls()
        for page in self._pages:
            slug, route, view = page if len(page) == 3 else (page[0], f"{page[0]}/", page[1])
            urlpatterns.append(
                path(
                    f"<id:process_pk>/{self.name}/<id:task_pk>/{route}",
                    step_page(self, view),
                    name=f"page_{slug}",
                )
            )
        return urlpatterns

    @property
    def view_path(self):
        return path(
            f"<id:process_pk>/{self.name}/<id:task_pk>/execute/",
            _task_page(self, self.view, execute=True),
            name="execute",
        )

    @property
    def assign_path(self):
        return path(
            f"<id:process_pk>/{self.name}/<id:task_pk>/assign/",
            _task_page(self, self.assign_view),
            name="assign",
        )

    @property
    def unassign_path(self):
        return path(
            f"<id:process_pk>/{self.name}/<id:task_pk>/unassign/",
            _task_page(self, self.unassign_view),
            name="unassign",
        )

    @property
    def reassign_path(self):
        return path(
            f"<id:process_pk>/{self.name}/<id:task_pk>/reassign/",
            _task_page(self, self.reassign_view),
            name="reassign",
        )

    # What viewflow asks to decide which actions a task page offers.

    def can_assign(self, user, task):
        return task.owner_id is None and _active(task) and rules.holds_task_permission(user, task)

    def can_execute(self, user, task):
        return (
            task.owner_id is not None
            and is_owner(task.owner, user)
            and _active(task)
            and rules.holds_task_permission(user, task)
        )

    def can_unassign(self, user, task):
        return task.owner_id is not None and is_owner(task.owner, user) and _active(task)


def _active(task) -> bool:
    return rules.plan_is_active(task.process.coerced.plan)
