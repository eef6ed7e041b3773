"""What the sweep checks as it sends: a row still due, a person who may still see the plan, a
lease that still holds, an e-mail that could be written, a server that answers."""

import datetime

import pytest
from django.core import mail
from django.core.mail import get_connection
from django.core.management import CommandError
from django.db import connection
from django.utils import timezone

from flows.services import membership_revoke
from plm_workflow.audit.models import Event
from plm_workflow.deadlines import mail as mail_module
from plm_workflow.deadlines import sweep as sweep_module
from plm_workflow.deadlines.models import (
    Alert,
    AlertKind,
    Channel,
    DeliveryState,
    StepKind,
    StepTask,
)
from plm_workflow.deadlines.policy import ROME
from plm_workflow.plans.models import Plan, PlanStatus
from plm_workflow.profiles.models import Notifications, Profile
from tests.deadlines.test_sweep import run, step  # noqa: F401

pytestmark = pytest.mark.django_db


def e_mails(**filters):
    return Alert.objects.filter(channel__in=[Channel.EMAIL, Channel.DIGEST], **filters)


# --- Rows no longer due are dropped, not given up on --------------------------------------------


@pytest.mark.parametrize("change", ["completed", "suspended", "withdrawn", "adopted", "moved"])
def test_rows_no_longer_due_at_send_time_are_dropped_not_given_up_on(step, lead, change):  # noqa: F811
    run("2027-03-05T06:30")  # rows written, e-mails wait for 07:00
    plan = Plan.objects.filter(pk=step.plan_id)
    if change == "completed":
        StepTask.objects.filter(pk=step.pk).update(closed_at=timezone.now())
    elif change == "suspended":
        plan.update(status=PlanStatus.SUSPENDED, suspended_from=PlanStatus.NEEDS_ASSESSMENT)
    elif change == "withdrawn":
        plan.update(status=PlanStatus.WITHDRAWN)
    elif change == "adopted":
        plan.update(status=PlanStatus.ADOPTED)
    else:  # the date moved: the new date has its own rows, the old ones are not mailed
        StepTask.objects.filter(pk=step.pk).update(due=datetime.date(2027, 3, 15), due_revision=1)
    out = run("2027-03-05T07:05")  # exits 0: nothing given up on
    old = e_mails(kind=AlertKind.DUE_IN_1, due=datetime.date(2027, 3, 8))
    assert old.count() == 2
    assert set(old.values_list("state", "attempts")) == {(DeliveryState.FAILED, 0)}
    assert all(a.last_error.startswith("Not sent, no longer due:") for a in old)
    assert not any("8 March 2027" in m.body or "8 marzo 2027" in m.body for m in mail.outbox)
    assert "given up on: 0" in out
    assert "Not sent, no longer due" in out and "plan): 2." in out
    assert not Alert.objects.filter(kind=AlertKind.DELIVERY_FAILED).exists()
    if change == "moved":  # the new date's stage is mailed
        assert len(mail.outbox) == 2
        assert all("15 March 2027" in m.body or "15 marzo 2027" in m.body for m in mail.outbox)
    else:
        assert mail.outbox == []


def test_the_adoption_e_mail_of_an_adopted_plan_still_goes(step, coordinator):  # noqa: F811
    plan = Plan.objects.get(pk=step.plan_id)
    Alert.objects.create(
        plan=plan,
        event=Event.objects.filter(plan=plan).first(),
        kind=AlertKind.PLAN_ADOPTED,
        recipient=coordinator,
        channel=Channel.EMAIL,
    )
    StepTask.objects.filter(pk=step.pk).update(closed_at=timezone.now())
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.ADOPTED)
    run("2027-03-05T08:00")
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert e_mails().get().state == DeliveryState.SENT


def test_a_task_event_of_a_plan_no_longer_active_is_dropped(step, coordinator):  # noqa: F811
    plan = Plan.objects.get(pk=step.plan_id)
    Alert.objects.create(
        plan=plan,
        event=Event.objects.filter(plan=plan).first(),
        kind=AlertKind.TASK_OFFERED,
        recipient=coordinator,
        channel=Channel.EMAIL,
    )
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.WITHDRAWN)
    run("2027-03-05T08:00")
    assert mail.outbox == []
    assert e_mails().get().state == DeliveryState.FAILED


# --- A revoked role: no e-mail about the plan ---------------------------------------------------


