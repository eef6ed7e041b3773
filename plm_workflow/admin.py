from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class SuperuserAdminSite(AdminSite):
    """Admin for superusers only: staff status alone opens nothing.

    Every change to the domain goes through the app's services; the admin is for inspection
    and recovery.
    """

    site_header = _("PLM Workflow administration")
    site_title = _("PLM Workflow administration")

    def has_permission(self, request):
        """Return True if the user is an active superuser."""
        return request.user.is_active and request.user.is_superuser


class ReadOnlyAdminMixin:
    """Inspect, never change: every change goes through the app's services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
