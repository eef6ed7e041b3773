from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
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

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """Show a past version; never save it back.

        simple-history's form view asks only for the view permission and saves a valid POST
        (``SIMPLE_HISTORY_REVERT_DISABLED`` only hides its button): a revert would change a
        row with no service and no audit event.
        """
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
