"""The forms of the drafting step: the plan's sections, a measure with its funding lines and
indicators, the facilitators' review with a comment per section and per measure.

Everything may stay empty in a draft but a measure's title; what a submission needs is said
by the named checks of ``submit_for_review``. Each form refuses what cannot be right wherever
it is given (a negative amount, a CUP that is not one, an end before the start) with the
model's own messages. Amounts and figures are taken as Italian writes them ("1.234,56") or
plainly ("1234.56"); organisations are chosen among the comune's own.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from plm_workflow.limits import REASON_MAX_CHARS, SECTION_MAX_CHARS, TextLimitValidator
from plm_workflow.plans.models import (
    FundingLine,
    Indicator,
    Measure,
    Organisation,
    PriorityAction,
    SectionKey,
)
from plm_workflow.plans.models.drafting import SECTION_HELP, normalised_cup
from plm_workflow.steps.drafting import ACTION_UNKNOWN, FUNDING_FIELDS, INDICATOR_FIELDS

from .adoption import DATE_FORMATS, ISO_DATE
from .assessment import _RowFormSet
from .fields import RecordChoiceField, Refusals, TextField
from .steps import DecisionForm
from .tables import _Limits, _organisation_fields, _OrganisationChoice, _OrganisationsChoice

AMOUNT_INVALID = _("Give the amount in euro as a number, e.g. 1.234,56.")
NUMBER_INVALID = _("Give a number, e.g. 1.234,5.")
NO_ACTION = _("— not chosen yet —")
SECTION_COMMENT = _("Comment on the section “%(section)s”")
MEASURE_COMMENT = _("Comment on the measure “%(title)s”")
MAX_FUNDING_LINES = 20
MAX_INDICATORS = 20
_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.234 or 1.234.567: Italian thousands
_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")


def plain_number(text: str) -> str:
    """Return a number typed as Italian writes it ("1.234,56"), or plainly ("1234.56",
    "1,234.56"), as Python reads it ("1234.56"); raise ValueError if it is not a number.

    A dot followed by groups of three digits only is a thousands separator (an amount has
    two decimals at most, so "1.234" is not a decimal one).
    """
    value = re.sub(r"[\s\u00a0\u202f€]", "", text)
    if not _NUMBER.match(value):
        raise ValueError(text)
    sign = value[0] if value[0] in "+-" else ""
    value = value.lstrip("+-")
    if "," in value and "." in value and value.rindex(".") > value.rindex(","):
        value = value.replace(",", "")  # 1,234.56: grouped as English writes it
    elif "," in value:
        whole, _sep, decimals = value.partition(",")
        if "," in decimals or "." in decimals or ("." in whole and not _GROUPED.match(whole)):
            raise ValueError(text)
        value = f"{whole.replace('.', '')}.{decimals}"
    elif _GROUPED.match(value):
        value = value.replace(".", "")
    if value.count(".") > 1 or value.endswith("."):
        raise ValueError(text)
    return sign + value


class _FigureInput(forms.TextInput):
    """A short text box for a number: one cell of a row, not the row's whole width."""

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", **(attrs or {})})


class _CodeInput(forms.TextInput):
    """A short text box for a code (a CUP)."""


class ItalianDecimalField(forms.DecimalField):
    """A decimal typed as Italian writes it or plainly, shown as the active language writes
    it without grouping ("1234,56" in Italian), in a text box (no spinner)."""

    invalid_message = NUMBER_INVALID

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", _FigureInput)
        super().__init__(**kwargs)
        self.error_messages["invalid"] = self.invalid_message

    def to_python(self, value):
        if isinstance(value, str) and value.strip() not in self.empty_values:
            try:
                value = plain_number(value)
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return super().to_python(value)

    def prepare_value(self, value):
        if value in self.empty_values or isinstance(value, str):
            return value
        try:
            value = self.to_python(value)
        except ValidationError:
            return value
        places = max(0, -value.normalize().as_tuple().exponent)
        return number_format(value, decimal_pos=min(places, self.decimal_places or 0))


