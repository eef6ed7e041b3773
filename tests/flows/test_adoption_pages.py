"""The adoption's pages as their users meet them: the act's editor, the check and its
confirmation step, the plan page's adoption box and publication form, the home page's to-do."""

import datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.defaultfilters import filesizeformat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from viewflow.workflow.status import STATUS

from flows.flows import PLMFlow
from forms.adoption import ACT_NOT_A_PDF, ANNEX_NOT_A_PDF
from forms.tables import FILE_NOT_KEPT
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans import checks
from plm_workflow.plans.documents import PDF_ENVELOPE, TOO_LARGE, upload_limit
from plm_workflow.plans.models import (
    Adoption,
    Document,
    DocumentKind,
    PlanStatus,
    Review,
    ReviewDecision,
)
from plm_workflow.plans.models.adoption import (
    ACT_DATE_IN_FUTURE,
    PUBLICATION_BEFORE_ACT,
    PUBLICATION_IN_FUTURE,
)
from plm_workflow.roles import Role
from plm_workflow.steps.adoption import (
    CORRECTION_NEEDS_REASON,
    NOT_ADOPTED,
    adoption_save,
    publication_record,
)
from tests import adoptions
from tests.conftest import pdf_upload
from tests.factories import ADOPTED, MembershipFactory, PlanFactory
from tests.flows.helpers import adoption_data, decide, open_task, process_url, submit, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return PlanFactory(at="record_adoption")


@pytest.fixture
def adopted():
    return PlanFactory(at=ADOPTED)


def _task(plan):
    task = open_task(plan)
    assert task.flow_task.name == "record_adoption"
    return task


def _login(client, plan, person=None):
    task = _task(plan)
    client.force_login(person or task.owner)
    return task


def _holder(plan):
    return _task(plan).owner


def _coordinator(plan):
    return plan.comune.memberships.get(role=Role.COORDINATOR).user


def _facilitator(plan):
    return plan.comune.memberships.get(role=Role.FACILITATOR).user


def _stored_files(plan) -> int:
    folder = f"plans/{plan.pk}"
    return len(default_storage.listdir(folder)[1]) if default_storage.exists(folder) else 0


def _state(plan):
    """What a refusal must leave as it was: the act, the plan's documents, files and events."""
    adoption = Adoption.objects.filter(plan=plan).first()
    return (
        adoption.revision if adoption else None,
        Document.objects.filter(plan=plan).count(),
        _stored_files(plan),
        Event.objects.filter(plan=plan).count(),
        Review.objects.filter(plan=plan).count(),
    )


def _post(client, plan, **given):
    task = _task(plan)
    return client.post(url(task, "execute"), adoption_data(plan.pk, **given))


def _in_words(day) -> str:
    return date_format(day, "DATE_FORMAT")


def _publication(**given):
    today = timezone.localdate()
    return {
        "published_from": today.isoformat(),
        "published_to": (today + datetime.timedelta(days=14)).isoformat(),
        "register_number": "1234/2023",
        "publication_link": "https://albo.example.org/atti/1234",
        **given,
    }


def _publication_url(plan):
    return PLMFlow.instance.reverse("publication", args=[plan.process.pk])


def _text_file(name="delibera.pdf"):
    return SimpleUploadedFile(name, b"Delibera n. 112: testo semplice.", "application/pdf")


# --- The act's editor ------------------------------------------------------------------------


def test_a_draft_save_keeps_the_task_and_stores_the_act_with_its_hash(client, plan):
    task = _login(client, plan)

    response = _post(client, plan, submit=False)

    assert (response.status_code, response["Location"]) == (302, url(task, "execute"))
    task.refresh_from_db()
    plan.refresh_from_db()
    assert task.status in (STATUS.NEW, STATUS.ASSIGNED)
    assert plan.status == PlanStatus.ADOPTION
    adoption = Adoption.objects.get(plan=plan)
    assert (adoption.body, adoption.act_number, adoption.act_date, adoption.revision) == (
        "giunta",
        "112",
        timezone.localdate(),
        1,
    )
    assert adoption.immediately_enforceable is True
    act = adoption.signed_act
    assert (act.kind, act.original_name) == (DocumentKind.ADOPTION_ACT, "delibera-adozione.pdf")
    uploaded = Event.objects.filter(plan=plan, kind=EventKind.FILE_UPLOADED).latest("seq")
    assert uploaded.payload["children"]["document"]["added"][0]["sha256"] == act.sha256
    saved = Event.objects.filter(plan=plan, kind=EventKind.ADOPTION_SAVED).get()
    assert saved.payload["changes"]["act_number"] == [None, "112"]
    # The page shows the act attached now: its link, size and the start of its SHA-256.
    html = client.get(url(task, "execute")).content.decode()
    assert f"/files/{act.public_id}/" in html
    assert act.sha256[:12] in html and filesizeformat(act.size) in html
    assert 'value="112"' in html and 'type="date"' in html
    assert 'enctype="multipart/form-data"' in html and "multiple" in html


