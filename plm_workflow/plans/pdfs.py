"""PDFs: what an uploaded one may contain, the name it is downloaded under, and a small one.

An upload is a PDF only if pypdf parses it: at least one page, no JavaScript, no actions that
launch programs. Encrypted PDFs that open without a password (only an owner password, as many
signed PDFs have) are read; those that need a password to open are refused. CAdES envelopes
(``.p7m``) are refused: the plan keeps the PDF itself (PAdES when signed).
"""

import enum
import logging
import re

from django.utils.text import slugify
from pypdf import PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"
# A CAdES envelope is DER: a SEQUENCE of indefinite (0x80) or two-byte (0x82) length.
DER_SEQUENCE_HEADS = (b"\x30\x80", b"\x30\x82")
# Keys and action types that run code or other programs when the PDF is opened or clicked.
SCRIPT_KEYS = {"/JS", "/JavaScript", "/XFA"}
SCRIPT_ACTIONS = {"/JavaScript", "/Launch"}
# Objects read at most when looking for scripts (a 10 MiB PDF has far fewer).
MAX_OBJECTS = 200_000


class Verdict(enum.Enum):
    PDF = "pdf"
    NOT_PDF = "not_pdf"
    ENVELOPE = "envelope"  # a .p7m (CAdES) file
    PASSWORD = "password"  # needs a password to open
    NO_PAGES = "no_pages"
    SCRIPTS = "scripts"  # JavaScript or launch actions


def pdf_verdict(upload) -> Verdict:
    """What ``upload`` (a file object at any position, with a ``name``) is, read by its content."""
    name = (getattr(upload, "name", "") or "").lower()
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if name.endswith(".p7m") or head.startswith(DER_SEQUENCE_HEADS):
        return Verdict.ENVELOPE
    if head != PDF_MAGIC:
        return Verdict.NOT_PDF
    try:
        return _parsed_verdict(upload)
    except Exception:  # whatever pypdf raises on a damaged file, it is not a PDF
        logger.info("Upload %r does not parse as a PDF", name, exc_info=True)
        return Verdict.NOT_PDF
    finally:
        upload.seek(0)


def _parsed_verdict(upload) -> Verdict:
    reader = PdfReader(upload, strict=False)
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        return Verdict.PASSWORD
    if len(reader.pages) == 0:
        return Verdict.NO_PAGES
    if _has_scripts(reader):
        return Verdict.SCRIPTS
    return Verdict.PDF


def _has_scripts(reader: PdfReader) -> bool:
    """Whether any object reachable from the trailer is a script or a launch action.

    This covers the document's names tree (``/Names /JavaScript``), its ``/OpenAction``, and
    the additional actions (``/AA``) of the document, its pages, annotations and form fields,
    wherever they are nested.
    """
    seen: set[tuple[int, int]] = set()
    pending = [reader.trailer]
    read = 0
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        read += 1
        if read > MAX_OBJECTS:
            return True  # too many objects to check: treat as unsafe
        if isinstance(item, DictionaryObject):  # streams are dictionaries too
            if any(key in SCRIPT_KEYS for key in item):
                return True
            if item.get("/S") in SCRIPT_ACTIONS:
                return True
            pending.extend(value for key, value in item.items() if key != "/Parent")
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return False


def download_name(original_name: str, fallback: str = "document") -> str:
    """``<safe-stem>.pdf``: the slugified stem of ``original_name``, never its extension."""
    name = (original_name or "").replace("\\", "/").replace("/", "-")
    stem, dot, suffix = name.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,5}", suffix):
        stem = name
    safe = slugify(stem)[:100].strip("-_") or slugify(fallback) or "document"
    return f"{safe}.pdf"


def one_page_pdf(text: str) -> bytes:
    """A valid PDF of one A4 page showing ``text`` on one line (Helvetica, WinAnsi).

    Written by hand, with the cross-reference offsets pypdf and every reader expect.
    """
    line = text.replace("\r", " ").replace("\n", " ").encode("cp1252", "replace")
    line = line.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    content = b"BT /F1 12 Tf 72 770 Td (" + line + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(output)
