"""The forms of the needs assessment step: the assessment, its crop calendar and settlements.

Everything may stay empty in a draft; what a submission needs is asked by the named checks.
Each form refuses what cannot be right wherever it is given (a negative number, a reversed
range, a year in the future), with the model's own messages.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext_lazy as _

from plm_workflow.ids import parse_id, refuse_control_characters
from plm_workflow.limits import TextLimitValidator
from plm_workflow.plans.models import Crop, NeedsAssessment, Settlement
from plm_workflow.plans.models.assessment import (
    NEGATIVE,
    NONE_KNOWN_AND_LISTED,
    OLDEST_YEAR,
    YEAR_TOO_OLD,
)
from plm_workflow.steps.assessment import (
    ASSESSMENT_FIELDS,
    CROP_FIELDS,
    ROW_UNKNOWN,
    SETTLEMENT_FIELDS,
)

from .steps import DecisionForm

MONTH_CHOICES = [(number, MONTHS_3[number].capitalize()) for number in range(1, 13)]
_SHORT_LABELS = (_("At least"), _("At most"), _("Kind of figure"), _("Reference year"), _("Source"))
MAX_CROPS = 40
MAX_SETTLEMENTS = 60


class _Limits:
    """Text fields as the limits want them; counts with the model's message when negative."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.IntegerField):
                field.error_messages["min_value"] = NEGATIVE
                field.widget.attrs.setdefault("min", 0)
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_control_characters)
                limit = field.max_length
                if limit and isinstance(field.widget, forms.Textarea):
                    # The limit's own validator: it counts a line break as one, as the
                    # browser's maxlength does, and groups the numbers.
                    field.validators = [
                        v for v in field.validators if type(v) is not MaxLengthValidator
                    ] + [TextLimitValidator(limit)]
                    field.widget.attrs["rows"] = 4


class MonthsField(forms.TypedMultipleChoiceField):
    """Months as ticks: a sorted list of distinct numbers 1–12."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=MONTH_CHOICES, coerce=int, **kwargs)

    def clean(self, value):
        return sorted(set(super().clean(value)))

    def has_changed(self, initial, data):
        return sorted(int(m) for m in (initial or [])) != sorted(
            int(m) for m in (data or []) if str(m).isdigit()
        )


class AssessmentWorkForm(_Limits, forms.ModelForm):
    """The assessment's own fields, with the revision the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = NeedsAssessment
        fields = ASSESSMENT_FIELDS

    # The fields grouped as the page shows them.
    FIGURE_FIELDS = {
        "seasonal": (
            "seasonal_min",
            "seasonal_max",
            "seasonal_kind",
            "seasonal_year",
            "seasonal_source",
        ),
        "resident": (
            "resident_min",
            "resident_max",
            "resident_kind",
            "resident_year",
            "resident_source",
        ),
    }
    TEXT_FIELDS = ("housing", "transport", "health_access", "services", "key_issues")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Inside their group's box the figure's fields need only a short label.
        for group in self.FIGURE_FIELDS.values():
            for name, label in zip(group, _SHORT_LABELS, strict=True):
                self.fields[name].label = label
        for name in ("seasonal_year", "resident_year"):
            self.fields[name].widget.attrs.update({"min": OLDEST_YEAR})
            self.fields[name].error_messages["min_value"] = YEAR_TOO_OLD

    def fields_of(self, names):
        return [self[name] for name in names]

    @property
    def seasonal(self):
        return self.fields_of(self.FIGURE_FIELDS["seasonal"])

    @property
    def resident(self):
        return self.fields_of(self.FIGURE_FIELDS["resident"])

    @property
    def texts(self):
        return self.fields_of(self.TEXT_FIELDS)


class CropForm(_Limits, forms.ModelForm):
    months = MonthsField(label=_("Months of peak work"))

    class Meta:
        model = Crop
        fields = CROP_FIELDS


class SettlementForm(_Limits, forms.ModelForm):
    months = MonthsField(label=_("Months inhabited"))

    class Meta:
        model = Settlement
        fields = SETTLEMENT_FIELDS


class _RowId(forms.Field):
    widget = forms.HiddenInput

    def __init__(self, lookup, **kwargs):
        super().__init__(required=False, **kwargs)
        self.lookup = lookup

    def clean(self, value):
        if value in self.empty_values:
            return None
        pk = parse_id(str(value))
        row = self.lookup(pk) if pk is not None else None
        if row is None:
            raise ValidationError(ROW_UNKNOWN, code="row_unknown")
        return row


class _RowFormSet(forms.BaseModelFormSet):
    """Rows of the assessment: kept, changed, added; a ticked "remove" takes one away."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        # A row's id must name one of this assessment's rows, checked against the rows the
        # formset has loaded (no query per row); a forged or huge number names none.
        form.fields["id"] = _RowId(self._existing_object, initial=form.fields["id"].initial)

    def rows(self) -> list[dict]:
        """Return the rows to keep as the service takes them (``id`` for an existing one)."""
        names = self.form._meta.fields
        kept = []
        for form in self.forms:
            if form in self.deleted_forms:
                continue
            if form.instance.pk is None and not form.has_changed():
                continue  # the empty row offered for a new entry
            kept.append({"id": form.instance.pk, **{n: form.cleaned_data.get(n) for n in names}})
        for row in kept:
            if row["id"] is None:
                del row["id"]
        return kept


CropFormSet = forms.modelformset_factory(
    Crop,
    form=CropForm,
    formset=_RowFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_CROPS,
    validate_max=True,
    absolute_max=MAX_CROPS,
)
SettlementFormSet = forms.modelformset_factory(
    Settlement,
    form=SettlementForm,
    formset=_RowFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_SETTLEMENTS,
    validate_max=True,
    absolute_max=MAX_SETTLEMENTS,
)


def settlements_conflict(form, settlements) -> bool:
    """Add the error of settlements listed with "no settlements known" ticked; True if so."""
    if form.is_valid() and form.cleaned_data.get("no_settlements_known") and settlements:
        form.add_error("no_settlements_known", NONE_KNOWN_AND_LISTED)
        return True
    return False


class AssessmentCheckForm(DecisionForm):
    pass
