"""seed_demo: the cohort replayed on its dates, idempotent, verifiable, never in production."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from flows.demo import COHORT, PASSWORD, SECOND_CYCLE, coordinator_name
from flows.selectors import inbox_for, queue_for
from plm_workflow.audit.models import Event
from plm_workflow.audit.verify import chains_verify
from plm_workflow.plans.models import Plan, PlanStatus
from tests.factories import ComuneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort_comuni():
    provinces = {
        "076043": "PZ",
        "089017": "SR",
        "078157": "CS",
        "009002": "SV",
        "061027": "CE",
        "029041": "RO",
        "004203": "CN",
        "043042": "MC",
        "071051": "FG",
    }
    for entry in COHORT:
        ComuneFactory(istat_code=entry.istat, name=entry.name, province_code=provinces[entry.istat])


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    from django.contrib.auth import get_user_model

    return (
        Plan.objects.count(),
        get_user_model().objects.count(),
        Event.objects.count(),
        Plan.objects.filter(status=PlanStatus.ADOPTED).count(),
    )


def test_the_demo_replays_the_cohort_once_and_its_log_verifies(cohort_comuni):
    output = seed()
    first = counts()

    seed()

    assert counts() == first  # twice creates nothing new
    assert first[3] == 8  # eight plans adopted in 2023
    assert chains_verify().ok
    assert "coord-castel-volturno" in output
    castel_volturno = Plan.objects.get(comune__istat_code="061027", title="PLM 2022-2023")
    adopted = Event.objects.get(
        plan=castel_volturno, payload__changes__status__1=PlanStatus.ADOPTED
    )
    assert adopted.occurred_at.date().isoformat() == "2023-07-06"
    for plan in Plan.objects.filter(status=PlanStatus.ADOPTED):
        assert plan.created_at.year == 2022
        adoption = Event.objects.get(plan=plan, payload__changes__status__1=PlanStatus.ADOPTED)
        assert adoption.occurred_at.year == 2023
    san_severo = Plan.objects.get(comune__istat_code="071051")
    assert san_severo.status == PlanStatus.DRAFTING
    due = san_severo.process.task_set.get(status="ASSIGNED").step.due
    assert due.year == 2023  # long overdue
    second = Plan.objects.filter(title=SECOND_CYCLE)
    assert set(second.values_list("status", flat=True)) == {
        PlanStatus.NEEDS_ASSESSMENT,
        PlanStatus.STAKEHOLDER_TABLES,
        PlanStatus.DRAFTING,
        PlanStatus.REVIEW,
        PlanStatus.ADOPTION,
    }


def test_every_demo_user_logs_in_and_finds_the_work_of_their_role(client, cohort_comuni):
    seed()
    names = ["lead", "facilitator", "auditor"] + [coordinator_name(e.name) for e in COHORT]
    with_work = []

    for name in names:
        assert client.login(username=name, password=PASSWORD), name
        user = client.get("/home/").wsgi_request.user
        tasks = list(inbox_for(user)) + list(queue_for(user))
        for task in tasks:
            plan = task.process.plmprocess.plan
            if name.startswith("coord-"):
                assert coordinator_name(plan.comune.name) == name
                assert task.owner_permission == "plans.coordinate_plan"
            else:
                assert name == "facilitator"
                assert task.owner_permission == "plans.facilitate_plan"
        listed = client.get("/home/inbox/").context["page_obj"]
        assert {t.pk for t in listed} == {t.pk for t in inbox_for(user)}
        if tasks:
            with_work.append(name)

    # the second cycle's plans wait on these comuni's coordinators, and on the facilitator
    assert sorted(with_work) == [
        "coord-albenga",
        "coord-lavello",
        "coord-rovigo",
        "coord-san-severo",
        "coord-siracusa",
        "facilitator",
    ]


def test_the_demo_is_refused_under_production_settings(settings, cohort_comuni):
    settings.PLM_DEMO_ALLOWED = False

    with pytest.raises(CommandError, match="produzione"):
        seed()
    assert not Plan.objects.exists()


def test_the_demo_needs_the_registry_first():
    with pytest.raises(CommandError, match="import_comuni"):
        seed()


def test_the_demo_refuses_a_database_with_plans_of_its_own(cohort_comuni, launch, comune):
    launch(comune, title="PLM 2024-2026")

    with pytest.raises(CommandError, match="non ha creato|did not create"):
        seed()
    assert Plan.objects.count() == 1


sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the stamp is SQLite's user_version: make run's database"
)


@sqlite_only
def test_the_demo_stamps_its_version_in_the_database(cohort_comuni):
    from flows.demo import DEMO_VERSION, stamp

    seed()

    assert stamp.stored_version() == DEMO_VERSION


@sqlite_only
def test_an_older_demo_database_on_disk_is_rebuilt_and_the_command_says_so(
    cohort_comuni, monkeypatch
):
    from flows.demo import DEMO_VERSION, stamp

    seed()
    stamp.store_version(DEMO_VERSION - 1)
    removed, commands = [], []
    monkeypatch.setattr(stamp, "is_sqlite_file", lambda: True)
    monkeypatch.setattr(stamp, "database_remove", lambda: removed.append(1) or Path("db.sqlite3"))
    monkeypatch.setattr(
        "flows.management.commands.seed_demo.call_command",
        lambda name, *args, **kwargs: commands.append(name),
    )

    output = seed()

    assert removed == [1]
    assert commands == ["migrate", "import_comuni"]
    with translation.override("it"):
        said = gettext(
            "%(path)s was built by version %(old)d of the demo; rebuilding it for version %(new)d."
        ) % {"path": "db.sqlite3", "old": DEMO_VERSION - 1, "new": DEMO_VERSION}
    assert said in output
    assert stamp.stored_version() == DEMO_VERSION


def test_a_current_demo_database_is_kept(cohort_comuni, monkeypatch):
    from flows.demo import stamp

    seed()
    removed = []
    monkeypatch.setattr(stamp, "is_sqlite_file", lambda: True)
    monkeypatch.setattr(stamp, "database_remove", lambda: removed.append(1))

    seed()

    assert removed == []