def test_a_revoked_coordinator_is_not_mailed_about_the_plan(step, coordinator, comune):  # noqa: F811
    Profile.objects.create(user=coordinator, notifications=Notifications.DIGEST)
    run("2027-03-05T08:00")  # today's digest went
    StepTask.objects.filter(pk=step.pk).update(due=datetime.date(2027, 3, 15))
    run("2027-03-05T15:00")  # the new date's digest row waits for tomorrow
    waiting = e_mails(recipient=coordinator, channel=Channel.DIGEST, state=DeliveryState.PENDING)
    assert waiting.exists()
    membership_revoke(user=coordinator, role="coordinator", comune=comune)
    before = len(mail.outbox)
    run("2027-03-06T07:30")
    assert [m for m in mail.outbox[before:] if m.to == [coordinator.email]] == []
    dropped = e_mails(recipient=coordinator, due=datetime.date(2027, 3, 15))
    assert {a.last_error for a in dropped} == {mail_module.STALE_ACCESS}


def test_the_lead_sees_every_plan_and_is_mailed_the_escalation(step, lead):  # noqa: F811
    run("2027-03-17T08:00")
    assert lead.email in {m.to[0] for m in mail.outbox}


# --- Leases measured as the sweep goes on -------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.seconds = 1000.0

    def __call__(self):
        return self.seconds


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock()
    monkeypatch.setattr(sweep_module, "monotonic", fake)
    return fake


def slow_sends(monkeypatch, clock, minutes):
    """Each e-mail sent takes ``minutes`` of the sweep's clock."""
    send = mail.EmailMessage.send

    def slow(self, *args, **kwargs):
        clock.seconds += minutes * 60
        return send(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", slow)


def test_each_batch_is_leased_from_the_moment_it_is_claimed(step, monkeypatch, clock):  # noqa: F811
    monkeypatch.setattr(sweep_module, "CLAIM_BATCH", 1)
    slow_sends(monkeypatch, clock, 3)
    leases = []
    claim = sweep_module._claim

    def spy(moment, policy, lease_until, skip):
        leases.append((moment.astimezone(datetime.UTC), lease_until.astimezone(datetime.UTC)))
        return claim(moment, policy, lease_until, skip)

    monkeypatch.setattr(sweep_module, "_claim", spy)
    run("2027-03-05T08:00")
    start = datetime.datetime(2027, 3, 5, 7, 0, tzinfo=datetime.UTC)  # 08:00 in Rome
    minute = datetime.timedelta(minutes=1)
    assert leases[:2] == [(start, start + 10 * minute), (start + 3 * minute, start + 13 * minute)]
    assert len(mail.outbox) == 2


def test_past_half_the_lease_no_batch_is_claimed(step, monkeypatch, clock):  # noqa: F811
    monkeypatch.setattr(sweep_module, "CLAIM_BATCH", 1)
    slow_sends(monkeypatch, clock, 6)
    run("2027-03-05T08:00")
    assert len(mail.outbox) == 1
    assert e_mails(state=DeliveryState.PENDING).count() == 1
    run("2027-03-05T08:05")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coord-saluzzo-2@example.org",
        "coord-saluzzo@example.org",
    ]


def test_a_message_is_not_started_when_its_lease_runs_out(step, monkeypatch, clock, settings):  # noqa: F811
    """The first send takes eleven minutes: the second row's lease ran out, another sweep may
    have it: it is not sent, but goes back to pending, and a later sweep sends it once."""
    slow_sends(monkeypatch, clock, 11)
    run("2027-03-05T08:00")
    assert len(mail.outbox) == 1
    assert e_mails(state=DeliveryState.SENT).count() == 1
    assert set(e_mails(state=DeliveryState.PENDING).values_list("attempts", flat=True)) == {0}
    monkeypatch.undo()
    run("2027-03-05T08:12")
    to = [m.to[0] for m in mail.outbox]
    assert sorted(to) == sorted(set(to)) and len(to) == 2


# --- E-mails that cannot be written, servers that do not answer ---------------------------------


