"""What enters through URLs and forms: record ids, ISTAT codes, text without control characters.

A larger number cannot name a row (and SQLite fails on it instead of finding nothing), so
the URL converter and ``parse_id`` refuse it where it enters, and views never see it. A NUL
byte cannot be stored in a PostgreSQL text column, and the other C0 control characters have
no place in what people type, so text that carries one is refused at the edge too.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ID_PATTERN = "[0-9]{1,18}"
_ID_RE = re.compile(rf"^{ID_PATTERN}$")

ISTAT_PATTERN = "[0-9]{6}"

# C0 control characters, except TAB, LF and CR.
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
CONTROL_CHARACTERS = _("This text contains a control character (such as NUL): remove it, please.")


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


class IstatConverter:
    """A comune's six-digit ISTAT code in a path (kept as text: it may start with 0)."""

    regex = ISTAT_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


def parse_id(text) -> int | None:
    """Return the id written in ``text``, or None if it is not one."""
    text = (text or "").strip()
    return int(text) if _ID_RE.match(text) else None


def has_control_characters(text) -> bool:
    """Return True if ``text`` holds a C0 control character other than TAB, LF and CR."""
    return bool(_CONTROL_RE.search(str(text or "")))


def refuse_control_characters(value) -> None:
    """Validator: refuse text with a C0 control character other than TAB, LF and CR."""
    if has_control_characters(value):
        raise ValidationError(CONTROL_CHARACTERS, code="control_characters")
