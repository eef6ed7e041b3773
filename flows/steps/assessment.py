"""The assessment step's pages: its editor and its check (templates under steps/assessment/)."""

from forms.assessment import AssessmentCheckForm, AssessmentWorkForm

from . import base


class WorkView(base.WorkView):
    form_class = AssessmentWorkForm
    template_name = "flows/plm/steps/assessment/work.html"


class CheckView(base.CheckView):
    form_class = AssessmentCheckForm
    template_name = "flows/plm/steps/assessment/check.html"
