"""The profile page (issue 21, point 5): one's own language, notification choice and calendar
address; auditors may use it too (DESIGN §4), and nobody reaches anyone else's."""

import pytest
from django.conf import settings
from django.urls import reverse

from plm_workflow.profiles.models import Notifications, Profile
from plm_workflow.profiles.services import CALENDAR_TOKEN_BYTES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/profile/"
CALENDAR = "/profile/calendar/"


def stored(user):
    """Return (language, notifications, calendar token) as stored, or None without a row."""
    return (
        Profile.objects.filter(user=user)
        .values_list("language", "notifications", "calendar_token")
        .first()
    )


def test_the_page_is_at_its_address_and_in_the_user_menu(client, coordinator):
    assert reverse("profile") == PROFILE
    assert reverse("calendar_token") == CALENDAR
    client.force_login(coordinator)

    home = client.get(reverse("home:index")).content.decode()

    assert f'href="{PROFILE}"' in home


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_shows_the_defaults_before_any_choice(client, coordinator, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(coordinator)

    response = client.get(PROFILE)

    assert response.status_code == 200
    form = response.context["form"]
    assert (form["language"].value(), form["notifications"].value()) == ("", "email")
    assert response.context["calendar_url"] == ""
    assert "Create my calendar address" in response.content.decode()
    assert stored(coordinator) is None  # looking writes nothing


def test_a_person_changes_their_language_and_notifications(client, coordinator, coordinator2):
    client.force_login(coordinator)

    response = client.post(PROFILE, {"language": "en", "notifications": "digest"})

    assert (response.status_code, response["Location"]) == (302, PROFILE)
    assert stored(coordinator) == ("en", Notifications.DIGEST, None)
    assert stored(coordinator2) is None  # only their own
    page = client.get(PROFILE)
    assert page.context["LANGUAGE_CODE"] == "en"  # the next page speaks it at once
    assert "Your settings are saved." in page.content.decode()
    history = Profile.objects.get(user=coordinator).history.all()
    assert {row.history_user_id for row in history} == {coordinator.pk}


def test_saving_the_same_choices_again_writes_nothing(client, coordinator):
    client.force_login(coordinator)
    client.post(PROFILE, {"language": "en", "notifications": "in_app"})
    rows = Profile.history.count()

    client.post(PROFILE, {"language": "en", "notifications": "in_app"})

    assert Profile.history.count() == rows


@pytest.mark.parametrize(
    "data",
    [
        {"language": "de", "notifications": "email"},
        {"language": "en", "notifications": "sms"},
        {"language": "en"},
        {"language": "en\x00", "notifications": "email\x00"},
    ],
    ids=["unknown-language", "unknown-choice", "no-choice", "nul"],
)
def test_a_bad_choice_is_refused_and_changes_nothing(client, coordinator, data, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(coordinator)
    client.post(PROFILE, {"language": "it", "notifications": "digest"})
    before = (stored(coordinator), Profile.history.count())

    response = client.post(PROFILE, data)

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.context["form"].errors
    assert (stored(coordinator), Profile.history.count()) == before


def test_a_person_creates_then_replaces_their_calendar_address(client, coordinator):
    client.force_login(coordinator)

    response = client.post(CALENDAR)

    assert (response.status_code, response["Location"]) == (302, f"{PROFILE}#plm-calendar")
    first = stored(coordinator)[2]
    assert len(first) == 43  # token_urlsafe(32)
    assert CALENDAR_TOKEN_BYTES == 32
    shown = client.get(PROFILE).context["calendar_url"]
    assert shown == settings.PLM_SITE_URL + reverse("calendar_feed", args=[first])
    assert client.get(reverse("calendar_feed", args=[first])).status_code == 200

    client.post(CALENDAR)

    second = stored(coordinator)[2]
    assert second != first
    assert client.get(reverse("calendar_feed", args=[first])).status_code == 404
    assert client.get(reverse("calendar_feed", args=[second])).status_code == 200
    # The secret is kept out of the profile's history.
    assert not hasattr(Profile.history.model, "calendar_token")


def test_the_calendar_address_is_made_by_post_only(client, coordinator):
    client.force_login(coordinator)

    assert client.get(CALENDAR).status_code == 405
    assert stored(coordinator) is None


def test_an_auditor_may_change_their_own_settings(client, auditor):
    client.force_login(auditor)

    assert client.get(PROFILE).status_code == 200
    assert client.post(PROFILE, {"language": "en", "notifications": "in_app"}).status_code == 302
    assert client.post(CALENDAR).status_code == 302

    language, notifications, token = stored(auditor)
    assert (language, notifications, bool(token)) == ("en", Notifications.IN_APP, True)


def test_nobody_can_change_someone_elses_settings(client, coordinator):
    other = UserFactory(username="other")
    client.force_login(coordinator)

    # No address names a person: whatever the POST says, it is the poster's own profile.
    client.post(PROFILE, {"language": "en", "notifications": "in_app", "user": other.pk})
    client.post(CALENDAR, {"user": other.pk})

    assert stored(other) is None
    assert stored(coordinator)[:2] == ("en", Notifications.IN_APP)


def test_without_an_address_the_page_says_so(client, settings):
    settings.LANGUAGE_CODE = "en"
    person = UserFactory(username="no-mail", email="")
    client.force_login(person)

    page = client.get(PROFILE).content.decode()

    assert "Without an e-mail address you are told in the app only" in page


def test_the_page_is_titled_and_leads_back(client, coordinator, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(coordinator)

    html = client.get(PROFILE).content.decode()

    assert "<title>Your profile · PLM Workflow</title>" in html
    assert 'class="plm-breadcrumbs"' in html and "Your profile" in html
