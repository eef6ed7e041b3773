"""The forms of the stakeholder tables step: an organisation, a table, a meeting.

Each saves at once through its service (no draft): the form refuses what cannot be right
wherever it is given, with the model's own messages; who may write what is the service's.
Organisations are chosen among the comune's own (a forged id of another comune names none),
and each edit form carries the row's revision as ``version`` (a page out of date is refused).
"""

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from plm_workflow.formats.sizes import file_size
from plm_workflow.ids import refuse_control_characters
from plm_workflow.limits import TextLimitValidator
from plm_workflow.plans.documents import NOT_A_PDF, pdf_problems
from plm_workflow.plans.models import Meeting, Organisation, StakeholderTable
from plm_workflow.plans.models.tables import (
    FUTURE_MEETING_RECORDED,
    HEAD_COUNT_NEGATIVE,
    TableKind,
)
from plm_workflow.steps.tables import OTHER_COMUNE

from .fields import RecordChoiceField, RecordMultipleChoiceField, Refusals
from .steps import DecisionForm

MINUTES_NOT_A_PDF = _(
    "“%(name)s” is not a PDF: attach the minutes as a PDF file of up to %(limit)s."
)
MINUTES_FILE_HELP = _(
    "A PDF of up to %(limit)s. A new file replaces the one shown (kept in history)."
)
FILE_NOT_KEPT = _("The file “%(name)s” was not saved: choose it again before saving.")
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


class _Limits(Refusals):
    """Text as the limits want it, refusals beside the field that has one, a ``version``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_control_characters)
                limit = field.max_length
                if limit and isinstance(field.widget, forms.Textarea):
                    # The limit's own validator: a line break counts as one, numbers grouped.
                    field.validators = [
                        v for v in field.validators if type(v) is not MaxLengthValidator
                    ] + [TextLimitValidator(limit)]
                    field.widget.attrs.update(rows=4, maxlength=limit)

    def _update_errors(self, errors):
        # The model's own checks may name a field this form does not show: at the top, then.
        if hasattr(errors, "error_dict"):
            for name in list(errors.error_dict):
                if name != NON_FIELD_ERRORS and name not in self.fields:
                    errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                        errors.error_dict.pop(name)
                    )
        super()._update_errors(errors)


def _version():
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


class OrganisationForm(_Limits, forms.ModelForm):
    """An organisation of the comune: its name, kind and an optional contact e-mail."""

    version = _version()

    class Meta:
        model = Organisation
        fields = ("name", "kind", "email")


class _OrganisationChoice(RecordChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class _OrganisationsChoice(RecordMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.name


def _organisation_fields(form, organisations, names):
    """Offer and accept only the comune's organisations (``organisations``, a queryset)."""
    for name in names:
        field = form.fields[name]
        field.queryset = organisations
        field.error_messages["invalid_choice"] = OTHER_COMUNE
        field.error_messages["invalid_pk_value"] = OTHER_COMUNE
        initial = form.initial.get(name)
        if isinstance(initial, list | tuple):
            # The row's links as ids (a field shown but not editable cleans its initial).
            form.initial[name] = [getattr(item, "pk", item) for item in initial]


class TableForm(_Limits, forms.ModelForm):
    """The core table or a thematic group: theme, name, convenor and member organisations."""

    convenor = _OrganisationChoice(
        label=_("Convenor"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The organisation that calls and chairs the meetings."),
    )
    members = _OrganisationsChoice(
        label=_("Members"), queryset=Organisation.objects.none(), required=False
    )
    version = _version()

    class Meta:
        model = StakeholderTable
        fields = ("kind", "theme", "name", "convenor", "members")
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, organisations, core_taken=False, **kwargs):
        super().__init__(*args, **kwargs)
        _organisation_fields(self, organisations, ("convenor", "members"))
        self.fields["kind"].choices = TableKind.choices
        self.fields["theme"].help_text = _("For a thematic group only.")
        if core_taken:
            # The plan has its core table: a new table (or another one) is a thematic group.
            self.fields["kind"].choices = [(TableKind.THEMATIC, TableKind.THEMATIC.label)]
            self.fields["kind"].initial = TableKind.THEMATIC

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == TableKind.CORE:
            cleaned["theme"] = ""  # the core table covers the whole plan
        return cleaned


