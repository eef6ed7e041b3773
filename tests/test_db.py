"""What one transaction remembers (plm_workflow/db.py): kept while its work stands, forgotten
with a savepoint rolled back or the transaction's end, and cheap however much it remembers."""

import time

import pytest
from django.db import transaction

from plm_workflow.db import recall, remember

pytestmark = pytest.mark.django_db


def test_a_value_is_recalled_in_its_transaction_and_forgotten_with_its_savepoint():
    with transaction.atomic():
        remember("plan", 1)
        try:
            with transaction.atomic():
                remember("plan", 2)
                remember("task", 7)
                assert (recall("plan"), recall("task")) == (2, 7)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        assert (recall("plan"), recall("task")) == (1, None)


def test_a_transaction_that_remembers_thousands_of_things_stays_fast():
    # A sweep locks thousands of rows in one transaction: each entry must cost about the same,
    # not a scan of every entry and every queued callback (minutes at this size before).
    started = time.perf_counter()
    with transaction.atomic():
        for pk in range(6000):
            remember(("lock", "plans.Plan", pk), True)
        assert all(recall(("lock", "plans.Plan", pk)) for pk in range(0, 6000, 97))
        try:
            with transaction.atomic():
                for pk in range(6000, 7000):
                    remember(("lock", "plans.Plan", pk), True)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        remember(("lock", "plans.Plan", 7001), True)  # after the rollback: pruned, not slow
        assert recall(("lock", "plans.Plan", 6500)) is None
        assert recall(("lock", "plans.Plan", 42)) is True
    assert time.perf_counter() - started < 10
