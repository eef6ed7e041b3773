"""Form fields for what people send: record ids checked before any query, text without
control characters, and the refusals of a form as plain messages."""

import re

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


def _matcher(template) -> re.Pattern:
    """A pattern matching the message ``template`` with any values for its placeholders."""
    parts = re.split(r"%\(\w+\)s", str(template))
    return re.compile("^" + ".+?".join(re.escape(part) for part in parts) + "$", re.DOTALL)


class Refusals:
    """A form that shows a service's refusals: beside their field where it has one, else at
    the top (the page lists every refusal at the top as well)."""

    def add_refusal(self, messages, fields=()) -> None:
        """Add each message of a refusal to the form.

        ``fields`` pairs a message with the field it concerns, as a dict or as (message,
        field name) pairs; a message with ``%(name)s`` placeholders matches it whatever values
        the service put in. A message with no field, or with a field this form does not show,
        goes to the top.
        """
        pairs = fields.items() if isinstance(fields, dict) else fields
        matchers = [(_matcher(template), name) for template, name in pairs]
        for message in messages:
            field = next((name for match, name in matchers if match.match(str(message))), None)
            self.add_error(field if field in self.fields else None, message)
