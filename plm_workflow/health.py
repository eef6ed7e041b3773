"""Health probes for the load balancer and the deployment check.

``/health/live/``: the process answers (no database, no storage). ``/health/ready/``: the process
can serve: the database answers, every migration is applied, the default storage takes a file.
Both open without login and say only ``ok`` or ``not ready`` (plain text, never cached): what
failed goes to the log, not to whoever asks. The bodies are protocol words for machines, not
interface text, so they are not translated.
"""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# The one file the readiness probe writes and deletes in the default storage.
PROBE_NAME = "health/ready-probe.txt"

OK = "ok"
NOT_READY = "not ready"


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@login_not_required
@require_safe
@never_cache
def live(request):
    """200 while the process can answer at all; touches neither the database nor the storage."""
    return _text(OK)


def _database_problem() -> str | None:
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    executor = MigrationExecutor(connection)
    unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        return f"{len(unapplied)} unapplied migration(s), first {unapplied[0][0]}"
    return None


def _storage_problem() -> str | None:
    # A stale probe left by a crash would make save() pick another name: remove it first.
    if default_storage.exists(PROBE_NAME):
        default_storage.delete(PROBE_NAME)
    saved = default_storage.save(PROBE_NAME, ContentFile(b"ok\n"))
    default_storage.delete(saved)
    return None


@login_not_required
@require_safe
@never_cache
def ready(request):
    """200 when the database answers, no migration is pending and the storage takes a file."""
    for name, check in (("database", _database_problem), ("storage", _storage_problem)):
        try:
            problem = check()
        except Exception as error:  # any failure means "not ready"
            problem = f"{type(error).__name__}: {error}"
        if problem:
            logger.warning("Readiness check failed (%s): %s", name, problem)
            return _text(NOT_READY, status=503)
    return _text(OK)
