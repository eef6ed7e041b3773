#!/usr/bin/env python3
"""Verify a PLM Workflow audit export (JSON Lines) offline, trusting nothing but the file.

    python scripts/verify_export.py EXPORT.jsonl [--heads HEADS.txt]

Needs only Python 3.11 or later: no Django, no database, no packages. For every row it checks
that the SHA-256 of ``content`` is ``hash``; that ``content`` is JSON whose chain, seq and
prev_hash are the row's own; and that, within a chain, each row follows the one before it
(its ``prev_hash`` is that row's ``hash``). A chain's first event has seq 1 and a prev_hash of
64 zeros. A filtered export skips events: where a chain's seq jumps, that is reported as a GAP
(not a break) and linking starts again from the row after it. The last line must be the
trailer, ``{"trailer": {"rows": N, "heads": {...}, ...}}``, and N the number of rows: else
the export was cut short (TRUNCATED).

With ``--heads FILE`` (the output of ``manage.py audit_heads``, kept elsewhere), it also checks
that the export extends those heads: for each recorded head, either its chain's row at that
seq is in the export with the recorded hash, or the export holds that chain beyond it (the
head then fell in a gap, which is reported). A chain of the heads that the export does not hold
at all (a one-plan export) is reported and passes; a chain the export holds that stops before
its recorded head is a failure: the log no longer reaches what was witnessed.

Exit status: 0 when every row verifies (gaps allowed), 1 at the first broken row (named with
its line number), 2 when the export is truncated or the files cannot be read.
"""

import argparse
import hashlib
import json
import sys

GENESIS = "0" * 64
OK, BROKEN, TRUNCATED = 0, 1, 2


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


def _row_problem(row: dict) -> str | None:
    """Return what is wrong with a row on its own, or None."""
    for name in ("chain", "seq", "prev_hash", "hash", "content"):
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
    for name in ("chain", "seq", "prev_hash"):
        if hashed.get(name) != row[name]:
            return f"its {name} differs from the {name} in its hashed content"
    return None


def verify(lines, *, heads: dict | None = None) -> tuple[int, list[str]]:
    """Verify the export's lines; return the exit status and the report's lines."""
    report: list[str] = []
    last: dict = {}  # chain -> (seq, hash) of its last row seen
    seen: dict = {}  # chain -> {seq: hash} of the rows at the recorded heads
    wanted = {chain: seq for chain, (seq, _hash) in (heads or {}).items()}
    rows, trailer, gaps, number = 0, None, 0, 0
    for number, line in enumerate(lines, start=1):
        line = line.rstrip("\r\n")
        if trailer is not None:
            if line.strip():
                report.append(f"line {number}: text after the trailer")
                return BROKEN, report
            continue
        try:
            row = json.loads(line)
        except ValueError:
            report.append(f"line {number}: BROKEN: not a JSON object")
            return BROKEN, report
        if not isinstance(row, dict):
            report.append(f"line {number}: BROKEN: not a JSON object")
            return BROKEN, report
        if "trailer" in row:
            trailer = row["trailer"]
            continue
        problem = _row_problem(row)
        if problem is None and (not isinstance(row["seq"], int) or row["seq"] < 1):
            problem = "its seq is not a positive number"
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
                gaps += 1
                report.append(
                    f"line {number}: GAP in {chain}: events {expected} to {seq - 1} are not "
                    "in this export"
                )
        if problem is not None:
            where = f"{row.get('chain')} seq {row.get('seq')}"
            report.append(f"line {number}: BROKEN ({where}): {problem}")
            return BROKEN, report
        last[row["chain"]] = (row["seq"], row["hash"])
        if wanted.get(row["chain"]) == row["seq"]:
            seen[row["chain"]] = row["hash"]
        rows += 1
    if trailer is None:
        report.append(f"TRUNCATED: no trailer after {rows} rows (line {number} is the last)")
        return TRUNCATED, report
    if not isinstance(trailer, dict) or trailer.get("rows") != rows:
        said = trailer.get("rows") if isinstance(trailer, dict) else None
        report.append(f"TRUNCATED: the trailer says {said} rows, the export holds {rows}")
        return TRUNCATED, report
    said_heads = trailer.get("heads") or {}
    for chain, (seq, head_hash) in sorted(last.items()):
        said = said_heads.get(chain) or {}
        if (said.get("seq"), said.get("hash")) != (seq, head_hash):
            report.append(f"TRUNCATED: the trailer's head of {chain} is not its last row")
            return TRUNCATED, report
    status = OK
    for chain, (seq, head_hash) in sorted((heads or {}).items()):
        held = last.get(chain)
        if chain in seen:
            if seen[chain] != head_hash:
                report.append(f"HEAD {chain} seq {seq}: the export's hash differs")
                status = BROKEN
        elif held is None:
            report.append(f"HEAD {chain} seq {seq}: the chain is not in this export")
        elif held[0] > seq:
            report.append(
                f"HEAD {chain} seq {seq}: not in this export (a gap), the chain goes on to "
                f"seq {held[0]}"
            )
        else:
            report.append(f"HEAD {chain} seq {seq}: the export does not reach it")
            status = BROKEN
    if status == OK:
        chains = len(last)
        report.append(
            f"OK: {rows} rows in {chains} chains verified, {gaps} gaps"
            + (f", extending {len(heads)} heads" if heads else "")
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
        with open(args.export, encoding="utf-8-sig") as file:
            status, report = verify(file, heads=heads)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        print(f"cannot read: {error}", file=sys.stderr)
        return TRUNCATED
    for line in report:
        print(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
