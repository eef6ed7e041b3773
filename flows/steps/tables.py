"""The tables step's pages: its editor, the editor's sub-pages, the late additions, its check.

The editor (the task's form) lists the comune's organisations (added inline), the plan's
tables and their meetings; each table and meeting is added or changed on a sub-page of the
task, and each sub-form saves at once through its service. Submitting runs the named checks
and, refused, lists them at the top. In drafting the plan's coordinators may still add
organisations and meetings, and the minutes and attendance a meeting lacks, from the plan's
page (``Late…`` pages, under the plan's URL). No page needs JavaScript.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.views import generic
from viewflow.workflow.exceptions import FlowLockFailed

from forms.tables import (
    MeetingForm,
    MeetingRecordForm,
    OrganisationForm,
    TableForm,
    TablesCheckForm,
)
from plm_workflow.plans import permissions
from plm_workflow.plans.documents import files_kept_only_on_success
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Meeting, Organisation, StakeholderTable
from plm_workflow.plans.models.tables import (
    FUTURE_MEETING_RECORDED,
    NO_PLACE,
    ONE_CORE_TABLE,
    ONLINE_LINK_INVALID,
    ORGANISATION_TWICE,
    THEME_OF_A_GROUP,
    TableKind,
)
from plm_workflow.plans.organisations import organisations_of
from plm_workflow.plans.services import StaleEdit
from plm_workflow.steps import tables as service
from plm_workflow.web import FLOW_BUSY

from ..content import step_of
from ..selectors import processes_visible_to
from ..tables_content import editor_rows, late_additions_open
from ..views import process_url
from . import base

ORGANISATION_ADDED = _("Organisation “%(name)s” added.")
ORGANISATION_SAVED = _("Organisation “%(name)s” saved.")
TABLE_ADDED = _("“%(name)s” added.")
TABLE_SAVED = _("“%(name)s” saved.")
TABLE_REMOVED = _("“%(name)s” removed.")
MEETING_ADDED = _("Meeting of %(when)s added.")
MEETING_SAVED = _("Meeting of %(when)s saved.")
MEETING_REMOVED = _("Meeting of %(when)s removed.")
MINUTES_RECORDED = _("Minutes and attendance of the meeting of %(when)s recorded.")
SUBMIT_OR_ADD = _("Choose whether to add an organisation or to submit.")

# Where a service's refusal also shows: beside the field at fault.
ORGANISATION_REFUSALS = {
    str(ORGANISATION_TWICE): "name",
    str(service.THE_COMUNE_ITSELF): "kind",
}
TABLE_REFUSALS = {
    str(ONE_CORE_TABLE): "kind",
    str(THEME_OF_A_GROUP): "theme",
    str(service.OTHER_COMUNE): "members",
}


def _meeting_refusals(form) -> dict:
    present = getattr(form, "cleaned_data", {}).get("attendance") or []
    return {
        str(service.HEAD_COUNT_BELOW % {"count": len(present)}): "head_count",
        str(service.FUTURE_ATTENDANCE): "attendance",
        str(service.OTHER_COMUNE): "attendance",
        str(FUTURE_MEETING_RECORDED): "minutes",
        str(NO_PLACE): "place",
        str(ONLINE_LINK_INVALID): "online_link",
    }


def _when(moment) -> str:
    """A meeting's date and time as a sentence says it ("8 marzo 2027, 10:00")."""
    return date_format(localtime(moment), "DATETIME_FORMAT")


def _ids(rows) -> list[int]:
    return [row.pk for row in rows or []]


def _meeting_fields(form) -> dict:
    """The service's arguments for a meeting from a valid form: the fields it may change, and
    always who attended (the service makes the attendance exactly what it is given)."""
    data = form.cleaned_data
    found = {"attendance": _ids(data.get("attendance"))}
    for name in form.Meta.fields:
        if name != "attendance" and not form.fields[name].disabled:
            found[name] = data.get(name)
    found["minutes_upload"] = data.get("minutes_upload") or None
    return found


