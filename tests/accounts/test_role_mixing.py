"""Roles that cannot mix: an auditor holds no other role, the lead no comune role.

Refused at launch, at grant and at the command line; the system check names whoever holds
such roles all the same (given behind the services' back).
"""

import io

import pytest
from django.contrib.auth.models import Group
from django.core import checks
from django.core.management import CommandError, call_command
from django.utils.html import escape
from guardian.shortcuts import get_user_perms

from plm_workflow import roles
from plm_workflow.accounts.checks import (
    HELD_ON,
    IS_AUDITOR,
    IS_LEAD,
    LEAD_NOT_AUDITOR,
    MEMBER_NOT_AUDITOR,
    MEMBER_NOT_LEAD,
    ROLES_MIXED,
    W001,
    roles_mixed_check,
)
from plm_workflow.accounts.models import Membership, Role
from plm_workflow.accounts.services import RoleError, membership_grant, role_grant, role_revoke
from plm_workflow.audit.models import Event
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Plan
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _roles_of(user):
    """Return what the person holds now: their groups and current memberships."""
    return (
        set(user.groups.values_list("name", flat=True)),
        set(
            Membership.objects.filter(user=user, revoked_at__isnull=True).values_list(
                "comune__istat_code", "role"
            )
        ),
    )


def _message(template, user, **values):
    return str(template % {"user": user.get_username(), **values})


# --- At launch ---------------------------------------------------------------------------------


def test_an_auditor_or_the_lead_named_at_launch_is_refused_with_every_reason(
    launch, comune, lead, auditor, coordinator, facilitator
):
    events = Event.objects.count()

    with pytest.raises(PlanError) as refused:
        launch(comune, coordinators=[auditor, coordinator], facilitators=[lead, facilitator])

    assert refused.value.messages == [
        _message(IS_AUDITOR, auditor),
        _message(IS_LEAD, lead),
    ]
    assert not Plan.objects.exists()
    assert not Membership.objects.exists()
    assert Event.objects.count() == events


def test_an_auditor_named_coordinator_on_the_launch_page_gets_no_work(
    client, lead, auditor, launch_url, launch_data
):
    # Before: the auditor, named coordinator, could save and submit the plan's work.
    client.force_login(lead)

    response = client.post(launch_url, {**launch_data, "coordinators": [auditor.pk]})

    assert response.status_code == 200
    assert escape(_message(IS_AUDITOR, auditor)) in response.content.decode()
    assert not Plan.objects.exists()
    assert _roles_of(auditor) == ({roles.AUDITOR_GROUP}, set())
    assert not Membership.objects.filter(user=auditor).exists()


def test_the_launch_page_offers_neither_auditors_nor_the_lead(
    client, lead, auditor, coordinator, launch_url
):
    client.force_login(lead)

    form = client.get(launch_url).context["form"]

    for name in ("coordinators", "facilitators"):
        offered = {int(str(value)) for value, _label in form.fields[name].choices}
        assert coordinator.pk in offered
        assert auditor.pk not in offered
        assert lead.pk not in offered


def test_a_launch_with_people_who_may_mix_goes_ahead(launch, comune, coordinator, facilitator):
    plan = launch(comune)

    assert "coordinate_plan" in get_user_perms(coordinator, plan)
    assert "facilitate_plan" in get_user_perms(facilitator, plan)


