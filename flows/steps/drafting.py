"""The drafting step's pages (being rewritten)."""

from forms.drafting import DraftingCheckForm

from . import base


class WorkView(base._StepView):
    form_class = DraftingCheckForm
    template_name = "flows/plm/steps/drafting/work.html"


class CheckView(base.CheckView):
    form_class = DraftingCheckForm
    template_name = "flows/plm/steps/drafting/check.html"
