"""Writes of the plans domain. Each service is atomic and validates before it saves."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Comune
from .registry import RegistryRow

REGISTRY_CHANGE_REASON = "ISTAT registry import"
_REGISTRY_FIELDS = ("name", "province_code", "region", "suppressed")
_BATCH_SIZE = 500


@dataclass(frozen=True)
class RegistryImportResult:
    created: int
    updated: int
    unchanged: int
    suppressed: int


def comuni_import(
    *,
    rows: Iterable[RegistryRow],
    progress: Callable[[int, int], None] | None = None,
) -> RegistryImportResult:
    """Bring the comuni in line with the registry rows, all or nothing.

    New codes are created, changed ones updated, and comuni missing from the rows marked
    suppressed (never deleted: plans refer to them). Field history is kept for every write.
    ``progress(done, total)`` is called as the writes advance.
    """
    rows = list(rows)
    with transaction.atomic():
        existing = {comune.istat_code: comune for comune in Comune.objects.select_for_update()}
        to_create: list[Comune] = []
        to_update: list[Comune] = []
        for row in rows:
            comune = existing.get(row.istat_code)
            if comune is None:
                comune = Comune(
                    istat_code=row.istat_code,
                    name=row.name,
                    province_code=row.province_code,
                    region=row.region,
                )
                comune.full_clean(validate_unique=False, validate_constraints=False)
                to_create.append(comune)
            elif _apply(comune, row):
                comune.full_clean(validate_unique=False, validate_constraints=False)
                to_update.append(comune)

        listed = {row.istat_code for row in rows}
        newly_suppressed = [
            comune
            for code, comune in existing.items()
            if code not in listed and not comune.suppressed
        ]
        for comune in newly_suppressed:
            comune.suppressed = True

        total = len(to_create) + len(to_update) + len(newly_suppressed)
        done = 0
        for start in range(0, len(to_create), _BATCH_SIZE):
            batch = to_create[start : start + _BATCH_SIZE]
            bulk_create_with_history(
                batch, Comune, batch_size=_BATCH_SIZE, default_change_reason=REGISTRY_CHANGE_REASON
            )
            done += len(batch)
            if progress:
                progress(done, total)
        changed = to_update + newly_suppressed
        for start in range(0, len(changed), _BATCH_SIZE):
            batch = changed[start : start + _BATCH_SIZE]
            bulk_update_with_history(
                batch,
                Comune,
                fields=list(_REGISTRY_FIELDS),
                batch_size=_BATCH_SIZE,
                default_change_reason=REGISTRY_CHANGE_REASON,
            )
            done += len(batch)
            if progress:
                progress(done, total)

    return RegistryImportResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(rows) - len(to_create) - len(to_update),
        suppressed=len(newly_suppressed),
    )


def _apply(comune: Comune, row: RegistryRow) -> bool:
    """Copy the row onto the comune; return True if anything changed."""
    wanted = {
        "name": row.name,
        "province_code": row.province_code,
        "region": row.region,
        "suppressed": False,
    }
    changed = False
    for field, value in wanted.items():
        if getattr(comune, field) != value:
            setattr(comune, field, value)
            changed = True
    return changed
