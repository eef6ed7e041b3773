"""The bell in the top bar and the notification list: each person's own rows, marked read by
them (an auditor too), 25 a page, in a constant number of queries."""

import datetime
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from plm_workflow.accounts.services import role_revoke
from plm_workflow.audit.models import EventKind
from plm_workflow.deadlines.models import Alert, AlertKind, Channel
from plm_workflow.deadlines.notifications import NOT_YOURS
from plm_workflow.roles import Role
from tests.deadlines.test_notifications import notify, told_of_event
from tests.factories import ComuneFactory, PlanFactory
from tests.flows.helpers import open_task, process_url, url

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
READ = "/notifications/read/"
READ_ALL = "/notifications/read-all/"
BELL = re.compile(
    r'<a class="mdc-icon-button plm-bell[^"]*" href="([^"]+)"[^>]*aria-label="([^"]+)"'
)
BADGE = re.compile(r'<span class="plm-bell__badge" aria-hidden="true">([^<]+)</span>')
ROW = re.compile(r'<li class="plm-notification[^"]*" data-alert="(\d+)">')


@pytest.fixture
def plan():
    """San Severo's plan, its people told nothing yet (the rows its launch wrote cleared)."""
    plan = PlanFactory(
        comune=ComuneFactory(istat_code="071051", name="San Severo", province_code="FG")
    )
    Alert.objects.all().delete()
    return plan


def _people(plan):
    memberships = plan.comune.memberships
    return (
        memberships.get(role=Role.COORDINATOR).user,
        memberships.get(role=Role.FACILITATOR).user,
    )


def _english(client, person):
    client.force_login(person)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _page(client, address=LIST):
    response = client.get(address)
    assert response.status_code == 200
    return response.content.decode()


def _rows(html) -> list[int]:
    return [int(pk) for pk in ROW.findall(html)]


def _day(n):
    return datetime.date(2030, 1, 1) + datetime.timedelta(days=n)


def _read_state():
    return sorted(Alert.objects.values_list("pk", "read_at"))


# --- The bell -------------------------------------------------------------------------------


def test_the_bell_says_how_many_of_ones_own_notifications_are_unread(client, plan):
    coordinator, facilitator = _people(plan)
    notify(coordinator, plan)
    notify(coordinator, plan, AlertKind.DUE_TODAY)
    notify(coordinator, plan, AlertKind.DUE_IN_1, read=True)
    notify(coordinator, plan, AlertKind.DUE_IN_7, channel=Channel.EMAIL)
    notify(facilitator, plan)
    _english(client, coordinator)

    html = _page(client, reverse("home:index"))

    (bell,) = BELL.findall(html)
    assert bell == (LIST, "Notifications, 2 unread")
    assert BADGE.findall(html) == ["2"]


def test_the_bell_shows_no_badge_when_everything_is_read(client, plan):
    coordinator, _facilitator = _people(plan)
    notify(coordinator, plan, read=True)
    _english(client, coordinator)

    html = _page(client, reverse("home:inbox"))

    assert BELL.findall(html) == [(LIST, "Notifications, none unread")]
    assert BADGE.findall(html) == []


def test_the_bell_is_on_a_plans_page_and_a_task_page_too(client, plan):
    coordinator, _facilitator = _people(plan)
    notify(coordinator, plan)
    _english(client, coordinator)

    for address in (process_url(plan.process), url(open_task(plan), "execute")):
        html = _page(client, address)
        assert BADGE.findall(html) == ["1"], address


