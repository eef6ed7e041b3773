"""The base forms of the flow's steps: a phase note for work, a decision for checks.

Each phase has its own module (``forms/<phase>.py``) with the forms of its work and check.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from plm_workflow.limits import NOTE_MAX_CHARS, REASON_MAX_CHARS, TextLimitValidator
from plm_workflow.plans.models import RETURN_WITHOUT_COMMENTS, ReviewDecision

from .fields import TextField


class PhaseNoteForm(forms.Form):
    """A phase's note, with the version of it the page was showing (stale saves are refused)."""

    text = TextField(
        label=_("Phase note"),
        required=False,
        # The limit's own validator, not max_length: its message groups the numbers and
        # counts a line break as one, as the browser's maxlength does.
        validators=[TextLimitValidator(NOTE_MAX_CHARS)],
        widget=forms.Textarea(attrs={"rows": 8, "maxlength": NOTE_MAX_CHARS}),
        help_text=_("What was done in this phase. Save a draft at any time; submit when done."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ReviewDecision.choices, widget=forms.RadioSelect
    )
    comments = TextField(
        label=_("Comments"),
        required=False,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": REASON_MAX_CHARS}),
        help_text=_("Required to return the work: say what must change."),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("decision") == ReviewDecision.RETURNED
            and "comments" not in self.errors  # too long: its own message says so
            and not (cleaned.get("comments") or "").strip()
        ):
            self.add_error("comments", RETURN_WITHOUT_COMMENTS)
        return cleaned
