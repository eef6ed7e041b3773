"""Roles that cannot mix: an auditor holds no other role, the lead no comune role.

Read-only must stay read-only. ``role_mixing_problems`` is the rule the role services and the
launch apply before a grant; the system check ``W001`` finds what got past them (the database
shell, an old fixture, a row written by hand). The check reads the database, so it runs on
``manage.py check`` and before each command that checks; it finds nothing to say on a database
not yet migrated, and never creates a SQLite file that is not there.
"""

from collections.abc import Iterable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core import checks
from django.db import DatabaseError, connection
from django.utils.translation import gettext_lazy as _

from plm_workflow import roles

from .models import Membership

# Roles that cannot mix: the person's current role first, then the rule it breaks.
IS_AUDITOR = _("%(user)s is an auditor: an auditor holds no other role.")
IS_LEAD = _(
    "%(user)s is the lead facilitator: the lead is not municipal coordinator or facilitator of "
    "a comune."
)
LEAD_NOT_AUDITOR = _("%(user)s is the lead facilitator: an auditor holds no other role.")
MEMBER_NOT_AUDITOR = _("%(user)s is %(held)s of %(comune)s: an auditor holds no other role.")
MEMBER_NOT_LEAD = _(
    "%(user)s is %(held)s of %(comune)s: the lead is not municipal coordinator or facilitator "
    "of a comune."
)

ROLES_MIXED = _("Holds roles that cannot mix: %(held)s.")
ROLES_MIXED_HINT = _(
    "An auditor holds no other role and the lead is not municipal coordinator or facilitator "
    "of a comune: revoke one with manage.py revoke_role."
)
HELD_ON = _("%(role)s of %(comune)s")
W001 = "plm_workflow.accounts.W001"


def role_mixing_problems(*, people: Iterable, role: str) -> list[str]:
    """Return why each person cannot also take ``role``, one reason per person at most.

    An auditor holds no other role; the lead holds no comune role. Only current roles count:
    a revoked membership or group mixes with anything. A held comune role is named by the
    person's first comune (by name).
    """
    role = roles.Role(role)
    people = list(dict.fromkeys(people))
    if not people:
        return []
    ids = [person.pk for person in people]
    groups = {}
    for user_id, name in (
        get_user_model()
        .groups.through.objects.filter(
            user_id__in=ids, group__name__in=[roles.LEAD_GROUP, roles.AUDITOR_GROUP]
        )
        .values_list("user_id", "group__name")
    ):
        groups.setdefault(user_id, set()).add(name)
    memberships = {}
    if role not in roles.COMUNE_ROLES:
        for membership in (
            Membership.objects.filter(user_id__in=ids, revoked_at__isnull=True)
            .select_related("comune")
            .order_by("comune__name", "comune__province_code")
        ):
            memberships.setdefault(membership.user_id, membership)
    problems = []
    for person in people:
        held = groups.get(person.pk, set())
        membership = memberships.get(person.pk)
        values = {"user": person.get_username()}
        if membership is not None:
            values.update(held=membership.get_role_display(), comune=membership.comune.label)
        if role != roles.Role.AUDITOR and roles.AUDITOR_GROUP in held:
            problems.append(IS_AUDITOR % values)
        elif role in roles.COMUNE_ROLES and roles.LEAD_GROUP in held:
            problems.append(IS_LEAD % values)
        elif role == roles.Role.AUDITOR and roles.LEAD_GROUP in held:
            problems.append(LEAD_NOT_AUDITOR % values)
        elif role == roles.Role.AUDITOR and membership is not None:
            problems.append(MEMBER_NOT_AUDITOR % values)
        elif role == roles.Role.LEAD and membership is not None:
            problems.append(MEMBER_NOT_LEAD % values)
    return problems


@checks.register()
def roles_mixed_check(app_configs=None, **kwargs):
    """Warn once per person who holds roles that cannot mix, naming what they hold."""
    if connection.vendor == "sqlite" and not (
        connection.is_in_memory_db() or Path(connection.settings_dict["NAME"]).exists()
    ):
        return []
    try:
        return [
            checks.Warning(
                ROLES_MIXED % {"held": ", ".join(held)}, hint=ROLES_MIXED_HINT, obj=user, id=W001
            )
            for user, held in _mixed_roles()
        ]
    except DatabaseError:  # not migrated yet: nothing to check
        return []


def _mixed_roles():
    """Yield (user, what they hold) for every person whose current roles cannot mix.

    Only the lead and the auditors can break the rules, so only their memberships are read.
    """
    held = {}
    for user_id, name in (
        get_user_model()
        .groups.through.objects.filter(group__name__in=[roles.LEAD_GROUP, roles.AUDITOR_GROUP])
        .values_list("user_id", "group__name")
    ):
        held.setdefault(user_id, {})[name] = None
    comune_roles = {}
    for membership in (
        Membership.objects.filter(user_id__in=list(held), revoked_at__isnull=True)
        .select_related("comune")
        .order_by("comune__name", "comune__province_code", "role")
    ):
        comune_roles.setdefault(membership.user_id, []).append(
            str(
                HELD_ON % {"role": membership.get_role_display(), "comune": membership.comune.label}
            )
        )
    labels = {
        roles.LEAD_GROUP: roles.Role.LEAD.label,
        roles.AUDITOR_GROUP: roles.Role.AUDITOR.label,
    }
    mixed = [
        user_id
        for user_id, groups in held.items()
        if (roles.AUDITOR_GROUP in groups and len(groups) > 1) or user_id in comune_roles
    ]
    people = get_user_model().objects.filter(pk__in=mixed).order_by("username")
    for user in people:
        groups = held[user.pk]
        yield user, [str(labels[name]) for name in sorted(groups)] + comune_roles.get(user.pk, [])
