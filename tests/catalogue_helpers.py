"""Tests of Italian words that come from the catalogue, run once the catalogue has them.

New message ids are written in English with the code; their Italian is added to
``locale/it`` afterwards, by reading the pages. A test of the Italian wording of such a message
waits for its entry (skipped, naming it) instead of asserting English in an Italian page.
"""

from pathlib import Path

import polib
import pytest

_PO = Path(__file__).resolve().parents[1] / "locale" / "it" / "LC_MESSAGES" / "django.po"


def _translated() -> set[str]:
    if not hasattr(_translated, "cache"):
        po = polib.pofile(str(_PO))
        _translated.cache = {entry.msgid for entry in po.translated_entries()}
    return _translated.cache


def needs_italian(*msgids: str):
    """Skip the test until the Italian catalogue translates every one of ``msgids``."""
    missing = [msgid for msgid in msgids if msgid not in _translated()]
    return pytest.mark.skipif(bool(missing), reason=f"the Italian catalogue lacks {missing!r} yet")
