"""A person's notifications: the unread count, the list of their own rows, marking them read."""

import datetime

import pytest
from django.utils import timezone, translation

from plm_workflow.accounts.selectors import plans_visible_to
from plm_workflow.accounts.services import role_revoke
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.models import Alert, AlertKind, Channel, DeliveryState
from plm_workflow.deadlines.notifications import (
    NO_LONGER_VISIBLE,
    NOT_YOURS,
    NotificationError,
    notification_read,
    notification_sentence,
    notifications_of,
    notifications_read_all,
    unread_count,
)
from plm_workflow.plans.models import Plan
from plm_workflow.roles import Role
from tests.factories import ComuneFactory, PlanFactory, UserFactory

pytestmark = pytest.mark.django_db


def notify(person, plan, kind=AlertKind.OVERDUE, *, channel=Channel.IN_APP, read=False, due=None):
    """One alert row for ``person`` about the plan's open task, as the writer leaves it."""
    step = plan.step_tasks.filter(closed_at__isnull=True).first()
    stage = kind in (AlertKind.DUE_IN_7, AlertKind.DUE_IN_1, AlertKind.DUE_TODAY, AlertKind.OVERDUE)
    in_app = channel == Channel.IN_APP
    return Alert.objects.create(
        plan=plan,
        step=step,
        kind=kind,
        recipient=person,
        channel=channel,
        due=due or (step.due if stage else None),
        state=DeliveryState.SENT if in_app else DeliveryState.PENDING,
        read_at=timezone.now() if read else None,
    )


def _people(plan):
    memberships = plan.comune.memberships
    coordinator = memberships.get(role=Role.COORDINATOR).user
    facilitator = memberships.get(role=Role.FACILITATOR).user
    return coordinator, facilitator


@pytest.fixture
def plan():
    """San Severo's plan, its people told nothing yet (the rows its launch wrote cleared)."""
    plan = PlanFactory(
        comune=ComuneFactory(istat_code="071051", name="San Severo", province_code="FG")
    )
    Alert.objects.all().delete()
    return plan


def _state():
    return sorted(Alert.objects.values_list("pk", "read_at"))


def test_the_unread_count_counts_only_the_persons_unread_in_app_rows(plan):
    coordinator, facilitator = _people(plan)
    notify(coordinator, plan)
    notify(coordinator, plan, AlertKind.DUE_IN_7, due=datetime.date(2031, 1, 1))
    notify(coordinator, plan, AlertKind.DUE_TODAY, read=True)
    notify(coordinator, plan, AlertKind.DUE_IN_1, channel=Channel.EMAIL)
    notify(facilitator, plan)

    assert unread_count(coordinator) == 2
    assert unread_count(facilitator) == 1
    assert unread_count(UserFactory()) == 0


def test_the_unread_count_is_one_query(plan, django_assert_num_queries):
    coordinator, _facilitator = _people(plan)
    notify(coordinator, plan)

    with django_assert_num_queries(1):
        assert unread_count(coordinator) == 1


def test_the_list_holds_only_the_persons_in_app_rows_newest_first(plan):
    coordinator, facilitator = _people(plan)
    first = notify(coordinator, plan, AlertKind.DUE_IN_7, due=datetime.date(2031, 1, 1))
    second = notify(coordinator, plan, AlertKind.DUE_IN_1, due=datetime.date(2031, 1, 2))
    Alert.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=2))
    notify(coordinator, plan, AlertKind.OVERDUE, channel=Channel.EMAIL)
    notify(facilitator, plan)

    rows = list(notifications_of(coordinator, visible_plans=plans_visible_to(coordinator)))

    assert [row.pk for row in rows] == [second.pk, first.pk]
    assert all(row.plan_visible for row in rows)


def test_an_auditor_lists_only_their_own_rows(plan, auditor):
    coordinator, _facilitator = _people(plan)
    notify(coordinator, plan)
    mine = notify(auditor, plan, AlertKind.PLAN_ADOPTED)

    rows = list(notifications_of(auditor, visible_plans=plans_visible_to(auditor)))

    assert [row.pk for row in rows] == [mine.pk]


def test_a_row_about_a_plan_no_longer_visible_tells_nothing_of_it(plan, lead):
    coordinator, _facilitator = _people(plan)
    notify(coordinator, plan)
    role_revoke(user=coordinator, role=Role.COORDINATOR, comune=plan.comune, by=lead)

    (row,) = notifications_of(coordinator, visible_plans=plans_visible_to(coordinator))

    assert row.plan_visible is False
    sentence = notification_sentence(row, plan_visible=row.plan_visible)
    assert sentence == str(NO_LONGER_VISIBLE)
    assert "San Severo" not in sentence


def test_a_stage_tells_the_task_the_comune_and_the_due_date_with_its_weekday(plan):
    coordinator, _facilitator = _people(plan)
    overdue = notify(coordinator, plan, AlertKind.OVERDUE, due=datetime.date(2023, 4, 3))
    soon = notify(coordinator, plan, AlertKind.DUE_IN_1, due=datetime.date(2023, 4, 10))

    with translation.override("en"):
        assert notification_sentence(overdue) == (
            "The task “Needs assessment” of San Severo (FG) was due on Monday 3 April 2023: "
            "it is overdue."
        )
        assert notification_sentence(soon) == (
            "The task “Needs assessment” of San Severo (FG) is due on Monday 10 April 2023, "
            "the next working day."
        )


