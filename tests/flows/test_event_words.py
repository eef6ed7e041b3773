"""Every event kind told in words, in the shared payload shape and in the older shapes.

The events written before the shared shape keep their payloads (their hashed content is never
rewritten): each older shape the writers used (read from their history) reads as well as the
shared one. A new kind without a sentence of its own fails here.
"""

import datetime

import pytest
from django.utils import timezone, translation

from flows import history
from flows.event_changes import changes_in_words, value_in_words
from flows.event_shapes import shared_shape
from flows.history import event_sentence, tell, with_names
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.audit.services import SYSTEM_FLOW, SYSTEM_OPERATOR, record

MOMENT = datetime.datetime(2027, 3, 8, 15, 15, tzinfo=datetime.UTC)

# One payload per kind, of the shared shape, as its writer writes it.
SHARED = {
    EventKind.PLAN_LAUNCHED: {"concerns": {"plan": 1}, "changes": {"title": [None, "PLM 2026"]}},
    EventKind.PLAN_TRANSITION: {
        "concerns": {"plan": 1},
        "changes": {"status": ["needs_assessment", "suspended"]},
        "reason": "Elezioni",
    },
    EventKind.PHASE_NOTE_SAVED: {"phase": "tables", "changes": {"text": [None, "Nota"]}},
    EventKind.ASSESSMENT_SAVED: {"phase": "assessment", "changes": {"resident_min": [None, 4]}},
    EventKind.ASSESSMENT_COPIED: {"phase": "assessment", "concerns": {"source_plan": 1}},
    EventKind.ORGANISATION_SAVED: {"changes": {"name": [None, "Caritas"]}},
    EventKind.TABLE_SAVED: {
        "changes": {"name": [None, "Gruppo abitare"], "kind": [None, "thematic"]}
    },
    EventKind.TABLE_REMOVED: {"changes": {"name": ["Gruppo abitare", None]}},
    EventKind.MEETING_SAVED: {"changes": {"starts_at": [None, "2022-09-12T08:00:00+00:00"]}},
    EventKind.MEETING_REMOVED: {"changes": {"starts_at": ["2022-09-12T08:00:00+00:00", None]}},
    EventKind.SECTION_SAVED: {"changes": {"key": [None, "context"], "text": [None, "Testo"]}},
    EventKind.MEASURE_SAVED: {"changes": {"title": [None, "Foresteria"]}},
    EventKind.MEASURE_REMOVED: {"changes": {"title": ["Foresteria", None]}},
    EventKind.MEASURES_EXPORTED: {"changes": {"rows": [None, 3], "measures": [None, 2]}},
    EventKind.ADOPTION_SAVED: {
        "changes": {
            "body": [None, "giunta"],
            "act_number": [None, "112"],
            "act_date": [None, "2027-03-01"],
        }
    },
    EventKind.PUBLICATION_RECORDED: {
        "changes": {
            "published_from": [None, "2027-03-02"],
            "published_to": [None, "2027-03-17"],
        }
    },
    EventKind.PUBLICATION_CORRECTED: {
        "changes": {
            "published_to": ["2027-03-17", "2027-03-18"],
            "published_from": ["2027-03-02", "2027-03-02"],
        },
        "reason": "Data errata",
    },
    EventKind.REVIEW_DECIDED: {
        "phase": "assessment",
        "changes": {"decision": [None, "returned"], "round": [None, 1]},
        "comments": "Manca la mappa.",
    },
    EventKind.TASK_CREATED: {"node": "assess", "changes": {"holder": [None, None]}},
    EventKind.TASK_CLAIMED: {"node": "assess", "changes": {"holder": [None, 7]}},
    EventKind.TASK_RELEASED: {"node": "assess", "changes": {"holder": [7, None]}},
    EventKind.TASK_REASSIGNED: {"node": "assess", "changes": {"holder": [7, 8]}},
    EventKind.TASK_CANCELED: {"node": "assess", "cause": "plan withdrawn"},
    EventKind.TASK_COMPLETED: {"node": "assess"},
    EventKind.TASK_RETURNED: {"node": "assess", "cause": "review returned the work"},
    EventKind.ROLE_GRANTED: {
        "concerns": {"user": 7, "comune": "004203"},
        "changes": {"role": [None, "coordinator"]},
    },
    EventKind.ROLE_REVOKED: {"concerns": {"user": 7}, "changes": {"role": ["auditor", None]}},
    EventKind.REGISTRY_IMPORTED: {
        "children": {"comune": {"added": 7904, "changed": ["004203"], "suppressed": []}}
    },
    EventKind.SCHEDULE_SET: {
        "children": {"phase_date": {"added": [{"phase": "adoption", "current": "2027-06-30"}]}}
    },
    EventKind.PHASE_DATE_CHANGED: {
        "phase": "tables",
        "changes": {"current": ["2027-02-15", "2027-03-08"]},
        "reason": "Proroga",
    },
    EventKind.DUE_DATE_SET: {"node": "assess", "changes": {"due": [None, "2027-03-08"]}},
    EventKind.DUE_DATE_CHANGED: {
        "node": "assess",
        "changes": {"due": ["2027-03-01", "2027-03-08"]},
        "reason": "Ferie",
    },
    EventKind.PATRON_DAY_SET: {
        "concerns": {"comune": "004203"},
        "changes": {"patron_day": [None, "03/12"]},
    },
    EventKind.FILE_UPLOADED: {
        "children": {"document": {"added": [{"kind": "adhesion_act", "name": "delibera.pdf"}]}}
    },
    EventKind.BACKUP_RESTORED: {"reason": "restored from the backup of 2027-03-01"},
    "audit.exported": {
        "export": {"format": "csv", "filters": {"kinds": ["task.created"]}, "rows": 12, "heads": {}}
    },
    EventKind.ALERT_ESCALATED: {
        "phase": "assessment",
        "node": "assess",
        "cause": {"due": "2027-03-01", "working_days_overdue": 5, "told": [7]},
    },
    "audit.verified": {
        "verification": {"ok": True, "scope": "all", "chains": 3, "events": 120, "problems": 0}
    },
}

