from django.contrib.admin.apps import AdminConfig


class PLMAdminConfig(AdminConfig):
    """The Django admin, opened to superusers only."""

    default_site = "plm_workflow.admin.SuperuserAdminSite"
