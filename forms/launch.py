"""The lead's launch form: the comune, its people, the adhesion act and the schedule."""

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from plm_workflow import roles
from plm_workflow.deadlines.services import schedule_defaults
from plm_workflow.plans.documents import pdf_problems
from plm_workflow.plans.models import Plan
from plm_workflow.plans.phases import PHASE_ORDER
from plm_workflow.plans.selectors import ComuneLookupError, comune_get

from .fields import RecordMultipleChoiceField, TextField


class _OfferedIterator(ModelChoiceIterator):
    """The choices the page offers: the field's ``offered`` people, not all it accepts."""

    def __init__(self, field):
        super().__init__(field)
        self.queryset = field.offered


class PersonChoiceField(RecordMultipleChoiceField):
    """People to name at launch: offers those who may take a comune role, accepts any active one.

    A person offered no more (made auditor or lead since the page was opened) still reaches the
    launch service, which says why they cannot be named.
    """

    iterator = _OfferedIterator

    def __init__(self, *args, **kwargs):
        self.offered = get_user_model().objects.none()
        super().__init__(*args, **kwargs)

    def set_people(self, *, accepted, offered) -> None:
        """Accept ``accepted`` on submission and offer ``offered`` on the page."""
        self.offered = offered
        self.queryset = accepted  # also refreshes the widget's choices from ``offered``

    def label_from_instance(self, obj):
        full_name = obj.get_full_name()
        return f"{full_name} ({obj.get_username()})" if full_name else obj.get_username()


class LaunchForm(forms.Form):
    comune = TextField(
        label=_("Comune"),
        max_length=250,
        help_text=_("Type to search; or give the ISTAT code or “Name (PROV)”, e.g. Castro (LE)."),
    )
    # The plan's own lengths, so the form and the model never disagree.
    title = TextField(
        label=_("Cycle title"), max_length=Plan._meta.get_field("title").max_length, initial="PLM"
    )
    adhesion_act_number = TextField(
        label=_("Adhesion act number"),
        max_length=Plan._meta.get_field("adhesion_act_number").max_length,
    )
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
        # Auditors and the lead hold no comune role: not offered (the service refuses them).
        offered = people.exclude(groups__name__in=[roles.LEAD_GROUP, roles.AUDITOR_GROUP])
        for name in ("coordinators", "facilitators"):
            self.fields[name].set_people(accepted=people, offered=offered)
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
