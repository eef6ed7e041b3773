"""The notification list: a person's own notifications, newest first, and marking them read."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views import View, generic

from plm_workflow.accounts.selectors import plans_visible_to
from plm_workflow.deadlines.notifications import (
    NotificationError,
    event_task,
    notification_read,
    notification_sentence,
    notifications_of,
    notifications_read_all,
)
from plm_workflow.formats.prose import prose_moment
from plm_workflow.ids import parse_id

from .flows import PLMFlow
from .views import process_url

PAGE_SIZE = 25
TITLE = _("Notifications")
NONE_UNREAD = _("You have no unread notification: nothing was marked.")


def _nodes() -> dict:
    return {node.name: node for node in PLMFlow.instance.nodes()}


def _link(alert, visible: bool, nodes: dict) -> str | None:
    """Return where a notification leads: its task's page (its step's, or the one its event
    names), else its plan's; none for a plan the person no longer sees."""
    if not visible:
        return None
    step = alert.step
    if step is not None:
        task = step.task
        return task.flow_task.reverse("index", args=[task.process_id, task.pk])
    process = getattr(alert.plan, "process", None)
    if process is None:
        return None
    name, task_pk = event_task(alert.event)
    node = nodes.get(name)
    if node is not None and task_pk is not None:
        return node.reverse("index", args=[process.pk, task_pk])
    return process_url(process)


class NotificationListView(generic.TemplateView):
    """The person's notifications, 25 a page, in a constant number of queries: the page's
    rows with their plan, comune, task and process in one, their count in another."""

    template_name = "plm_workflow/notifications.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = notifications_of(user, visible_plans=plans_visible_to(user)).select_related(
            "plan__process", "step__task"
        )
        page = Paginator(rows, PAGE_SIZE).get_page(self.request.GET.get("page"))
        nodes = _nodes()
        for alert in page:
            alert.sentence = notification_sentence(alert, plan_visible=alert.plan_visible)
            alert.url = _link(alert, alert.plan_visible, nodes)
            alert.when = prose_moment(alert.created_at)
            alert.unread = alert.read_at is None
        context.update(title=TITLE, page_obj=page)
        return context


def _back(request):
    """The list again, at the page the person was on."""
    address = reverse("notifications")
    page = parse_id(request.POST.get("page"))
    return redirect(f"{address}?page={page}" if page and page > 1 else address)


class NotificationReadView(View):
    """Mark one of the person's notifications read (POST ``alert``: its id)."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            notification_read(alert_id=parse_id(request.POST.get("alert")), by=request.user)
        except NotificationError as error:
            messages.error(request, error.message)
        return _back(request)


class NotificationsReadAllView(View):
    """Mark all of the person's unread notifications read."""

    http_method_names = ["post"]

    def post(self, request):
        count = notifications_read_all(by=request.user)
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d notification marked as read.",
                    "%(count)d notifications marked as read.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, NONE_UNREAD)
        return _back(request)
