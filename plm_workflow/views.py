import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.views.generic import TemplateView, View
from viewflow.contrib.auth import AuthenticationForm

from flows.adoption_content import publications_due_for
from flows.flows import PLMFlow
from flows.selectors import inbox_for, queue_for
from flows.views import process_url
from forms.fields import form_messages
from forms.plan import ComuneSearchForm, PatronDayForm
from plm_workflow.accounts.selectors import comuni_visible_to, plans_visible_to
from plm_workflow.deadlines.services import PATRON_DAY_NOT_ALLOWED, comune_patron_day_set
from plm_workflow.deadlines.words import patron_day_message
from plm_workflow.plans import permissions
from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Document
from plm_workflow.plans.pdfs import download_name
from plm_workflow.plans.selectors import comuni_search
from plm_workflow.web import report_refusal

logger = logging.getLogger(__name__)


class HomeView(TemplateView):
    """The landing page of a logged-in user: the tasks waiting for them."""

    template_name = "plm_workflow/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["inbox_count"] = inbox_for(user).count()
        context["queue_count"] = queue_for(user).count()
        # What the person still has to record on plans that left the flow: one query.
        context["publications_due"] = [
            {"plan": plan, "url": process_url(plan.process) + "#plm-adoption"}
            for plan in publications_due_for(user)
        ]
        if PLMFlow.launch.can_execute(user):
            context["launch_url"] = PLMFlow.launch.reverse("execute")
        return context


class ComuneSearchView(View):
    """Labels of the comuni matching ``?q=``, for the launch form (the lead only)."""

    def get(self, request):
        if not permissions.is_lead(request.user):
            raise PermissionDenied
        form = ComuneSearchForm(request.GET)
        if not form.is_valid():
            return JsonResponse({"results": [], "errors": form_messages(form)}, status=400)
        found = comuni_search(text=form.cleaned_data["q"])
        return JsonResponse({"results": [comune.label for comune in found]})


class ComuneView(TemplateView):
    """A comune: its registry data, patron day and plans (for those who may see its plans).

    The lead sets the patron day here (POST ``patron_day``, ``patron_month``; both empty to
    clear it; ``shown``, the patron day the page showed).
    """

    template_name = "plm_workflow/comune.html"

    def dispatch(self, request, *args, istat_code, **kwargs):
        self.comune = get_object_or_404(comuni_visible_to(request.user), istat_code=istat_code)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        plans = plans_visible_to(user).filter(comune=self.comune).select_related("process")
        context.update(
            comune=self.comune,
            plans=[
                (plan, getattr(plan, "process", None) and process_url(plan.process))
                for plan in plans
            ],
            can_set_patron_day=permissions.is_lead(user),
            months=[
                (number, date_format(datetime.date(2000, number, 1), "F"))
                for number in range(1, 13)
            ],
        )
        return context

    def post(self, request, *args, **kwargs):
        form = PatronDayForm(request.POST)
        try:
            if not permissions.is_lead(request.user):
                raise PlanError([PATRON_DAY_NOT_ALLOWED], forbidden=True)
            if not form.is_valid():
                raise PlanError(form_messages(form))
            saved = comune_patron_day_set(
                comune=self.comune,
                day=form.cleaned_data["patron_day"],
                month=form.cleaned_data["patron_month"],
                by=request.user,
                shown=form.shown_value(),
            )
        except PlanError as error:
            report_refusal(request, error)
        else:
            messages.success(request, patron_day_message(saved))
        return redirect("comune", istat_code=self.comune.istat_code)


class DocumentView(View):
    """A plan's file, for those who may see the plan (404 for anyone else)."""

    def get(self, request, public_id):
        document = get_object_or_404(
            Document.objects.filter(plan__in=plans_visible_to(request.user)), public_id=public_id
        )
        try:
            stored = document.file.open("rb")
        except OSError:
            logger.error("Stored file missing for document %s", document.public_id)
            raise Http404 from None
        response = FileResponse(
            stored,
            as_attachment=True,
            # Never the uploaded name as given: its extension (.html…) could make it open
            # as something else; always "<slugified stem>.pdf".
            filename=download_name(document.original_name, fallback=document.kind),
            content_type="application/pdf",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


class PLMLoginView(LoginView):
    """viewflow's login form on our login page (title, language switcher)."""

    form_class = AuthenticationForm
    template_name = "registration/login.html"


@method_decorator(login_not_required, name="dispatch")
class PrivacyView(TemplateView):
    """The privacy notice, for anyone (the login page links to it): who is responsible for
    the data (``PLM_PRIVACY_CONTROLLER``) and how to reach them (``PLM_PRIVACY_CONTACT``)."""

    template_name = "plm_workflow/privacy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        contact = settings.PLM_PRIVACY_CONTACT.strip()
        context.update(
            controller=settings.PLM_PRIVACY_CONTROLLER.strip(),
            contact=contact,
            contact_email=_is_email(contact),
            session_hours=settings.SESSION_COOKIE_AGE // 3600,
        )
        return context


def _is_email(text: str) -> bool:
    try:
        validate_email(text)
    except ValidationError:
        return False
    return True
