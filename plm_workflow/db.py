"""Database helpers shared by the domain's services: row locks, and what one transaction knows.

A service that runs inside another one joins its transaction (``joined``) instead of opening a
savepoint, and a row locked once stays locked until the transaction ends, so it is not locked
again (``lock_row``). What a transaction has learnt is kept in a memo on the connection; each
entry is valid while a marker callback it registered with ``transaction.on_commit`` is still
queued: Django drops the callbacks registered inside a savepoint when it rolls that savepoint
back, and all of them when the transaction ends, so an entry never outlives the work (or the
row locks) it describes.
"""

from contextlib import contextmanager

from django.db import models, transaction

_MEMO = "_plm_transaction_memo"
_QUEUED = "_plm_transaction_queued"  # the queued callbacks' ids, kept in step with the list
_PRUNE_AT = "_plm_transaction_prune_at"
_PRUNE_ABOVE = 256  # entries left by rolled-back transactions are dropped past this size


@contextmanager
def joined(using=None):
    """Run the block in the caller's transaction, or in a transaction of its own if none.

    Nested, it opens no savepoint: use it only for writes that refuse before they write
    anything (a refusal then leaves no trace to undo), or whose failure must fail the
    caller's transaction too.
    """
    if transaction.get_connection(using).in_atomic_block:
        yield
    else:
        with transaction.atomic(using=using):
            yield


def remember(key, value, using=None) -> None:
    """Keep ``value`` under ``key`` until the current transaction (or savepoint) is undone or ends.

    A value remembered inside a savepoint that is rolled back is forgotten with it, and the
    one remembered before it (outside that savepoint) is recalled again.
    """
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return
    memo = connection.__dict__.setdefault(_MEMO, {})
    if len(memo) > connection.__dict__.get(_PRUNE_AT, _PRUNE_ABOVE):
        for known in list(memo):
            _valid(connection, memo, known)  # drops what was rolled back
        # Next time at twice the size: a transaction that remembers many things (a sweep's
        # thousands of locks) prunes a few times, not at every entry.
        connection.__dict__[_PRUNE_AT] = max(_PRUNE_ABOVE, 2 * len(memo))
    level = tuple(connection.savepoint_ids)
    entries = memo.setdefault(key, [])
    if entries and entries[-1][1] == level and _queued(connection, entries[-1][0]):
        entries[-1][2] = value  # same savepoint: undone together with what came before
        return

    def forget():
        memo.pop(key, None)  # the transaction committed

    transaction.on_commit(forget, using=using)
    entries.append([forget, level, value])


def recall(key, using=None):
    """Return what the current transaction remembered under ``key``, or None."""
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return None
    memo = connection.__dict__.get(_MEMO)
    if not memo or key not in memo or not _valid(connection, memo, key):
        return None
    return memo[key][-1][2]


def _valid(connection, memo, key) -> bool:
    """Drop the entries whose savepoint was rolled back; return True if one is left."""
    entries = memo[key]
    while entries and not _queued(connection, entries[-1][0]):
        entries.pop()
    if not entries:
        del memo[key]
    return bool(entries)


def _queued(connection, marker) -> bool:
    # Django drops the callbacks of a savepoint it rolls back, and all of them at the end.
    return id(marker) in _queued_ids(connection)


def _queued_ids(connection) -> set[int]:
    """Return the ids of the callbacks queued on the connection, in constant time per call.

    Django only appends to ``run_on_commit``, or replaces the list (a savepoint rolled back,
    the transaction's end): the set follows the appends, and is built again for a new list.
    The callbacks are alive while the list holds them, so their ids cannot be reused.
    """
    hooks = connection.run_on_commit
    known = connection.__dict__.get(_QUEUED)
    if known is None or known[0] is not hooks or known[1] > len(hooks):
        ids = {id(callback) for _sids, callback, _robust in hooks}
    else:
        ids = known[2]
        ids.update(id(callback) for _sids, callback, _robust in hooks[known[1] :])
    connection.__dict__[_QUEUED] = (hooks, len(hooks), ids)
    return ids


def lock_row(model: type[models.Model], pk) -> None:
    """Lock one row until the current transaction ends (a no-op lock on SQLite, whose
    IMMEDIATE transactions already serialise writers).

    Writers that lock the same row take turns, and read what the one before them committed.
    A row this transaction already locked is not locked (nor read) again.
    """
    key = ("lock", model._meta.label, pk)
    if recall(key):
        return
    model.objects.select_for_update().values_list("pk", flat=True).get(pk=pk)
    remember(key, True)


def lock_value(model: type[models.Model], pk, field: str):
    """Lock one row (as ``lock_row``) and return one of its fields, read under the lock."""
    value = model.objects.select_for_update().values_list(field, flat=True).get(pk=pk)
    remember(("lock", model._meta.label, pk), True)
    return value
