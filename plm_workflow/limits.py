"""How much free text the app takes: one place for every form, service and model.

A note or minutes hold a few pages; a reason or comments a paragraph. Longer text is refused
with its message, never cut, so nothing is lost silently. Lengths count characters with a
line break as one (a browser sends ``\\r\\n``; its ``maxlength`` counts one), so a text the
page let through is never refused for its line breaks.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

NOTE_MAX_CHARS = 20_000  # phase notes, minutes
REASON_MAX_CHARS = 2_000  # reasons, comments
SECTION_MAX_CHARS = 50_000  # a section of the plan's text

TOO_LONG = _("At most %(limit)s characters, please: this text has %(length)s.")


def length_of(text: str | None) -> int:
    """Return the length of ``text`` as the limits count it (a line break is one)."""
    return len((text or "").replace("\r\n", "\n"))


def too_long(text: str | None, limit: int) -> str | None:
    """Return the refusal for a text longer than ``limit`` characters, or None.

    The numbers are grouped as the active language writes them (20.000 in Italian).
    """
    length = length_of(text)
    if length <= limit:
        return None
    return str(TOO_LONG % {"limit": _grouped(limit), "length": _grouped(length)})


def note_too_long(text: str | None) -> str | None:
    """Return the refusal for a note or minutes over NOTE_MAX_CHARS, or None."""
    return too_long(text, NOTE_MAX_CHARS)


def reason_too_long(text: str | None) -> str | None:
    """Return the refusal for a reason or comments over REASON_MAX_CHARS, or None."""
    return too_long(text, REASON_MAX_CHARS)


def _grouped(number: int) -> str:
    return number_format(number, force_grouping=True)


class TextLimitValidator(MaxLengthValidator):
    """Refuse a text over ``limit_value`` characters with TOO_LONG (models and forms alike).

    Django's own ``max_length`` counts ``\\r\\n`` as two and writes the numbers ungrouped.
    """

    def __call__(self, value):
        message = too_long(value, self.limit_value)
        if message is not None:
            raise ValidationError(message, code=self.code)
