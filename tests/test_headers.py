"""Security headers, script nonces, session expiry and the error pages."""

import datetime
import re
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.utils import timezone, translation
from viewflow.workflow.status import STATUS

from flows.views import process_url
from plm_workflow.audit.models import Event
from plm_workflow.urls import handler500, server_error
from plm_workflow.views import HomeView
from tests.flows.helpers import claim, open_task, url

pytestmark = pytest.mark.django_db

EXPECTED_CSP = {
    "default-src": "'self'",
    "script-src": "'self' 'nonce-{nonce}'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
EXPIRED = "La sessione è scaduta: nulla è stato salvato. Accedi di nuovo e ripeti l'operazione."
SCRIPT = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"\son[a-z]+=", re.IGNORECASE)


def _directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";") if part.strip())
    return dict(parts)


def _nonce(response) -> str:
    found = re.search(r"'nonce-([A-Za-z0-9+/=]+)'", response["Content-Security-Policy"])
    assert found, response["Content-Security-Policy"]
    return found.group(1)


def _assert_page_is_policed(response, address):
    """The exact policy, every script carrying this response's nonce, no inline handlers."""
    assert response.status_code == 200, address
    nonce = _nonce(response)
    assert _directives(response["Content-Security-Policy"]) == {
        name: value.format(nonce=nonce) for name, value in EXPECTED_CSP.items()
    }, address
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    html = response.content.decode()
    assert f'<meta name="csp-nonce" content="{nonce}">' in html, address
    scripts = SCRIPT.findall(html)
    assert scripts, address
    assert [tag for tag in scripts if f'nonce="{nonce}"' not in tag] == [], address
    assert HANDLER.findall(html) == [], address


def _pages(plan, person, launch_url):
    task = open_task(plan)
    yield "/"
    yield from ("/home/inbox/", "/home/queue/", "/home/archive/", "/home/plans/")
    yield process_url(plan.process)
    yield url(task, "detail")
    if person.username == "lead":
        yield launch_url


def test_the_login_page_is_policed(client):
    response = client.get("/accounts/login/")

    _assert_page_is_policed(response, "/accounts/login/")


@pytest.mark.parametrize("role", ["lead", "auditor", "coordinator", "facilitator"])
def test_each_role_s_pages_are_policed_and_not_cached(request, client, flow_plan, launch_url, role):
    person = request.getfixturevalue(role)
    client.force_login(person)

    for address in _pages(flow_plan, person, launch_url):
        response = client.get(address, follow=True)
        _assert_page_is_policed(response, address)
        assert response["Cache-Control"] == "private, no-store", address


def test_the_task_form_of_its_holder_is_policed(client, flow_plan, coordinator):
    task = open_task(flow_plan)
    claim(client, coordinator, task)

    response = client.get(url(task, "execute"))

    _assert_page_is_policed(response, url(task, "execute"))
    assert response["Cache-Control"] == "private, no-store"


def test_each_response_gets_its_own_nonce(client):
    first, second = client.get("/accounts/login/"), client.get("/accounts/login/")

    assert _nonce(first) != _nonce(second)


def test_anonymous_responses_keep_their_own_cache_control(client):
    response = client.get("/health/live/")

    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["Cache-Control"] != "private, no-store"  # never_cache's own, untouched


def test_sessions_end_after_eight_hours_without_activity(client, lead):
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        client.force_login(lead)
        assert client.get("/home/").status_code == 200
        key = client.session.session_key
        assert Session.objects.get(pk=key).expire_date == start + datetime.timedelta(hours=8)

        clock.shift(datetime.timedelta(hours=7))
        assert client.get("/home/").status_code == 200  # activity renews the 8 hours
        renewed = start + datetime.timedelta(hours=15)
        assert Session.objects.get(pk=key).expire_date == renewed

        clock.shift(datetime.timedelta(hours=7, minutes=59))
        assert client.get("/home/").status_code == 200  # still in: 7 h 59 min idle

        clock.shift(datetime.timedelta(hours=8, minutes=1))
        response = client.get("/home/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_burst_of_requests_writes_the_session_once(client, lead):
    client.force_login(lead)
    client.get("/home/")  # renews

    response = client.get("/home/")

    assert response.status_code == 200
    assert not response.cookies.get(django_settings.SESSION_COOKIE_NAME)  # not saved again


def test_a_post_after_the_session_expired_says_nothing_was_saved(client, flow_plan, lead):
    """403: the request is refused and changes nothing; 401 needs an HTTP auth scheme."""
    address = flow_plan.process.flow_class.instance.reverse(
        "process_suspend", args=[flow_plan.process.pk]
    )
    status, events = flow_plan.status, Event.objects.count()
    client.force_login(lead)
    client.get("/home/")
    Session.objects.all().delete()  # expired and cleared, as clearsessions does

    response = client.post(address, {"reason": "Sospeso per prova.", "confirmed": "1"})

    assert response.status_code == 403
    html = response.content.decode()
    assert EXPIRED in html.replace("&#x27;", "'")
    assert f'href="/accounts/login/?next={address}"' in html
    _assert_page_is_policed_status(response)
    flow_plan.refresh_from_db()
    assert (flow_plan.status, Event.objects.count()) == (status, events)


def _assert_page_is_policed_status(response):
    nonce = _nonce(response)
    html = response.content.decode()
    assert [tag for tag in SCRIPT.findall(html) if f'nonce="{nonce}"' not in tag] == []


def test_an_anonymous_post_to_a_task_action_changes_nothing(client, flow_plan):
    task = open_task(flow_plan)

    response = client.post(url(task, "assign"))

    assert response.status_code == 403
    assert EXPIRED in response.content.decode().replace("&#x27;", "'")
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.NEW, None)


def test_anonymous_gets_and_the_login_post_go_on_as_before(client, lead):
    response = client.get("/home/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    lead.set_password("una-password-lunga")
    lead.save()
    response = client.post(
        "/accounts/login/", {"username": lead.username, "password": "una-password-lunga"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("admins", "said"),
    [([("Mario Rossi", "mario.rossi@example.org")], True), ([], False)],
)
def test_the_500_page_mentions_e_mail_only_when_there_are_admins(settings, admins, said):
    settings.ADMINS = admins
    request = RequestFactory().get("/")

    with translation.override("it"):
        response = server_error(request)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Errore del server" in html
    assert ("Gli amministratori sono stati avvisati per e-mail." in html) is said
    assert ("e-mail" in html) is said


def test_a_failing_page_answers_with_the_500_page_and_its_headers(settings, lead, monkeypatch):
    assert handler500 is server_error
    settings.ADMINS = []
    monkeypatch.setattr(HomeView, "get", lambda self, request: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(lead)

    response = client.get("/home/")

    assert response.status_code == 500
    assert "Errore del server" in response.content.decode()
    _assert_page_is_policed_status(response)
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


def test_admins_are_read_from_the_environment():
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='plm_workflow.settings.test';"
        "django.setup(); from django.conf import settings; print(settings.ADMINS)"
    )
    env = {"ADMINS": "Mario Rossi <mario.rossi@example.org>, anna@example.org", "PATH": ""}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.stdout.strip() == (
        "[('Mario Rossi', 'mario.rossi@example.org'), ('anna@example.org', 'anna@example.org')]"
    )