PEOPLE = {7: "Referente – Saluzzo", 8: "Facilitatore Cittalia 1"}


def _event(kind, payload, *, actor_system=SYSTEM_OPERATOR, **extra):
    """An event as the pages read it, unsaved: what its sentence needs."""
    event = Event(kind=kind, payload=payload, occurred_at=MOMENT, actor_system=actor_system)
    for name, value in extra.items():
        setattr(event, name, value)
    return event


def _said(kind, payload, people=PEOPLE, **extra) -> str:
    with translation.override("en"):
        return event_sentence(_event(kind, payload, **extra), people)


def _label(kind) -> str:
    with translation.override("en"):
        return str(EventKind(kind).label) if kind in EventKind.values else kind


def test_every_event_kind_has_a_sentence_of_its_own():
    kinds = set(EventKind.values)
    missing = sorted(kinds - set(map(str, history._SENTENCES)))
    assert not missing, f"event kinds without a sentence in flows/history.py: {missing}"
    unsampled = sorted(kinds - set(map(str, SHARED)))
    assert not unsampled, f"event kinds without a sample payload here: {unsampled}"


@pytest.mark.parametrize("kind", sorted(map(str, SHARED)))
def test_each_kind_reads_as_a_sentence_from_its_payload(kind):
    said = _said(kind, SHARED[kind], named_comune="Saluzzo (CN)")
    assert said
    if kind != EventKind.ASSESSMENT_SAVED:  # its changes say what was saved
        assert said != _label(kind), f"{kind} reads as its label only"


