"""Writes of the plans domain. Each service is atomic and validates before it saves."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, can_proceed
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR, changes, payload_of, record
from plm_workflow.db import joined, lock_value
from plm_workflow.limits import reason_too_long

from . import permissions, phases
from .errors import PlanError
from .models import (
    RETURN_WITHOUT_COMMENTS,
    Comune,
    Measure,
    Plan,
    Review,
    ReviewComment,
    ReviewDecision,
    SectionKey,
)
from .registry import RegistryRow

REGISTRY_CHANGE_REASON = "ISTAT registry import"
_REGISTRY_FIELDS = ("name", "province_code", "region", "suppressed")
_BATCH_SIZE = 500


@dataclass(frozen=True)
class RegistryImportResult:
    created: int
    updated: int
    unchanged: int
    suppressed: int


def comuni_import(
    *,
    rows: Iterable[RegistryRow],
    progress: Callable[[int, int], None] | None = None,
) -> RegistryImportResult:
    """Bring the comuni in line with the registry rows, all or nothing.

    New codes are created, changed ones updated, and comuni missing from the rows marked
    suppressed (never deleted: plans refer to them). Field history is kept for every write.
    ``progress(done, total)`` is called as the writes advance.
    """
    rows = list(rows)
    with transaction.atomic():
        existing = {comune.istat_code: comune for comune in Comune.objects.select_for_update()}
        to_create: list[Comune] = []
        to_update: list[Comune] = []
        for row in rows:
            comune = existing.get(row.istat_code)
            if comune is None:
                comune = Comune(
                    istat_code=row.istat_code,
                    name=row.name,
                    province_code=row.province_code,
                    region=row.region,
                )
                comune.full_clean(validate_unique=False, validate_constraints=False)
                to_create.append(comune)
            elif _apply(comune, row):
                comune.full_clean(validate_unique=False, validate_constraints=False)
                to_update.append(comune)

        listed = {row.istat_code for row in rows}
        newly_suppressed = [
            comune
            for code, comune in existing.items()
            if code not in listed and not comune.suppressed
        ]
        for comune in newly_suppressed:
            comune.suppressed = True

        total = len(to_create) + len(to_update) + len(newly_suppressed)
        done = 0
        for start in range(0, len(to_create), _BATCH_SIZE):
            batch = to_create[start : start + _BATCH_SIZE]
            bulk_create_with_history(
                batch, Comune, batch_size=_BATCH_SIZE, default_change_reason=REGISTRY_CHANGE_REASON
            )
            done += len(batch)
            if progress:
                progress(done, total)
        changed = to_update + newly_suppressed
        for start in range(0, len(changed), _BATCH_SIZE):
            batch = changed[start : start + _BATCH_SIZE]
            bulk_update_with_history(
                batch,
                Comune,
                fields=list(_REGISTRY_FIELDS),
                batch_size=_BATCH_SIZE,
                default_change_reason=REGISTRY_CHANGE_REASON,
            )
            done += len(batch)
            if progress:
                progress(done, total)
        result = RegistryImportResult(
            created=len(to_create),
            updated=len(to_update),
            unchanged=len(rows) - len(to_create) - len(to_update),
            suppressed=len(newly_suppressed),
        )
        if total:
            record(
                kind=EventKind.REGISTRY_IMPORTED,
                actor=SYSTEM_OPERATOR,
                payload=payload_of(
                    children={
                        "comune": {
                            # New comuni by count (a first import adds thousands), the others
                            # by ISTAT code.
                            "added": result.created,
                            "changed": sorted(comune.istat_code for comune in to_update),
                            "suppressed": sorted(comune.istat_code for comune in newly_suppressed),
                        }
                    }
                ),
            )
    return result


def _apply(comune: Comune, row: RegistryRow) -> bool:
    """Copy the row onto the comune; return True if anything changed."""
    wanted = {
        "name": row.name,
        "province_code": row.province_code,
        "region": row.region,
        "suppressed": False,
    }
    changed = False
    for field, value in wanted.items():
        if getattr(comune, field) != value:
            setattr(comune, field, value)
            changed = True
    return changed


# --- Plans and their lifecycle ------------------------------------------------------------------

NOT_FROM_STATE = _("This cannot be done while the plan is in the state “%(status)s”.")
CONCURRENT_CHANGE = _(
    "Someone else changed this plan in the meantime: reload the page and try again."
)


def plan_fields(plan: Plan) -> dict:
    """Return the plan's recorded fields, as events show them."""
    return {
        "comune": plan.comune.istat_code,
        "title": plan.title,
        "status": plan.status,
        "adhesion_act_number": plan.adhesion_act_number,
        "adhesion_act_date": plan.adhesion_act_date,
        "suspended_from": plan.suspended_from,
        "suspended_at": plan.suspended_at,
        "suspension_reason": plan.suspension_reason,
        "withdrawn_at": plan.withdrawn_at,
        "withdrawal_reason": plan.withdrawal_reason,
    }


