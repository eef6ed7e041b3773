"""The plan page: everything about a plan on one page, at a constant cost."""

import datetime
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from flows.services import flow_suspend
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.services import phase_date_move
from plm_workflow.plans.documents import NOT_A_PDF, TOO_LARGE
from plm_workflow.plans.models import Document, Phase, Plan
from tests.conftest import pdf_upload
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import claim, decide, open_task, submit

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