class _DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_INPUT)


class MeetingForm(_Limits, forms.ModelForm):
    """A meeting of a table: when and where, its agenda, who came, its minutes, decisions."""

    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=_DateTimeLocal(),
        input_formats=[DATETIME_INPUT, "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )
    attendance = _OrganisationsChoice(
        label=_("Organisations present"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("Once the meeting has taken place."),
    )
    minutes_upload = forms.FileField(
        label=_("Minutes (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
    version = _version()

    # The fields the page groups under "attendance and minutes".
    RECORD_FIELDS = ("attendance", "head_count", "minutes", "minutes_upload")

    class Meta:
        model = Meeting
        fields = (
            "starts_at",
            "place",
            "online_link",
            "agenda",
            "attendance",
            "head_count",
            "minutes",
            "decisions",
        )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        _organisation_fields(self, organisations, ("attendance",))
        self.fields["head_count"].error_messages["min_value"] = HEAD_COUNT_NEGATIVE
        self.fields["head_count"].widget.attrs["min"] = 0
        limit = file_size(settings.PLM_MAX_UPLOAD_BYTES)
        self.fields["minutes_upload"].help_text = MINUTES_FILE_HELP % {"limit": limit}

    @property
    def meeting_fields(self):
        """The meeting's own fields, as the page groups them (decisions come last)."""
        shown = (*self.RECORD_FIELDS, "decisions")
        return [
            self[name]
            for name, field in self.fields.items()
            if name not in shown and not field.widget.is_hidden
        ]

    @property
    def record_fields(self):
        return [self[name] for name in self.RECORD_FIELDS if name in self.fields]

    def clean_minutes_upload(self):
        upload = self.cleaned_data.get("minutes_upload")
        if not upload:
            return None
        problems = pdf_problems(upload)
        not_a_pdf = str(NOT_A_PDF % {"name": upload.name})
        limit = file_size(settings.PLM_MAX_UPLOAD_BYTES)
        problems = [
            str(MINUTES_NOT_A_PDF % {"name": upload.name, "limit": limit})
            if problem == not_a_pdf
            else problem
            for problem in problems
        ]
        if problems:
            raise forms.ValidationError(problems)
        return upload

    def clean(self):
        cleaned = super().clean()
        starts_at = cleaned.get("starts_at")
        if cleaned.get("minutes_upload") and starts_at and starts_at > timezone.now():
            self.add_error("minutes_upload", FUTURE_MEETING_RECORDED)
        return cleaned

    def file_not_kept(self) -> str | None:
        """The name of a file chosen on a refused form, to be chosen again (or None)."""
        upload = self.files.get(self.add_prefix("minutes_upload")) if self.is_bound else None
        if upload is None or "minutes_upload" in self.errors:
            return None
        return str(FILE_NOT_KEPT % {"name": upload.name})


class MeetingRecordForm(MeetingForm):
    """What a meeting lacks, added during drafting: its attendance, head count and minutes.

    What the meeting has already is shown, not editable (``has_minutes``,
    ``has_attendance``); the rest of the meeting stays as approved.
    """

    class Meta(MeetingForm.Meta):
        fields = ("attendance", "head_count", "minutes")

    def __init__(self, *args, has_minutes=False, has_attendance=False, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["starts_at"]
        disabled = []
        if has_minutes:
            disabled += ["minutes", "minutes_upload"]
        if has_attendance:
            disabled += ["attendance", "head_count"]
        for name in disabled:
            self.fields[name].disabled = True

    def clean(self):
        cleaned = forms.ModelForm.clean(self)
        starts_at = self.instance.starts_at
        if cleaned.get("minutes_upload") and starts_at and starts_at > timezone.now():
            self.add_error("minutes_upload", FUTURE_MEETING_RECORDED)
        return cleaned


class TablesCheckForm(DecisionForm):
    pass