class _Editing:
    """Pages that save a row through its service: the refusal at the top and beside its
    field, what was typed kept; a page out of date shows the row as it is now."""

    refusals = {}
    stale_template_name = None

    def refusal_fields(self, form) -> dict:
        return self.refusals

    def current_row(self):
        """The row as stored now (after a refusal for a page out of date)."""
        return None

    def refused(self, form, error):
        if error.forbidden:
            raise PermissionDenied(" ".join(error.messages))
        context = {}
        if isinstance(error, StaleEdit):
            current = self.current_row()
            if current is not None:
                data = form.data.copy()
                data[form.add_prefix("version")] = current.revision
                form.data = data
                context["current"] = current
        form.add_refusal(error.messages, self.refusal_fields(form))
        return self.render_to_response(self.get_context_data(form=form, **context))


# --- The editor and its sub-pages (the task's pages) ------------------------------------------


class _TaskPage(_Editing, base._StepView):
    """A page of the tables task: the task's header, back to the editor once saved."""

    def node_url(self, name, *ids) -> str:
        activation = self.request.activation
        return activation.flow_task.reverse(
            name, args=[activation.process.pk, activation.task.pk, *ids]
        )

    @property
    def work_url(self) -> str:
        return self.node_url("execute")

    def organisations(self):
        return organisations_of(self.plan.comune_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["work_url"] = self.work_url
        return context

    def saved(self, message, anchor=""):
        messages.success(self.request, message)
        return HttpResponseRedirect(self.work_url + anchor)


class WorkView(_TaskPage):
    """The tables task's form: organisations (added here), tables, meetings; then submit."""

    form_class = OrganisationForm
    template_name = "flows/plm/steps/tables/work.html"
    refusals = ORGANISATION_REFUSALS

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Organisation(comune_id=self.plan.comune_id)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        step = step_of(self.request.activation.task)
        rows = editor_rows(self.plan)
        for organisation in rows.organisations:
            organisation.edit_url = self.node_url("page_organisation", organisation.pk)
        for table in rows.tables:
            table.edit_url = self.node_url("page_table", table.pk)
            table.remove_url = self.node_url("page_table_remove", table.pk)
            table.add_meeting_url = self.node_url("page_meeting_new", table.pk)
            for meeting in table.shown_meetings:
                meeting.edit_url = self.node_url("page_meeting", meeting.pk)
                meeting.remove_url = self.node_url("page_meeting_remove", meeting.pk)
        context.update(
            rows=rows,
            returned_by=step.returned_by if step else None,
            add_table_url=self.node_url("page_table_new"),
            submit_refusal=kwargs.get("submit_refusal"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "_submit" in request.POST:
            return self._submit()
        form = self.get_form()
        if "_add_organisation" not in request.POST:
            form.add_error(None, SUBMIT_OR_ADD)
            return self.form_invalid(form)
        if not form.is_valid():
            return self.form_invalid(form)
        data = form.cleaned_data
        try:
            with transaction.atomic():
                organisation = service.organisation_save(
                    plan=self.plan,
                    by=request.user,
                    name=data["name"],
                    kind=data["kind"],
                    email=data["email"],
                )
        except PlanError as error:
            return self.refused(form, error)
        return self.saved(
            ORGANISATION_ADDED % {"name": organisation.name}, f"#organisation-{organisation.pk}"
        )

    def _submit(self):
        try:
            # All or nothing: a refusal leaves the tables as they were.
            service.tables_submit(plan=self.plan, by=self.request.user)
        except PlanError as error:
            if error.forbidden:
                raise PermissionDenied(" ".join(error.messages)) from None
            kwargs = self.get_form_kwargs()
            kwargs.pop("data", None), kwargs.pop("files", None)
            form = self.get_form_class()(**kwargs)  # the inline form, empty: not what failed
            return self.render_to_response(
                self.get_context_data(form=form, submit_refusal=error.messages)
            )
        return self.done(base.WORK_SUBMITTED)


class OrganisationPage(_TaskPage):
    """Change one of the comune's organisations (its name, kind, contact e-mail)."""

    form_class = OrganisationForm
    template_name = "flows/plm/steps/tables/organisation.html"
    refusals = ORGANISATION_REFUSALS

    def row(self):
        if not hasattr(self, "_row"):
            self._row = get_object_or_404(
                Organisation, pk=self.kwargs["organisation_pk"], comune_id=self.plan.comune_id
            )
        return self._row

    def current_row(self):
        return Organisation.objects.get(pk=self.row().pk)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=self.row(), initial={"version": self.row().revision})
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            with transaction.atomic():
                organisation = service.organisation_save(
                    plan=self.plan,
                    by=self.request.user,
                    pk=self.row().pk,
                    seen_version=data.get("version"),
                    name=data["name"],
                    kind=data["kind"],
                    email=data["email"],
                )
        except PlanError as error:
            return self.refused(form, error)
        return self.saved(
            ORGANISATION_SAVED % {"name": organisation.name}, f"#organisation-{organisation.pk}"
        )


class TablePage(_TaskPage):
    """Add a table (``?kind=core`` or ``thematic``) or change one: theme, name, convenor,
    members."""

    form_class = TableForm
    template_name = "flows/plm/steps/tables/table.html"
    refusals = TABLE_REFUSALS

    def row(self):
        if not hasattr(self, "_row"):
            pk = self.kwargs.get("table_pk")
            self._row = (
                get_object_or_404(StakeholderTable, pk=pk, plan=self.plan)
                if pk is not None
                else StakeholderTable(plan=self.plan)
            )
        return self._row

    def current_row(self):
        return StakeholderTable.objects.filter(pk=self.row().pk).first()

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        table = self.row()
        core = StakeholderTable.objects.filter(plan=self.plan, kind=TableKind.CORE)
        if table.pk is not None:
            core = core.exclude(pk=table.pk)
            kwargs["initial"] = {"version": table.revision}
        else:
            kind = self.request.GET.get("kind")
            kwargs["initial"] = {"kind": kind if kind in TableKind.values else TableKind.THEMATIC}
        kwargs.update(instance=table, organisations=self.organisations(), core_taken=core.exists())
        return kwargs

    def form_valid(self, form):
        data = form.cleaned_data
        table = self.row()
        try:
            with transaction.atomic():
                saved = service.table_save(
                    plan=self.plan,
                    by=self.request.user,
                    pk=table.pk,
                    seen_version=data.get("version") if table.pk else None,
                    kind=data["kind"],
                    theme=data.get("theme") or "",
                    name=data["name"],
                    convenor_id=data["convenor"].pk if data.get("convenor") else None,
                    members=_ids(data.get("members")),
                )
        except PlanError as error:
            return self.refused(form, error)
        message = TABLE_SAVED if table.pk else TABLE_ADDED
        return self.saved(message % {"name": saved.name}, f"#table-{saved.pk}")


class MeetingPage(_TaskPage):
    """Add a meeting to a table, or change one: when, where, agenda, attendance, minutes."""

    form_class = MeetingForm
    template_name = "flows/plm/steps/tables/meeting.html"

    def row(self):
        if not hasattr(self, "_row"):
            if "meeting_pk" in self.kwargs:
                self._row = get_object_or_404(
                    Meeting.objects.select_related("table", "minutes_file"),
                    pk=self.kwargs["meeting_pk"],
                    table__plan=self.plan,
                )
            else:
                table = get_object_or_404(
                    StakeholderTable, pk=self.kwargs["table_pk"], plan=self.plan
                )
                self._row = Meeting(table=table)
        return self._row

    def current_row(self):
        return (
            Meeting.objects.select_related("table", "minutes_file").filter(pk=self.row().pk).first()
        )

    def refusal_fields(self, form):
        return _meeting_refusals(form)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        meeting = self.row()
        if meeting.pk is not None:
            kwargs["initial"] = {"version": meeting.revision}
        kwargs.update(instance=meeting, organisations=self.organisations())
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(meeting=self.row(), table=self.row().table)
        return context

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form))

    def form_valid(self, form):
        meeting = self.row()
        try:
            with files_kept_only_on_success(), transaction.atomic():
                saved = service.meeting_save(
                    plan=self.plan,
                    by=self.request.user,
                    table=meeting.table_id,
                    pk=meeting.pk,
                    seen_version=form.cleaned_data.get("version") if meeting.pk else None,
                    **_meeting_fields(form),
                )
        except PlanError as error:
            return self.refused(form, error)
        message = MEETING_SAVED if meeting.pk else MEETING_ADDED
        return self.saved(message % {"when": _when(saved.starts_at)}, f"#meeting-{saved.pk}")


