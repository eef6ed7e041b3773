"""The forms of the needs assessment step (the phase note until its step issue)."""

from django.utils.translation import gettext_lazy as _

from .steps import DecisionForm, PhaseNoteForm


class AssessmentWorkForm(PhaseNoteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Needs assessment note")


class AssessmentCheckForm(DecisionForm):
    pass
