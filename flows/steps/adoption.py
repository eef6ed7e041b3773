"""The adoption step's pages: its editor, its check with the confirmation, the publication.

The editor (the ``record_adoption`` task's form) records the resolution: body, number, date,
whether it is immediately enforceable, notes, the signed act and any annexes as PDFs; a save
is a draft, a submission runs the named checks of ``adopt`` too and, refused, lists them at
the top and beside the fields at fault. The check (``verify_adoption``) shows the act
read-only; a return is recorded at once, a confirmation only from a second step that says
what it does (the plan becomes adopted and final). Once adopted, the plan's coordinators and
facilitators record the act's publication on the albo pretorio from the plan's page
(``PublicationPage``, under the plan's URL), and correct it giving a reason.
"""

import copy

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import generic

from forms.adoption import AdoptionCheckForm, AdoptionWorkForm, PublicationForm
from plm_workflow.plans import checks, phases
from plm_workflow.plans.documents import files_kept_only_on_success
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Adoption, Document, DocumentKind, PlanStatus, ReviewDecision
from plm_workflow.plans.services import StaleEdit
from plm_workflow.steps import adoption as service

from ..adoption_content import adoption_of, may_record_publication
from ..content import content_for, step_of
from ..selectors import processes_visible_to
from ..views import process_url
from . import base

PUBLICATION_RECORDED = _("The publication on the albo pretorio is recorded.")
PUBLICATION_CORRECTED = _("The publication on the albo pretorio is corrected.")
NOT_CONFIRMABLE = _("The adoption cannot be confirmed as it stands:")

# Where each named check's message also shows: beside the field at fault.
CHECK_FIELDS = (
    (checks.BODY_MISSING, "body"),
    (checks.ACT_NUMBER_MISSING, "act_number"),
    (checks.ACT_DATE_MISSING, "act_date"),
    (checks.ACT_DATE_FUTURE, "act_date"),
    (checks.ACT_BEFORE_APPROVAL, "act_date"),
    (checks.ACT_BEFORE_ADHESION, "act_date"),
    (checks.SIGNED_ACT_MISSING, "signed_act"),
)
PUBLICATION_REFUSALS = ((service.CORRECTION_NEEDS_REASON, "reason"),)


