from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views.generic import TemplateView, View
from viewflow.contrib.auth import AuthenticationForm

from flows.flows import PLMFlow
from flows.selectors import tasks_open_for
from plm_workflow.plans import permissions
from plm_workflow.plans.selectors import comuni_search

MY_TASKS_SHOWN = 50


class HomeView(TemplateView):
    """The landing page of a logged-in user: the tasks waiting for them."""

    template_name = "plm_workflow/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        tasks = list(tasks_open_for(user)[: MY_TASKS_SHOWN + 1])
        for task in tasks:
            task.plan = task.process.plmprocess.plan
            task.url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        context["tasks"] = tasks[:MY_TASKS_SHOWN]
        context["more_tasks"] = len(tasks) > MY_TASKS_SHOWN
        if PLMFlow.launch.can_execute(user):
            context["launch_url"] = PLMFlow.launch.reverse("execute")
        return context


class ComuneSearchView(View):
    """Labels of the comuni matching ``?q=``, for the launch form (the lead only)."""

    def get(self, request):
        if not permissions.is_lead(request.user):
            raise PermissionDenied
        found = comuni_search(text=request.GET.get("q", ""))
        return JsonResponse({"results": [comune.label for comune in found]})


class PLMLoginView(LoginView):
    """viewflow's login form on our login page (title, language switcher)."""

    form_class = AuthenticationForm
    template_name = "registration/login.html"
