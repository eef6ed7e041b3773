"""Database helpers shared by the domain's services."""

from django.db import models


def lock_row(model: type[models.Model], pk) -> None:
    """Lock one row until the current transaction ends (a no-op lock on SQLite, whose
    IMMEDIATE transactions already serialise writers).

    Writers that lock the same row take turns, and read what the one before them committed.
    """
    model.objects.select_for_update().values_list("pk", flat=True).get(pk=pk)
