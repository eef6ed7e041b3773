"""The forms of the stakeholder tables step (the phase note until its step issue)."""

from django.utils.translation import gettext_lazy as _

from .steps import DecisionForm, PhaseNoteForm


class TablesWorkForm(PhaseNoteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Stakeholder tables note")


class TablesCheckForm(DecisionForm):
    pass
