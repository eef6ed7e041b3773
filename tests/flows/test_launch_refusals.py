"""A refused launch gives every reason in one round, and keeps the adhesion act chosen."""

import datetime
import hashlib
import re

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.html import escape

from flows.models import PLMProcess
from forms.launch import KEPT_FILE_LOST
from plm_workflow.launch.services import ACT_DATE_IN_FUTURE, NO_FACILITATOR
from plm_workflow.plans.documents import NOT_A_PDF
from plm_workflow.plans.models import ONE_OPEN_PLAN_PER_COMUNE, Document, Plan
from plm_workflow.plans.pdfs import one_page_pdf
from tests.conftest import pdf_upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEPT = re.compile(r'name="adhesion_act_kept" value="([^"]+)"')


def _field_errors(content: str, field: str) -> list[str]:
    """The errors shown beside a field (after its input, before the next field)."""
    start = content.index(f'name="{field}"')
    end = content.find('<div class="plm-field', start)
    return re.findall(r'<p class="plm-field-error" role="alert">(.*?)</p>', content[start:end])


def _summary(content: str) -> str:
    start = content.index('<div class="plm-errors"')
    return content[start : content.index("</div>", start)]


def _kept_exists(token: str) -> bool:
    """Whether the file a token names is still stored aside."""
    from django.core import signing

    name = signing.loads(token, salt="plm.pending-upload")["file"]
    return default_storage.exists(name)


def test_a_bad_file_and_the_services_reasons_come_in_one_round(
    client, lead, comune, flow_launched, launch_url, launch_data
):
    flow_launched(comune)  # an open plan already: the service refuses the comune
    client.force_login(lead)
    bad = pdf_upload("delibera.pdf", content=b"not a pdf at all")

    response = client.post(
        launch_url,
        {**launch_data, "adhesion_act_file": bad, "adhesion_act_date": "2999-01-01"},
    )

    content = response.content.decode()
    assert response.status_code == 200
    not_pdf = escape(str(NOT_A_PDF % {"name": "delibera.pdf"}))
    # each reason beside its field…
    assert _field_errors(content, "adhesion_act_file") == [not_pdf]
    assert _field_errors(content, "comune") == [escape(str(ONE_OPEN_PLAN_PER_COMUNE))]
    assert _field_errors(content, "adhesion_act_date") == [escape(str(ACT_DATE_IN_FUTURE))]
    # …and all of them at the top
    summary = _summary(content)
    for reason in (not_pdf, ONE_OPEN_PLAN_PER_COMUNE, ACT_DATE_IN_FUTURE):
        assert escape(str(reason)) in summary or reason in summary
    # a file refused by its own checks is not kept
    assert not KEPT.search(content) and "data-kept-file" not in content
    assert Plan.objects.count() == 1 and PLMProcess.objects.count() == 1


def test_a_form_error_and_a_service_reason_come_together(
    client, lead, comune, launch_url, launch_data
):
    client.force_login(lead)

    response = client.post(
        launch_url,
        {**launch_data, "facilitators": [], "date_tables": "not a date", "title": ""},
    )

    content = response.content.decode()
    assert _field_errors(content, "facilitators") == [escape(str(NO_FACILITATOR))]
    assert len(_field_errors(content, "date_tables")) == 1
    assert len(_field_errors(content, "title")) == 1
    assert not Plan.objects.exists()


def test_a_good_file_is_kept_across_a_refusal_and_used_by_the_next_round(
    client, lead, comune, launch_url, launch_data
):
    client.force_login(lead)
    content_bytes = one_page_pdf("Delibera di adesione n. 112")
    chosen = pdf_upload("delibera di adesione.pdf", content=content_bytes)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    refused = client.post(
        launch_url, {**launch_data, "adhesion_act_file": chosen, "adhesion_act_date": tomorrow}
    ).content.decode()

    token = KEPT.search(refused).group(1)
    assert "data-kept-file" in refused and "delibera di adesione.pdf" in refused
    assert _kept_exists(token)
    # the file input no longer demands a file: the kept one counts
    file_input = re.search(r'<input type="file"[^>]*>', refused).group(0)
    assert "required" not in file_input
    assert not Document.objects.exists()

    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}
    launched = client.post(launch_url, {**data, "adhesion_act_kept": token})

    assert launched.status_code == 302
    document = Document.objects.get()
    assert document.original_name == "delibera di adesione.pdf"
    assert document.sha256 == hashlib.sha256(content_bytes).hexdigest()
    assert document.size == len(content_bytes)
    assert not _kept_exists(token)  # stored for good, the kept copy is gone


def test_a_new_file_replaces_the_kept_one(client, lead, comune, launch_url, launch_data):
    client.force_login(lead)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    first = client.post(
        launch_url,
        {
            **launch_data,
            "adhesion_act_file": pdf_upload("prima.pdf"),
            "adhesion_act_date": tomorrow,
        },
    ).content.decode()
    token = KEPT.search(first).group(1)
    second_bytes = one_page_pdf("La delibera giusta")

    client.post(
        launch_url,
        {
            **launch_data,
            "adhesion_act_kept": token,
            "adhesion_act_file": pdf_upload("seconda.pdf", content=second_bytes),
        },
    )

    document = Document.objects.get()
    assert document.original_name == "seconda.pdf"
    assert document.sha256 == hashlib.sha256(second_bytes).hexdigest()
    assert not _kept_exists(token)


def test_another_persons_token_gives_no_file(client, comune, launch_url, launch_data, lead):
    from plm_workflow.accounts.services import role_grant

    other_lead = UserFactory(username="lead-2")
    role_grant(user=other_lead, role="lead")
    client.force_login(other_lead)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    refused = client.post(launch_url, {**launch_data, "adhesion_act_date": tomorrow})
    token = KEPT.search(refused.content.decode()).group(1)

    client.force_login(lead)
    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}
    response = client.post(launch_url, {**data, "adhesion_act_kept": token})

    content = response.content.decode()
    assert response.status_code == 200
    assert _field_errors(content, "adhesion_act_file") == [escape(str(KEPT_FILE_LOST))]
    assert not Plan.objects.exists()


def test_a_forged_or_stale_token_asks_for_the_file_again(
    client, lead, comune, launch_url, launch_data
):
    client.force_login(lead)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    refused = client.post(launch_url, {**launch_data, "adhesion_act_date": tomorrow})
    token = KEPT.search(refused.content.decode()).group(1)
    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}

    forged = client.post(launch_url, {**data, "adhesion_act_kept": token[:-3] + "abc"})
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1)):
        client.force_login(lead)
        stale = client.post(launch_url, {**data, "adhesion_act_kept": token})

    for response in (forged, stale):
        content = response.content.decode()
        assert _field_errors(content, "adhesion_act_file") == [escape(str(KEPT_FILE_LOST))]
    assert not Plan.objects.exists()


def test_without_a_file_or_token_the_file_is_simply_required(
    client, lead, comune, launch_url, launch_data
):
    client.force_login(lead)
    data = {key: value for key, value in launch_data.items() if key != "adhesion_act_file"}

    content = client.post(launch_url, data).content.decode()

    errors = _field_errors(content, "adhesion_act_file")
    assert len(errors) == 1 and errors != [escape(str(KEPT_FILE_LOST))]
    assert not Plan.objects.exists()
