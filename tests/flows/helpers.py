"""Helpers for tests that drive the PLM flow over HTTP."""

from viewflow.workflow.status import STATUS

OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def open_task(plan):
    """Return the plan's one open human task."""
    return plan.process.task_set.filter(status__in=OPEN, flow_task_type="HUMAN").get()


def url(task, name):
    return task.flow_task.reverse(name, args=[task.process_id, task.pk])


def claim(client, person, task):
    """Take the task on as the person, over HTTP."""
    client.force_login(person)
    response = client.post(url(task, "assign"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, person)


def submit(client, person, task, text):
    """Take the work task on and submit its note."""
    claim(client, person, task)
    response = client.post(url(task, "execute"), {"text": text, "_submit": "1"})
    assert response.status_code == 302, response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, person)


def decide(client, person, task, decision, comments=""):
    """Take the check task on and record the decision."""
    claim(client, person, task)
    response = client.post(url(task, "execute"), {"decision": decision, "comments": comments})
    assert response.status_code == 302, response.content.decode()
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.DONE, person)


WORK_NODES = ("assess", "convene_tables", "draft", "record_adoption")


def advance(client, plan, node, *, coordinator, facilitator):
    """Work and approve the plan's steps over HTTP until its open task is at ``node``."""
    for _step in range(12):
        task = open_task(plan)
        if task.flow_task.name == node:
            return task
        if task.flow_task.name in WORK_NODES:
            submit(client, coordinator, task, "Fatto.")
        else:
            decide(client, facilitator, task, "approved")
    raise AssertionError(f"the flow never reached {node}")
