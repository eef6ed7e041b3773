"""The national plan's axes and priority actions, from ``fixtures/priority_actions.json``.

Loaded by a data migration (and again by any later one that changes the file): rows are
matched by their stable code and updated, never deleted, so measures keep their action.
"""

import json
from pathlib import Path

from django.conf import settings

FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "priority_actions.json"


def load_priority_actions(axis_model, action_model, path: Path = FIXTURE) -> int:
    """Create or update the axes and actions of ``path`` by code; return the actions' count.

    Takes the models as arguments so that a migration passes its historical ones.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    axes = {}
    for entry in data["axes"]:
        axes[entry["code"]], _created = axis_model.objects.update_or_create(
            code=entry["code"],
            defaults={k: entry[k] for k in ("number", "name_it", "name_en")},
        )
    for entry in data["priority_actions"]:
        action_model.objects.update_or_create(
            code=entry["code"],
            defaults={
                "axis": axes[entry["axis"]],
                **{k: entry[k] for k in ("number", "name_it", "name_en")},
            },
        )
    return len(data["priority_actions"])
