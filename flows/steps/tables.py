"""The tables step's pages: its editor and its check (templates under steps/tables/)."""

from forms.tables import TablesCheckForm, TablesWorkForm

from . import base


class WorkView(base.WorkView):
    form_class = TablesWorkForm
    template_name = "flows/plm/steps/tables/work.html"


class CheckView(base.CheckView):
    form_class = TablesCheckForm
    template_name = "flows/plm/steps/tables/check.html"
