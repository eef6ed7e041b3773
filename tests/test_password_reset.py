"""Password-reset e-mails: a few per address an hour, counted in the database, and a page that
never tells whether the address exists or had its share."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from plm_workflow.profiles.models import PasswordResetSent
from plm_workflow.profiles.resets import RESET_WINDOW, RESETS_PER_WINDOW, address_hash
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "anna.rossi@example.org"


@pytest.fixture
def anna():
    person = UserFactory(username="anna", email=ADDRESS)
    person.set_password("s3cret-pass")
    person.save()
    return person


def _ask(client, address):
    response = client.post(reverse("password_reset"), {"email": address})
    return response.status_code, response["Location"]


def _sent_to(mailoutbox, address):
    return [mail for mail in mailoutbox if mail.to == [address]]


def test_twelve_requests_in_a_row_send_only_the_allowed_emails(client, anna, mailoutbox):
    answers = {_ask(client, ADDRESS) for _request in range(12)}

    assert len(_sent_to(mailoutbox, ADDRESS)) == RESETS_PER_WINDOW == 3
    assert answers == {(302, reverse("password_reset_done"))}


def test_the_count_is_kept_in_the_database_not_in_one_client(anna, mailoutbox):
    for _request in range(RESETS_PER_WINDOW):
        _ask(Client(), ADDRESS)

    # A new client (another worker, another browser) finds the same count.
    _ask(Client(), ADDRESS.upper())

    assert len(_sent_to(mailoutbox, ADDRESS)) == RESETS_PER_WINDOW
    assert PasswordResetSent.objects.filter(address_hash=address_hash(ADDRESS)).count() == 3


def test_another_address_still_gets_its_email(client, anna, mailoutbox):
    other = UserFactory(username="bruno", email="bruno@example.org")
    other.set_password("s3cret-pass")
    other.save()
    for _request in range(5):
        _ask(client, ADDRESS)

    _ask(client, other.email)

    assert len(_sent_to(mailoutbox, other.email)) == 1


def test_the_answer_is_the_same_for_a_sent_a_throttled_and_an_unknown_address(
    client, anna, mailoutbox
):
    sent = _ask(client, ADDRESS)
    for _request in range(RESETS_PER_WINDOW):
        _ask(client, ADDRESS)
    throttled = _ask(client, ADDRESS)
    unknown = _ask(client, "nobody@example.org")

    assert sent == throttled == unknown == (302, reverse("password_reset_done"))
    assert len(mailoutbox) == RESETS_PER_WINDOW
    # An unknown address leaves no row: nothing records what strangers typed.
    assert not PasswordResetSent.objects.filter(address_hash=address_hash("nobody@example.org"))


def test_sends_older_than_the_window_no_longer_count(client, anna, mailoutbox):
    for _request in range(RESETS_PER_WINDOW):
        _ask(client, ADDRESS)
    PasswordResetSent.objects.update(
        sent_at=datetime.datetime.now(datetime.UTC) - RESET_WINDOW - datetime.timedelta(seconds=1)
    )

    _ask(client, ADDRESS)

    assert len(_sent_to(mailoutbox, ADDRESS)) == RESETS_PER_WINDOW + 1
    # The old sends are gone: the table keeps only the window.
    assert PasswordResetSent.objects.count() == 1


def test_the_address_is_stored_only_as_a_hash(client, anna):
    _ask(client, ADDRESS)

    stored = PasswordResetSent.objects.get()
    assert ADDRESS not in stored.address_hash
    assert len(stored.address_hash) == 64
