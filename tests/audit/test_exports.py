"""Exports of the log: CSV for spreadsheets, JSON Lines for verifiers, each one an event."""

import csv
import dataclasses
import io
import json

import pytest
from django.db.models.query import QuerySet

from plm_workflow.audit import exports
from plm_workflow.audit.exports import COLUMNS, TRAILER_MARK, export_record, export_stream
from plm_workflow.audit.models import GLOBAL_CHAIN, Event, EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR, payload_of, record
from plm_workflow.audit.timeline import TimelineFilters, events_filtered
from plm_workflow.plans.services import plan_resume, plan_suspend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REASON = "Alluvione: il municipio è chiuso, si riprende più avanti — città di Saluzzo"


@pytest.fixture
def story(plan, lead):
    """A plan suspended and resumed with reasons in Italian (its chain: 4 events, and more)."""
    plan_suspend(plan=plan, by=lead, reason=REASON)
    plan_resume(plan=plan, by=lead, reason="Riaperto l'ufficio")
    return plan


def _text(export) -> str:
    return "".join(export_stream(export))


def _export(fmt, *, events=None, by=SYSTEM_OPERATOR, plan=None, filters=None):
    return export_record(
        events=Event.objects.all() if events is None else events,
        by=by,
        plan=plan,
        filters=filters or TimelineFilters(),
        fmt=fmt,
    )


def _csv_rows(text):
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def test_csv_has_a_bom_the_columns_and_every_event_verbatim(story):
    expected = list(Event.objects.order_by("chain", "seq"))

    body = _text(_export("csv")).encode("utf-8")

    text = body.decode("utf-8")
    rows = _csv_rows(text)
    assert body.startswith(b"\xef\xbb\xbf")
    assert "\r\n" in text
    assert rows[0] == list(COLUMNS)
    data = rows[1:-1]
    assert [(row[0], int(row[1])) for row in data] == [(e.chain, e.seq) for e in expected]
    by_hash = {event.hash: event for event in expected}
    for row in data:
        event = by_hash[row[COLUMNS.index("hash")]]
        assert row[COLUMNS.index("content")] == event.content
        assert row[COLUMNS.index("prev_hash")] == event.prev_hash
        assert row[COLUMNS.index("kind")] == event.kind
    suspended = next(row for row in data if REASON in row[COLUMNS.index("content")])
    assert suspended[COLUMNS.index("kind")] == EventKind.PLAN_TRANSITION
    assert REASON in text  # the Italian text, readable in the file's own UTF-8


def test_csv_names_the_actor_and_the_system_actor(story, lead):
    lead.first_name, lead.last_name = "Lucia", "Ferrà"
    lead.save()

    rows = _csv_rows(_text(_export("csv")))[1:-1]

    names = {
        (row[COLUMNS.index("actor")], row[COLUMNS.index("actor_system")]): row[
            COLUMNS.index("actor_name")
        ]
        for row in rows
    }
    assert names[(str(lead.pk), "")] == "Lucia Ferrà"


def test_csv_neutralises_formulas_except_in_the_hashed_content(plan):
    attacker = UserFactory(username="attacker", first_name='=HYPERLINK("http://x")', last_name="")
    record(
        kind=EventKind.ROLE_GRANTED,
        actor=attacker,
        payload=payload_of(concerns={"user": attacker.pk}, reason="=1+1"),
    )
    event = Event.objects.get(actor=attacker)

    rows = _csv_rows(_text(_export("csv")))

    row = next(row for row in rows if row[COLUMNS.index("hash")] == event.hash)
    assert row[COLUMNS.index("actor_name")] == '\'=HYPERLINK("http://x")'
    assert row[COLUMNS.index("content")] == event.content
    assert '"reason":"=1+1"' in row[COLUMNS.index("content")]


def test_csv_ends_with_its_trailer(story):
    rows = _csv_rows(_text(_export("csv")))

    assert rows[-1][0] == TRAILER_MARK
    trailer = json.loads(rows[-1][1])
    assert trailer["rows"] == len(rows) - 2


def test_jsonl_has_one_object_per_event_and_a_trailer(story):
    expected = list(Event.objects.order_by("chain", "seq"))
    export = _export("json")

    lines = _text(export).splitlines()

    rows = [json.loads(line) for line in lines[:-1]]
    assert [(row["chain"], row["seq"], row["hash"]) for row in rows] == [
        (e.chain, e.seq, e.hash) for e in expected
    ]
    first = rows[0]
    assert set(first) == set(COLUMNS)
    assert first["content"] == expected[0].content
    assert first["plan"] == expected[0].plan_id
    assert any(REASON in row["content"] for row in rows)
    trailer = json.loads(lines[-1])["trailer"]
    heads = {}
    for event in expected:
        heads[event.chain] = {"seq": event.seq, "hash": event.hash}
    assert trailer == {
        "rows": len(expected),
        "filters": {},
        "plan": None,
        "heads": heads,
        "exported_at": export.event.occurred_at.isoformat(),
        "event": {"chain": GLOBAL_CHAIN, "seq": export.event.seq},
    }


