"""The drafting step's pages: the draft's editor and its sub-pages, the confirmation, the review.

The editor (the ``draft`` task's form) holds the plan's four sections, saved together, and
lists the measures by axis and priority action with their totals; each measure is added or
changed on a page of its own (its funding lines and indicators in the same form, a line added
by a button that saves nothing), and removed after a confirmation. Beside each section and
measure stand the comments of the review that returned the draft. Submitting first shows a
step that says what it does (the draft goes to the facilitators, locked until they decide)
and what would stop it now; only its button submits. The review (``review``) shows the whole
draft read-only, what changed since the last return and the meetings added since the tables
were approved, and takes a comment per section and per measure besides the decision. No page
needs JavaScript; each keeps the number of its queries whatever the number of measures.
"""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from forms.drafting import (
    DraftingCheckForm,
    FundingFormSet,
    IndicatorFormSet,
    MeasureForm,
    SectionsForm,
    measure_comment_name,
    section_comment_name,
    sections_initial,
    with_versions,
)
from forms.fields import form_messages
from plm_workflow.plans import phases
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import (
    FundingLine,
    Indicator,
    Measure,
    Meeting,
    Phase,
    PriorityAction,
    Review,
    ReviewComment,
    ReviewDecision,
    SectionKey,
)
from plm_workflow.plans.models.drafting import END_BEFORE_START
from plm_workflow.plans.services import StaleEdit, review_decide
from plm_workflow.steps import drafting as service

from ..content import content_for, step_of
from ..drafting_content import MeasureShown, orphan_comments, with_comments
from . import base
from .tables import _TaskPage

SECTIONS_SAVED = _("The sections are saved.")
MEASURE_ADDED = _("Measure “%(title)s” added.")
MEASURE_SAVED = _("Measure “%(title)s” saved.")
MEASURE_REMOVED = _("Measure “%(title)s” removed.")
LINE_ADDED = _("An empty line was added: fill it in, then save. Nothing was saved yet.")
SAVE_OR_SUBMIT = _("Choose whether to save the sections or to submit the draft.")
CONFIRM_TEMPLATE = "flows/plm/steps/drafting/confirm.html"

# Where a service's refusal also shows: beside the field at fault.
MEASURE_REFUSALS = {
    str(service.ACTION_UNKNOWN): "priority_action",
    str(service.OTHER_COMUNE): "lead",
    str(END_BEFORE_START): "ends_on",
}
_ADD = {"_add_funding": "funding", "_add_indicator": "indicators"}


def _refusal_list(form, funding, indicators) -> list[str]:
    """Every refusal of a measure's page: its form's, then each line's under its number."""
    found = form_messages(form) if form.is_bound else []
    for formset, label in ((funding, service.FUNDING_LINE), (indicators, service.INDICATOR)):
        if not formset.is_bound:
            continue
        found += [str(message) for message in formset.non_form_errors()]
        for number, row in enumerate(formset.forms, start=1):
            if row.is_bound and row.errors:
                found += [f"{label} {number}: {message}" for message in form_messages(row)]
    return found


def _returned_by(task) -> Review | None:
    """The review whose return opened this draft task (None for the first draft)."""
    step = step_of(task)
    return step.returned_by if step else None


class _DraftPage(_TaskPage):
    """A page of the draft task: the task's header, the review that returned it, if any."""

    @property
    def returned_by(self) -> Review | None:
        if not hasattr(self, "_returned_by"):
            self._returned_by = _returned_by(self.request.activation.task)
        return self._returned_by

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["returned_by"] = self.returned_by
        return context


# --- The editor ---------------------------------------------------------------------------------


