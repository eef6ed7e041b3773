"""The deadline sweep, as cron runs it: rows written once, e-mails sent once, failures retried."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from flows.history import event_sentence
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines import sweep as sweep_module
from plm_workflow.deadlines.models import Alert, AlertKind, Channel, DeliveryState, StepTask
from plm_workflow.plans.models import Plan, PlanStatus
from plm_workflow.profiles.models import Notifications, Profile
from tests.factories import ComuneFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime.date(2027, 3, 8)
FRIDAY_8AM = "2027-03-05T08:00"  # Europe/Rome: Monday is 1 working day away
LONG_AGO = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=datetime.UTC)


class FailingBackend:
    """An e-mail backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def open(self):
        return True

    def close(self):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def run(now=FRIDAY_8AM, *args):
    """Run the command as cron does, its summary in English (the e-mails keep their
    recipients' languages)."""
    out = io.StringIO()
    with translation.override("en"):
        call_command("send_deadline_alerts", "--now", now, *args, stdout=out)
    return out.getvalue()


def rows(**filters):
    return set(
        Alert.objects.filter(**filters).values_list("recipient__username", "kind", "channel")
    )


@pytest.fixture
def step(flow_plan):
    """The plan's open task (offered to its two coordinators), due on MONDAY, offered long
    ago; no alert row yet (the launch's own notices are left out)."""
    Alert.objects.all().delete()
    task = StepTask.objects.get(plan=flow_plan, closed_at__isnull=True)
    StepTask.objects.filter(pk=task.pk).update(due=MONDAY, opened_at=LONG_AGO)
    task.refresh_from_db()
    return task


def test_the_stage_of_the_day_is_told_once_in_the_app_and_by_e_mail(step):
    out = run()
    assert rows(kind__in=[AlertKind.DUE_IN_7, AlertKind.DUE_IN_1]) == {
        (name, AlertKind.DUE_IN_1, channel)
        for name in ("coord-saluzzo", "coord-saluzzo-2")
        for channel in (Channel.IN_APP, Channel.EMAIL)
    }
    assert sorted(m.to[0] for m in mail.outbox) == [
        "coord-saluzzo-2@example.org",
        "coord-saluzzo@example.org",
    ]
    assert Alert.objects.filter(channel=Channel.EMAIL, state=DeliveryState.SENT).count() == 2
    assert "Alert rows written: 4 (in the app 2, e-mail 2, digest 0)." in out
    assert "E-mails sent: 2 (2 rows)" in out

    again = run("2027-03-05T08:05")
    assert Alert.objects.count() == 4
    assert len(mail.outbox) == 2
    assert "Alert rows written: 0" in again


def test_each_stage_on_its_day_then_the_escalation_reaches_facilitators_and_lead(step, lead):
    told = {}
    for day in ("2027-02-25", "2027-03-05", "2027-03-08", "2027-03-09", "2027-03-17"):
        before = set(Alert.objects.values_list("pk", flat=True))
        run(f"{day}T08:00")
        told[day] = rows(channel=Channel.IN_APP) - rows(pk__in=before, channel=Channel.IN_APP)
    coordinators = ("coord-saluzzo", "coord-saluzzo-2")
    assert {kind for _n, kind, _c in told["2027-02-25"]} == {AlertKind.DUE_IN_7}
    assert {kind for _n, kind, _c in told["2027-03-05"]} == {AlertKind.DUE_IN_1}
    assert {kind for _n, kind, _c in told["2027-03-08"]} == {AlertKind.DUE_TODAY}
    assert {kind for _n, kind, _c in told["2027-03-09"]} == {AlertKind.OVERDUE}
    assert {name for name, _k, _c in told["2027-03-17"]} == {
        *coordinators,
        "facilitator",
        "facilitator-2",
        "lead",
    }
    escalated = Event.objects.get(kind=EventKind.ALERT_ESCALATED)
    assert escalated.actor_system == "system:deadline-sweep"
    assert escalated.plan_id == step.plan_id
    assert escalated.payload["concerns"] == {"plan": step.plan_id, "task": step.task_id}
    with translation.override("en"):
        sentence = event_sentence(escalated, {})
    assert sentence == "Task “Needs assessment” escalated: it was due on 8 March 2027."
    run("2027-03-18T08:00")
    assert Event.objects.filter(kind=EventKind.ALERT_ESCALATED).count() == 1


