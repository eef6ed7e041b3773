"""Changes of dates in words: what moved, from when to when, why, and who (UI.md: "say why when
the app changes something itself", "name the system, not the person")."""

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation

from plm_workflow.audit.models import Event, EventKind
from plm_workflow.deadlines.words import (
    moved_message,
    schedule_sentence,
    schedule_sentences,
    why_not_working,
)
from tests.catalogue_helpers import needs_italian
from tests.factories import ComuneFactory, UserFactory

pytestmark = pytest.mark.django_db

D = datetime.date
SYSTEM = "system:working-days"


@pytest.fixture
def lead():
    return UserFactory(username="lead", first_name="Responsabile della task force")


def _event(kind, *, old, new, actor=None, system="", **payload):
    field = "current" if kind == EventKind.PHASE_DATE_CHANGED else "due"
    return Event(
        kind=kind,
        actor=actor,
        actor_system=system,
        occurred_at=datetime.datetime(2027, 2, 1, 9, 30, tzinfo=datetime.UTC),
        payload={"changes": {field: [old, new]}, **payload},
    )


def test_a_persons_move_of_a_phase_date_names_them_and_their_reason(lead):
    event = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-02-15",
        new="2027-03-08",
        actor=lead,
        phase="assessment",
        reason="Proroga chiesta dal comune",
    )

    with translation.override("en"):
        assert schedule_sentence(event) == (
            "Needs assessment: due date moved from 15 February to 8 March 2027 — "
            "Responsabile della task force: “Proroga chiesta dal comune”"
        )


def test_a_date_given_on_a_saturday_says_why_it_landed_on_monday(lead):
    event = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-02-15",
        new="2027-03-08",
        actor=lead,
        phase="assessment",
        reason="Proroga",
        cause={
            "non_working": [
                {"day": "2027-03-06", "kind": "weekend"},
                {"day": "2027-03-07", "kind": "weekend"},
            ]
        },
    )

    with translation.override("en"):
        assert schedule_sentence(event) == (
            "Needs assessment: due date moved from 15 February to 8 March 2027: "
            "the 6th is a Saturday — Responsabile della task force: “Proroga”"
        )


def test_a_move_off_the_patron_day_names_the_system_and_who_set_the_day(lead):
    event = _event(
        EventKind.DUE_DATE_CHANGED,
        old="2027-03-08",
        new="2027-03-09",
        system=SYSTEM,
        phase="assessment",
        node="assess",
        cause={
            "event": "comune.patron_day_set",
            "by": lead.pk,
            "non_working": [{"day": "2027-03-08", "kind": "patron_day"}],
        },
    )

    with translation.override("en"):
        assert schedule_sentence(event) == (
            "Task “Needs assessment”: due date moved from 8 to 9 March 2027: the 8th is the "
            "comune's patron day — automatically, as Responsabile della task force set the "
            "comune's patron day"
        )


def test_a_shift_after_a_suspension_says_how_many_days_and_who_resumed(lead):
    event = _event(
        EventKind.DUE_DATE_CHANGED,
        old="2027-04-16",
        new="2027-04-26",
        system=SYSTEM,
        phase="tables",
        node="check_tables",
        cause={
            "event": "plan.transition",
            "transition": "resume",
            "by": lead.pk,
            "days": 8,
            "non_working": [
                {"day": "2027-04-24", "kind": "weekend"},
                {"day": "2027-04-25", "kind": "holiday"},
            ],
        },
    )

    with translation.override("en"):
        assert schedule_sentence(event) == (
            "Task “Check the stakeholder tables”: due date moved from 16 to 26 April 2027: "
            "the 24th is a Saturday; the 25th is a national holiday (Liberation Day) — "
            "automatically, by the 8 days the plan was suspended, as Responsabile della task "
            "force resumed it"
        )


def test_a_task_following_its_phase_names_the_phase_and_the_person(lead):
    event = _event(
        EventKind.DUE_DATE_CHANGED,
        old="2027-02-15",
        new="2027-03-01",
        system=SYSTEM,
        phase="assessment",
        node="assess",
        reason="Proroga",
        cause={"event": "phase_date.changed", "by": lead.pk, "phase": "assessment"},
    )

    with translation.override("en"):
        assert schedule_sentence(event) == (
            "Task “Needs assessment”: due date moved from 15 February to 1 March 2027 — "
            "automatically, following the due date of Needs assessment moved by Responsabile "
            "della task force: “Proroga”"
        )


def test_a_later_phase_moved_with_an_earlier_one_says_so(lead):
    event = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-05-03",
        new="2027-05-17",
        actor=lead,
        phase="drafting",
        reason="Proroga",
        cause={"event": "phase_date.changed", "phase": "tables"},
    )

    with translation.override("en"):
        assert schedule_sentence(event) == (
            "Drafting: due date moved from 3 to 17 May 2027 — Responsabile della task force, "
            "with the due date of Stakeholder tables: “Proroga”"
        )