class _RemovePage(_TaskPage):
    """Confirm, then remove a row entered by mistake (its history stays)."""

    template_name = "flows/plm/steps/tables/remove.html"
    form_class = None

    def get_form(self, form_class=None):
        return None

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(row=self.row(), what=self.what(), refusal=kwargs.get("refusal"))
        return context

    def post(self, request, *args, **kwargs):
        row = self.row()
        try:
            with transaction.atomic():
                self.remove(row)
        except PlanError as error:
            if error.forbidden:
                raise PermissionDenied(" ".join(error.messages)) from None
            return self.render_to_response(self.get_context_data(refusal=error.messages))
        return self.saved(self.removed % {"name": str(row), "when": self.when(row)}, "#tables")

    def when(self, row):
        return ""


class TableRemovePage(_RemovePage):
    removed = TABLE_REMOVED

    def row(self):
        if not hasattr(self, "_row"):
            self._row = get_object_or_404(
                StakeholderTable, pk=self.kwargs["table_pk"], plan=self.plan
            )
        return self._row

    def what(self):
        return "table"

    def remove(self, row):
        service.table_remove(plan=self.plan, by=self.request.user, pk=row.pk)


class MeetingRemovePage(_RemovePage):
    removed = MEETING_REMOVED

    def row(self):
        if not hasattr(self, "_row"):
            self._row = get_object_or_404(
                Meeting.objects.select_related("table"),
                pk=self.kwargs["meeting_pk"],
                table__plan=self.plan,
            )
        return self._row

    def what(self):
        return "meeting"

    def when(self, row):
        return _when(row.starts_at)

    def remove(self, row):
        service.meeting_remove(plan=self.plan, by=self.request.user, pk=row.pk)


