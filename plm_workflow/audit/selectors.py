"""Reads of the audit log."""

from django.db.models import OuterRef, Subquery

from .models import Event


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
