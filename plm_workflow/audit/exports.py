"""The audit log taken away: CSV or JSON Lines, streamed in constant memory, each export an event.

    export = export_record(events=events, by=user, plan=plan, filters=filters, fmt="csv")
    response = StreamingHttpResponse(export_stream(export), content_type=export.content_type)

``export_record`` fixes what the export covers (the events of ``events`` up to the last event
written when it starts: events arriving meanwhile are left for the next export) and records it
as an ``audit.exported`` event, before a single row is sent: on the plan's chain for one plan,
on the global chain otherwise. ``export_stream`` then reads the rows in (chain, seq) order with
a database iterator, a chunk at a time, and yields text.

Every row carries the columns ``COLUMNS``: the chain, ``seq``, ``prev_hash``, ``hash``, the
moment (UTC, ISO 8601), the kind, the plan's id, the actor (a user id, or a system actor's name),
the actor's name as shown, and ``content``, the hashed content verbatim:
``sha256(content) == hash`` and ``content`` holds every other column, under the same name and
with the same value, but ``actor_name`` (not hashed), which is what ``scripts/verify_export.py``
checks, offline.

- JSON Lines: one JSON object per event, those keys (``plan`` and ``actor`` as numbers or null),
  then one last line ``{"trailer": {...}}``.
- CSV, for Italian spreadsheets as the measures' CSV: UTF-8 with a BOM, ``;`` between cells,
  CRLF; a header row of the column names; a text cell starting with ``= + - @`` (or a tab or
  a carriage return) gets a leading ``'`` so that no spreadsheet runs it as a formula, except
  ``content``, which stays verbatim (it starts with ``{``). The last row is the trailer: its
  first cell ``#trailer``, its second the trailer's JSON.

The trailer says what the export holds: ``rows`` (events written), ``filters`` (as
``TimelineFilters.describe`` gives them), ``plan`` (the plan's id for a one-plan export, whose
global-chain rows are only those about its comune; else null), ``heads`` (per chain, the
``seq`` and ``hash`` of its last row in the export), ``exported_at`` and ``event`` (the chain
and seq of the export's own event). A file without it, or whose rows do not add up to it, was
cut short. The trailer is not hashed: the export's own event, which is, records the same
filters, rows and heads (the rows streamed are exactly those it counted), for an auditor to
compare.
"""

import csv
import datetime
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, QuerySet

from plm_workflow.formats.cells import neutralised

from .models import Event, EventKind
from .services import payload_of, record
from .timeline import TimelineFilters

CSV = "csv"
JSON = "json"
FORMATS = (CSV, JSON)
UNKNOWN_FORMAT = "An audit export is csv or json, not {!r}"

COLUMNS = (
    "chain",
    "seq",
    "prev_hash",
    "hash",
    "occurred_at",
    "kind",
    "plan",
    "actor",
    "actor_system",
    "actor_name",
    "content",
)
TRAILER_MARK = "#trailer"
CONTENT_TYPES = {CSV: "text/csv; charset=utf-8", JSON: "application/jsonl; charset=utf-8"}
EXTENSIONS = {CSV: "csv", JSON: "jsonl"}

# Rows read from the database at a time, and written out per chunk of text.
CHUNK_ROWS = 2000
_FIELDS = (
    "chain",
    "seq",
    "prev_hash",
    "hash",
    "occurred_at",
    "kind",
    "plan_id",
    "actor_id",
    "actor_system",
    "actor__username",
    "actor__first_name",
    "actor__last_name",
    "content",
)


@dataclass(frozen=True)
class Export:
    """What one export covers, as ``export_record`` fixed it, and its event."""

    event: Event
    events: QuerySet  # the rows to write: the filtered events up to the start
    fmt: str
    filters: dict
    rows: int  # how many rows there were at the start (the trailer counts what was written)
    heads: dict  # {chain: {"seq": ..., "hash": ...}}: the last row of each chain

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.fmt]

    @property
    def filename(self) -> str:
        """Return e.g. ``audit-plan-3-20270115.jsonl`` or ``audit-all-20270115.csv``."""
        scope = f"plan-{self.event.plan_id}" if self.event.plan_id else "all"
        day = self.event.occurred_at.astimezone(datetime.UTC).strftime("%Y%m%d")
        return f"audit-{scope}-{day}.{EXTENSIONS[self.fmt]}"


