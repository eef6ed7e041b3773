"""Benchmark: inbox and queue at national scale, ours against viewflow's stock queue.

    make benchmark                      # all ISTAT comuni, a plan each
    .venv/bin/python -m benchmarks.task_lists --plans 2000 --repeat 30

Builds (once, then cached in benchmarks/.cache/) a SQLite database with every ISTAT comune
and a plan for each of the first N, each with one open task in a varied step and the closed
tasks before it, written with bulk inserts of the rows the services write (a test compares
their shape with data made by the real services). Then times, for a coordinator, a
facilitator of 50 plans and the lead: our inbox and queue (first page and count) and
viewflow's stock queue for the same users. Not part of the test suite.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

CACHE = Path(__file__).resolve().parent / ".cache"

FACILITATOR_PLANS = 50  # each pair of facilitators follows this many plans


def nodes() -> list[str]:
    """The human steps in flow order; each plan's open task is one of them, in turn."""
    from plm_workflow.plans.phases import NODE_STATUS

    return list(NODE_STATUS)


def build(*, plans: int, comuni=None) -> dict:
    """Write plans, processes, tasks, due dates, people and permissions in bulk.

    ``comuni`` (default: the first ``plans`` comuni of the registry) get one plan each. Every
    comune has one coordinator (``coord-<ISTAT>``, so work tasks go straight to them, as the
    flow does with a single candidate) and every block of 50 plans two facilitators (so check
    tasks are offered). Returns the people to time.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, transaction
    from django.utils import timezone
    from guardian.models import UserObjectPermission
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import PROCESS, STATUS

    from flows.flows import PLMFlow
    from plm_workflow.accounts.models import Membership, Role
    from plm_workflow.accounts.services import role_grant
    from plm_workflow.deadlines.calendar import next_working_day
    from plm_workflow.deadlines.models import PhaseDate, StepKind, StepTask
    from plm_workflow.deadlines.services import schedule_defaults
    from plm_workflow.plans.models import Comune, Plan
    from plm_workflow.plans.permissions import (
        COORDINATE_PLAN,
        COORDINATE_PLAN_CODENAME,
        FACILITATE_PLAN,
        FACILITATE_PLAN_CODENAME,
        VIEW_PLAN_CODENAME,
    )
    from plm_workflow.plans.phases import NODE_STATUS, PHASE_ORDER, is_check_node, node_phase

    NODES = nodes()
    User = get_user_model()
    comuni = list(comuni if comuni is not None else Comune.objects.order_by("istat_code")[:plans])
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        lead, _ = User.objects.get_or_create(username="bench-lead")
        if not lead.groups.exists():
            role_grant(user=lead, role="lead")
        coordinators = User.objects.bulk_create(
            [User(username=f"coord-{comune.istat_code}", password="!") for comune in comuni]
        )
        blocks = range(0, len(comuni), FACILITATOR_PLANS)
        pairs = {}
        for start in blocks:
            pairs[start] = User.objects.bulk_create(
                [User(username=f"fac-{start}-{n}", password="!") for n in (1, 2)]
            )
        Membership.objects.bulk_create(
            [
                Membership(user=coordinator, comune=comune, role=Role.COORDINATOR, granted_by=lead)
                for comune, coordinator in zip(comuni, coordinators, strict=True)
            ]
            + [
                Membership(user=person, comune=comune, role=Role.FACILITATOR, granted_by=lead)
                for index, comune in enumerate(comuni)
                for person in pairs[index - index % FACILITATOR_PLANS]
            ]
        )
        plan_rows = Plan.objects.bulk_create(
            [
                Plan(
                    comune=comune,
                    title="PLM",
                    status=NODE_STATUS[NODES[index % len(NODES)]],
                    adhesion_act_number=f"DGC {index}",
                    adhesion_act_date=datetime.date(2022, 6, 30),
                )
                for index, comune in enumerate(comuni)
            ]
        )
        defaults = schedule_defaults(start=today)
        PhaseDate.objects.bulk_create(
            [
                PhaseDate(plan=plan, phase=phase, baseline=defaults[phase], current=defaults[phase])
                for plan in plan_rows
                for phase in PHASE_ORDER
            ]
        )
        processes = Process.objects.bulk_create(
            [Process(flow_class=PLMFlow, status=PROCESS.NEW, created=now) for _ in plan_rows]
        )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO flows_plmprocess (process_ptr_id, plan_id) VALUES (%s, %s)",
                [(process.pk, plan.pk) for process, plan in zip(processes, plan_rows, strict=True)],
            )

        tasks, due_for = [], []
        for index, (plan, process) in enumerate(zip(plan_rows, processes, strict=True)):
            coordinator = coordinators[index]
            tasks.append(
                Task(
                    process=process,
                    flow_task=PLMFlow.launch,
                    flow_task_type="HUMAN_START",
                    status=STATUS.DONE,
                    owner=lead,
                    created=now,
                    started=now,
                    finished=now,
                )
            )
            open_at = index % len(NODES)
            for position, name in enumerate(NODES[: open_at + 1]):
                is_check = is_check_node(name)
                node = getattr(PLMFlow, name)
                is_open = position == open_at
                task = Task(
                    process=process,
                    flow_task=node,
                    flow_task_type="HUMAN",
                    owner_permission=FACILITATE_PLAN if is_check else COORDINATE_PLAN,
                    owner_permission_content_type=ContentType.objects.get_for_model(Plan),
                    owner_permission_obj_pk=str(plan.pk),
                    created=now,
                )
                if is_open and is_check:
                    task.status = STATUS.NEW  # two facilitators: offered
                elif is_open:
                    task.status, task.owner = STATUS.ASSIGNED, coordinator
                else:
                    done_by = (
                        pairs[index - index % FACILITATOR_PLANS][0] if is_check else coordinator
                    )
                    task.status, task.owner = STATUS.DONE, done_by
                    task.started = task.finished = now
                tasks.append(task)
                phase = node_phase(name)
                if is_check:
                    due = next_working_day(today + datetime.timedelta(days=10))
                else:
                    due = defaults[phase]
                due_for.append((task, plan, phase, is_check, due))
        Task.objects.bulk_create(tasks, batch_size=2000)
        StepTask.objects.bulk_create(
            [
                StepTask(
                    plan=plan,
                    task=task,
                    phase=phase,
                    kind=StepKind.CHECK if is_check else StepKind.WORK,
                    due=due,
                    holder=task.owner if task.status == STATUS.ASSIGNED else None,
                    held_since=now if task.status == STATUS.ASSIGNED else None,
                    opened_at=now,
                    closed_at=task.finished,
                )
                for task, plan, phase, is_check, due in due_for
            ],
            batch_size=2000,
        )

        plan_type = ContentType.objects.get_for_model(Plan)
        permission = {
            codename: Permission.objects.get(content_type=plan_type, codename=codename)
            for codename in (VIEW_PLAN_CODENAME, COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME)
        }
        grants = []
        for index, plan in enumerate(plan_rows):
            for codename in (VIEW_PLAN_CODENAME, COORDINATE_PLAN_CODENAME):
                grants.append((coordinators[index], codename, plan))
            for person in pairs[index - index % FACILITATOR_PLANS]:
                for codename in (VIEW_PLAN_CODENAME, FACILITATE_PLAN_CODENAME):
                    grants.append((person, codename, plan))
        UserObjectPermission.objects.bulk_create(
            [
                UserObjectPermission(
                    user=user,
                    permission=permission[codename],
                    content_type=plan_type,
                    object_pk=str(plan.pk),
                )
                for user, codename, plan in grants
            ],
            batch_size=5000,
        )
    return {
        "coordinator": coordinators[0],
        "facilitator of 50 plans": pairs[0][0],
        "lead": lead,
    }


def _time(function, repeat: int):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    queries = len(captured)
    timings = []
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        function()
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return queries, statistics.median(timings), p95


def measure(people: dict, *, repeat: int) -> list[tuple]:
    """Time our inbox and queue and viewflow's stock queue for each person."""
    from django.contrib.auth import get_user_model
    from viewflow.workflow.models import Task

    from flows.flows import PLMFlow
    from flows.selectors import by_due_date, inbox_for, queue_for

    def first_page(queryset):
        def run():
            rows = list(queryset[:25])
            for task in rows:  # what the page shows of each row
                _ = (task.process.plmprocess.plan.comune.label, task.title)
            queryset.count()

        return run

    rows = []
    for label, person in people.items():
        # A fresh user object each run: viewflow caches permissions on the instance.
        def stock(pk=person.pk):
            user = get_user_model().objects.get(pk=pk)
            queue = Task.objects.queue([PLMFlow], user).order_by("-created")
            list(queue[:25])
            queue.count()

        ours_queue = _time(first_page(by_due_date(queue_for(person))), repeat)
        ours_inbox = _time(first_page(by_due_date(inbox_for(person))), repeat)
        stock_queue = _time(stock, repeat)
        rows.append((label, "our inbox", *ours_inbox, None))
        rows.append((label, "our queue", *ours_queue, stock_queue[1] / ours_queue[1]))
        rows.append((label, "viewflow stock queue", *stock_queue, None))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", type=int, default=7896, help="plans to build (one a comune)")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per measurement")
    parser.add_argument("--rebuild", action="store_true", help="ignore the cached database")
    args = parser.parse_args(argv)
    if args.plans < 1:
        parser.error("--plans must be at least 1")

    CACHE.mkdir(exist_ok=True)
    database = CACHE / f"plans-{args.plans}.sqlite3"
    if args.rebuild and database.exists():
        database.unlink()
    fresh = not database.exists()
    # Build into a temporary file, renamed when complete: an interrupted build leaves no cache.
    building = database.with_suffix(".building")
    if fresh and building.exists():
        building.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{building if fresh else database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plm_workflow.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    settings.DEBUG = False
    if fresh:
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        with open(os.devnull, "w") as quiet:
            call_command("import_comuni", verbosity=0, stdout=quiet)
        from plm_workflow.plans.models import Comune

        if args.plans > Comune.objects.count():
            connection.close()
            building.unlink()
            parser.error(f"--plans cannot exceed the {Comune.objects.count()} comuni")
        build(plans=args.plans)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        connection.close()
        building.rename(database)
        settings.DATABASES["default"]["NAME"] = str(database)
        print(f"built {args.plans} plans in {time.perf_counter() - started:.1f} s: {database}")
    from django.contrib.auth import get_user_model

    User = get_user_model()
    people = {
        "coordinator": User.objects.filter(username__startswith="coord-").order_by("pk").first(),
        "facilitator of 50 plans": User.objects.get(username="fac-0-1"),
        "lead": User.objects.get(username="bench-lead"),
    }
    from viewflow.workflow.models import Task

    print(f"{args.plans} plans, {Task.objects.count()} tasks; {args.repeat} runs each; SQLite")
    print(
        f"{'who':26} {'list':22} {'queries':>7} {'median ms':>10} {'p95 ms':>8} {'stock/ours':>10}"
    )
    for who, what, queries, median, p95, ratio in measure(people, repeat=args.repeat):
        ratio_text = f"{ratio:9.1f}x" if ratio else ""
        print(f"{who:26} {what:22} {queries:7d} {median:10.2f} {p95:8.2f} {ratio_text:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