def test_sentences_say_what_the_payload_holds():
    said = {kind: _said(kind, SHARED[kind], named_comune="Saluzzo (CN)") for kind in SHARED}

    assert said[EventKind.PLAN_TRANSITION] == "Plan suspended: “Elezioni”."
    assert (
        said[EventKind.TASK_REASSIGNED]
        == "Task “Needs assessment” handed to Facilitatore Cittalia 1."
    )
    assert said[EventKind.ROLE_GRANTED] == (
        "Referente – Saluzzo is now municipal coordinator of Saluzzo (CN)."
    )
    assert said[EventKind.PATRON_DAY_SET] == "Patron day of Saluzzo (CN) set to 3 December."
    assert said[EventKind.REGISTRY_IMPORTED] == (
        "ISTAT registry imported: 7,904 comuni added, 1 comune changed, 0 comuni suppressed."
    )
    assert said[EventKind.BACKUP_RESTORED] == (
        "Database restored from the backup of 1 March 2027: the chains continue from there."
    )
    assert said[EventKind.PUBLICATION_CORRECTED] == (
        "Publication on the albo pretorio corrected: from 2 to 18 March 2027: “Data errata”."
    )
    assert said["audit.exported"] == "Audit log exported as CSV, filtered: 12 events."
    assert said["audit.verified"] == "Audit log verified: intact (120 events in 3 chains)."


# --- The older shapes, read from the writers' history ------------------------------------------

OLDER = [
    # the flow's task events: {"task", "node", ...} with the people at the top level
    (
        EventKind.TASK_CREATED,
        {"task": 12, "node": "assess", "offered_to": "plans.coordinate_plan", "assigned_to": 7},
        "Task “Needs assessment” opened, assigned to Referente – Saluzzo.",
    ),
    (
        EventKind.TASK_CREATED,
        {"task": 12, "node": "check_assessment", "offered_to": "plans.facilitate_plan"},
        "Task “Check the needs assessment” opened, offered to those who may take it on.",
    ),
    (
        EventKind.TASK_REASSIGNED,
        {"task": 12, "node": "assess", "from": 7, "to": 8},
        "Task “Needs assessment” handed to Facilitatore Cittalia 1.",
    ),
    (
        EventKind.TASK_RELEASED,
        {"task": 12, "node": "assess", "reason": "role revoked"},
        "Task “Needs assessment” offered again: its holder's role was revoked.",
    ),
    (
        EventKind.TASK_CANCELED,
        {"task": 12, "node": "assess", "reason": "plan withdrawn"},
        "Task “Needs assessment” cancelled with the plan's withdrawal.",
    ),
    (
        EventKind.TASK_RETURNED,
        {"task": 12, "node": "assess", "review": 3},
        "Work sent back with comments: task “Needs assessment” opened again.",
    ),
    (
        EventKind.REVIEW_DECIDED,
        {"review": 3, "phase": "assessment", "round": 2, "decision": "approved", "comments": ""},
        "Decision on “Needs assessment”, round 2: approved.",
    ),
    (
        EventKind.PLAN_TRANSITION,
        {
            "transition": "resume",
            "changes": {"status": ["suspended", "stakeholder_tables"]},
            "reason": "Giunta insediata",
        },
        "Plan resumed, back in “Stakeholder tables”: “Giunta insediata”.",
    ),
    # roles: {"user", "username", "role", "comune"}
    (
        EventKind.ROLE_GRANTED,
        {"user": 99, "username": "mrossi", "role": "facilitator", "comune": "004203"},
        "mrossi is now facilitator of 004203.",
    ),
    (
        EventKind.ROLE_REVOKED,
        {"user": 7, "username": "old-name", "role": "lead", "comune": None},
        "Referente – Saluzzo is no longer lead facilitator.",
    ),
    # the schedule and due dates: {"dates": {...}}, {"task", "due"}
    (
        EventKind.SCHEDULE_SET,
        {"dates": {"assessment": "2027-01-31", "adoption": "2027-06-30"}},
        "Schedule set, with the adoption by 30 June 2027.",
    ),
    (
        EventKind.DUE_DATE_SET,
        {"task": 12, "due": "2027-03-08"},
        "A task is to be done by 8 March 2027.",
    ),
    # the file: its facts at the top level
    (
        EventKind.FILE_UPLOADED,
        {
            "document": "abc",
            "kind": "adhesion_act",
            "name": "delibera.pdf",
            "size": 3,
            "sha256": "0",
        },
        "File uploaded: “delibera.pdf” (Adhesion act).",
    ),
    # the registry: counts at the top level
    (
        EventKind.REGISTRY_IMPORTED,
        {
            "created": 2,
            "updated": 1,
            "suppressed": 0,
            "updated_codes": ["004203"],
            "suppressed_codes": [],
        },
        "ISTAT registry imported: 2 comuni added, 1 comune changed, 0 comuni suppressed.",
    ),
    # the patron day: the comune at the top level
    (
        EventKind.PATRON_DAY_SET,
        {"comune": "004203", "changes": {"patron_day": [None, "25/04"]}},
        "Patron day of 004203 set to 25 April.",
    ),
    (
        EventKind.PHASE_NOTE_SAVED,
        {"phase": "tables", "changes": {"text": [None, "Nota"]}},
        "Note on “Stakeholder tables” saved.",
    ),
]


