#!/usr/bin/env python3
"""Verify a PLM Workflow audit export (JSON Lines) offline, trusting nothing but the file.

    python scripts/verify_export.py EXPORT.jsonl [--heads HEADS.txt]

Needs only Python 3.11 or later: no Django, no database, no packages. For every row it checks
that the SHA-256 of ``content`` is ``hash``; that ``content`` is JSON whose chain, seq,
prev_hash, kind, occurred_at, plan, actor and actor_system are the row's own (``actor_name``,
the name as shown, is not hashed: it is not checked); and that, within a chain, each row
follows the one before it (its ``prev_hash`` is that row's ``hash``). A chain's first event has
seq 1 and a prev_hash of 64 zeros.

The last line must be the trailer, ``{"trailer": {"rows": N, "filters": {...}, "plan": ...,
"heads": {...}, ...}}``: without it, or with N other than the number of rows, or with the last
line cut in the middle of a row, the export was cut short (TRUNCATED). Its ``heads`` must name
exactly the chains of the rows, each at its last row. Where a chain's seq jumps, events are
missing: in a filtered export (``filters`` not empty) that is a GAP, reported, and linking
starts again from the row after it; in an export without filters it is a break, except in the
global chain of a one-plan export (``plan`` set), which holds only the events about the plan's
comune. The trailer itself is not hashed: compare it with the export's own ``audit.exported``
event (its filters, rows and heads), which is.

With ``--heads FILE`` (the output of ``manage.py audit_heads``, kept elsewhere), it also checks
that the export extends those heads: for each recorded head of a chain the export holds, the
chain's row at that seq must be in the export with the recorded hash; a head that falls in a
gap, or beyond the export's last row of its chain, fails (the head cannot be confirmed). The
heads of chains the export does not hold at all, and in a one-plan export those of every chain
but the plan's, are reported as not checked.

Exit status: 0 when every row verifies (gaps allowed), 1 at the first broken row (named with
its line number) or at a head that cannot be confirmed, 2 when the export is truncated or the
files cannot be read.
"""

import argparse
import contextlib
import hashlib
import json
import sys

GENESIS = "0" * 64
GLOBAL_CHAIN = "global"
OK, BROKEN, TRUNCATED = 0, 1, 2
# The row's columns that its hashed content holds too, under the same names.
HASHED_COLUMNS = (
    "chain",
    "seq",
    "prev_hash",
    "kind",
    "occurred_at",
    "plan",
    "actor",
    "actor_system",
)
_BOM = "\ufeff"


def digest(content: str) -> str:
    """Return the SHA-256 of an event's content, in hex (as the app hashes it)."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def heads_parse(text: str) -> dict:
    """Read ``audit_heads``' output: ``chain seq hash`` per line, ``#`` lines are comments."""
    heads = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            raise ValueError(f"heads line {number} is not 'chain seq hash': {line}")
        heads[parts[0]] = (int(parts[1]), parts[2])
    return heads


def _same(one, other) -> bool:
    """Return True if two JSON values are equal and of one type (1 is not true, nor 1.0)."""
    return type(one) is type(other) and one == other


def _row_problem(row: dict) -> str | None:
    """Return what is wrong with a row on its own, or None."""
    for name in ("hash", "content", *HASHED_COLUMNS):
        if name not in row:
            return f"the row has no {name!r}"
    content = row["content"]
    if not isinstance(content, str):
        return "its content is not text"
    if digest(content) != row["hash"]:
        return "its hash does not match its content"
    try:
        hashed = json.loads(content)
    except ValueError:
        return "its content is not JSON"
    if not isinstance(hashed, dict):
        return "its content is not a JSON object"
    for name in HASHED_COLUMNS:
        if name not in hashed or not _same(hashed[name], row[name]):
            return f"its {name} differs from the {name} in its hashed content"
    if not isinstance(row["seq"], int) or isinstance(row["seq"], bool) or row["seq"] < 1:
        return "its seq is not a positive number"
    return None


def _text(line, *, first: bool) -> str:
    """Return a line read as text or bytes as text, without its BOM or line end."""
    if isinstance(line, bytes):
        line = line.decode("utf-8")  # UnicodeDecodeError for the caller
    if first and line.startswith(_BOM):
        line = line[1:]
    return line.rstrip("\r\n")


