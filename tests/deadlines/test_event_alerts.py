"""Told when work reaches you (issue 21, point 5): each event of the flow reaches the right
people, in the app at once and by e-mail or digest pending for the next sweep, keyed on the
audit event that records it; nobody is told of what they did themselves."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from viewflow.workflow.status import STATUS

from flows.services import membership_revoke
from plm_workflow.accounts.services import membership_grant
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.events import event_alerts_queue
from plm_workflow.deadlines.models import Alert, AlertKind, Channel, DeliveryState
from plm_workflow.plans.models import Review
from plm_workflow.profiles.models import Notifications, Profile
from plm_workflow.roles import Role
from tests.factories import PlanFactory, UserFactory, plan_step
from tests.flows.helpers import claim, open_task, url

pytestmark = pytest.mark.django_db

K = EventKind


def told(kind, **filters):
    """Return {(recipient username, channel, state)} of the rows of that kind."""
    rows = Alert.objects.filter(kind=kind, **filters).select_related("recipient")
    return {(row.recipient.username, row.channel, row.state) for row in rows}


def in_app_and_email(*usernames):
    return {
        row
        for name in usernames
        for row in (
            (name, Channel.IN_APP, DeliveryState.SENT),
            (name, Channel.EMAIL, DeliveryState.PENDING),
        )
    }


def last_event(plan, kind):
    return Event.objects.filter(plan=plan, kind=kind).latest("seq")


def test_a_task_offered_at_launch_tells_each_coordinator_who_may_take_it(flow_plan):
    created = last_event(flow_plan, K.TASK_CREATED)

    assert told(AlertKind.TASK_OFFERED) == in_app_and_email("coord-saluzzo", "coord-saluzzo-2")
    rows = Alert.objects.filter(kind=AlertKind.TASK_OFFERED)
    assert {(row.event_id, row.step_id, row.plan_id) for row in rows} == {
        (created.pk, None, flow_plan.pk)
    }
    assert {row.due for row in rows} == {open_task(flow_plan).step.due}
    # Read nowhere yet, and nothing else told to anyone.
    assert {row.read_at for row in rows} == {None}
    assert Alert.objects.exclude(kind=AlertKind.TASK_OFFERED).count() == 0


def test_a_task_assigned_at_creation_tells_its_holder_only(db):
    coordinator = UserFactory(username="sole-coordinator")

    plan = PlanFactory(coordinator=coordinator)

    assert told(AlertKind.TASK_ASSIGNED) == in_app_and_email("sole-coordinator")
    assert Alert.objects.get(kind=AlertKind.TASK_ASSIGNED, channel=Channel.IN_APP).event == (
        last_event(plan, K.TASK_CREATED)
    )
    assert not Alert.objects.filter(kind=AlertKind.TASK_OFFERED).exists()


def test_taking_a_task_on_tells_nobody_and_a_handover_tells_the_new_holder(
    client, flow_plan, coordinator, coordinator2, lead
):
    task = open_task(flow_plan)
    before = Alert.objects.count()
    claim(client, coordinator, task)
    assert Alert.objects.count() == before

    client.force_login(lead)
    client.post(url(task, "reassign"), {"to": coordinator2.pk})

    reassigned = last_event(flow_plan, K.TASK_REASSIGNED)
    assert told(AlertKind.TASK_ASSIGNED, event=reassigned) == in_app_and_email("coord-saluzzo-2")
    assert Alert.objects.count() == before + 2


def test_a_released_task_is_offered_again_to_the_others_not_to_who_released_it(
    client, flow_plan, coordinator
):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    client.post(url(task, "unassign"))

    task.refresh_from_db()
    assert task.status == STATUS.NEW
    released = last_event(flow_plan, K.TASK_RELEASED)
    assert told(AlertKind.TASK_OFFERED, event=released) == in_app_and_email("coord-saluzzo-2")


def test_a_revoked_coordinators_task_is_offered_to_the_coordinators_left(
    client, flow_plan, coordinator, lead
):
    claim(client, coordinator, open_task(flow_plan))

    membership_revoke(user=coordinator, role="coordinator", comune=flow_plan.comune, by=lead)

    released = last_event(flow_plan, K.TASK_RELEASED)
    assert told(AlertKind.TASK_OFFERED, event=released) == in_app_and_email("coord-saluzzo-2")


def test_submitted_work_offers_its_check_to_the_facilitators(flow_plan, coordinator):
    plan_step(flow_plan, by=coordinator)

    created = last_event(flow_plan, K.TASK_CREATED)
    assert told(AlertKind.TASK_OFFERED, event=created) == in_app_and_email(
        "facilitator", "facilitator-2"
    )


def test_a_returned_step_tells_the_coordinators_and_keeps_the_way_to_its_comments(
    flow_plan, coordinator, facilitator
):
    plan_step(flow_plan, by=coordinator)
    before = Alert.objects.count()

    plan_step(flow_plan, by=facilitator, decision="returned", comments="Manca la mappa.")

    returned = last_event(flow_plan, K.TASK_RETURNED)
    assert told(AlertKind.STEP_RETURNED) == in_app_and_email("coord-saluzzo", "coord-saluzzo-2")
    assert set(
        Alert.objects.filter(kind=AlertKind.STEP_RETURNED).values_list("event", flat=True)
    ) == {returned.pk}
    # The event leads to the task to work on again and to the review and its comments.
    task = open_task(flow_plan)
    assert returned.payload["concerns"]["task"] == task.pk
    review = Review.objects.get(pk=returned.payload["concerns"]["review"])
    assert review.comments == "Manca la mappa."
    # The return says it: the task created again is not told as offered besides, and the
    # facilitators are told nothing.
    assert Alert.objects.count() == before + 4


def test_a_returned_task_held_by_its_sole_coordinator_tells_that_holder(db):
    coordinator = UserFactory(username="sole-coordinator")
    facilitator = UserFactory(username="sole-facilitator")
    plan = PlanFactory(coordinator=coordinator, facilitator=facilitator, at="check_assessment")

    plan_step(plan, by=facilitator, decision="returned", comments="Manca la mappa.")

    assert open_task(plan).owner == coordinator
    assert told(AlertKind.STEP_RETURNED) == in_app_and_email("sole-coordinator")


def test_an_approved_step_tells_the_coordinators_not_the_facilitators(
    flow_plan, coordinator, facilitator
):
    plan_step(flow_plan, by=coordinator)

    plan_step(flow_plan, by=facilitator, decision="approved")

    decided = last_event(flow_plan, K.REVIEW_DECIDED)
    assert told(AlertKind.STEP_APPROVED, event=decided) == in_app_and_email(
        "coord-saluzzo", "coord-saluzzo-2"
    )
    assert told(AlertKind.STEP_APPROVED) == told(AlertKind.STEP_APPROVED, event=decided)
    # The next phase's task is offered to them too, told in the same click.
    created = last_event(flow_plan, K.TASK_CREATED)
    assert told(AlertKind.TASK_OFFERED, event=created) == in_app_and_email(
        "coord-saluzzo", "coord-saluzzo-2"
    )
    assert not Alert.objects.filter(kind=AlertKind.PLAN_ADOPTED).exists()


def test_an_adoption_tells_the_coordinators_and_the_other_facilitators(db):
    coordinator = UserFactory(username="sole-coordinator")
    facilitator = UserFactory(username="sole-facilitator")
    plan = PlanFactory(coordinator=coordinator, facilitator=facilitator, at="verify_adoption")
    other = UserFactory(username="other-facilitator")
    membership_grant(user=other, comune=plan.comune, role=Role.FACILITATOR)

    plan_step(plan, by=facilitator, decision="approved")

    decided = last_event(plan, K.REVIEW_DECIDED)
    assert told(AlertKind.PLAN_ADOPTED, event=decided) == in_app_and_email(
        "sole-coordinator", "other-facilitator"
    )
    assert not Alert.objects.filter(kind=AlertKind.STEP_APPROVED, event=decided).exists()


@pytest.mark.parametrize(
    ("choice", "email", "rows"),
    [
        (Notifications.EMAIL, "a@example.org", {Channel.IN_APP, Channel.EMAIL}),
        (Notifications.DIGEST, "a@example.org", {Channel.IN_APP, Channel.DIGEST}),
        (Notifications.IN_APP, "a@example.org", {Channel.IN_APP}),
        (Notifications.EMAIL, "", {Channel.IN_APP}),
    ],
    ids=["email", "digest", "in-app-only", "no-address"],
)
def test_each_person_is_told_as_they_chose(
    client, flow_plan, coordinator2, lead, choice, email, rows
):
    Profile.objects.update_or_create(user=coordinator2, defaults={"notifications": choice})
    coordinator2.email = email
    coordinator2.save()
    task = open_task(flow_plan)
    client.force_login(lead)

    client.post(url(task, "reassign"), {"to": coordinator2.pk})

    reassigned = last_event(flow_plan, K.TASK_REASSIGNED)
    found = Alert.objects.filter(event=reassigned, recipient=coordinator2)
    assert set(found.values_list("channel", flat=True)) == rows


def test_a_deactivated_coordinator_is_not_told(db):
    coordinator, gone = UserFactory(username="coordinator"), UserFactory(username="gone")
    facilitator = UserFactory(username="facilitator")
    plan = PlanFactory(coordinator=coordinator, facilitator=facilitator, at="check_assessment")
    membership_grant(user=gone, comune=plan.comune, role=Role.COORDINATOR)
    gone.is_active = False
    gone.save()

    plan_step(plan, by=facilitator, decision="approved")

    assert told(AlertKind.STEP_APPROVED) == in_app_and_email("coordinator")


def test_no_row_is_kept_when_the_change_is_undone(client, flow_plan, coordinator2, lead):
    task = open_task(flow_plan)
    before = Alert.objects.count()
    from flows.services import task_reassign

    class Undo(Exception):
        pass

    task.refresh_from_db()
    with pytest.raises(Undo), transaction.atomic():
        task_reassign(activation=task.flow_task.activation_class(task), to=coordinator2, by=lead)
        assert Alert.objects.count() == before + 2
        raise Undo

    assert Alert.objects.count() == before


def test_telling_an_event_again_writes_nothing_new(flow_plan):
    created = last_event(flow_plan, K.TASK_CREATED)
    before = Alert.objects.count()

    result = event_alerts_queue(event=created, plan=flow_plan, now=timezone.now())

    assert (result.in_app, result.email, Alert.objects.count()) == (0, 0, before)


@pytest.mark.parametrize("people", [2, 12])
def test_telling_an_event_costs_the_same_whatever_the_number_of_people(
    flow_plan, django_assert_num_queries, people
):
    for n in range(people - 2):
        membership_grant(
            user=UserFactory(username=f"more-{n}"), comune=flow_plan.comune, role=Role.COORDINATOR
        )
    created = last_event(flow_plan, K.TASK_CREATED)
    Alert.objects.all().delete()

    # The task's row, the people who may take it, their addresses and choices, the insert (no
    # savepoint of its own: the caller's transaction holds it).
    with django_assert_num_queries(4):
        result = event_alerts_queue(event=created, plan=flow_plan, now=timezone.now())

    assert (result.in_app, result.email) == (people, people)


def test_the_next_sweep_sends_each_event_e_mail_once_in_its_recipients_language(
    flow_plan, coordinator, coordinator2, facilitator, mailoutbox, settings
):
    settings.PLM_SITE_URL = "https://plm.example.org"
    Profile.objects.update_or_create(user=coordinator, defaults={"language": "it"})
    Profile.objects.update_or_create(user=coordinator2, defaults={"language": "en"})
    plan_step(flow_plan, by=coordinator)
    plan_step(flow_plan, by=facilitator, decision="returned", comments="Manca la mappa.")
    returned = Alert.objects.filter(kind=AlertKind.STEP_RETURNED, channel=Channel.EMAIL)
    assert set(returned.values_list("state", flat=True)) == {DeliveryState.PENDING}
    task = open_task(flow_plan)
    # In the morning of the next working day, as cron runs it.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    now = f"{tomorrow.isoformat()}T09:00"

    call_command("send_deadline_alerts", "--now", now, stdout=io.StringIO())
    call_command("send_deadline_alerts", "--now", now, stdout=io.StringIO())

    about = [m for m in mailoutbox if "Manca la mappa." in m.body]
    assert sorted(m.to[0] for m in about) == [
        "coord-saluzzo-2@example.org",
        "coord-saluzzo@example.org",
    ]
    by = {m.to[0]: m for m in about}
    link = f"https://plm.example.org/home/plm/{task.process_id}/assess/{task.pk}/"
    english, italian = by["coord-saluzzo-2@example.org"], by["coord-saluzzo@example.org"]
    assert "Needs assessment" in english.body and link in english.body
    assert "Analisi dei fabbisogni" in italian.body and link in italian.body
    assert "Needs assessment" not in italian.body
    assert set(returned.values_list("state", flat=True)) == {DeliveryState.SENT}
