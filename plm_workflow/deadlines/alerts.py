"""The one writer of alert rows: a notice becomes its in-app row and its e-mail or digest row.

Whoever decides that a person must be told something (the deadline sweep, the services of the
flow's events) builds ``Notice`` values and hands them to ``alerts_write``. The writer reads the
recipients in one query, then inserts every row it owes in a few multi-row statements that skip
the rows that exist already (the alert's unique constraints): two sweeps running at once, on one
machine or several, never write a row twice, and each learns exactly which rows it wrote.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from plm_workflow.profiles.models import Notifications

from .models import Alert, AlertKind, Channel, DeliveryState

ERROR_NOTICE_TASK_AND_EVENT = "A notice concerns a task or an event, not both."
ERROR_NOTICE_KIND = "Unknown alert kind: {kind!r}."
ERROR_NOTICE_REMINDER_DUE = "A plan reminder needs its due date (it keys the reminder)."

# Rows per INSERT statement: 14 parameters each, well under SQLite's and PostgreSQL's limits.
_INSERT_BATCH = 500
# Recipients per read: under SQLite's limit of parameters of one statement.
_READ_BATCH = 900

_KINDS = frozenset(AlertKind.values)
_NO_DATE = datetime.date.min
_COLUMNS = (
    "plan",
    "step",
    "event",
    "kind",
    "recipient",
    "channel",
    "due",
    "created_at",
    "read_at",
    "state",
    "attempts",
    "lease_until",
    "last_error",
    "sent_at",
)


@dataclass(frozen=True)
class Notice:
    """One thing to tell one person: about a task (``step_id``), an event (``event_id``), or
    the plan itself (neither; then ``due`` keys the reminder)."""

    plan_id: int
    kind: str
    recipient_id: int
    step_id: int | None = None
    event_id: int | None = None
    due: datetime.date | None = None

    def __post_init__(self):
        if self.kind not in _KINDS:
            raise ValueError(ERROR_NOTICE_KIND.format(kind=self.kind))
        if self.step_id is not None and self.event_id is not None:
            raise ValueError(ERROR_NOTICE_TASK_AND_EVENT)
        if self.step_id is None and self.event_id is None and self.due is None:
            raise ValueError(ERROR_NOTICE_REMINDER_DUE)


@dataclass(frozen=True)
class Written:
    """One row this call wrote (rows that existed already are not listed)."""

    id: int
    plan_id: int
    step_id: int | None
    event_id: int | None
    kind: str
    recipient_id: int
    channel: str
    due: datetime.date | None


@dataclass
class WriteResult:
    """What one call wrote: rows per channel, and the people told in the app only because
    they want e-mails but have no address."""

    in_app: int = 0
    email: int = 0
    digest: int = 0
    without_address: int = 0
    rows: list[Written] = field(default_factory=list)

    def add(self, other: "WriteResult") -> None:
        self.in_app += other.in_app
        self.email += other.email
        self.digest += other.digest
        self.without_address += other.without_address
        self.rows.extend(other.rows)


def _recipients(ids) -> dict[int, tuple[str, bool, str]]:
    """Return {user id: (e-mail, active, notification choice)} in one query per 900 people."""
    User = get_user_model()
    found = {}
    ids = sorted(ids)
    for start in range(0, len(ids), _READ_BATCH):
        rows = User.objects.filter(pk__in=ids[start : start + _READ_BATCH]).values_list(
            "pk", "email", "is_active", "profile__notifications"
        )
        for pk, email, active, choice in rows:
            found[pk] = ((email or "").strip(), active, choice or Notifications.EMAIL)
    return found


def _preparer():
    """Return a function giving a row's values as the database takes them (in the order of
    ``_COLUMNS``): dates and times adapted once per distinct value, choices as plain text."""
    ops = connection.ops
    days, moments = {}, {}

    def day(value):
        if value is None:
            return None
        if value not in days:
            days[value] = ops.adapt_datefield_value(value)
        return days[value]

    def moment(value):
        if value is None:
            return None
        if value not in moments:
            moments[value] = ops.adapt_datetimefield_value(value)
        return moments[value]

    def prepare(row):
        plan, step, event, kind, recipient, channel, due, created, read, state, attempts = row[:11]
        lease, error, sent = row[11:]
        return (
            plan,
            step,
            event,
            str(kind),
            recipient,
            str(channel),
            day(due),
            moment(created),
            moment(read),
            str(state),
            attempts,
            moment(lease),
            error,
            moment(sent),
        )

    return prepare


def _insert(rows: list[tuple]) -> list[Written]:
    """Insert the rows, skipping those a unique constraint already holds; return those written.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite ≥ 3.35): a row another
    transaction is writing at the same moment waits for it, then is skipped, so exactly one
    writer reports each row.
    """
    opts = Alert._meta
    quote = connection.ops.quote_name
    fields = [opts.get_field(name) for name in _COLUMNS]
    columns = ", ".join(quote(f.column) for f in fields)
    returned = ", ".join(
        quote(opts.get_field(name).column)
        for name in ("id", "plan", "step", "event", "kind", "recipient", "channel", "due")
    )
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    prepare = _preparer()
    due_field = opts.get_field("due")
    written = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _INSERT_BATCH):
            batch = rows[start : start + _INSERT_BATCH]
            params = []
            for row in batch:
                params.extend(prepare(row))
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "
                + ", ".join([placeholder] * len(batch))
                + f" ON CONFLICT DO NOTHING RETURNING {returned}",
                params,
            )
            for pk, plan, step, event, kind, recipient, channel, due in cursor.fetchall():
                if due is not None and not isinstance(due, datetime.date):
                    due = due_field.to_python(due)
                written.append(Written(pk, plan, step, event, kind, recipient, channel, due))
    return written


def alerts_write(
    notices: Iterable[Notice], *, now: datetime.datetime, in_app_only: bool = False
) -> WriteResult:
    """Write each notice's in-app row (shown at once) and, as its recipient chose, its e-mail
    or digest row (pending until a sweep delivers it); skip what exists and inactive people.

    People who want e-mails but have no address get the in-app row only, and are counted.
    ``in_app_only`` writes no e-mail row for anyone (what is told of e-mails that failed).
    Runs in the caller's transaction (a savepoint of it), in one read of the recipients and
    one insert per 500 rows, whatever the number of notices.
    """
    notices = sorted(
        set(notices),
        key=lambda n: (
            n.plan_id,
            n.step_id or 0,
            n.event_id or 0,
            n.kind,
            n.recipient_id,
            n.due or _NO_DATE,
        ),
    )
    result = WriteResult()
    if not notices:
        return result
    people = _recipients({n.recipient_id for n in notices})
    rows = []
    without_address = set()
    for n in notices:
        person = people.get(n.recipient_id)
        if person is None or not person[1]:
            continue  # gone or deactivated: told nothing
        email, _active, choice = person
        key = (n.plan_id, n.step_id, n.event_id, n.kind, n.recipient_id)
        rows.append((*key, Channel.IN_APP, n.due, now, None, DeliveryState.SENT, 0, None, "", now))
        if choice == Notifications.IN_APP or in_app_only:
            continue
        if not email:
            without_address.add(n.recipient_id)
            continue
        channel = Channel.DIGEST if choice == Notifications.DIGEST else Channel.EMAIL
        rows.append((*key, channel, n.due, now, None, DeliveryState.PENDING, 0, None, "", None))
    if not rows:
        return result
    # ON CONFLICT DO NOTHING raises nothing on the alert keys: no savepoint is needed (two
    # queries less on every click that tells someone), the caller's transaction holds them.
    with transaction.atomic(savepoint=False):
        result.rows = _insert(rows)
    told = {r.recipient_id for r in result.rows if r.channel == Channel.IN_APP}
    result.without_address = len(without_address & told)
    for row in result.rows:
        if row.channel == Channel.IN_APP:
            result.in_app += 1
        elif row.channel == Channel.EMAIL:
            result.email += 1
        else:
            result.digest += 1
    return result
