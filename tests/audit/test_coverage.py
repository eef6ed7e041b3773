"""Every data-changing action reachable so far writes its event.

Later capabilities extend ACTIONS; a new public service, or a new kind of event, with no
action here fails ``test_every_service_and_event_kind_is_exercised`` (unless the kind is one
that nothing writes any more, kept for the events already in the log: ``NOT_WRITTEN``).
"""

import datetime
import inspect
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

import flows.flows
import flows.services
import plm_workflow.accounts.services
import plm_workflow.audit.exports
import plm_workflow.deadlines.services
import plm_workflow.launch.services
import plm_workflow.plans.documents
import plm_workflow.plans.organisations
import plm_workflow.plans.services
import plm_workflow.steps.adoption
import plm_workflow.steps.assessment
import plm_workflow.steps.drafting
import plm_workflow.steps.tables
from plm_workflow.accounts.services import membership_grant, role_grant, role_revoke
from plm_workflow.audit.exports import export_record
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.audit.timeline import TimelineFilters
from plm_workflow.deadlines.models import PhaseDate, StepTask
from plm_workflow.launch.services import plan_launch
from plm_workflow.plans.models import Phase, Plan, PlanStatus
from plm_workflow.plans.services import (
    phase_work_submit,
    plan_adopt,
    plan_approve,
    plan_complete_assessment,
    plan_complete_tables,
    plan_request_changes,
    plan_resume,
    plan_submit_for_review,
    plan_suspend,
    plan_withdraw,
    review_decide,
)
from plm_workflow.steps.adoption import adoption_save, adoption_submit, publication_record
from plm_workflow.steps.assessment import (
    assessment_copy_previous,
    assessment_save,
    assessment_submit,
)
from plm_workflow.steps.drafting import (
    draft_submit,
    measure_remove,
    measure_save,
    sections_save,
)
from plm_workflow.steps.tables import (
    meeting_remove,
    meeting_save,
    organisation_save,
    table_remove,
    table_save,
)
from tests import adoptions, assessments, drafts, tables
from tests.conftest import pdf_upload
from tests.factories import ADOPTED, ComuneFactory, PlanFactory, UserFactory, plan_step
from tests.flows.helpers import open_task, process_url, url, work_data
from tests.plans.test_import_comuni import SALUZZO, _write

pytestmark = pytest.mark.django_db

K = EventKind
S = PlanStatus

# Public functions of the service modules that write nothing of their own.
NOT_ACTIONS = {
    "where": "formats a message",
    "last_saved": "formats who saved a row and when",
    "schedule_defaults": "computes dates",
    "schedule_problems": "checks dates",
    "schedule_problems_by_phase": "checks dates",
    "launch_problems": "checks a launch the page could only partly read, writing nothing",
    "latest_date": "computes a date",
    "can_move_dates": "a permission check",
    "pdf_problems": "checks an upload",
    "upload_limit": "computes a limit",
    "files_kept_only_on_success": "cleans up storage after a failure",
    "plan_permissions_derive": "part of plan_launch, whose event records it",
    "task_due_compute": "computes a date",
    "plan_fields": "reads a plan's fields",
    "previous_assessment": "reads the last cycle's assessment",
    "comune_organisation_ensure": "part of plan_launch, whose event records it",
    "organisations_of": "reads a comune's organisations",
    "neutralised": "formats a CSV cell",
    "export_stream": "writes out an export that export_record recorded",
}
# Kinds of event no action writes any more, kept for the events already in the log.
NOT_WRITTEN = {
    K.PHASE_NOTE_SAVED: "the phase notes of plans drafted before the phases had their own data",
}
SERVICE_MODULES = [
    plm_workflow.plans.services,
    plm_workflow.accounts.services,
    plm_workflow.deadlines.services,
    plm_workflow.plans.documents,
    plm_workflow.launch.services,
    plm_workflow.steps.assessment,
    plm_workflow.steps.tables,
    plm_workflow.steps.drafting,
    plm_workflow.steps.adoption,
    plm_workflow.plans.organisations,
    plm_workflow.audit.exports,
    flows.services,
]


def _launch(service, people):
    return service(
        comune=ComuneFactory(),
        title="PLM",
        adhesion_act_number="1",
        adhesion_act_date=people.plan.adhesion_act_date,
        coordinators=[people.coordinator],
        facilitators=[people.facilitator],
        by=people.lead,
    )


