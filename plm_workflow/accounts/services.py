"""Roles: grant and revoke, and the plan permissions derived from memberships.

``Membership`` is the source of truth; the object permissions on plans (which viewflow's task
queues read) are derived from it when a role is granted or revoked and when a plan is launched.

Some roles cannot mix (``checks.role_mixing_problems``): grants refuse them, and the grants of
one person take turns on the person's row, so two grants that cannot mix never both pass.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm, remove_perm

from plm_workflow import roles
from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR, payload_of, record
from plm_workflow.db import lock_row
from plm_workflow.plans import permissions
from plm_workflow.plans.models import NON_FINAL_STATES, Comune, Plan

from .checks import role_mixing_problems
from .models import COMUNE_ROLES, Membership, Role

COMUNE_REQUIRED = _("The %(role)s role is held on a comune: give the comune.")
COMUNE_NOT_ALLOWED = _("The %(role)s role is global: give no comune.")
UNKNOWN_ROLE = _("Unknown role “%(role)s”: choose coordinator, facilitator, lead or auditor.")
USER_INACTIVE = _("%(user)s is deactivated: reactivate the account first.")
ROLE_CONFLICT = _(
    "%(user)s is %(held)s of %(comune)s: nobody can be both municipal coordinator and "
    "facilitator of the same comune."
)
ALREADY_HELD = _("%(user)s is already %(role)s%(where)s: nothing changed.")
NOT_HELD = _("%(user)s is not %(role)s%(where)s: nothing to revoke.")
NOT_ALLOWED = _("Only the lead facilitator can grant or revoke roles.")

_ROLE_PERMISSIONS = {
    Role.COORDINATOR: (roles.VIEW_PLAN_CODENAME, roles.COORDINATE_PLAN_CODENAME),
    Role.FACILITATOR: (roles.VIEW_PLAN_CODENAME, roles.FACILITATE_PLAN_CODENAME),
}
_ROLE_GROUPS = {Role.LEAD: roles.LEAD_GROUP, Role.AUDITOR: roles.AUDITOR_GROUP}


class RoleError(Exception):
    """A refused grant or revocation, with a translated message."""


class RoleAlreadyHeld(RoleError):
    """The grant asked for is already in place; nothing was changed."""


def where(comune: Comune | None) -> str:
    """Return " — Name (PROV)" for a comune role's messages, or nothing for a global one."""
    return f" — {comune.label}" if comune else ""


def _validate(*, role: str, comune: Comune | None, by) -> Role:
    if by is not None and not permissions.is_lead(by):
        raise RoleError(NOT_ALLOWED)
    try:
        role = Role(role)
    except ValueError:
        raise RoleError(UNKNOWN_ROLE % {"role": role}) from None
    if role in COMUNE_ROLES and comune is None:
        raise RoleError(COMUNE_REQUIRED % {"role": role.label})
    if role not in COMUNE_ROLES and comune is not None:
        raise RoleError(COMUNE_NOT_ALLOWED % {"role": role.label})
    return role


def role_grant(*, user, role: str, comune: Comune | None = None, by=None) -> None:
    """Give a person a role: on a comune (coordinator, facilitator) or global (lead, auditor).

    ``by`` is the lead who grants it, or None for an operator at the command line.
    """
    role = _validate(role=role, comune=comune, by=by)
    if role in COMUNE_ROLES:
        membership_grant(user=user, comune=comune, role=role, by=by)
        return
    if not user.is_active:
        raise RoleError(USER_INACTIVE % {"user": user.get_username()})
    with transaction.atomic():
        lock_row(get_user_model(), user.pk)  # take turns with the person's other grants
        group = _global_group(role)
        if user.groups.filter(pk=group.pk).exists():
            raise RoleAlreadyHeld(
                ALREADY_HELD % {"user": user.get_username(), "role": role.label, "where": ""}
            )
        problems = role_mixing_problems(people=[user], role=role)
        if problems:
            raise RoleError(problems[0])
        user.groups.add(group)
        user.__dict__.pop("_plm_groups", None)  # roles.is_lead caches the groups
        _record_role(EventKind.ROLE_GRANTED, user=user, role=role, comune=None, by=by)


