"""The timeline's filters: who, what, which phase, from and to which day, combined.

A GET form: it can only narrow what the person may read. It offers as actors the people who
appear in the events the person may read, and the named system actors. A filter that cannot be
applied (an unknown actor, a day that is no date, a "to" before the "from") is said beside its
field and no event is shown, never the whole timeline as if nothing were asked.
"""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.timeline import TimelineFilters
from plm_workflow.formats.prose import prose_date
from plm_workflow.plans.models import Phase

UNTIL_BEFORE_SINCE = _("The “to” day is before the “from” day: choose a later one.")
DAY_OUT_OF_RANGE = _("Choose a day between %(first)s and %(last)s.")

FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2100, 12, 31)


class TimelineFilterForm(forms.Form):
    actor = forms.ChoiceField(label=_("Who"), required=False)
    kind = forms.MultipleChoiceField(
        label=_("What"),
        required=False,
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    phase = forms.ChoiceField(label=_("Phase"), required=False, choices=[("", "—"), *Phase.choices])
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actors, **kwargs):
        """``actors``: (value, name) pairs, ``user:<id>`` or a system actor's name."""
        super().__init__(*args, **kwargs)
        self.fields["actor"].choices = [("", _("Anyone")), *actors]
        for name in ("since", "until"):
            self.fields[name].widget.format = "%Y-%m-%d"

    @property
    def refused(self) -> bool:
        """Return True if a filter was asked for that cannot be applied."""
        return self.is_bound and not self.is_valid()

    def _clean_day(self, name):
        day = self.cleaned_data[name]
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise forms.ValidationError(
                DAY_OUT_OF_RANGE % {"first": prose_date(FIRST_DAY), "last": prose_date(LAST_DAY)}
            )
        return day

    def clean_since(self):
        return self._clean_day("since")

    def clean_until(self):
        return self._clean_day("until")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", UNTIL_BEFORE_SINCE)
        return data

    def filters(self) -> TimelineFilters:
        """Return the filters asked for (none if the form is unbound or refused)."""
        if not self.is_bound or not self.is_valid():
            return TimelineFilters()
        data = self.cleaned_data
        return TimelineFilters(
            actor=data["actor"] or "",
            kinds=tuple(data["kind"]),
            phase=data["phase"] or "",
            since=data["since"],
            until=data["until"],
        )

    def applied(self) -> bool:
        """Return True if at least one filter narrows the events."""
        return self.filters() != TimelineFilters()
