"""The small forms of a plan's and a comune's pages: a reason, a date move, the patron day, the
comune search.

Each reads the whole of what was sent (a date with trailing junk is no date) and refuses
control characters; the stale-page fields (``shown``) carry the value the page showed, which
the service compares under its lock.
"""

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from plm_workflow import limits
from plm_workflow.deadlines import services as deadlines
from plm_workflow.plans import checks
from plm_workflow.plans.models import PATRON_DAY_INCOMPLETE, PATRON_DAY_INVALID

from .fields import TextField

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
INVALID_DATE = _("Give the new date as a date of the calendar.")
PAGE_STALE = _("This page is out of date: reload it and try again.")


def _reason(required_message, *, widget=None, **options) -> TextField:
    # The limit's own validator, not max_length: its message groups the numbers and counts a
    # line break as one, as the browser's maxlength does.
    return TextField(
        label=_("Reason"),
        strip=True,
        validators=[limits.TextLimitValidator(limits.REASON_MAX_CHARS)],
        widget=widget or forms.TextInput(attrs={"maxlength": limits.REASON_MAX_CHARS}),
        error_messages={"required": required_message},
        **options,
    )


class ReasonForm(forms.Form):
    """Suspend, resume or withdraw a plan: the reason, on the step that confirms it."""

    reason = _reason(
        checks.REASON_MISSING,
        widget=forms.Textarea(attrs={"maxlength": limits.REASON_MAX_CHARS, "rows": 3}),
        help_text=_("Kept in the plan's history and shown on its page."),
    )


class DateMoveForm(forms.Form):
    """Move a task's due date: the new date, the reason and the date the page showed."""

    date = forms.DateField(
        label=_("New date"),
        input_formats=DATE_FORMATS,
        error_messages={"required": INVALID_DATE, "invalid": INVALID_DATE},
    )
    reason = _reason(deadlines.REASON_MISSING)
    shown = forms.DateField(
        input_formats=DATE_FORMATS,
        widget=forms.HiddenInput,
        error_messages={"required": PAGE_STALE, "invalid": PAGE_STALE},
    )


class PhaseDateMoveForm(DateMoveForm):
    """Move a phase's date; optionally the later phases by the same number of days."""

    shift_later = forms.BooleanField(
        label=_("Also move the later phases by the same number of days"), required=False
    )


class PatronDayForm(forms.Form):
    """The comune's patron day (both empty to clear it) and the one the page showed."""

    patron_day = forms.IntegerField(
        label=_("Day"),
        required=False,
        min_value=1,
        max_value=31,
        error_messages={
            "invalid": PATRON_DAY_INVALID,
            "min_value": PATRON_DAY_INVALID,
            "max_value": PATRON_DAY_INVALID,
        },
    )
    patron_month = forms.IntegerField(
        label=_("Month"),
        required=False,
        min_value=1,
        max_value=12,
        error_messages={
            "invalid": PATRON_DAY_INVALID,
            "min_value": PATRON_DAY_INVALID,
            "max_value": PATRON_DAY_INVALID,
        },
    )
    # "dd/mm", or empty when the page showed no patron day.
    shown = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^([0-9]{1,2}/[0-9]{1,2})?$", PAGE_STALE)],
        error_messages={"null_characters_not_allowed": PAGE_STALE},
    )

    def clean(self):
        data = super().clean()
        day, month = data.get("patron_day"), data.get("patron_month")
        if not self.errors and (day is None) != (month is None):
            raise forms.ValidationError(PATRON_DAY_INCOMPLETE)
        return data

    def shown_value(self) -> tuple[int | None, int | None]:
        """Return the patron day the page showed, as (day, month), (None, None) for none."""
        text = self.cleaned_data["shown"]
        if not text:
            return None, None
        day, month = text.split("/")
        return int(day), int(month)


class ComuneSearchForm(forms.Form):
    """The text typed in the launch form's comune field."""

    q = TextField(max_length=250, required=False)