def test_a_submission_is_refused_listing_every_failing_check_and_nothing_is_stored(client, plan):
    task = _login(client, plan)
    before = _state(plan)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = _post(
        client, plan, body="", act_number="", act_date=yesterday.isoformat(), signed_act=None
    )

    assert response.status_code == 200
    html = response.content.decode()
    approved = timezone.localdate().strftime("%d/%m/%Y")
    before_approval = checks.ACT_BEFORE_APPROVAL % {
        "date": yesterday.strftime("%d/%m/%Y"),
        "approved": approved,
    }
    for message in (
        checks.BODY_MISSING,
        checks.ACT_NUMBER_MISSING,
        before_approval,
        checks.SIGNED_ACT_MISSING,
    ):
        # At the top, and beside its field.
        assert html.count(escape(str(message))) == 2, message
    assert _state(plan) == before
    task.refresh_from_db()
    assert task.status in (STATUS.NEW, STATUS.ASSIGNED)


def test_an_act_dated_in_the_future_is_refused_beside_its_date_the_typed_data_stays(client, plan):
    _login(client, plan)
    before = _state(plan)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = _post(client, plan, act_date=tomorrow.isoformat(), act_number="77/2023")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count(escape(str(ACT_DATE_IN_FUTURE))) == 2
    assert 'value="77/2023"' in html
    assert f'value="{tomorrow.isoformat()}"' in html
    # The signed act chosen is not kept: named, to be chosen again.
    assert escape(str(FILE_NOT_KEPT % {"name": "delibera-adozione.pdf"})) in html
    assert _state(plan) == before


def test_an_act_dated_before_the_approval_is_refused_and_its_file_not_kept(client, plan):
    _login(client, plan)
    before = _state(plan)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = _post(client, plan, act_date=yesterday.isoformat())

    assert response.status_code == 200
    html = response.content.decode()
    assert escape(str(checks.ACT_BEFORE_APPROVAL).split("(")[0]) in html
    assert escape(str(FILE_NOT_KEPT % {"name": "delibera-adozione.pdf"})) in html
    assert _state(plan) == before  # no document, no file on disk, no event


@pytest.mark.parametrize("field", ["signed_act", "annexes"])
def test_a_text_file_renamed_pdf_is_refused_naming_the_file_and_the_limit(client, plan, field):
    _login(client, plan)
    before = _state(plan)
    kind = DocumentKind.ADOPTION_ACT if field == "signed_act" else DocumentKind.ADOPTION_ANNEX
    template = ACT_NOT_A_PDF if field == "signed_act" else ANNEX_NOT_A_PDF

    response = _post(client, plan, submit=False, **{field: _text_file("allegato.pdf")})

    assert response.status_code == 200
    html = response.content.decode()
    limit = filesizeformat(upload_limit(kind))
    message = template % {"name": "allegato.pdf", "limit": limit}
    assert html.count(escape(str(message))) == 2  # at the top, beside the field
    assert _state(plan) == before


def test_an_oversize_act_is_refused_naming_the_file_and_the_limit(client, plan, settings):
    settings.PLM_MAX_ACT_BYTES = 1000
    _login(client, plan)
    before = _state(plan)
    big = pdf_upload("delibera-scansione.pdf", content=b"%PDF-1.4\n" + b"0" * 3000)

    response = _post(client, plan, signed_act=big)

    assert response.status_code == 200
    html = response.content.decode()
    message = TOO_LARGE % {
        "name": "delibera-scansione.pdf",
        "size": filesizeformat(big.size),
        "limit": filesizeformat(1000),
    }
    assert escape(str(message)) in html
    assert _state(plan) == before


