"""The lead's launch form: the comune, its people, the adhesion act and the schedule.

A refused launch keeps the adhesion act chosen, if it passed its own checks: stored aside
(``plans.pending``) and named by a signed token in the page, it needs not be chosen again.
"""

from django import forms
from django.contrib.auth import get_user_model
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from plm_workflow import roles
from plm_workflow.deadlines.services import schedule_defaults
from plm_workflow.launch.services import launch_problems
from plm_workflow.plans.documents import pdf_problems
from plm_workflow.plans.models import Plan
from plm_workflow.plans.pending import (
    PendingFile,
    pending_upload_discard,
    pending_upload_keep,
    pending_upload_open,
)
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


# The fields the launch service judges, by its parameters' names.
_SERVICE_FIELDS = (
    "comune",
    "title",
    "adhesion_act_number",
    "adhesion_act_date",
    "coordinators",
    "facilitators",
)
KEPT_FILE_LOST = _(
    "The file chosen before is no longer kept (too much time has passed): choose it again."
)


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
    # The signed token of the act chosen in an earlier, refused round (plans.pending).
    adhesion_act_kept = forms.CharField(required=False, widget=forms.HiddenInput)
    coordinators = PersonChoiceField(
        label=_("Municipal coordinators"),
        queryset=get_user_model().objects.none(),
        required=False,
        help_text=_(
            "Ctrl-click (⌘ on a Mac) to choose several. The comune's current municipal "
            "coordinators keep their role."
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

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.kept = None  # the file kept for the next round: {"token", "name", "size"}
        token = self.data.get(self.add_prefix("adhesion_act_kept"), "") if self.is_bound else ""
        if token and user is not None:
            kept = pending_upload_open(token=token, by=user)
            if kept is not None:
                # The field's initial value: sent without a new file, the form gives it.
                self.initial["adhesion_act_file"] = kept
            else:
                self.fields["adhesion_act_file"].error_messages["required"] = KEPT_FILE_LOST
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

    def add_launch_problems(self) -> bool:
        """Add the launch service's reasons (``launch_problems``) to the fields they concern,
        judged on what the form could read, so that every refusal comes at once; return True
        if there was any."""
        self.launch_checked = True
        data = self.cleaned_data
        known = {name: data[name] for name in _SERVICE_FIELDS if name in data}
        if all(f"date_{phase}" in data for phase in PHASE_ORDER):
            known["schedule"] = self.schedule
        problems = launch_problems(**known)
        for field, message in problems:
            self.add_error(field if field in self.fields else None, message)
        return bool(problems)

    def keep_file(self) -> None:
        """Keep the act chosen for the next round, if it passed its own checks (call it when
        the form is refused): the page then names it and sends its token back."""
        upload = (
            self.cleaned_data.get("adhesion_act_file") if hasattr(self, "cleaned_data") else None
        )
        if not upload or self.user is None:
            return
        if isinstance(upload, PendingFile):
            token = upload.token
        else:
            token = pending_upload_keep(upload=upload, by=self.user)
            earlier = self.initial.get("adhesion_act_file")
            if isinstance(earlier, PendingFile):
                pending_upload_discard(token=earlier.token)  # replaced by the new choice
        self.kept = {"token": token, "name": upload.name, "size": upload.size}
        # Sent again without a new file, the kept one counts: the browser must not ask for one.
        self.fields["adhesion_act_file"].required = False

    def discard_kept(self) -> None:
        """Remove the kept act once the launch stored it for good, or the act it replaced."""
        for upload in (
            self.cleaned_data.get("adhesion_act_file"),
            self.initial.get("adhesion_act_file"),
        ):
            if isinstance(upload, PendingFile):
                upload.close()
                pending_upload_discard(token=upload.token)

    def clean_comune(self):
        try:
            return comune_get(text=self.cleaned_data["comune"])
        except ComuneLookupError as error:
            raise forms.ValidationError(str(error)) from None
