"""The stakeholder tables' services, as their coordinators, facilitators and an auditor see them.

While the ``convene_tables`` task is open its holder manages the comune's organisations, the
core table and the thematic groups with their members, and each meeting with its attendance
and minutes; the submission needs the two named checks. In drafting any coordinator of the
plan may still add organisations and meetings, and the minutes and attendance a meeting lacks;
nothing else. Every change is one event old → new; a refusal leaves no trace.
"""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from flows.flows import PLMFlow
from flows.services import flow_suspend, task_claim
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans import checks
from plm_workflow.plans.documents import NOT_A_PDF, TOO_LARGE
from plm_workflow.plans.errors import NOT_ALLOWED, PlanError
from plm_workflow.plans.models import (
    Document,
    DocumentKind,
    Meeting,
    MeetingAttendance,
    Organisation,
    Phase,
    PlanStatus,
    Review,
    StakeholderTable,
    TableMember,
)
from plm_workflow.plans.models.tables import (
    FUTURE_MEETING_RECORDED,
    NO_PLACE,
    ONE_CORE_TABLE,
    ONLINE_LINK_INVALID,
    ORGANISATION_TWICE,
    THEME_OF_A_GROUP,
)
from plm_workflow.plans.organisations import organisations_of
from plm_workflow.plans.pdfs import one_page_pdf
from plm_workflow.plans.services import StaleEdit
from plm_workflow.steps.guard import NOT_HOLDER, NOT_OPEN
from plm_workflow.steps.tables import (
    FUTURE_ATTENDANCE,
    HEAD_COUNT_BELOW,
    LATE_NOT_OPEN,
    LATE_ONLY_ADDITIONS,
    NOT_FOUND,
    OTHER_COMUNE,
    TABLE_HAS_MEETINGS,
    THE_COMUNE_ITSELF,
    meeting_remove,
    meeting_save,
    organisation_save,
    table_remove,
    table_save,
    tables_submit,
)
from tests import tables
from tests.conftest import pdf_upload
from tests.factories import ComuneFactory, PlanFactory, UserFactory, plan_step
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

K = EventKind
S = PlanStatus
DAY = datetime.timedelta(days=1)


def past(days=7):
    return timezone.now() - days * DAY


def future(days=7):
    return timezone.now() + days * DAY


def take(plan, person):
    """Take the plan's open task on as ``person``, as its page does (nobody holds it yet)."""
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=person)


@pytest.fixture
def plan(flow_launched, comune, coordinator, coordinator2, facilitator):
    """Saluzzo's plan at its tables: two coordinators, the task held by ``coordinator``."""
    plan = flow_launched(comune, coordinators=[coordinator, coordinator2])
    plan_step(plan, by=coordinator)
    plan_step(plan, by=facilitator, decision="approved")
    take(plan, coordinator)
    return plan


@pytest.fixture
def itself(plan):
    return Organisation.objects.get(comune=plan.comune, is_the_comune=True)


@pytest.fixture
def stranger():
    """An organisation of another comune (Albenga, with a plan of its own)."""
    albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    PlanFactory(comune=albenga)
    return Organisation.objects.get(comune=albenga, is_the_comune=True)


@pytest.fixture
def drafting(plan, coordinator, facilitator):
    """The plan with complete tables, submitted and approved: drafting is open."""
    made = tables.complete(plan, coordinator)
    plan_step(plan, by=coordinator)
    plan_step(plan, by=facilitator, decision="approved")
    assert plan.status == S.DRAFTING
    return made


def core(plan, by, **given):
    fields = {"kind": "core", "name": "Tavolo primario"} | given
    return table_save(plan=plan, by=by, **fields)


def group(plan, by, **given):
    fields = {"kind": "thematic", "theme": "housing", "name": "Gruppo abitare"} | given
    return table_save(plan=plan, by=by, **fields)


def meeting(plan, by, table, **given):
    """A meeting of ``table`` a week ago in the council room (``given`` on top)."""
    fields = {"starts_at": past(), "place": "Sala consiliare"} | given
    return meeting_save(plan=plan, by=by, table=table.pk, **fields)


def met(plan, by, table, present, **given):
    """A past meeting of ``table`` with its minutes and the organisations ``present``."""
    fields = {"minutes": "Verbale.", "head_count": 4, "attendance": [o.pk for o in present]}
    return meeting(plan, by, table, **fields | given)


def minutes_pdf(name="verbale.pdf", text="Verbale dell'incontro"):
    return pdf_upload(name=name, content=one_page_pdf(text))


