"""The assessment step's pages: its editor and its check (templates under steps/assessment/).

The editor is three forms on one page: the assessment, its crop calendar and its
settlements. Rows are added by a button that shows one more empty row (no JavaScript, nothing
saved) and removed by ticking "remove" before saving. A save is a draft; a submission runs
the named checks too and, refused, lists them at the top and beside the fields at fault.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from forms.assessment import (
    AssessmentCheckForm,
    AssessmentWorkForm,
    CropFormSet,
    SettlementFormSet,
    settlements_conflict,
)
from plm_workflow.plans import checks
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Crop, NeedsAssessment, Settlement
from plm_workflow.plans.services import StaleEdit
from plm_workflow.steps.assessment import (
    assessment_copy_previous,
    assessment_save,
    assessment_submit,
    previous_assessment,
)
from plm_workflow.web import report_refusal

from ..content import content_for, step_of
from . import base

ROW_ADDED = _("An empty row was added: fill it in, then save. Nothing was saved yet.")
COPIED = _("The assessment of the last cycle was copied: review and update every part of it.")
# Where each named check's message also shows: beside the field at fault.
CHECK_FIELDS = {
    checks.WORKERS_MISSING: "seasonal_min",
    checks.HOUSING_MISSING: "housing",
    checks.KEY_ISSUES_MISSING: "key_issues",
    checks.SETTLEMENTS_MISSING: "no_settlements_known",
}
_ADD = {"_add_crop": "crops", "_add_settlement": "settlements"}


class WorkView(base._StepView):
    form_class = AssessmentWorkForm
    template_name = "flows/plm/steps/assessment/work.html"

    def _assessment(self):
        if not hasattr(self, "_loaded"):
            self._loaded = NeedsAssessment.objects.filter(plan=self.plan).first()
        return self._loaded

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        assessment = self._assessment()
        kwargs["instance"] = assessment or NeedsAssessment(plan=self.plan)
        kwargs["initial"] = {"version": assessment.revision if assessment else 0}
        return kwargs

    def formsets(self, data=None):
        assessment = self._assessment()
        crops = assessment.crops.all() if assessment else Crop.objects.none()
        places = assessment.settlements.all() if assessment else Settlement.objects.none()
        return (
            CropFormSet(data, queryset=crops, prefix="crops"),
            SettlementFormSet(data, queryset=places, prefix="settlements"),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "crops" not in kwargs:
            context["crops"], context["settlements"] = self.formsets()
        step = step_of(self.request.activation.task)
        context["returned_by"] = step.returned_by if step else None
        context["current"] = getattr(self, "stale_current", None)
        context["show_errors"] = kwargs.get("show_errors", True)
        if self._assessment() is None:
            context["copy_from"] = previous_assessment(self.plan)
        return context

    def post(self, request, *args, **kwargs):
        if "_copy" in request.POST:
            return self._copy()
        form = self.get_form()
        crops, settlements = self.formsets(request.POST)
        added = next((prefix for name, prefix in _ADD.items() if name in request.POST), None)
        if added is not None:
            return self._with_row(form, crops, settlements, added)
        if "_draft" not in request.POST and "_submit" not in request.POST:
            form.add_error(None, base.SUBMIT_OR_SAVE)
            return self._invalid(form, crops, settlements)
        valid = all([form.is_valid(), crops.is_valid(), settlements.is_valid()])
        if not valid or settlements_conflict(form, settlements.rows()):
            return self._invalid(form, crops, settlements)
        arguments = {
            "plan": self.plan,
            "by": request.user,
            "fields": {name: form.cleaned_data[name] for name in form._meta.fields},
            "crops": crops.rows(),
            "settlements": settlements.rows(),
            "seen_version": form.cleaned_data.get("version"),
        }
        try:
            if "_draft" in request.POST:
                # The data only: the task is never saved here, so its stored status stays
                # NEW or ASSIGNED and a withdrawal can still cancel it.
                assessment_save(**arguments)
                messages.success(request, base.DRAFT_SAVED)
                return HttpResponseRedirect(request.get_full_path())
            # All or nothing: a refusal leaves the assessment as it was.
            assessment_submit(**arguments)
        except StaleEdit as error:
            self.stale_current = content_for(self.spec.phase).as_of(self.plan)
            data = form.data.copy()
            data["version"] = self.stale_current.version if self.stale_current else 0
            form.data = data
            return self._refused(form, crops, settlements, error)
        except PlanError as error:
            return self._refused(form, crops, settlements, error)
        return self.done(base.WORK_SUBMITTED)

    def _copy(self):
        try:
            assessment_copy_previous(plan=self.plan, by=self.request.user)
        except PlanError as error:
            report_refusal(self.request, error)  # 403 to someone with no say
        else:
            messages.success(self.request, COPIED)
        return HttpResponseRedirect(self.request.get_full_path())

    def _with_row(self, form, crops, settlements, prefix):
        data = self.request.POST.copy()
        total = f"{prefix}-TOTAL_FORMS"
        target = crops if prefix == "crops" else settlements
        if target.is_bound and target.management_form.is_valid():
            data[total] = str(min(target.total_form_count() + 1, target.absolute_max))
        crops, settlements = self.formsets(data)
        form = self.get_form_class()(**{**self.get_form_kwargs(), "data": data})
        messages.info(self.request, ROW_ADDED)
        # What was typed stays; its errors wait for the save that checks it.
        return self.render_to_response(
            self.get_context_data(
                form=form, crops=crops, settlements=settlements, show_errors=False
            )
        )

    def _invalid(self, form, crops, settlements):
        return self.render_to_response(
            self.get_context_data(form=form, crops=crops, settlements=settlements)
        )

    def _refused(self, form, crops, settlements, error):
        if error.forbidden:
            return self.refuse(form, error)
        crop_errors = []
        for message in error.messages:
            field = next((f for m, f in CHECK_FIELDS.items() if str(m) == message), None)
            if message == str(checks.CROPS_MISSING):
                crop_errors.append(message)
            if field is not None:
                form.add_error(field, message)
            form.add_error(None, message)
        context = self.get_context_data(form=form, crops=crops, settlements=settlements)
        context["crop_errors"] = crop_errors
        return self.render_to_response(context)


class CheckView(base.CheckView):
    form_class = AssessmentCheckForm
    template_name = "flows/plm/steps/assessment/check.html"
