"""The deadline sweep: write the alert rows that are due, then deliver the e-mails that wait.

Run by ``manage.py send_deadline_alerts`` from cron, a systemd timer or ``make run``, on any
number of machines at once:

1. **Rows**, in one transaction: the open tasks of active plans (and the adopted plans not yet
   published) are read in a few queries whatever their number, the policy says who is told
   what today, the rows not yet written are written (``alerts_write``: the unique constraints
   make a row written by another sweep a no-op) and each new escalation is recorded once in
   the plan's audit chain (actor ``system:deadline-sweep``).
2. **E-mails**, from the policy's time of day: pending rows (and rows whose sending lease ran
   out) are claimed in short transactions — ``select_for_update(skip_locked=True)`` on
   PostgreSQL; on SQLite the IMMEDIATE transactions of the settings make claims take turns —
   marked *sending* with a lease measured from the claim (the sweep's ``now`` plus the time
   it has spent), committed, sent, then marked sent, or back to pending with the error, or
   failed past the retry bound (the lead is told in the app). A person's digest rows go out
   together, at most once a day (on PostgreSQL under a lock on the person). A row no longer
   due when it is composed (task closed, plan no longer active, date moved, the person no
   longer sees the plan) is dropped, not sent; a server that cannot be reached costs no
   attempt; no batch is claimed past half the lease, no message started past its lease.
"""

import contextlib
import datetime
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from time import monotonic

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import CharField, F, Q
from django.db.models.functions import Cast
from guardian.models import UserObjectPermission

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_DEADLINE_SWEEP, head_writes_deferred, payload_of
from plm_workflow.audit.services import record as audit_record
from plm_workflow.plans.models import ACTIVE_STATES, Plan, PlanStatus
from plm_workflow.plans.phases import spec_of
from plm_workflow.roles import COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME, LEAD_GROUP

from . import mail
from .alerts import Notice, WriteResult, alerts_write
from .mail import NO_ADDRESS
from .models import STAGES, Alert, AlertKind, Channel, DeliveryState, StepKind, StepTask
from .policy import (
    Patron,
    PlanPeople,
    Policy,
    TaskFacts,
    may_send,
    not_published_notices,
    policy_from_settings,
    sending_starts,
    task_notices,
    today_of,
)

logger = logging.getLogger(__name__)

NOW_NAIVE = "The sweep's moment must carry its time zone."

CLAIM_BATCH = 100  # e-mails claimed (and marked) at a time
# The advisory locks' first key on PostgreSQL ("PLMD"), the second a person's id: held by
# the transaction that claims their digest.
DIGEST_LOCK = 0x504C4D44
# The rows' transactions: short, and few audit appends each (a transaction remembers each
# plan it locked; the memo's cost grows with them).
ESCALATIONS_PER_TRANSACTION = 100
ROWS_PER_TRANSACTION = 5000
ERROR_MAX_CHARS = 2000
# Calendar days ahead within which a due date may have reached its first stage: the first
# reminder's working days, with weekends and a run of holidays (generous: a cheap filter).
_HORIZON_FACTOR, _HORIZON_EXTRA = 2, 14


@dataclass
class SweepResult:
    """What one sweep did (or, dry, would have done)."""

    now: datetime.datetime
    today: datetime.date
    dry_run: bool = False
    written: WriteResult = field(default_factory=WriteResult)
    by_kind: Counter = field(default_factory=Counter)
    escalations: int = 0
    sending: bool = False  # past the time of day e-mails go out from
    sent: int = 0  # e-mails sent (a digest counts once)
    sent_rows: int = 0
    retry: int = 0  # rows left pending after a failure, for a later sweep
    failed: int = 0  # rows given up on in this sweep
    failed_ids: list[int] = field(default_factory=list)
    waiting: int = 0  # rows pending that this sweep left (before the time, or dry)
    dropped: int = 0  # rows whose person has no address any more, or was deactivated
    stale: int = 0  # rows no longer due (task closed, plan not active, date moved, no access)
    errors: list[str] = field(default_factory=list)  # e-mails that could not be written
    rows_seconds: float = 0.0  # wall time of the rows' transaction
    mail_seconds: float = 0.0  # wall time of the delivery


