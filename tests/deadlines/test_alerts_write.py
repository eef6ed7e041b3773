"""The one writer of alert rows: in-app at once, e-mail or digest as chosen, never twice."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from plm_workflow.deadlines.alerts import Notice, alerts_write
from plm_workflow.deadlines.models import Alert, AlertKind, Channel, DeliveryState, StepTask
from plm_workflow.profiles.models import Notifications, Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 5, 8, 0, tzinfo=datetime.UTC)
DUE = datetime.date(2027, 3, 8)


@pytest.fixture
def step(flow_plan):
    return StepTask.objects.filter(plan=flow_plan, closed_at__isnull=True).get()


def person(name, *, email=None, choice=None, active=True):
    user = UserFactory(
        username=name, email=f"{name}@example.invalid" if email is None else email, is_active=active
    )
    if choice is not None:
        Profile.objects.create(user=user, notifications=choice)
    return user


def notice(step, user, kind=AlertKind.DUE_IN_1, due=DUE):
    return Notice(plan_id=step.plan_id, kind=kind, recipient_id=user.pk, step_id=step.pk, due=due)


def rows(user):
    return {
        (a.channel, a.state)
        for a in Alert.objects.filter(recipient=user, kind__in=[AlertKind.DUE_IN_1])
    }


def test_in_app_row_is_shown_at_once_and_email_waits_for_the_sweep(step):
    anna = person("anna")
    result = alerts_write([notice(step, anna)], now=NOW)
    assert rows(anna) == {
        (Channel.IN_APP, DeliveryState.SENT),
        (Channel.EMAIL, DeliveryState.PENDING),
    }
    in_app = Alert.objects.get(recipient=anna, channel=Channel.IN_APP)
    assert in_app.read_at is None and in_app.sent_at == NOW and in_app.due == DUE
    assert (result.in_app, result.email, result.digest, result.without_address) == (1, 1, 0, 0)


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        (Notifications.EMAIL, {Channel.IN_APP, Channel.EMAIL}),
        (Notifications.DIGEST, {Channel.IN_APP, Channel.DIGEST}),
        (Notifications.IN_APP, {Channel.IN_APP}),
    ],
)
def test_each_person_is_told_on_the_channel_they_chose(step, choice, expected):
    anna = person("anna", choice=choice)
    alerts_write([notice(step, anna)], now=NOW)
    assert {channel for channel, _state in rows(anna)} == expected


def test_a_person_without_an_address_is_told_in_the_app_only_and_counted(step):
    nobody = person("nobody", email="")
    result = alerts_write([notice(step, nobody)], now=NOW)
    assert rows(nobody) == {(Channel.IN_APP, DeliveryState.SENT)}
    assert result.without_address == 1


def test_a_deactivated_person_is_told_nothing(step):
    gone = person("gone", active=False)
    result = alerts_write([notice(step, gone)], now=NOW)
    assert rows(gone) == set()
    assert (result.in_app, result.email) == (0, 0)


def test_writing_the_same_notices_twice_writes_nothing_new(step):
    anna, bruno = person("anna"), person("bruno", choice=Notifications.DIGEST)
    notices = [notice(step, anna), notice(step, bruno)]
    first = alerts_write(notices, now=NOW)
    second = alerts_write(notices, now=NOW + datetime.timedelta(hours=1))
    assert (first.in_app, first.email, first.digest) == (2, 1, 1)
    assert (second.in_app, second.email, second.digest, second.rows) == (0, 0, 0, [])
    assert Alert.objects.filter(kind=AlertKind.DUE_IN_1).count() == 4


def test_another_due_date_is_another_row(step):
    anna = person("anna", choice=Notifications.IN_APP)
    alerts_write([notice(step, anna)], now=NOW)
    result = alerts_write([notice(step, anna, due=DUE + datetime.timedelta(days=7))], now=NOW)
    assert result.in_app == 1
    assert Alert.objects.filter(recipient=anna, kind=AlertKind.DUE_IN_1).count() == 2


def test_a_plan_reminder_is_keyed_by_its_day(flow_plan):
    anna = person("anna", choice=Notifications.IN_APP)
    remind = Notice(
        plan_id=flow_plan.pk, kind=AlertKind.NOT_PUBLISHED, recipient_id=anna.pk, due=DUE
    )
    assert alerts_write([remind], now=NOW).in_app == 1
    assert alerts_write([remind], now=NOW).in_app == 0


def test_a_notice_must_be_about_one_thing():
    with pytest.raises(ValueError):
        Notice(plan_id=1, kind=AlertKind.OVERDUE, recipient_id=1, step_id=1, event_id=1)
    with pytest.raises(ValueError):
        Notice(plan_id=1, kind="nonsense", recipient_id=1, step_id=1)
    with pytest.raises(ValueError):
        Notice(plan_id=1, kind=AlertKind.NOT_PUBLISHED, recipient_id=1)


@pytest.mark.parametrize("count", [1, 200])
def test_the_queries_do_not_grow_with_the_notices(step, count):
    people = [person(f"p{i}", choice=Notifications.DIGEST if i % 2 else None) for i in range(count)]
    notices = [notice(step, p) for p in people]
    with CaptureQueriesContext(connection) as queries:
        result = alerts_write(notices, now=NOW)
    assert result.in_app == count
    # One read of the people, one insert per 500 rows, and the savepoint's statements.
    assert len(queries) <= 5
