"""Benchmark: the audit log's exports and timeline pages at 500,000 events.

    make benchmark-audit
    .venv/bin/python -m benchmarks.audit_exports --events 500000 --repeat 20

Builds (once, then cached in benchmarks/.cache/) a SQLite database holding 500 plans and
``--events`` events with valid chains: each event's content and hash computed as the audit
writer computes them (``plm_workflow.audit.chain``), the chains interleaved in time as a real
log is, written with bulk inserts (the append-only triggers refuse only UPDATE and DELETE),
each chain's head row last. Then, each in a fresh interpreter so that its peak memory is its
own, exports CSV and JSON Lines of the first 50,000 events and of all of them (to /dev/null,
the export's own event rolled back so the cache stays as built) and prints the time, the
bytes written, the resident memory before the export and the peak (VmHWM) after it. Last,
the timeline's first and last page (50 events) of the whole log and of one kind, median of
``--repeat`` runs. Not part of the test suite.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"
PLANS = 500
PEOPLE = 100
BATCH = 5000
PAGE = 50
SIZES = (50_000, None)  # None: every event
KINDS = (
    "task.created",
    "task.claimed",
    "assessment.saved",
    "task.completed",
    "review.decided",
    "due_date.changed",
    "plan.transition",
)
PHASES = ("assessment", "tables", "drafting", "adoption")
REASON = "Rinvio per l'alluvione: il municipio è chiuso — città metropolitana"


def _setup(database: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plm_workflow.settings.base")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def build(*, events: int) -> None:
    """Write plans, people and ``events`` chained events in bulk, as the writer would."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from plm_workflow.audit.chain import GENESIS, chain_of, content_of, digest
    from plm_workflow.audit.models import ChainHead, Event
    from plm_workflow.plans.models import Comune, Plan

    User = get_user_model()
    start = datetime.datetime(2023, 1, 9, 8, 0, tzinfo=datetime.UTC)
    with transaction.atomic():
        comuni = Comune.objects.bulk_create(
            [
                Comune(
                    istat_code=f"{900000 + n:06d}",
                    name=f"Comune {n}",
                    province_code="RM",
                    region="Lazio",
                )
                for n in range(PLANS)
            ]
        )
        plans = Plan.objects.bulk_create(
            [
                Plan(
                    comune=comune,
                    title="PLM",
                    status="drafting",
                    adhesion_act_number=f"DGC {n}",
                    adhesion_act_date=datetime.date(2022, 6, 30),
                )
                for n, comune in enumerate(comuni)
            ]
        )
        people = User.objects.bulk_create(
            [
                User(
                    username=f"bench-{n}", first_name="Maria", last_name=f"Rossi {n}", password="!"
                )
                for n in range(PEOPLE)
            ]
        )
    heads: dict[str, tuple[int, str]] = {}
    rows = []
    # One global event in every PLANS + 1; the plans' chains in turn, their first event a launch.
    for index in range(events):
        slot = index % (PLANS + 1)
        plan = plans[slot] if slot < PLANS else None
        chain = chain_of(plan.pk if plan else None)
        seq, prev_hash = heads.get(chain, (0, GENESIS))
        seq += 1
        person = people[index % PEOPLE]
        by_system = index % 3 == 0
        if plan is None:
            kind = "role.granted"
            payload = {"concerns": {"user": person.pk, "comune": f"{900000 + index % PLANS:06d}"}}
        elif seq == 1:
            kind, payload = "plan.launched", {"concerns": {"plan": plan.pk}}
        else:
            kind = KINDS[index % len(KINDS)]
            payload = {
                "concerns": {"plan": plan.pk, "task": index},
                "phase": PHASES[index % len(PHASES)],
                "changes": {"holder": [None, person.pk]},
            }
            if index % 5 == 0:
                payload["reason"] = REASON
        occurred_at = start + datetime.timedelta(seconds=30 * index)
        actor_system = "system:flow" if by_system and plan is not None else ""
        actor_id = None if actor_system else person.pk
        content = content_of(
            chain=chain,
            seq=seq,
            prev_hash=prev_hash,
            kind=kind,
            occurred_at=occurred_at,
            plan_id=plan.pk if plan else None,
            actor_id=actor_id,
            actor_system=actor_system,
            payload=payload,
        )
        event_hash = digest(content)
        heads[chain] = (seq, event_hash)
        rows.append(
            Event(
                chain=chain,
                seq=seq,
                prev_hash=prev_hash,
                hash=event_hash,
                content=content,
                kind=kind,
                occurred_at=occurred_at,
                plan_id=plan.pk if plan else None,
                actor_id=actor_id,
                actor_system=actor_system,
                payload=payload,
            )
        )
        if len(rows) == BATCH:
            Event.objects.bulk_create(rows)
            rows = []
    Event.objects.bulk_create(rows)
    ChainHead.objects.bulk_create(
        [ChainHead(chain=chain, seq=seq, hash=value) for chain, (seq, value) in heads.items()]
    )


