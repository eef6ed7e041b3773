"""Benchmark: what one click costs — a task completed over HTTP, in time and in queries.

    make benchmark-completions
    .venv/bin/python -m benchmarks.completions --completions 200 --plans 8

Builds a throwaway SQLite database in a temporary folder (migrated, a comune per plan, a lead,
two coordinators and two facilitators per comune, so tasks are offered and taken on), launches
the plans through the flow's entry for code (``flows.flows.launch_plan``), then drives them with
Django's test Client over HTTP, in turn: each plan's open task is taken on (not timed), then
the POST to its execute page is timed and its queries counted, savepoints included. Work is
submitted; every third check is returned, the others approved, so the mix has submissions,
approvals and returns and plans gather history. A plan that reaches adoption is replaced by a
new launch. Each work page is posted what a person hands in there, as the tests' flow helpers
build it (``tests.flows.helpers.work_data``: the assessment's form, the tables set up through
their services and submitted, the adoption's act with its signed PDF), outside the timing.
Not part of the test suite.
"""

import argparse
import datetime
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict

RETURN_EVERY = 3  # every third decision returns the work


def _setup(folder: str) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/completions.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{folder}/media"
    os.environ["STATIC_ROOT"] = folder
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plm_workflow.settings.base")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)


class _People:
    """The lead and, per comune, two coordinators and two facilitators."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from plm_workflow.accounts.services import role_grant

        self.user_model = get_user_model()
        self.lead = self.user_model.objects.create_user(username="bench-lead", password="!")
        role_grant(user=self.lead, role="lead")
        self.coordinators, self.facilitators = {}, {}

    def launch(self, number: int):
        from flows.flows import launch_plan
        from plm_workflow.plans.models import Comune

        comune = Comune.objects.create(
            istat_code=f"{900000 + number:06d}",
            name=f"Comune {number}",
            province_code="ZZ",
            region="Benchmark",
        )
        make = self.user_model.objects.create_user
        coordinators = [make(username=f"coord-{number}-{n}", password="!") for n in (1, 2)]
        facilitators = [make(username=f"fac-{number}-{n}", password="!") for n in (1, 2)]
        plan = launch_plan(
            comune=comune,
            title="PLM",
            adhesion_act_number=f"DGC {number}/2022",
            adhesion_act_date=datetime.date(2022, 6, 30),
            coordinators=coordinators,
            facilitators=facilitators,
            by=self.lead,
        )
        self.coordinators[plan.pk], self.facilitators[plan.pk] = coordinators[0], facilitators[0]
        return plan


class _Counter:
    """Count the statements sent to the database (savepoints included)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def run(*, completions: int, plans: int) -> dict[str, list[tuple[float, int]]]:
    """Complete ``completions`` tasks over HTTP; return (ms, queries) per kind of completion."""
    from django.db import connection
    from django.test import Client
    from viewflow.workflow.status import STATUS

    import plm_workflow.urls  # noqa: F401  (mounts the flow: its nodes reverse their URLs)
    from plm_workflow.plans.models import Phase
    from plm_workflow.plans.phases import is_check_node, spec_of
    from tests.flows.helpers import work_data

    verify_adoption = spec_of(Phase.ADOPTION).check_node

    people = _People()
    launched = plans
    active = [people.launch(number) for number in range(plans)]
    client = Client()
    decisions = 0
    results = defaultdict(list)
    counter = _Counter()
    done = 0
    while done < completions:
        plan = active[done % len(active)]
        task = plan.process.task_set.filter(
            status__in=(STATUS.NEW, STATUS.ASSIGNED), flow_task_type="HUMAN"
        ).first()
        if task is None:  # adopted: replace it with a new launch
            active[done % len(active)] = people.launch(launched)
            launched += 1
            continue
        check = is_check_node(task.flow_task.name)
        person = (people.facilitators if check else people.coordinators)[plan.pk]
        client.force_login(person)
        if task.status == STATUS.NEW:
            assign = task.flow_task.reverse("assign", args=[plan.process.pk, task.pk])
            if client.post(assign).status_code != 302:
                raise RuntimeError(f"task {task.pk} could not be taken on")
        if check:
            decisions += 1
            returned = decisions % RETURN_EVERY == 0
            kind = "return" if returned else "approval"
            data = {"decision": "returned" if returned else "approved", "comments": "Vista."}
            if task.flow_task.name == verify_adoption and not returned:
                data["confirmed"] = "1"  # the confirmation step's button: the plan adopted
        else:
            kind, data = "submission", work_data(task, "Fatto.")
        execute = task.flow_task.reverse("execute", args=[plan.process.pk, task.pk])
        counter.count = 0
        with connection.execute_wrapper(counter):
            start = time.perf_counter()
            response = client.post(execute, data)
            elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 302:
            raise RuntimeError(f"{kind} of task {task.pk} answered {response.status_code}")
        results[kind].append((elapsed, counter.count))
        done += 1
    return results


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--completions", type=int, default=200, help="tasks to complete")
    parser.add_argument("--plans", type=int, default=8, help="plans driven in turn")
    args = parser.parse_args(argv)
    if args.completions < 1 or args.plans < 1:
        parser.error("--completions and --plans must be at least 1")

    folder = tempfile.mkdtemp(prefix="plm-bench-completions-")
    try:
        _setup(folder)
        results = run(completions=args.completions, plans=args.plans)
        from django.db import connection

        connection.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"{args.completions} completions over HTTP on {args.plans} plans at a time; SQLite")
    print(
        f"{'completion':12} {'count':>5} {'median ms':>10} {'p95 ms':>8} "
        f"{'median queries':>15} {'max queries':>12}"
    )
    every = [row for rows in results.values() for row in rows]
    for kind, rows in [*sorted(results.items()), ("all", every)]:
        times = [ms for ms, _queries in rows]
        queries = [count for _ms, count in rows]
        print(
            f"{kind:12} {len(rows):5d} {statistics.median(times):10.2f} {_p95(times):8.2f} "
            f"{statistics.median(queries):15.0f} {max(queries):12d}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
