"""The one way events are written: appended to their chain, in the caller's transaction."""

import datetime
import json
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from plm_workflow.db import lock_row, recall, remember

from .chain import GENESIS, canonical, chain_of, content_of, digest
from .models import ChainHead, Event, EventKind

SYSTEM_OPERATOR = "system:operator"  # commands run by an operator at the command line
SYSTEM_FLOW = "system:flow"  # the workflow engine creating the next task
# The schedule's own rules moving a date: off non-working days (a new patron day), by the days
# a plan was suspended, a task following its phase's date. The cause names who did what.
SYSTEM_WORKING_DAYS = "system:working-days"
# The deadline sweep (send_deadline_alerts) escalating an overdue task.
SYSTEM_DEADLINE_SWEEP = "system:deadline-sweep"
FULL_VERIFICATION = "all"  # the scope of a verify_audit run over every chain

# The one shape of every payload written from now on (events written before it keep theirs,
# their hashed content is never rewritten):
# - concerns: the ids the event is about, by kind ({"plan": 3, "task": 12, "review": 7});
# - phase and node: on task events, the phase and the flow's node;
# - changes: field → [old, new] (old is None for a row created);
# - children: rows added, removed or changed, per kind ({"phase_date": {"added": [...]}});
# - reason or comments: what the person wrote;
# - cause: who or what triggered an automatic change ("task created", …); for a date, a dict:
#   "event" (the kind of the event that triggered it) and "by" (the person's id) when the
#   system moved it, "transition", "phase" or "days" as the event needs, and "non_working"
#   ([{"day", "kind"}]: the days it was moved off, why each was not a working day);
# - export: on an export of the log, what it covers: "format" (csv or json), "filters" (as
#   ``TimelineFilters.describe`` gives them), "rows", and "heads" ({chain: {"seq", "hash"}}: the
#   last event of each chain the export holds);
# - verification: on a run of verify_audit, its result: "ok", "scope" ("all" or the chain),
#   "chains", "events", "problems" (how many) and "heads" (how many recorded heads it checked).
PAYLOAD_KEYS = (
    "concerns",
    "phase",
    "node",
    "changes",
    "children",
    "reason",
    "comments",
    "cause",
    "export",
    "verification",
)


def record(*, kind: str, actor, plan=None, payload: dict | None = None) -> Event:
    """Append an event to the plan's chain (or the global chain) and return it.

    ``actor`` is a user or the name of a system actor (``system:…``). Appends to one chain
    take turns on its head row, so concurrent writers never fork it. Call it inside the
    transaction of the change it records: both are kept, or neither.
    """
    if isinstance(actor, get_user_model()):
        actor_user, actor_system = actor, ""
    elif isinstance(actor, str) and actor.startswith("system:"):
        actor_user, actor_system = None, actor
    else:
        raise ValueError(f"An audit actor is a user or a 'system:' name, not {actor!r}")
    unknown = set(payload or {}) - set(PAYLOAD_KEYS)
    if unknown:
        raise ValueError(
            f"Audit payload keys {sorted(unknown)} are not of the shape {PAYLOAD_KEYS}"
        )
    plan_id = plan.pk if plan is not None else None
    chain = chain_of(plan_id)
    # Store exactly what is hashed: dates and decimals become their JSON text.
    payload = json.loads(canonical(payload or {}))
    # No savepoint of its own: an append that fails fails the caller's transaction, so a change
    # is never kept without its event.
    with transaction.atomic(savepoint=False):
        head_seq, head_hash = _locked_head(chain, plan)
        seq, prev_hash = head_seq + 1, head_hash or GENESIS
        # Taken under the head's lock: a chain's times follow its sequence.
        occurred_at = timezone.now().astimezone(datetime.UTC)
        content = content_of(
            chain=chain,
            seq=seq,
            prev_hash=prev_hash,
            kind=str(kind),
            occurred_at=occurred_at,
            plan_id=plan_id,
            actor_id=actor_user.pk if actor_user else None,
            actor_system=actor_system,
            payload=payload,
        )
        event_hash = digest(content)
        if recall(_DEFERRED) is None:
            # Move the head from exactly what this transaction holds; a head it no longer
            # holds as remembered (changed behind the writer's back) is locked and read again.
            moved = ChainHead.objects.filter(chain=chain, seq=head_seq, hash=head_hash).update(
                seq=seq, hash=event_hash
            )
            if not moved:
                forget_head(chain)
                return record(kind=kind, actor=actor, plan=plan, payload=payload)
        event = Event.objects.create(
            chain=chain,
            seq=seq,
            prev_hash=prev_hash,
            hash=event_hash,
            content=content,
            kind=kind,
            occurred_at=occurred_at,
            plan_id=plan_id,
            actor=actor_user,
            actor_system=actor_system,
            payload=payload,
        )
        remember(_head_key(chain), (seq, event_hash))
    return event


