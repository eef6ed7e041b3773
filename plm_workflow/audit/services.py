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


def changes(before: dict, after: dict) -> dict:
    """Return ``{field: [old, new]}`` for the fields whose value differs."""
    return {
        field: [before.get(field), after.get(field)]
        for field in sorted(set(before) | set(after))
        if before.get(field) != after.get(field)
    }
