import io
import re

import pytest
from django.core.management import CommandError, call_command
from guardian.shortcuts import get_user_perms

from plm_workflow.accounts.models import Membership
from plm_workflow.accounts.selectors import plans_visible_to
from plm_workflow.accounts.services import (
    NOT_ALLOWED as GRANT_NOT_ALLOWED,
)
from plm_workflow.accounts.services import (
    ROLE_CONFLICT,
    RoleAlreadyHeld,
    RoleError,
    plan_permissions_derive,
    role_grant,
    role_revoke,
)
from plm_workflow.roles import Role
from tests.catalogue_helpers import needs_italian
from tests.factories import ComuneFactory, UserFactory


def _conflict(user: str, held: str) -> str:
    """The refusal of a second role on a comune where ``user`` holds ``held`` (Saluzzo)."""
    return str(ROLE_CONFLICT % {"user": user, "held": Role(held).label, "comune": "Saluzzo (CN)"})


pytestmark = pytest.mark.django_db


@pytest.fixture
def rovigo(db):
    return ComuneFactory(istat_code="029041", name="Rovigo", province_code="RO", region="Veneto")


def _perms(user, plan):
    return set(get_user_perms(user, plan))


def test_launch_gives_the_named_people_their_plan_permissions(plan, coordinator, facilitator):
    assert _perms(coordinator, plan) == {"view_plan", "coordinate_plan"}
    assert _perms(facilitator, plan) == {"view_plan", "facilitate_plan"}


def test_a_role_granted_before_launch_reaches_the_plan_launched_later(
    comune, launch, coordinator, facilitator
):
    early = UserFactory(username="early")
    role_grant(user=early, role="coordinator", comune=comune)

    plan = launch(comune)

    assert _perms(early, plan) == {"view_plan", "coordinate_plan"}


def test_a_role_granted_on_a_comune_reaches_its_open_plan_only(plan, drive, launch, comune):
    drive(plan, "adopted")
    second = launch(comune, title="PLM 2024")
    newcomer = UserFactory(username="newcomer")

    role_grant(user=newcomer, role="facilitator", comune=comune)

    assert _perms(newcomer, second) == {"view_plan", "facilitate_plan"}
    assert _perms(newcomer, plan) == set()


def test_revoking_a_role_removes_its_permissions_and_keeps_the_record(plan, coordinator, comune):
    role_revoke(user=coordinator, role="coordinator", comune=comune)

    assert _perms(coordinator, plan) == set()
    membership = Membership.objects.get(user=coordinator, comune=comune)
    assert membership.revoked_at is not None
    assert membership.history.count() == 2


def test_nobody_is_both_coordinator_and_facilitator_of_one_comune(plan, coordinator, comune):
    with pytest.raises(RoleError, match=re.escape(_conflict("coord-saluzzo", "coordinator"))):
        role_grant(user=coordinator, role="facilitator", comune=comune)

    assert _perms(coordinator, plan) == {"view_plan", "coordinate_plan"}


def test_a_person_may_be_coordinator_of_one_comune_and_facilitator_of_another(
    comune, rovigo, coordinator
):
    role_grant(user=coordinator, role="coordinator", comune=comune)
    role_grant(user=coordinator, role="facilitator", comune=rovigo)

    assert Membership.objects.filter(user=coordinator, revoked_at__isnull=True).count() == 2


def test_granting_a_role_twice_changes_nothing(comune):
    person = UserFactory()
    role_grant(user=person, role="coordinator", comune=comune)

    with pytest.raises(RoleAlreadyHeld):
        role_grant(user=person, role="coordinator", comune=comune)
    assert Membership.objects.filter(user=person).count() == 1


def test_only_the_lead_grants_roles_in_the_app(comune, coordinator, lead):
    with pytest.raises(RoleError, match=re.escape(str(GRANT_NOT_ALLOWED))):
        role_grant(user=UserFactory(), role="coordinator", comune=comune, by=coordinator)

    role_grant(user=UserFactory(username="ok"), role="coordinator", comune=comune, by=lead)


def test_a_comune_role_needs_a_comune_and_a_global_one_refuses_it(comune):
    person = UserFactory()
    with pytest.raises(RoleError, match="indicare il comune"):
        role_grant(user=person, role="coordinator")
    with pytest.raises(RoleError, match="globale"):
        role_grant(user=person, role="lead", comune=comune)


# --- Visibility ---------------------------------------------------------------------------


@pytest.fixture
def two_plans(plan, launch, rovigo):
    other_coordinator = UserFactory(username="coord-rovigo")
    other = launch(rovigo, coordinators=[other_coordinator])
    return plan, other


def test_the_lead_and_the_auditors_see_every_plan(two_plans, lead, auditor):
    assert set(plans_visible_to(lead)) == set(two_plans)
    assert set(plans_visible_to(auditor)) == set(two_plans)


def test_a_coordinator_sees_only_the_plans_of_their_comune(two_plans, coordinator):
    assert list(plans_visible_to(coordinator)) == [two_plans[0]]


def test_a_facilitator_sees_the_plans_of_the_comuni_they_facilitate(two_plans, facilitator):
    assert set(plans_visible_to(facilitator)) == set(two_plans)


def test_a_coordinator_of_two_comuni_sees_both(two_plans, coordinator, rovigo):
    role_grant(user=coordinator, role="coordinator", comune=rovigo)

    assert set(plans_visible_to(coordinator)) == set(two_plans)


