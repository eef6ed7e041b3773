"""The log is append-only in the database, and verification finds any rewrite."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from plm_workflow.audit import triggers
from plm_workflow.audit.chain import GENESIS, content_of, digest
from plm_workflow.audit.models import ChainHead, Event, EventKind
from plm_workflow.audit.services import record
from plm_workflow.audit.verify import (
    BROKEN_EVENT,
    COLUMNS_DIFFER,
    EVENTS_MISSING,
    HEAD_DIFFERS,
    HEAD_ROW_DIFFERS,
    PLAN_WITHOUT_CHAIN,
    WRONG_CHAIN,
)
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import PlanStatus
from plm_workflow.plans.services import (
    plan_complete_assessment,
    plan_request_changes,
    plan_submit_for_review,
)
from tests import drafts

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted_plan(plan, drive, coordinator):
    drive(plan, PlanStatus.DRAFTING)
    drafts.fill(plan, coordinator)
    plan_submit_for_review(plan=plan, by=coordinator)
    # its chain: launched, schedule set, assessment and tables completed, the draft submitted
    # by its coordinator (5 events)
    assert Event.objects.filter(plan=plan).count() == 5
    return plan


def verify(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("verify_audit", *args, stdout=out, stderr=err)
    except CommandError as error:
        return False, out.getvalue() + err.getvalue() + str(error)
    return True, out.getvalue()


@pytest.fixture
def triggers_off():
    """Drop the triggers for a test that plays the attacker (restored afterwards)."""
    triggers.remove(connection)
    yield
    triggers.install(connection)


def test_the_database_refuses_to_update_or_delete_an_event(submitted_plan):
    event = Event.objects.filter(plan=submitted_plan).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(payload={"forged": True})
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        event.delete()
    assert Event.objects.get(pk=event.pk).payload == event.payload


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_to_truncate_the_events(submitted_plan):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks to refuse it first
        cursor.execute("TRUNCATE audit_event CASCADE")
    assert Event.objects.filter(plan=submitted_plan).count() == 5


def test_an_intact_log_verifies(submitted_plan):
    chains = len(set(Event.objects.values_list("chain", flat=True)))
    events = Event.objects.count()

    ok, output = verify()

    assert ok
    assert output == f"OK: {chains} catene, {events} eventi verificati.\n"


def test_a_row_altered_behind_the_triggers_is_named(submitted_plan, triggers_off):
    victim = Event.objects.get(plan=submitted_plan, seq=3)
    Event.objects.filter(pk=victim.pk).update(payload={"phase": "assessment", "forged": True})

    ok, output = verify()

    assert not ok
    chain = f"plan:{submitted_plan.pk}"
    assert str(BROKEN_EVENT % {"chain": chain, "seq": 3, "problem": COLUMNS_DIFFER}) in output


def test_a_deleted_event_is_named_as_a_gap(submitted_plan, triggers_off):
    Event.objects.filter(plan=submitted_plan, seq=2).delete()

    ok, output = verify("--plan", str(submitted_plan.pk))

    assert not ok
    missing = EVENTS_MISSING % {"expected": 2}
    chain = f"plan:{submitted_plan.pk}"
    assert str(BROKEN_EVENT % {"chain": chain, "seq": 3, "problem": missing}) in output


def test_a_chain_rewritten_and_rehashed_is_caught_by_the_heads_taken_before(
    submitted_plan, triggers_off, tmp_path
):
    heads = tmp_path / "heads.txt"
    out = io.StringIO()
    call_command("audit_heads", stdout=out)
    heads.write_text(out.getvalue(), encoding="utf-8")
    chain = f"plan:{submitted_plan.pk}"
    # the attacker rewrites the whole chain, consistently re-hashed from the genesis
    rows = list(Event.objects.filter(chain=chain).order_by("seq"))
    Event.objects.filter(chain=chain).delete()
    prev = GENESIS
    for row in rows:
        payload = {**row.payload, "forged": True}
        content = content_of(
            chain=chain,
            seq=row.seq,
            prev_hash=prev,
            kind=row.kind,
            occurred_at=row.occurred_at,
            plan_id=row.plan_id,
            actor_id=row.actor_id,
            actor_system=row.actor_system,
            payload=payload,
        )
        Event.objects.create(
            chain=chain,
            seq=row.seq,
            prev_hash=prev,
            hash=digest(content),
            content=content,
            kind=row.kind,
            occurred_at=row.occurred_at,
            plan_id=row.plan_id,
            actor_id=row.actor_id,
            actor_system=row.actor_system,
            payload=payload,
        )
        prev = digest(content)

    triggers.install(connection)  # the attacker covers their tracks
    assert verify()[0]  # consistent on its own
    ok, output = verify("--heads", str(heads))
    assert not ok
    assert str(HEAD_DIFFERS % {"chain": chain, "seq": 5}) in output


def test_verification_extends_heads_when_the_log_only_grew(submitted_plan, facilitator, tmp_path):
    heads = tmp_path / "heads.txt"
    out = io.StringIO()
    call_command("audit_heads", stdout=out)
    heads.write_text(out.getvalue(), encoding="utf-8")
    plan_request_changes(plan=submitted_plan, by=facilitator, comments="Rivedere gli indicatori.")
    assert Event.objects.filter(plan=submitted_plan).count() == 6

    ok, output = verify("--heads", str(heads))

    assert ok, output


def test_appends_continue_the_chain_from_its_head(submitted_plan):
    head = ChainHead.objects.get(chain=f"plan:{submitted_plan.pk}")
    last = Event.objects.filter(plan=submitted_plan).order_by("-seq").first()
    assert (head.seq, head.hash) == (last.seq, last.hash) == (5, last.hash)
    first = Event.objects.get(plan=submitted_plan, seq=1)
    assert first.prev_hash == GENESIS
    assert digest(first.content) == first.hash
    assert first.occurred_at <= timezone.now()


def test_a_removed_tail_is_caught_without_heads(submitted_plan, triggers_off):
    Event.objects.filter(plan=submitted_plan, seq=5).delete()
    triggers.install(connection)

    ok, output = verify()

    assert not ok
    chain = f"plan:{submitted_plan.pk}"
    assert str(HEAD_ROW_DIFFERS % {"chain": chain, "seq": 4, "head": 5}) in output


def test_a_removed_plan_chain_is_caught(submitted_plan, triggers_off):
    Event.objects.filter(plan=submitted_plan).delete()
    ChainHead.objects.filter(chain=f"plan:{submitted_plan.pk}").delete()
    triggers.install(connection)

    ok, output = verify("--plan", str(submitted_plan.pk))

    assert not ok
    assert str(PLAN_WITHOUT_CHAIN % {"plan": submitted_plan.pk}) in output


def test_an_event_moved_to_another_chain_is_caught(submitted_plan, triggers_off):
    Event.objects.filter(plan=submitted_plan, seq=4).update(plan=None)
    triggers.install(connection)

    ok, output = verify()

    assert not ok
    chain = f"plan:{submitted_plan.pk}"
    assert str(BROKEN_EVENT % {"chain": chain, "seq": 4, "problem": WRONG_CHAIN}) in output


def test_missing_triggers_are_reported(submitted_plan, triggers_off):
    ok, output = verify()

    assert not ok
    assert "audit_event_no" in output


@pytest.mark.skipif(connection.vendor != "sqlite", reason="INSERT OR REPLACE is SQLite's")
def test_sqlite_refuses_to_replace_an_event(submitted_plan):
    event = Event.objects.get(plan=submitted_plan, seq=2)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT OR REPLACE INTO audit_event (id, chain, seq, prev_hash, hash, content, kind,"
            " occurred_at, plan_id, actor_id, actor_system, payload)"
            " SELECT id, chain, seq, prev_hash, 'forged', content, kind, occurred_at, plan_id,"
            " actor_id, actor_system, payload FROM audit_event WHERE id = %s",
            [event.pk],
        )
    assert Event.objects.get(pk=event.pk).hash == event.hash


def test_payloads_with_floats_are_refused_before_anything_is_written(plan, lead):
    before = Event.objects.count()
    with pytest.raises(TypeError):
        record(
            kind=EventKind.PLAN_TRANSITION,
            actor=lead,
            plan=plan,
            payload={"changes": {"x": [None, 0.1]}},
        )
    assert Event.objects.count() == before


def test_payloads_of_another_shape_are_refused_before_anything_is_written(plan, lead):
    before = Event.objects.count()
    with pytest.raises(ValueError, match="transition"):
        record(
            kind=EventKind.PLAN_TRANSITION,
            actor=lead,
            plan=plan,
            payload={"concerns": {"plan": plan.pk}, "transition": "approve"},
        )
    assert Event.objects.count() == before


def test_unusual_text_round_trips_through_the_database(plan, lead):
    record(
        kind=EventKind.SECTION_SAVED,
        actor=lead,
        plan=plan,
        payload={
            "changes": {
                "text": [None, "Città – “quote” \u2028 e\u0301 😀"],
                "big": [None, 2**70],
                "none": None,
            }
        },
    )

    assert verify()[0]


def test_a_refused_action_writes_no_event(plan, coordinator, facilitator):
    before = Event.objects.count()
    with pytest.raises(PlanError):
        plan_complete_assessment(plan=plan, by=facilitator)  # no assessment yet
    with pytest.raises(PlanError):
        plan_complete_assessment(plan=plan, by=coordinator)  # not theirs to do
    assert Event.objects.count() == before