def export_record(
    *, events: QuerySet[Event], by, plan, filters: TimelineFilters, fmt: str
) -> Export:
    """Fix what an export of ``events`` covers and record it; return it, to stream.

    ``events`` are the events the person may see, filtered (``events_filtered``); ``plan`` the
    plan for a one-plan export (its chain gets the event) or None for all visible plans (the
    global chain); ``by`` the person or ``system:operator``. The event's payload ``export``
    holds the format, the filters, the rows and the heads covered. Three queries and the
    event's append.
    """
    if fmt not in FORMATS:
        raise ValueError(UNKNOWN_FORMAT.format(fmt))
    described = filters.describe()
    with transaction.atomic():
        through = Event.objects.aggregate(last=Max("pk"))["last"] or 0
        covered = events.filter(pk__lte=through)
        # One statement counts the rows and finds each chain's last: under PostgreSQL's READ
        # COMMITTED every statement sees its own snapshot, so the two must come from the same.
        # A chain's events are inserted in its order, under its head's lock: its last row is
        # its largest id.
        per_chain = list(
            covered.order_by().values("chain").annotate(last=Max("pk"), rows=Count("pk"))
        )
        rows = sum(group["rows"] for group in per_chain)
        last_rows = Event.objects.only("chain", "seq", "hash").in_bulk(
            [group["last"] for group in per_chain]
        )
        heads = {
            found.chain: {"seq": found.seq, "hash": found.hash}
            for found in sorted(last_rows.values(), key=lambda found: found.chain)
        }
        event = record(
            kind=EventKind.AUDIT_EXPORTED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk} if plan is not None else {},
                export={"format": fmt, "filters": described, "rows": rows, "heads": heads},
            ),
        )
    return Export(event=event, events=covered, fmt=fmt, filters=described, rows=rows, heads=heads)


def _rows(export: Export) -> Iterator[dict]:
    """Yield each row of the export as a dict of ``COLUMNS``, a database chunk at a time.

    Only the rows the export's event counted: none of a chain its heads do not name, none
    past a chain's head. Under PostgreSQL an append whose id is below the export's bound can
    commit after the count (ids are handed out before commit); its row is left for the next
    export, so that the file holds exactly what the recorded event says.
    """
    values = export.events.order_by("chain", "seq").values_list(*_FIELDS)
    for row in values.iterator(chunk_size=CHUNK_ROWS):
        found = dict(zip(_FIELDS, row, strict=True))
        head = export.heads.get(found["chain"])
        if head is None or found["seq"] > head["seq"]:
            continue
        full_name = f"{found['actor__first_name'] or ''} {found['actor__last_name'] or ''}".strip()
        yield {
            "chain": found["chain"],
            "seq": found["seq"],
            "prev_hash": found["prev_hash"],
            "hash": found["hash"],
            "occurred_at": found["occurred_at"].astimezone(datetime.UTC).isoformat(),
            "kind": found["kind"],
            "plan": found["plan_id"],
            "actor": found["actor_id"],
            "actor_system": found["actor_system"],
            "actor_name": full_name or found["actor__username"] or found["actor_system"],
            "content": found["content"],
        }


def _trailer(export: Export, *, rows: int, heads: dict) -> dict:
    return {
        "rows": rows,
        "filters": export.filters,
        "plan": export.event.plan_id,
        "heads": heads,
        "exported_at": export.event.occurred_at.astimezone(datetime.UTC).isoformat(),
        "event": {"chain": export.event.chain, "seq": export.event.seq},
    }


def export_stream(export: Export) -> Iterator[str]:
    """Yield the export's text in chunks: its rows, then its trailer (see the module's text).

    Memory stays the same whatever the number of rows: the database is read a chunk at a
    time and each chunk of text is handed on before the next is read.
    """
    if export.fmt == CSV:
        return _csv(export)
    return _jsonl(export)


def _csv(export: Export) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    count, heads = 0, {}
    for row in _rows(export):
        writer.writerow(
            [neutralised(row[name]) if name != "content" else row[name] for name in COLUMNS]
        )
        count += 1
        heads[row["chain"]] = {"seq": row["seq"], "hash": row["hash"]}
        if count % CHUNK_ROWS == 0:
            yield _drained(buffer)
    trailer = _trailer(export, rows=count, heads=heads)
    writer.writerow([TRAILER_MARK, json.dumps(trailer, sort_keys=True, ensure_ascii=False)])
    yield _drained(buffer)


def _jsonl(export: Export) -> Iterator[str]:
    lines, count, heads = [], 0, {}
    for row in _rows(export):
        lines.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
        count += 1
        heads[row["chain"]] = {"seq": row["seq"], "hash": row["hash"]}
        if len(lines) == CHUNK_ROWS:
            yield "\n".join(lines) + "\n"
            lines = []
    trailer = _trailer(export, rows=count, heads=heads)
    lines.append(json.dumps({"trailer": trailer}, sort_keys=True, ensure_ascii=False))
    yield "\n".join(lines) + "\n"


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