def sweep(*, now: datetime.datetime, dry_run: bool = False, policy: Policy | None = None):
    """Run one sweep at ``now`` (aware); ``dry_run`` writes and sends nothing, and says what
    it would have written and how many e-mails wait."""
    if now.tzinfo is None:
        raise ValueError(NOW_NAIVE)
    policy = policy or policy_from_settings()
    result = SweepResult(now=now, today=today_of(now), dry_run=dry_run)
    start = time.perf_counter()
    if dry_run:
        with transaction.atomic():
            _write_rows(result, policy)
            transaction.set_rollback(True)
    else:
        _write_rows(result, policy)
    result.rows_seconds = time.perf_counter() - start
    result.sending = may_send(now, policy)
    if dry_run or not result.sending:
        result.waiting = _claimable(now, policy).count()
        return result
    start = time.perf_counter()
    _deliver(result, policy)
    result.mail_seconds = time.perf_counter() - start
    return result


# --- 1. The rows ------------------------------------------------------------------------------


def _horizon(today: datetime.date, policy: Policy) -> datetime.date:
    return today + datetime.timedelta(days=policy.due_soon * _HORIZON_FACTOR + _HORIZON_EXTRA)


def _open_tasks(today, policy) -> list[tuple[TaskFacts, str, int]]:
    """Return the open tasks of active plans that may have reached a stage: each with its
    phase and viewflow task id (one query)."""
    rows = StepTask.objects.filter(
        closed_at__isnull=True, plan__status__in=ACTIVE_STATES, due__lte=_horizon(today, policy)
    ).values_list(
        "pk",
        "plan_id",
        "kind",
        "due",
        "holder_id",
        "held_since",
        "opened_at",
        "phase",
        "task_id",
        "plan__comune__patron_month",
        "plan__comune__patron_day",
    )
    tasks = []
    for pk, plan, kind, due, holder, held, opened, phase, task, month, day in rows:
        facts = TaskFacts(pk, plan, kind, due, holder, held, opened, Patron(month, day))
        tasks.append((facts, phase, task))
    return tasks