def _transition(
    *, plan: Plan, by, method, inputs: dict, stored: str | None = None, **method_kwargs
) -> Plan:
    """Run one lifecycle transition: permission, checks, transition, validation, save.

    ``method`` is the ``Plan`` transition (e.g. ``Plan.approve``); ``inputs`` are what the
    person gave (``comments`` or ``reason``), checked and recorded. ``stored`` is the status
    a caller has just read under the plan's lock, if it has.
    """
    name = method.__name__
    meta = method._django_fsm
    # Every source of a transition shares its permission: ask it before anything else, so
    # that an unauthorised user learns nothing about the plan.
    if not next(iter(meta.transitions.values())).has_perm(plan, by):
        raise PlanError.not_allowed()
    bound = getattr(plan, name)
    if not can_proceed(bound):
        raise PlanError([NOT_FROM_STATE % {"status": plan.get_status_display()}])
    inputs = {key: str(value).strip() for key, value in inputs.items()}
    text = " ".join(value for value in inputs.values() if value)
    try:
        # Joins a caller's transaction without a savepoint: every refusal comes before the
        # first write.
        with joined():
            # Lock the plan so the checks read data nobody changes before the save; a copy
            # whose status is no longer the stored one is refused before anything is written.
            if stored is None:
                stored = _lock_status(plan)
            if stored != plan.status:
                raise ConcurrentTransition("The plan's status changed since it was read")
            messages = phases.failing_messages(plan, name, **inputs)
            if messages:
                raise PlanError(messages)
            before = plan_fields(plan)
            bound(**method_kwargs)
            # The status is protected (the FSM guards it); the comune never changes here.
            plan.full_clean(exclude=["status", "comune"])
            plan._history_user = by
            plan._change_reason = f"{name}: {text}" if text else name
            plan.save()
            record(
                kind=EventKind.PLAN_TRANSITION,
                actor=by,
                plan=plan,
                payload=payload_of(
                    concerns={"plan": plan.pk},
                    changes=changes(before, plan_fields(plan)),
                    reason=inputs.get("reason") or None,
                    comments=inputs.get("comments") or None,
                ),
            )
    except ConcurrentTransition:
        plan.refresh_from_db()
        raise PlanError([CONCURRENT_CHANGE]) from None
    except BaseException:
        plan.refresh_from_db()
        raise
    return plan


def plan_complete_assessment(*, plan: Plan, by) -> Plan:
    """Close the needs assessment (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, method=Plan.complete_assessment, inputs={})


def plan_complete_tables(*, plan: Plan, by) -> Plan:
    """Close the stakeholder tables (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, method=Plan.complete_tables, inputs={})


def plan_submit_for_review(*, plan: Plan, by) -> Plan:
    """Submit the draft for review (a coordinator of the plan)."""
    return _transition(plan=plan, by=by, method=Plan.submit_for_review, inputs={})


def plan_request_changes(*, plan: Plan, by, comments: str) -> Plan:
    """Send the draft back with comments (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, method=Plan.request_changes, inputs={"comments": comments})


def plan_approve(*, plan: Plan, by, comments: str = "") -> Plan:
    """Approve the draft for adoption (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, method=Plan.approve, inputs={"comments": comments})


def plan_adopt(*, plan: Plan, by) -> Plan:
    """Confirm the adoption (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, method=Plan.adopt, inputs={})


def plan_suspend(*, plan: Plan, by, reason: str) -> Plan:
    """Pause an active plan (the lead or a facilitator of the plan)."""
    return _transition(
        plan=plan,
        by=by,
        method=Plan.suspend,
        inputs={"reason": reason},
        reason=reason.strip(),
        at=timezone.now(),
    )


def plan_resume(*, plan: Plan, by, reason: str) -> Plan:
    """Return a suspended plan to the state it left (the lead or a facilitator of the plan)."""
    return _transition(plan=plan, by=by, method=Plan.resume, inputs={"reason": reason})


def plan_withdraw(*, plan: Plan, by, reason: str) -> Plan:
    """End a plan without adoption (the lead only)."""
    return _transition(
        plan=plan,
        by=by,
        method=Plan.withdraw,
        inputs={"reason": reason},
        reason=reason.strip(),
        at=timezone.now(),
    )


def _run(transition, *, plan: Plan, by, comments: str = "", stored: str | None = None) -> Plan:
    """Run a phase's transition (from the registry), with the comments if it takes them."""
    inputs = {"comments": comments} if transition in phases.TAKES_COMMENTS else {}
    return _transition(plan=plan, by=by, method=transition, inputs=inputs, stored=stored)


def _lock_status(plan: Plan) -> str:
    """Lock the plan's row and return its stored status."""
    return lock_value(Plan, plan.pk, "status")


class StaleEdit(PlanError):
    """A save from a page that is out of date: someone else changed the data since."""


def last_saved(latest) -> dict:
    """Return who saved a history row and when, as a stale-edit refusal names them."""
    if latest is None:
        return {"user": "—", "when": "—"}
    who = latest.history_user
    return {
        "user": (who.get_full_name() or who.get_username()) if who else "—",
        "when": date_format(timezone.localtime(latest.history_date), "SHORT_DATETIME_FORMAT"),
    }


