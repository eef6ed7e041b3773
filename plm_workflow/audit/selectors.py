"""Reads of the audit log."""

from django.db.models import OuterRef, Subquery

from .models import GLOBAL_CHAIN, Event, EventKind
from .services import FULL_VERIFICATION


def heads_list() -> list[tuple[str, int, str]]:
    """Return each chain's last event as (chain, seq, hash), chains in order: one query."""
    last = Event.objects.filter(chain=OuterRef("chain")).order_by("-seq")
    rows = (
        Event.objects.filter(pk=Subquery(last.values("pk")[:1]))
        .order_by("chain")
        .values_list("chain", "seq", "hash")
    )
    return list(rows)


def heads_text(heads, *, at) -> str:
    """Return the heads as ``audit_heads`` prints them (what ``verify_audit --heads`` reads)."""
    lines = [f"# PLM Workflow audit heads at {at.isoformat()}: chain seq hash"]
    lines += [f"{chain} {seq} {digest}" for chain, seq, digest in heads]
    return "\n".join(lines) + "\n"


def last_verification(*, scope: str = FULL_VERIFICATION) -> Event | None:
    """Return the last run of ``verify_audit`` over every chain (or over chain ``scope``), or
    None if there was none: one query.

    Its payload's ``verification`` says what it found: ``ok``, ``chains``, ``events`` and
    ``problems``; its ``occurred_at`` when it ran.
    """
    return (
        Event.objects.filter(
            chain=GLOBAL_CHAIN, kind=EventKind.AUDIT_VERIFIED, payload__verification__scope=scope
        )
        .order_by("-seq")
        .first()
    )
