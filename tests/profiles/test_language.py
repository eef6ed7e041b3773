import datetime

import pytest
from django import forms
from django.conf import settings as django_settings
from django.conf.locale.it import formats as italian_formats
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from plm_workflow.profiles.language import SESSION_KEY
from plm_workflow.profiles.models import Profile
from plm_workflow.profiles.selectors import language_for
from plm_workflow.profiles.services import profile_for, profile_language_set

pytestmark = pytest.mark.django_db

COOKIE = django_settings.LANGUAGE_COOKIE_NAME
PASSWORD = "s3cret-pass"
A_DATE = datetime.date(2027, 3, 8)


@pytest.fixture(autouse=True)
def _italian_default(settings):
    """These tests state the default they rely on rather than borrow it from elsewhere."""
    settings.LANGUAGE_CODE = "it"


def _log_in(client, user, **headers):
    return client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True, **headers
    )


def _switch(client, language, next_url="/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def _dates_as_rendered(response):
    """A date through the ``date`` filter, in the language the response was built in."""
    template = Template("{{ day|date }} · {{ day|date:'SHORT_DATE_FORMAT' }}")
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        return template.render(Context({"day": A_DATE}))


def test_a_choice_made_while_logged_in_is_applied_at_the_next_login_from_a_new_browser(user):
    first_browser = Client()
    _log_in(first_browser, user)
    assert _switch(first_browser, "en").status_code == 302

    new_browser = Client()  # no cookie, and a browser that asks for Italian
    response = _log_in(new_browser, user, HTTP_ACCEPT_LANGUAGE="it-IT,it;q=0.9")

    content = response.content.decode()
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/home/"
    assert '<html lang="en"' in content
    assert "Welcome, mario" in content
    assert new_browser.cookies[COOKIE].value == "en"
    assert _dates_as_rendered(response) == "8 March 2027 · 08/03/2027"


def test_the_stored_choice_wins_over_a_cookie_left_on_the_browser(user):
    profile_language_set(user=user, language="en")
    browser = Client()
    _switch(browser, "it", next_url=reverse("login"))  # before login: the cookie only

    response = _log_in(browser, user)

    assert '<html lang="en"' in response.content.decode()
    assert browser.cookies[COOKIE].value == "en"


def test_after_logout_the_login_page_keeps_the_persons_language(client, user):
    profile_language_set(user=user, language="en")
    _log_in(client, user)

    client.post(reverse("logout"))
    response = client.get(reverse("login"))

    assert '<html lang="en"' in response.content.decode()


def test_without_a_choice_an_english_browser_still_gets_italian_after_login(client, user):
    response = _log_in(client, user, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    content = response.content.decode()
    assert '<html lang="it"' in content
    assert "Ti diamo il benvenuto, mario" in content
    assert _dates_as_rendered(response).endswith(" · 08/03/2027")
    assert SESSION_KEY not in client.session
    assert not Profile.objects.exists()  # logging in writes nothing


def test_an_anonymous_switch_only_sets_the_cookie(client):
    response = _switch(client, "en", next_url=reverse("login"))

    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    assert not Profile.objects.exists()
    assert '<html lang="en"' in client.get(reverse("login")).content.decode()


@pytest.mark.parametrize("code", ["de", "xx-forged", "en-us", "", "<script>"])
def test_an_unknown_language_changes_nothing(client, user, code):
    client.force_login(user)
    _switch(client, "en")

    response = _switch(client, code)

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert client.cookies[COOKIE].value == "en"
    assert Profile.objects.get(user=user).language == "en"
    assert Profile.history.filter(user=user).count() == 1
    assert '<html lang="en"' in client.get("/", follow=True).content.decode()


def test_an_unknown_language_before_login_sets_no_cookie(client):
    response = _switch(client, "de", next_url=reverse("login"))

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert '<html lang="it"' in client.get(reverse("login")).content.decode()


def test_a_get_changes_nothing(client, user):
    client.force_login(user)

    response = client.get(reverse("set_language"), {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert COOKIE not in response.cookies
    assert not Profile.objects.exists()


def test_the_history_of_the_profile_records_each_change_by_the_person(client, user):
    client.force_login(user)

    _switch(client, "en")
    _switch(client, "en")  # the same choice again writes nothing
    _switch(client, "it")

    rows = list(Profile.history.filter(user=user).order_by("history_date", "history_id"))
    assert [(row.history_type, row.language) for row in rows] == [("+", "en"), ("~", "it")]
    assert {row.history_user for row in rows} == {user}
    assert {row.history_change_reason for row in rows} == {"language"}


def test_an_auditor_may_choose_their_own_language(client, auditor):
    client.force_login(auditor)

    response = _switch(client, "en")

    assert response.status_code == 302
    assert Profile.objects.get(user=auditor).language == "en"


def test_pages_read_the_language_from_the_session_not_the_profile(client, user):
    profile_language_set(user=user, language="en")
    _log_in(client, user)
    client.cookies.pop(COOKIE)  # the session alone must carry it

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", follow=True)

    assert '<html lang="en"' in response.content.decode()
    assert not [query for query in queries if "profiles_profile" in query["sql"]]


def test_english_forms_read_day_first_and_iso_dates():
    field = forms.DateField()
    with translation.override("en"):
        assert field.clean("08/03/2027") == A_DATE
        assert field.clean("2027-03-08") == A_DATE
        assert formats.date_format(A_DATE, "SHORT_DATE_FORMAT") == "08/03/2027"
        assert formats.date_format(A_DATE) == "8 March 2027"


def test_italian_dates_in_prose_read_as_italian_writes_them():
    with translation.override("it"):
        assert formats.date_format(A_DATE, "DATE_FORMAT") == "8 marzo 2027"
        moment = datetime.datetime(2027, 3, 8, 14, 30)
        assert formats.date_format(moment, "DATETIME_FORMAT") == "8 marzo 2027, 14:30"
        assert formats.date_format(A_DATE, "SHORT_DATE_FORMAT") == "08/03/2027"
    # Everything else stays Django's Italian.
    assert formats.get_format("DECIMAL_SEPARATOR", lang="it") == italian_formats.DECIMAL_SEPARATOR


def test_profile_for_creates_the_row_once(user):
    first = profile_for(user)

    assert profile_for(user) == first
    assert first.language == ""
    assert language_for(user) == "it"


def test_the_service_refuses_a_language_the_site_does_not_offer(user):
    with pytest.raises(ValidationError):
        profile_language_set(user=user, language="de")

    assert not Profile.objects.exists()


def test_language_for_follows_the_stored_choice(user):
    profile_language_set(user=user, language="en")

    assert language_for(user) == "en"

    profile_language_set(user=user, language="")

    assert language_for(user) == "it"
