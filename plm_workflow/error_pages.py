"""The 403 and 500 pages (Django's own view renders templates/404.html).

The 403 and 404 pages are drawn with the request's context, inside the app shell; the 500 page
without any context processor, so that a broken database cannot break the error page too.
"""

from django.conf import settings
from django.http import HttpResponseForbidden, HttpResponseServerError
from django.template import loader

from plm_workflow.plans.errors import PlanError


def permission_denied(request, exception):
    """The 403 page, with the reasons of a refused action on a plan.

    Only a refusal raised while handling a ``PlanError`` carries reasons written for people;
    any other (viewflow's "Start :: no transition from …") is not shown.
    """
    reasons = str(exception) if isinstance(exception.__context__, PlanError) else ""
    body = loader.get_template("403.html").render({"reasons": reasons}, request)
    return HttpResponseForbidden(body)


def server_error(request):
    """The 500 page. Django gives its template no context: this one says whether the
    administrators were e-mailed (only when ADMINS is set) and gives the page its CSP nonce.
    No context processors run, so a broken database cannot break the error page too."""
    context = {"admins_notified": bool(settings.ADMINS), "request": request}
    return HttpResponseServerError(loader.get_template("500.html").render(context))
