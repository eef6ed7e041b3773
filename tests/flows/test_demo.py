"""seed_demo: the cohort replayed on its dates, idempotent, verifiable, never in production."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from flows.demo import (
    COHORT,
    FILLERS,
    FIRST_CYCLE,
    PASSWORD,
    SECOND_CYCLE,
    SECOND_CYCLE_STEPS,
    coordinator_name,
)
from flows.demo import assessment as demo_assessment
from flows.selectors import inbox_for, queue_for
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.audit.verify import chains_verify
from plm_workflow.plans import checks, phases
from plm_workflow.plans.models import NeedsAssessment, Phase, Plan, PlanStatus
from plm_workflow.plans.models.assessment import FIGURES
from plm_workflow.steps.assessment import assessment_submit
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


# The worker figures COHORT-FACTS documents (comune, group): every other one is illustrative.
DOCUMENTED_FIGURES = {("004203", "seasonal"), ("009002", "resident"), ("043042", "resident")}
ILLUSTRATIVE = "illustrativ"  # dato illustrativo, calendario illustrativo, ...


def _first_cycle_assessments():
    return NeedsAssessment.objects.filter(plan__title=FIRST_CYCLE).select_related("plan__comune")


def test_each_cohort_plan_has_a_full_assessment_with_saluzzos_documented_figures(
    cohort_comuni,
):
    seed()

    assessments = list(_first_cycle_assessments())
    assert len(assessments) == len(COHORT)
    for found in assessments:
        plan = found.plan
        assert (
            phases.failing_messages(plan, phases.spec_of(Phase.ASSESSMENT).closing.__name__) == []
        )
        assert found.copied_from is None
        submitted = Event.objects.get(plan=plan, kind=EventKind.ASSESSMENT_SAVED)
        for figure in FIGURES:
            year = getattr(found, f"{figure}_year")
            assert year is None or year <= submitted.occurred_at.year  # never in the future
    saluzzo = NeedsAssessment.objects.get(
        plan__comune__istat_code="004203", plan__title=FIRST_CYCLE
    )
    assert (saluzzo.seasonal_min, saluzzo.seasonal_max) == (10_000, 12_000)
    assert "InCaS" in saluzzo.seasonal_source and "ANCI/Cittalia" in saluzzo.seasonal_source
    assert saluzzo.crops.first().months[0] == 5 and saluzzo.crops.last().months[-1] == 12
    dormitory = saluzzo.settlements.get()
    assert (dormitory.kind, dormitory.capacity) == ("reception_centre", 360)
    porto_recanati = NeedsAssessment.objects.get(plan__comune__istat_code="043042")
    assert (porto_recanati.resident_min, porto_recanati.resident_kind) == (500, "declared")
    assert porto_recanati.settlements.get().kind == "overcrowded_housing"


def test_every_figure_the_documents_do_not_give_says_it_is_illustrative(cohort_comuni):
    seed()

    for found in NeedsAssessment.objects.select_related("plan__comune"):
        istat = found.plan.comune.istat_code
        for figure in FIGURES:
            if getattr(found, f"{figure}_min") is None:
                continue
            source = getattr(found, f"{figure}_source")
            if (istat, figure) in DOCUMENTED_FIGURES:
                assert "InCaS" in source, (istat, figure)  # names its public source
            # a documented count still says its undocumented year is illustrative
            assert ILLUSTRATIVE in source, (istat, figure)
        for crop in found.crops.all():
            assert ILLUSTRATIVE in crop.name, (istat, crop.name)
        for place in found.settlements.all():
            assert ILLUSTRATIVE in place.name + place.notes, (istat, place.name)
        assert "InCaS" in found.data_sources and ILLUSTRATIVE in found.data_sources
        for text in (found.housing, found.key_issues):  # the draft has no key issues yet
            assert not text or "InCaS" in text or ILLUSTRATIVE in text, (istat, text)


def test_albengas_second_cycle_waits_with_a_draft_its_coordinator_can_finish(cohort_comuni):
    seed()

    plan = Plan.objects.get(comune__istat_code="009002", title=SECOND_CYCLE)
    assert plan.status == PlanStatus.NEEDS_ASSESSMENT
    draft = plan.assessment
    assert draft.copied_from is None
    assert draft.seasonal_min is not None or draft.resident_min is not None
    assert draft.crops.exists() and draft.housing
    closing = phases.spec_of(Phase.ASSESSMENT).closing.__name__
    # the named checks fail only on what is left for the demo user
    assert phases.failing_messages(plan, closing) == [
        str(checks.KEY_ISSUES_MISSING),
        str(checks.SETTLEMENTS_MISSING),
    ]
    assert not Event.objects.filter(plan=plan, kind=EventKind.ASSESSMENT_COPIED).exists()
    task = plan.process.task_set.get(status="ASSIGNED")
    assert task.flow_task.name == phases.spec_of(Phase.ASSESSMENT).work_node
    assert task.owner.username == "coord-albenga" == task.step.holder.username

    data = demo_assessment.draft_data("009002")
    data["fields"] |= {"key_issues": "Alloggio dignitoso.", "no_settlements_known": True}
    data["crops"] = [{"id": pk} for pk in draft.crops.values_list("pk", flat=True)]
    assessment_submit(plan=plan, by=task.owner, seen_version=draft.revision, **data)


def test_the_second_cycle_plans_past_assessment_start_from_a_copy_of_the_first(cohort_comuni):
    seed()

    past = [istat for istat, node in SECOND_CYCLE_STEPS.items() if istat != "009002"]
    assert past
    for istat in past:
        plan = Plan.objects.get(comune__istat_code=istat, title=SECOND_CYCLE)
        first = Plan.objects.get(comune__istat_code=istat, title=FIRST_CYCLE)
        assert plan.assessment.copied_from == first
        assert plan.assessment.seasonal_source or plan.assessment.resident_source
        assert plan.assessment.crops.count() == first.assessment.crops.count()
        assert Event.objects.filter(plan=plan, kind=EventKind.ASSESSMENT_COPIED).exists()
        assert (
            phases.failing_messages(plan, phases.spec_of(Phase.ASSESSMENT).closing.__name__) == []
        )


def test_every_phase_has_a_demo_filler_for_the_second_cycle():
    assert set(FILLERS) == {spec.phase for spec in phases.PHASES}
    for filler in FILLERS.values():
        assert callable(filler.second_cycle)
    assert set(demo_assessment.FIRST_CYCLE) == {entry.istat for entry in COHORT}


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
