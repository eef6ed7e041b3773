"""The launch of a plan: the plan, its people, its schedule and its adhesion act, at once.

It sits above the domain packages it orchestrates (plans, accounts, deadlines), so none of
them needs to import another.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plm_workflow.accounts.models import Membership, Role
from plm_workflow.accounts.services import (
    membership_grant,
    plan_permissions_derive,
    role_mixing_problems,
)
from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import changes, payload_of, record
from plm_workflow.deadlines.services import schedule_defaults, schedule_problems, schedule_set
from plm_workflow.plans import permissions
from plm_workflow.plans.documents import document_store
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    NON_FINAL_STATES,
    ONE_OPEN_PLAN_PER_COMUNE,
    Comune,
    DocumentKind,
    Plan,
)
from plm_workflow.plans.organisations import comune_organisation_ensure
from plm_workflow.plans.services import plan_fields

LAUNCH_NOT_ALLOWED = _("Only the lead facilitator can launch a plan.")
COMUNE_SUPPRESSED = _("%(comune)s is no longer in the ISTAT registry.")
TITLE_MISSING = _("Give the title of the plan's cycle.")
ACT_NUMBER_MISSING = _("Give the number of the adhesion act.")
ACT_DATE_MISSING = _("Give the date of the adhesion act.")
ACT_DATE_IN_FUTURE = _("The adhesion act cannot be dated in the future.")
NO_COORDINATOR = _("Name at least one coordinator of the comune.")
NO_FACILITATOR = _("Name at least one facilitator of the comune.")
PERSON_INACTIVE = _("%(user)s is deactivated and cannot be named.")
BOTH_ROLES = _("%(user)s cannot be both coordinator and facilitator of the same comune.")


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
        # Then the people named, in one order for every launch: their grants take turns on
        # their rows (see accounts.services), so no role that cannot mix slips in meanwhile.
        named = {user.pk for user in [*coordinators, *facilitators]}
        if named:
            list(
                get_user_model()
                .objects.select_for_update()
                .filter(pk__in=named)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
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
        # The comune itself sits at its tables: it is one of its organisations from its
        # first plan on.
        itself, created = comune_organisation_ensure(comune=comune, by=by)
        record(
            kind=EventKind.PLAN_LAUNCHED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk},
                changes=changes({}, plan_fields(plan)),
                children=(
                    {"organisation": {"added": [{"id": itself.pk, "name": itself.name}]}}
                    if created
                    else None
                ),
            ),
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
    # An auditor or the lead named is refused whichever comune role they were named for.
    messages.extend(
        role_mixing_problems(people=[*coordinators, *facilitators], role=Role.COORDINATOR)
    )
    if not coordinators and not any(role == Role.COORDINATOR for _user, role in held):
        messages.append(NO_COORDINATOR)
    if not facilitators and not any(role == Role.FACILITATOR for _user, role in held):
        messages.append(NO_FACILITATOR)
    messages.extend(schedule_problems)
    if messages:
        raise PlanError(messages)
