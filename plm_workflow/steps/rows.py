"""What the step services share: a row's values and changes, child rows matched, links synced.

A step's editor sends its rows whole: a row with an ``id`` is an existing one, kept and
updated; a row without is new; an existing row left out is removed. Only what changed is
written (new and changed rows in bulk, with their history), and the changes are described in
the event payload's shape: ``{"added": [...], "removed": [...], "changed": [...]}``.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from plm_workflow.plans.errors import PlanError
from plm_workflow.plans.models import Organisation

ROW_UNKNOWN = _("A row of this page was not found: reload the page and try again.")
ROW_PROBLEM = _("%(row)s %(number)s: %(message)s")
OTHER_COMUNE = _("Choose among this comune's organisations.")


def values(row, names) -> dict:
    return {name: getattr(row, name) for name in names}


def diff(before: dict, after: dict) -> dict:
    """Fields old → new; for a new row (``before`` empty) only those given."""
    if not before:
        return {k: [None, v] for k, v in after.items() if v not in (None, "", [], False)}
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def problems_of(row, *, exclude, label=None, number=None) -> list[str]:
    """Return the row's validation messages (``label number: message`` for a child row)."""
    try:
        row.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        found = [str(message) for message in error.messages]
        if label is not None:
            return [
                str(ROW_PROBLEM % {"row": label, "number": number, "message": m}) for m in found
            ]
        return found
    return []


def match_rows(
    parent, model, parent_field: str, names, given: list[dict], label, unknown=ROW_UNKNOWN
):
    """Match the given rows with the stored children of ``parent``.

    Return ``({"kept", "new", "updated" (row, old values), "removed"}, problems)``. An ``id``
    that names no child of ``parent`` (forged, or given twice) is refused.
    """
    stored = (
        {row.pk: row for row in model.objects.filter(**{parent_field: parent})} if parent.pk else {}
    )
    result = {"kept": [], "new": [], "updated": [], "removed": []}
    problems, seen = [], set()
    for number, given_values in enumerate(given, start=1):
        pk = given_values.get("id")
        if pk is not None:
            row = stored.get(pk)
            if row is None or pk in seen:
                raise PlanError([unknown])
            seen.add(pk)
            old = values(row, names)
        else:
            row, old = model(), None
        for name in names:
            if name in given_values:
                setattr(row, name, given_values[name])
        problems += problems_of(row, exclude=[parent_field], label=label, number=number)
        result["kept"].append(row)
        if old is None:
            result["new"].append(row)
        elif old != values(row, names):
            result["updated"].append((row, old))
    result["removed"] = [row for pk, row in stored.items() if pk not in seen]
    return result, problems


def row_changes(rows: dict, names) -> dict:
    """Describe matched rows' changes in the payload's shape (new rows' ids set on writing)."""
    found = {}
    added = [{"id": None, **values(row, names)} for row in rows["new"]]
    removed = [{"id": row.pk, **values(row, names)} for row in rows["removed"]]
    changed = [
        {
            "id": row.pk,
            "changes": {
                name: [old[name], getattr(row, name)]
                for name in names
                if old[name] != getattr(row, name)
            },
        }
        for row, old in rows["updated"]
    ]
    for part, entries in (("added", added), ("removed", removed), ("changed", changed)):
        if entries:
            found[part] = entries
    return found


def write_rows(model, rows: dict, *, parent, parent_field: str, by, names, reason, found=None):
    """Write matched rows: removed ones one by one (each with its history row naming ``by``),
    new and changed ones in bulk; the new rows' ids go into ``found["added"]``."""
    for row in rows["removed"]:
        row._history_user = by
        row.delete()
    for row in rows["new"]:
        setattr(row, parent_field, parent)
    if rows["new"]:
        created = bulk_create_with_history(
            rows["new"], model, default_user=by, default_change_reason=reason
        )
        for row, saved in zip(rows["new"], created, strict=True):
            row.pk = saved.pk
        if found is not None:
            for entry, row in zip(found.get("added", []), rows["new"], strict=True):
                entry["id"] = row.pk
    if rows["updated"]:
        bulk_update_with_history(
            [row for row, _old in rows["updated"]],
            model,
            fields=list(names),
            default_user=by,
            default_change_reason=reason,
        )


def save_row(row, by, reason, *, bump: bool = True) -> None:
    """Save a row with its history naming ``by``; ``bump`` counts a new revision."""
    if bump:
        row.revision += 1
    row._history_user = by
    row._change_reason = reason
    row.save()


def of_comune(comune_id: int, ids) -> list[Organisation]:
    """Return the organisations ``ids`` names, all of the comune, by id; else refuse."""
    ids = list(dict.fromkeys(ids))
    found = list(Organisation.objects.filter(comune_id=comune_id, pk__in=ids))
    if len(found) != len(ids):
        raise PlanError([OTHER_COMUNE])
    return sorted(found, key=lambda organisation: organisation.pk)


def sync_links(model, owner_field: str, owner, wanted: list, by) -> dict:
    """Make ``owner``'s links to organisations exactly ``wanted``; return what changed."""
    current = {
        link.organisation_id: link
        for link in model.objects.filter(**{owner_field: owner}).order_by("pk")
    }
    wanted_ids = [organisation.pk for organisation in wanted]
    removed = [pk for pk in current if pk not in wanted_ids]
    added = [pk for pk in wanted_ids if pk not in current]
    for pk in removed:
        link = current[pk]
        link._history_user = by
        link.delete()
    for pk in added:
        link = model(**{owner_field: owner, "organisation_id": pk})
        link._history_user = by
        link.save()
    found = {}
    if added:
        found["added"] = added
    if removed:
        found["removed"] = removed
    return found