class EuroField(ItalianDecimalField):
    invalid_message = AMOUNT_INVALID

    def prepare_value(self, value):
        if value in self.empty_values or isinstance(value, str):
            return value
        return number_format(value, decimal_pos=2)


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format=ISO_DATE)


def _version():
    return forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)


# --- The sections -------------------------------------------------------------------------------


def _version_name(key: str) -> str:
    return f"{key}_version"


class SectionsForm(Refusals, forms.Form):
    """The four sections of the plan's text, each with the revision the page showed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in SectionKey.choices:
            self.fields[key] = TextField(
                label=label,
                required=False,
                # The limit's own validator: a line break counts as one, numbers grouped.
                validators=[TextLimitValidator(SECTION_MAX_CHARS)],
                widget=forms.Textarea(attrs={"rows": 10, "maxlength": SECTION_MAX_CHARS}),
                help_text=SECTION_HELP[key],
            )
            self.fields[_version_name(key)] = _version()

    def texts(self) -> dict:
        return {key: self.cleaned_data.get(key) or "" for key in SectionKey.values}

    def seen_versions(self) -> dict:
        found = {key: self.cleaned_data.get(_version_name(key)) for key in SectionKey.values}
        return {key: version for key, version in found.items() if version is not None}

    def section_fields(self):
        """``(text field, its version field)`` of each section, in the plan's order."""
        return [(self[key], self[_version_name(key)]) for key in SectionKey.values]


def sections_initial(state) -> dict:
    """The form's initial values from a draft as of now (``DraftState`` or None)."""
    initial = {}
    for section in state.sections if state else []:
        initial[section.key] = section.text
        initial[_version_name(section.key)] = section.row.revision if section.row else 0
    for key in SectionKey.values:
        initial.setdefault(_version_name(key), 0)
    return initial


def with_versions(form, state):
    """Give a bound form the sections' revisions as of ``state`` (after a stale refusal):
    what was typed stays, and saving again is a deliberate choice."""
    data = form.data.copy()
    for name, value in sections_initial(state).items():
        if name.endswith("_version"):
            data[form.add_prefix(name)] = value
    form.data = data


# --- A measure ----------------------------------------------------------------------------------


class _ActionChoice(RecordChoiceField):
    """A priority action, its choices grouped by axis, named in the active language."""

    def __init__(self, **kwargs):
        super().__init__(queryset=PriorityAction.objects.all(), required=False, **kwargs)
        self.error_messages["invalid_choice"] = ACTION_UNKNOWN

    def group(self, actions) -> None:
        by_axis = {}
        for action in actions:
            by_axis.setdefault(action.axis, []).append((action.pk, str(action)))
        self.choices = [("", NO_ACTION)] + [
            (f"{axis.number}. {axis.name}", choices) for axis, choices in by_axis.items()
        ]


