"""Writes that move a plan and its flow together."""

from types import SimpleNamespace

from django.db import transaction

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import record
from plm_workflow.plans.models import Plan
from plm_workflow.plans.services import plan_launch


def flow_launch(*, by, activation=None, **fields) -> Plan:
    """Launch a plan (``plan_launch``, the lead only) and start its process, all or nothing.

    The process's first task is offered to the comune's coordinators. The launch page passes
    the start activation viewflow gave it; code and commands pass none.
    """
    with transaction.atomic():
        plan = plan_launch(by=by, **fields)
        if activation is None:
            from .flows import PLMFlow  # the flow's views import this module

            node = PLMFlow.launch
            activation = node.activation_class.create(node, None, None)
            activation.start(SimpleNamespace(user=by))
        activation.process.plan = plan
        activation.execute()
    return plan


def task_complete(*, activation, by) -> None:
    """Record that the person completed the task, then let the flow create the next one.

    Call it under the flow's lock, after the step's service: ``activation`` is the started
    activation viewflow gave the task's page.
    """
    with transaction.atomic():
        _record_task(EventKind.TASK_COMPLETED, activation, by)
        activation.execute()


def task_claim(*, activation, by) -> None:
    """Take an offered task on: it becomes the person's (the node's permission is checked)."""
    with transaction.atomic():
        activation.assign(by)
        _record_task(EventKind.TASK_CLAIMED, activation, by)


def task_release(*, activation, by) -> None:
    """Give a held task back: it is offered again to the holders of the node's permission."""
    with transaction.atomic():
        activation.unassign()
        _record_task(EventKind.TASK_RELEASED, activation, by)


def _record_task(kind, activation, by) -> None:
    record(
        kind=kind,
        actor=by,
        plan=activation.process.plan,
        payload={"task": activation.task.pk, "node": activation.flow_task.name},
    )
