"""Reads of the PLM flow: each person's inbox, queue and archive, in one query each.

viewflow's own lists check permissions with a query per permission row and read only
model-wide permissions; these join guardian's table instead, so their cost does not grow with
the number of plans a person works on.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, F, OuterRef, QuerySet, Value
from django.db.models.functions import Concat
from guardian.models import UserObjectPermission
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from plm_workflow.accounts.selectors import plans_visible_to
from plm_workflow.plans.models import ACTIVE_STATES, Plan

from .models import PLMProcess


def processes_visible_to(user) -> QuerySet[PLMProcess]:
    """Return the processes of the plans the user may see."""
    return PLMProcess.objects.filter(plan__in=plans_visible_to(user)).select_related("plan__comune")


_RELATED = ("process__plmprocess__plan__comune", "owner", "step")


def _tasks(user, *, active_only: bool) -> QuerySet[Task]:
    plans = plans_visible_to(user)
    if active_only:
        plans = plans.filter(status__in=ACTIVE_STATES)
    return Task.objects.filter(
        flow_task_type="HUMAN", process__plmprocess__plan__in=plans
    ).select_related(*_RELATED)


def _holds_the_tasks_permission(user):
    """An ``Exists`` true when the user holds the task's permission on the task's plan."""
    return Exists(
        UserObjectPermission.objects.filter(
            user_id=user.pk,
            content_type=ContentType.objects.get_for_model(Plan),
            object_pk=OuterRef("owner_permission_obj_pk"),
        )
        .annotate(
            full_name=Concat(
                Value(f"{Plan._meta.app_label}."), "permission__codename", output_field=CharField()
            )
        )
        .filter(full_name=OuterRef("owner_permission"))
    )


def inbox_for(user) -> QuerySet[Task]:
    """Return the open tasks the user holds and may still do: in active plans the user may
    see, with the task's permission still held (a role changed since is not enough)."""
    return (
        _tasks(user, active_only=True)
        .filter(owner_id=user.pk, status=STATUS.ASSIGNED)
        .filter(_holds_the_tasks_permission(user))
    )


def queue_for(user) -> QuerySet[Task]:
    """Return the tasks offered to the user: unheld, in active visible plans, and offered to a
    permission the user holds on that very plan (superuser and model-wide rights open nothing).
    """
    return (
        _tasks(user, active_only=True)
        .filter(owner__isnull=True, status=STATUS.NEW)
        .filter(_holds_the_tasks_permission(user))
    )


def archive_for(user) -> QuerySet[Task]:
    """Return the tasks the user completed, in plans the user may still see."""
    return _tasks(user, active_only=False).filter(owner_id=user.pk, status=STATUS.DONE)


def by_due_date(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """Order tasks overdue first: the earliest due date first, undated last."""
    return tasks.order_by(F("step__due").asc(nulls_last=True), "created", "pk")
