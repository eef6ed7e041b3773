"""Form fields for what people send: record ids checked before any query, text without
control characters, and the refusals of a form as plain messages."""

from django import forms
from django.core.exceptions import ValidationError

from plm_workflow.ids import parse_id, refuse_control_characters


class TextField(forms.CharField):
    """A CharField that refuses C0 control characters other than TAB, LF and CR."""

    default_validators = [refuse_control_characters]


class RecordChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose value must be a record id (``plm_workflow.ids``).

    A number beyond the database's integer range names no row: it is refused like a missing
    one, before the query (SQLite would raise OverflowError on it).
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if self.to_field_name is None and parse_id(str(value)) is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)


class RecordMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose values must be record ids, like RecordChoiceField."""

    def _check_values(self, value):
        if self.to_field_name is None:
            try:
                values = frozenset(value)
            except TypeError:
                raise ValidationError(
                    self.error_messages["invalid_list"], code="invalid_list"
                ) from None
            for pk in values:
                if parse_id(str(pk)) is None:
                    raise ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": pk},
                    )
        return super()._check_values(value)


def form_messages(form) -> list[str]:
    """Return a form's refusals as messages: "Label: message" for a shown field, else the
    message alone (a hidden field or the form as a whole)."""
    found = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = None
        if field is not None and not field.widget.is_hidden and field.label:
            label = field.label
        for message in errors:
            found.append(f"{label}: {message}" if label else str(message))
    return found
