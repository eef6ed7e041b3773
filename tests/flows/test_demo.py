"""seed_demo: the cohort replayed on its dates, idempotent, verifiable, never in production."""

import datetime
import io
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from flows.content import content_for, last_return
from flows.demo import (
    COHORT,
    FILLERS,
    FIRST_CYCLE,
    ORDER,
    PASSWORD,
    SECOND_CYCLE,
    SECOND_CYCLE_STEPS,
    coordinator_name,
)
from flows.demo import adoption as demo_adoption
from flows.demo import assessment as demo_assessment
from flows.demo import drafting as demo_drafting
from flows.demo import tables as demo_tables
from flows.drafting_content import SECTION_CHANGED
from flows.selectors import inbox_for, queue_for
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.audit.verify import chains_verify
from plm_workflow.deadlines.models import (
    STAGES,
    Alert,
    AlertKind,
    Channel,
    DeliveryState,
    StepTask,
)
from plm_workflow.deadlines.policy import stage_days
from plm_workflow.plans import checks, phases
from plm_workflow.plans.models import (
    AdoptingBody,
    Document,
    DocumentKind,
    FundingLine,
    Measure,
    Meeting,
    NeedsAssessment,
    Organisation,
    Phase,
    Plan,
    PlanStatus,
    ReviewDecision,
    SectionKey,
    StakeholderTable,
)
from plm_workflow.plans.models.assessment import FIGURES
from plm_workflow.plans.services import review_decide
from plm_workflow.steps.adoption import adoption_submit
from plm_workflow.steps.assessment import assessment_submit
from plm_workflow.steps.drafting import draft_submit, measure_save, sections_save
from plm_workflow.steps.tables import meeting_save, tables_submit
from tests.conftest import pdf_upload
from tests.factories import ComuneFactory

pytestmark = pytest.mark.django_db


def cohort_comuni_create():
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


@pytest.fixture
def cohort_comuni():
    cohort_comuni_create()


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return (
        Plan.objects.count(),
        get_user_model().objects.count(),
        Event.objects.count(),
        Plan.objects.filter(status=PlanStatus.ADOPTED).count(),
    )


# The worker figures COHORT-FACTS documents (comune, group): every other one is illustrative.
DOCUMENTED_FIGURES = {("004203", "seasonal"), ("009002", "resident"), ("043042", "resident")}
ILLUSTRATIVE = "illustrativ"  # dato illustrativo, calendario illustrativo, ...


def _first_cycle_assessments():
    return NeedsAssessment.objects.filter(plan__title=FIRST_CYCLE).select_related("plan__comune")


# --- The stakeholder tables -----------------------------------------------------------------

TABLES_CLOSING = phases.spec_of(Phase.TABLES).closing.__name__
D = datetime.date
CREA = "CREA, Consiglio per la ricerca in agricoltura e l'analisi dell'economia agraria"
OIM = "OIM, Organizzazione internazionale per le migrazioni"
# The bodies COHORT-FACTS names, by comune (as the demo spells them): every other one, the
# comune itself aside, is illustrative.
DOCUMENTED_ORGANISATIONS = {
    "089017": {  # the provincial protocol of May 2021
        "INPS, direzione provinciale di Siracusa",
        "Centro per l'impiego di Siracusa",
        "Ispettorato territoriale del lavoro di Siracusa",
        "Ente bilaterale agricolo territoriale (EBAT)",
    },
    "078157": {"Caritas", "Migrantes", CREA},
    "009002": {
        "Fondazione Caritas della diocesi",
        "ARCI",
        "CPIA, Centro provinciale per l'istruzione degli adulti",
        "Migrantes",
    },
    "061027": {
        "Prefettura di Caserta",
        "Regione Campania",
        "ANCI",
        "Cittalia",
        "Ispettorato territoriale del lavoro (ITL)",
        "INPS",
        "INAIL",
        "ASL",
        OIM,
    },
    "029041": {"Prefettura di Rovigo", "ANCI", "Comune di Castelguglielmo"},
    "004203": {"Regione Piemonte", "Ispettorato territoriale del lavoro (ITL)", "INPS", CREA, OIM},
    "043042": {
        "Prefettura di Macerata",
        "Regione Marche",
        "INPS",
        "Ispettorato del Lavoro",
        "Coldiretti",
        "CIA",
        "CGIL",
        "CISL",
        "UIL",
    },
}
LAVELLO_GROUPS = {
    ("protection", "Gruppo di lavoro 1: tutela dei lavoratori agricoli dallo sfruttamento"),
    ("housing", "Gruppo di lavoro 2: soluzioni abitative"),
}
DOCUMENTED_TABLES = {
    *(("076043", name) for _theme, name in LAVELLO_GROUPS),
    ("078157", "Gruppo primario"),
    ("004203", "Tavolo di coprogettazione territoriale partecipata"),
    ("043042", "Tavolo primario"),
}
# The meetings COHORT-FACTS dates, each of the core table (Rovigo's day also of its groups).
DOCUMENTED_MEETINGS = {
    ("076043", D(2022, 7, 6)),  # Lavello's kick-off
    ("089017", D(2022, 7, 13)),
    ("089017", D(2022, 8, 1)),
    ("078157", D(2022, 7, 25)),  # the core group's first meeting
    ("078157", D(2023, 2, 22)),
    ("078157", D(2023, 6, 13)),  # the public assembly
    ("009002", D(2022, 8, 2)),
    ("061027", D(2022, 10, 6)),
    ("029041", D(2023, 5, 5)),  # the Stati Generali del Lavoro Agricolo
    ("004203", D(2023, 1, 26)),
    ("043042", D(2023, 1, 9)),
}
# Those that came after the demo's approval of the tables: recorded in drafting.
LATE_MEETINGS = {("078157", D(2023, 2, 22)), ("078157", D(2023, 6, 13)), ("029041", D(2023, 5, 5))}


