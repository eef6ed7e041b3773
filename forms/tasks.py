"""The filters of the task lists: they can only narrow what a person may see."""

from django import forms
from django.utils.translation import gettext_lazy as _

from plm_workflow.plans.models import Comune, Phase
from plm_workflow.plans.selectors import ComuneLookupError, comune_get


class TaskFilterForm(forms.Form):
    comune = forms.CharField(
        label=_("Comune"), required=False, help_text=_("ISTAT code or “Name (PROV)”.")
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", "—"), *Phase.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = Comune.objects.order_by("region").values_list("region", flat=True).distinct()
        self.fields["region"].choices = [("", "—"), *((region, region) for region in regions)]

    def clean_comune(self):
        text = self.cleaned_data["comune"].strip()
        if not text:
            return None
        try:
            return comune_get(text=text)
        except ComuneLookupError as error:
            raise forms.ValidationError(str(error)) from None

    def apply(self, tasks):
        """Return the tasks narrowed by the valid filters (all of them if none is valid)."""
        if not self.is_valid():
            return tasks
        data = self.cleaned_data
        if data["comune"] is not None:
            tasks = tasks.filter(process__plmprocess__plan__comune=data["comune"])
        if data["region"]:
            tasks = tasks.filter(process__plmprocess__plan__comune__region=data["region"])
        if data["phase"]:
            tasks = tasks.filter(step__phase=data["phase"])
        return tasks
