"""The forms of the drafting step (the phase note until its step issue)."""

from django.utils.translation import gettext_lazy as _

from .steps import DecisionForm, PhaseNoteForm


class DraftingWorkForm(PhaseNoteForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = _("Draft of the plan")
        self.fields["text"].help_text = _(
            "The plan's sections and measures. Submitting sends the draft to review."
        )


class DraftingCheckForm(DecisionForm):
    pass