def phase_work_submit(*, plan: Plan, phase: str, by) -> Plan:
    """Hand the phase's work to the facilitators (a coordinator of the plan).

    The phase's own service has saved its data, in the same transaction. The checks of the
    transition that will close the phase must pass now, so that nobody hands over work that
    cannot be approved; a phase whose submission is a transition (the draft goes to review)
    runs it.
    All or nothing: a refusal keeps the data as it was.
    """
    if not permissions.can_coordinate(plan, by):
        raise PlanError.not_allowed()
    spec = phases.spec_of(phase)
    with transaction.atomic():
        if spec.submit is not None:
            return _run(spec.submit, plan=plan, by=by)
        messages = phases.failing_messages(plan, spec.closing.__name__)
        if messages:
            raise PlanError(messages)
    return plan


# --- Reviews: the facilitators' decisions on each phase ---------------------------------------

ITEM_UNKNOWN = _("A commented section or measure was not found on this plan: reload the page.")


def _item_comments(plan: Plan, given: list[dict]) -> list[ReviewComment]:
    """Return the unsaved comments on the draft's items (empty texts left out); refuse a
    section or measure that is not the plan's, or a text over the limit."""
    wanted = [entry for entry in given if (entry.get("text") or "").strip()]
    measure_ids = {entry["measure"] for entry in wanted if entry.get("measure") is not None}
    measures = Measure.objects.filter(plan=plan).in_bulk(measure_ids) if measure_ids else {}
    found = []
    for entry in wanted:
        text = entry["text"].replace("\r\n", "\n").strip()
        too_long = reason_too_long(text)
        if too_long:
            raise PlanError([too_long])
        if entry.get("measure") is not None:
            measure = measures.get(entry["measure"])
            if measure is None:
                raise PlanError([ITEM_UNKNOWN])
            found.append(ReviewComment(measure=measure, subject=measure.title[:200], text=text))
        elif entry.get("section") in SectionKey.values:
            key = entry["section"]
            found.append(ReviewComment(section=key, subject=str(SectionKey(key).label), text=text))
        else:
            raise PlanError([ITEM_UNKNOWN])
    return found


NOT_UNDER_REVIEW = _("The %(phase)s phase is not waiting for a decision now.")


def review_decide(
    *,
    plan: Plan,
    phase: str,
    decision: str,
    comments: str = "",
    by,
    item_comments: list[dict] | None = None,
) -> Review:
    """Record a facilitator's decision on a phase and move the plan as it says.

    An approval runs the phase's transition (with its named checks); a return needs
    comments and leaves the plan in its state, unless the phase has a return transition
    (the draft goes back to drafting). ``item_comments`` are optional comments on one
    section (``{"section": key, "text": …}``) or measure (``{"measure": id, "text": …}``)
    of the draft each, shown beside it. Decision, comments and transition are saved together
    or not at all.
    """
    if not permissions.can_facilitate(plan, by):
        raise PlanError.not_allowed()
    spec, decision = phases.spec_of(phase), ReviewDecision(decision)
    comments = comments.strip()
    # Joins a caller's transaction without a savepoint: every refusal comes before the first
    # write (the review is validated before the transition runs).
    with joined():
        # Under the plan's lock: one decision at a time, rounds counted without gaps.
        stored = _lock_status(plan)
        if stored != spec.check_status:
            raise PlanError([NOT_UNDER_REVIEW % {"phase": spec.label}])
        if decision != ReviewDecision.APPROVED and not comments:
            raise PlanError([RETURN_WITHOUT_COMMENTS])
        too_long = reason_too_long(comments)
        if too_long:
            raise PlanError([too_long])
        items = _item_comments(plan, item_comments or [])
        review = Review(
            plan=plan,
            phase=spec.phase,
            round=Review.objects.filter(plan=plan, phase=spec.phase).count() + 1,
            decision=decision,
            comments=comments,
            reviewer=by,
        )
        # The plan is locked and the reviewer is the person acting: no lookups for them. The
        # constraints are this service's own rules (comments on a return, just above; the
        # round counted under the plan's lock), and the database enforces them as well.
        review.full_clean(
            exclude=["plan", "reviewer"], validate_unique=False, validate_constraints=False
        )
        if decision == ReviewDecision.APPROVED:
            _run(spec.approve, plan=plan, by=by, comments=comments, stored=stored)
        elif spec.send_back is not None:
            _run(spec.send_back, plan=plan, by=by, comments=comments, stored=stored)
        review._history_user = by
        review._change_reason = f"review: {decision}"
        review.save()
        for item in items:
            item.review = review
            item._history_user = by
            item._change_reason = "review: comment"
            item.save()
        record(
            kind=EventKind.REVIEW_DECIDED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk, "review": review.pk},
                phase=spec.phase,
                node=spec.check_node,
                changes={"decision": [None, str(decision)], "round": [None, review.round]},
                children=(
                    {
                        "review_comment": {
                            "added": [
                                {
                                    "id": item.pk,
                                    "section": item.section,
                                    "measure_id": item.measure_id,
                                    "text": item.text,
                                }
                                for item in items
                            ]
                        }
                    }
                    if items
                    else None
                ),
                comments=comments or None,
            ),
        )
    return review