def _claimed(people, client):
    task = open_task(people.flow_plan)
    client.force_login(people.coordinator)
    client.post(url(task, "assign"))
    return task


def _submitted(people, client):
    """Claim the assess task and submit a complete assessment on its page."""
    task = _claimed(people, client)
    client.post(url(task, "execute"), work_data(task, "x"))
    return task


def _copied(people):
    """A new cycle of a comune whose last plan was adopted starts from that assessment."""
    albisola = ComuneFactory(istat_code="009003", name="Albisola Superiore", province_code="SV")
    PlanFactory(
        at=ADOPTED,
        comune=albisola,
        lead=people.lead,
        coordinator=people.coordinator,
        facilitator=people.facilitator,
    )
    plan = flows.flows.launch_plan(
        comune=albisola,
        title="PLM 2024-2026",
        adhesion_act_number="2",
        adhesion_act_date=people.plan.adhesion_act_date,
        coordinators=[people.coordinator],
        facilitators=[people.facilitator],
        by=people.lead,
    )
    return assessment_copy_previous(plan=plan, by=people.coordinator)


def _at(people, node):
    """A plan of a comune of its own whose task ``node`` is open, each task the person's own."""
    return PlanFactory(
        at=node, lead=people.lead, coordinator=people.coordinator, facilitator=people.facilitator
    )


def _tables_open(people):
    """A plan whose tables are open, held by the coordinator, with tables that met."""
    plan = _at(people, "convene_tables")
    return plan, tables.complete(plan, people.coordinator)


def _drafting(people):
    """A plan whose draft is open, held by the coordinator, with one complete measure."""
    plan = _at(people, "draft")
    return plan, measure_save(
        plan=plan, by=people.coordinator, **drafts.measure(plan, people.coordinator)
    )


def _draft_submitted(people):
    """The coordinator completes the draft and submits it for review."""
    plan = _at(people, "draft")
    drafts.complete(plan, people.coordinator)
    return draft_submit(plan=plan, by=people.coordinator)


def _commented(people):
    """The facilitator returns a draft with a comment on its context and one on its measure."""
    plan = _at(people, "review")
    return review_decide(
        plan=plan,
        phase=Phase.DRAFTING,
        decision="returned",
        comments="Da rivedere.",
        item_comments=[
            {"section": "context", "text": "Mancano i dati sugli insediamenti."},
            {"measure": plan.measures.get().pk, "text": "Il CUP manca."},
        ],
        by=people.facilitator,
    )


def _measures_csv(people, client):
    plan = _at(people, "review")
    client.force_login(people.coordinator)
    response = client.get(
        flows.flows.PLMFlow.instance.reverse("measures_csv", args=[plan.process.pk])
    )
    assert response.status_code == 200


def _late_minutes(people):
    """In drafting, the minutes and attendance of a meeting that had none are added."""
    plan = _at(people, "convene_tables")
    made = tables.complete(plan, people.coordinator)
    later = meeting_save(
        plan=plan,
        by=people.coordinator,
        table=made["group"].pk,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        place="Sala",
    )
    plan_step(plan, by=people.coordinator)
    plan_step(plan, by=people.facilitator, decision="approved")
    return meeting_save(
        plan=plan,
        by=people.coordinator,
        table=made["group"].pk,
        pk=later.pk,
        minutes="Verbale.",
        head_count=2,
        attendance=[made["itself"].pk],
    )