def test_a_p7m_envelope_is_refused_with_the_document_services_guidance(client, plan):
    _login(client, plan)
    before = _state(plan)
    envelope = SimpleUploadedFile("delibera.pdf.p7m", b"0\x82\x01\x00signed", "application/pkcs7")

    response = _post(client, plan, submit=False, signed_act=envelope)

    assert response.status_code == 200
    assert escape(str(PDF_ENVELOPE % {"name": "delibera.pdf.p7m"})) in response.content.decode()
    assert _state(plan) == before


def test_a_new_signed_act_replaces_the_former_which_stays_a_document_of_the_plan(client, plan):
    _login(client, plan)
    assert _post(client, plan, submit=False).status_code == 302
    former = Adoption.objects.get(plan=plan).signed_act

    response = _post(
        client, plan, submit=False, signed_act=pdf_upload("delibera-firmata-pades.pdf")
    )

    assert response.status_code == 302
    adoption = Adoption.objects.get(plan=plan)
    assert adoption.signed_act.original_name == "delibera-firmata-pades.pdf"
    assert Document.objects.filter(pk=former.pk, plan=plan).exists()
    saved = Event.objects.filter(plan=plan, kind=EventKind.ADOPTION_SAVED).latest("seq")
    assert saved.payload["changes"]["signed_act"] == [
        str(former.public_id),
        str(adoption.signed_act.public_id),
    ]


