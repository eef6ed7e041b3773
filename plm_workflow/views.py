from django.contrib.auth.views import LoginView
from django.views.generic import TemplateView
from viewflow.contrib.auth import AuthenticationForm


class HomeView(TemplateView):
    """The landing page of a logged-in user."""

    template_name = "plm_workflow/home.html"


class PLMLoginView(LoginView):
    """viewflow's login form on our login page (title, language switcher)."""

    form_class = AuthenticationForm
    template_name = "registration/login.html"
