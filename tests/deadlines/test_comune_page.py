"""A comune's page: registry data, plans, and the patron day the lead sets."""

import pytest
from django.utils.html import escape

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans.models import PATRON_DAY_INVALID
from tests.factories import ComuneFactory, UserFactory

pytestmark = pytest.mark.django_db


def page(comune):
    return f"/comuni/{comune.istat_code}/"


def test_the_lead_sets_the_patron_day_and_it_is_recorded(client, lead, flow_plan):
    comune = flow_plan.comune
    client.force_login(lead)

    response = client.post(page(comune), {"patron_day": "3", "patron_month": "12"}, follow=True)

    comune.refresh_from_db()
    assert (comune.patron_day, comune.patron_month) == (3, 12)
    assert "<dd data-patron-day>3 dicembre</dd>" in response.content.decode()
    event = Event.objects.get(kind=EventKind.PATRON_DAY_SET)
    assert (event.actor, event.payload["changes"]["patron_day"]) == (lead, [None, "03/12"])


def test_a_day_that_is_not_in_the_calendar_is_refused(client, lead, flow_plan):
    client.force_login(lead)

    response = client.post(
        page(flow_plan.comune), {"patron_day": "31", "patron_month": "2"}, follow=True
    )

    assert escape(str(PATRON_DAY_INVALID)) in response.content.decode()
    flow_plan.comune.refresh_from_db()
    assert flow_plan.comune.patron_day is None
    assert not Event.objects.filter(kind=EventKind.PATRON_DAY_SET).exists()


@pytest.mark.parametrize("person", ["coordinator", "facilitator", "auditor"])
def test_the_others_who_see_its_plans_only_read_it(request, client, flow_plan, person):
    client.force_login(request.getfixturevalue(person))

    read = client.get(page(flow_plan.comune))
    write = client.post(page(flow_plan.comune), {"patron_day": "3", "patron_month": "12"})

    assert read.status_code == 200
    assert flow_plan.title in read.content.decode()
    assert 'name="patron_day"' not in read.content.decode()
    assert write.status_code == 403
    flow_plan.comune.refresh_from_db()
    assert flow_plan.comune.patron_day is None


def test_a_comune_whose_plans_one_cannot_see_is_not_found(client, flow_plan):
    stranger = UserFactory(username="stranger")
    other = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    client.force_login(stranger)

    assert client.get(page(flow_plan.comune)).status_code == 404
    assert client.get(page(other)).status_code == 404
    assert (
        client.post(page(flow_plan.comune), {"patron_day": "1", "patron_month": "1"}).status_code
        == 404
    )


def test_a_patron_day_typed_with_odd_digits_is_refused_clearly(client, lead, flow_plan):
    client.force_login(lead)

    response = client.post(
        page(flow_plan.comune), {"patron_day": "²", "patron_month": "1"}, follow=True
    )

    assert response.status_code == 200
    assert escape(str(PATRON_DAY_INVALID)) in response.content.decode()


def test_an_auditor_opens_comuni_with_plans_only(client, auditor, flow_plan):
    empty = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    client.force_login(auditor)

    assert client.get(page(flow_plan.comune)).status_code == 200
    assert client.get(page(empty)).status_code == 404