# name → (what it does, given the people and a client; the kind it must write; the actor)
ACTIONS = {
    "plan_launch": (lambda p, c: _launch(plan_launch, p), K.PLAN_LAUNCHED, "lead"),
    "flow_launch": (
        lambda p, c: _launch(flows.flows.launch_plan, p),
        K.PLAN_LAUNCHED,
        "lead",
    ),
    "command record_restore": (
        lambda p, c: call_command(
            "record_restore", "--backup-date", "2024-05-01", stdout=io.StringIO()
        ),
        K.BACKUP_RESTORED,
        "system:operator",
    ),
    "command export_audit": (
        lambda p, c: call_command("export_audit", "--format", "json", stdout=io.StringIO()),
        K.AUDIT_EXPORTED,
        "system:operator",
    ),
    "export_record": (
        lambda p, c: export_record(
            events=Event.objects.filter(plan=p.plan),
            by=p.lead,
            plan=p.plan,
            filters=TimelineFilters(),
            fmt="csv",
        ),
        K.AUDIT_EXPORTED,
        "lead",
    ),
    "command verify_audit": (
        lambda p, c: call_command("verify_audit", stdout=io.StringIO()),
        K.AUDIT_VERIFIED,
        "system:operator",
    ),
    "task_opened": (
        lambda p, c: _launch(flows.flows.launch_plan, p),
        K.TASK_CREATED,
        "system:flow",
    ),
    "phase_work_submit": (
        lambda p, c: (
            p.drive(p.plan, S.DRAFTING),
            drafts.fill(p.plan, p.coordinator),
            phase_work_submit(plan=p.plan, phase=Phase.DRAFTING, by=p.coordinator),
        ),
        K.PLAN_TRANSITION,
        "coordinator",
    ),
    "assessment_save": (
        lambda p, c: (
            _claimed(p, c),
            assessment_save(plan=p.flow_plan, by=p.coordinator, **assessments.complete()),
        ),
        K.ASSESSMENT_SAVED,
        "coordinator",
    ),
    "assessment_submit": (
        lambda p, c: (
            _claimed(p, c),
            assessment_submit(plan=p.flow_plan, by=p.coordinator, **assessments.complete()),
        ),
        K.ASSESSMENT_SAVED,
        "coordinator",
    ),
    "assessment_save (assess page: save a draft)": (
        lambda p, c: c.post(
            url(_claimed(p, c), "execute"), work_data(open_task(p.flow_plan), "x", submit=False)
        ),
        K.ASSESSMENT_SAVED,
        "coordinator",
    ),
    "assessment_copy_previous": (
        lambda p, c: _copied(p),
        K.ASSESSMENT_COPIED,
        "coordinator",
    ),
    "plan_complete_assessment": (
        lambda p, c: (
            assessments.fill(p.plan),
            plan_complete_assessment(plan=p.plan, by=p.facilitator),
        ),
        K.PLAN_TRANSITION,
        "facilitator",
    ),
    "organisation_save": (
        lambda p, c: organisation_save(
            plan=_at(p, "convene_tables"), by=p.coordinator, name="Caritas", kind="third_sector"
        ),
        K.ORGANISATION_SAVED,
        "coordinator",
    ),
    "organisation_save (drafting: a late organisation)": (
        lambda p, c: organisation_save(
            plan=_at(p, "draft"), by=p.coordinator, name="Caritas", kind="third_sector"
        ),
        K.ORGANISATION_SAVED,
        "coordinator",
    ),
    "table_save": (lambda p, c: _tables_open(p), K.TABLE_SAVED, "coordinator"),
    "table_remove": (
        lambda p, c: table_remove(
            plan=(opened := _tables_open(p))[0],
            by=p.coordinator,
            pk=table_save(
                plan=opened[0], by=p.coordinator, kind="thematic", theme="health", name="Salute"
            ).pk,
        ),
        K.TABLE_REMOVED,
        "coordinator",
    ),
    "meeting_save": (lambda p, c: _tables_open(p), K.MEETING_SAVED, "coordinator"),
    "meeting_save (drafting: the minutes a meeting lacked)": (
        lambda p, c: _late_minutes(p),
        K.MEETING_SAVED,
        "coordinator",
    ),
    "meeting_remove": (
        lambda p, c: meeting_remove(
            plan=(opened := _tables_open(p))[0],
            by=p.coordinator,
            pk=opened[1]["meetings"][1].pk,
        ),
        K.MEETING_REMOVED,
        "coordinator",
    ),
    "tables_submit (with the task's completion, as its page runs it)": (
        lambda p, c: plan_step(_at(p, "convene_tables"), by=p.coordinator),
        K.TASK_COMPLETED,
        "coordinator",
    ),
    "plan_complete_tables": (
        lambda p, c: (
            p.drive(p.plan, S.STAKEHOLDER_TABLES),
            tables.fill(p.plan, p.coordinator),
            plan_complete_tables(plan=p.plan, by=p.facilitator),
        ),
        K.PLAN_TRANSITION,
        "facilitator",
    ),
    "plan_submit_for_review": (
        lambda p, c: (
            p.drive(p.plan, S.DRAFTING),
            drafts.fill(p.plan, p.coordinator),
            plan_submit_for_review(plan=p.plan, by=p.coordinator),
        ),
        K.PLAN_TRANSITION,
        "coordinator",
    ),
    "sections_save": (
        lambda p, c: sections_save(plan=_at(p, "draft"), by=p.coordinator, texts=drafts.texts()),
        K.SECTION_SAVED,
        "coordinator",
    ),
    "measure_save": (lambda p, c: _drafting(p), K.MEASURE_SAVED, "coordinator"),
    "measure_remove": (
        lambda p, c: measure_remove(
            plan=(drafted := _drafting(p))[0], by=p.coordinator, pk=drafted[1].pk
        ),
        K.MEASURE_REMOVED,
        "coordinator",
    ),
    "draft_submit": (lambda p, c: _draft_submitted(p), K.PLAN_TRANSITION, "coordinator"),
    "measures_export_record (plan page: the measures' CSV)": (
        lambda p, c: _measures_csv(p, c),
        K.MEASURES_EXPORTED,
        "coordinator",
    ),
    "plan_request_changes": (
        lambda p, c: (
            p.drive(p.plan, S.REVIEW),
            plan_request_changes(plan=p.plan, by=p.facilitator, comments="Rivedere"),
        ),
        K.PLAN_TRANSITION,
        "facilitator",
    ),
    "plan_approve": (
        lambda p, c: (p.drive(p.plan, S.REVIEW), plan_approve(plan=p.plan, by=p.facilitator)),
        K.PLAN_TRANSITION,
        "facilitator",
    ),
    "plan_adopt": (
        lambda p, c: (
            p.drive(p.plan, S.ADOPTION),
            adoptions.fill(p.plan, p.coordinator),
            plan_adopt(plan=p.plan, by=p.facilitator),
        ),
        K.PLAN_TRANSITION,
        "facilitator",
    ),
    "adoption_save": (
        lambda p, c: adoption_save(
            plan=_at(p, "record_adoption"), by=p.coordinator, **adoptions.complete()
        ),
        K.ADOPTION_SAVED,
        "coordinator",
    ),
    "adoption_save (the signed act: its file)": (
        lambda p, c: adoption_save(
            plan=_at(p, "record_adoption"), by=p.coordinator, **adoptions.complete()
        ),
        K.FILE_UPLOADED,
        "coordinator",
    ),
    "adoption_submit": (
        lambda p, c: adoption_submit(
            plan=_at(p, "record_adoption"), by=p.coordinator, **adoptions.complete()
        ),
        K.ADOPTION_SAVED,
        "coordinator",
    ),
    "publication_record": (
        lambda p, c: _published(p),
        K.PUBLICATION_RECORDED,
        "coordinator",
    ),
    "publication_record (a correction, with its reason)": (
        lambda p, c: publication_record(
            plan=_published(p).plan, by=p.facilitator, reason="Numero errato", register_number="9"
        ),
        K.PUBLICATION_CORRECTED,
        "facilitator",
    ),
    "plan_suspend": (
        lambda p, c: plan_suspend(plan=p.plan, by=p.lead, reason="Elezioni"),
        K.PLAN_TRANSITION,
        "lead",
    ),
    "plan_resume": (
        lambda p, c: (
            plan_suspend(plan=p.plan, by=p.lead, reason="Elezioni"),
            plan_resume(plan=p.plan, by=p.lead, reason="Ripresa"),
        ),
        K.PLAN_TRANSITION,
        "lead",
    ),
    "plan_withdraw": (
        lambda p, c: plan_withdraw(plan=p.plan, by=p.lead, reason="Rinuncia"),
        K.PLAN_TRANSITION,
        "lead",
    ),
    "review_decide": (
        lambda p, c: (
            assessments.fill(p.plan),
            review_decide(
                plan=p.plan, phase=Phase.ASSESSMENT, decision="approved", by=p.facilitator
            ),
        ),
        K.REVIEW_DECIDED,
        "facilitator",
    ),
    "review_decide (draft check: comments on a section and a measure)": (
        lambda p, c: _commented(p),
        K.REVIEW_DECIDED,
        "facilitator",
    ),
    "role_grant": (
        lambda p, c: role_grant(user=UserFactory(), role="auditor", by=p.lead),
        K.ROLE_GRANTED,
        "lead",
    ),
    "membership_grant": (
        lambda p, c: membership_grant(
            user=UserFactory(), comune=p.plan.comune, role="coordinator", by=p.lead
        ),
        K.ROLE_GRANTED,
        "lead",
    ),
    "role_revoke": (
        lambda p, c: role_revoke(
            user=p.coordinator, role="coordinator", comune=p.plan.comune, by=p.lead
        ),
        K.ROLE_REVOKED,
        "lead",
    ),
    "comuni_import": (
        lambda p, c: call_command(
            "import_comuni", path=str(_write(p.tmp_path, [SALUZZO])), stdout=io.StringIO()
        ),
        K.REGISTRY_IMPORTED,
        "system:operator",
    ),
    "command grant_role": (
        lambda p, c: call_command(
            "grant_role", "auditor", UserFactory(username="ada").username, stdout=io.StringIO()
        ),
        K.ROLE_GRANTED,
        "system:operator",
    ),
    "command revoke_role": (
        lambda p, c: call_command(
            "revoke_role",
            "coordinator",
            p.coordinator.username,
            comune="004203",
            stdout=io.StringIO(),
        ),
        K.ROLE_REVOKED,
        "system:operator",
    ),
    "task_claim (task page: take on)": (
        lambda p, c: _claimed(p, c),
        K.TASK_CLAIMED,
        "coordinator",
    ),
    "task_release (task page: release)": (
        lambda p, c: c.post(url(_claimed(p, c), "unassign")),
        K.TASK_RELEASED,
        "coordinator",
    ),
    "task_complete (task page: submit)": (
        lambda p, c: _submitted(p, c),
        K.TASK_COMPLETED,
        "coordinator",
    ),
    "task created (flow: next task)": (
        lambda p, c: _submitted(p, c),
        K.TASK_CREATED,
        "system:flow",
    ),
    "task_reassign (task page: reassign)": (
        lambda p, c: _reassign(p, c),
        K.TASK_REASSIGNED,
        "lead",
    ),
    "membership_revoke": (
        lambda p, c: (
            _claimed(p, c),
            flows.services.membership_revoke(
                user=p.coordinator, role="coordinator", comune=p.flow_plan.comune, by=p.lead
            ),
        ),
        K.TASK_RELEASED,
        "lead",
    ),
    "flow_suspend (process page: suspend)": (
        lambda p, c: _plan_state(p, c, "suspend"),
        K.PLAN_TRANSITION,
        "lead",
    ),
    "flow_resume (process page: resume)": (
        lambda p, c: (_plan_state(p, c, "suspend"), _plan_state(p, c, "resume")),
        K.PLAN_TRANSITION,
        "lead",
    ),
    "flow_withdraw (process page: withdraw)": (
        lambda p, c: _plan_state(p, c, "withdraw"),
        K.TASK_CANCELED,
        "lead",
    ),
    "schedule_set (launch)": (
        lambda p, c: _launch(plan_launch, p),
        K.SCHEDULE_SET,
        "lead",
    ),
    "task_due_set (flow: next task)": (
        lambda p, c: _submitted(p, c),
        K.DUE_DATE_SET,
        "system:flow",
    ),
    "phase_date_move (process page: move a phase date)": (
        lambda p, c: _move(p, c, "phase_date", "assessment", back=process_url(p.flow_plan.process)),
        K.PHASE_DATE_CHANGED,
        "lead",
    ),
    "task_due_move (task page: move the due date)": (
        lambda p, c: _move(
            p, c, "due_date", open_task(p.flow_plan).pk, back=url(open_task(p.flow_plan), "detail")
        ),
        K.DUE_DATE_CHANGED,
        "lead",
    ),
    "dates_shift (process page: resume after days)": (
        lambda p, c: _resume_later(p, c),
        K.DUE_DATE_CHANGED,
        "system:working-days",
    ),
    "comune_patron_day_set (comune page)": (
        lambda p, c: (
            c.force_login(p.lead),
            c.post(f"/comuni/{p.plan.comune.istat_code}/", {"patron_day": 5, "patron_month": 2}),
        ),
        K.PATRON_DAY_SET,
        "lead",
    ),
    "dates_off_non_working_days (patron day on an open due date)": (
        lambda p, c: _patron_day_on_due_date(p, c),
        K.DUE_DATE_CHANGED,
        "system:working-days",
    ),
    "document_store (launch: the adhesion act)": (
        lambda p, c: plm_workflow.plans.documents.document_store(
            plan=p.plan, kind="adhesion_act", upload=pdf_upload(), by=p.lead
        ),
        K.FILE_UPLOADED,
        "lead",
    ),
    "task returned (check page: return)": (
        lambda p, c: _return(p, c),
        K.TASK_RETURNED,
        "facilitator",
    ),
    "sweep (send_deadline_alerts: an overdue task escalated)": (
        lambda p, c: _escalated(p),
        K.ALERT_ESCALATED,
        "system:deadline-sweep",
    ),
}


