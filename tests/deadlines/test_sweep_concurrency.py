"""Four sweeps at once on PostgreSQL, as four machines' timers: no row and no e-mail twice."""

import datetime
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.models import Alert, AlertKind, Channel, DeliveryState, StepTask
from tests.deadlines.test_smtp_delivery import Sink, free_port
from tests.factories import ComuneFactory

ROOT = Path(__file__).resolve().parents[2]
PLANS = 30


def _database_url() -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        f"/{db['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_four_concurrent_sweeps_write_each_row_and_send_each_e_mail_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one sweep at a time (its IMMEDIATE transactions take turns)")
    from benchmarks.task_lists import build

    build(plans=PLANS, comuni=[ComuneFactory(istat_code=f"{700000 + n:06d}") for n in range(PLANS)])
    get_user_model().objects.update(email=Concat("username", Value("@example.invalid")))
    long_ago = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=datetime.UTC)
    open_tasks = StepTask.objects.filter(closed_at__isnull=True).order_by("pk")
    ids = list(open_tasks.values_list("pk", flat=True))
    StepTask.objects.filter(pk__in=ids[::2]).update(due=datetime.date(2027, 3, 8))
    StepTask.objects.filter(pk__in=ids[1::2]).update(due=datetime.date(2027, 2, 1))
    open_tasks.update(opened_at=long_ago)
    StepTask.objects.filter(holder__isnull=False).update(held_since=long_ago)

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "plm_workflow.settings.base",
            "DATABASE_URL": _database_url(),
            "EMAIL_URL": f"smtp://127.0.0.1:{controller.port}",
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "manage.py", "send_deadline_alerts", "--now"]
        sweeps = [
            subprocess.Popen(
                [*command, "2027-03-05T08:00"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        outputs = [sweep.communicate(timeout=300) for sweep in sweeps]
    finally:
        controller.stop()

    assert [sweep.returncode for sweep in sweeps] == [0, 0, 0, 0], outputs
    keys = Counter(Alert.objects.values_list("step_id", "kind", "recipient_id", "channel", "due"))
    assert keys and max(keys.values()) == 1
    e_mail_rows = Alert.objects.filter(channel=Channel.EMAIL)
    assert set(e_mail_rows.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert len(sink.received) == e_mail_rows.count()
    escalated = Alert.objects.filter(kind=AlertKind.ESCALATION).values("step_id").distinct()
    events = Event.objects.filter(kind=EventKind.ALERT_ESCALATED)
    assert events.count() == escalated.count() > 0
