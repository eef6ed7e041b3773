"""Recompute the chains from the events alone and say whether they still hold."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .chain import GENESIS, content_of, digest
from .models import Event

BROKEN_EVENT = _("Chain %(chain)s, event %(seq)d: %(problem)s")
EVENTS_MISSING = _("expected event %(expected)d here: events are missing.")
NOT_FOLLOWING = _("it does not follow the previous event (previous hash differs).")
COLUMNS_DIFFER = _("its columns differ from the content that was hashed.")
HASH_DIFFERS = _("its hash does not match its content.")
HEAD_MISSING = _("Chain %(chain)s no longer holds the recorded head, event %(seq)d.")
HEAD_DIFFERS = _("Chain %(chain)s, event %(seq)d: its hash differs from the recorded head.")
NOT_A_HEAD_LINE = _("Line %(number)d is not “chain seq hash”: %(line)s")

_COLUMNS = (
    "chain",
    "seq",
    "prev_hash",
    "hash",
    "content",
    "kind",
    "occurred_at",
    "plan_id",
    "actor_id",
    "actor_system",
    "payload",
)


@dataclass
class Verification:
    chains: int = 0
    events: int = 0
    broken: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken


def heads_parse(text: str) -> dict[str, tuple[int, str]]:
    """Read heads as printed by ``audit_heads``: ``chain seq hash`` per line, ``#`` comments."""
    heads = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            raise ValueError(str(NOT_A_HEAD_LINE % {"number": number, "line": line}))
        heads[parts[0]] = (int(parts[1]), parts[2])
    return heads


def chains_verify(*, chain: str | None = None, heads: dict | None = None) -> Verification:
    """Recompute every chain (or one) and check it extends the recorded heads.

    Stops at the first broken event of each chain and names it.
    """
    result = Verification()
    events = Event.objects.order_by("chain", "seq")
    if chain is not None:
        events = events.filter(chain=chain)
    current, expected_seq, prev_hash, skip = None, 0, GENESIS, False
    seen: dict[str, dict[int, str]] = {}
    wanted = {name: head[0] for name, head in (heads or {}).items()}
    for row in events.values_list(*_COLUMNS).iterator(chunk_size=2000):
        values = dict(zip(_COLUMNS, row, strict=True))
        name = values["chain"]
        if name != current:
            current, expected_seq, prev_hash, skip = name, 1, GENESIS, False
            result.chains += 1
        result.events += 1
        if wanted.get(name) == values["seq"]:
            seen.setdefault(name, {})[values["seq"]] = values["hash"]
        if skip:
            continue
        problem = _problem(values, expected_seq, prev_hash)
        if problem:
            result.broken.append(
                str(BROKEN_EVENT % {"chain": name, "seq": values["seq"], "problem": problem})
            )
            skip = True
            continue
        expected_seq, prev_hash = values["seq"] + 1, values["hash"]
    for name, (seq, head_hash) in sorted((heads or {}).items()):
        if chain is not None and name != chain:
            continue
        found = seen.get(name, {}).get(seq)
        if found is None:
            result.broken.append(str(HEAD_MISSING % {"chain": name, "seq": seq}))
        elif found != head_hash:
            result.broken.append(str(HEAD_DIFFERS % {"chain": name, "seq": seq}))
    return result


def _problem(values, expected_seq, prev_hash) -> str | None:
    if values["seq"] != expected_seq:
        return str(EVENTS_MISSING % {"expected": expected_seq})
    if values["prev_hash"] != prev_hash:
        return str(NOT_FOLLOWING)
    recomputed = content_of(
        chain=values["chain"],
        seq=values["seq"],
        prev_hash=values["prev_hash"],
        kind=values["kind"],
        occurred_at=values["occurred_at"],
        plan_id=values["plan_id"],
        actor_id=values["actor_id"],
        actor_system=values["actor_system"],
        payload=values["payload"],
    )
    if recomputed != values["content"]:
        return str(COLUMNS_DIFFER)
    if digest(values["content"]) != values["hash"]:
        return str(HASH_DIFFERS)
    return None
