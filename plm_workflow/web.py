"""What every page of the app answers the same way: a refused action, a busy plan.

Shared by the flow's pages and the project's own; it imports only the domain's error type.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from plm_workflow.plans.errors import PlanError

FLOW_BUSY = _("Someone else is acting on this plan right now: try again in a moment.")


def report_refusal(request, error: PlanError) -> None:
    """Answer a refused action: 403 when the person has no say, else its reasons as messages."""
    if error.forbidden:
        raise PermissionDenied(" ".join(error.messages))
    for message in error.messages:
        messages.error(request, message)
