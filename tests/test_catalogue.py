import importlib.util
import shutil
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def _catalogue_module():
    spec = importlib.util.spec_from_file_location("catalogue", ROOT / "scripts" / "catalogue.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_catalogues_are_complete_and_compiled():
    catalogue = _catalogue_module()

    problems = [p for path in catalogue.CATALOGUES for p in catalogue.check_catalogue(path)]

    assert problems == []


def test_an_untranslated_entry_and_a_stale_mo_are_reported(tmp_path, monkeypatch):
    catalogue = _catalogue_module()
    monkeypatch.setattr(catalogue, "ROOT", tmp_path)
    po_path = tmp_path / "django.po"
    shutil.copy(ROOT / "locale/it/LC_MESSAGES/django.po", po_path)
    catalogue.compile_catalogue(po_path)
    po = polib.pofile(str(po_path))
    po.append(polib.POEntry(msgid="A new message", msgstr=""))
    po.find("Language").msgstr = "Idioma"
    po.save()

    problems = catalogue.check_catalogue(po_path)

    assert any("untranslated: 'A new message'" in p for p in problems)
    assert any("out of date with its .po" in p for p in problems)


def test_viewflow_strings_missing_from_its_catalogue_are_translated(italian):
    from django.utils import translation

    assert translation.gettext("Flow Chart") == "Diagramma del flusso"
    assert translation.gettext("Save") == "Salva"
