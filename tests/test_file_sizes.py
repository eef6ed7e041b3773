"""File sizes as each language writes them: ``byte`` is invariable in Italian."""

import pytest
from django.template import Context, Template
from django.utils import translation

from plm_workflow.formats.sizes import file_size
from tests.catalogue_helpers import needs_italian

NBSP = "\u00a0"  # number and unit never part at a line's end


@pytest.mark.parametrize(
    ("size", "english"),
    [(0, f"0{NBSP}bytes"), (1, f"1{NBSP}byte"), (95, f"95{NBSP}bytes"), (1023, f"1023{NBSP}bytes"),
     (int(1.2 * 1024 * 1024), f"1.2{NBSP}MB"), (12_595, f"12.3{NBSP}KB")],
)  # fmt: skip
def test_sizes_in_english(size, english):
    with translation.override("en"):
        assert file_size(size) == english


def test_kilobytes_and_megabytes_in_italian_have_a_decimal_comma():
    with translation.override("it"):
        assert file_size(int(1.2 * 1024 * 1024)) == f"1,2{NBSP}MB"
        assert file_size(12_595) == f"12,3{NBSP}KB"


@needs_italian("%(size)d byte")
def test_byte_is_invariable_in_italian():
    with translation.override("it"):
        assert [file_size(n) for n in (1, 95)] == [f"1{NBSP}byte", f"95{NBSP}byte"]


def test_nothing_is_empty():
    assert file_size(None) == ""
    assert file_size("") == ""


def test_the_template_filter():
    with translation.override("en"):
        assert Template("{% load words %}{{ n|file_size }}").render(Context({"n": 95})) == (
            f"95{NBSP}bytes"
        )


def test_no_template_uses_djangos_filesizeformat():
    """Django's filter says "95 bytes" in Italian: templates use ``file_size``."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "templates"
    # The plan page's own template is being reworked elsewhere: it switches when wired.
    pending = set()
    found = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if "filesizeformat" in path.read_text() and str(path.relative_to(root)) not in pending
    ]
    assert found == []