def test_each_export_is_an_event_recorded_before_any_row_is_sent(story, auditor):
    chain = f"plan:{story.pk}"
    events = events_filtered(
        Event.objects.filter(chain=chain), TimelineFilters(kinds=(EventKind.PLAN_TRANSITION,))
    )
    transitions = list(events.order_by("seq"))

    export = _export(
        "json",
        events=events,
        by=auditor,
        plan=story,
        filters=TimelineFilters(kinds=(EventKind.PLAN_TRANSITION,)),
    )

    event = Event.objects.get(kind=EventKind.AUDIT_EXPORTED)  # before streaming
    assert (event.chain, event.actor, event.plan_id) == (chain, auditor, story.pk)
    last = transitions[-1]
    assert event.payload == {
        "concerns": {"plan": story.pk},
        "export": {
            "format": "json",
            "filters": {"kinds": ["plan.transition"]},
            "rows": len(transitions),
            "heads": {chain: {"seq": last.seq, "hash": last.hash}},
        },
    }
    lines = _text(export).splitlines()
    assert len(lines) == len(transitions) + 1  # the export's own event is not in it
    trailer = json.loads(lines[-1])["trailer"]
    assert trailer["heads"] == event.payload["export"]["heads"]
    assert trailer["plan"] == story.pk  # a one-plan export: its global rows are its comune's


def test_an_export_of_every_plan_is_recorded_on_the_global_chain(story, auditor):
    export = _export("csv", by=auditor)

    assert export.event.chain == GLOBAL_CHAIN
    assert export.event.payload["concerns"] == {}
    assert export.filename.startswith("audit-all-") and export.filename.endswith(".csv")
    assert export.content_type == "text/csv; charset=utf-8"


def test_events_arriving_during_an_export_are_left_for_the_next(story, lead, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 2)
    export = _export("json")
    stream = export_stream(export)
    first = next(stream)

    plan_suspend(plan=story, by=lead, reason="Di nuovo")
    rest = "".join(stream)

    lines = (first + rest).splitlines()
    trailer = json.loads(lines[-1])["trailer"]
    assert trailer["rows"] == len(lines) - 1 == export.rows
    assert "Di nuovo" not in first + rest


def test_an_export_streams_a_chunk_at_a_time_never_reading_everything(
    story, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(exports, "CHUNK_ROWS", 3)
    export = _export("csv")

    def whole(self):
        raise AssertionError("the export read a whole queryset into memory")

    monkeypatch.setattr(QuerySet, "_fetch_all", whole)
    with django_assert_max_num_queries(1):
        chunks = list(export_stream(export))

    assert len(chunks) >= export.rows // 3
    assert max(len(chunk) for chunk in chunks) < sum(len(chunk) for chunk in chunks) / 2


def test_an_unknown_format_is_refused_and_records_nothing(story):
    before = Event.objects.count()
    with pytest.raises(ValueError):
        _export("xlsx")
    assert Event.objects.count() == before


def test_a_row_committed_after_the_count_is_left_for_the_next_export(story, lead):
    """Under PostgreSQL an append can take an id below the export's bound and commit after its
    count, and the stream then sees it. Widening the rows read to every event plays that on any
    database: the file still holds exactly what the export's event recorded."""
    chain = f"plan:{story.pk}"
    export = _export("json", events=Event.objects.filter(chain=chain), plan=story)
    plan_suspend(plan=story, by=lead, reason="Arrivato dopo il conteggio")
    late = Event.objects.filter(chain=chain).latest("seq")
    widened = dataclasses.replace(export, events=Event.objects.all())

    lines = _text(widened).splitlines()

    rows = [json.loads(line) for line in lines[:-1]]
    trailer = json.loads(lines[-1])["trailer"]
    assert late.seq > export.heads[chain]["seq"]
    assert {row["chain"] for row in rows} == {chain}  # no chain the heads do not name
    assert "Arrivato dopo il conteggio" not in "".join(lines[:-1])  # nothing past the head
    assert (trailer["rows"], trailer["heads"]) == (export.rows, export.heads)
    assert export.event.payload["export"]["heads"] == export.heads
