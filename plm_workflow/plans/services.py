"""Writes of the plans domain. Each service is atomic and validates before it saves."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition, can_proceed
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from plm_workflow.accounts.models import Membership, Role
from plm_workflow.accounts.services import membership_grant, plan_permissions_derive
from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR, changes, record
from plm_workflow.db import lock_row
from plm_workflow.deadlines.services import (
    dates_off_non_working_days,
    schedule_defaults,
    schedule_problems,
    schedule_set,
)

from . import checks, permissions
from .documents import document_store
from .errors import PlanError
from .models import (
    NON_FINAL_STATES,
    ONE_OPEN_PLAN_PER_COMUNE,
    PHASE_STATUS,
    RETURN_WITHOUT_COMMENTS,
    REVIEW_STATUS,
    Comune,
    DocumentKind,
    Phase,
    PhaseNote,
    Plan,
    Review,
    ReviewDecision,
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
                payload={
                    "created": result.created,
                    "updated": result.updated,
                    "suppressed": result.suppressed,
                    "updated_codes": sorted(comune.istat_code for comune in to_update),
                    "suppressed_codes": sorted(comune.istat_code for comune in newly_suppressed),
                },
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

LAUNCH_NOT_ALLOWED = _("Only the lead facilitator can launch a plan.")
NOT_FROM_STATE = _("This cannot be done while the plan is in the state “%(status)s”.")
CONCURRENT_CHANGE = _(
    "Someone else changed this plan in the meantime: reload the page and try again."
)
COMUNE_SUPPRESSED = _("%(comune)s is no longer in the ISTAT registry.")
TITLE_MISSING = _("Give the title of the plan's cycle.")
ACT_NUMBER_MISSING = _("Give the number of the adhesion act.")
ACT_DATE_MISSING = _("Give the date of the adhesion act.")
ACT_DATE_IN_FUTURE = _("The adhesion act cannot be dated in the future.")
NO_COORDINATOR = _("Name at least one coordinator of the comune.")
NO_FACILITATOR = _("Name at least one facilitator of the comune.")
PERSON_INACTIVE = _("%(user)s is deactivated and cannot be named.")
BOTH_ROLES = _("%(user)s cannot be both coordinator and facilitator of the same comune.")
PHASE_NOT_OPEN = _("The %(phase)s phase is not open: its note cannot be changed now.")


def plan_launch(
    *,
    comune: Comune,
    title: str,
    adhesion_act_number: str,
    adhesion_act_date: date | None,
    coordinators: Iterable = (),
    facilitators: Iterable = (),
    schedule: dict | None = None,
    adhesion_act_file=None,
    by,
) -> Plan:
    """Start a comune's plan in needs assessment, with its people and schedule (lead only).

    The people named become members of the comune; every current member of the comune gets
    the object permissions of their role on the new plan. ``schedule`` maps each phase to its
    date (the settings' defaults when None); dates are moved off non-working days.
    """

    if not permissions.is_lead(by):
        raise PlanError([LAUNCH_NOT_ALLOWED], forbidden=True)
    coordinators = list(dict.fromkeys(coordinators))
    facilitators = list(dict.fromkeys(facilitators))
    with transaction.atomic():
        # Lock the comune: launches, grants and revocations on one comune take turns, so no
        # permission is derived from a membership revoked meanwhile and no second plan slips in.
        comune = Comune.objects.select_for_update().get(pk=comune.pk)
        held = set(
            Membership.objects.filter(comune=comune, revoked_at__isnull=True).values_list(
                "user_id", "role"
            )
        )
        _launch_check(
            comune=comune,
            title=title,
            adhesion_act_number=adhesion_act_number,
            adhesion_act_date=adhesion_act_date,
            coordinators=coordinators,
            facilitators=facilitators,
            held=held,
            schedule_problems=schedule_problems(schedule) if schedule is not None else [],
        )
        plan = Plan(
            comune=comune,
            title=title.strip(),
            adhesion_act_number=adhesion_act_number.strip(),
            adhesion_act_date=adhesion_act_date,
        )
        plan.full_clean(exclude=["status"])  # protected: the FSM guards it
        plan._history_user = by
        plan._change_reason = "launch"
        plan.save()
        record(
            kind=EventKind.PLAN_LAUNCHED,
            actor=by,
            plan=plan,
            payload={"changes": changes({}, _plan_fields(plan))},
        )
        for role, people in ((Role.COORDINATOR, coordinators), (Role.FACILITATOR, facilitators)):
            for user in people:
                if (user.pk, role) not in held:
                    membership_grant(user=user, comune=comune, role=role, by=by)
        plan_permissions_derive(plan=plan)
        schedule_set(plan=plan, schedule=schedule or schedule_defaults(), by=by)
        if adhesion_act_file is not None:
            document_store(
                plan=plan, kind=DocumentKind.ADHESION_ACT, upload=adhesion_act_file, by=by
            )
    return plan


PATRON_DAY_NOT_ALLOWED = _("Only the lead facilitator can set a comune's patron day.")
PATRON_DAY_UNCHANGED = _("That is already the patron day: nothing was changed.")


def comune_patron_day_set(*, comune: Comune, day: int | None, month: int | None, by) -> Comune:
    """Set (or clear, with None) the comune's patron day: the lead only, recorded."""
    if not permissions.is_lead(by):
        raise PlanError([PATRON_DAY_NOT_ALLOWED], forbidden=True)
    with transaction.atomic():
        comune = Comune.objects.select_for_update().get(pk=comune.pk)
        old = _patron_text(comune.patron_day, comune.patron_month)
        if (comune.patron_day, comune.patron_month) == (day, month):
            raise PlanError([PATRON_DAY_UNCHANGED])
        comune.patron_day, comune.patron_month = day, month
        try:
            comune.full_clean()
        except ValidationError as error:
            raise PlanError(error.messages) from None
        comune._history_user = by
        comune._change_reason = "patron day"
        comune.save(update_fields=["patron_day", "patron_month"])
        dates_off_non_working_days(comune=comune, by=by, reason="patron day")
        record(
            kind=EventKind.PATRON_DAY_SET,
            actor=by,
            payload={
                "comune": comune.istat_code,
                "changes": {"patron_day": [old, _patron_text(day, month)]},
            },
        )
    return comune


def _patron_text(day, month) -> str | None:
    return f"{day:02d}/{month:02d}" if day and month else None


def _launch_check(
    *,
    comune,
    title,
    adhesion_act_number,
    adhesion_act_date,
    coordinators,
    facilitators,
    held,
    schedule_problems,
) -> None:
    """Raise PlanError with every reason the launch cannot go ahead.

    ``held`` is the set of (user id, role) of the comune's current members.
    """
    messages = []
    if comune.suppressed:
        messages.append(COMUNE_SUPPRESSED % {"comune": comune.label})
    if Plan.objects.filter(comune=comune, status__in=NON_FINAL_STATES).exists():
        messages.append(str(ONE_OPEN_PLAN_PER_COMUNE))
    if not title.strip():
        messages.append(TITLE_MISSING)
    if not adhesion_act_number.strip():
        messages.append(ACT_NUMBER_MISSING)
    if adhesion_act_date is None:
        messages.append(ACT_DATE_MISSING)
    elif adhesion_act_date > timezone.localdate():
        messages.append(ACT_DATE_IN_FUTURE)
    for user in [*coordinators, *facilitators]:
        if not user.is_active:
            messages.append(PERSON_INACTIVE % {"user": user.get_username()})
    for user in coordinators:
        if user in facilitators or (user.pk, Role.FACILITATOR) in held:
            messages.append(BOTH_ROLES % {"user": user.get_username()})
    for user in facilitators:
        if (user.pk, Role.COORDINATOR) in held:
            messages.append(BOTH_ROLES % {"user": user.get_username()})
    if not coordinators and not any(role == Role.COORDINATOR for _user, role in held):
        messages.append(NO_COORDINATOR)
    if not facilitators and not any(role == Role.FACILITATOR for _user, role in held):
        messages.append(NO_FACILITATOR)
    messages.extend(schedule_problems)
    if messages:
        raise PlanError(messages)


def _plan_fields(plan: Plan) -> dict:
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


def _transition(*, plan: Plan, by, name: str, inputs: dict, **method_kwargs) -> Plan:
    """Run one lifecycle transition: permission, checks, transition, validation, save."""
    meta = getattr(type(plan), name)._django_fsm
    # Every source of a transition shares its permission: ask it before anything else, so
    # that an unauthorised user learns nothing about the plan.
    if not next(iter(meta.transitions.values())).has_perm(plan, by):
        raise PlanError.not_allowed()
    method = getattr(plan, name)
    if not can_proceed(method):
        raise PlanError([NOT_FROM_STATE % {"status": plan.get_status_display()}])
    text = " ".join(str(value).strip() for value in inputs.values() if str(value).strip())
    try:
        with transaction.atomic():
            # Lock the plan so the checks read data nobody changes before the save.
            lock_row(Plan, plan.pk)
            messages = checks.failing_messages(plan, name, **inputs)
            if messages:
                raise PlanError(messages)
            before = _plan_fields(plan)
            method(**method_kwargs)
            plan.full_clean(exclude=["status"])  # protected: the FSM guards it
            plan._history_user = by
            plan._change_reason = f"{name}: {text}" if text else name
            plan.save()
            record(
                kind=EventKind.PLAN_TRANSITION,
                actor=by,
                plan=plan,
                payload={
                    "transition": name,
                    "changes": changes(before, _plan_fields(plan)),
                    **{key: str(value).strip() for key, value in inputs.items()},
                },
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
    return _transition(plan=plan, by=by, name="complete_assessment", inputs={})


def plan_complete_tables(*, plan: Plan, by) -> Plan:
    """Close the stakeholder tables (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, name="complete_tables", inputs={})


def plan_submit_for_review(*, plan: Plan, by) -> Plan:
    """Submit the draft for review (a coordinator of the plan)."""
    return _transition(plan=plan, by=by, name="submit_for_review", inputs={})


def plan_request_changes(*, plan: Plan, by, comments: str) -> Plan:
    """Send the draft back with comments (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, name="request_changes", inputs={"comments": comments})


def plan_approve(*, plan: Plan, by, comments: str = "") -> Plan:
    """Approve the draft for adoption (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, name="approve", inputs={"comments": comments})


def plan_adopt(*, plan: Plan, by) -> Plan:
    """Confirm the adoption (a facilitator of the plan)."""
    return _transition(plan=plan, by=by, name="adopt", inputs={})


def plan_suspend(*, plan: Plan, by, reason: str) -> Plan:
    """Pause an active plan (the lead or a facilitator of the plan)."""
    return _transition(
        plan=plan,
        by=by,
        name="suspend",
        inputs={"reason": reason},
        reason=reason.strip(),
        at=timezone.now(),
    )


def plan_resume(*, plan: Plan, by, reason: str) -> Plan:
    """Return a suspended plan to the state it left (the lead or a facilitator of the plan)."""
    return _transition(plan=plan, by=by, name="resume", inputs={"reason": reason})


def plan_withdraw(*, plan: Plan, by, reason: str) -> Plan:
    """End a plan without adoption (the lead only)."""
    return _transition(
        plan=plan,
        by=by,
        name="withdraw",
        inputs={"reason": reason},
        reason=reason.strip(),
        at=timezone.now(),
    )


def phase_note_save(*, plan: Plan, phase: str, text: str, by) -> PhaseNote:
    """Write a phase's note (a coordinator of the plan, while the phase is open)."""
    if not permissions.can_coordinate(plan, by):
        raise PlanError.not_allowed()
    phase = Phase(phase)
    with transaction.atomic():
        # Read the status under lock: a phase closed meanwhile takes no more notes.
        status = Plan.objects.select_for_update().values_list("status", flat=True).get(pk=plan.pk)
        if status != PHASE_STATUS[phase]:
            raise PlanError([PHASE_NOT_OPEN % {"phase": phase.label}])
        # The plan's lock serialises writers of its notes too.
        note = PhaseNote.objects.filter(plan=plan, phase=phase).first() or PhaseNote(
            plan=plan, phase=phase
        )
        if note.pk is not None and note.text == text:
            return note  # nothing changed: no write, no event
        old = note.text if note.pk is not None else None
        note.text = text
        note.full_clean()
        note._history_user = by
        note._change_reason = "phase note"
        note.save()
        record(
            kind=EventKind.PHASE_NOTE_SAVED,
            actor=by,
            plan=plan,
            payload={"phase": str(phase), "changes": {"text": [old, text]}},
        )
    return note


# The transition that closes each phase: its checks must pass before the work is handed over.
_PHASE_CLOSING = {
    Phase.ASSESSMENT: "complete_assessment",
    Phase.TABLES: "complete_tables",
    Phase.DRAFTING: "submit_for_review",
    Phase.ADOPTION: "adopt",
}


def phase_work_submit(*, plan: Plan, phase: str, text: str, by) -> Plan:
    """Save the phase's note and hand the work to the facilitators (a coordinator of the plan).

    The checks of the transition that will close the phase must pass now, so that nobody
    hands over work that cannot be approved; in drafting, the plan goes to review. All or
    nothing: a refusal keeps the note as it was.
    """
    phase = Phase(phase)
    with transaction.atomic():
        phase_note_save(plan=plan, phase=phase, text=text, by=by)
        if phase == Phase.DRAFTING:
            return plan_submit_for_review(plan=plan, by=by)
        messages = checks.failing_messages(plan, _PHASE_CLOSING[phase])
        if messages:
            raise PlanError(messages)
    return plan


# --- Reviews: the facilitators' decisions on each phase ---------------------------------------

NOT_UNDER_REVIEW = _("The %(phase)s phase is not waiting for a decision now.")

# What an approval, and a return, does to the plan in each phase (None: the plan stays).
_DECISION_SERVICES = {
    Phase.ASSESSMENT: (plan_complete_assessment, None),
    Phase.TABLES: (plan_complete_tables, None),
    Phase.DRAFTING: (plan_approve, plan_request_changes),
    Phase.ADOPTION: (plan_adopt, None),
}


def review_decide(*, plan: Plan, phase: str, decision: str, comments: str = "", by) -> Review:
    """Record a facilitator's decision on a phase and move the plan as it says.

    An approval runs the phase's transition (with its named checks); a return needs
    comments and leaves the plan in its state, except in review, where it requests changes.
    The decision and the transition are saved together or not at all.
    """
    if not permissions.can_facilitate(plan, by):
        raise PlanError.not_allowed()
    phase, decision = Phase(phase), ReviewDecision(decision)
    comments = comments.strip()
    approve, send_back = _DECISION_SERVICES[phase]
    with transaction.atomic():
        # Under the plan's lock: one decision at a time, rounds counted without gaps.
        status = Plan.objects.select_for_update().values_list("status", flat=True).get(pk=plan.pk)
        if status != REVIEW_STATUS[phase]:
            raise PlanError([NOT_UNDER_REVIEW % {"phase": phase.label}])
        if decision == ReviewDecision.APPROVED:
            approve(plan=plan, by=by, **({"comments": comments} if phase == Phase.DRAFTING else {}))
        elif not comments:
            raise PlanError([RETURN_WITHOUT_COMMENTS])
        elif send_back is not None:
            send_back(plan=plan, by=by, comments=comments)
        review = Review(
            plan=plan,
            phase=phase,
            round=Review.objects.filter(plan=plan, phase=phase).count() + 1,
            decision=decision,
            comments=comments,
            reviewer=by,
        )
        review.full_clean()
        review._history_user = by
        review._change_reason = f"review: {decision}"
        review.save()
        record(
            kind=EventKind.REVIEW_DECIDED,
            actor=by,
            plan=plan,
            payload={
                "review": review.pk,
                "phase": str(phase),
                "round": review.round,
                "decision": str(decision),
                "comments": comments,
            },
        )
    return review