def pages(spec):
    """The editor's sub-pages, under its task's URL: ``(slug, route, view)``."""
    return (
        ("organisation", "organisation/<id:organisation_pk>/", OrganisationPage),
        ("table_new", "table/new/", TablePage),
        ("table", "table/<id:table_pk>/", TablePage),
        ("table_remove", "table/<id:table_pk>/remove/", TableRemovePage),
        ("meeting_new", "meeting/new/<id:table_pk>/", MeetingPage),
        ("meeting", "meeting/<id:meeting_pk>/", MeetingPage),
        ("meeting_remove", "meeting/<id:meeting_pk>/remove/", MeetingRemovePage),
    )


class CheckView(base.CheckView):
    form_class = TablesCheckForm
    template_name = "flows/plm/steps/tables/check.html"


# --- Late additions during drafting (the plan's pages) ----------------------------------------


class _LatePage(_Editing, generic.FormView):
    """A late addition from the plan's page: for the plan's coordinators while it is drafted.

    A plan the person may not see is 404; one they may see but not coordinate is 403; once
    the draft is submitted for review the page sends them back to the plan, saying why.
    Saved through the service under the flow's lock, all or nothing.
    """

    flow_class = None
    viewset = None
    template_name = None

    def dispatch(self, request, *args, process_pk, **kwargs):
        self.process = get_object_or_404(processes_visible_to(request.user), pk=process_pk)
        self.plan = self.process.plan
        self.row()  # 404 for a row not of this plan
        if not permissions.can_coordinate(self.plan, request.user):
            raise PermissionDenied
        if not late_additions_open(self.plan, request.user):
            messages.info(request, service.LATE_NOT_OPEN)
            return redirect(self.back_url)
        return super().dispatch(request, *args, process_pk=process_pk, **kwargs)

    @property
    def back_url(self) -> str:
        return process_url(self.process) + "#plm-section-tables"

    def organisations(self):
        return organisations_of(self.plan.comune_id)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(plan=self.plan, process=self.process, process_url=self.back_url, late=True)
        return context

    def save(self, form):
        try:
            with (
                files_kept_only_on_success(),
                self.flow_class.lock(self.process.pk),
                transaction.atomic(),
            ):
                message = self.act(form)
        except PlanError as error:
            return self.refused(form, error)
        except FlowLockFailed:
            form.add_error(None, FLOW_BUSY)
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.back_url)

    def form_valid(self, form):
        return self.save(form)