class WorkView(_DraftPage):
    """The draft: its sections (one form), its measures listed with their totals, submit."""

    form_class = SectionsForm
    template_name = "flows/plm/steps/drafting/work.html"

    def state(self):
        """The draft as of now, with the returning review's comments beside its items."""
        if not hasattr(self, "_state"):
            content = content_for(self.spec.phase)
            self._state = with_comments(content.as_of(self.plan), self.returned_by)
        return self._state

    def get_initial(self):
        return sections_initial(self.state())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        state = self.state()
        for measure in state.measures if state else ():
            measure.edit_url = self.node_url("page_measure", measure.row.id)
            measure.remove_url = self.node_url("page_measure_remove", measure.row.id)
        shown = {section.key: section for section in state.sections} if state else {}
        form = context.get("form")
        orphans = orphan_comments(self.returned_by, state)
        items = [*shown.values(), *(state.measures if state else ())]
        context.update(
            state=state,
            item_comments=bool(orphans) or any(item.comments for item in items),
            sections=[
                {"field": field, "version": version, "shown": shown.get(field.name)}
                for field, version in (form.section_fields() if form is not None else ())
            ],
            orphans=orphans,
            add_measure_url=self.node_url("page_measure_new"),
            submit_refusal=kwargs.get("submit_refusal"),
            current=kwargs.get("current"),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "_submit" in request.POST:
            return self._submit(confirmed=request.POST.get("confirmed") == "1")
        form = self.get_form()
        if "_save_sections" not in request.POST:
            form.add_error(None, SAVE_OR_SUBMIT)
            return self.form_invalid(form)
        if not form.is_valid():
            return self.form_invalid(form)
        try:
            with transaction.atomic():
                service.sections_save(
                    plan=self.plan,
                    by=request.user,
                    texts=form.texts(),
                    seen_versions=form.seen_versions(),
                )
        except PlanError as error:
            if error.forbidden:
                raise PermissionDenied(" ".join(error.messages)) from None
            current = None
            if isinstance(error, StaleEdit):
                # What was typed stays; the texts saved meanwhile are shown, with their
                # revisions in the form, so that saving again is a deliberate choice.
                current = self.state()
                with_versions(form, current)
            form.add_refusal(error.messages)
            return self.render_to_response(self.get_context_data(form=form, current=current))
        return self.saved(SECTIONS_SAVED, "#sections")

    def _submit(self, *, confirmed: bool):
        if not confirmed:
            # Nothing is written: the step that says what submitting does, and what would
            # stop it now.
            blocking = phases.failing_messages(self.plan, self.spec.closing.__name__)
            context = self.get_context_data(form=None)
            context["blocking"] = blocking
            return TemplateResponse(self.request, CONFIRM_TEMPLATE, context)
        try:
            # All or nothing: a refusal leaves the draft as it was.
            service.draft_submit(plan=self.plan, by=self.request.user)
        except PlanError as error:
            if error.forbidden:
                raise PermissionDenied(" ".join(error.messages)) from None
            form = self.get_form_class()(initial=self.get_initial())
            return self.render_to_response(
                self.get_context_data(form=form, submit_refusal=error.messages)
            )
        return self.done(base.WORK_SUBMITTED)


# --- A measure's pages --------------------------------------------------------------------------


class MeasurePage(_DraftPage):
    """Add a measure, or change one: its fields, partners, funding lines and indicators, all
    saved at once; a line is added by a button that shows one more and saves nothing."""

    form_class = MeasureForm
    template_name = "flows/plm/steps/drafting/measure.html"
    refusals = MEASURE_REFUSALS

    def row(self) -> Measure:
        if not hasattr(self, "_row"):
            pk = self.kwargs.get("measure_pk")
            self._row = (
                get_object_or_404(Measure, pk=pk, plan=self.plan)
                if pk is not None
                else Measure(plan=self.plan)
            )
        return self._row

    def current_row(self):
        """The measure as stored now, shown as the draft shows it (after a stale refusal)."""
        measure = (
            Measure.objects.select_related("priority_action__axis", "lead")
            .filter(pk=self.row().pk)
            .first()
        )
        if measure is None:
            return None
        return MeasureShown(
            measure,
            action=measure.priority_action,
            lead=measure.lead,
            partners=sorted(measure.partners.all(), key=lambda o: o.name.lower()),
            funding=list(measure.funding.order_by("pk")),
            indicators=list(measure.indicators.order_by("pk")),
        )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        measure = self.row()
        kwargs.update(
            # A copy: the form writes what was typed into its instance, and the page names
            # the measure as stored.
            instance=copy.copy(measure),
            initial={"version": measure.revision},
            organisations=self.organisations(),
            actions=list(PriorityAction.objects.select_related("axis").order_by("number")),
        )
        return kwargs

    def formsets(self, data=None):
        measure = self.row()
        funding = measure.funding.order_by("pk") if measure.pk else FundingLine.objects.none()
        indicators = measure.indicators.order_by("pk") if measure.pk else Indicator.objects.none()
        return (
            FundingFormSet(data, queryset=funding, prefix="funding"),
            IndicatorFormSet(data, queryset=indicators, prefix="indicators"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "funding" not in kwargs:
            context["funding"], context["indicators"] = self.formsets()
        measure = self.row()
        context.update(
            measure=measure,
            show_errors=kwargs.get("show_errors", True),
            comments=(
                list(ReviewComment.objects.filter(review=self.returned_by, measure=measure.pk))
                if self.returned_by is not None and measure.pk is not None
                else []
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        funding, indicators = self.formsets(request.POST)
        added = next((prefix for name, prefix in _ADD.items() if name in request.POST), None)
        if added is not None:
            return self._with_line(funding, indicators, added)
        if not all([form.is_valid(), funding.is_valid(), indicators.is_valid()]):
            return self._render(form, funding, indicators)
        measure = self.row()
        try:
            with transaction.atomic():
                saved = service.measure_save(
                    plan=self.plan,
                    by=request.user,
                    pk=measure.pk,
                    seen_version=form.cleaned_data.get("version") if measure.pk else None,
                    fields=form.service_fields(),
                    partners=form.partner_ids(),
                    funding=funding.rows(),
                    indicators=indicators.rows(),
                )
        except PlanError as error:
            return self._refused(form, funding, indicators, error)
        message = MEASURE_SAVED if measure.pk else MEASURE_ADDED
        return self.saved(message % {"title": saved.title}, f"#measure-{saved.pk}")

    def _render(self, form, funding, indicators, **context):
        if context.get("show_errors", True):
            context["refusal_list"] = _refusal_list(form, funding, indicators)
        return self.render_to_response(
            self.get_context_data(form=form, funding=funding, indicators=indicators, **context)
        )

    def _with_line(self, funding, indicators, prefix):
        data = self.request.POST.copy()
        target = funding if prefix == "funding" else indicators
        if target.is_bound and target.management_form.is_valid():
            data[f"{prefix}-TOTAL_FORMS"] = str(
                min(target.total_form_count() + 1, target.absolute_max)
            )
        funding, indicators = self.formsets(data)
        form = self.get_form_class()(**{**self.get_form_kwargs(), "data": data})
        messages.info(self.request, LINE_ADDED)
        return self._render(form, funding, indicators, show_errors=False)

    def _refused(self, form, funding, indicators, error):
        if error.forbidden:
            raise PermissionDenied(" ".join(error.messages))
        context = {}
        if isinstance(error, StaleEdit):
            current = self.current_row()
            if current is not None:
                data = form.data.copy()
                data[form.add_prefix("version")] = current.row.revision
                form.data = data
                context["current"] = current
        form.add_refusal(error.messages, self.refusals)
        return self._render(form, funding, indicators, **context)


class MeasureRemovePage(_DraftPage):
    """Confirm, then remove a measure with its funding lines and indicators (history kept)."""

    template_name = "flows/plm/steps/drafting/remove.html"
    form_class = None

    def row(self) -> Measure:
        if not hasattr(self, "_row"):
            self._row = get_object_or_404(Measure, pk=self.kwargs["measure_pk"], plan=self.plan)
        return self._row

    def get_form(self, form_class=None):
        return None

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        measure = self.row()
        context.update(
            row=measure,
            lines=measure.funding.count(),
            indicators=measure.indicators.count(),
            refusal=kwargs.get("refusal"),
        )
        return context

    def post(self, request, *args, **kwargs):
        measure = self.row()
        try:
            with transaction.atomic():
                service.measure_remove(plan=self.plan, by=request.user, pk=measure.pk)
        except PlanError as error:
            if error.forbidden:
                raise PermissionDenied(" ".join(error.messages)) from None
            return self.render_to_response(self.get_context_data(refusal=error.messages))
        return self.saved(MEASURE_REMOVED % {"title": measure.title}, "#measures")


def pages(spec):
    """The editor's sub-pages, under its task's URL: ``(slug, route, view)``."""
    return (
        ("measure_new", "measure/new/", MeasurePage),
        ("measure", "measure/<id:measure_pk>/", MeasurePage),
        ("measure_remove", "measure/<id:measure_pk>/remove/", MeasureRemovePage),
    )


# --- The review ---------------------------------------------------------------------------------


def meetings_since_tables(plan) -> tuple:
    """Return when the plan's tables were approved and the meetings added since, by date."""
    approved = (
        Review.objects.filter(plan=plan, phase=Phase.TABLES, decision=ReviewDecision.APPROVED)
        .order_by("-round")
        .values_list("decided_at", flat=True)
        .first()
    )
    if approved is None:
        return None, []
    added = Meeting.history.filter(
        table__plan=plan, history_type="+", history_date__gt=approved
    ).values("id")
    meetings = (
        Meeting.objects.filter(table__plan=plan, pk__in=added)
        .select_related("table")
        .order_by("starts_at", "pk")
    )
    return approved, list(meetings)


class CheckView(base.CheckView):
    """The facilitators' review: the whole draft, what changed since the last return and the
    meetings added since the tables' approval; the decision, with a comment on any section or
    measure."""

    form_class = DraftingCheckForm
    template_name = "flows/plm/steps/drafting/check.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["sections"] = SectionKey.choices
        kwargs["measures"] = list(
            Measure.objects.filter(plan=self.plan).order_by("pk").values_list("pk", "title")
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, returned = context["form"], context["last_return"]
        # The comments of the last return beside their items, and a field for a new one.
        current = with_comments(context["current"], returned)
        for section in current.sections if current else ():
            section.comment_field = form[section_comment_name(section.key)]
        for measure in current.measures if current else ():
            name = measure_comment_name(measure.row.id)
            if name in form.fields:
                measure.comment_field = form[name]
        approved_at, meetings = meetings_since_tables(self.plan)
        context.update(
            current=current,
            orphans=orphan_comments(returned, current),
            tables_approved_at=approved_at,
            late_meetings=meetings,
        )
        return context

    def form_valid(self, form):
        decision = form.cleaned_data["decision"]
        try:
            review_decide(
                plan=self.plan,
                phase=self.spec.phase,
                decision=decision,
                comments=form.cleaned_data["comments"],
                item_comments=form.item_comments(),
                by=self.request.user,
            )
        except PlanError as error:
            return self.refuse(form, error)
        return self.done(base.DECISION_RECORDED[ReviewDecision(decision)])