def _plan_people() -> dict[int, PlanPeople]:
    """Return the coordinators and facilitators of every plan that may be told (one query)."""
    plans = (
        Plan.objects.filter(
            Q(status__in=ACTIVE_STATES)
            | Q(status=PlanStatus.ADOPTED, adoption__published_from__isnull=True)
        )
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    rows = UserObjectPermission.objects.filter(
        content_type=ContentType.objects.get_for_model(Plan),
        permission__codename__in=(COORDINATE_PLAN_CODENAME, FACILITATE_PLAN_CODENAME),
        user__is_active=True,
        object_pk__in=plans,
    ).values_list("object_pk", "permission__codename", "user_id")
    found = defaultdict(lambda: ([], []))
    for plan, codename, user in sorted(rows, key=lambda row: row[2]):
        found[int(plan)][0 if codename == COORDINATE_PLAN_CODENAME else 1].append(user)
    return {plan: PlanPeople(tuple(c), tuple(f)) for plan, (c, f) in found.items()}


def _leads() -> tuple[int, ...]:
    User = get_user_model()
    users = User.objects.filter(groups__name=LEAD_GROUP, is_active=True).order_by("pk")
    return tuple(users.values_list("pk", flat=True).distinct())


def _told_stages(today, policy) -> set[tuple[int, str, int]]:
    """Return (task, stage, person) of the stage rows already written for the tasks' current
    due dates (one query; the in-app row stands for the others)."""
    return set(
        Alert.objects.filter(
            channel=Channel.IN_APP,
            kind__in=STAGES,
            step__closed_at__isnull=True,
            step__plan__status__in=ACTIVE_STATES,
            step__due__lte=_horizon(today, policy),
            due=F("step__due"),
        ).values_list("step_id", "kind", "recipient_id")
    )


def _told_reminders() -> set[tuple[int, int, datetime.date]]:
    return set(
        Alert.objects.filter(
            channel=Channel.IN_APP,
            kind=AlertKind.NOT_PUBLISHED,
            step__isnull=True,
            event__isnull=True,
            plan__status=PlanStatus.ADOPTED,
        ).values_list("plan_id", "recipient_id", "due")
    )


def due_notices(today: datetime.date, policy: Policy) -> tuple[list[Notice], dict, set]:
    """Return the notices due today that were not told yet, the tasks by id (with phase and
    viewflow task), and the tasks whose escalation was told already."""
    tasks = _open_tasks(today, policy)
    people = _plan_people()
    leads = _leads()
    told = _told_stages(today, policy)
    notices, facts = [], {}
    for task, phase, viewflow_task in tasks:
        facts[task.step_id] = (task, phase, viewflow_task)
        for notice in task_notices(
            task,
            today,
            people=people.get(task.plan_id, PlanPeople()),
            leads=leads,
            policy=policy,
        ):
            if (notice.step_id, notice.kind, notice.recipient_id) not in told:
                notices.append(notice)
    adopted = Plan.objects.filter(
        status=PlanStatus.ADOPTED, adoption__published_from__isnull=True
    ).values_list("pk", "adoption__act_date")
    reminded = _told_reminders()
    for plan_id, act_date in adopted:
        for notice in not_published_notices(
            plan_id, act_date, today, people=people.get(plan_id, PlanPeople()), policy=policy
        ):
            if (notice.plan_id, notice.recipient_id, notice.due) not in reminded:
                notices.append(notice)
    escalated = {step for step, kind, _person in told if kind == AlertKind.ESCALATION}
    return notices, facts, escalated


def _chunks(notices: list[Notice], escalated: set) -> list[list[Notice]]:
    """Split the notices, whole plans at a time, into transactions of at most
    ``ESCALATIONS_PER_TRANSACTION`` new escalations and ``ROWS_PER_TRANSACTION`` notices:
    each transaction keeps its plans' rows and audit events together, and stays short."""
    by_plan: dict[int, list[Notice]] = {}
    for notice in notices:
        by_plan.setdefault(notice.plan_id, []).append(notice)
    chunks, current, escalations = [], [], 0
    for plan_notices in by_plan.values():
        steps = {
            n.step_id
            for n in plan_notices
            if n.kind == AlertKind.ESCALATION and n.step_id not in escalated
        }
        if current and (
            escalations + len(steps) > ESCALATIONS_PER_TRANSACTION
            or len(current) + len(plan_notices) > ROWS_PER_TRANSACTION
        ):
            chunks.append(current)
            current, escalations = [], 0
        current.extend(plan_notices)
        escalations += len(steps)
    if current:
        chunks.append(current)
    return chunks


def _write_rows(result: SweepResult, policy: Policy) -> None:
    """Write the rows due, and one audit event per new escalation, plans in batches, each
    batch in a transaction of its own (a dry run's all in the caller's, audit left out)."""
    notices, facts, escalated = due_notices(result.today, policy)
    for chunk in _chunks(notices, escalated):
        with transaction.atomic():
            written = alerts_write(chunk, now=result.now)
            result.written.add(written)
            result.by_kind.update(row.kind for row in written.rows)
            new = {}
            for row in written.rows:
                if row.kind == AlertKind.ESCALATION and row.step_id not in escalated:
                    new.setdefault(row.step_id, []).append(row.recipient_id)
            if result.dry_run:
                result.escalations += len(new)
            elif new:
                _record_escalations(new, facts, result, policy)


def _record_escalations(new: dict, facts: dict, result: SweepResult, policy: Policy) -> None:
    with head_writes_deferred():
        for step_id in sorted(new):
            task, phase, viewflow_task = facts[step_id]
            spec = spec_of(phase)
            node = spec.check_node if task.kind == StepKind.CHECK else spec.work_node
            audit_record(
                kind=EventKind.ALERT_ESCALATED,
                actor=SYSTEM_DEADLINE_SWEEP,
                plan=Plan(pk=task.plan_id),
                payload=payload_of(
                    concerns={"plan": task.plan_id, "task": viewflow_task},
                    phase=phase,
                    node=node,
                    cause={
                        "due": task.due.isoformat(),
                        "working_days_overdue": policy.escalation,
                        "told": sorted(set(new[step_id])),
                    },
                ),
            )
            result.escalations += 1


# --- 2. The e-mails ---------------------------------------------------------------------------


def _claimable(now, policy):
    """The e-mail and digest rows a sweep at ``now`` may claim: pending ones, and those whose
    sending lease ran out; a person's digest only if none went to them today."""
    free = Q(state=DeliveryState.PENDING) | Q(state=DeliveryState.SENDING, lease_until__lt=now)
    digest_today = Alert.objects.filter(channel=Channel.DIGEST).filter(
        Q(sent_at__gte=sending_starts(now, policy), state=DeliveryState.SENT)
        | Q(state=DeliveryState.SENDING, lease_until__gte=now)
    )
    return (
        Alert.objects.filter(free)
        .filter(
            Q(channel=Channel.EMAIL)
            | Q(channel=Channel.DIGEST) & ~Q(recipient_id__in=digest_today.values("recipient_id"))
        )
        .order_by("pk")
    )


class _Clock:
    """The moment of the delivery as it goes on: the sweep's ``now`` plus the time spent since
    it began (``monotonic``), so that a long sweep's leases still lie ahead of it."""

    def __init__(self, now: datetime.datetime):
        self.now = now
        self.started = monotonic()

    def elapsed(self) -> datetime.timedelta:
        return datetime.timedelta(seconds=monotonic() - self.started)

    def moment(self) -> datetime.datetime:
        return self.now + self.elapsed()


def _people_locked(people: list[int]) -> list[int]:
    """Return those of ``people`` whose digest this transaction may claim: on PostgreSQL,
    those whose advisory lock it took (another sweep claiming one's digest holds theirs: it is
    left to it, never waited for); elsewhere all (SQLite's claims take turns already)."""
    if not people or connection.vendor != "postgresql":
        return people
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT person FROM unnest(%s::integer[]) AS person "
            "WHERE pg_try_advisory_xact_lock(%s, person) ORDER BY person",
            [sorted(people), DIGEST_LOCK],
        )
        return [row[0] for row in cursor.fetchall()]


