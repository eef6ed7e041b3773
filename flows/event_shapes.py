"""Events written before the shared payload shape, read as if written in it.

An event's hashed content is never rewritten: the events of the first releases keep the
payloads they were written with (``{"task": 12, "node": "assess", "assigned_to": 5}``, a
role's ``{"user", "username", "role", "comune"}``, a schedule's ``{"dates": {...}}``…). The
pages read every event through ``shared_shape``, which gives the shared shape of
``plm_workflow.audit.services.PAYLOAD_KEYS`` (concerns, phase, node, changes, children,
reason, comments, cause) whichever shape the event was written in, so that one sentence per
kind serves both. Nothing here writes: the stored payload is left as it is.
"""

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import PAYLOAD_KEYS

# What older payloads said in a free ``reason`` that the shared shape calls a ``cause``.
_CAUSES = {"role revoked", "plan withdrawn"}


def shared_shape(kind: str, payload) -> dict:
    """Return ``payload`` in the shared shape (a new dict; the event's own is not touched).

    A payload of the shared shape comes back as it is; the keys of older shapes are moved to
    where the shared shape keeps them, and ``username`` (the name a role's event carried) is
    kept beside them for the pages.
    """
    if not isinstance(payload, dict):
        return {}
    old = {key: value for key, value in payload.items() if key not in PAYLOAD_KEYS}
    shaped = {key: value for key, value in payload.items() if key in PAYLOAD_KEYS}
    changes = dict(shaped.get("changes") or {}) if isinstance(shaped.get("changes"), dict) else {}
    concerns = (
        dict(shaped.get("concerns") or {}) if isinstance(shaped.get("concerns"), dict) else {}
    )
    if not old and kind not in _REASON_WAS_CAUSE:
        return shaped
    for name in ("task", "review", "document", "user", "comune"):
        if name in old and old[name] is not None:
            concerns.setdefault(name, old[name])
    mover = _OLD_SHAPES.get(kind)
    if mover is not None:
        mover(old, shaped, changes)
    if kind in _REASON_WAS_CAUSE and shaped.get("reason") in _CAUSES and "cause" not in shaped:
        shaped["cause"] = shaped.pop("reason")
    if changes:
        shaped["changes"] = changes
    if concerns:
        shaped["concerns"] = concerns
    if "username" in old:
        shaped["username"] = old["username"]
    if "transition" in old:
        shaped["transition"] = old["transition"]
    return shaped


def _task_created(old, shaped, changes):
    if "offered_to" in old:
        changes.setdefault("offered_to", [None, old["offered_to"]])
    if "assigned_to" in old:
        changes.setdefault("holder", [None, old["assigned_to"]])


def _task_reassigned(old, shaped, changes):
    if "to" in old or "from" in old:
        changes.setdefault("holder", [old.get("from"), old.get("to")])


def _review_decided(old, shaped, changes):
    for name in ("decision", "round"):
        if name in old:
            changes.setdefault(name, [None, old[name]])


def _role(kind):
    def mover(old, shaped, changes):
        if "role" in old:
            role = old["role"]
            changes.setdefault(
                "role", [None, role] if kind == EventKind.ROLE_GRANTED else [role, None]
            )

    return mover


def _schedule_set(old, shaped, changes):
    dates = old.get("dates")
    if isinstance(dates, dict) and "children" not in shaped:
        rows = [{"phase": phase, "current": day} for phase, day in dates.items()]
        shaped["children"] = {"phase_date": {"added": rows}}


def _due_date_set(old, shaped, changes):
    if "due" in old:
        changes.setdefault("due", [None, old["due"]])


def _file_uploaded(old, shaped, changes):
    if "name" in old and "children" not in shaped:
        row = {name: old[name] for name in ("kind", "name", "size", "sha256") if name in old}
        shaped["children"] = {"document": {"added": [row]}}


def _registry_imported(old, shaped, changes):
    if "children" in shaped:
        return
    shaped["children"] = {
        "comune": {
            "added": old.get("created", 0),
            "changed": old.get("updated_codes", old.get("updated", 0)),
            "suppressed": old.get("suppressed_codes", old.get("suppressed", 0)),
        }
    }


_OLD_SHAPES = {
    EventKind.TASK_CREATED: _task_created,
    EventKind.TASK_REASSIGNED: _task_reassigned,
    EventKind.REVIEW_DECIDED: _review_decided,
    EventKind.ROLE_GRANTED: _role(EventKind.ROLE_GRANTED),
    EventKind.ROLE_REVOKED: _role(EventKind.ROLE_REVOKED),
    EventKind.SCHEDULE_SET: _schedule_set,
    EventKind.DUE_DATE_SET: _due_date_set,
    EventKind.FILE_UPLOADED: _file_uploaded,
    EventKind.REGISTRY_IMPORTED: _registry_imported,
}

# Kinds whose older events said in ``reason`` what the shared shape calls the ``cause``.
_REASON_WAS_CAUSE = {EventKind.TASK_RELEASED, EventKind.TASK_CANCELED}