# --- At grant ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "then", "message"),
    [
        ("auditor", "coordinator", IS_AUDITOR),
        ("auditor", "facilitator", IS_AUDITOR),
        ("auditor", "lead", IS_AUDITOR),
        ("lead", "coordinator", IS_LEAD),
        ("lead", "facilitator", IS_LEAD),
        ("lead", "auditor", LEAD_NOT_AUDITOR),
        ("coordinator", "auditor", MEMBER_NOT_AUDITOR),
        ("facilitator", "auditor", MEMBER_NOT_AUDITOR),
        ("coordinator", "lead", MEMBER_NOT_LEAD),
        ("facilitator", "lead", MEMBER_NOT_LEAD),
    ],
)
def test_roles_that_cannot_mix_are_refused_at_grant_leaving_no_trace(
    first, then, message, comune, lead
):
    anna = UserFactory(username="anna")
    role_grant(
        user=anna, role=first, comune=comune if first in ("coordinator", "facilitator") else None
    )
    held = _roles_of(anna)
    events = Event.objects.count()

    with pytest.raises(RoleError) as refused:
        role_grant(
            user=anna,
            role=then,
            comune=comune if then in ("coordinator", "facilitator") else None,
            by=lead,
        )

    values = {"held": Role(first).label, "comune": comune.label}
    assert str(refused.value) == _message(message, anna, **values)
    assert _roles_of(anna) == held
    assert Event.objects.count() == events


def test_the_lead_is_refused_a_comune_role_also_through_membership_grant(comune, lead):
    with pytest.raises(RoleError) as refused:
        membership_grant(user=lead, comune=comune, role=Role.COORDINATOR)

    assert str(refused.value) == _message(IS_LEAD, lead)

    assert not Membership.objects.exists()


def test_a_revoked_role_no_longer_stands_in_the_way(comune):
    anna = UserFactory(username="anna")
    role_grant(user=anna, role="coordinator", comune=comune)
    role_revoke(user=anna, role="coordinator", comune=comune)

    role_grant(user=anna, role="auditor")

    assert _roles_of(anna) == ({roles.AUDITOR_GROUP}, set())


# --- At the command line -----------------------------------------------------------------------


def _call(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_command_line_refuses_roles_that_cannot_mix(comune, auditor):
    UserFactory(username="anna")
    _call("grant_role", "coordinator", "anna", "--comune", "004203")

    with pytest.raises(CommandError) as as_coordinator:
        _call("grant_role", "coordinator", "auditor", "--comune", "004203")
    with pytest.raises(CommandError) as as_auditor:
        _call("grant_role", "auditor", "anna")

    assert str(as_coordinator.value) == _message(IS_AUDITOR, auditor)
    assert str(as_auditor.value) == (
        f"anna è {Role.COORDINATOR.label} di Saluzzo (CN): "
        "un auditor non ricopre nessun altro ruolo."
    )
    assert not Membership.objects.filter(user=auditor).exists()


# --- The system check --------------------------------------------------------------------------


def test_the_system_check_names_who_holds_roles_that_cannot_mix(comune, lead, auditor):
    # Behind the services' back: rows written directly.
    Membership.objects.create(user=auditor, comune=comune, role=Role.COORDINATOR)
    lead.groups.add(Group.objects.get(name=roles.AUDITOR_GROUP))
    Membership.objects.create(user=UserFactory(username="anna"), comune=comune, role="facilitator")

    warnings = roles_mixed_check()

    assert [(w.id, w.level, w.obj) for w in warnings] == [
        (W001, checks.WARNING, auditor),
        (W001, checks.WARNING, lead),
    ]
    held_on = str(HELD_ON % {"role": Role.COORDINATOR.label, "comune": comune.label})
    assert warnings[0].msg == str(ROLES_MIXED % {"held": f"{Role.AUDITOR.label}, {held_on}"})
    assert warnings[1].msg == str(
        ROLES_MIXED % {"held": f"{Role.AUDITOR.label}, {Role.LEAD.label}"}
    )


def test_manage_py_check_reports_the_violation(comune, auditor):
    Membership.objects.create(user=auditor, comune=comune, role=Role.FACILITATOR)
    err = io.StringIO()

    call_command("check", stdout=io.StringIO(), stderr=err)

    held = f"{Role.AUDITOR.label}, {Role.FACILITATOR.label} di Saluzzo (CN)"
    assert f"auditor: ({W001}) Ricopre ruoli incompatibili: {held}." in err.getvalue()


def test_the_system_check_is_silent_when_roles_are_kept_apart(
    plan, lead, auditor, coordinator, facilitator
):
    assert roles_mixed_check() == []
    assert W001 not in {message.id for message in checks.run_checks()}
