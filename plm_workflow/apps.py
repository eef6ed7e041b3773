from django.contrib.admin.apps import AdminConfig
from django.contrib.staticfiles.apps import StaticFilesConfig


class PLMAdminConfig(AdminConfig):
    """The Django admin, opened to superusers only."""

    default_site = "plm_workflow.admin.SuperuserAdminSite"


class PLMStaticFilesConfig(StaticFilesConfig):
    """collectstatic without the stray copies of npm packages that django-viewflow ships.

    django-viewflow 2.4.0 ships, beside the fonts its templates use, the npm packages they were
    copied from, e.g. ``viewflow/static/viewflow/fonts/roboto/node_modules/roboto-fontface/css/
    roboto/roboto-fontface.css``, whose ``url()`` references point at files that are not there:
    the manifest storage then refuses to finish (``MissingFileError … Roboto-Thin.woff2``) and
    every page answers 500. No template refers to those copies.
    """

    ignore_patterns = [
        *StaticFilesConfig.ignore_patterns,
        "viewflow/fonts/roboto/node_modules/*",
    ]
