"""Benchmark: one deadline sweep over 8,000 open tasks with 100,000 past alert rows.

    make benchmark-alerts
    .venv/bin/python -m benchmarks.alert_sweep --tasks 8000 --past 100000

Builds a throwaway SQLite database in a temporary folder (migrated), then in bulk, as
``benchmarks.task_lists.build`` writes them: a comune and a plan per task, each with one open
task (work tasks held by the comune's coordinator, check tasks offered to two facilitators)
and the closed tasks before it; every person with an e-mail address. The open tasks' due
dates are spread from 12 days overdue to 12 days ahead of the sweep's day, so every stage
and escalation occurs (each plan's audit chain has its head row, as a launch writes it); the
closed tasks carry the past alert rows (sent, read or not). Then
runs ``send_deadline_alerts --now`` (in-memory e-mail backend) twice: the first sweep writes
and sends, the second finds nothing to do. Prints, for each, the rows created per second,
the wall time and the statements run. Not part of the test suite.
"""

import argparse
import datetime
import io
import os
import shutil
import sys
import tempfile
import time

NOW = "2027-03-05T08:00"  # a Friday in Europe/Rome
SPREAD = range(-12, 13)  # due dates, in days from the sweep's day


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _setup(folder: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/alerts.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{folder}/media"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plm_workflow.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)


def build(*, tasks: int, past: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import Value
    from django.db.models.functions import Concat

    from benchmarks.task_lists import build as build_plans
    from plm_workflow.audit.chain import chain_of
    from plm_workflow.audit.models import ChainHead
    from plm_workflow.deadlines.models import STAGES, Alert, Channel, DeliveryState, StepTask
    from plm_workflow.plans.models import Comune, Plan

    Comune.objects.bulk_create(
        [
            Comune(
                istat_code=f"{100000 + n:06d}", name=f"Comune {n}", province_code="RM", region="X"
            )
            for n in range(tasks)
        ],
        batch_size=2000,
    )
    build_plans(plans=tasks, comuni=list(Comune.objects.order_by("istat_code")[:tasks]))
    # Every plan the services launch has its audit chain's head row (its launch's event);
    # the bulk build writes no events: the heads, empty, stand for them.
    ChainHead.objects.bulk_create(
        [ChainHead(chain=chain_of(pk)) for pk in Plan.objects.values_list("pk", flat=True)],
        batch_size=5000,
        ignore_conflicts=True,
    )
    User = get_user_model()
    User.objects.update(email=Concat("username", Value("@example.invalid")))
    today = datetime.date.fromisoformat(NOW[:10])
    long_ago = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)
    with transaction.atomic():
        open_ids = list(
            StepTask.objects.filter(closed_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        by_offset = {}
        for index, pk in enumerate(open_ids):
            by_offset.setdefault(SPREAD[index % len(SPREAD)], []).append(pk)
        for offset, ids in by_offset.items():
            StepTask.objects.filter(pk__in=ids).update(
                due=today + datetime.timedelta(days=offset), opened_at=long_ago
            )
        StepTask.objects.filter(holder__isnull=False).update(held_since=long_ago)
        closed = list(
            StepTask.objects.filter(closed_at__isnull=False).values_list("pk", "plan_id", "due")
        )
        recipients = list(User.objects.values_list("pk", flat=True))
        rows, n = [], 0
        moment = long_ago
        while n < past:
            step, plan, due = closed[n % len(closed)]
            round_ = n // len(closed)
            kind = STAGES[round_ % len(STAGES)]
            channel = Channel.IN_APP if round_ % 2 == 0 else Channel.EMAIL
            rows.append(
                Alert(
                    plan_id=plan,
                    step_id=step,
                    kind=kind,
                    recipient_id=recipients[n % len(recipients)],
                    channel=channel,
                    due=due - datetime.timedelta(days=round_ // (2 * len(STAGES))),
                    created_at=moment,
                    state=DeliveryState.SENT,
                    sent_at=moment,
                    read_at=moment if n % 3 else None,
                )
            )
            n += 1
        Alert.objects.bulk_create(rows, batch_size=5000)


def sweep(now: str) -> dict:
    """Run the command once; return its rows, times (all, rows phase) and statements."""
    from django.core.management import call_command
    from django.db import connection

    from plm_workflow.deadlines import sweep as module
    from plm_workflow.deadlines.models import Alert

    results = []
    original = module.sweep

    def kept(**kwargs):  # the command's own call, its result kept for the phase times
        results.append(original(**kwargs))
        return results[-1]

    before = Alert.objects.count()
    counter = _Counter()
    out = io.StringIO()
    from plm_workflow.deadlines.management.commands import (
        send_deadline_alerts as module_of_command,
    )

    module_of_command.sweep = kept
    try:
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            call_command("send_deadline_alerts", "--now", now, stdout=out)
            seconds = time.perf_counter() - start
    finally:
        module_of_command.sweep = original
    return {
        "created": Alert.objects.count() - before,
        "seconds": seconds,
        "rows_seconds": results[0].rows_seconds,
        "mail_seconds": results[0].mail_seconds,
        "queries": counter.count,
        "out": out.getvalue(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=8000, help="open tasks (a plan each)")
    parser.add_argument("--past", type=int, default=100_000, help="past alert rows")
    args = parser.parse_args(argv)
    if args.tasks < 1 or args.past < 0:
        parser.error("--tasks must be at least 1 and --past not negative")
    folder = tempfile.mkdtemp(prefix="plm-bench-alerts-")
    try:
        _setup(folder)
        start = time.perf_counter()
        build(tasks=args.tasks, past=args.past)
        built = time.perf_counter() - start
        from django.core import mail

        first = sweep(NOW)
        e_mails = len(mail.outbox)
        second = sweep(NOW[:-2] + "05")
        from django.db import connection

        connection.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(
        f"Deadline sweep over {args.tasks} open tasks with {args.past} past alert rows; SQLite "
        f"(built in {built:.1f} s)"
    )
    print(
        f"{'sweep':8} {'rows created':>12} {'rows/s':>9} {'rows s':>8} {'e-mail s':>9} "
        f"{'wall s':>8} {'queries':>8}"
    )
    for name, run in (("first", first), ("second", second)):
        rate = run["created"] / run["rows_seconds"] if run["created"] else 0
        print(
            f"{name:8} {run['created']:12d} {rate:9.0f} {run['rows_seconds']:8.3f} "
            f"{run['mail_seconds']:9.3f} {run['seconds']:8.3f} {run['queries']:8d}"
        )
    print(
        "rows/s: rows created by the rows' transaction (reads, policy, inserts, audit events "
        "of the escalations) per second of it; wall s: the whole command, e-mails included."
    )
    print(f"e-mails sent by the first sweep: {e_mails}")
    print("The first sweep's summary:")
    print(first["out"].rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
