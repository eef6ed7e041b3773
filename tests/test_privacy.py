"""The privacy notice: open to anyone, its controller and contact from the settings, linked
from the footer of every page, the login page included."""

import html as html_lib
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from tests.flows.helpers import process_url

pytestmark = pytest.mark.django_db

UNSET_CONTROLLER = (
    "Da indicare a cura di chi gestisce il servizio (impostazione PLM_PRIVACY_CONTROLLER)."
)
UNSET_CONTACT = "Da indicare a cura di chi gestisce il servizio (impostazione PLM_PRIVACY_CONTACT)."
FOOTER_LINK = '<a href="/privacy/">Informativa privacy</a>'


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def test_the_notice_is_open_without_logging_in(client):
    response = client.get(reverse("privacy"))

    page = _text(response)
    assert response.status_code == 200
    assert "<title>Informativa privacy · PLM Workflow</title>" in page
    for heading in (
        "Titolare del trattamento",
        "Finalità del trattamento",
        "Quali dati conserva l'applicazione",
        "Chi li vede",
        "Per quanto tempo sono conservati",
        "I tuoi diritti",
    ):
        assert f">{heading}</h2>" in page, heading
    assert "articoli da 15 a 22 del GDPR" in page
    assert "Garante per la protezione dei dati personali" in page
    assert "Una sessione termina dopo 8 ore di inattività." in page


def test_an_unconfigured_controller_is_said_to_be_still_to_be_configured(client, settings):
    settings.PLM_PRIVACY_CONTROLLER = ""
    settings.PLM_PRIVACY_CONTACT = ""

    page = _text(client.get(reverse("privacy")))

    assert UNSET_CONTROLLER in page
    assert UNSET_CONTACT in page


def test_the_controller_and_an_e_mail_contact_come_from_the_settings(client, settings):
    settings.PLM_PRIVACY_CONTROLLER = "Ente di prova, Via Roma 1, 00100 Roma"
    settings.PLM_PRIVACY_CONTACT = "dpo@example.org"

    page = _text(client.get(reverse("privacy")))

    assert "<dd data-privacy-controller>Ente di prova, Via Roma 1, 00100 Roma</dd>" in page
    assert '<a href="mailto:dpo@example.org">dpo@example.org</a>' in page
    assert UNSET_CONTROLLER not in page and UNSET_CONTACT not in page


def test_a_contact_that_is_not_an_address_is_shown_as_written(client, settings):
    settings.PLM_PRIVACY_CONTACT = "Ufficio protezione dati, tel. 06 0000000"

    page = _text(client.get(reverse("privacy")))

    assert "<dd data-privacy-contact>Ufficio protezione dati, tel. 06 0000000</dd>" in page
    assert "mailto:" not in page


def test_the_notice_is_in_english_for_who_chose_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = _text(client.get(reverse("privacy")))

    assert "<title>Privacy notice · PLM Workflow</title>" in page
    assert "Under articles 15 to 22 of the GDPR" in page


def test_the_login_page_links_to_the_notice(client):
    assert FOOTER_LINK in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize("address", ["home", "inbox", "plan", "comune", "privacy"])
def test_every_page_of_the_shell_links_to_the_notice(client, flow_plan, lead, address):
    client.force_login(lead)
    addresses = {
        "home": reverse("home:index"),
        "inbox": reverse("home:inbox"),
        "plan": process_url(flow_plan.process),
        "comune": reverse("comune", args=["004203"]),
        "privacy": reverse("privacy"),
    }

    response = client.get(addresses[address])

    assert response.status_code == 200
    assert FOOTER_LINK in response.content.decode()


def test_the_controller_and_contact_are_read_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='plm_workflow.settings.test';"
        "django.setup(); from django.conf import settings;"
        "print(settings.PLM_PRIVACY_CONTROLLER, '|', settings.PLM_PRIVACY_CONTACT)"
    )
    env = {"PLM_PRIVACY_CONTROLLER": "Ente", "PLM_PRIVACY_CONTACT": "dpo@example.org", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.stdout.strip() == "Ente | dpo@example.org"