def _record_role(kind, *, user, role, comune, by) -> None:
    """Write a role's grant or revocation to the global chain."""
    record(
        kind=kind,
        actor=by if by is not None else SYSTEM_OPERATOR,
        payload=payload_of(
            concerns={"user": user.pk, **({"comune": comune.istat_code} if comune else {})},
            changes={
                "role": [None, str(role)] if kind == EventKind.ROLE_GRANTED else [str(role), None]
            },
        ),
    )


def membership_grant(*, user, comune: Comune, role: str, by=None) -> Membership:
    """Make a person coordinator or facilitator of a comune, with its plan permissions."""
    role = Role(role)
    if not user.is_active:
        raise RoleError(USER_INACTIVE % {"user": user.get_username()})
    with transaction.atomic():
        lock_row(Comune, comune.pk)  # take turns with launches and revocations
        lock_row(get_user_model(), user.pk)  # ... and with the person's global grants
        current = (
            Membership.objects.select_for_update()
            .filter(user=user, comune=comune, revoked_at__isnull=True)
            .first()
        )
        if current is not None and current.role == role:
            raise RoleAlreadyHeld(
                ALREADY_HELD
                % {"user": user.get_username(), "role": role.label, "where": where(comune)}
            )
        if current is not None:
            raise RoleError(
                ROLE_CONFLICT
                % {
                    "user": user.get_username(),
                    "held": current.get_role_display(),
                    "comune": comune.label,
                }
            )
        problems = role_mixing_problems(people=[user], role=role)
        if problems:
            raise RoleError(problems[0])
        membership = Membership(user=user, comune=comune, role=role, granted_by=by)
        membership.full_clean()
        membership._history_user = by
        membership._change_reason = "grant"
        membership.save()
        open_plans = Plan.objects.filter(comune=comune, status__in=NON_FINAL_STATES)
        if open_plans.exists():
            for codename in _ROLE_PERMISSIONS[role]:
                assign_perm(codename, user, open_plans)
        _record_role(EventKind.ROLE_GRANTED, user=user, role=role, comune=comune, by=by)
    return membership


def role_revoke(*, user, role: str, comune: Comune | None = None, by=None) -> None:
    """Take a role away; a comune role loses its permissions on the comune's plans."""
    role = _validate(role=role, comune=comune, by=by)
    with transaction.atomic():
        if role not in COMUNE_ROLES:
            group = _global_group(role)
            if not user.groups.filter(pk=group.pk).exists():
                raise RoleError(
                    NOT_HELD % {"user": user.get_username(), "role": role.label, "where": ""}
                )
            user.groups.remove(group)
            user.__dict__.pop("_plm_groups", None)
            _record_role(EventKind.ROLE_REVOKED, user=user, role=role, comune=None, by=by)
            return
        lock_row(Comune, comune.pk)  # take turns with launches and grants
        membership = (
            Membership.objects.select_for_update()
            .filter(user=user, comune=comune, role=role, revoked_at__isnull=True)
            .first()
        )
        if membership is None:
            raise RoleError(
                NOT_HELD % {"user": user.get_username(), "role": role.label, "where": where(comune)}
            )
        membership.revoked_at = timezone.now()
        membership.revoked_by = by
        membership._history_user = by
        membership._change_reason = "revoke"
        membership.save()
        plans = Plan.objects.filter(comune=comune)
        if plans.exists():
            for codename in _ROLE_PERMISSIONS[role]:
                remove_perm(codename, user, plans)
        _record_role(EventKind.ROLE_REVOKED, user=user, role=role, comune=comune, by=by)


def plan_permissions_derive(*, plan: Plan) -> None:
    """Grant every current member of the plan's comune the object permissions of their role."""
    current = Membership.objects.filter(comune=plan.comune, revoked_at__isnull=True)
    for role, codenames in _ROLE_PERMISSIONS.items():
        users = [membership.user for membership in current.filter(role=role).select_related("user")]
        if users:
            for codename in codenames:
                assign_perm(codename, users, plan)


def _global_group(role: Role) -> Group:
    """Return the role's group, with the model-wide view permission on plans."""
    group, _created = Group.objects.get_or_create(name=_ROLE_GROUPS[role])
    view_plan = Permission.objects.get(
        codename=roles.VIEW_PLAN_CODENAME, content_type__app_label="plans"
    )
    group.permissions.add(view_plan)
    return group