def test_when_several_stages_are_due_only_the_latest_is_told(step):
    run("2027-03-10T08:00")  # never swept before: due in 7, in 1, today and overdue all passed
    assert {kind for _n, kind, _c in rows()} == {AlertKind.OVERDUE}


def test_a_moved_due_date_re_arms(step):
    run()
    StepTask.objects.filter(pk=step.pk).update(due=datetime.date(2027, 3, 15))
    run("2027-03-05T09:00")
    assert {(kind) for _n, kind, channel in rows(channel=Channel.IN_APP)} == {
        AlertKind.DUE_IN_1,
        AlertKind.DUE_IN_7,
    }


@pytest.mark.parametrize("quiet", ["completed", "suspended", "withdrawn"])
def test_closed_tasks_and_plans_not_active_are_quiet(step, quiet):
    if quiet == "completed":
        StepTask.objects.filter(pk=step.pk).update(closed_at=LONG_AGO)
    elif quiet == "suspended":
        Plan.objects.filter(pk=step.plan_id).update(
            status=PlanStatus.SUSPENDED, suspended_from=PlanStatus.NEEDS_ASSESSMENT
        )
    else:
        Plan.objects.filter(pk=step.plan_id).update(status=PlanStatus.WITHDRAWN)
    run("2027-03-17T08:00")
    assert rows() == set()
    assert mail.outbox == []


def test_a_new_holder_is_told_only_of_the_stages_ahead(step, coordinator2):
    # Taken on on the Saturday: Friday's "due in 1" is behind them, Monday's due date ahead.
    taken = datetime.datetime(2027, 3, 6, 10, 0, tzinfo=datetime.UTC)
    StepTask.objects.filter(pk=step.pk).update(holder=coordinator2, held_since=taken)
    run("2027-03-06T12:00")
    assert rows() == set()
    run("2027-03-08T08:00")
    assert rows(channel=Channel.IN_APP) == {
        ("coord-saluzzo-2", AlertKind.DUE_TODAY, Channel.IN_APP)
    }


def test_e_mails_wait_for_the_morning(step):
    out = run("2027-03-05T06:30")
    assert rows(channel=Channel.IN_APP)  # shown at once
    assert mail.outbox == []
    assert "rows waiting: 2" in out
    run("2027-03-05T07:00")
    assert len(mail.outbox) == 2