def test_every_kind_has_a_sentence_naming_the_comune(plan):
    coordinator, _facilitator = _people(plan)
    for kind in AlertKind.values:
        alert = notify(coordinator, plan, kind, due=datetime.date(2031, 1, 6 + len(kind) % 20))
        with translation.override("en"):
            sentence = notification_sentence(alert)
        assert "San Severo (FG)" in sentence, kind
        assert "%(" not in sentence, kind


def test_marking_ones_own_notification_read(plan):
    coordinator, _facilitator = _people(plan)
    alert = notify(coordinator, plan)
    other = notify(coordinator, plan, AlertKind.DUE_TODAY)
    moment = timezone.now()

    notification_read(alert_id=alert.pk, by=coordinator, now=moment)

    alert.refresh_from_db()
    other.refresh_from_db()
    assert alert.read_at == moment
    assert other.read_at is None
    assert unread_count(coordinator) == 1


def test_marking_a_read_notification_again_keeps_when_it_was_read(plan):
    coordinator, _facilitator = _people(plan)
    alert = notify(coordinator, plan, read=True)
    first = Alert.objects.get(pk=alert.pk).read_at

    notification_read(alert_id=alert.pk, by=coordinator)

    assert Alert.objects.get(pk=alert.pk).read_at == first


@pytest.mark.parametrize("whose", ["another's", "e-mail", "missing", "none"])
def test_another_persons_or_a_forged_id_is_refused_and_nothing_changes(plan, whose):
    coordinator, facilitator = _people(plan)
    theirs = notify(facilitator, plan)
    email = notify(coordinator, plan, channel=Channel.EMAIL)
    notify(coordinator, plan, AlertKind.DUE_TODAY)
    alert_id = {
        "another's": theirs.pk,
        "e-mail": email.pk,
        "missing": Alert.objects.order_by("-pk")[0].pk + 100,
        "none": None,
    }[whose]
    before = _state()

    with pytest.raises(NotificationError) as refused:
        notification_read(alert_id=alert_id, by=coordinator)

    assert refused.value.message == str(NOT_YOURS)
    assert _state() == before


def test_marking_all_read_marks_only_the_persons_unread_in_app_rows(plan):
    coordinator, facilitator = _people(plan)
    mine = [notify(coordinator, plan), notify(coordinator, plan, AlertKind.DUE_TODAY)]
    already = notify(coordinator, plan, AlertKind.DUE_IN_1, read=True)
    email = notify(coordinator, plan, AlertKind.DUE_IN_7, channel=Channel.EMAIL)
    theirs = notify(facilitator, plan)
    was_read = Alert.objects.get(pk=already.pk).read_at

    count = notifications_read_all(by=coordinator)

    assert count == 2
    assert unread_count(coordinator) == 0
    assert all(Alert.objects.get(pk=alert.pk).read_at for alert in mine)
    assert Alert.objects.get(pk=already.pk).read_at == was_read
    assert Alert.objects.get(pk=email.pk).read_at is None
    assert Alert.objects.get(pk=theirs.pk).read_at is None


def test_an_auditor_may_mark_their_own_read_and_no_one_elses(plan, auditor):
    coordinator, _facilitator = _people(plan)
    mine = notify(auditor, plan, AlertKind.PLAN_ADOPTED)
    theirs = notify(coordinator, plan)

    notification_read(alert_id=mine.pk, by=auditor)
    with pytest.raises(NotificationError):
        notification_read(alert_id=theirs.pk, by=auditor)

    assert Alert.objects.get(pk=mine.pk).read_at is not None
    assert Alert.objects.get(pk=theirs.pk).read_at is None
    assert Plan.objects.filter(pk=plan.pk).exists()


def told_of_event(person, plan, event_kind, kind):
    """The in-app row of an event of the plan (its latest of ``event_kind``), as the flow's
    services write it: keyed on the event, no step."""
    event = Event.objects.filter(plan=plan, kind=event_kind).latest("seq")
    return Alert.objects.create(
        plan=plan,
        event=event,
        kind=kind,
        recipient=person,
        channel=Channel.IN_APP,
        state=DeliveryState.SENT,
    )


def test_an_events_notification_names_the_task_its_event_names(plan):
    coordinator, _facilitator = _people(plan)
    alert = told_of_event(coordinator, plan, EventKind.TASK_CREATED, AlertKind.TASK_ASSIGNED)

    with translation.override("en"):
        sentence = notification_sentence(alert)

    assert sentence == "The task “Needs assessment” of San Severo (FG) is assigned to you."


def test_an_approval_names_the_work_approved_not_the_check():
    plan = PlanFactory(
        comune=ComuneFactory(istat_code="071051", name="San Severo", province_code="FG"),
        at="convene_tables",
    )
    Alert.objects.all().delete()  # the rows its steps wrote
    coordinator, _facilitator = _people(plan)
    alert = told_of_event(coordinator, plan, EventKind.REVIEW_DECIDED, AlertKind.STEP_APPROVED)

    with translation.override("en"):
        sentence = notification_sentence(alert)

    assert sentence == "The task “Needs assessment” of San Severo (FG) was approved."


def test_an_escalated_check_says_it_went_to_the_lead_only():
    plan = PlanFactory(
        comune=ComuneFactory(istat_code="071051", name="San Severo", province_code="FG"),
        at="check_assessment",
    )
    Alert.objects.all().delete()  # the rows its steps wrote
    _coordinator, facilitator = _people(plan)
    alert = notify(facilitator, plan, AlertKind.ESCALATION, due=datetime.date(2023, 4, 3))

    with translation.override("en"):
        sentence = notification_sentence(alert)

    assert sentence == (
        "The task “Check the needs assessment” of San Severo (FG) was due on Monday 3 April "
        "2023 and is still not done: escalated to the lead facilitator."
    )
