"""The 403, 404 and 500 pages as a deployment shows them (DEBUG off): in Italian, inside the
app shell, saying what happened and linking home; the 500 page without touching the database."""

import html as html_lib
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.functional import SimpleLazyObject

import plm_workflow.urls
from plm_workflow.audit.models import Event
from plm_workflow.error_pages import server_error
from plm_workflow.plans.errors import NOT_ALLOWED
from plm_workflow.views import HomeView
from tests.factories import PlanFactory
from tests.flows.helpers import open_task, process_url, url

pytestmark = pytest.mark.django_db

NOT_FOUND = (
    "A questo indirizzo non c'è nessuna pagina, oppure la pagina non è aperta al tuo account: "
    "un piano e le sue attività sono visibili solo a chi ci lavora."
)
DENIED = (
    "Il tuo account non può aprire questa pagina né svolgere questa operazione: "
    "non è stato modificato nulla."
)
SERVER_ERROR = "Si è verificato un errore del sistema e la pagina non può essere mostrata."
HOME_LINK = '<a class="mdc-button mdc-button--raised" href="/home/">'
MENU = 'class="vf-page__menu'
PRIVACY_LINK = '<a href="/privacy/">Informativa privacy</a>'


@pytest.fixture(autouse=True)
def _deployed(settings):
    """Error pages as production shows them: Django's debug pages are off."""
    settings.DEBUG = False


def _text(response) -> str:
    return html_lib.unescape(response.content.decode())


def _title(page: str) -> str:
    return re.search(r"<title>\s*(.*?)\s*</title>", page, re.S).group(1)


def test_an_unknown_address_answers_the_404_page_in_the_shell(client, lead):
    client.force_login(lead)

    response = client.get("/no-such-page/")

    page = _text(response)
    assert response.status_code == 404
    assert _title(page) == "Pagina non trovata · PLM Workflow"
    assert NOT_FOUND in page
    assert HOME_LINK in page
    assert MENU in page
    assert "Request URL" not in page and "Raised by" not in page  # not Django's debug page


def test_an_unknown_plan_answers_the_same_404_page(client, lead):
    client.force_login(lead)

    response = client.get("/home/plm/999999/")

    assert response.status_code == 404
    assert NOT_FOUND in _text(response)
    assert "No " not in _title(_text(response))  # no "No Process matches the given query."


def test_another_comunes_plan_answers_404_and_says_nothing_of_it(client, flow_plan):
    stranger = open_task(PlanFactory(at="assess")).owner
    client.force_login(stranger)

    response = client.get(process_url(flow_plan.process))

    page = _text(response)
    assert response.status_code == 404
    assert NOT_FOUND in page
    assert "Saluzzo" not in page


def test_an_anonymous_visitor_gets_the_404_page_without_the_menu(client):
    response = client.get("/no-such-page/")

    page = _text(response)
    assert response.status_code == 404
    assert NOT_FOUND in page
    assert MENU not in page
    assert 'href="/accounts/login/?next=/no-such-page/"' in page


def test_a_refused_action_on_a_plan_answers_the_403_page_with_its_reason(
    client, flow_plan, coordinator
):
    events = Event.objects.filter(plan=flow_plan).count()
    client.force_login(coordinator)

    response = client.post(
        process_url(flow_plan.process) + "suspend/", {"reason": "Elezioni.", "confirmed": "1"}
    )

    page = _text(response)
    assert response.status_code == 403
    assert _title(page) == "Accesso negato · PLM Workflow"
    assert DENIED in page
    assert f"<p>{NOT_ALLOWED}</p>" in page
    assert HOME_LINK in page
    assert MENU in page
    flow_plan.refresh_from_db()
    assert flow_plan.status == "needs_assessment"
    assert Event.objects.filter(plan=flow_plan).count() == events


def test_someone_elses_task_form_answers_the_403_page_without_technical_text(
    client, flow_plan, facilitator
):
    client.force_login(facilitator)

    response = client.get(url(open_task(flow_plan), "execute"))

    page = _text(response)
    assert response.status_code == 403
    assert DENIED in page
    assert HOME_LINK in page
    assert "403 Forbidden" not in page and "transition" not in page


def test_a_failing_page_answers_the_static_500_page_without_a_query(lead, monkeypatch):
    queries = []

    def counting(request):
        with CaptureQueriesContext(connection) as captured:
            response = server_error(request)
        queries.extend(captured)
        return response

    monkeypatch.setattr(plm_workflow.urls, "handler500", counting)
    monkeypatch.setattr(HomeView, "get", lambda self, request: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(lead)

    response = client.get("/home/")

    page = _text(response)
    assert response.status_code == 500
    assert _title(page) == "Errore del server · PLM Workflow"
    assert SERVER_ERROR in page
    assert '<a class="mdc-button mdc-button--raised" href="/">' in page
    assert 'class="mdc-top-app-bar' in page  # the shell's look
    assert MENU not in page and "csrfmiddlewaretoken" not in page
    assert queries == []


def test_the_500_page_renders_with_the_database_out_of_reach(django_db_blocker):
    request = RequestFactory().get("/home/")
    # A person who would be read from the database if the page asked who is logged in.
    request.user = SimpleLazyObject(lambda: get_user_model().objects.get(pk=1))

    with django_db_blocker.block():
        response = server_error(request)

    assert response.status_code == 500
    assert SERVER_ERROR in _text(response)


def test_the_error_pages_link_to_the_privacy_notice(lead, monkeypatch):
    monkeypatch.setattr(HomeView, "get", lambda self, request: 1 / 0)
    client = Client(raise_request_exception=False)
    client.force_login(lead)

    assert PRIVACY_LINK in client.get("/no-such-page/").content.decode()
    assert PRIVACY_LINK in client.get("/home/").content.decode()  # the 500 page