class WorkView(base._StepView):
    """The act of adoption, saved as a draft or submitted to the facilitators."""

    form_class = AdoptionWorkForm
    template_name = "flows/plm/steps/adoption/work.html"

    def _adoption(self) -> Adoption | None:
        if not hasattr(self, "_loaded"):
            self._loaded = adoption_of(self.plan)
        return self._loaded

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "POST":
            # What was sent is checked on its own; the service reads the act afresh, under
            # the plan's lock (a refused page reads it to show it).
            kwargs["instance"] = Adoption(plan=self.plan)
            return kwargs
        adoption = self._adoption()
        kwargs["instance"] = adoption or Adoption(plan=self.plan)
        kwargs["initial"] = {"version": adoption.revision if adoption else 0}
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        step = step_of(self.request.activation.task)
        context.update(
            adoption=self._adoption(),
            annexes=Document.objects.filter(
                plan_id=self.plan.pk, kind=DocumentKind.ADOPTION_ANNEX
            ).order_by("uploaded_at", "pk"),
            returned_by=step.returned_by if step else None,
            current=kwargs.get("current"),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if "_draft" not in request.POST and "_submit" not in request.POST:
            form.add_error(None, base.SUBMIT_OR_SAVE)
            return self.form_invalid(form)
        if not form.is_valid():
            return self.form_invalid(form)
        data = form.cleaned_data
        arguments = {
            "plan": self.plan,
            "by": request.user,
            "fields": {name: data[name] for name in form._meta.fields},
            "signed_act_upload": data.get("signed_act"),
            "annex_uploads": data.get("annexes") or [],
            "seen_version": data.get("version"),
        }
        draft = "_draft" in request.POST
        try:
            # All or nothing, the files too: a refusal leaves the act as it was (the
            # submission is a transaction of its own). The task is never saved by a draft:
            # its stored status stays NEW or ASSIGNED, so a withdrawal can still cancel it.
            with files_kept_only_on_success():
                if draft:
                    with transaction.atomic():
                        service.adoption_save(**arguments)
                else:
                    service.adoption_submit(**arguments)
        except StaleEdit as error:
            return self._refused(form, error, current=content_for(self.spec.phase).as_of(self.plan))
        except PlanError as error:
            return self._refused(form, error)
        if draft:
            messages.success(request, base.DRAFT_SAVED)
            return HttpResponseRedirect(request.get_full_path())
        return self.done(base.WORK_SUBMITTED)

    def _refused(self, form, error, current=None):
        if error.forbidden:
            raise PermissionDenied(" ".join(error.messages))
        if current is not None:
            # What the person typed stays; the version is the current one, so that saving
            # again is a deliberate choice.
            data = form.data.copy()
            data["version"] = current.version
            form.data = data
        form.add_refusal(error.messages, CHECK_FIELDS)
        return self.render_to_response(self.get_context_data(form=form, current=current))


class CheckView(base.CheckView):
    """The facilitators' check: a return is recorded at once; a confirmation first shows a
    step saying that the plan becomes adopted and final, and is recorded only from there."""

    form_class = AdoptionCheckForm
    template_name = "flows/plm/steps/adoption/check.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["confirming"] = kwargs.get("confirming", False)
        context["blocking"] = kwargs.get("blocking", [])
        return context

    def form_valid(self, form):
        approving = form.cleaned_data["decision"] == ReviewDecision.APPROVED
        if approving and not form.cleaned_data["confirmed"]:
            # Nothing is recorded: the confirmation step, with what would stop it now.
            blocking = phases.failing_messages(self.plan, self.spec.closing.__name__)
            return self.render_to_response(
                self.get_context_data(form=form, confirming=True, blocking=blocking)
            )
        return super().form_valid(form)


# --- The publication on the albo pretorio (the plan's page) -----------------------------------


class PublicationPage(generic.FormView):
    """Record the act's publication on the albo pretorio, or correct it giving a reason.

    A plan the person may not see is 404; one they may see but neither coordinate nor
    facilitate is 403 (the lead, an auditor); before the adoption the page sends them back to
    the plan, saying why. Saved through the service, all or nothing.
    """

    flow_class = None
    viewset = None
    form_class = PublicationForm
    template_name = "flows/plm/steps/adoption/publication.html"

    def dispatch(self, request, *args, process_pk, **kwargs):
        self.process = get_object_or_404(processes_visible_to(request.user), pk=process_pk)
        self.plan = self.process.plan
        if not may_record_publication(self.plan, request.user):
            raise PermissionDenied
        self.adoption = adoption_of(self.plan)
        if self.plan.status != PlanStatus.ADOPTED or self.adoption is None:
            messages.info(request, service.NOT_ADOPTED)
            return redirect(process_url(self.process))
        return super().dispatch(request, *args, process_pk=process_pk, **kwargs)

    @property
    def back_url(self) -> str:
        return process_url(self.process) + "#plm-adoption"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.update(
            # A copy: the form writes what was typed into its instance, and the page shows
            # the publication as recorded.
            instance=copy.copy(self.adoption),
            initial={"version": self.adoption.revision},
            correcting=self.adoption.is_published,
        )
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            plan=self.plan,
            process=self.process,
            process_url=self.back_url,
            adoption=self.adoption,
            correcting=self.adoption.is_published,
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        correcting = form.correcting
        try:
            with transaction.atomic():
                service.publication_record(
                    plan=self.plan,
                    by=self.request.user,
                    reason=data.get("reason") or "",
                    seen_version=data.get("version"),
                    **{name: data[name] for name in form._meta.fields},
                )
        except PlanError as error:
            if error.forbidden:
                raise PermissionDenied(" ".join(error.messages)) from None
            context = {}
            if isinstance(error, StaleEdit):
                current = adoption_of(self.plan)
                data = form.data.copy()
                data["version"] = current.revision
                form.data = data
                context["current"] = current
            form.add_refusal(error.messages, PUBLICATION_REFUSALS)
            return self.render_to_response(self.get_context_data(form=form, **context))
        done = PUBLICATION_CORRECTED if correcting else PUBLICATION_RECORDED
        messages.success(self.request, done)
        return redirect(self.back_url)


def plan_pages():
    """The adoption's pages under the plan's URL: ``(name, route, view)``."""
    return (("publication", "publication/", PublicationPage),)