def _escalated(people):
    """The plan's open task a month overdue: the deadline sweep escalates it."""
    StepTask.objects.filter(plan=people.flow_plan, closed_at__isnull=True).update(
        due=timezone.localdate() - datetime.timedelta(days=30)
    )
    call_command("send_deadline_alerts", stdout=io.StringIO())


def _published(people):
    """An adopted plan whose coordinator records the act's publication on the albo pretorio."""
    plan = _at(people, ADOPTED)
    today = timezone.localdate()
    return publication_record(
        plan=plan,
        by=people.coordinator,
        published_from=today,
        published_to=today,
        register_number="1",
    )


def _reassign(people, client):
    task = _claimed(people, client)
    client.force_login(people.lead)
    client.post(url(task, "reassign"), {"to": people.coordinator2.pk})


def _plan_state(people, client, action):
    process = people.flow_plan.process
    client.force_login(people.lead)
    response = client.post(
        process.flow_class.instance.reverse(f"process_{action}", args=[process.pk]),
        {"reason": "Motivo", "confirmed": "1"},  # from the action's confirmation step
    )
    assert (response.status_code, response["Location"]) == (302, process_url(process))


def _move(people, client, name, key, *, back):
    process = people.flow_plan.process
    client.force_login(people.lead)
    address = process.flow_class.instance.reverse(name, args=[process.pk, key])
    # Before the next phase's date, so the phases stay in order.
    day = timezone.localdate() + datetime.timedelta(days=40)
    plan = people.flow_plan
    if name == "phase_date":
        shown = PhaseDate.objects.get(plan=plan, phase=key).current
    else:
        shown = StepTask.objects.get(plan=plan, task_id=key).due
    response = client.post(
        address, {"date": day.isoformat(), "reason": "Motivo", "shown": shown.isoformat()}
    )
    assert (response.status_code, response["Location"]) == (302, back)


