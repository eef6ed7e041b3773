"""Overdue and due-soon tasks flagged in words in the inbox, the queue and the plan list, with
colour as an aid; closed tasks and quiet plans are not flagged; no query more."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plm_workflow.deadlines.models import StepTask
from plm_workflow.plans.services import plan_suspend
from plm_workflow.roles import Role
from tests.factories import ComuneFactory, PlanFactory
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

INBOX, QUEUE, PLANS = reverse("home:inbox"), reverse("home:queue"), reverse("home:plans")
DAY = datetime.timedelta(days=1)
FLAG = re.compile(r'<span class="plm-due-flag plm-due-flag--(\w+)">([^<]+)</span>')


def _due_in(plan, days: int):
    """Move the due date of the plan's open task ``days`` from today (negative: past)."""
    StepTask.objects.filter(plan=plan, closed_at__isnull=True).update(
        due=timezone.localdate() + days * DAY
    )


def _row(html, attribute, pk) -> str:
    match = re.search(
        rf'<tr class="plm-(?:task|plan)"[^>]* {attribute}="{pk}">.*?</tr>', html, re.S
    )
    assert match, f"no row {attribute}={pk}"
    return match.group(0)


def _state(row) -> str | None:
    found = re.search(r'data-due-state="(\w+)"', row)
    return found.group(1) if found else None


def _get(client, person, address):
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def _coordinator(plan):
    return plan.comune.memberships.get(role=Role.COORDINATOR).user


@pytest.fixture
def plans():
    """Three plans of one coordinator: their assessments held by them (in their inbox)."""
    first = PlanFactory(comune=ComuneFactory(istat_code="071051", name="San Severo"))
    person = _coordinator(first)
    others = [
        PlanFactory(comune=ComuneFactory(istat_code=code, name=name), coordinator=person)
        for code, name in (("009002", "Albenga"), ("004203", "Saluzzo"))
    ]
    return [first, *others]


@pytest.mark.parametrize(
    ("days", "state", "label"),
    [
        (-3, "overdue", "Overdue"),
        (0, "soon", "Due soon"),
        (2, "soon", "Due soon"),
        (40, None, None),
    ],
)
def test_the_inbox_flags_an_overdue_or_due_soon_task_in_words(client, plans, days, state, label):
    plan = plans[0]
    _due_in(plan, days)

    html = _get(client, _coordinator(plan), INBOX)

    row = _row(html, "data-task", open_task(plan).pk)
    assert _state(row) == state
    assert FLAG.findall(row) == ([(state, label)] if state else [])


def test_the_queue_flags_an_offered_overdue_task(client, flow_plan, coordinator):
    _due_in(flow_plan, -10)

    html = _get(client, coordinator, QUEUE)

    row = _row(html, "data-task", open_task(flow_plan).pk)
    assert FLAG.findall(row) == [("overdue", "Overdue")]
    assert "10 days overdue" in row


def test_the_plan_list_flags_active_plans_and_leaves_suspended_ones_quiet(client, plans, lead):
    late, soon, quiet = plans
    _due_in(late, -1)
    _due_in(soon, 1)
    _due_in(quiet, -30)
    plan_suspend(plan=quiet, by=lead, reason="Elezioni comunali")

    html = _get(client, lead, PLANS)

    assert FLAG.findall(_row(html, "data-plan", late.pk)) == [("overdue", "Overdue")]
    assert FLAG.findall(_row(html, "data-plan", soon.pk)) == [("soon", "Due soon")]
    assert _state(_row(html, "data-plan", quiet.pk)) is None
    due = (timezone.localdate() - DAY).strftime("%d/%m/%Y")
    assert f"due {due}" in _row(html, "data-plan", late.pk)


def test_the_archive_flags_no_closed_task(client, plans):
    from tests.factories import plan_step

    plan = plans[0]
    person = _coordinator(plan)
    plan_step(plan, by=person, text="Fatto.")
    StepTask.objects.filter(plan=plan).update(due=timezone.localdate() - 5 * DAY)

    html = _get(client, person, reverse("home:archive"))

    assert 'data-task="' in html
    assert FLAG.findall(html) == []


def _queries(client, person, address):
    _get(client, person, address)
    with CaptureQueriesContext(connection) as captured:
        _get(client, person, address)
    return len(captured)


@pytest.mark.parametrize("address", [INBOX, PLANS])
def test_flags_cost_no_query(client, plans, lead, address):
    person = lead if address == PLANS else _coordinator(plans[0])
    for plan in plans:
        _due_in(plan, 40)
    quiet = _queries(client, person, address)
    for days, plan in zip((-5, 0, 3), plans, strict=True):
        _due_in(plan, days)

    flagged = _queries(client, person, address)

    assert len(FLAG.findall(_get(client, person, address))) == 3
    assert flagged == quiet