@pytest.mark.parametrize(("kind", "payload", "sentence"), OLDER)
def test_an_event_of_an_older_shape_reads_as_well(kind, payload, sentence):
    assert _said(kind, payload) == sentence


def test_an_older_due_date_change_without_its_task_says_the_dates_and_who(lead):
    event = _event(
        EventKind.DUE_DATE_CHANGED,
        {"task": 12, "changes": {"due": ["2027-03-01", "2027-03-08"]}, "reason": "Ferie"},
        actor_system="",
        actor=lead,
    )
    with translation.override("en"):
        said = event_sentence(event, {})
    assert said == "A task's due date moved from 1 to 8 March 2027 — lead: “Ferie”"


def test_older_shapes_are_read_without_touching_the_stored_payload():
    payload = {"task": 12, "node": "assess", "from": 7, "to": 8}
    shaped = shared_shape(EventKind.TASK_REASSIGNED, payload)
    assert shaped["changes"] == {"holder": [7, 8]} and shaped["concerns"] == {"task": 12}
    assert payload == {"task": 12, "node": "assess", "from": 7, "to": 8}


def test_a_payload_not_of_its_kinds_shape_reads_as_its_label():
    assert _said(EventKind.REVIEW_DECIDED, {"changes": {"decision": "oops"}}) == "Review decision"
    assert _said("no.such.kind", {}) == "no.such.kind"


# --- Read from the database: the people and comuni a payload names, in one query -------------


def test_the_people_and_comuni_an_older_payload_names_are_read_with_the_events(
    comune, coordinator, facilitator, django_assert_num_queries
):
    coordinator.first_name, coordinator.last_name = "Maria", "Rossi"
    coordinator.save()
    from plm_workflow.audit.chain import chain_of, content_of, digest
    from plm_workflow.audit.models import ChainHead

    def append(kind, payload):
        chain = chain_of(None)
        head, _created = ChainHead.objects.get_or_create(chain=chain)
        seq, prev_hash = head.seq + 1, head.hash or "0" * 64
        moment = timezone.now()
        content = content_of(
            chain=chain,
            seq=seq,
            prev_hash=prev_hash,
            kind=kind,
            occurred_at=moment,
            plan_id=None,
            actor_id=None,
            actor_system=SYSTEM_OPERATOR,
            payload=payload,
        )
        event = Event.objects.create(
            chain=chain,
            seq=seq,
            prev_hash=prev_hash,
            hash=digest(content),
            content=content,
            kind=kind,
            occurred_at=moment,
            actor_system=SYSTEM_OPERATOR,
            payload=payload,
        )
        ChainHead.objects.filter(chain=chain).update(seq=seq, hash=event.hash)
        return event

    append(
        EventKind.ROLE_GRANTED,
        {"user": coordinator.pk, "username": "x", "role": "coordinator", "comune": "004203"},
    )
    append(
        EventKind.PATRON_DAY_SET, {"comune": "004203", "changes": {"patron_day": [None, "03/12"]}}
    )
    record(
        kind=EventKind.ROLE_REVOKED,
        actor=SYSTEM_FLOW,
        payload={"concerns": {"user": facilitator.pk}, "changes": {"role": ["auditor", None]}},
    )

    with django_assert_num_queries(1):
        events = list(with_names(Event.objects.order_by("seq")))
    with translation.override("en"):
        told = [item.what for item in tell(events, with_changes=True)][-3:]

    assert told == [
        "Maria Rossi is now municipal coordinator of Saluzzo (CN).",
        "Patron day of Saluzzo (CN) set to 3 December.",
        "facilitator is no longer auditor.",
    ]


