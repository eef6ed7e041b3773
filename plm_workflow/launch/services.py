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
from plm_workflow.deadlines.services import (
    schedule_defaults,
    schedule_problems_by_phase,
    schedule_set,
)
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
NO_COORDINATOR = _("Name at least one municipal coordinator.")
NO_FACILITATOR = _("Name at least one facilitator of the comune.")
PERSON_INACTIVE = _("%(user)s is deactivated and cannot be named.")
BOTH_ROLES = _("%(user)s cannot be both municipal coordinator and facilitator of the same comune.")


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
        problems = _launch_problems(
            comune=comune,
            title=title,
            adhesion_act_number=adhesion_act_number,
            adhesion_act_date=adhesion_act_date,
            coordinators=coordinators,
            facilitators=facilitators,
            held=held,
            schedule=schedule,
        )
        if problems:
            # A person refused for both roles is said once.
            raise PlanError(list(dict.fromkeys(message for _field, message in problems)))
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


# What a page could not read (its field says why): the checks that need it are left out.
UNKNOWN = object()


def launch_problems(
    *,
    comune=UNKNOWN,
    title=UNKNOWN,
    adhesion_act_number=UNKNOWN,
    adhesion_act_date=UNKNOWN,
    coordinators=UNKNOWN,
    facilitators=UNKNOWN,
    schedule=UNKNOWN,
) -> list[tuple[str | None, str]]:
    """Return every reason a launch would be refused now, each with the launch form's field
    at fault (None for the launch as a whole), without writing anything.

    For a page to give every refusal at once, its own and the service's: a value left out
    (``UNKNOWN``) is one the page could not read, and the checks that need it are left out
    too. ``plan_launch`` checks again, under its locks.
    """
    held = set()
    if comune is not UNKNOWN:
        held = set(
            Membership.objects.filter(comune=comune, revoked_at__isnull=True).values_list(
                "user_id", "role"
            )
        )
    return _launch_problems(
        comune=comune,
        title=title,
        adhesion_act_number=adhesion_act_number,
        adhesion_act_date=adhesion_act_date,
        coordinators=coordinators if coordinators is UNKNOWN else list(dict.fromkeys(coordinators)),
        facilitators=facilitators if facilitators is UNKNOWN else list(dict.fromkeys(facilitators)),
        held=held,
        schedule=schedule,
    )


def _launch_problems(
    *,
    comune,
    title,
    adhesion_act_number,
    adhesion_act_date,
    coordinators,
    facilitators,
    held,
    schedule,
) -> list[tuple[str | None, str]]:
    """Return every reason the launch cannot go ahead, each with its form field.

    ``held`` is the set of (user id, role) of the comune's current members. A value
    ``UNKNOWN`` leaves out the checks that need it; a schedule None means the settings'
    defaults.
    """
    known = {
        "coordinators": [] if coordinators is UNKNOWN else coordinators,
        "facilitators": [] if facilitators is UNKNOWN else facilitators,
    }
    problems = []
    if comune is not UNKNOWN:
        if comune.suppressed:
            problems.append(("comune", str(COMUNE_SUPPRESSED % {"comune": comune.label})))
        if Plan.objects.filter(comune=comune, status__in=NON_FINAL_STATES).exists():
            problems.append(("comune", str(ONE_OPEN_PLAN_PER_COMUNE)))
    if title is not UNKNOWN and not title.strip():
        problems.append(("title", str(TITLE_MISSING)))
    if adhesion_act_number is not UNKNOWN and not adhesion_act_number.strip():
        problems.append(("adhesion_act_number", str(ACT_NUMBER_MISSING)))
    if adhesion_act_date is None:
        problems.append(("adhesion_act_date", str(ACT_DATE_MISSING)))
    elif adhesion_act_date is not UNKNOWN and adhesion_act_date > timezone.localdate():
        problems.append(("adhesion_act_date", str(ACT_DATE_IN_FUTURE)))
    for field, people in known.items():
        for user in people:
            if not user.is_active:
                problems.append((field, str(PERSON_INACTIVE % {"user": user.get_username()})))
    for user in known["coordinators"]:
        if user in known["facilitators"] or (user.pk, Role.FACILITATOR) in held:
            problems.append(("coordinators", str(BOTH_ROLES % {"user": user.get_username()})))
    for user in known["facilitators"]:
        if (user.pk, Role.COORDINATOR) in held:
            problems.append(("facilitators", str(BOTH_ROLES % {"user": user.get_username()})))
    # An auditor or the lead named is refused whichever comune role they were named for.
    for field, people in known.items():
        problems.extend(
            (field, str(message))
            for message in role_mixing_problems(people=people, role=Role.COORDINATOR)
        )
    if comune is not UNKNOWN:  # the comune's current members count
        for field, people, role, missing in (
            ("coordinators", coordinators, Role.COORDINATOR, NO_COORDINATOR),
            ("facilitators", facilitators, Role.FACILITATOR, NO_FACILITATOR),
        ):
            if people is not UNKNOWN and not people and not any(r == role for _u, r in held):
                problems.append((field, str(missing)))
    if schedule is not UNKNOWN and schedule is not None:
        problems.extend(
            (f"date_{phase}" if phase is not None else None, message)
            for phase, message in schedule_problems_by_phase(schedule)
        )
    return problems