def verify(lines, *, heads: dict | None = None) -> tuple[int, list[str]]:
    """Verify the export's lines (text or bytes); return the exit status and the report."""
    last: dict = {}  # chain -> (seq, hash) of its last row seen
    seen: dict = {}  # chain -> hash of its row at the recorded head's seq
    wanted = {chain: seq for chain, (seq, _hash) in (heads or {}).items()}
    gaps: list = []  # (line number, chain, first seq missing, seq of the row after)
    rows, trailer, number = 0, None, 0
    broken = None  # the report's line for the first broken line
    cut = None  # the number of a last line cut short in the middle of a row
    for number, raw in enumerate(lines, start=1):
        whole = raw.endswith(b"\n" if isinstance(raw, bytes) else "\n")
        try:
            line = _text(raw, first=number == 1)
        except UnicodeDecodeError:
            if not whole:  # the last line, cut in the middle of a character
                cut = number
                break
            line = None
        if broken is not None:
            # Past the first break only the trailer is looked for: its filters say whether
            # the gaps before the break were allowed.
            if line is not None and line.startswith('{"trailer"'):
                with contextlib.suppress(ValueError, TypeError, KeyError):
                    trailer = json.loads(line)["trailer"]
            continue
        if line is None:
            broken = f"line {number}: BROKEN: not UTF-8 text"
            continue
        if trailer is not None:
            if line.strip():
                broken = f"line {number}: BROKEN: text after the trailer"
            continue
        try:
            row = json.loads(line)
        except ValueError:
            if not whole:
                cut = number
                break
            row = None
        if not isinstance(row, dict):
            broken = f"line {number}: BROKEN: not a JSON object"
            continue
        if "trailer" in row:
            trailer = row["trailer"]
            continue
        problem = _row_problem(row)
        if problem is None:
            chain, seq = row["chain"], row["seq"]
            before = last.get(chain)
            expected = before[0] + 1 if before else 1
            if before is not None and seq <= before[0]:
                problem = f"seq {seq} comes after seq {before[0]} of its chain"
            elif seq == expected:
                previous = before[1] if before else GENESIS
                if row["prev_hash"] != previous:
                    problem = "it does not follow the row before it (prev_hash differs)"
            else:
                gaps.append((number, chain, expected, seq))
        if problem is not None:
            broken = f"line {number}: BROKEN ({row.get('chain')} seq {row.get('seq')}): {problem}"
            continue
        last[row["chain"]] = (row["seq"], row["hash"])
        if wanted.get(row["chain"]) == row["seq"]:
            seen[row["chain"]] = row["hash"]
        rows += 1

    report: list[str] = []
    known = trailer if isinstance(trailer, dict) else {}
    unfiltered = known.get("filters") == {}
    plan = known.get("plan")
    for at, chain, first, seq in gaps:
        if unfiltered and not (plan is not None and chain == GLOBAL_CHAIN):
            report.append(
                f"line {at}: BROKEN ({chain} seq {seq}): events {first} to {seq - 1} of its "
                "chain are missing, and the export has no filters that would leave them out"
            )
            return BROKEN, report
        report.append(
            f"line {at}: GAP in {chain}: events {first} to {seq - 1} are not in this export"
        )
    if broken is not None:
        report.append(broken)
        return BROKEN, report
    if cut is not None:
        report.append(f"TRUNCATED: line {cut}, the last, is cut short in the middle of a row")
        return TRUNCATED, report
    if trailer is None:
        report.append(f"TRUNCATED: no trailer after {rows} rows (line {number} is the last)")
        return TRUNCATED, report
    if not isinstance(trailer, dict) or trailer.get("rows") != rows:
        said = trailer.get("rows") if isinstance(trailer, dict) else None
        report.append(f"TRUNCATED: the trailer says {said} rows, the export holds {rows}")
        return TRUNCATED, report
    said_heads = trailer.get("heads")
    said_heads = said_heads if isinstance(said_heads, dict) else {}
    for chain, (seq, head_hash) in sorted(last.items()):
        said = said_heads.get(chain)
        said = said if isinstance(said, dict) else {}
        if (said.get("seq"), said.get("hash")) != (seq, head_hash):
            report.append(f"TRUNCATED: the trailer's head of {chain} is not its last row")
            return TRUNCATED, report
    for chain in sorted(set(said_heads) - set(last)):
        report.append(
            f"BROKEN: the trailer names a head of {chain}, but the export holds no row of "
            "that chain (a chain left out)"
        )
        return BROKEN, report
    status, confirmed, unchecked = OK, 0, 0
    own = f"plan:{plan}" if plan is not None else None
    for chain, (seq, head_hash) in sorted((heads or {}).items()):
        held = last.get(chain)
        if own is not None and chain != own:
            report.append(
                f"HEAD {chain} seq {seq}: not checked, this export is of plan {plan} only"
            )
            unchecked += 1
        elif chain in seen:
            if seen[chain] != head_hash:
                report.append(f"HEAD {chain} seq {seq}: the export's hash differs")
                status = BROKEN
            else:
                confirmed += 1
        elif held is None:
            report.append(f"HEAD {chain} seq {seq}: not checked, the chain is not in this export")
            unchecked += 1
        elif held[0] > seq:
            report.append(
                f"HEAD {chain} seq {seq}: cannot confirm the head, its row is not in this "
                f"export (the chain goes on to seq {held[0]}); check an export without filters"
            )
            status = BROKEN
        else:
            report.append(f"HEAD {chain} seq {seq}: the export does not reach it")
            status = BROKEN
    if status == OK:
        allowed = len(gaps)
        report.append(
            f"OK: {rows} rows in {len(last)} chains verified, {allowed} gaps"
            + (f", extending {confirmed} heads" if heads else "")
            + (f" ({unchecked} not checked)" if unchecked else "")
        )
    return status, report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "export", help="the JSON Lines export (manage.py export_audit --format json)"
    )
    parser.add_argument("--heads", metavar="FILE", help="heads printed by manage.py audit_heads")
    args = parser.parse_args(argv)
    heads = None
    try:
        if args.heads:
            with open(args.heads, encoding="utf-8") as file:
                heads = heads_parse(file.read())
        with open(args.export, "rb") as file:
            status, report = verify(file, heads=heads)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return TRUNCATED
    for line in report:
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