def _first_cycle_meetings():
    return Meeting.objects.filter(table__plan__title=FIRST_CYCLE).select_related(
        "table__plan__comune"
    )


def _day(meeting):
    return timezone.localtime(meeting.starts_at).date()


def _present(meeting) -> set:
    return set(meeting.attendance.values_list("name", flat=True))


def _recorded_at(meeting):
    """When the meeting's minutes and attendance were first recorded (its history)."""
    rows = meeting.history.order_by("history_date", "history_id")
    return next(row.history_date for row in rows if row.head_count is not None)


# --- The drafting ---------------------------------------------------------------------------

SUBMIT_DRAFT = phases.spec_of(Phase.DRAFTING).submit.__name__  # submit_for_review
PNRR = "pnrr_m5c2_2_2"
# The amounts COHORT-FACTS documents, on their comune's first plan: (source, amount). Every
# other amount is illustrative, and its measure says so.
DOCUMENTED_AMOUNTS = {
    "004203": (PNRR, Decimal("1693747.15")),  # Saluzzo: 52 beds
    "029041": (PNRR, Decimal("1129164.77")),  # Rovigo: about 10 temporary homes
    "043042": (PNRR, Decimal("7958238.25")),  # Porto Recanati: 115 beds
    "071051": (PNRR, Decimal("27832952.99")),  # San Severo: 2,000 beds planned
    "009002": (PNRR, Decimal("4000000.00")),  # Albenga's bid: "about 4 million"
    "076043": ("pon_legalita", Decimal("4200000.00")),  # Lavello's reception centre
}
PAST_DRAFTING = [PlanStatus.REVIEW, PlanStatus.ADOPTION, PlanStatus.ADOPTED]
DRAFT_KINDS = [EventKind.SECTION_SAVED, EventKind.MEASURE_SAVED, EventKind.MEASURE_REMOVED]


def _sections_named(*keys) -> str:
    """The sections as the named checks list them."""
    return ", ".join(f"“{label}”" for key, label in SectionKey.choices if key in keys)


def _changes_since_return(plan):
    returned = last_return(plan, Phase.DRAFTING)
    return returned, content_for(Phase.DRAFTING).changes_since(plan, returned.decided_at)


def _titles(state) -> set:
    return {measure.title for measure in state.measures}


# --- The adoption ---------------------------------------------------------------------------

ADOPT = phases.spec_of(Phase.ADOPTION).closing.__name__
PRESENTED = D(2023, 12, 20)  # the programme presented the eight adopted plans
SIGNED_ACT_MARK = b"documento illustrativo della demo, non l'atto reale"


def _local_day(event):
    return timezone.localtime(event.occurred_at).date()


def _read(document) -> bytes:
    with document.file.open("rb") as stored:
        return stored.read()


def test_a_second_cycle_past_its_act_has_one_recorded_today(cohort_comuni, monkeypatch):
    verify = phases.spec_of(Phase.ADOPTION).check_node
    monkeypatch.setattr("flows.demo.SECOND_CYCLE_STEPS", {"089017": verify})

    seed()

    plan = Plan.objects.get(comune__istat_code="089017", title=SECOND_CYCLE)
    task = plan.process.task_set.get(status__in=["NEW", "ASSIGNED"], flow_task_type="HUMAN")
    assert task.flow_task.name == verify
    adoption = plan.adoption
    assert adoption.act_date == timezone.localdate() and ILLUSTRATIVE in adoption.act_number
    assert SIGNED_ACT_MARK in _read(adoption.signed_act).lower()
    assert phases.failing_messages(plan, ADOPT) == []


def test_every_phase_has_a_demo_filler_for_the_second_cycle():
    assert set(FILLERS) == {spec.phase for spec in phases.PHASES}
    for filler in FILLERS.values():
        assert callable(filler.second_cycle)
    assert set(demo_assessment.FIRST_CYCLE) == {entry.istat for entry in COHORT}
    assert set(demo_tables.FACTS) == {entry.istat for entry in COHORT}
    assert set(demo_drafting.FIRST_CYCLE) == {entry.istat for entry in COHORT}
    assert set(demo_adoption.ACTS) == {entry.istat for entry in COHORT if entry.adopted}


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