def test_several_annexes_are_added_at_once_and_listed(client, plan):
    task = _login(client, plan)

    response = _post(
        client,
        plan,
        submit=False,
        annexes=[pdf_upload("piano-adottato.pdf"), pdf_upload("cronoprogramma.pdf")],
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    names = set(
        Document.objects.filter(plan=plan, kind=DocumentKind.ADOPTION_ANNEX).values_list(
            "original_name", flat=True
        )
    )
    assert names == {"piano-adottato.pdf", "cronoprogramma.pdf"}
    html = client.get(url(task, "execute")).content.decode()
    assert "piano-adottato.pdf" in html and "cronoprogramma.pdf" in html


def test_a_save_from_an_older_page_is_refused_and_shows_the_current_act(client, plan):
    _login(client, plan)
    adoption_save(plan=plan, by=_holder(plan), fields={"act_number": "99"})

    response = _post(client, plan, submit=False, version="0", act_number="112")

    assert response.status_code == 200
    html = response.content.decode()
    assert "plm-stale" in html and ">99<" in html  # the act as saved meanwhile
    assert 'value="112"' in html  # what was typed stays
    assert 'name="version" value="1"' in html  # saving again is a deliberate choice
    assert escape(str(FILE_NOT_KEPT % {"name": "delibera-adozione.pdf"})) in html
    assert Adoption.objects.get(plan=plan).act_number == "99"


def test_a_complete_act_submits_and_the_closed_task_shows_it(client, plan):
    task = _login(client, plan)

    response = _post(client, plan)

    assert (response.status_code, response["Location"]) == (302, process_url(plan.process))
    check = open_task(plan)
    assert check.flow_task.name == "verify_adoption"
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    html = client.get(url(task, "detail")).content.decode()
    assert "delibera-adozione.pdf" in html


# --- The check and its confirmation step -------------------------------------------------------


def _to_check(client, plan):
    submit(client, _holder(plan), _task(plan), "")
    check = open_task(plan)
    assert check.flow_task.name == "verify_adoption"
    client.force_login(check.owner)
    return check


def test_the_check_page_shows_the_act_read_only_with_the_pdfs_size_and_hash(client, plan):
    check = _to_check(client, plan)
    act = Adoption.objects.get(plan=plan).signed_act

    html = client.get(url(check, "execute")).content.decode()

    assert f"/files/{act.public_id}/" in html
    assert act.sha256 in html and filesizeformat(act.size) in html
    assert "Giunta comunale" in html and "112" in html
    assert _in_words(timezone.localdate()) in html
    assert 'name="signed_act"' not in html  # read-only


def test_an_approval_without_confirmation_records_nothing_then_the_confirmation_adopts(
    client, plan
):
    check = _to_check(client, plan)
    before = _state(plan)

    shown = client.post(url(check, "execute"), {"decision": "approved", "comments": "Verificata."})

    assert shown.status_code == 200
    html = shown.content.decode()
    assert 'name="confirmed" value="1"' in html
    assert "Verificata." in html  # the comments carried to the confirmation
    assert _state(plan) == before
    plan.refresh_from_db()
    check.refresh_from_db()
    assert plan.status == PlanStatus.ADOPTION
    assert check.status in (STATUS.NEW, STATUS.ASSIGNED)

    confirmed = client.post(
        url(check, "execute"),
        {"decision": "approved", "comments": "Verificata.", "confirmed": "1"},
    )

    assert (confirmed.status_code, confirmed["Location"]) == (302, process_url(plan.process))
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ADOPTED
    review = Review.objects.get(plan=plan, phase="adoption")
    assert (review.decision, review.comments) == (ReviewDecision.APPROVED, "Verificata.")


def test_the_confirmation_step_names_what_would_stop_the_adoption_and_offers_no_button(
    client, plan
):
    check = _to_check(client, plan)
    Adoption.objects.filter(plan=plan).update(signed_act=None)  # lost since the submission

    shown = client.post(url(check, "execute"), {"decision": "approved"})

    assert shown.status_code == 200
    html = shown.content.decode()
    assert escape(str(checks.SIGNED_ACT_MISSING)) in html
    assert 'name="confirmed"' not in html
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ADOPTION


def test_a_return_is_one_step_and_the_check_then_shows_what_changed(client, plan):
    check = _to_check(client, plan)

    decide(client, check.owner, check, "returned", "Manca l'allegato del piano.")

    work = _task(plan)
    assert work.step.returned_by.comments == "Manca l'allegato del piano."
    client.force_login(work.owner)
    response = client.post(
        url(work, "execute"),
        adoption_data(
            plan.pk, act_number="113", signed_act=None, annexes=pdf_upload("piano-adottato.pdf")
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    check = open_task(plan)
    client.force_login(check.owner)

    html = client.get(url(check, "execute")).content.decode()

    changes = html[html.index('id="plm-changes-title"') :]
    assert "112" in changes and "113" in changes
    assert "piano-adottato.pdf" in changes


# --- Who may see and write ---------------------------------------------------------------------


def test_a_coordinator_of_another_comune_gets_404_on_the_pages_posts_and_pdf(client, plan):
    task = _login(client, plan)
    assert _post(client, plan, submit=False).status_code == 302
    act = Adoption.objects.get(plan=plan).signed_act
    adopted = PlanFactory(at=ADOPTED)
    stranger = MembershipFactory().user
    client.force_login(stranger)
    before = _state(plan), _state(adopted)
    pages = [
        url(task, "execute"),
        url(task, "detail"),
        _publication_url(adopted),
        process_url(adopted.process),
    ]

    for address in pages:
        assert client.get(address).status_code == 404, address
        data = {**adoption_data(plan.pk), **_publication(), "confirmed": "1"}
        assert client.post(address, data).status_code in (404, 405), address
    assert client.get(f"/files/{act.public_id}/").status_code == 404
    assert (_state(plan), _state(adopted)) == before


def test_the_auditor_opens_the_pdf_and_the_pages_and_is_refused_every_post(
    client, plan, auditor, lead
):
    task = _login(client, plan)
    assert _post(client, plan, submit=False).status_code == 302
    act = Adoption.objects.get(plan=plan).signed_act
    adopted = PlanFactory(at=ADOPTED)
    verify = adopted.process.task_set.get(flow_task=PLMFlow.verify_adoption)
    before = _state(plan), _state(adopted)
    client.force_login(auditor)

    assert client.get(f"/files/{act.public_id}/").status_code == 200
    for address in (url(task, "detail"), url(verify, "detail"), process_url(adopted.process)):
        assert client.get(address).status_code == 200, address
    html = client.get(process_url(adopted.process)).content.decode()
    assert 'id="plm-adoption"' in html and "plm-publication-form" not in html
    for address in (url(task, "execute"), url(verify, "execute"), _publication_url(adopted)):
        data = {**adoption_data(plan.pk), **_publication(), "decision": "approved"}
        assert client.post(address, data).status_code == 403, address
    client.force_login(lead)
    assert client.post(_publication_url(adopted), _publication()).status_code == 403
    assert (_state(plan), _state(adopted)) == before


# --- The plan page and the publication -----------------------------------------------------------


def test_the_plan_page_of_an_adopted_plan_shows_the_adoption_box_in_place_of_now(client, adopted):
    adoption = Adoption.objects.select_related("signed_act").get(plan=adopted)
    client.force_login(_coordinator(adopted))

    html = client.get(process_url(adopted.process)).content.decode()

    box = html[html.index('id="plm-adoption"') : html.index('class="plm-progress')]
    assert 'id="plm-now"' not in html
    assert "Giunta comunale" in box and "112" in box
    assert _in_words(adoption.act_date) in box
    assert f"/files/{adoption.signed_act.public_id}/" in box
    assert adoption.signed_act.sha256[:12] in box
    assert filesizeformat(adoption.signed_act.size) in box
    # Not published yet: its coordinators are told so and given the form.
    assert "plm-publication-form" in box
    assert _publication_url(adopted) in box
    assert 'name="reason"' not in box


def test_the_publication_is_recorded_once_then_corrected_only_with_a_reason(client, adopted):
    person = _coordinator(adopted)
    client.force_login(person)
    address = _publication_url(adopted)
    today = timezone.localdate()

    response = client.post(address, {**_publication(), "version": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith(process_url(adopted.process))
    adoption = Adoption.objects.get(plan=adopted)
    assert (adoption.published_from, adoption.register_number) == (today, "1234/2023")
    recorded = Event.objects.filter(plan=adopted, kind=EventKind.PUBLICATION_RECORDED).get()
    assert recorded.payload["changes"]["register_number"] == ["", "1234/2023"]
    html = client.get(process_url(adopted.process)).content.decode()
    box = html[html.index('id="plm-adoption"') : html.index('class="plm-progress')]
    assert _in_words(today) in box and "1234/2023" in box
    assert "https://albo.example.org/atti/1234" in box
    assert 'name="reason"' in box  # the correction asks for a reason

    # A correction without a reason: refused beside the reason, nothing changes.
    before = _state(adopted), adoption.register_number
    refused = client.post(
        address, {**_publication(register_number="1235/2023"), "version": adoption.revision}
    )
    assert refused.status_code == 200
    assert refused.content.decode().count(escape(str(CORRECTION_NEEDS_REASON))) == 2
    assert 'value="1235/2023"' in refused.content.decode()
    adoption.refresh_from_db()
    assert (_state(adopted), adoption.register_number) == before

    corrected = client.post(
        address,
        {
            **_publication(register_number="1235/2023"),
            "version": adoption.revision,
            "reason": "Numero di registro errato.",
        },
    )
    assert corrected.status_code == 302
    adoption.refresh_from_db()
    assert adoption.register_number == "1235/2023"
    event = Event.objects.filter(plan=adopted, kind=EventKind.PUBLICATION_CORRECTED).get()
    assert event.payload["reason"] == "Numero di registro errato."


@pytest.mark.parametrize(
    ("days", "message"), [(-1, PUBLICATION_BEFORE_ACT), (1, PUBLICATION_IN_FUTURE)]
)
def test_a_publication_before_the_act_or_in_the_future_is_refused_beside_its_start(
    client, adopted, days, message
):
    client.force_login(_facilitator(adopted))
    start = timezone.localdate() + datetime.timedelta(days=days)
    before = _state(adopted)

    response = client.post(
        _publication_url(adopted),
        {**_publication(published_from=start.isoformat()), "version": "1"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    text = message % {"date": timezone.localdate().strftime("%d/%m/%Y")}
    assert html.count(escape(str(text))) == 2
    # Still a first recording: what was typed is not taken for a recorded publication.
    assert 'name="reason"' not in html and response.context["correcting"] is False
    assert _state(adopted) == before


def test_before_the_adoption_the_publication_page_sends_back_to_the_plan(client):
    plan = PlanFactory(at="verify_adoption")
    client.force_login(_coordinator(plan))
    before = _state(plan)

    shown = client.get(_publication_url(plan), follow=True)
    posted = client.post(_publication_url(plan), _publication())

    assert escape(str(NOT_ADOPTED)) in shown.content.decode()
    assert (posted.status_code, posted["Location"]) == (302, process_url(plan.process))
    assert _state(plan) == before


# --- The home page's to-do ---------------------------------------------------------------------


def _home(client, person):
    client.force_login(person)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home:index"))
    assert response.status_code == 200
    return response.content.decode(), len(captured)


def test_the_home_to_do_lists_the_publications_to_record_until_recorded(client, adopted, auditor):
    coordinator, facilitator = _coordinator(adopted), _facilitator(adopted)
    line = escape(f"{adopted.comune.label}")
    address = process_url(adopted.process)

    for person in (coordinator, facilitator):
        html, _count = _home(client, person)
        assert 'class="plm-todo"' in html and line in html and address in html
    html, _count = _home(client, auditor)
    assert 'class="plm-todo"' not in html
    html, _count = _home(client, MembershipFactory().user)
    assert 'class="plm-todo"' not in html

    publication_record(plan=adopted, by=facilitator, **adoptions_publication())

    html, _count = _home(client, coordinator)
    assert 'class="plm-todo"' not in html


def adoptions_publication() -> dict:
    today = timezone.localdate()
    return {
        "published_from": today,
        "published_to": today + datetime.timedelta(days=14),
        "register_number": "1234/2023",
    }


def test_the_home_page_runs_as_many_queries_with_one_or_three_publications_to_record(client):
    facilitator = PlanFactory(at=ADOPTED).comune.memberships.get(role=Role.FACILITATOR).user
    _home(client, facilitator)  # the session renewed, the content types read: as any visit
    counts = []
    _html, first = _home(client, facilitator)
    counts.append(first)
    for _n in range(2):
        PlanFactory(at=ADOPTED, facilitator=facilitator)
    html, last = _home(client, facilitator)
    counts.append(last)

    assert html.count('#plm-adoption"') == 3  # one to-do line per plan
    assert counts[0] == counts[1], counts


# --- Query counts ------------------------------------------------------------------------------


def _queries(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def _with(plan, *, annexes, drafts):
    """The act saved ``drafts`` times, ``annexes`` annexes between them."""
    person = _holder(plan)
    adoption_save(plan=plan, by=person, **adoptions.complete())
    for n in range(annexes):
        adoption_save(
            plan=plan, by=person, fields={}, annex_uploads=[pdf_upload(f"allegato-{n}.pdf")]
        )
    for n in range(drafts - 1):
        adoption_save(plan=plan, by=person, fields={"notes": f"Bozza {n}."})


SIZES = [(1, 1), (10, 1), (1, 20)]


def test_the_step_page_runs_as_many_queries_with_1_or_10_annexes_and_1_or_20_drafts(client):
    counts = []
    for annexes, drafts in SIZES:
        plan = PlanFactory(at="record_adoption")
        _with(plan, annexes=annexes, drafts=drafts)
        task = _login(client, plan)
        counts.append(_queries(client, url(task, "execute")))

    assert len(set(counts)) == 1, counts


def test_the_check_and_plan_pages_run_as_many_queries_with_1_or_10_annexes_and_1_or_20_drafts(
    client,
):
    checks_, plans, adopted_ = [], [], []
    for annexes, drafts in SIZES:
        plan = PlanFactory(at="record_adoption")
        _with(plan, annexes=annexes, drafts=drafts)
        check = _to_check(client, plan)
        checks_.append(_queries(client, url(check, "execute")))
        plans.append(_queries(client, process_url(plan.process)))
        decide(client, check.owner, check, "approved")
        client.force_login(_coordinator(plan))
        adopted_.append(_queries(client, process_url(plan.process)))

    assert len(set(checks_)) == 1, checks_
    assert len(set(plans)) == 1, plans
    assert len(set(adopted_)) == 1, adopted_


# A submission of the act fits the 40-query budget of a click (tests/flows/test_query_budget.py)
# with no addition: 40 queries measured, its signed act chosen with it, with 1 or 10 annexes and
# 1 or 20 drafts saved before (the act read once by the page's service and once by the six named
# checks of adopt, the PDF stored with its event, the act saved with its event, the task handed
# on). Each further PDF chosen with the submission adds its own store (7 queries: the document,
# its checks and its event). Measured too, whatever the number of annexes or drafts: the editor
# 10 queries, the check page 12, the plan page 30 while the act is checked and 32 once adopted
# (the adoption box and the publication form), the home page 6 whatever the number of plans.
def test_a_submission_costs_the_same_whatever_was_saved_before_within_the_budget(client):
    from tests.flows.test_query_budget import BUDGET

    counts = []
    for annexes, drafts in SIZES:
        plan = PlanFactory(at="record_adoption")
        _with(plan, annexes=annexes, drafts=drafts)
        task = _login(client, plan)
        assert client.get(url(task, "execute")).status_code == 200  # the page, opened first
        data = adoption_data(plan.pk, signed_act=pdf_upload("delibera-firmata.pdf"))
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url(task, "execute"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        counts.append(len(captured))

    assert len(set(counts)) == 1 and counts[0] <= BUDGET, counts