class MeasureForm(_Limits, forms.ModelForm):
    """A measure's own fields: its priority action, title, description, lead organisation and
    partners, start and end; with the revision the page showed."""

    priority_action = _ActionChoice(
        label=_("Priority action"),
        help_text=_("The national plan's priority action the measure serves."),
    )
    lead = _OrganisationChoice(
        label=_("Lead organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        help_text=_("The organisation responsible for carrying out the measure."),
    )
    partners = _OrganisationsChoice(
        label=_("Partners"), queryset=Organisation.objects.none(), required=False
    )
    version = _version()

    class Meta:
        model = Measure
        fields = (
            "priority_action",
            "title",
            "description",
            "lead",
            "partners",
            "starts_on",
            "ends_on",
        )
        widgets = {"starts_on": _date_input(), "ends_on": _date_input()}

    def __init__(self, *args, organisations, actions, **kwargs):
        super().__init__(*args, **kwargs)
        _organisation_fields(self, organisations, ("lead", "partners"))
        self.fields["priority_action"].group(actions)
        self.fields["description"].widget.attrs["rows"] = 6
        for name in ("starts_on", "ends_on"):
            self.fields[name].input_formats = DATE_FORMATS

    def service_fields(self) -> dict:
        """The measure's fields as ``measure_save`` takes them."""
        data = self.cleaned_data
        return {
            "priority_action_id": getattr(data.get("priority_action"), "pk", None),
            "title": data.get("title") or "",
            "description": data.get("description") or "",
            "lead_id": getattr(data.get("lead"), "pk", None),
            "starts_on": data.get("starts_on"),
            "ends_on": data.get("ends_on"),
        }

    def partner_ids(self) -> list[int]:
        return [organisation.pk for organisation in self.cleaned_data.get("partners") or []]


class FundingLineForm(_Limits, forms.ModelForm):
    """A funding line: its source, the amount in euro, the project's CUP if it has one."""

    amount = EuroField(label=_("Amount (€)"), max_digits=14, decimal_places=2)
    # Longer than a CUP: spaces typed inside it are left out before it is checked.
    cup = TextField(
        label=_("CUP"),
        required=False,
        max_length=40,
        widget=_CodeInput(attrs={"maxlength": 40, "autocapitalize": "characters"}),
        help_text=_("The project's Codice Unico di Progetto, when it has one: 15 characters."),
    )

    class Meta:
        model = FundingLine
        fields = FUNDING_FIELDS

    def clean_cup(self):
        return normalised_cup(self.cleaned_data.get("cup"))


class IndicatorForm(_Limits, forms.ModelForm):
    """An indicator: its name and unit, from its baseline to its target, and its source."""

    baseline = ItalianDecimalField(
        label=pgettext_lazy("indicator", "Baseline"),
        max_digits=16,
        decimal_places=2,
        required=False,
    )
    target = ItalianDecimalField(label=_("Target"), max_digits=16, decimal_places=2, required=False)

    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS
        widgets = {"target_date": _date_input(), "unit": _CodeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_date"].input_formats = DATE_FORMATS


FundingFormSet = forms.modelformset_factory(
    FundingLine,
    form=FundingLineForm,
    formset=_RowFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_FUNDING_LINES,
    validate_max=True,
    absolute_max=MAX_FUNDING_LINES,
)
IndicatorFormSet = forms.modelformset_factory(
    Indicator,
    form=IndicatorForm,
    formset=_RowFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_INDICATORS,
    validate_max=True,
    absolute_max=MAX_INDICATORS,
)


# --- The review ---------------------------------------------------------------------------------


def _comment_field(label):
    return TextField(
        label=label,
        required=False,
        validators=[TextLimitValidator(REASON_MAX_CHARS)],
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_CHARS}),
    )


def section_comment_name(key: str) -> str:
    return f"comment-section-{key}"


def measure_comment_name(pk: int) -> str:
    return f"comment-measure-{pk}"


class DraftingCheckForm(DecisionForm):
    """Approve the draft or return it with comments; optionally a comment on each section
    (``sections``: ``(key, label)``) and each measure (``measures``: ``(id, title)``), shown
    to the coordinators beside it."""

    def __init__(self, *args, sections=(), measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in sections:
            self.fields[section_comment_name(key)] = _comment_field(
                SECTION_COMMENT % {"section": label}
            )
        for pk, title in measures:
            self.fields[measure_comment_name(pk)] = _comment_field(
                MEASURE_COMMENT % {"title": title}
            )

    def item_comments(self) -> list[dict]:
        """The comments on sections and measures as ``review_decide`` takes them."""
        found = []
        for name, value in self.cleaned_data.items():
            if not name.startswith("comment-") or not (value or "").strip():
                continue
            _comment, kind, key = name.split("-", 2)
            found.append({kind: int(key) if kind == "measure" else key, "text": value})
        return found
