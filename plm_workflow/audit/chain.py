"""How an event is written down and hashed: one definition for writers and verifiers."""

import datetime
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64


class _Encoder(DjangoJSONEncoder):
    def iterencode(self, o, _one_shot=False):
        _refuse_floats(o)
        return super().iterencode(o, _one_shot)


def _refuse_floats(value) -> None:
    """Refuse floats: PostgreSQL's jsonb would not give back the same text to hash."""
    if isinstance(value, float):
        raise TypeError("Audit payloads hold no floats: record decimals as text")
    if isinstance(value, dict):
        for item in value.values():
            _refuse_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_floats(item)


def canonical(data) -> str:
    """Return the canonical JSON of ``data``: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, cls=_Encoder)


def digest(content: str) -> str:
    """Return the SHA-256 of the canonical content, in hex."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def content_of(
    *, chain, seq, prev_hash, kind, occurred_at, plan_id, actor_id, actor_system, payload
) -> str:
    """Return the canonical content of an event: every column but the hash, previous included."""
    return canonical(
        {
            "chain": chain,
            "seq": seq,
            "prev_hash": prev_hash,
            "kind": kind,
            "occurred_at": occurred_at.astimezone(datetime.UTC).isoformat(),
            "plan": plan_id,
            "actor": actor_id,
            "actor_system": actor_system,
            "payload": payload,
        }
    )


def chain_of(plan_id) -> str:
    """Return the chain an event goes to: its plan's, or the global one."""
    from .models import GLOBAL_CHAIN

    return f"plan:{plan_id}" if plan_id is not None else GLOBAL_CHAIN