@pytest.mark.parametrize(
    ("cause", "reason", "author"),
    [
        ("patron day", "patron day", "automatically, as lead set the comune's patron day"),
        ("resume", "resume", "automatically, as lead resumed the plan"),
        (
            "tables date moved",
            "Proroga",
            "lead, with the due date of Stakeholder tables: “Proroga”",
        ),
    ],
)
def test_events_written_before_causes_were_recorded_read_in_words(cause, reason, author):
    person = UserFactory(username="lead")
    event = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-03-08",
        new="2027-03-09",
        actor=person,
        phase="drafting",
        reason=reason,
        cause=cause,
    )

    with translation.override("en"):
        assert schedule_sentence(event) == (
            f"Drafting: due date moved from 8 to 9 March 2027 — {author}"
        )


def test_the_dates_are_in_italian_prose_in_italian(lead):
    event = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-02-15",
        new="2027-03-08",
        actor=lead,
        phase="assessment",
        reason="Proroga",
    )

    with translation.override("it"):
        sentence = schedule_sentence(event)

    assert "dal 15 febbraio all'8 marzo 2027" in sentence
    assert "2027-02-15" not in sentence and "assessment" not in sentence


@needs_italian(
    "%(phase)s: due date moved %(dates)s",
    "%(day)s is a Saturday",
    "automatically, as %(name)s set the comune's patron day",
)
def test_the_sentences_in_italian(lead):
    by_person = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-02-15",
        new="2027-03-08",
        actor=lead,
        phase="assessment",
        reason="Proroga",
        cause={"non_working": [{"day": "2027-03-06", "kind": "weekend"}]},
    )
    by_system = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-03-08",
        new="2027-03-09",
        system=SYSTEM,
        phase="assessment",
        cause={"event": "comune.patron_day_set", "by": lead.pk},
    )

    with translation.override("it"):
        assert schedule_sentence(by_person).startswith(
            "Analisi dei fabbisogni: scadenza spostata dal 15 febbraio all'8 marzo 2027: "
            "il 6 è sabato — Responsabile della task force"
        )
        assert "in automatico" in schedule_sentence(by_system)


def test_the_people_causes_name_are_read_in_one_query(django_assert_num_queries, lead):
    other = UserFactory(username="other", first_name="Facilitatore Cittalia 1")
    events = [
        _event(
            EventKind.DUE_DATE_CHANGED,
            old="2027-03-08",
            new="2027-03-09",
            system=SYSTEM,
            phase="assessment",
            node="assess",
            cause={"event": "comune.patron_day_set", "by": person.pk},
        )
        for person in (lead, other, lead)
    ]

    with django_assert_num_queries(1), translation.override("en"):
        sentences = schedule_sentences(events)

    assert ["Responsabile della task force" in s for s in sentences] == [True, False, True]
    assert "Facilitatore Cittalia 1" in sentences[1]


def test_other_events_have_no_sentence():
    assert schedule_sentence(Event(kind=EventKind.TASK_CLAIMED, payload={})) == ""


def test_why_names_the_first_day_and_any_holiday_after_it():
    skipped = [(D(2027, 4, 24), "weekend"), (D(2027, 4, 25), "holiday")]
    with translation.override("it"):
        why = why_not_working(skipped, D(2027, 4, 26))
    assert why.startswith("il 24") and "il 25" in why and "Anniversario della Liberazione" in why
    with translation.override("en"):
        assert why_not_working([(D(2027, 2, 27), "weekend")], D(2027, 3, 1)) == (
            "27 February is a Saturday"
        )


def test_the_message_after_a_move_says_where_it_landed_and_why():
    comune = ComuneFactory(patron_day=None, patron_month=None)
    with translation.override("en"):
        assert moved_message(D(2027, 3, 8), D(2027, 3, 8), comune) == (
            "Due date moved to 8 March 2027."
        )
        assert moved_message(D(2027, 3, 6), D(2027, 3, 8), comune) == (
            "Due date moved to 8 March 2027: the 6th is a Saturday."
        )
    with translation.override("it"):
        assert "all'8 marzo 2027" in moved_message(D(2027, 3, 6), D(2027, 3, 8), comune)


def test_the_template_tag_and_partial(lead):
    event = _event(
        EventKind.PHASE_DATE_CHANGED,
        old="2027-02-15",
        new="2027-03-08",
        actor=lead,
        phase="assessment",
        reason="Proroga",
    )
    template = Template('{% include "flows/plm/_schedule_change.html" %}')

    with translation.override("en"):
        html = template.render(Context({"event": event, "events": [event]}))

    assert html.startswith('<time datetime="2027-02-01T')
    assert (
        "1 February 2027, 10:30</time> — Needs assessment: due date moved from 15 February" in html
    )