# --- One seed for the tests that read it ----------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _media_of_its_own():
    """Store this module's files (minutes, acts) in a directory of its own, removed at the end.

    Every seed stores its PDFs; the rollback takes their rows, not the files.
    """
    with (
        tempfile.TemporaryDirectory(prefix="plm-test-demo-media-") as root,
        override_settings(MEDIA_ROOT=root),
    ):
        yield


@pytest.fixture(scope="class")
def seeded_demo(django_db_setup, django_db_blocker):
    """The seed's output; the seeded database for every test of the class."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            cohort_comuni_create()
            output = seed()
            yield output
        finally:
            transaction.set_rollback(True)


@pytest.mark.usefixtures("seeded_demo")
class TestOneSeededDemo:
    """The tests that read the demo, on one seed rolled back when the class ends.

    The demo is seeded once, inside a transaction, before the first of these tests; each test
    runs in a savepoint of it (pytest-django's ``django_db``), so what one changes (Albenga's
    assessment submitted, Lavello's tables, Siracusa's act, a login, a second seed) is rolled
    back before the next. A class, not a module, bounds that transaction: the tests of this
    module that need an empty database or a seed of their own run outside it.
    """

    def test_the_demo_replays_the_cohort_once_and_its_log_verifies(self, seeded_demo):
        output = seeded_demo
        first = counts()

        seed()

        assert counts() == first  # twice creates nothing new
        assert first[3] == 8  # eight plans adopted in 2023
        assert chains_verify().ok
        assert "coord-castel-volturno" in output
        castel_volturno = Plan.objects.get(comune__istat_code="061027", title="PLM 2022-2023")
        assert castel_volturno.adoption.act_date == datetime.date(2023, 7, 6)
        for plan in Plan.objects.filter(status=PlanStatus.ADOPTED):
            assert plan.created_at.year == 2022
            adoption = Event.objects.get(plan=plan, payload__changes__status__1=PlanStatus.ADOPTED)
            assert plan.adoption.act_date <= _local_day(adoption) < PRESENTED
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

    def test_each_cohort_plan_has_a_full_assessment_with_saluzzos_documented_figures(self):
        assessments = list(_first_cycle_assessments())
        assert len(assessments) == len(COHORT)
        for found in assessments:
            plan = found.plan
            assert (
                phases.failing_messages(plan, phases.spec_of(Phase.ASSESSMENT).closing.__name__)
                == []
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

    def test_every_figure_the_documents_do_not_give_says_it_is_illustrative(self):
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

    def test_albengas_second_cycle_waits_with_a_draft_its_coordinator_can_finish(self):
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

    def test_the_second_cycle_plans_past_assessment_start_from_a_copy_of_the_first(self):
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
                phases.failing_messages(plan, phases.spec_of(Phase.ASSESSMENT).closing.__name__)
                == []
            )

    def test_the_cohorts_tables_reach_its_volumes_with_the_documented_meetings_on_their_dates(self):
        first = StakeholderTable.objects.filter(plan__title=FIRST_CYCLE)
        assert 230 <= Organisation.objects.count() <= 280  # the cohort: 250 organisations
        assert 33 <= first.filter(kind="thematic").count() <= 40  # 36 thematic groups
        assert 110 <= _first_cycle_meetings().count() <= 140  # 110+ meetings
        for plan in Plan.objects.filter(title=FIRST_CYCLE):
            assert first.filter(plan=plan, kind="core").count() == 1
            assert first.filter(plan=plan, kind="thematic").count() >= 2
            assert Organisation.objects.filter(comune=plan.comune).count() >= 20
            meetings = Meeting.objects.filter(table__plan=plan)
            assert meetings.count() >= 11
            assert meetings.filter(minutes_file__isnull=False).exists()  # PDF minutes
            assert meetings.filter(minutes_file__isnull=True).exclude(minutes="").exists()  # text
            assert phases.failing_messages(plan, TABLES_CLOSING) == []
        found = {}
        for meeting in _first_cycle_meetings():
            key = (meeting.table.plan.comune.istat_code, _day(meeting))
            if key in DOCUMENTED_MEETINGS:
                found.setdefault(key, []).append(meeting)
        assert set(found) == DOCUMENTED_MEETINGS
        for key, meetings in found.items():
            assert any(meeting.table.kind == "core" for meeting in meetings), key
            for meeting in meetings:
                assert "InCaS" in meeting.agenda + meeting.minutes, key  # names its source
                assert meeting.has_minutes and meeting.attendance.exists(), key
        assert len(found[("029041", D(2023, 5, 5))]) == 6  # a day of tables: plenary and groups

        def documented(istat, day):
            return found[(istat, day)][0]

        lavello = Plan.objects.get(comune__istat_code="076043", title=FIRST_CYCLE)
        assert set(lavello.tables.filter(kind="thematic").values_list("theme", "name")) == (
            LAVELLO_GROUPS
        )
        assert "Masterplan" in documented("076043", D(2022, 7, 6)).agenda
        corigliano = documented("078157", D(2022, 7, 25))
        assert corigliano.table.name == "Gruppo primario"
        assert corigliano == corigliano.table.meetings.order_by("starts_at").first()
        assert {"Caritas", "Migrantes", CREA} <= _present(corigliano)
        saluzzo = documented("004203", D(2023, 1, 26))
        assert saluzzo.table.name == "Tavolo di coprogettazione territoriale partecipata"
        assert saluzzo.attendance.count() >= 30  # 30+ bodies
        assert {
            "Regione Piemonte",
            "Ispettorato territoriale del lavoro (ITL)",
            "INPS",
            CREA,
            OIM,
        } <= (_present(saluzzo))
        assert saluzzo.attendance.filter(kind="comune").count() == 11  # Saluzzo and ten more
        assert saluzzo.head_count >= saluzzo.attendance.count()
        porto_recanati = documented("043042", D(2023, 1, 9))
        assert porto_recanati.table.name == "Tavolo primario"
        assert _present(porto_recanati) == DOCUMENTED_ORGANISATIONS["043042"] | {
            "Comune di Porto Recanati"
        }
        albenga = documented("009002", D(2022, 8, 2))
        assert DOCUMENTED_ORGANISATIONS["009002"] <= _present(albenga)
        assert albenga.attendance.filter(name__contains="Ente dell'accoglienza").count() == 2
        castel_volturno = documented("061027", D(2022, 10, 6))
        assert castel_volturno.place == "Sala consiliare"
        assert {"Prefettura di Caserta", "Regione Campania"} <= _present(castel_volturno)
        rovigo = found[("029041", D(2023, 5, 5))]
        assert all("Stati Generali del Lavoro Agricolo" in meeting.agenda for meeting in rovigo)
        assert {"Prefettura di Rovigo", "ANCI", "Comune di Castelguglielmo"} <= _present(rovigo[0])

    def test_meetings_are_recorded_once_held_and_the_late_ones_in_drafting(self):
        late = 0
        for meeting in Meeting.objects.select_related("table__plan__comune"):
            if not meeting.has_minutes and meeting.head_count is None:
                continue
            recorded = _recorded_at(meeting)
            assert recorded >= meeting.starts_at, meeting  # never minutes of a meeting to come
            plan = meeting.table.plan
            status = plan.history.as_of(recorded).status
            if status == PlanStatus.DRAFTING:
                late += 1
                assert meeting.history.filter(history_change_reason__contains="late").exists()
            else:
                assert status == PlanStatus.STAKEHOLDER_TABLES, meeting
            if (plan.comune.istat_code, _day(meeting)) in LATE_MEETINGS:
                assert plan.title == FIRST_CYCLE
                assert status == PlanStatus.DRAFTING  # a late meeting, before the draft's review
                assert timezone.localtime(recorded).date() == _day(meeting)  # on its date
                created = meeting.history.earliest("history_date")
                assert created.history_type == "+" and created.history_date == recorded
        # Rovigo's six sessions, Corigliano-Rossano's two, and one set at submission per plan
        assert late == 6 + 2 + len(COHORT)
        # a meeting set at submission, still to come then, had no minutes nor attendance
        for meeting in _first_cycle_meetings():
            created = meeting.history.earliest("history_date")
            if created.history_date < meeting.starts_at:
                assert created.head_count is None and not created.minutes
                assert created.minutes_file_id is None

    def test_every_undocumented_organisation_table_and_meeting_says_it_is_illustrative(self):
        for organisation in Organisation.objects.select_related("comune"):
            istat = organisation.comune.istat_code
            if organisation.is_the_comune:
                assert organisation.name == f"Comune di {organisation.comune.name}"
            elif organisation.name not in DOCUMENTED_ORGANISATIONS.get(istat, set()):
                assert ILLUSTRATIVE in organisation.name, organisation.name
        for table in StakeholderTable.objects.select_related("plan__comune"):
            if (table.plan.comune.istat_code, table.name) not in DOCUMENTED_TABLES:
                assert ILLUSTRATIVE in table.name, table.name
            else:
                assert table.plan.title == FIRST_CYCLE
        for meeting in Meeting.objects.select_related("minutes_file"):
            said = meeting.agenda + meeting.minutes + meeting.decisions
            assert ILLUSTRATIVE in said, meeting  # what was said there is never documented
            if meeting.minutes_file is not None:
                document = meeting.minutes_file
                assert document.kind == DocumentKind.MINUTES
                assert document.plan_id == meeting.table.plan_id
                with document.file.open("rb") as stored:
                    content = stored.read()
                assert content.startswith(b"%PDF-") and b"illustrativo" in content
                assert Event.objects.filter(
                    kind=EventKind.FILE_UPLOADED,
                    payload__concerns__document=str(document.public_id),
                ).exists()
        minutes = Document.objects.filter(kind=DocumentKind.MINUTES)
        assert minutes.count() == Meeting.objects.filter(minutes_file__isnull=False).count() > 30

    def test_lavellos_second_cycle_waits_on_its_tables_with_only_the_core_tables_minutes_left(self):
        plan = Plan.objects.get(comune__istat_code="076043", title=SECOND_CYCLE)
        assert plan.status == PlanStatus.STAKEHOLDER_TABLES
        task = plan.process.task_set.get(status="ASSIGNED")
        assert task.flow_task.name == phases.spec_of(Phase.TABLES).work_node
        assert task.owner.username == "coord-lavello" == task.step.holder.username
        core = plan.tables.get(kind="core")
        assert plan.tables.filter(kind="thematic").count() == 2
        assert phases.failing_messages(plan, TABLES_CLOSING) == [
            str(checks.CORE_TABLE_NOT_MET % {"table": core.name})
        ]
        to_come = Meeting.objects.filter(table__plan=plan, starts_at__gt=timezone.now())
        assert to_come.count() == 1 and not to_come.get().has_minutes
        meeting = core.meetings.get()
        assert meeting.starts_at < timezone.now()
        assert not meeting.has_minutes and meeting.head_count is None

        present = list(core.members.values_list("pk", flat=True)[:3])
        meeting_save(
            plan=plan,
            by=task.owner,
            table=core.pk,
            pk=meeting.pk,
            seen_version=meeting.revision,
            attendance=present,
            head_count=5,
            minutes="Verbale dell'incontro.",
        )
        assert phases.failing_messages(plan, TABLES_CLOSING) == []
        tables_submit(plan=plan, by=task.owner)

    def test_the_later_second_cycle_plans_have_small_complete_tables(self):
        later = [
            istat
            for istat, node in SECOND_CYCLE_STEPS.items()
            if ORDER.index(node) > ORDER.index(phases.spec_of(Phase.TABLES).check_node)
        ]
        assert sorted(later) == ["004203", "029041", "089017"]  # Saluzzo, Rovigo, Siracusa
        for istat in later:
            plan = Plan.objects.get(comune__istat_code=istat, title=SECOND_CYCLE)
            assert phases.failing_messages(plan, TABLES_CLOSING) == []
            assert plan.tables.filter(kind="thematic").exists()
            assert Event.objects.filter(plan=plan, kind=EventKind.MEETING_SAVED).exists()

    def test_every_plan_past_drafting_has_a_complete_draft_across_the_priority_actions(self):
        past = Plan.objects.filter(status__in=PAST_DRAFTING).select_related("comune")
        # eight adopted; Saluzzo's second cycle under review, Siracusa's waiting on its act
        assert past.count() == 10
        every_action = set()
        for plan in past:
            istat = plan.comune.istat_code
            assert phases.failing_messages(plan, SUBMIT_DRAFT) == [], plan
            for section in plan.sections.all():
                assert "\n- " in section.text or section.key != SectionKey.CONTEXT, plan
            measures = list(
                plan.measures.select_related("priority_action", "lead").prefetch_related(
                    "partners", "funding", "indicators"
                )
            )
            assert 3 <= len(measures) <= 7, plan
            actions = {measure.priority_action.number for measure in measures}
            assert len(actions) >= 3, plan
            every_action |= actions
            documented = DOCUMENTED_AMOUNTS.get(istat) if plan.title == FIRST_CYCLE else None
            for measure in measures:
                assert ILLUSTRATIVE in measure.description, measure  # says what is invented
                assert measure.lead.comune_id == plan.comune_id
                assert measure.partners.exists()
                assert {org.comune_id for org in measure.partners.all()} == {plan.comune_id}
                for line in measure.funding.all():
                    assert line.cup == ""  # none is documented: none invented
                    if (line.source, line.amount) != documented:
                        assert "importo illustrativo" in measure.description, measure
                for indicator in measure.indicators.all():
                    assert indicator.baseline is not None and indicator.target is not None
                    assert ILLUSTRATIVE in indicator.source or "InCaS" in indicator.source
        assert every_action >= {1, 4, 5, 6, 7, 8, 9, 10}

    def test_the_documented_amounts_fund_their_comunes_plans_and_saluzzos_facts_are_there(self):
        for istat, (source, amount) in DOCUMENTED_AMOUNTS.items():
            plan = Plan.objects.get(comune__istat_code=istat, title=FIRST_CYCLE)
            line = FundingLine.objects.select_related("measure").get(
                measure__plan=plan, amount=amount
            )
            assert line.source == source, istat
            assert "InCaS" in line.measure.description, istat  # names its source
        assert not FundingLine.objects.filter(
            measure__plan__title=SECOND_CYCLE, source=PNRR
        ).exists()  # Rovigo renounced its project in 2024; the others' are not documented
        saluzzo = Plan.objects.get(comune__istat_code="004203", title=FIRST_CYCLE)
        context = saluzzo.sections.get(key=SectionKey.CONTEXT).text
        assert "10.000" in context and "12.000" in context and "360 posti" in context
        assert "maggio" in context and "dicembre" in context

    def test_each_cohort_draft_was_returned_with_comments_and_its_revision_shows(self):
        adopted = Plan.objects.filter(title=FIRST_CYCLE, status=PlanStatus.ADOPTED)
        amount = str(FundingLine._meta.get_field("amount").verbose_name)
        # A section's edit reads "Section «X» changed" (old → new), or says what was added
        # or removed: each line names its section.
        section_named = [
            str(SECTION_CHANGED % {"section": label}).split("»")[0] + "»"
            for _key, label in SectionKey.choices
        ]
        for plan in adopted.select_related("comune"):
            coordinator = coordinator_name(plan.comune.name)
            reviews = list(plan.reviews.filter(phase=Phase.DRAFTING).order_by("round"))
            assert [(r.round, r.decision) for r in reviews] == [
                (1, ReviewDecision.RETURNED),
                (2, ReviewDecision.APPROVED),
            ]
            returned, lines = _changes_since_return(plan)
            assert returned.comments
            items = list(returned.item_comments.all())
            assert items and any(not item.section for item in items)  # one on a measure
            # what changed since the return, as the review page says it: an amount, a
            # section, a measure added or removed
            assert lines, plan
            said = [line.get("what", "") for line in lines]
            assert any(amount in what for what in said), plan
            words = [line.get("what") or line.get("text") for line in lines]
            assert any(line.startswith(tuple(section_named)) for line in words), plan
            before = content_for(Phase.DRAFTING).as_of(plan, returned.decided_at)
            after = content_for(Phase.DRAFTING).as_of(plan)
            assert _titles(before) != _titles(after), plan
            # written by the coordinator in drafting, over the weeks of the phase
            written = Event.objects.filter(plan=plan, kind__in=DRAFT_KINDS).select_related("actor")
            assert written.count() >= 8
            for event in written:
                assert event.actor.username == coordinator
                status = plan.history.as_of(event.occurred_at).status
                assert status == PlanStatus.DRAFTING, event
            assert len({_local_day(event) for event in written}) >= 6

    def test_san_severo_stalls_with_a_draft_started_and_a_measure_lacking_funding(self):
        plan = Plan.objects.get(comune__istat_code="071051")
        assert plan.status == PlanStatus.DRAFTING
        assert not plan.reviews.filter(phase=Phase.DRAFTING).exists()
        unfunded = "Presidio sanitario e di prima assistenza nelle campagne"
        assert phases.failing_messages(plan, SUBMIT_DRAFT) == [
            str(
                checks.SECTIONS_MISSING
                % {"sections": _sections_named(SectionKey.GOVERNANCE, SectionKey.MONITORING)}
            ),
            str(checks.FUNDING_MISSING % {"measures": f"“{unfunded}”"}),
        ]
        assert plan.sections.filter(key=SectionKey.CONTEXT).exclude(text="").exists()
        assert not plan.measures.get(title=unfunded).funding.exists()
        written = Event.objects.filter(plan=plan, kind__in=DRAFT_KINDS)
        assert {_local_day(event).year for event in written} == {2023}

    def test_rovigos_second_cycle_waits_with_a_partial_draft_its_coordinator_can_finish(self):
        plan = Plan.objects.get(comune__istat_code="029041", title=SECOND_CYCLE)
        assert plan.status == PlanStatus.DRAFTING
        task = plan.process.task_set.get(status="ASSIGNED")
        assert task.flow_task.name == phases.spec_of(Phase.DRAFTING).work_node
        assert task.owner.username == "coord-rovigo" == task.step.holder.username
        assert plan.measures.count() == 3
        unfunded = plan.measures.get(title="Corse stagionali verso le aziende")
        # the named checks fail only on what is left for the demo user
        assert phases.failing_messages(plan, SUBMIT_DRAFT) == [
            str(checks.SECTIONS_MISSING % {"sections": _sections_named(SectionKey.MONITORING)}),
            str(checks.FUNDING_MISSING % {"measures": f"“{unfunded.title}”"}),
        ]
        context = plan.sections.get(key=SectionKey.CONTEXT).text
        assert "agosto 2024" in context and "1.129.164,77" in context  # the PNRR renounced

        sections_save(
            plan=plan,
            by=task.owner,
            texts={SectionKey.MONITORING: "Indicatori raccolti ogni sei mesi."},
            seen_versions={SectionKey.MONITORING: 0},
        )
        measure_save(
            plan=plan,
            by=task.owner,
            pk=unfunded.pk,
            seen_version=unfunded.revision,
            fields={},
            funding=[{"source": "regional", "amount": Decimal("50000.00"), "cup": ""}],
        )
        assert phases.failing_messages(plan, SUBMIT_DRAFT) == []
        draft_submit(plan=plan, by=task.owner)
        plan.refresh_from_db()
        assert plan.status == PlanStatus.REVIEW

    def test_saluzzos_second_cycle_waits_on_review_with_what_changed_since_its_return(self):
        plan = Plan.objects.get(comune__istat_code="004203", title=SECOND_CYCLE)
        assert plan.status == PlanStatus.REVIEW
        task = plan.process.task_set.get(status__in=["NEW", "ASSIGNED"], flow_task_type="HUMAN")
        assert task.flow_task.name == phases.spec_of(Phase.DRAFTING).check_node
        assert phases.failing_messages(plan, SUBMIT_DRAFT) == []
        returned, lines = _changes_since_return(plan)
        assert returned.round == 1 and returned.decision == ReviewDecision.RETURNED
        assert returned.item_comments.filter(measure__isnull=False).exists()
        assert returned.item_comments.exclude(section="").exists()
        assert len(lines) >= 3
        assert Measure.objects.filter(plan=plan).count() == 5  # one added since the return

        review_decide(
            plan=plan,
            phase=Phase.DRAFTING,
            decision=ReviewDecision.APPROVED,
            by=get_user_model().objects.get(username="facilitator"),
        )
        plan.refresh_from_db()
        assert plan.status == PlanStatus.ADOPTION

    def test_the_first_sweep_tells_of_san_severos_escalation_and_saluzzos_due_date_only(self):
        # given: the replay's news is old (read, its e-mails sent then)
        replayed = Alert.objects.exclude(plan__title=SECOND_CYCLE)
        assert replayed.exists()
        assert not replayed.filter(channel=Channel.IN_APP, read_at__isnull=True).exists()
        assert not replayed.filter(state=DeliveryState.PENDING).exists()
        saluzzo = StepTask.objects.get(
            plan__comune__istat_code="004203", plan__title=SECOND_CYCLE, closed_at__isnull=True
        )
        first_reminder = stage_days(saluzzo.due, saluzzo.plan.comune)[AlertKind.DUE_IN_7]
        assert first_reminder >= timezone.localdate()  # brought forward to within 7 working days
        # when: the first sweep of make run, on the day Saluzzo's first reminder starts
        with translation.override("en"):
            call_command(
                "send_deadline_alerts", "--now", f"{first_reminder}T12:00", stdout=io.StringIO()
            )
        # then
        told = set(
            Alert.objects.filter(channel=Channel.IN_APP, kind__in=STAGES).values_list(
                "plan__comune__name", "kind", "recipient__username"
            )
        )
        assert {
            ("San Severo", AlertKind.ESCALATION, "coord-san-severo"),
            ("San Severo", AlertKind.ESCALATION, "facilitator"),
            ("San Severo", AlertKind.ESCALATION, "lead"),
            ("Saluzzo", AlertKind.DUE_IN_7, "facilitator"),
        } <= told

    def test_each_adopted_cohort_plan_has_its_signed_act_recorded_after_it_and_published(self):
        adopted = Plan.objects.filter(title=FIRST_CYCLE, status=PlanStatus.ADOPTED)
        assert adopted.count() == 8
        for plan in adopted.select_related("adoption__signed_act", "comune"):
            istat, adoption = plan.comune.istat_code, plan.adoption
            act = adoption.signed_act
            assert act.kind == DocumentKind.ADOPTION_ACT and act.plan == plan
            assert SIGNED_ACT_MARK in _read(act).lower(), istat
            assert Event.objects.filter(
                kind=EventKind.FILE_UPLOADED, payload__concerns__document=str(act.public_id)
            ).exists()
            assert adoption.body and adoption.act_number
            assert adoption.act_date < PRESENTED
            assert phases.failing_messages(plan, ADOPT) == []  # after the approval and adhesion
            # recorded (the last save, that submitted it) on or after the act's date, by the
            # coordinator; then verified by the facilitator: the plan adopted
            saved = Event.objects.filter(plan=plan, kind=EventKind.ADOPTION_SAVED)
            assert saved.count() == 1
            assert _local_day(saved.get()) >= adoption.act_date
            assert saved.get().actor.username == coordinator_name(plan.comune.name)
            verified = Event.objects.get(plan=plan, payload__changes__status__1=PlanStatus.ADOPTED)
            assert verified.occurred_at > saved.get().occurred_at
            # the albo: a few days after the act, for fifteen days, recorded on its first day
            assert 2 <= (adoption.published_from - adoption.act_date).days <= 7, istat
            assert (adoption.published_to - adoption.published_from).days + 1 == 15
            published = Event.objects.get(plan=plan, kind=EventKind.PUBLICATION_RECORDED)
            assert _local_day(published) == adoption.published_from
            assert published.occurred_at > verified.occurred_at
            assert published.actor.username == coordinator_name(plan.comune.name)
            assert "illustrativ" in adoption.register_number
            assert adoption.publication_link.startswith("https://albo.example.org/")
            assert not Event.objects.filter(
                plan=plan, kind=EventKind.PUBLICATION_CORRECTED
            ).exists()

    def test_castel_volturnos_documented_adoption_and_every_other_fact_says_it_is_illustrative(
        self,
    ):
        castel_volturno = Plan.objects.get(comune__istat_code="061027", title=FIRST_CYCLE)
        adoption = castel_volturno.adoption
        assert (adoption.body, adoption.act_date) == (AdoptingBody.GIUNTA, D(2023, 7, 6))
        assert "6 luglio 2023" in adoption.notes and "InCaS" in adoption.notes
        for plan in Plan.objects.filter(title=FIRST_CYCLE, status=PlanStatus.ADOPTED):
            adoption = plan.adoption
            assert ILLUSTRATIVE in adoption.act_number  # no act number is documented
            assert ILLUSTRATIVE in adoption.notes
            if plan != castel_volturno:
                assert "Numero e data illustrativi" in adoption.notes
        assert not Plan.objects.get(comune__istat_code="071051").documents.filter(
            kind=DocumentKind.ADOPTION_ACT
        )  # San Severo did not adopt

    def test_siracusas_second_cycle_waits_on_its_act_with_a_draft_missing_the_date_and_the_pdf(
        self,
    ):
        plan = Plan.objects.get(comune__istat_code="089017", title=SECOND_CYCLE)
        assert plan.status == PlanStatus.ADOPTION
        task = plan.process.task_set.get(status="ASSIGNED")
        assert task.flow_task.name == phases.spec_of(Phase.ADOPTION).work_node
        assert task.owner.username == "coord-siracusa" == task.step.holder.username
        draft = plan.adoption
        assert (draft.body, draft.act_number) == (AdoptingBody.GIUNTA, "57 (illustrativo)")
        assert draft.act_date is None and draft.signed_act is None and not draft.is_published
        assert ILLUSTRATIVE in draft.notes
        # the named checks fail only on what is left for the demo user
        assert phases.failing_messages(plan, ADOPT) == [
            str(checks.ACT_DATE_MISSING),
            str(checks.SIGNED_ACT_MISSING),
        ]

        adoption_submit(
            plan=plan,
            by=task.owner,
            fields={"act_date": timezone.localdate()},
            signed_act_upload=pdf_upload("delibera-adozione.pdf"),
            seen_version=draft.revision,
        )
        assert phases.failing_messages(plan, ADOPT) == []

    def test_every_demo_user_logs_in_and_finds_the_work_of_their_role(self, client):
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

    def test_the_demo_people_are_named_by_their_role_not_as_real_people(self):
        from django.contrib.auth import get_user_model

        names = dict(get_user_model().objects.values_list("username", "first_name"))

        assert names["lead"] == "Responsabile della task force"
        assert names["facilitator"] == "Facilitatore Cittalia 1"
        assert names["auditor"] == "Auditor"
        for entry in COHORT:
            assert names[coordinator_name(entry.name)] == f"Referente comunale – {entry.name}"
        assert not get_user_model().objects.exclude(last_name="").exists()

    @sqlite_only
    def test_the_demo_stamps_its_version_in_the_database(self):
        from flows.demo import DEMO_VERSION, stamp

        assert stamp.stored_version() == DEMO_VERSION

    @sqlite_only
    def test_an_older_demo_database_on_disk_is_rebuilt_and_the_command_says_so(self, monkeypatch):
        from flows.demo import DEMO_VERSION, stamp

        stamp.store_version(DEMO_VERSION - 1)
        removed, commands = [], []
        monkeypatch.setattr(stamp, "is_sqlite_file", lambda: True)
        monkeypatch.setattr(
            stamp, "database_remove", lambda: removed.append(1) or Path("db.sqlite3")
        )
        monkeypatch.setattr(
            "flows.management.commands.seed_demo.call_command",
            lambda name, *args, **kwargs: commands.append(name),
        )

        output = seed()

        assert removed == [1]
        assert commands == ["migrate", "import_comuni"]
        with translation.override("it"):
            said = gettext(
                "%(path)s was built by version %(old)d of the demo; rebuilding it for version %(new)d."  # noqa: E501
            ) % {"path": "db.sqlite3", "old": DEMO_VERSION - 1, "new": DEMO_VERSION}
        assert said in output
        assert stamp.stored_version() == DEMO_VERSION

    def test_a_current_demo_database_is_kept(self, monkeypatch):
        from flows.demo import stamp

        removed = []
        monkeypatch.setattr(stamp, "is_sqlite_file", lambda: True)
        monkeypatch.setattr(stamp, "database_remove", lambda: removed.append(1))

        seed()

        assert removed == []