def test_a_batch_that_cannot_be_composed_counts_its_attempts_up_to_the_bound(
    step,  # noqa: F811
    monkeypatch,
    lead,
    settings,
):
    settings.PLM_ALERTS_MAX_ATTEMPTS = 3

    def broken(*args, **kwargs):
        raise KeyError("concerns")  # e.g. an old event payload item() cannot read

    monkeypatch.setattr(sweep_module.mail, "compose", broken)
    for attempt, minute in enumerate(("00", "11", "22"), start=1):
        with pytest.raises(CommandError):
            run(f"2027-03-05T08:{minute}")
        assert {a for _s, a in e_mails().values_list("state", "attempts")} == {attempt}
    assert set(e_mails().values_list("state", flat=True)) == {DeliveryState.FAILED}
    assert all("KeyError" in a.last_error for a in e_mails())
    assert Alert.objects.filter(kind=AlertKind.DELIVERY_FAILED, recipient=lead).exists()
    run("2027-03-05T08:33")  # nothing left: exits 0


def test_one_row_that_cannot_be_written_leaves_the_others(step, monkeypatch, coordinator):  # noqa: F811
    item = mail_module.item

    def picky(alert, reviews):
        if alert.recipient_id == coordinator.pk:
            raise KeyError("concerns")
        return item(alert, reviews)

    monkeypatch.setattr(mail_module, "item", picky)
    with pytest.raises(CommandError, match="KeyError"):
        run("2027-03-05T08:00")
    assert [m.to[0] for m in mail.outbox] == ["coord-saluzzo-2@example.org"]
    broken = e_mails().get(recipient=coordinator)
    assert (broken.state, broken.attempts) == (DeliveryState.PENDING, 1)
    assert not e_mails(state=DeliveryState.SENDING).exists()


class DownBackend:
    """A mail server that cannot be reached at all."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError("connection refused")

    def close(self):
        pass


def test_a_server_that_cannot_be_reached_leaves_the_attempts_alone(step, settings):  # noqa: F811
    settings.EMAIL_BACKEND = "tests.deadlines.test_delivery_checks.DownBackend"
    settings.PLM_ALERTS_MAX_ATTEMPTS = 2
    for minute in ("00", "05", "10"):
        out = run(f"2027-03-05T08:{minute}")  # exits 0 every time
        assert "pending for retry: 2" in out
    rows = e_mails()
    assert set(rows.values_list("state", "attempts")) == {(DeliveryState.PENDING, 0)}
    assert all("connection refused" in a.last_error for a in rows)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run("2027-03-05T08:15")
    assert len(mail.outbox) == 2


def test_smtp_connections_time_out(settings):
    assert settings.EMAIL_TIMEOUT == 30
    backend = get_connection("django.core.mail.backends.smtp.EmailBackend")
    assert backend.timeout == 30


# --- A check task's escalation says who it reached ----------------------------------------------


def test_a_check_tasks_escalation_e_mail_says_it_went_to_the_lead(step, lead):  # noqa: F811
    StepTask.objects.filter(pk=step.pk).update(kind=StepKind.CHECK)
    Profile.objects.create(user=lead, language="en")
    run("2027-03-17T08:00")
    body = next(m.body for m in mail.outbox if m.to == [lead.email])
    assert "it is escalated to the lead facilitator." in body
    assert "the facilitators and" not in body


def test_an_escalation_found_long_after_says_how_late_the_task_really_is(step, lead):  # noqa: F811
    # Due Monday 8 March 2027, no sweep until 8 April: 22 working days late (Easter Monday,
    # 29 March, is a holiday), not the policy's 7.
    Profile.objects.create(user=lead, language="en")
    run("2027-04-08T08:00")
    message = next(m for m in mail.outbox if m.to == [lead.email])
    assert "Escalated: overdue by 22 working days" in message.subject
    assert "is still open 22 working days later" in message.body


# --- PostgreSQL: a person's digest is claimed under their lock ----------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_digest_held_by_another_sweep_is_left_to_it(step, coordinator):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's claims take turns: no person-level lock")
    import psycopg

    Profile.objects.create(user=coordinator, notifications=Notifications.DIGEST)
    run("2027-03-05T06:30")
    digest = e_mails(channel=Channel.DIGEST).get()
    policy = sweep_module.policy_from_settings()
    now = datetime.datetime(2027, 3, 5, 8, 0, tzinfo=ROME)
    lease = now + policy.lease
    db = connection.settings_dict
    other = psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        dbname=db["NAME"],
    )
    try:
        with other.transaction():  # another sweep, between its lock and its commit
            other.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [sweep_module.DIGEST_LOCK, coordinator.pk]
            )
            ids = sweep_module._claim(now, policy, lease, set())
            assert digest.pk not in ids
    finally:
        other.close()
    assert digest.pk in sweep_module._claim(now, policy, lease + datetime.timedelta(1), set())
