"""Files of a plan (the adhesion act first): checked to be PDFs, stored under generated names,
hashed, recorded, and served only to those who may see the plan."""

import hashlib
import threading
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import payload_of, record

from .errors import PlanError
from .models import Document, DocumentKind

PDF_MAGIC = b"%PDF-"
NOT_A_PDF = _("“%(name)s” is not a PDF: choose the PDF of the signed act.")
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


def pdf_problems(upload) -> list[str]:
    """Return why the upload cannot be stored: not a PDF by its content, too large, empty."""
    name = getattr(upload, "name", "") or ""
    limit = settings.PLM_MAX_UPLOAD_BYTES
    if upload.size == 0:
        return [str(EMPTY_FILE % {"name": name})]
    if upload.size > limit:
        return [
            str(
                TOO_LARGE
                % {
                    "name": name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                }
            )
        ]
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        return [str(NOT_A_PDF % {"name": name})]
    return []


def document_store(*, plan, kind: str, upload, by) -> Document:
    """Store a PDF of the plan under a generated name and record its SHA-256.

    The caller has checked the permission (the launch, for the adhesion act).
    """
    problems = pdf_problems(upload)
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