def test_a_revoked_coordinator_sees_nothing(two_plans, coordinator, comune):
    role_revoke(user=coordinator, role="coordinator", comune=comune)

    assert list(plans_visible_to(coordinator)) == []


def test_a_coordinator_sees_every_cycle_of_their_comune(plan, drive, launch, comune, coordinator):
    drive(plan, "withdrawn")
    second = launch(comune, title="PLM 2024")

    assert set(plans_visible_to(coordinator)) == {plan, second}


def test_strangers_deactivated_people_and_bare_superusers_see_nothing(
    two_plans, coordinator, superuser
):
    coordinator.is_active = False
    coordinator.save()

    assert list(plans_visible_to(UserFactory())) == []
    assert list(plans_visible_to(coordinator)) == []
    assert list(plans_visible_to(superuser)) == []


def test_a_revoked_lead_sees_nothing(two_plans, lead):
    role_revoke(user=lead, role="lead")

    assert list(plans_visible_to(lead)) == []


# --- Commands -------------------------------------------------------------------------------


def _call(name, *args):
    out = io.StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("role", ["coordinator", "facilitator"])
def test_grant_and_revoke_a_comune_role_from_the_command_line(role, plan, comune):
    person = UserFactory(username="anna")

    granted = _call("grant_role", role, "anna", "--comune", "Saluzzo (CN)")
    assert "anna" in granted and "Saluzzo (CN)" in granted
    assert list(plans_visible_to(person)) == [plan]

    _call("revoke_role", role, "anna", "--comune", "004203")
    assert list(plans_visible_to(person)) == []


@pytest.mark.parametrize("role", ["lead", "auditor"])
def test_grant_and_revoke_a_global_role_from_the_command_line(role, plan):
    person = UserFactory(username="marco")

    _call("grant_role", role, "marco")
    assert list(plans_visible_to(person)) == [plan]

    _call("revoke_role", role, "marco")
    # A fresh instance, as the next request loads: a user object keeps the groups it was
    # first asked about (plm_workflow.roles caches them, like Django's permission cache).
    person = type(person).objects.get(pk=person.pk)
    assert list(plans_visible_to(person)) == []


def test_granting_a_held_role_again_says_so_and_succeeds(comune):
    UserFactory(username="anna")
    _call("grant_role", "coordinator", "anna", "--comune", "004203")

    assert "nulla è cambiato" in _call("grant_role", "coordinator", "anna", "--comune", "004203")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("grant_role", "coordinator", "ghost", "--comune", "004203"),
            "Nessun utente si chiama “ghost”",
        ),
        (("grant_role", "coordinator", "anna", "--comune", "Atlantide"), "Nessun comune si chiama"),
        (("grant_role", "mayor", "anna"), "invalid choice: 'mayor'"),
        (("grant_role", "coordinator", "anna"), "indicare il comune"),
        (("grant_role", "lead", "anna", "--comune", "004203"), "globale"),
        (("revoke_role", "coordinator", "anna", "--comune", "004203"), "non c.è nulla da revocare"),
        (("revoke_role", "auditor", "anna"), "non c.è nulla da revocare"),
    ],
)
def test_role_commands_refuse_bad_input_clearly(args, message, comune):
    UserFactory(username="anna")

    with pytest.raises(CommandError, match=message):
        _call(*args)


def test_a_person_cannot_be_made_facilitator_of_a_comune_they_coordinate(comune):
    UserFactory(username="anna")
    _call("grant_role", "coordinator", "anna", "--comune", "004203")

    with pytest.raises(CommandError, match=re.escape(_conflict("anna", "coordinator"))):
        _call("grant_role", "facilitator", "anna", "--comune", "004203")


def test_an_ambiguous_comune_name_is_refused_with_the_choices(db):
    ComuneFactory(istat_code="016065", name="Castro", province_code="BG", region="Lombardia")
    ComuneFactory(istat_code="075096", name="Castro", province_code="LE", region="Puglia")
    UserFactory(username="anna")

    with pytest.raises(CommandError, match=r"Castro \(BG\), Castro \(LE\)"):
        _call("grant_role", "coordinator", "anna", "--comune", "Castro")
    _call("grant_role", "coordinator", "anna", "--comune", "Castro (LE)")
    assert Membership.objects.get(user__username="anna").comune.province_code == "LE"


@pytest.mark.parametrize("extra_members", [0, 8])
def test_deriving_plan_permissions_costs_the_same_for_few_or_many_members(
    extra_members, plan, comune, django_assert_num_queries
):
    for index in range(extra_members):
        role = "coordinator" if index % 2 else "facilitator"
        role_grant(user=UserFactory(username=f"member{index}"), role=role, comune=comune)

    with django_assert_num_queries(10):
        plan_permissions_derive(plan=plan)


def test_the_role_commands_name_the_role_in_the_language_of_the_sentence(comune):
    UserFactory(username="anna")

    granted = _call("grant_role", "coordinator", "anna", "--comune", "004203")
    revoked = _call("revoke_role", "coordinator", "anna", "--comune", "004203")

    label = str(Role.COORDINATOR.label)  # translated, not the command's key "coordinator"
    assert label != "coordinator"
    assert f"anna ora è {label} — Saluzzo (CN)." in granted
    assert f"anna non è più {label} — Saluzzo (CN)." in revoked


@needs_italian("municipal coordinator")
def test_the_role_commands_call_the_coordinator_referente_comunale(comune):
    UserFactory(username="anna")

    granted = _call("grant_role", "coordinator", "anna", "--comune", "004203")

    assert "anna ora è referente comunale — Saluzzo (CN)." in granted
