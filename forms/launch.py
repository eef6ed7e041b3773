"""The lead's launch form: the comune, its people, the adhesion act and the schedule."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from plm_workflow.deadlines.services import PHASE_ORDER, schedule_defaults
from plm_workflow.plans.documents import pdf_problems
from plm_workflow.plans.selectors import ComuneLookupError, comune_get


class PersonChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class LaunchForm(forms.Form):
    comune = forms.CharField(
        label=_("Comune"),
        max_length=250,
        help_text=_("Type to search; or give the ISTAT code or “Name (PROV)”, e.g. Castro (LE)."),
    )
    title = forms.CharField(label=_("Cycle title"), max_length=200, initial="PLM")
    adhesion_act_number = forms.CharField(label=_("Adhesion act number"), max_length=50)
    adhesion_act_date = forms.DateField(
        label=_("Adhesion act date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    adhesion_act_file = forms.FileField(
        label=_("Adhesion act (PDF)"),
        help_text=_("The signed resolution of the Giunta, as PDF."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    coordinators = PersonChoiceField(
        label=_("Coordinators"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_(
            "Ctrl-click (⌘ on a Mac) to choose several. The comune's current coordinators "
            "keep their role."
        ),
    )
    facilitators = PersonChoiceField(
        label=_("Facilitators"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_(
            "Ctrl-click (⌘ on a Mac) to choose several. The comune's current facilitators "
            "keep their role."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = get_user_model().objects.filter(is_active=True).order_by("username")
        self.fields["coordinators"].queryset = people
        self.fields["facilitators"].queryset = people
        # The schedule: one date per coordinator phase, the settings' offsets by default.
        for phase, day in schedule_defaults().items():
            self.fields[f"date_{phase}"] = forms.DateField(
                label=_("Due date: %(phase)s") % {"phase": phase.label},
                initial=day,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )

    @property
    def schedule(self) -> dict:
        """Return the phase dates given, by phase."""
        return {phase: self.cleaned_data.get(f"date_{phase}") for phase in PHASE_ORDER}

    def clean_adhesion_act_file(self):
        upload = self.cleaned_data["adhesion_act_file"]
        problems = pdf_problems(upload)
        if problems:
            raise forms.ValidationError(problems)
        return upload

    def clean_comune(self):
        try:
            return comune_get(text=self.cleaned_data["comune"])
        except ComuneLookupError as error:
            raise forms.ValidationError(str(error)) from None
