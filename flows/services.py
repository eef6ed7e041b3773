"""Writes that move a plan and its flow together."""

from types import SimpleNamespace

from django.db import transaction

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