def _memory(field: str) -> int:
    """Return a memory figure of this process from /proc, in KiB (VmRSS, VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def export_once(*, fmt: str, limit: int | None) -> dict:
    """Export the first ``limit`` events (all: None) to /dev/null; its event rolled back."""
    from django.db import transaction

    from plm_workflow.audit.exports import export_record, export_stream
    from plm_workflow.audit.models import Event
    from plm_workflow.audit.services import SYSTEM_OPERATOR
    from plm_workflow.audit.timeline import TimelineFilters

    events = Event.objects.all()
    if limit is not None:
        events = events.filter(pk__lte=limit)
    before = _memory("VmRSS")
    started = time.perf_counter()
    written = 0
    with transaction.atomic(), open(os.devnull, "w", encoding="utf-8") as sink:
        export = export_record(
            events=events, by=SYSTEM_OPERATOR, plan=None, filters=TimelineFilters(), fmt=fmt
        )
        for chunk in export_stream(export):
            written += len(chunk.encode("utf-8"))
            sink.write(chunk)
        transaction.set_rollback(True)
    return {
        "rows": export.rows,
        "seconds": time.perf_counter() - started,
        "bytes": written,
        "rss_before_kib": before,
        "peak_kib": _memory("VmHWM"),
    }


def pages(*, repeat: int) -> list[tuple[str, int, int, float]]:
    """Time the timeline's first and last page, whole and of one kind (median ms)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from plm_workflow.audit.models import Event
    from plm_workflow.audit.timeline import TimelineFilters, events_filtered, page, page_before

    person = Event.objects.filter(actor__isnull=False).values_list("actor_id", flat=True)[0]
    results = []
    for label, filters in (
        ("all events", TimelineFilters()),
        ("one kind", TimelineFilters(kinds=("review.decided",))),
        ("one person", TimelineFilters(actor=f"user:{person}")),
    ):
        events = events_filtered(Event.objects.all(), filters)
        for which, run in (
            ("first page", lambda e=events: page(e, after=None, size=PAGE)),
            ("last page", lambda e=events: page_before(e, before=None, size=PAGE)),
        ):
            times = []
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    rows, _cursor = run()
                    times.append((time.perf_counter() - started) * 1000)
            results.append((f"{label}, {which}", len(rows), len(queries), statistics.median(times)))
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500_000, help="events to build")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per page")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached database")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "LIMIT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    CACHE.mkdir(exist_ok=True)
    database = CACHE / f"audit-{args.events}.sqlite3"
    if args.child:
        _setup(database)
        fmt, limit = args.child
        print(json.dumps(export_once(fmt=fmt, limit=int(limit) or None)))
        return 0
    if args.rebuild and database.exists():
        database.unlink()
    if not database.exists():
        building = database.with_suffix(".building")
        if building.exists():
            building.unlink()
        _setup(building)
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        build(events=args.events)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()
        building.rename(database)
        print(f"built {args.events} events in {time.perf_counter() - started:.1f} s: {database}")
        from django.conf import settings

        settings.DATABASES["default"]["NAME"] = str(database)
    else:
        _setup(database)
    print(f"{args.events} events in {PLANS + 1} chains; SQLite; each export in its own process")
    print(
        f"{'export':14} {'rows':>8} {'seconds':>8} {'MB written':>10} "
        f"{'RSS before MB':>13} {'peak RSS MB':>11}"
    )
    for limit in SIZES:
        for fmt in ("csv", "json"):
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.audit_exports",
                    "--events",
                    str(args.events),
                    "--child",
                    fmt,
                    str(limit or 0),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            found = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{fmt + ' ' + str(limit or 'all'):14} {found['rows']:8d} {found['seconds']:8.2f} "
                f"{found['bytes'] / 1e6:10.1f} {found['rss_before_kib'] / 1024:13.1f} "
                f"{found['peak_kib'] / 1024:11.1f}"
            )
    print(f"timeline pages of {PAGE} events, median of {args.repeat} runs")
    print(f"{'page':28} {'rows':>5} {'queries':>7} {'median ms':>10}")
    for label, rows, queries, median in pages(repeat=args.repeat):
        print(f"{label:28} {rows:5d} {queries:7d} {median:10.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
