"""The adoption step's pages: its editor and its check (templates under steps/adoption/)."""

from forms.adoption import AdoptionCheckForm, AdoptionWorkForm

from . import base


class WorkView(base.WorkView):
    form_class = AdoptionWorkForm
    template_name = "flows/plm/steps/adoption/work.html"


class CheckView(base.CheckView):
    form_class = AdoptionCheckForm
    template_name = "flows/plm/steps/adoption/check.html"
