from django.contrib import admin
from django.contrib.auth.views import PasswordResetView
from django.urls import include, path, register_converter
from django.utils.translation import gettext_lazy as _
from viewflow.contrib.auth import AuthViewset
from viewflow.urls import Application, Site

from flows.flows import PLMFlow
from flows.lists import ArchiveView, InboxView, PlanListView, QueueView
from flows.timeline import AllTimelineExportView, AllTimelineView
from flows.viewsets import PLMFlowViewset
from forms.accounts import ThrottledPasswordResetForm

from . import health
from .error_pages import permission_denied, server_error
from .ids import IdConverter, IstatConverter
from .profiles.views import language_set
from .views import (
    ComuneSearchView,
    ComuneView,
    DocumentView,
    HomeView,
    PLMLoginView,
    PrivacyView,
)

# Record ids in our paths: the flow's paths below are built with it.
register_converter(IdConverter, "id")
register_converter(IstatConverter, "istat")


class HomeApplication(Application):
    """The home of the site menu: what a logged-in user sees first."""

    title = _("Home")
    icon = "home"
    menu_template_name = "plm_workflow/menu.html"
    app_name = "home"
    base_template_name = "plm_workflow/base.html"
    index_path = path("", HomeView.as_view(), name="index")
    inbox_path = path("inbox/", InboxView.as_view(), name="inbox")
    queue_path = path("queue/", QueueView.as_view(), name="queue")
    archive_path = path("archive/", ArchiveView.as_view(), name="archive")
    plans_path = path("plans/", PlanListView.as_view(), name="plans")
    timeline_path = path("timeline/", AllTimelineView.as_view(), name="timeline")
    timeline_export_path = path(
        "timeline/export/", AllTimelineExportView.as_view(), name="timeline_export"
    )


home = HomeApplication(viewsets=[PLMFlowViewset(PLMFlow)])
site = Site(title=_("PLM Workflow"), viewsets=[home])

urlpatterns = [
    path(
        "accounts/",
        AuthViewset(
            with_profile_view=False,
            login_view=PLMLoginView.as_view(),
            # A few reset e-mails per address an hour, counted in the database.
            pass_reset_view=PasswordResetView.as_view(form_class=ThrottledPasswordResetForm),
        ).urls,
    ),
    # The language switcher works before login too (the login page offers it); a logged-in
    # person's choice is stored and applied at their next login.
    path("i18n/setlang/", language_set, name="set_language"),
    path("comuni/search/", ComuneSearchView.as_view(), name="comune_search"),
    path("comuni/<istat:istat_code>/", ComuneView.as_view(), name="comune"),
    path("files/<uuid:public_id>/", DocumentView.as_view(), name="document"),
    path("privacy/", PrivacyView.as_view(), name="privacy"),
    # Notifications, the profile page and the calendar feed.
    path("", include("flows.alerts_urls")),
    path("admin/", admin.site.urls),
    path("health/live/", health.live, name="health_live"),
    path("health/ready/", health.ready, name="health_ready"),
    path("", site.urls),
]


handler403 = permission_denied
handler500 = server_error
