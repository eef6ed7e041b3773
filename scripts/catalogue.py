"""Check or compile the committed translation catalogues, in Python (no gettext tools needed).

    python scripts/catalogue.py check     # every Italian entry translated, none fuzzy, .mo current
    python scripts/catalogue.py compile   # write each .mo from its .po

A fresh machine has no GNU gettext, so CI checks the catalogues with polib: message ids are
English, the Italian catalogue must be complete, and the committed ``.mo`` must hold exactly
the translations of its ``.po``.
"""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [
    ROOT / "locale" / "it" / "LC_MESSAGES" / "django.po",
    ROOT / "locale_viewflow" / "it" / "LC_MESSAGES" / "django.po",
]


def _key(entry):
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _translations(entries):
    result = {}
    for entry in entries:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            value = tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
        else:
            value = entry.msgstr
        result[_key(entry)] = value
    return result


def check_catalogue(po_path: Path) -> list[str]:
    """Return the problems of one catalogue: untranslated, fuzzy, or a stale .mo."""
    problems = []
    relative = po_path.relative_to(ROOT)
    if not po_path.exists():
        return [f"{relative}: missing"]
    po = polib.pofile(str(po_path))
    for entry in po.untranslated_entries():
        problems.append(f"{relative}:{entry.linenum}: untranslated: {entry.msgid!r}")
    for entry in po.fuzzy_entries():
        problems.append(f"{relative}:{entry.linenum}: fuzzy: {entry.msgid!r}")
    mo_path = po_path.with_suffix(".mo")
    if not mo_path.exists():
        problems.append(
            f"{mo_path.relative_to(ROOT)}: missing; run: python scripts/catalogue.py compile"
        )
    elif _translations(polib.mofile(str(mo_path))) != _translations(po):
        problems.append(
            f"{mo_path.relative_to(ROOT)}: out of date with its .po; "
            "run: python scripts/catalogue.py compile"
        )
    return problems


def compile_catalogue(po_path: Path) -> Path:
    """Write the .mo beside the .po and return its path."""
    mo_path = po_path.with_suffix(".mo")
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in {"check", "compile"}:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if argv[1] == "compile":
        for po_path in CATALOGUES:
            print(f"compiled {compile_catalogue(po_path).relative_to(ROOT)}")
        return 0
    problems = [problem for po_path in CATALOGUES for problem in check_catalogue(po_path)]
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in the translation catalogues.", file=sys.stderr)
        return 1
    print(f"Translation catalogues complete: {len(CATALOGUES)} checked.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
