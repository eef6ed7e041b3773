"""The one way events are written: appended to their chain, in the caller's transaction."""

import datetime
import json

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from plm_workflow.db import lock_row

from .chain import GENESIS, canonical, chain_of, content_of, digest
from .models import ChainHead, Event

SYSTEM_OPERATOR = "system:operator"  # commands run by an operator at the command line
SYSTEM_FLOW = "system:flow"  # the workflow engine creating the next task

# The one shape of every payload written from now on (events written before it keep theirs,
# their hashed content is never rewritten):
# - concerns: the ids the event is about, by kind ({"plan": 3, "task": 12, "review": 7});
# - phase and node: on task events, the phase and the flow's node;
# - changes: field → [old, new] (old is None for a row created);
# - children: rows added, removed or changed, per kind ({"phase_date": {"added": [...]}});
# - reason or comments: what the person wrote;
# - cause: who or what triggered an automatic change ("resume", "task created", …).
PAYLOAD_KEYS = ("concerns", "phase", "node", "changes", "children", "reason", "comments", "cause")


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
    with transaction.atomic():
        if plan is not None:
            # Plan first, chain head second, as every service does: the event's foreign key
            # would otherwise wait on the plan while holding the head (a deadlock).
            lock_row(type(plan), plan.pk)
        ChainHead.objects.get_or_create(chain=chain)
        head = ChainHead.objects.select_for_update().get(chain=chain)
        seq, prev_hash = head.seq + 1, head.hash or GENESIS
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
        event = Event.objects.create(
            chain=chain,
            seq=seq,
            prev_hash=prev_hash,
            hash=digest(content),
            content=content,
            kind=kind,
            occurred_at=occurred_at,
            plan_id=plan_id,
            actor=actor_user,
            actor_system=actor_system,
            payload=payload,
        )
        head.seq, head.hash = seq, event.hash
        head.save(update_fields=["seq", "hash"])
    return event


def payload_of(
    *,
    concerns: dict | None = None,
    phase=None,
    node: str | None = None,
    changes: dict | None = None,
    children: dict | None = None,
    reason: str | None = None,
    comments: str | None = None,
    cause: str | None = None,
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
    }
    return {key: value for key, value in parts.items() if value is not None}


def changes(before: dict, after: dict) -> dict:
    """Return ``{field: [old, new]}`` for the fields whose value differs."""
    return {
        field: [before.get(field), after.get(field)]
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    }
