"""The filters of the task lists: they can only narrow what a person may see.

They offer only what the person's plans hold: the regions of the comuni whose plans the person
may see, and a comune among those. A person whose plans are all in one comune (or one region)
is not offered that filter at all. A filter that cannot be applied (an unknown comune, a
region not offered) shows why and no task, never the whole list as if nothing were asked.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from plm_workflow.accounts.selectors import plans_visible_to
from plm_workflow.plans.models import Phase
from plm_workflow.plans.selectors import ComuneLookupError, comune_get

COMUNE_NOT_SEEN = _("No plan of %(comune)s is among those you can see.")


class TaskFilterForm(forms.Form):
    comune = forms.CharField(
        label=_("Comune"), required=False, help_text=_("ISTAT code or “Name (PROV)”.")
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", "—"), *Phase.choices])

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.plans = plans_visible_to(user)
        # Two small queries, whatever the number of plans: the regions, and whether the
        # plans lie in more than one comune.
        regions = list(
            self.plans.order_by("comune__region")
            .values_list("comune__region", flat=True)
            .distinct()
        )
        self.fields["region"].choices = [("", "—"), *((region, region) for region in regions)]
        several_comuni = len(self.plans.order_by().values("comune").distinct()[:2]) > 1
        # What the page offers: a filter with a single possible answer narrows nothing.
        self.offered = [
            name
            for name, shown in (
                ("comune", several_comuni),
                ("region", len(regions) > 1),
                ("phase", True),
            )
            if shown
        ]

    @property
    def refused(self) -> bool:
        """Return True if a filter was asked for that cannot be applied."""
        return self.is_bound and not self.is_valid()

    def offered_fields(self):
        """Return the bound fields the page shows."""
        return [self[name] for name in self.offered]

    def clean_comune(self):
        text = self.cleaned_data["comune"].strip()
        if not text:
            return None
        try:
            comune = comune_get(text=text)
        except ComuneLookupError as error:
            raise forms.ValidationError(str(error)) from None
        if not self.plans.filter(comune=comune).exists():
            raise forms.ValidationError(COMUNE_NOT_SEEN % {"comune": comune.label})
        return comune

    def apply(self, tasks):
        """Return the tasks narrowed by the filters; none if a filter cannot be applied."""
        if not self.is_bound:
            return tasks
        if not self.is_valid():
            return tasks.none()
        data = self.cleaned_data
        if data["comune"] is not None:
            tasks = tasks.filter(process__plmprocess__plan__comune=data["comune"])
        if data["region"]:
            tasks = tasks.filter(process__plmprocess__plan__comune__region=data["region"])
        if data["phase"]:
            tasks = tasks.filter(step__phase=data["phase"])
        return tasks
