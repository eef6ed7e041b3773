import io

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get("/")

    assert (response.status_code, response["Location"]) == (302, f"{reverse('login')}?next=/")


def test_the_login_page_is_in_italian_by_default(client):
    response = client.get(reverse("login"))

    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="it"' in content
    assert "Accedi" in content
    assert 'label="Nome utente"' in content
    assert "Viewflow Demo" not in content


def test_the_language_switcher_turns_the_login_page_into_english(client):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("login")}, follow=True
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en"' in content
    assert "Log in" in content
    assert 'label="Username"' in content


def test_a_user_logs_in_and_lands_on_the_italian_home_page(client, user):
    response = client.post(
        reverse("login"), {"username": "mario", "password": "s3cret-pass"}, follow=True
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == "/home/"
    assert "Ti diamo il benvenuto, mario" in content
    assert "co-progettazione dei Piani Locali Multisettoriali" in content
    assert 'action="/i18n/setlang/"' in content


def test_a_wrong_password_is_refused_on_an_unchanged_login_page(client, user):
    response = client.post(reverse("login"), {"username": "mario", "password": "wrong"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_a_logged_in_user_switches_the_home_page_to_english(client, user):
    client.force_login(user)

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get("/", follow=True)

    assert "Welcome, mario" in response.content.decode()


def test_staff_status_alone_does_not_open_the_admin(client, django_user_model):
    staff = django_user_model.objects.create_user(
        username="staff", password="s3cret-pass", is_staff=True
    )
    client.force_login(staff)

    response = client.get(reverse("admin:index"))

    assert (response.status_code, response["Location"]) == (
        302,
        f"{reverse('admin:login')}?next={reverse('admin:index')}",
    )


def test_a_superuser_opens_the_admin(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert "Amministrazione di PLM Workflow" in response.content.decode()


def test_only_superusers_see_the_admin_link_on_the_home_page(client, user, superuser):
    client.force_login(user)
    assert reverse("admin:index") not in client.get("/", follow=True).content.decode()

    client.force_login(superuser)
    assert reverse("admin:index") in client.get("/", follow=True).content.decode()


def test_welcome_explains_how_to_create_the_first_administrator():
    out = io.StringIO()

    call_command("welcome", stdout=out)

    assert "manage.py createsuperuser" in out.getvalue()
    assert "http://127.0.0.1:8000/accounts/login/" in out.getvalue()


def test_welcome_points_to_the_login_page_once_an_administrator_exists(superuser):
    out = io.StringIO()

    call_command("welcome", url="http://plm.example.org", stdout=out)

    assert "createsuperuser" not in out.getvalue()
    assert "http://plm.example.org/accounts/login/" in out.getvalue()


def test_an_english_browser_still_gets_italian_until_the_person_switches(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")

    assert '<html lang="it"' in response.content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="it")

    assert '<html lang="en"' in response.content.decode()


def test_a_forged_language_cookie_falls_back_to_italian(client):
    client.cookies["django_language"] = "xx-forged"

    response = client.get(reverse("login"))

    assert '<html lang="it"' in response.content.decode()


def test_the_home_menu_shows_no_developer_warning(client, user):
    client.force_login(user)

    content = client.get("/", follow=True).content.decode()

    assert "No viewsets found" not in content
