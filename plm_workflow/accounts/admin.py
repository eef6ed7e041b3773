"""The accounts in the admin: memberships read-only, people without their roles, groups read-only.

Every change of role or group goes through the role services, which write its event
(``grant_role`` and ``revoke_role`` at the command line). The user admin still creates people
and changes their names, e-mail and password (until invitations exist it is how people are
created), but shows their groups, permissions and flags read-only and deletes nobody.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group

from plm_workflow.admin import ReadOnlyAdminMixin
from plm_workflow.plans.admin import ReadOnlyAdmin

from .models import Membership

# What the user admin shows but never changes: roles, permissions, the flags that grant them.
ROLE_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "comune", "role", "granted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "comune__name"]
    list_select_related = ["user", "comune"]


class PersonAdmin(UserAdmin):
    """People: their identity and password change here, their roles never."""

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = (*ROLE_FIELDS, "last_login", "date_joined")

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyGroupAdmin(ReadOnlyAdminMixin, GroupAdmin):
    """The role groups, to inspect: who is in them changes through the role services."""


for model, model_admin in ((get_user_model(), PersonAdmin), (Group, ReadOnlyGroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
