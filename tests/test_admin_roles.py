"""The admin changes no role: groups, permissions and flags are read-only, groups untouchable.

Every change of role goes through the role services and writes its event; the user admin still
creates people and changes their identity and password.
"""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from plm_workflow import roles
from plm_workflow.audit.models import Event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _identity(person, **changes):
    return {
        "username": person.username,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        **changes,
    }


def _flags(person):
    person.refresh_from_db()
    return (
        set(person.groups.values_list("name", flat=True)),
        set(person.user_permissions.values_list("codename", flat=True)),
        person.is_active,
        person.is_staff,
        person.is_superuser,
    )


def test_the_user_change_form_grants_no_group_permission_or_flag(client, superuser, lead):
    anna = UserFactory(username="anna", first_name="Anna")
    lead_group = Group.objects.get(name=roles.LEAD_GROUP)
    view_plan = Permission.objects.get(codename=roles.VIEW_PLAN_CODENAME)
    before, events = _flags(anna), Event.objects.count()
    client.force_login(superuser)

    response = client.post(
        reverse("admin:auth_user_change", args=[anna.pk]),
        _identity(
            anna,
            last_name="Rossi",
            groups=[lead_group.pk],
            user_permissions=[view_plan.pk],
            is_staff="on",
            is_superuser="on",
            # is_active left out: an editable checkbox would deactivate her
        ),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _flags(anna) == before == (set(), set(), True, False, False)
    assert anna.last_name == "Rossi"  # the identity did change
    assert Event.objects.count() == events  # no role changed, so no event is missing


def test_the_user_change_form_removes_no_group_or_flag(client, superuser, lead):
    client.force_login(superuser)
    before = _flags(lead)

    response = client.post(
        reverse("admin:auth_user_change", args=[lead.pk]), _identity(lead, groups=[])
    )

    assert response.status_code == 302
    assert _flags(lead) == before
    assert roles.LEAD_GROUP in before[0]


def test_the_user_change_page_shows_roles_without_inputs_for_them(client, superuser, lead):
    client.force_login(superuser)

    form = client.get(reverse("admin:auth_user_change", args=[lead.pk])).context["adminform"].form

    assert set(form.fields) == {"username", "password", "first_name", "last_name", "email"}


def test_nobody_is_deleted_from_the_admin(client, superuser):
    anna = UserFactory(username="anna")
    client.force_login(superuser)

    response = client.post(reverse("admin:auth_user_delete", args=[anna.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert type(anna).objects.filter(pk=anna.pk).exists()


def test_the_group_admin_is_read_only(client, superuser, lead):
    group = Group.objects.get(name=roles.LEAD_GROUP)
    permissions = set(group.permissions.values_list("pk", flat=True))
    client.force_login(superuser)

    listing = client.get(reverse("admin:auth_group_changelist"))
    add = client.post(reverse("admin:auth_group_add"), {"name": "lead2"})
    change = client.post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "capo", "permissions": []}
    )
    delete = client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})

    assert listing.status_code == 200
    assert reverse("admin:auth_group_add") not in listing.content.decode()
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    group.refresh_from_db()
    assert group.name == roles.LEAD_GROUP
    assert set(group.permissions.values_list("pk", flat=True)) == permissions
    assert not Group.objects.filter(name="lead2").exists()


def test_the_user_admin_still_creates_a_person_with_a_password_and_changes_their_email(
    client, superuser
):
    client.force_login(superuser)
    assert client.get(reverse("admin:auth_user_add")).status_code == 200

    created = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "bruno",
            "first_name": "Bruno",
            "last_name": "Bianchi",
            "email": "bruno@example.org",
            "usable_password": "true",
            "password1": "un-segreto-lungo-42",
            "password2": "un-segreto-lungo-42",
        },
    )
    bruno = UserFactory._meta.model.objects.get(username="bruno")
    changed = client.post(
        reverse("admin:auth_user_change", args=[bruno.pk]),
        _identity(bruno, email="bruno.bianchi@example.org"),
    )

    assert (created.status_code, changed.status_code) == (302, 302)
    bruno.refresh_from_db()
    assert bruno.check_password("un-segreto-lungo-42")
    assert (bruno.first_name, bruno.last_name) == ("Bruno", "Bianchi")
    assert bruno.email == "bruno.bianchi@example.org"
    assert _flags(bruno) == (set(), set(), True, False, False)


def test_the_user_admin_still_changes_a_password(client, superuser):
    anna = UserFactory(username="anna")
    client.force_login(superuser)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[anna.pk]),
        {
            "usable_password": "true",
            "password1": "nuovo-segreto-99",
            "password2": "nuovo-segreto-99",
        },
    )

    assert response.status_code == 302
    anna.refresh_from_db()
    assert anna.check_password("nuovo-segreto-99")
