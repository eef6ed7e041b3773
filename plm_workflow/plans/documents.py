"""Files of a plan (the adhesion act first): checked to be PDFs, stored under generated names,
hashed, recorded, and served only to those who may see the plan."""

import hashlib
import threading
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import payload_of, record
from plm_workflow.formats.sizes import file_size

from .errors import PlanError
from .models import Document, DocumentKind
from .pdfs import Verdict, pdf_verdict

NOT_A_PDF = _("“%(name)s” is not a PDF: choose the PDF of the signed act.")
PDF_ENVELOPE = _(
    "“%(name)s” is a signed envelope (.p7m), not a PDF: upload the PDF itself, "
    "e.g. signed as PAdES."
)
PDF_PASSWORD = _(
    "“%(name)s” needs a password to open: upload a copy of the PDF that opens without one."
)
PDF_NO_PAGES = _("“%(name)s” has no pages: choose the PDF of the signed act.")
PDF_SCRIPTS = _(
    "“%(name)s” contains JavaScript or actions that launch programs, which are not accepted: "
    "choose a PDF of the act without them."
)
VERDICT_MESSAGES = {
    Verdict.NOT_PDF: NOT_A_PDF,
    Verdict.ENVELOPE: PDF_ENVELOPE,
    Verdict.PASSWORD: PDF_PASSWORD,
    Verdict.NO_PAGES: PDF_NO_PAGES,
    Verdict.SCRIPTS: PDF_SCRIPTS,
}
TOO_LARGE = _("“%(name)s” is %(size)s: files up to %(limit)s are accepted.")
EMPTY_FILE = _("“%(name)s” is empty.")


_collectors = threading.local()


@contextmanager
def files_kept_only_on_success():
    """Delete the files stored inside the block if the block fails.

    The database rolls back a failed launch; storage does not. Wrap the outermost
    transaction that may store files (the launch, the demo) in this.
    """
    stack = getattr(_collectors, "stack", None)
    if stack is None:
        stack = _collectors.stack = []
    stored: list[str] = []
    stack.append(stored)
    try:
        yield
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    finally:
        stack.pop()  # blocks nest: the last one pushed is this one


def _stored(name: str) -> None:
    for stored in getattr(_collectors, "stack", None) or []:
        stored.append(name)


# Kinds of document that may be larger than the others: signed acts, often scans.
LARGE_KINDS = (DocumentKind.ADOPTION_ACT, DocumentKind.ADOPTION_ANNEX)


def upload_limit(kind=None) -> int:
    """Return the largest file accepted for a document of ``kind``, in bytes."""
    if kind in LARGE_KINDS:
        return settings.PLM_MAX_ACT_BYTES
    return settings.PLM_MAX_UPLOAD_BYTES


def pdf_problems(upload, kind=None) -> list[str]:
    """Return why the upload cannot be stored: empty, too large, or not a PDF by its content.

    A PDF parses with at least one page, carries no JavaScript or launch actions and opens
    without a password (see ``pdfs.pdf_verdict``). The size limit depends on the ``kind``.
    """
    name = getattr(upload, "name", "") or ""
    limit = upload_limit(kind)
    if upload.size == 0:
        return [str(EMPTY_FILE % {"name": name})]
    if upload.size > limit:
        return [
            str(
                TOO_LARGE
                % {
                    "name": name,
                    "size": file_size(upload.size),
                    "limit": file_size(limit),
                }
            )
        ]
    verdict = pdf_verdict(upload)
    if verdict is not Verdict.PDF:
        return [str(VERDICT_MESSAGES[verdict] % {"name": name})]
    return []


def document_store(*, plan, kind: str, upload, by) -> Document:
    """Store a PDF of the plan under a generated name and record its SHA-256.

    The caller has checked the permission (the launch, for the adhesion act).
    """
    problems = pdf_problems(upload, kind)
    if problems:
        raise PlanError(problems)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    public_id = uuid.uuid4()
    with transaction.atomic():
        stored_name = default_storage.save(f"plans/{plan.pk}/{public_id}.pdf", upload)
        _stored(stored_name)
        document = Document(
            plan=plan,
            kind=DocumentKind(kind),
            public_id=public_id,
            file=stored_name,
            original_name=(upload.name or "")[:200],
            size=upload.size,
            sha256=digest.hexdigest(),
            uploaded_by=by,
        )
        document.full_clean()
        document.save()
        record(
            kind=EventKind.FILE_UPLOADED,
            actor=by,
            plan=plan,
            payload=payload_of(
                concerns={"plan": plan.pk, "document": str(public_id)},
                children={
                    "document": {
                        "added": [
                            {
                                "kind": str(kind),
                                "name": document.original_name,
                                "size": document.size,
                                "sha256": document.sha256,
                            }
                        ]
                    }
                },
            ),
        )
    return document
