"""Helpers for tests that drive the PLM flow over HTTP."""

from viewflow.workflow.status import STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def open_task(plan):
    """Return the plan's one open human task."""
    return plan.process.task_set.filter(status__in=OPEN, flow_task_type="HUMAN").get()


def url(task, name):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])
