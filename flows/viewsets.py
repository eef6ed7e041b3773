"""The PLM flow's pages, without viewflow's lists that would show every comune."""

from django.urls import path, reverse
from django.views.generic import RedirectView
from viewflow.workflow.flow import FlowViewset

from . import exports, timeline, views
from .steps import adoption as adoption_pages
from .steps import tables as tables_pages


class _HomeRedirectView(RedirectView):
    def get_redirect_url(self, *args, **kwargs):
        return reverse("home:index")


class PLMFlowViewset(FlowViewset):
    """Process, task and chart pages behind the plan's visibility.

    viewflow's dashboard, process list and task list read the model-wide permission and
    would list every comune's plan: they are switched off, and so is its process cancel
    (a plan is withdrawn through its service). The flow's index is the home page.
    """

    process_list_path = None
    task_list_path = None
    process_cancel_path = None
    process_detail_view_class = views.ProcessDetailView
    chart_view_class = views.ProcessChartView

    @property
    def index_path(self):
        return path("", _HomeRedirectView.as_view(), name="index")

    @property
    def process_detail_path(self):
        return path("<id:process_pk>/", self.process_detail_view, name="process_detail")

    @property
    def flow_chart_path(self):
        return path("<id:process_pk>/chart/", self.chart_view, name="process_chart")

    def _plan_state_route(self, action, view_class):
        view = view_class.as_view(flow_class=self._flow_class, viewset=self)
        return path(f"<id:process_pk>/{action}/", view, name=f"process_{action}")

    @property
    def process_suspend_path(self):
        return self._plan_state_route("suspend", views.SuspendView)

    @property
    def process_resume_path(self):
        return self._plan_state_route("resume", views.ResumeView)

    @property
    def process_withdraw_path(self):
        return self._plan_state_route("withdraw", views.WithdrawView)

    @property
    def phase_date_path(self):
        view = views.PhaseDateMoveView.as_view(flow_class=self._flow_class, viewset=self)
        return path("<id:process_pk>/schedule/<str:phase>/", view, name="phase_date")

    @property
    def due_date_path(self):
        view = views.DueDateMoveView.as_view(flow_class=self._flow_class, viewset=self)
        return path("<id:process_pk>/due/<id:task_pk>/", view, name="due_date")

    # The tables' late additions during drafting (DESIGN §3), from the plan's page.

    def _late_route(self, name):
        route, view_class = next(
            (route, view) for slug, route, view in tables_pages.late_pages() if slug == name
        )
        view = view_class.as_view(flow_class=self._flow_class, viewset=self)
        return path(f"<id:process_pk>/{route}", view, name=name)

    @property
    def tables_organisation_new_path(self):
        return self._late_route("tables_organisation_new")

    @property
    def tables_meeting_new_path(self):
        return self._late_route("tables_meeting_new")

    @property
    def tables_meeting_record_path(self):
        return self._late_route("tables_meeting_record")

    # The publication of an adopted plan on the albo pretorio (DESIGN §2), from its page.

    @property
    def publication_path(self):
        _name, route, view_class = next(
            page for page in adoption_pages.plan_pages() if page[0] == "publication"
        )
        view = view_class.as_view(flow_class=self._flow_class, viewset=self)
        return path(f"<id:process_pk>/{route}", view, name="publication")

    # The plan's measures as CSV for Italian spreadsheets, from its page.

    @property
    def measures_csv_path(self):
        view = exports.MeasuresCSVView.as_view(flow_class=self._flow_class, viewset=self)
        return path("<id:process_pk>/measures.csv", view, name="measures_csv")

    # The plan's whole story, its integrity, and its exports (CSV, JSON Lines), from its page.

    @property
    def process_timeline_path(self):
        view = timeline.PlanTimelineView.as_view(flow_class=self._flow_class, viewset=self)
        return path("<id:process_pk>/timeline/", view, name="process_timeline")

    @property
    def process_timeline_export_path(self):
        view = timeline.PlanTimelineExportView.as_view(flow_class=self._flow_class, viewset=self)
        return path("<id:process_pk>/timeline/export/", view, name="process_timeline_export")