def _resume_later(people, client):
    _plan_state(people, client, "suspend")
    Plan.objects.filter(pk=people.flow_plan.pk).update(
        suspended_at=timezone.now() - datetime.timedelta(days=10)
    )
    _plan_state(people, client, "resume")


def _patron_day_on_due_date(people, client):
    due = open_task(people.flow_plan).step.due
    client.force_login(people.lead)
    client.post(
        f"/comuni/{people.flow_plan.comune.istat_code}/",
        {"patron_day": due.day, "patron_month": due.month},
    )


def _return(people, client):
    _submitted(people, client)
    check = open_task(people.flow_plan)
    client.force_login(people.facilitator)
    client.post(url(check, "assign"))
    client.post(url(check, "execute"), {"decision": "returned", "comments": "No"})


@pytest.fixture
def people(
    lead,
    coordinator,
    coordinator2,
    facilitator,
    facilitator2,
    drive,
    launch,
    flow_launched,
    tmp_path,
):
    class People:
        pass

    given = People()
    given.lead, given.coordinator, given.facilitator = lead, coordinator, facilitator
    given.coordinator2 = coordinator2
    given.drive, given.tmp_path = drive, tmp_path
    given.plan = launch(ComuneFactory(istat_code="004203", name="Saluzzo", province_code="CN"))
    given.flow_plan = flow_launched(  # two people per role: tasks are offered
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"),
        coordinators=[coordinator, coordinator2],
        facilitators=[facilitator, facilitator2],
    )
    return given


@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_writes_its_event(name, people, client):
    action, kind, actor = ACTIONS[name]
    before = Event.objects.order_by("-pk").values_list("pk", flat=True).first()

    action(people, client)

    written = Event.objects.filter(pk__gt=before, kind=kind)
    actors = {
        event.actor_system
        or next(
            role
            for role in ("lead", "coordinator", "facilitator")
            if getattr(people, role) == event.actor
        )
        for event in written
    }
    assert written.exists(), f"{name} wrote no {kind} event"
    assert actor in actors, (name, actors)


def test_every_service_and_event_kind_is_exercised():
    services = {
        name
        for module in SERVICE_MODULES
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__ and not name.startswith("_")
    }
    covered = {name.split(" (")[0] for name in ACTIONS}
    assert services - covered - set(NOT_ACTIONS) == set()
    written = {kind for _action, kind, _actor in ACTIONS.values()}
    assert set(EventKind) - set(NOT_WRITTEN) == written
    assert not written & set(NOT_WRITTEN), "a kind said to be written no more is written"