def test_the_login_page_shows_no_bell(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "plm-bell" not in response.content.decode()


def test_the_bell_costs_one_query_on_a_page(client, plan):
    coordinator, _facilitator = _people(plan)
    notify(coordinator, plan)
    _english(client, coordinator)
    _page(client, reverse("home:index"))  # the session renewed, the content types read

    with CaptureQueriesContext(connection) as captured:
        _page(client, reverse("home:index"))

    alerts = [query["sql"] for query in captured if "deadlines_alert" in query["sql"]]
    assert len(alerts) == 1, alerts


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_ones_own_rows_newest_first_with_their_sentence_and_link(client, plan):
    coordinator, facilitator = _people(plan)
    older = notify(coordinator, plan, AlertKind.TASK_ASSIGNED)
    newer = notify(coordinator, plan, AlertKind.OVERDUE)
    theirs = notify(facilitator, plan, AlertKind.ESCALATION)
    _english(client, coordinator)

    html = _page(client)

    assert _rows(html) == [newer.pk, older.pk]
    assert theirs.pk not in _rows(html) and "escalated" not in html
    task_url = url(open_task(plan), "index")
    assert (
        f'<a href="{task_url}">'
        + escape("The task “Needs assessment” of San Severo (FG) is assigned to you.")
        in html
    )
    assert html.count('<span class="plm-notification__flag">Unread</span>') == 2


def test_an_events_row_links_to_the_task_its_event_names(client, plan):
    coordinator, _facilitator = _people(plan)
    told_of_event(coordinator, plan, EventKind.TASK_CREATED, AlertKind.TASK_ASSIGNED)
    _english(client, coordinator)

    html = _page(client)

    sentence = escape("The task “Needs assessment” of San Severo (FG) is assigned to you.")
    assert f'<a href="{url(open_task(plan), "index")}">{sentence}</a>' in html


def test_an_auditors_list_holds_only_their_own_rows(client, plan, auditor):
    coordinator, _facilitator = _people(plan)
    notify(coordinator, plan)
    mine = notify(auditor, plan, AlertKind.PLAN_ADOPTED)
    _english(client, auditor)

    assert _rows(_page(client)) == [mine.pk]


def test_a_row_about_a_plan_no_longer_visible_names_nothing_and_links_nowhere(client, plan, lead):
    coordinator, _facilitator = _people(plan)
    alert = notify(coordinator, plan)
    role_revoke(user=coordinator, role=Role.COORDINATOR, comune=plan.comune, by=lead)
    _english(client, coordinator)

    html = _page(client)

    assert _rows(html) == [alert.pk]
    assert "San Severo" not in html
    assert "A notification about a plan you no longer have access to." in html
    assert process_url(plan.process) not in html


def test_an_empty_list_says_where_notifications_come_from(client, plan):
    coordinator, _facilitator = _people(plan)
    _english(client, coordinator)

    html = _page(client)

    assert _rows(html) == []
    assert "No notification yet. You are told here when a task is offered or assigned" in html
    assert "Mark all as read" not in html


def test_the_list_is_paginated_25_a_page(client, plan):
    coordinator, _facilitator = _people(plan)
    alerts = [notify(coordinator, plan, AlertKind.OVERDUE, due=_day(n)) for n in range(30)]
    newest_first = [alert.pk for alert in reversed(alerts)]
    _english(client, coordinator)

    first = _page(client)
    second = _page(client, f"{LIST}?page=2")

    assert _rows(first) == newest_first[:25]
    assert _rows(second) == newest_first[25:]
    assert "Page 1 of 2" in first and 'href="?page=2"' in first
    assert _rows(_page(client, f"{LIST}?page=99")) == newest_first[25:]
    assert _rows(_page(client, f"{LIST}?page=abc")) == newest_first[:25]


def _list_queries(client):
    _page(client)
    with CaptureQueriesContext(connection) as captured:
        html = _page(client)
    return len(captured), html


def test_the_list_costs_the_same_queries_with_5_or_60_rows(client, plan, lead):
    coordinator, _facilitator = _people(plan)
    kinds = [AlertKind.OVERDUE, AlertKind.TASK_ASSIGNED, AlertKind.PLAN_ADOPTED, AlertKind.DUE_IN_7]
    other = PlanFactory(comune=ComuneFactory(istat_code="009002", name="Albenga"), lead=lead)
    Alert.objects.all().delete()
    for n in range(5):
        notify(coordinator, plan, kinds[n % 4], due=_day(n))
    _english(client, coordinator)
    few, _html = _list_queries(client)
    for n in range(55):  # others' rows too, and rows of a plan the person does not see
        notify(coordinator, plan if n % 3 else other, kinds[n % 4], due=_day(10 + n))
    many, html = _list_queries(client)

    assert len(_rows(html)) == 25
    assert few == many, (few, many)
    assert "Albenga" not in html


# --- Marking read ---------------------------------------------------------------------------


def test_marking_one_read_over_the_page(client, plan):
    coordinator, _facilitator = _people(plan)
    alert = notify(coordinator, plan)
    other = notify(coordinator, plan, AlertKind.DUE_TODAY)
    _english(client, coordinator)

    response = client.post(READ, {"alert": alert.pk})

    assert (response.status_code, response["Location"]) == (302, LIST)
    alert.refresh_from_db()
    other.refresh_from_db()
    assert alert.read_at is not None and other.read_at is None
    html = _page(client)
    assert BADGE.findall(html) == ["1"]
    assert html.count("plm-notification--unread") == 1


def test_marking_one_read_goes_back_to_the_page_it_was_on(client, plan):
    coordinator, _facilitator = _people(plan)
    alert = notify(coordinator, plan)
    _english(client, coordinator)

    response = client.post(READ, {"alert": alert.pk, "page": "2"})

    assert response["Location"] == f"{LIST}?page=2"


def test_marking_all_read_over_the_page(client, plan):
    coordinator, facilitator = _people(plan)
    mine = [notify(coordinator, plan), notify(coordinator, plan, AlertKind.DUE_TODAY)]
    theirs = notify(facilitator, plan)
    _english(client, coordinator)

    response = client.post(READ_ALL, follow=True)

    page = response.content.decode()
    assert "2 notifications marked as read." in page
    assert all(Alert.objects.get(pk=alert.pk).read_at for alert in mine)
    assert Alert.objects.get(pk=theirs.pk).read_at is None
    assert BADGE.findall(page) == []
    assert "Every notification is read." in page


def test_an_auditor_may_mark_their_own_read(client, plan, auditor):
    coordinator, _facilitator = _people(plan)
    one = notify(auditor, plan, AlertKind.PLAN_ADOPTED)
    two = notify(auditor, plan, AlertKind.PLAN_ADOPTED, due=plan.created_at.date())
    theirs = notify(coordinator, plan)
    _english(client, auditor)

    assert client.post(READ, {"alert": one.pk}).status_code == 302
    assert Alert.objects.get(pk=one.pk).read_at is not None
    assert client.post(READ_ALL).status_code == 302
    assert Alert.objects.get(pk=two.pk).read_at is not None
    assert Alert.objects.get(pk=theirs.pk).read_at is None


@pytest.mark.parametrize("posted", ["theirs", "", "abc", "\x00", "-1", "9" * 40, str(2**63), "1.5"])
def test_another_persons_or_a_forged_id_is_refused_and_nothing_changes(client, plan, posted):
    coordinator, facilitator = _people(plan)
    theirs = notify(facilitator, plan)
    notify(coordinator, plan)
    _english(client, coordinator)
    before = _read_state()

    response = client.post(
        READ, {"alert": theirs.pk if posted == "theirs" else posted}, follow=True
    )

    assert response.status_code == 200
    assert escape(str(NOT_YOURS)) in response.content.decode()
    assert _read_state() == before


def test_the_marking_pages_take_only_posts(client, plan):
    coordinator, _facilitator = _people(plan)
    alert = notify(coordinator, plan)
    _english(client, coordinator)

    assert client.get(READ, {"alert": alert.pk}).status_code == 405
    assert client.get(READ_ALL).status_code == 405
    assert Alert.objects.get(pk=alert.pk).read_at is None


def test_logged_out_the_pages_send_to_login_and_mark_nothing(client, plan):
    coordinator, _facilitator = _people(plan)
    alert = notify(coordinator, plan)

    assert client.get(LIST).status_code == 302
    assert client.post(READ, {"alert": alert.pk}).status_code in (302, 403)
    assert client.post(READ_ALL).status_code in (302, 403)
    assert Alert.objects.get(pk=alert.pk).read_at is None
