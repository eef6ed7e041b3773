"""The forms of the drafting step (the phase note until its step issue)."""

from django.utils.translation import gettext_lazy as _

from .steps import DecisionForm, PhaseNoteForm


class DraftingWorkForm(PhaseNoteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Draft of the plan")


class DraftingCheckForm(DecisionForm):
    pass