class LateOrganisationPage(_LatePage):
    """Add an organisation of the comune during drafting."""

    form_class = OrganisationForm
    template_name = "flows/plm/steps/tables/organisation.html"
    refusals = ORGANISATION_REFUSALS

    def row(self):
        return None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = Organisation(comune_id=self.plan.comune_id)
        return kwargs

    def act(self, form):
        data = form.cleaned_data
        organisation = service.organisation_save(
            plan=self.plan,
            by=self.request.user,
            name=data["name"],
            kind=data["kind"],
            email=data["email"],
        )
        return ORGANISATION_ADDED % {"name": organisation.name}


class LateMeetingPage(_LatePage):
    """Add a meeting to one of the plan's tables during drafting."""

    form_class = MeetingForm
    template_name = "flows/plm/steps/tables/meeting.html"

    def row(self):
        if not hasattr(self, "_row"):
            table = get_object_or_404(StakeholderTable, pk=self.kwargs["table_pk"], plan=self.plan)
            self._row = Meeting(table=table)
        return self._row

    def refusal_fields(self, form):
        return _meeting_refusals(form)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(instance=self.row(), organisations=self.organisations())
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(meeting=self.row(), table=self.row().table)
        return context

    def act(self, form):
        saved = service.meeting_save(
            plan=self.plan, by=self.request.user, table=self.row().table_id, **_meeting_fields(form)
        )
        return MEETING_ADDED % {"when": _when(saved.starts_at)}


class LateRecordPage(_LatePage):
    """Add the minutes and attendance a meeting lacks, during drafting."""

    form_class = MeetingRecordForm
    template_name = "flows/plm/steps/tables/meeting.html"

    def row(self):
        if not hasattr(self, "_row"):
            self._row = get_object_or_404(
                Meeting.objects.select_related("table", "minutes_file"),
                pk=self.kwargs["meeting_pk"],
                table__plan=self.plan,
            )
        return self._row

    def current_row(self):
        return (
            Meeting.objects.select_related("table", "minutes_file").filter(pk=self.row().pk).first()
        )

    def refusal_fields(self, form):
        return _meeting_refusals(form)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        meeting = self.row()
        kwargs.update(
            instance=meeting,
            organisations=self.organisations(),
            initial={"version": meeting.revision},
            has_minutes=meeting.has_minutes,
            has_attendance=meeting.attendance.exists(),
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(meeting=self.row(), table=self.row().table, recording=True)
        return context

    def act(self, form):
        meeting = self.row()
        saved = service.meeting_save(
            plan=self.plan,
            by=self.request.user,
            table=meeting.table_id,
            pk=meeting.pk,
            seen_version=form.cleaned_data.get("version"),
            **_meeting_fields(form),
        )
        return MINUTES_RECORDED % {"when": _when(saved.starts_at)}


def late_pages():
    """The late additions' pages, under the plan's URL: ``(name, route, view)``."""
    return (
        ("tables_organisation_new", "tables/organisation/new/", LateOrganisationPage),
        ("tables_meeting_new", "tables/meeting/new/<id:table_pk>/", LateMeetingPage),
        ("tables_meeting_record", "tables/meeting/<id:meeting_pk>/", LateRecordPage),
    )
