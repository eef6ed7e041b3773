"""The plan page: everything about a plan on one page, at a constant cost."""

import datetime
import hashlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from flows.services import flow_suspend, flow_withdraw
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.services import phase_date_move
from plm_workflow.plans.documents import NOT_A_PDF, TOO_LARGE
from plm_workflow.plans.models import Document, Phase, Plan
from plm_workflow.plans.phases import NODE_STATUS, PLAN_STAGES
from plm_workflow.roles import Role
from tests.catalogue_helpers import needs_italian
from tests.conftest import pdf_upload
from tests.factories import ADOPTED, ComuneFactory, MembershipFactory, PlanFactory, UserFactory
from tests.flows.helpers import claim, decide, open_task, submit, url, work_data

pytestmark = pytest.mark.django_db


def plan_page(client, person, plan):
    client.force_login(person)
    process = plan.process
    response = client.get(process.flow_class.instance.reverse("process_detail", args=[process.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_plan_page_shows_everything_about_the_plan(
    client, flow_plan, coordinator, facilitator, lead, auditor
):
    submit(client, coordinator, open_task(flow_plan), "Circa 1.500 braccianti.")
    decide(client, facilitator, open_task(flow_plan), "returned", "Manca la mappa.")
    claim(client, coordinator, open_task(flow_plan))
    phase_date_move(
        plan=flow_plan,
        phase=Phase.TABLES,
        new=flow_plan.phase_dates.get(phase=Phase.TABLES).current.replace(year=2030),
        reason="Elezioni",
        by=lead,
        shift_later=True,  # the later phases follow, so the phases stay in order
    )
    document = Document.objects.get(plan=flow_plan)

    for person in (coordinator, facilitator, lead, auditor):
        content = plan_page(client, person, flow_plan)
        for shown in (
            "Saluzzo (CN)",
            flow_plan.title,
            "DGC 112/2022",
            document.original_name,
            escape("Manca la mappa."),
            "Circa 1.500 braccianti.",
            "Elezioni",  # the schedule change and its reason
            "coord-saluzzo",  # who holds the current task
            "/chart/",
        ):
            assert shown in content, (person, shown)


def test_the_plan_page_offers_each_role_only_its_buttons(
    client, flow_plan, coordinator, facilitator, auditor
):
    task = open_task(flow_plan)
    assign = task.flow_task.reverse("assign", args=[task.process_id, task.pk])

    assert assign in plan_page(client, coordinator, flow_plan)
    for person in (facilitator, auditor):
        assert assign not in plan_page(client, person, flow_plan)


def test_a_suspended_plan_says_since_when_and_why(client, flow_plan, lead, auditor):
    flow_suspend(plan=flow_plan, by=lead, reason="Elezioni comunali")

    content = plan_page(client, auditor, flow_plan)

    assert "Elezioni comunali" in content
    assert "plm-returned" in content


def _queries(client, person, plan):
    plan_page(client, person, plan)
    with CaptureQueriesContext(connection) as captured:
        plan_page(client, person, plan)
    return len(captured)


def test_the_plan_page_costs_the_same_for_2_and_20_past_tasks(
    client, flow_plan, coordinator, facilitator, lead
):
    # two past tasks: the launch and the first assessment, sent to check
    submit(client, coordinator, open_task(flow_plan), "Analisi.")
    few = {person.pk: _queries(client, person, flow_plan) for person in (coordinator, lead)}
    for _round in range(6):  # each return adds a check, a gate and a new assessment
        decide(client, facilitator, open_task(flow_plan), "returned", "Ancora.")
        submit(client, coordinator, open_task(flow_plan), "Analisi.")
    assert (
        flow_plan.process.task_set.count() == 21
    )  # launch, assess, check, 6 x (gate, assess, check)

    many = {person.pk: _queries(client, person, flow_plan) for person in (coordinator, lead)}

    assert many == few


def test_the_adhesion_act_event_carries_the_stored_files_sha256(flow_plan):
    document = Document.objects.get(plan=flow_plan)
    event = Event.objects.get(plan=flow_plan, kind=EventKind.FILE_UPLOADED)

    with document.file.open("rb") as stored:
        digest = hashlib.sha256(stored.read()).hexdigest()
    [added] = event.payload["children"]["document"]["added"]
    assert added["sha256"] == document.sha256 == digest
    assert added == {
        "kind": "adhesion_act",
        "name": document.original_name,
        "size": document.size,
        "sha256": digest,
    }
    assert event.payload["concerns"] == {"plan": flow_plan.pk, "document": str(document.public_id)}
    assert document.file.name.endswith(f"{document.public_id}.pdf")  # not the uploaded name


def test_a_text_file_renamed_pdf_is_refused_and_nothing_is_launched(
    client, lead, launch_url, launch_data
):
    client.force_login(lead)
    fake = pdf_upload(name="delibera.pdf", content=b"Questa non e' una delibera.\n")

    response = client.post(launch_url, {**launch_data, "adhesion_act_file": fake})

    assert response.status_code == 200
    assert escape(str(NOT_A_PDF % {"name": "delibera.pdf"})) in response.content.decode()
    assert not Plan.objects.exists()
    assert not Document.objects.exists()


def test_an_oversize_file_is_refused_with_the_limit(
    client, lead, launch_url, launch_data, settings
):
    settings.PLM_MAX_UPLOAD_BYTES = 1024
    client.force_login(lead)
    big = pdf_upload(content=b"%PDF-1.4\n" + b"0" * 2048)

    response = client.post(launch_url, {**launch_data, "adhesion_act_file": big})

    message = TOO_LARGE % {"name": big.name, "size": "2,0\xa0KB", "limit": "1,0\xa0KB"}
    assert escape(str(message)) in response.content.decode()
    assert not Plan.objects.exists()


def test_the_file_reaches_only_those_who_may_see_the_plan(
    client, flow_plan, flow_launched, coordinator, auditor
):
    other = UserFactory(username="coord-albenga")
    flow_launched(
        ComuneFactory(istat_code="009002", name="Albenga", province_code="SV"),
        coordinators=[other],
    )
    document = Document.objects.get(plan=flow_plan)
    address = f"/files/{document.public_id}/"

    client.force_login(other)
    assert client.get(address).status_code == 404
    for person in (coordinator, auditor):
        client.force_login(person)
        response = client.get(address)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment;")
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_a_launch_that_fails_after_storing_its_file_leaves_no_file(
    lead, coordinator, facilitator, comune, monkeypatch
):
    from django.core.files.storage import default_storage

    from flows.flows import PLMFlow, launch_plan

    stored = []
    original = default_storage.save

    def remember(name, content, **kwargs):
        stored.append(original(name, content, **kwargs))
        return stored[-1]

    def broken(self):
        raise RuntimeError("the flow failed after the plan was saved")

    monkeypatch.setattr(default_storage, "save", remember)
    monkeypatch.setattr(PLMFlow.launch.activation_class, "execute", broken)

    with pytest.raises(RuntimeError):
        launch_plan(
            comune=comune,
            title="PLM",
            adhesion_act_number="1",
            adhesion_act_date=datetime.date(2022, 6, 30),
            coordinators=[coordinator],
            facilitators=[facilitator],
            adhesion_act_file=pdf_upload(),
            by=lead,
        )

    assert len(stored) == 1
    assert not default_storage.exists(stored[0])
    assert not Plan.objects.exists()


def test_a_missing_stored_file_is_not_found_rather_than_an_error(client, flow_plan, coordinator):
    from django.core.files.storage import default_storage

    document = Document.objects.get(plan=flow_plan)
    default_storage.delete(document.file.name)
    client.force_login(coordinator)

    assert client.get(f"/files/{document.public_id}/").status_code == 404


# --- Its parts: the tasks, the progress, the latest events -----------------------------------


def test_the_task_table_lists_only_the_peoples_tasks(client, auditor):
    plan = PlanFactory(at=ADOPTED)
    assert plan.process.task_set.count() == 14  # launch, 8 tasks, 4 gates, end

    content = plan_page(client, auditor, plan)

    rows = re.findall(r'<tr class="plm-task" data-node="([^"]+)"', content)
    assert rows == list(NODE_STATUS)  # each phase's work then its check, nothing else
    for gate in ("launch", "assessment_checked", "draft_reviewed", "end"):
        assert f'data-node="{gate}"' not in content


def _english(client, person, plan):
    client.force_login(person)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return plan_page(client, person, plan)


def _progress(content):
    part = content[content.index('class="plm-progress') :]
    part = part[: part.index("</section>")]
    summary = re.search(r'plm-progress__summary"><strong>([^<]+)</strong>', part).group(1)
    stages = re.findall(r'data-status="([^"]+)" data-state="([^"]+)"', part)
    return summary, stages


def test_the_progress_says_which_phase_of_five_the_plan_is_at(client, drafting_plan, lead):
    summary, stages = _progress(_english(client, lead, drafting_plan))

    assert summary == "Phase 3 of 5 – Drafting"
    assert stages == [
        ("needs_assessment", "done"),
        ("stakeholder_tables", "done"),
        ("drafting", "current"),
        ("review", "ahead"),
        ("adoption", "ahead"),
    ]


@needs_italian("Phase %(number)s of %(total)s – %(phase)s")
def test_the_progress_reads_in_italian(client, drafting_plan, lead):
    summary, _stages = _progress(plan_page(client, lead, drafting_plan))

    assert summary == "Fase 3 di 5 – Stesura"


@pytest.mark.parametrize(
    ("at", "summary", "states"),
    [
        ("review", "Phase 4 of 5 – Review", ["done"] * 3 + ["current", "ahead"]),
        ("verify_adoption", "Phase 5 of 5 – Adoption", ["done"] * 4 + ["current"]),
        (ADOPTED, "All 5 phases done: the plan is adopted", ["done"] * 5),
    ],
)
def test_the_progress_follows_the_plan_to_its_adoption(client, lead, at, summary, states):
    plan = PlanFactory(at=at)

    shown, stages = _progress(_english(client, lead, plan))

    assert (shown, [state for _status, state in stages]) == (summary, states)


def test_the_progress_of_a_suspended_or_withdrawn_plan_says_where_it_stopped(client, lead):
    plan = PlanFactory(at="check_tables")
    flow_suspend(plan=plan, by=lead, reason="Elezioni comunali")

    suspended = _progress(_english(client, lead, plan))
    flow_withdraw(plan=plan, by=lead, reason="Il comune rinuncia")
    withdrawn = _progress(_english(client, lead, plan))

    assert suspended == (
        "Phase 2 of 5 – Stakeholder tables (plan suspended)",
        list(zip(PLAN_STAGES, ["done", "suspended", "ahead", "ahead", "ahead"], strict=True)),
    )
    assert withdrawn == (
        "Stopped at phase 2 of 5 – Stakeholder tables: the plan was withdrawn",
        list(zip(PLAN_STAGES, ["done", "stopped"] + ["not_reached"] * 3, strict=True)),
    )


def _events(content):
    part = content[content.index('class="plm-events"') :]
    part = part[: part.index("</ol>")]
    return re.findall(
        r'data-kind="([^"]+)">\s*<span class="plm-event__what">([^<]*)</span>\s*'
        r'<span class="plm-event__meta">([^<]*) · <time',
        part,
    )


def test_the_last_ten_events_are_told_in_words_newest_first(
    client, flow_plan, coordinator, facilitator, lead
):
    submit(client, coordinator, open_task(flow_plan), "Analisi.")
    decide(client, facilitator, open_task(flow_plan), "returned", "Manca la mappa.")
    claim(client, coordinator, open_task(flow_plan))

    shown = _events(_english(client, lead, flow_plan))

    latest = list(Event.objects.filter(plan=flow_plan).order_by("-seq")[:10])
    assert [kind for kind, _what, _who in shown] == [event.kind for event in latest]
    assert Event.objects.filter(plan=flow_plan).count() > 10  # only the last ten
    told = [(what, who) for _kind, what, who in shown]
    assert told[0] == ("Task “Needs assessment” taken on.", "coord-saluzzo")
    assert (
        "Work sent back with comments: task “Needs assessment” opened again.",
        "facilitator",
    ) in told
    assert (
        "Decision on “Needs assessment”, round 1: returned with comments, with the comments "
        "“Manca la mappa.”.",
        "facilitator",
    ) in told
    assert (
        "Task “Needs assessment” opened, offered to those who may take it on.",
        "System (workflow)",
    ) in told
    assert (
        "Task “Check the needs assessment” completed.",
        "facilitator",
    ) in told


def test_an_event_without_a_sentence_of_its_own_reads_as_its_kind(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    claim(client, coordinator, task)
    client.post(url(task, "execute"), work_data(task, "Bozza.", submit=False))  # a draft

    shown = _events(_english(client, coordinator, flow_plan))

    assert shown[0] == (EventKind.ASSESSMENT_SAVED, "Needs assessment saved", "coord-saluzzo")


def test_the_people_an_event_names_are_named_by_their_full_name_or_username(
    client, flow_launched, comune, coordinator, coordinator2, lead
):
    coordinator.first_name, coordinator.last_name = "Referente comunale", "– Saluzzo"
    coordinator.save()
    plan = flow_launched(comune)  # the task goes at once to its one candidate
    task = open_task(plan)
    MembershipFactory(user=coordinator2, comune=comune, role=Role.COORDINATOR)
    client.force_login(lead)
    client.post(url(task, "reassign"), {"to": coordinator2.pk})

    told = [(what, who) for _kind, what, who in _events(_english(client, lead, plan))]

    assert told[0] == ("Task “Needs assessment” handed to coord-saluzzo-2.", "lead")
    assert (
        "Task “Needs assessment” opened, assigned to Referente comunale – Saluzzo.",
        "System (workflow)",
    ) in told