_DEFERRED = ("audit", "head writes deferred")


@contextmanager
def head_writes_deferred():
    """Within the block, write each chain's head row once, as the block ends, not per event.

    For a page's transaction, which appends several events to one chain: the events are
    written as ever, each chain's head stays locked from its first append, and its row is
    moved once to the last event. Every exception leaving the block must undo the
    transaction (put the block last inside it); outside a transaction it does nothing.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block or recall(_DEFERRED) is not None:
        yield  # no transaction, or one already deferring: that one writes the heads
        return
    starts: dict[str, tuple[int, str]] = {}  # each chain's head row as this transaction read it
    remember(_DEFERRED, starts)
    try:
        yield
    except BaseException:
        remember(_DEFERRED, None)
        # The events are written but their heads would not move: the transaction must not
        # commit them so (the rule above, enforced rather than trusted).
        transaction.set_rollback(True)
        raise
    remember(_DEFERRED, None)
    for chain, (seq, head_hash) in starts.items():
        held = recall(_head_key(chain))
        if held is None or held == (seq, head_hash):
            continue  # nothing appended, or the appends were rolled back
        moved = ChainHead.objects.filter(chain=chain, seq=seq, hash=head_hash).update(
            seq=held[0], hash=held[1]
        )
        if not moved:
            raise RuntimeError(f"The head of audit chain {chain} changed under its lock")


def _head_key(chain: str) -> tuple:
    return ("audit head", chain)


def forget_head(chain: str) -> None:
    """Make the next append to ``chain`` in this transaction lock and read its head again."""
    remember(_head_key(chain), None)


def _locked_head(chain: str, plan) -> tuple[int, str]:
    """Return the chain head's sequence number and hash, holding its lock.

    Locks are taken once per transaction, plan first and chain head second, as every
    service does: the event's foreign key would otherwise wait on the plan while holding the
    head (a deadlock). Later appends in the same transaction start from the head as this
    transaction left it.
    """
    if plan is not None:
        lock_row(type(plan), plan.pk)
    held = recall(_head_key(chain))
    starts = recall(_DEFERRED)
    if held is None:
        head = ChainHead.objects.select_for_update().filter(chain=chain).first()
        if head is None:
            ChainHead.objects.get_or_create(chain=chain)
            head = ChainHead.objects.select_for_update().get(chain=chain)
        held = (head.seq, head.hash)
        remember(_head_key(chain), held)
        if starts is not None:
            starts[chain] = held
    elif starts is not None:
        starts.setdefault(chain, held)  # locked before the block: its row was kept current
    return held


def payload_of(
    *,
    concerns: dict | None = None,
    phase=None,
    node: str | None = None,
    changes: dict | None = None,
    children: dict | None = None,
    reason: str | None = None,
    comments: str | None = None,
    cause: str | dict | None = None,
    export: dict | None = None,
    verification: dict | None = None,
) -> dict:
    """Return an event payload of the one shape, leaving out the parts not given."""
    parts = {
        "concerns": concerns,
        "phase": str(phase) if phase is not None else None,
        "node": node,
        "changes": changes,
        "children": children,
        "reason": reason,
        "comments": comments,
        "cause": cause,
        "export": export,
        "verification": verification,
    }
    return {key: value for key, value in parts.items() if value is not None}


def changes(before: dict, after: dict) -> dict:
    """Return ``{field: [old, new]}`` for the fields whose value differs."""
    return {
        field: [before.get(field), after.get(field)]
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    }


def verification_record(*, result, chain: str | None, heads: int) -> Event:
    """Record on the global chain what a verification of the chains found (``chains_verify``'s
    result, over every chain or over ``chain``, having checked ``heads`` recorded heads).

    Written after the verification, by ``system:operator``: its counts are of the events
    before it.
    """
    with transaction.atomic():
        return record(
            kind=EventKind.AUDIT_VERIFIED,
            actor=SYSTEM_OPERATOR,
            payload=payload_of(
                concerns={},
                verification={
                    "ok": result.ok,
                    "scope": chain or FULL_VERIFICATION,
                    "chains": result.chains,
                    "events": result.events,
                    "problems": len(result.broken),
                    "heads": heads,
                },
            ),
        )
