"""The comune's page says the patron day in words, and saving it says exactly what moved."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.utils import translation

from plm_workflow.deadlines.calendar import next_working_day
from plm_workflow.deadlines.models import PhaseDate
from plm_workflow.deadlines.services import DateMoved, PatronDaySaved
from plm_workflow.deadlines.words import patron_day_message
from plm_workflow.formats.prose import prose_date, prose_month_day
from plm_workflow.plans.models import Phase
from tests.factories import ComuneFactory
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

D = datetime.date


def page(comune):
    return f"/comuni/{comune.istat_code}/"


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_patron_day_shows_in_words(client, lead, comune):
    comune.patron_day, comune.patron_month = 8, 3
    comune.save()
    client.force_login(lead)

    content = client.get(page(comune)).content.decode()

    assert "<dd data-patron-day>8 marzo</dd>" in content
    assert "8/3" not in content.replace('value="8/3"', "")  # only the form's stale-page field


def test_saving_a_patron_day_that_moves_nothing_says_so(client, lead, flow_plan):
    due = open_task(flow_plan).step.due
    # a day no open date falls on: the day after the last phase, far from all of them
    later = max(row.current for row in PhaseDate.objects.filter(plan=flow_plan))
    day = later + datetime.timedelta(days=1)
    assert day != due
    client.force_login(lead)

    response = client.post(
        page(flow_plan.comune), {"patron_day": day.day, "patron_month": day.month}
    )

    with translation.override("it"):
        words = prose_month_day(day.day, day.month)
    assert response.status_code == 302
    (message,) = _said(response)
    assert words in message
    assert "from now on" not in message


def test_saving_the_patron_day_an_open_due_date_falls_on_says_where_it_moved(
    client, lead, flow_plan
):
    task = open_task(flow_plan)
    due = task.step.due
    client.force_login(lead)

    response = client.post(
        page(flow_plan.comune), {"patron_day": due.day, "patron_month": due.month}
    )

    flow_plan.comune.refresh_from_db()
    landed = next_working_day(due, flow_plan.comune)
    task.step.refresh_from_db()
    assert task.step.due == landed != due
    (message,) = _said(response)
    with translation.override("it"):
        assert prose_month_day(due.day, due.month) in message
        assert prose_date(landed, "to") in message


def test_the_message_in_english_names_each_date_moved_and_where_to():
    comune = ComuneFactory(patron_day=8, patron_month=3)
    saved = PatronDaySaved(
        comune=comune,
        moved=[
            DateMoved(None, Phase.ASSESSMENT, "work", D(2027, 3, 8), D(2027, 3, 9)),
            DateMoved(None, Phase.ASSESSMENT, None, D(2027, 3, 8), D(2027, 3, 9)),
        ],
    )
    one = PatronDaySaved(comune=comune, moved=saved.moved[:1])
    none = PatronDaySaved(comune=comune, moved=[])

    with translation.override("en"):
        assert patron_day_message(one) == (
            "Patron day saved: 8 March. The open date that fell on it moved to the next "
            "working day: the due date of the task “Needs assessment” to 9 March 2027."
        )
        assert patron_day_message(saved) == (
            "Patron day saved: 8 March. The 2 open dates that fell on it moved to the next "
            "working day: the due date of the task “Needs assessment” to 9 March 2027; the due "
            "date of Needs assessment in the schedule to 9 March 2027."
        )
        assert patron_day_message(none) == (
            "Patron day saved: 8 March. No open date of the comune's plans fell on it."
        )


def test_clearing_the_patron_day_says_the_moved_dates_stay(client, lead, comune):
    comune.patron_day, comune.patron_month = 8, 3
    comune.save()
    client.force_login(lead)

    response = client.post(page(comune), {"patron_day": "", "patron_month": "", "shown": "8/3"})

    comune.refresh_from_db()
    assert comune.patron_day is None
    with translation.override("en"):
        cleared = patron_day_message(PatronDaySaved(comune=comune, moved=[]))
    assert cleared.startswith("Patron day cleared")
    assert len(_said(response)) == 1
