"""Record ids in URLs and forms: digits that fit a 64-bit key, nothing else.

A larger number cannot name a row (and SQLite fails on it instead of finding nothing), so
the URL converter and ``parse_id`` refuse it where it enters, and views never see it.
"""

import re

ID_PATTERN = "[0-9]{1,18}"
_ID_RE = re.compile(rf"^{ID_PATTERN}$")


class IdConverter:
    regex = ID_PATTERN

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


def parse_id(text) -> int | None:
    """Return the id written in ``text``, or None if it is not one."""
    text = (text or "").strip()
    return int(text) if _ID_RE.match(text) else None
