"""Files chosen on a form that was refused for another reason, kept for its next round.

UI.md: a refusal keeps what the person typed, and a chosen file is kept. A browser cannot put a
file back into a file input, so a file that passed its own checks is stored aside, under a
generated name in the default storage (shared by every web machine), and the page carries a
signed token naming it; sent back with the form, the token gives the file again. The token is
bound to the person who chose the file and expires; stored files older than that are removed
as new ones are kept. Nothing is recorded: the file becomes the plan's only through the service
that stores it (``documents.document_store``), which checks it again.
"""

import datetime
import logging
import uuid

from django.core import signing
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

logger = logging.getLogger(__name__)

FOLDER = "pending"
MAX_AGE = datetime.timedelta(hours=12)
_SALT = "plm.pending-upload"


class PendingFile(File):
    """A kept file, read from storage: ``name`` is the name it was chosen with, ``token`` the
    signed token that gave it."""

    def __init__(self, file, *, name: str, token: str, size: int):
        super().__init__(file, name=name)
        self.token = token
        self.size = size


def pending_upload_keep(*, upload, by) -> str:
    """Store the upload aside and return the signed token that gives it back to ``by``."""
    _sweep()
    upload.seek(0)
    stored = default_storage.save(f"{FOLDER}/{uuid.uuid4()}.pdf", upload)
    upload.seek(0)
    return signing.dumps(
        {"file": stored, "name": (upload.name or "")[:200], "size": upload.size, "by": by.pk},
        salt=_SALT,
        compress=True,
    )


def pending_upload_open(*, token: str, by) -> PendingFile | None:
    """Return the file the token names, if it is ``by``'s, fresh and still stored; else None."""
    if not token:
        return None
    kept = _read(token, max_age=MAX_AGE)
    if kept is None or kept.get("by") != by.pk:
        return None
    name = kept["file"]
    try:
        opened = default_storage.open(name, "rb")
    except OSError:
        return None
    return PendingFile(opened, name=kept.get("name", ""), token=token, size=kept.get("size", 0))


def pending_upload_discard(*, token: str) -> None:
    """Remove the file the token names (once it is stored for good, or given up)."""
    kept = _read(token)
    if kept is None:
        return
    try:
        default_storage.delete(kept["file"])
    except OSError:
        logger.warning("Could not remove the kept file %s", kept["file"])


def _read(token: str, *, max_age=None) -> dict | None:
    """Return what a token says, if it is ours, names a kept file and is not too old."""
    try:
        kept = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.BadSignature:
        return None
    name = kept.get("file") if isinstance(kept, dict) else None
    if not isinstance(name, str) or not name.startswith(f"{FOLDER}/") or ".." in name:
        return None
    return kept


def _sweep() -> None:
    """Remove kept files older than their tokens (best effort: storages that cannot list or
    date their files keep them)."""
    limit = timezone.now() - MAX_AGE
    try:
        _folders, files = default_storage.listdir(FOLDER)
    except (OSError, NotImplementedError):
        return
    for file in files:
        name = f"{FOLDER}/{file}"
        try:
            if default_storage.get_modified_time(name) < limit:
                default_storage.delete(name)
        except (OSError, NotImplementedError):
            continue
