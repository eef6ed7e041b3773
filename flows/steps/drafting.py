"""The drafting step's pages: its editor and its check (templates under steps/drafting/)."""

from forms.drafting import DraftingCheckForm, DraftingWorkForm

from . import base


class WorkView(base.WorkView):
    form_class = DraftingWorkForm
    template_name = "flows/plm/steps/drafting/work.html"


class CheckView(base.CheckView):
    form_class = DraftingCheckForm
    template_name = "flows/plm/steps/drafting/check.html"