def test_a_failing_server_leaves_rows_pending_and_the_next_sweep_sends_each_once(step, settings):
    settings.EMAIL_BACKEND = "tests.deadlines.test_sweep.FailingBackend"
    out = run()
    pending = Alert.objects.filter(channel=Channel.EMAIL)
    assert {(a.state, a.attempts) for a in pending} == {(DeliveryState.PENDING, 1)}
    assert all("the mail server is down" in a.last_error for a in pending)
    assert "pending for retry: 2" in out

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run("2027-03-05T08:05")
    run("2027-03-05T08:10")
    assert len(mail.outbox) == 2
    assert set(pending.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_a_sweep_killed_after_its_claim_is_delivered_by_a_later_one_after_the_lease(
    step, monkeypatch
):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # the process dies between its claim and its sends

    monkeypatch.setattr(sweep_module.mail, "compose", killed)
    with pytest.raises(KeyboardInterrupt):
        run()
    monkeypatch.undo()
    claimed = Alert.objects.filter(channel=Channel.EMAIL)
    assert set(claimed.values_list("state", flat=True)) == {DeliveryState.SENDING}
    assert all(a.lease_until is not None for a in claimed)

    run("2027-03-05T08:05")  # the lease (10 minutes) still holds
    assert mail.outbox == []
    run("2027-03-05T08:11")
    assert len(mail.outbox) == 2
    assert set(claimed.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_past_the_retry_bound_rows_fail_the_lead_is_told_and_the_sweep_exits_1(
    step, lead, settings
):
    settings.EMAIL_BACKEND = "tests.deadlines.test_sweep.FailingBackend"
    settings.PLM_ALERTS_MAX_ATTEMPTS = 2
    run()
    with pytest.raises(CommandError, match="given up on after 2 attempts"):
        run("2027-03-05T08:05")
    failed = Alert.objects.filter(channel=Channel.EMAIL, kind=AlertKind.DUE_IN_1)
    assert set(failed.values_list("state", flat=True)) == {DeliveryState.FAILED}
    assert rows(kind=AlertKind.DELIVERY_FAILED) == {
        ("lead", AlertKind.DELIVERY_FAILED, Channel.IN_APP)
    }
    run("2027-03-05T08:10")  # nothing more to give up on: exits 0


def test_the_digest_groups_a_days_alerts_in_one_e_mail_once_a_day(step, flow_launched, coordinator):
    ComuneFactory(istat_code="001272", name="Torino", province_code="TO")
    other = flow_launched(ComuneFactory(istat_code="001272"))
    Alert.objects.all().delete()
    StepTask.objects.filter(plan=other, closed_at__isnull=True).update(
        due=MONDAY, opened_at=LONG_AGO
    )
    Profile.objects.create(user=coordinator, notifications=Notifications.DIGEST)
    run()
    digests = [m for m in mail.outbox if m.to == ["coord-saluzzo@example.org"]]
    assert len(digests) == 1
    assert digests[0].body.count("Monday 8 March 2027") == 2 or "lunedì 8 marzo 2027" in (
        digests[0].body
    )
    assert "Saluzzo" in digests[0].body and "Torino" in digests[0].body
    assert digests[0].alternatives[0][1] == "text/html"
    # A date moved later that day: its rows wait for tomorrow's digest.
    StepTask.objects.filter(pk=step.pk).update(due=datetime.date(2027, 3, 15))
    run("2027-03-05T15:00")
    assert len([m for m in mail.outbox if m.to == ["coord-saluzzo@example.org"]]) == 1
    run("2027-03-06T07:30")
    assert len([m for m in mail.outbox if m.to == ["coord-saluzzo@example.org"]]) == 2


def test_each_e_mail_is_in_its_recipients_language_with_a_link_to_the_task(
    step, coordinator, coordinator2, settings
):
    settings.PLM_SITE_URL = "https://plm.example.org"
    Profile.objects.create(user=coordinator2, language="en")
    Profile.objects.create(user=coordinator, language="it")
    run()
    by = {m.to[0]: m for m in mail.outbox}
    english = by["coord-saluzzo-2@example.org"]
    assert english.subject.startswith("Due in 1 working day: Saluzzo")
    assert "is due Monday 8 March 2027, in 1 working day." in english.body
    assert f"https://plm.example.org/home/plm/{step.plan.process.pk}/assess/{step.task_id}/" in (
        english.body
    )
    assert "lunedì 8 marzo 2027" in by["coord-saluzzo@example.org"].body


def test_people_without_an_address_are_told_in_the_app_and_counted(step, coordinator):
    type(coordinator).objects.filter(pk=coordinator.pk).update(email="")
    out = run()
    assert ("coord-saluzzo", AlertKind.DUE_IN_1, Channel.IN_APP) in rows()
    assert ("coord-saluzzo", AlertKind.DUE_IN_1, Channel.EMAIL) not in rows()
    assert "People without an e-mail address, told in the app only: 1." in out


def test_a_dry_run_writes_and_sends_nothing(step):
    out = run(FRIDAY_8AM, "--dry-run")
    assert Alert.objects.count() == 0
    assert mail.outbox == []
    assert "Alert rows would be written: 4" in out


def test_now_is_refused_under_production_settings_unless_dry(step, settings):
    settings.PLM_PRODUCTION = True
    with pytest.raises(CommandError, match="refused under production settings"):
        run()
    run(FRIDAY_8AM, "--dry-run")
    assert Alert.objects.count() == 0


@pytest.mark.parametrize("bad", ["yesterday", "2027-13-01T08:00", ""])
def test_a_bad_now_is_refused_clearly(bad):
    with pytest.raises(CommandError, match="--now must be an ISO date and time"):
        run(bad)


def _tasks(count):
    from benchmarks.task_lists import build

    comuni = [ComuneFactory(istat_code=f"{800000 + n:06d}") for n in range(count)]
    build(plans=count, comuni=comuni)
    StepTask.objects.filter(closed_at__isnull=True).update(
        due=MONDAY, opened_at=LONG_AGO, held_since=LONG_AGO
    )


@pytest.mark.parametrize("count", [10, 200])
def test_the_sweep_costs_a_bounded_number_of_queries(count):
    _tasks(count)
    with CaptureQueriesContext(connection) as first:
        run()
    with CaptureQueriesContext(connection) as second:
        run("2027-03-05T08:05")
    assert Alert.objects.filter(kind=AlertKind.DUE_IN_1, channel=Channel.IN_APP).count() >= count
    # Reads in batches, inserts of 500 rows, claims and marks of 100 e-mails.
    assert len(first) <= 20 + 4 * (count // 50)
    assert len(second) <= 20
