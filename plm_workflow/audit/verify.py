"""Recompute the chains from the events alone and say whether they still hold."""

from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext_lazy as _

from . import triggers
from .chain import GENESIS, chain_of, content_of, digest
from .models import ChainHead, Event, EventKind

BROKEN_EVENT = _("Chain %(chain)s, event %(seq)d: %(problem)s")
EVENTS_MISSING = _("expected event %(expected)d here: events are missing.")
NOT_FOLLOWING = _("it does not follow the previous event (previous hash differs).")
COLUMNS_DIFFER = _("its columns differ from the content that was hashed.")
HASH_DIFFERS = _("its hash does not match its content.")
HEAD_MISSING = _("Chain %(chain)s no longer holds the recorded head, event %(seq)d.")
HEAD_DIFFERS = _("Chain %(chain)s, event %(seq)d: its hash differs from the recorded head.")
WRONG_CHAIN = _("it belongs to another chain than the one it is in.")
NOT_LAUNCHED_FIRST = _("a plan's chain must begin with its launch.")
HEAD_ROW_DIFFERS = _(
    "Chain %(chain)s ends at event %(seq)d, but its head row says %(head)d: events were removed."
)
PLAN_WITHOUT_CHAIN = _("Plan %(plan)s has no audit events: its chain was removed.")
TRIGGERS_MISSING = _(
    "The database no longer refuses changes to the audit table (missing triggers: %(names)s)."
)
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


def recorded_plan_ids(only: int | None = None) -> list[int]:
    """Return the id of every plan (or of plan ``only``, if it exists): the rows events point
    at, through ``Event.plan``.

    The audit package sits below the plans: it reaches their table through its own foreign
    key, never by importing them.
    """
    plans = Event._meta.get_field("plan").related_model._default_manager.order_by("pk")
    if only is not None:
        plans = plans.filter(pk=only)
    return list(plans.values_list("pk", flat=True))


def chains_verify(
    *, chain: str | None = None, heads: dict | None = None, plan_ids=None
) -> Verification:
    """Recompute every chain (or one) and check it extends the recorded heads.

    ``plan_ids`` are the plans that must each have a chain (every plan, by default: each
    was launched, which is its chain's first event). Stops at the first broken event of each
    chain and names it.
    """
    plan_ids = recorded_plan_ids() if plan_ids is None else list(plan_ids)
    result = Verification()
    missing = triggers.missing(connection)
    if missing:
        result.broken.append(str(TRIGGERS_MISSING % {"names": ", ".join(sorted(missing))}))
    events = Event.objects.order_by("chain", "seq")
    if chain is not None:
        events = events.filter(chain=chain)
    current, expected_seq, prev_hash, skip = None, 0, GENESIS, False
    seen: dict[str, dict[int, str]] = {}
    last: dict[str, tuple[int, str]] = {}
    wanted = {name: head[0] for name, head in (heads or {}).items()}
    for row in events.values_list(*_COLUMNS).iterator(chunk_size=2000):
        values = dict(zip(_COLUMNS, row, strict=True))
        name = values["chain"]
        if name != current:
            current, expected_seq, prev_hash, skip = name, 1, GENESIS, False
            result.chains += 1
        result.events += 1
        last[name] = (values["seq"], values["hash"])
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
    _check_heads_rows(result, chain=chain, last=last)
    _check_plans_have_chains(result, chain=chain, chains=set(last), plan_ids=plan_ids)
    for name, (seq, head_hash) in sorted((heads or {}).items()):
        if chain is not None and name != chain:
            continue
        found = seen.get(name, {}).get(seq)
        if found is None:
            result.broken.append(str(HEAD_MISSING % {"chain": name, "seq": seq}))
        elif found != head_hash:
            result.broken.append(str(HEAD_DIFFERS % {"chain": name, "seq": seq}))
    return result


def _check_heads_rows(result, *, chain, last) -> None:
    """Compare the writers' head rows with the last events: a removed tail shows there."""
    rows = ChainHead.objects.order_by("chain")
    if chain is not None:
        rows = rows.filter(chain=chain)
    for head in rows:
        found_seq = last.get(head.chain, (0, ""))[0]
        if head.seq != found_seq:
            result.broken.append(
                str(HEAD_ROW_DIFFERS % {"chain": head.chain, "seq": found_seq, "head": head.seq})
            )


def _check_plans_have_chains(result, *, chain, chains, plan_ids) -> None:
    """Every plan was launched, so every plan has a chain: a missing one was removed."""
    plans = plan_ids
    if chain is not None:
        plans = [plan_id for plan_id in plan_ids if chain_of(plan_id) == chain]
    for plan_id in plans:
        if chain_of(plan_id) not in chains:
            result.broken.append(str(PLAN_WITHOUT_CHAIN % {"plan": plan_id}))


def _problem(values, expected_seq, prev_hash) -> str | None:
    if values["chain"] != chain_of(values["plan_id"]):
        return str(WRONG_CHAIN)
    if (
        values["seq"] == 1
        and values["plan_id"] is not None
        and values["kind"] != EventKind.PLAN_LAUNCHED
    ):
        return str(NOT_LAUNCHED_FIRST)
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