def stored_files(plan) -> list[str]:
    folder = f"plans/{plan.pk}"
    return sorted(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else []


def _rows(model, *fields):
    return list(model.objects.order_by("pk").values_list("pk", *fields))


def trace(plan) -> tuple:
    """What a refused write must leave as it was: the rows, their history, files and events."""
    plan.refresh_from_db()
    return (
        plan.status,
        _rows(Organisation, "comune_id", "name", "kind", "email", "revision"),
        _rows(StakeholderTable, "plan_id", "kind", "theme", "name", "convenor_id", "revision"),
        _rows(TableMember, "table_id", "organisation_id"),
        _rows(Meeting, "table_id", "starts_at", "head_count", "minutes", "minutes_file_id"),
        _rows(MeetingAttendance, "meeting_id", "organisation_id"),
        _rows(Document, "kind"),
        [
            model.history.count()
            for model in (Organisation, StakeholderTable, TableMember, Meeting, MeetingAttendance)
        ],
        Event.objects.count(),
        stored_files(plan),
    )


def events(plan, *kinds):
    return list(Event.objects.filter(plan=plan, kind__in=kinds).order_by("seq"))


def refused(action, plan) -> PlanError:
    """Run ``action``, which must be refused and leave no trace; return the refusal."""
    before = trace(plan)
    with pytest.raises(PlanError) as caught:
        action()
    assert trace(plan) == before
    return caught.value


# --- The named checks: a core table and a thematic group that have met ------------------------


def test_no_tables_fail_both_checks_and_the_task_stays_open(plan, coordinator):
    error = refused(lambda: tables_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [str(checks.CORE_TABLE_MISSING), str(checks.GROUP_MISSING)]
    assert open_task(plan).flow_task.name == "convene_tables"


def test_a_core_table_that_met_without_a_thematic_group_is_refused(plan, coordinator, itself):
    met(plan, coordinator, core(plan, coordinator), [itself])

    error = refused(lambda: tables_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [str(checks.GROUP_MISSING)]


def _lacking(plan, by, table, present, lack):
    """A meeting of ``table`` that lacks ``lack``: its minutes, its attendance, or its past."""
    if lack == "minutes":
        return meeting(plan, by, table, head_count=3, attendance=[o.pk for o in present])
    if lack == "attendance":
        return meeting(plan, by, table, minutes="Verbale.", head_count=3)
    return meeting(plan, by, table, starts_at=future())


LACKS = ["minutes", "attendance", "future"]


@pytest.mark.parametrize("lack", LACKS)
def test_a_core_table_whose_only_meeting_lacks_minutes_attendance_or_is_to_come_is_named(
    lack, plan, coordinator, itself
):
    _lacking(plan, coordinator, core(plan, coordinator, name="Tavolo di Saluzzo"), [itself], lack)
    met(plan, coordinator, group(plan, coordinator), [itself])

    error = refused(lambda: tables_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [str(checks.CORE_TABLE_NOT_MET % {"table": "Tavolo di Saluzzo"})]


@pytest.mark.parametrize("lack", LACKS)
def test_groups_whose_only_meetings_lack_minutes_attendance_or_are_to_come_are_named(
    lack, plan, coordinator, itself
):
    met(plan, coordinator, core(plan, coordinator), [itself])
    housing = group(plan, coordinator, name="Abitare")
    _lacking(plan, coordinator, housing, [itself], lack)
    group(plan, coordinator, theme="transport", name="Trasporti")  # no meeting at all

    error = refused(lambda: tables_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [str(checks.GROUPS_NOT_MET % {"tables": "“Abitare”, “Trasporti”"})]


def test_a_meeting_to_come_never_counts_even_with_minutes_and_attendance(plan, coordinator, itself):
    # given: rows no service would write (a meeting to come cannot have minutes), as a
    # meeting moved to the future behind the services' back would be
    table = core(plan, coordinator, name="Tavolo di Saluzzo")
    met(plan, coordinator, group(plan, coordinator), [itself])
    planned = Meeting.objects.create(
        table=table, starts_at=future(), place="Sala", minutes="Verbale.", head_count=2
    )
    MeetingAttendance.objects.create(meeting=planned, organisation=itself)

    error = refused(lambda: tables_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [str(checks.CORE_TABLE_NOT_MET % {"table": "Tavolo di Saluzzo"})]


def test_a_table_that_never_met_is_named_too(plan, coordinator, itself):
    core(plan, coordinator, name="Tavolo di Saluzzo")
    met(plan, coordinator, group(plan, coordinator), [itself])

    error = refused(lambda: tables_submit(plan=plan, by=coordinator), plan)

    assert error.messages == [str(checks.CORE_TABLE_NOT_MET % {"table": "Tavolo di Saluzzo"})]


def test_one_group_that_met_is_enough_and_minutes_may_be_a_pdf(
    plan, coordinator, facilitator, itself
):
    met(
        plan,
        coordinator,
        core(plan, coordinator),
        [itself],
        minutes="",
        minutes_upload=minutes_pdf(),
    )
    met(plan, coordinator, group(plan, coordinator), [itself])
    group(plan, coordinator, theme="health", name="Salute")  # not met yet

    plan_step(plan, by=coordinator)  # tables_submit, as the page runs it

    assert open_task(plan).flow_task.name == "check_tables"
    plan_step(plan, by=facilitator, decision="approved")
    assert plan.status == S.DRAFTING


def test_complete_tables_submitted_and_approved_open_drafting(plan, coordinator, facilitator):
    tables.complete(plan, coordinator)

    tables_submit(plan=plan, by=coordinator)
    plan.refresh_from_db()
    assert plan.status == S.STAKEHOLDER_TABLES  # handed over; the facilitators decide
    plan_step(plan, by=coordinator)  # the same submission, with the task's completion
    plan_step(plan, by=facilitator, decision="approved")

    assert plan.status == S.DRAFTING
    assert open_task(plan).flow_task.name == "draft"
    review = Review.objects.get(plan=plan, phase=Phase.TABLES)
    assert (review.decision, review.reviewer) == ("approved", facilitator)


# --- What a meeting may record ----------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [{"minutes": "Verbale anticipato."}, {"head_count": 5}],
    ids=["minutes", "head count"],
)
def test_a_meeting_to_come_can_have_no_minutes_nor_head_count(given, plan, coordinator):
    table = core(plan, coordinator)

    error = refused(lambda: meeting(plan, coordinator, table, starts_at=future(), **given), plan)

    assert error.messages == [str(FUTURE_MEETING_RECORDED)]


def test_a_meeting_to_come_can_have_no_organisations_present(plan, coordinator, itself):
    table = core(plan, coordinator)

    error = refused(
        lambda: meeting(plan, coordinator, table, starts_at=future(), attendance=[itself.pk]),
        plan,
    )

    assert error.messages == [str(FUTURE_ATTENDANCE)]


def test_a_meeting_to_come_can_have_no_minutes_pdf_and_nothing_is_stored(plan, coordinator):
    table = core(plan, coordinator)

    error = refused(
        lambda: meeting(plan, coordinator, table, starts_at=future(), minutes_upload=minutes_pdf()),
        plan,
    )

    assert error.messages == [str(FUTURE_MEETING_RECORDED)]


def test_a_meeting_to_come_is_recorded_without_minutes(plan, coordinator):
    planned = meeting(plan, coordinator, core(plan, coordinator), starts_at=future())

    assert (planned.has_minutes, planned.head_count) == (False, None)


def test_fewer_people_than_organisations_present_is_refused(plan, coordinator, itself):
    prefettura = organisation_save(plan=plan, by=coordinator, name="Prefettura", kind="prefettura")
    table = core(plan, coordinator)

    error = refused(lambda: met(plan, coordinator, table, [itself, prefettura], head_count=1), plan)

    assert error.messages == [str(HEAD_COUNT_BELOW % {"count": 2})]


def test_a_meeting_needs_a_place_or_an_https_link(plan, coordinator):
    table = core(plan, coordinator)

    nowhere = refused(lambda: meeting(plan, coordinator, table, place=""), plan)
    scripted = refused(
        lambda: meeting(plan, coordinator, table, place="", online_link="javascript:alert(1)"),
        plan,
    )
    online = meeting(plan, coordinator, table, place="", online_link="https://meet.example.org/x")

    assert nowhere.messages == [str(NO_PLACE)]
    assert scripted.messages == [str(ONLINE_LINK_INVALID)]
    assert online.online_link == "https://meet.example.org/x"


# --- Only this comune's organisations ---------------------------------------------------------


@pytest.mark.parametrize("role", ["convenor", "member", "attendee"])
def test_an_organisation_of_another_comune_cannot_sit_at_a_table(
    role, plan, coordinator, itself, stranger
):
    table = core(plan, coordinator, convenor_id=itself.pk, members=[itself.pk])
    actions = {
        "convenor": lambda: table_save(
            plan=plan, by=coordinator, pk=table.pk, convenor_id=stranger.pk, members=[itself.pk]
        ),
        "member": lambda: table_save(
            plan=plan, by=coordinator, pk=table.pk, members=[itself.pk, stranger.pk]
        ),
        "attendee": lambda: met(plan, coordinator, table, [itself, stranger]),
    }

    error = refused(actions[role], plan)

    assert error.messages == [str(OTHER_COMUNE)]


def test_an_organisation_of_another_comune_cannot_be_changed(plan, coordinator, stranger):
    error = refused(
        lambda: organisation_save(plan=plan, by=coordinator, pk=stranger.pk, name="Preso"), plan
    )

    assert error.messages == [str(NOT_FOUND)]


def test_names_are_unique_per_comune_whatever_their_case(plan, coordinator, stranger):
    caritas = organisation_save(plan=plan, by=coordinator, name="Caritas", kind="third_sector")
    asl = organisation_save(plan=plan, by=coordinator, name="ASL CN1", kind="asl")

    twice = refused(
        lambda: organisation_save(plan=plan, by=coordinator, name=" CARITAS ", kind="other"), plan
    )
    renamed = refused(
        lambda: organisation_save(plan=plan, by=coordinator, pk=asl.pk, name="caritas"), plan
    )
    # another comune may have its own Caritas
    elsewhere = Organisation.objects.create(
        comune=stranger.comune, name="CARITAS", kind="third_sector"
    )

    assert twice.messages == renamed.messages == [str(ORGANISATION_TWICE)]
    assert list(organisations_of(plan.comune_id).values_list("name", flat=True)) == [
        "Comune di Saluzzo",
        "ASL CN1",
        "Caritas",
    ]
    assert caritas.comune_id != elsewhere.comune_id


def test_the_comune_itself_is_an_organisation_from_the_launch_recorded_by_it(plan, itself):
    launched = Event.objects.get(plan=plan, kind=K.PLAN_LAUNCHED)

    assert (itself.name, itself.kind) == ("Comune di Saluzzo", "comune")
    assert launched.payload["children"] == {
        "organisation": {"added": [{"id": itself.pk, "name": "Comune di Saluzzo"}]}
    }


def test_a_new_cycle_finds_the_comune_itself_and_records_no_new_one(
    plan, itself, lead, flow_launched, comune
):
    from flows.services import flow_withdraw

    flow_withdraw(plan=plan, by=lead, reason="Il comune rinuncia")

    second = flow_launched(comune, title="PLM 2024-2026")

    launched = Event.objects.get(plan=second, kind=K.PLAN_LAUNCHED)
    assert "children" not in launched.payload
    assert list(Organisation.objects.filter(comune=comune, is_the_comune=True)) == [itself]


def test_the_comune_itself_keeps_its_kind(plan, coordinator, itself):
    error = refused(
        lambda: organisation_save(plan=plan, by=coordinator, pk=itself.pk, kind="other"), plan
    )

    assert error.messages == [str(THE_COMUNE_ITSELF)]


# --- Tables -----------------------------------------------------------------------------------


def test_a_plan_has_one_core_table(plan, coordinator):
    core(plan, coordinator)
    housing = group(plan, coordinator)

    second = refused(lambda: core(plan, coordinator, name="Altro tavolo"), plan)
    promoted = refused(
        lambda: table_save(plan=plan, by=coordinator, pk=housing.pk, kind="core"), plan
    )

    assert second.messages == promoted.messages == [str(ONE_CORE_TABLE)]


def test_a_thematic_group_needs_its_theme_and_the_core_table_has_none(plan, coordinator):
    error = refused(lambda: group(plan, coordinator, theme=""), plan)
    whole = core(plan, coordinator, theme="housing")

    assert error.messages == [str(THEME_OF_A_GROUP)]
    assert whole.theme == ""


def test_members_stay_unless_the_save_gives_them(plan, coordinator, itself):
    table = core(plan, coordinator, members=[itself.pk])

    table_save(plan=plan, by=coordinator, pk=table.pk, name="Tavolo di Saluzzo")
    kept = list(table.members.all())
    table_save(plan=plan, by=coordinator, pk=table.pk, members=[])

    assert kept == [itself]
    assert not table.members.exists()
    assert [e.payload.get("children") for e in events(plan, K.TABLE_SAVED)][1:] == [
        None,
        {"table_member": {"removed": [itself.pk]}},
    ]


def test_attendance_stays_unless_the_save_gives_it(plan, coordinator, itself):
    held = met(plan, coordinator, core(plan, coordinator), [itself], head_count=1)

    meeting_save(plan=plan, by=coordinator, table=held.table_id, pk=held.pk, decisions="Sì.")

    assert list(held.attendance.all()) == [itself]
    low = refused(
        lambda: meeting_save(
            plan=plan, by=coordinator, table=held.table_id, pk=held.pk, head_count=0
        ),
        plan,
    )
    assert low.messages == [str(HEAD_COUNT_BELOW % {"count": 1})]


def test_a_table_with_meetings_cannot_be_removed(plan, coordinator, itself):
    table = core(plan, coordinator, name="Tavolo di Saluzzo")
    held = met(plan, coordinator, table, [itself])

    error = refused(lambda: table_remove(plan=plan, by=coordinator, pk=table.pk), plan)
    meeting_remove(plan=plan, by=coordinator, pk=held.pk)
    table_remove(plan=plan, by=coordinator, pk=table.pk)

    assert error.messages == [str(TABLE_HAS_MEETINGS % {"table": "Tavolo di Saluzzo"})]
    assert not StakeholderTable.objects.filter(plan=plan).exists()
    assert not Meeting.objects.exists()


def test_a_meeting_stays_with_its_table(plan, coordinator, itself):
    table, other = core(plan, coordinator), group(plan, coordinator)
    held = met(plan, coordinator, table, [itself])

    error = refused(
        lambda: meeting_save(
            plan=plan, by=coordinator, table=other.pk, pk=held.pk, minutes="Spostato."
        ),
        plan,
    )

    assert error.messages == [str(NOT_FOUND)]


def test_rows_of_another_plan_are_not_found(plan, coordinator, itself):
    elsewhere = PlanFactory(at="convene_tables")
    theirs = tables.complete(elsewhere, elsewhere.comune.memberships.get(role="coordinator").user)
    actions = [
        lambda: table_save(plan=plan, by=coordinator, pk=theirs["core"].pk, name="Preso"),
        lambda: table_remove(plan=plan, by=coordinator, pk=theirs["core"].pk),
        lambda: met(plan, coordinator, theirs["core"], [itself]),
        lambda: meeting_remove(plan=plan, by=coordinator, pk=theirs["meetings"][0].pk),
    ]

    for action in actions:
        assert refused(action, plan).messages == [str(NOT_FOUND)]


# --- Minutes as a PDF -------------------------------------------------------------------------


def test_minutes_that_are_not_a_pdf_are_refused_and_nothing_is_stored(plan, coordinator):
    table = core(plan, coordinator)
    fake = pdf_upload(name="verbale.pdf", content=b"%PDF-<html>nope</html>")

    error = refused(lambda: meeting(plan, coordinator, table, minutes_upload=fake), plan)

    assert error.messages == [str(NOT_A_PDF % {"name": "verbale.pdf"})]


def test_minutes_over_the_upload_limit_are_refused_saying_the_limit(plan, coordinator, settings):
    table = core(plan, coordinator)
    upload = minutes_pdf()
    settings.PLM_MAX_UPLOAD_BYTES = upload.size - 1

    error = refused(lambda: meeting(plan, coordinator, table, minutes_upload=upload), plan)

    limit = filesizeformat(upload.size - 1)
    assert error.messages == [
        str(
            TOO_LARGE % {"name": "verbale.pdf", "size": filesizeformat(upload.size), "limit": limit}
        )
    ]
    assert limit in error.messages[0]


def test_replaced_minutes_stay_on_record(plan, coordinator):
    files = stored_files(plan)  # the adhesion act
    held = meeting(plan, coordinator, core(plan, coordinator), minutes_upload=minutes_pdf())
    first = held.minutes_file

    again = meeting_save(
        plan=plan,
        by=coordinator,
        table=held.table_id,
        pk=held.pk,
        minutes_upload=minutes_pdf("verbale-corretto.pdf", "Verbale corretto"),
    )

    assert again.minutes_file != first
    documents = Document.objects.filter(plan=plan, kind=DocumentKind.MINUTES).order_by("pk")
    assert [d.original_name for d in documents] == ["verbale.pdf", "verbale-corretto.pdf"]
    assert len(stored_files(plan)) == len(files) + 2
    saved = events(plan, K.MEETING_SAVED)[-1]
    assert saved.payload["changes"] == {"minutes_file_id": [first.pk, again.minutes_file_id]}


# --- Late additions, during drafting ----------------------------------------------------------


def test_in_drafting_any_coordinator_adds_organisations_and_meetings(plan, drafting, coordinator2):
    caritas = organisation_save(plan=plan, by=coordinator2, name="Caritas", kind="third_sector")
    later = met(plan, coordinator2, drafting["group"], [drafting["itself"], caritas])

    assert later.table == drafting["group"]
    assert MeetingAttendance.objects.filter(meeting=later).count() == 2
    assert [e.actor for e in events(plan, K.ORGANISATION_SAVED, K.MEETING_SAVED)][-2:] == [
        coordinator2,
        coordinator2,
    ]


def test_in_drafting_a_meeting_gets_the_minutes_and_attendance_it_lacked(
    plan, coordinator, facilitator, coordinator2
):
    made = tables.complete(plan, coordinator)
    bare = meeting(plan, coordinator, made["group"], starts_at=past(2))
    plan_step(plan, by=coordinator)
    plan_step(plan, by=facilitator, decision="approved")

    recorded = meeting_save(
        plan=plan,
        by=coordinator2,
        table=made["group"].pk,
        pk=bare.pk,
        seen_version=bare.revision,
        minutes="Verbale tardivo.",
        minutes_upload=minutes_pdf(),
        head_count=3,
        attendance=[made["itself"].pk],
    )

    assert (recorded.minutes, recorded.head_count) == ("Verbale tardivo.", 3)
    assert recorded.minutes_file is not None
    assert list(
        MeetingAttendance.objects.filter(meeting=bare).values_list("organisation_id", flat=True)
    ) == [made["itself"].pk]


def test_in_drafting_a_meeting_with_only_a_head_count_gets_who_attended(
    plan, coordinator, facilitator, coordinator2
):
    # A head count alone is not attendance (the named checks want the organisations present):
    # in drafting the organisations may still be added.
    made = tables.complete(plan, coordinator)
    counted = meeting(plan, coordinator, made["group"], starts_at=past(2))
    counted = meeting_save(
        plan=plan,
        by=coordinator,
        table=made["group"].pk,
        pk=counted.pk,
        seen_version=counted.revision,
        head_count=4,
    )
    plan_step(plan, by=coordinator)
    plan_step(plan, by=facilitator, decision="approved")

    meeting_save(
        plan=plan,
        by=coordinator2,
        table=made["group"].pk,
        pk=counted.pk,
        seen_version=counted.revision,
        head_count=4,
        attendance=[made["itself"].pk],
    )

    assert list(
        MeetingAttendance.objects.filter(meeting=counted).values_list("organisation_id", flat=True)
    ) == [made["itself"].pk]


def _late_changes(plan, made):
    """Every change in drafting that is not an addition, by name."""
    held = made["meetings"][0]

    def again(**given):
        return lambda by: meeting_save(plan=plan, by=by, table=held.table_id, pk=held.pk, **given)

    return {
        "a meeting's date": again(
            starts_at=past(3), attendance=[made["itself"].pk, made["prefettura"].pk]
        ),
        "minutes it had": again(
            minutes="Riscritto.", attendance=[made["itself"].pk, made["prefettura"].pk]
        ),
        "a minutes pdf over text it had": again(
            minutes_upload=minutes_pdf(), attendance=[made["itself"].pk, made["prefettura"].pk]
        ),
        "attendance it had": again(attendance=[made["itself"].pk]),
        "a head count it had": again(
            head_count=9, attendance=[made["itself"].pk, made["prefettura"].pk]
        ),
        "a table": lambda by: table_save(plan=plan, by=by, pk=made["core"].pk, name="Rinominato"),
        "a new table": lambda by: group(plan, by, theme="health", name="Salute"),
        "a table removed": lambda by: table_remove(plan=plan, by=by, pk=made["group"].pk),
        "a meeting removed": lambda by: meeting_remove(plan=plan, by=by, pk=held.pk),
        "an organisation": lambda by: organisation_save(
            plan=plan, by=by, pk=made["prefettura"].pk, name="Prefettura di Cuneo"
        ),
    }


LATE_CHANGES = [
    "a meeting's date",
    "minutes it had",
    "a minutes pdf over text it had",
    "attendance it had",
    "a head count it had",
    "a table",
    "a new table",
    "a table removed",
    "a meeting removed",
    "an organisation",
]


@pytest.mark.parametrize("change", LATE_CHANGES)
def test_in_drafting_the_tables_stay_as_approved(change, plan, drafting, coordinator):
    action = _late_changes(plan, drafting)[change]

    error = refused(lambda: action(coordinator), plan)

    assert error.messages == [str(LATE_ONLY_ADDITIONS)]


def test_nothing_is_added_once_the_draft_is_submitted_for_review(plan, drafting, coordinator):
    plan_step(plan, by=coordinator, text="Bozza completa.")
    assert plan.status == S.REVIEW

    organisation = refused(
        lambda: organisation_save(plan=plan, by=coordinator, name="Caritas", kind="other"), plan
    )
    late = refused(lambda: met(plan, coordinator, drafting["group"], [drafting["itself"]]), plan)

    assert organisation.messages == late.messages == [str(LATE_NOT_OPEN)]


def test_nothing_is_added_while_the_plan_is_suspended(plan, drafting, coordinator, lead):
    flow_suspend(plan=plan, by=lead, reason="Elezioni comunali")

    error = refused(lambda: met(plan, coordinator, drafting["group"], [drafting["itself"]]), plan)

    assert error.messages == [str(LATE_NOT_OPEN)]


# --- Events -----------------------------------------------------------------------------------


def test_each_change_writes_one_event_old_and_new_with_the_members_added_and_removed(
    plan, coordinator, itself
):
    prefettura = organisation_save(plan=plan, by=coordinator, name="Prefettura", kind="prefettura")
    table = core(plan, coordinator, convenor_id=itself.pk, members=[itself.pk])
    before = Event.objects.count()

    table_save(
        plan=plan,
        by=coordinator,
        pk=table.pk,
        name="Tavolo di Saluzzo",
        convenor_id=prefettura.pk,
        members=[prefettura.pk],
    )

    (saved,) = Event.objects.filter(pk__gt=Event.objects.order_by("pk")[before - 1].pk)
    assert (saved.kind, saved.actor) == (K.TABLE_SAVED, coordinator)
    assert saved.payload == {
        "concerns": {"plan": plan.pk, "stakeholder_table": table.pk},
        "phase": "tables",
        "node": "convene_tables",
        "changes": {
            "name": ["Tavolo primario", "Tavolo di Saluzzo"],
            "convenor_id": [itself.pk, prefettura.pk],
        },
        "children": {"table_member": {"added": [prefettura.pk], "removed": [itself.pk]}},
    }


def test_a_meeting_records_its_attendance_added_and_removed(plan, coordinator, itself):
    prefettura = organisation_save(plan=plan, by=coordinator, name="Prefettura", kind="prefettura")
    held = met(plan, coordinator, core(plan, coordinator), [itself], head_count=2)
    first = events(plan, K.MEETING_SAVED)[-1]

    meeting_save(
        plan=plan,
        by=coordinator,
        table=held.table_id,
        pk=held.pk,
        head_count=5,
        attendance=[prefettura.pk],
    )

    assert first.payload["changes"]["minutes"] == [None, "Verbale."]
    assert first.payload["children"] == {"meeting_attendance": {"added": [itself.pk]}}
    changed = events(plan, K.MEETING_SAVED)[-1]
    assert changed.payload["concerns"] == {
        "plan": plan.pk,
        "stakeholder_table": held.table_id,
        "meeting": held.pk,
    }
    assert changed.payload["changes"] == {"head_count": [2, 5]}
    assert changed.payload["children"] == {
        "meeting_attendance": {"added": [prefettura.pk], "removed": [itself.pk]}
    }
    assert len(events(plan, K.MEETING_SAVED)) == 2


def test_an_organisation_records_old_and_new_and_nothing_when_unchanged(plan, coordinator):
    caritas = organisation_save(plan=plan, by=coordinator, name="Caritas", kind="third_sector")

    organisation_save(plan=plan, by=coordinator, pk=caritas.pk, email="info@caritas.example")
    organisation_save(plan=plan, by=coordinator, pk=caritas.pk, email="info@caritas.example")

    added, changed = events(plan, K.ORGANISATION_SAVED)
    assert added.payload["changes"] == {"name": [None, "Caritas"], "kind": [None, "third_sector"]}
    assert changed.payload["changes"] == {"email": ["", "info@caritas.example"]}
    assert changed.payload["concerns"] == {"plan": plan.pk, "organisation": caritas.pk}


def test_a_save_that_changes_nothing_writes_nothing(plan, coordinator, itself):
    table = core(plan, coordinator, members=[itself.pk])
    held = met(plan, coordinator, table, [itself])

    for action in (
        lambda: table_save(plan=plan, by=coordinator, pk=table.pk, members=[itself.pk]),
        lambda: meeting_save(
            plan=plan, by=coordinator, table=table.pk, pk=held.pk, attendance=[itself.pk]
        ),
    ):
        before = trace(plan)
        action()
        assert trace(plan) == before


def test_removals_record_what_was_removed(plan, coordinator, itself):
    table = group(plan, coordinator, members=[itself.pk])
    held = met(plan, coordinator, table, [itself])

    meeting_remove(plan=plan, by=coordinator, pk=held.pk)
    table_remove(plan=plan, by=coordinator, pk=table.pk)

    (gone,) = events(plan, K.MEETING_REMOVED)
    assert gone.payload["concerns"] == {
        "plan": plan.pk,
        "stakeholder_table": table.pk,
        "meeting": held.pk,
    }
    assert gone.payload["changes"]["minutes"] == ["Verbale.", None]
    assert gone.payload["children"] == {"meeting_attendance": {"removed": [itself.pk]}}
    (removed,) = events(plan, K.TABLE_REMOVED)
    assert removed.payload["changes"]["name"] == ["Gruppo abitare", None]
    assert removed.payload["children"] == {"table_member": {"removed": [itself.pk]}}


# --- Who may write ----------------------------------------------------------------------------


def _every_write(plan, made):
    """One call of each service on the plan's rows, by a person."""
    held = made["meetings"][0]
    return {
        "organisation_save": lambda by: organisation_save(
            plan=plan, by=by, name="Caritas", kind="other"
        ),
        "organisation_save (a change)": lambda by: organisation_save(
            plan=plan, by=by, pk=made["prefettura"].pk, name="Prefettura di Cuneo"
        ),
        "table_save": lambda by: table_save(plan=plan, by=by, pk=made["core"].pk, name="Altro"),
        "table_remove": lambda by: table_remove(plan=plan, by=by, pk=made["group"].pk),
        "meeting_save": lambda by: met(plan, by, made["group"], [made["itself"]]),
        "meeting_save (a change)": lambda by: meeting_save(
            plan=plan, by=by, table=held.table_id, pk=held.pk, minutes="Altro."
        ),
        "meeting_remove": lambda by: meeting_remove(plan=plan, by=by, pk=held.pk),
        "tables_submit": lambda by: tables_submit(plan=plan, by=by),
    }


WRITES = [
    "organisation_save",
    "organisation_save (a change)",
    "table_save",
    "table_remove",
    "meeting_save",
    "meeting_save (a change)",
    "meeting_remove",
    "tables_submit",
]


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["another comune's coordinator", "auditor", "facilitator"])
def test_people_who_do_not_coordinate_the_plan_are_refused_learning_nothing(
    write, who, plan, coordinator, facilitator, auditor
):
    made = tables.complete(plan, coordinator)
    elsewhere = PlanFactory(at="convene_tables")
    person = {
        "another comune's coordinator": elsewhere.comune.memberships.get(role="coordinator").user,
        "auditor": auditor,
        "facilitator": facilitator,
    }[who]

    error = refused(lambda: _every_write(plan, made)[write](person), plan)

    assert error.forbidden is True
    assert error.messages == [str(NOT_ALLOWED)]


@pytest.mark.parametrize("write", WRITES)
def test_a_coordinator_not_holding_the_task_is_told_to_take_it_on(
    write, plan, coordinator, coordinator2
):
    made = tables.complete(plan, coordinator)

    error = refused(lambda: _every_write(plan, made)[write](coordinator2), plan)

    assert error.forbidden is False
    assert error.messages == [str(NOT_HOLDER % {"phase": Phase.TABLES.label})]


def test_nothing_is_written_before_the_tables_open(flow_launched, comune, coordinator):
    early = flow_launched(comune)  # the assessment's task is the coordinator's at once

    error = refused(
        lambda: organisation_save(plan=early, by=coordinator, name="Caritas", kind="other"),
        early,
    )

    assert error.messages == [str(NOT_OPEN % {"phase": Phase.TABLES.label})]


def test_a_stranger_without_any_role_is_refused(plan):
    error = refused(
        lambda: organisation_save(plan=plan, by=UserFactory(), name="Caritas", kind="other"),
        plan,
    )

    assert error.forbidden is True


# --- Pages out of date ------------------------------------------------------------------------


def test_a_save_from_an_out_of_date_page_is_refused_and_overwrites_nothing(plan, coordinator):
    made = tables.complete(plan, coordinator)
    held = made["meetings"][0]
    shown = {
        "organisation": made["prefettura"].revision,
        "table": made["core"].revision,
        "meeting": held.revision,
    }
    # meanwhile, another tab changes each row
    organisation_save(plan=plan, by=coordinator, pk=made["prefettura"].pk, email="p@example.org")
    table_save(plan=plan, by=coordinator, pk=made["core"].pk, name="Tavolo di Saluzzo")
    meeting_save(plan=plan, by=coordinator, table=held.table_id, pk=held.pk, decisions="Sì.")
    stale = {
        "organisation": lambda: organisation_save(
            plan=plan,
            by=coordinator,
            pk=made["prefettura"].pk,
            seen_version=shown["organisation"],
            name="Prefettura di Cuneo",
        ),
        "table": lambda: table_save(
            plan=plan,
            by=coordinator,
            pk=made["core"].pk,
            seen_version=shown["table"],
            name="Vecchio nome",
        ),
        "meeting": lambda: meeting_save(
            plan=plan,
            by=coordinator,
            table=held.table_id,
            pk=held.pk,
            seen_version=shown["meeting"],
            decisions="No.",
        ),
    }

    for name, action in stale.items():
        before = trace(plan)
        with pytest.raises(StaleEdit):
            action()
        assert trace(plan) == before, name