# --- The changes, field by field --------------------------------------------------------------


def test_changes_read_in_words_labels_choices_dates_and_people():
    with translation.override("en"):
        plan = changes_in_words(
            EventKind.PLAN_TRANSITION,
            {
                "changes": {
                    "status": ["needs_assessment", "suspended"],
                    "suspended_at": [None, "2027-03-08T15:15:00+00:00"],
                }
            },
            {},
        )
        held = changes_in_words(EventKind.TASK_REASSIGNED, {"changes": {"holder": [7, 8]}}, PEOPLE)
        dated = changes_in_words(
            EventKind.PHASE_DATE_CHANGED, {"changes": {"current": ["2027-02-15", "2027-03-08"]}}, {}
        )
        rows = changes_in_words(
            EventKind.ASSESSMENT_SAVED,
            {"children": {"settlement": {"added": [{"id": 1}, {"id": 2}], "removed": [{"id": 3}]}}},
            {},
        )

    assert [(c.label, c.old, c.new) for c in plan] == [
        ("Status", "Needs assessment", "Suspended"),
        ("Suspended since", "—", "8 March 2027, 16:15"),
    ]
    assert [(c.old, c.new) for c in held] == [("Referente – Saluzzo", "Facilitatore Cittalia 1")]
    assert [(c.old, c.new) for c in dated] == [("15 February 2027", "8 March 2027")]
    assert [(c.label, c.old, c.new) for c in rows] == [("Settlements", "", "2 added, 1 removed")]


def test_a_year_in_a_change_is_written_as_a_year_and_a_count_grouped():
    with translation.override("it"):
        assert value_in_words("seasonal_year", 2022, None, {}) == "2022"
        assert value_in_words("seasonal_max", 12000, None, {}) == "12.000"


# --- Where a plan went, a meeting moved, a section saved again ------------------------------


@pytest.mark.parametrize(
    ("new", "sentence"),
    [
        ("withdrawn", "Plan withdrawn: “Fusione dei comuni”."),
        ("adopted", "Plan adopted."),
    ],
)
def test_a_suspended_plan_withdrawn_or_adopted_is_not_told_as_resumed(new, sentence):
    payload = {"changes": {"status": ["suspended", new]}, "reason": "Fusione dei comuni"}
    assert _said(EventKind.PLAN_TRANSITION, payload) == sentence


def test_a_meeting_added_moved_or_changed_says_which():
    first, later = "2027-03-01T09:00:00+00:00", "2027-03-08T09:00:00+00:00"
    added = _said(EventKind.MEETING_SAVED, {"changes": {"starts_at": [None, first]}})
    moved = _said(EventKind.MEETING_SAVED, {"changes": {"starts_at": [first, later]}})
    minutes = _said(EventKind.MEETING_SAVED, {"changes": {"minutes": ["", "Verbale"]}})

    assert added == "Meeting of 1 March 2027, 10:00 added."
    assert moved == "Meeting moved from 1 March 2027, 10:00 to 8 March 2027, 10:00."
    assert minutes == _label(EventKind.MEETING_SAVED)


def test_a_section_saved_again_is_named_from_the_row_its_event_concerns(flow_plan, lead):
    from plm_workflow.plans.models import PlanSection

    section = PlanSection.objects.create(plan=flow_plan, key="governance", text="Prima")
    record(
        kind=EventKind.SECTION_SAVED,
        actor=lead,
        plan=flow_plan,
        payload={"concerns": {"plan_section": section.pk}, "changes": {"text": ["Prima", "Poi"]}},
    )

    events = list(with_names(Event.objects.filter(kind=EventKind.SECTION_SAVED)))
    with translation.override("en"):
        told = [item.what for item in tell(events)]

    assert told == ["Plan section “Governance” saved."]