def _claim(moment, policy, lease_until, skip) -> list[int]:
    """Claim up to a batch of rows in a short transaction: e-mail rows, then whole digests
    (all of a person's claimable digest rows, under a lock on the person, so that two sweeps
    never each send one the same day); mark them sending until ``lease_until`` and commit.
    Rows in ``skip`` (failed in this sweep) wait for the next one."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    with transaction.atomic():
        rows = _claimable(moment, policy).exclude(pk__in=skip).filter(channel=Channel.EMAIL)
        if skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.values_list("pk", flat=True)[:CLAIM_BATCH])
        room = CLAIM_BATCH - len(ids)
        if room > 0:
            digests = _claimable(moment, policy).exclude(pk__in=skip).filter(channel=Channel.DIGEST)
            people = list(
                digests.order_by("recipient_id")
                .values_list("recipient_id", flat=True)
                .distinct()[:room]
            )
            people = _people_locked(people)
            if people:
                # Read again under the people's locks: a digest another sweep claimed since
                # (committed before its lock was free) is no longer claimable.
                mine = (
                    _claimable(moment, policy)
                    .exclude(pk__in=skip)
                    .filter(channel=Channel.DIGEST, recipient_id__in=people)
                )
                if skip_locked:
                    mine = mine.select_for_update()
                ids.extend(mine.values_list("pk", flat=True))
        if ids:
            Alert.objects.filter(pk__in=ids).update(
                state=DeliveryState.SENDING, lease_until=lease_until
            )
    return ids


def _error_text(error) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_CHARS]


def _deliver(result: SweepResult, policy: Policy) -> None:
    """Claim, compose and send batch after batch, while the time spent is under half the
    lease; each batch's lease runs from the moment it is claimed. A message is not started
    once its batch's lease is about to run out (another sweep may claim the rows then): those
    rows go back to pending for the next sweep."""
    clock = _Clock(result.now)
    skip: set[int] = set()
    gave_up: dict[int, int] = {}  # plan → rows given up on
    timeout = datetime.timedelta(seconds=getattr(settings, "EMAIL_TIMEOUT", None) or 0)
    margin = min(policy.lease / 2, timeout)
    while clock.elapsed() < policy.lease / 2:
        claimed_at = clock.elapsed()
        moment = result.now + claimed_at
        lease_until = moment + policy.lease
        ids = _claim(moment, policy, lease_until, skip)
        if not ids:
            break
        mine = Alert.objects.filter(state=DeliveryState.SENDING, lease_until=lease_until)
        try:
            composed = mail.compose(ids, today=result.today)
        except Exception as error:  # a bug: the whole batch goes the way of a failure
            composed = mail.Composed(broken=[(ids, error)])
        if composed.no_address:
            result.dropped += mine.filter(pk__in=composed.no_address).update(
                state=DeliveryState.FAILED, last_error=NO_ADDRESS, lease_until=None
            )
        stale = defaultdict(list)
        for pk, why in composed.stale.items():
            stale[why].append(pk)
        for why, pks in stale.items():
            result.stale += mine.filter(pk__in=pks).update(
                state=DeliveryState.FAILED, last_error=why, lease_until=None
            )
        for alert_ids, error in composed.broken:
            logger.error("Deadline alert e-mail %s could not be written", alert_ids, exc_info=error)
            result.errors.append(_error_text(error))
            _failed(alert_ids, error, result, policy, lease_until, gave_up)
            skip.update(alert_ids)
        outgoing = composed.outgoing
        if not outgoing:
            continue
        sent_ids, failures, unsent = [], [], []
        backend = get_connection(fail_silently=False)
        try:
            backend.open()
        except Exception as error:
            # The server is down or unreachable: no message's fault. The rows wait for the
            # next sweep with the error, their attempts untouched (the bound counts refusals).
            _released([pk for m in outgoing for pk in m.alert_ids], error, result, lease_until)
            break
        try:
            for index, message in enumerate(outgoing):
                if clock.elapsed() - claimed_at + margin >= policy.lease:
                    unsent = outgoing[index:]  # the lease is about to run out: not started
                    break
                message.email.connection = backend
                try:
                    message.email.send()
                except Exception as error:
                    failures.append((message.alert_ids, error))
                else:
                    sent_ids.extend(message.alert_ids)
                    result.sent += 1
        finally:
            with contextlib.suppress(Exception):  # closing a broken connection may fail
                backend.close()
        if sent_ids:
            result.sent_rows += mine.filter(pk__in=sent_ids).update(
                state=DeliveryState.SENT, sent_at=result.now, lease_until=None, last_error=""
            )
        for alert_ids, error in failures:
            _failed(alert_ids, error, result, policy, lease_until, gave_up)
            skip.update(alert_ids)
        if unsent:
            _released([pk for m in unsent for pk in m.alert_ids], None, result, lease_until)
            break
        if failures and not sent_ids:
            break  # nothing went through: the server is down, the rest waits for the next sweep
    if gave_up:
        _tell_leads(gave_up, result)


def _released(alert_ids, error, result, lease_until) -> None:
    """Put claimed rows back to pending for the next sweep, attempts untouched (with the
    error that stopped them, if one did)."""
    changes = {"state": DeliveryState.PENDING, "lease_until": None}
    if error is not None:
        changes["last_error"] = _error_text(error)
        logger.warning("Deadline alert e-mails not sent: %s", changes["last_error"])
    result.retry += Alert.objects.filter(
        pk__in=alert_ids, state=DeliveryState.SENDING, lease_until=lease_until
    ).update(**changes)


def _failed(alert_ids, error, result, policy, lease_until, gave_up) -> None:
    """Put the rows back to pending with the error, or give up on them past the bound."""
    text = _error_text(error)
    logger.warning("Deadline alert e-mail %s not sent: %s", alert_ids, text)
    with transaction.atomic():
        rows = list(
            Alert.objects.select_for_update()
            .filter(pk__in=alert_ids, state=DeliveryState.SENDING, lease_until=lease_until)
            .values_list("pk", "attempts", "plan_id")
        )
        for pk, attempts, plan_id in rows:
            attempts += 1
            final = attempts >= policy.max_attempts
            Alert.objects.filter(pk=pk).update(
                state=DeliveryState.FAILED if final else DeliveryState.PENDING,
                attempts=attempts,
                last_error=text,
                lease_until=None,
            )
            if final:
                result.failed += 1
                result.failed_ids.append(pk)
                gave_up[plan_id] = gave_up.get(plan_id, 0) + 1
            else:
                result.retry += 1


def _tell_leads(gave_up: dict[int, int], result: SweepResult) -> None:
    """Tell the leads, in the app, of the plans whose e-mails were given up on today."""
    leads = _leads()
    notices = [
        Notice(plan_id=plan, kind=AlertKind.DELIVERY_FAILED, recipient_id=lead, due=result.today)
        for plan in sorted(gave_up)
        for lead in leads
    ]
    with transaction.atomic():
        alerts_write(notices, now=result.now, in_app_only=True)
