"""The base form of the flow's checks: a facilitator's decision with comments.

Each phase has its own module (``forms/<phase>.py``) with the forms of its work and check.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from plm_workflow.limits import REASON_MAX_CHARS, TextLimitValidator
from plm_workflow.plans.models import RETURN_WITHOUT_COMMENTS, ReviewDecision

from .fields import TextField


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
