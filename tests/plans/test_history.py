"""The change helper: what changed in a plan's data between two moments, from history."""

import pytest
from django.utils import timezone

from plm_workflow.plans.history import plan_changes
from plm_workflow.plans.models import Phase, PhaseNote, PlanStatus
from plm_workflow.plans.services import phase_note_save, plan_suspend

pytestmark = pytest.mark.django_db


def test_nothing_changed_between_two_moments_with_no_write(plan):
    now = timezone.now()
    found = plan_changes(plan=plan, since=now, until=now)
    assert not found
    assert (found.fields, found.children) == ({}, {})


def test_the_plans_own_fields_old_and_new(plan, lead):
    before = timezone.now()

    plan_suspend(plan=plan, by=lead, reason="Elezioni comunali")

    found = plan_changes(plan=plan, since=before)
    assert found.fields["status"] == [PlanStatus.NEEDS_ASSESSMENT, PlanStatus.SUSPENDED]
    assert found.fields["suspension_reason"] == ["", "Elezioni comunali"]
    assert found.children == {}


def test_child_rows_added_changed_and_removed(plan, coordinator):
    start = timezone.now()
    phase_note_save(plan=plan, phase=Phase.ASSESSMENT, text="Uno.", by=coordinator)
    note = PhaseNote.objects.get(plan=plan)
    middle = timezone.now()
    phase_note_save(plan=plan, phase=Phase.ASSESSMENT, text="Due.", by=coordinator)

    assert plan_changes(plan=plan, since=start).children == {
        "phase_note": {"added": [{"id": note.pk, "phase": "assessment", "text": "Due."}]}
    }
    assert plan_changes(plan=plan, since=middle).children == {
        "phase_note": {"changed": [{"id": note.pk, "changes": {"text": ["Uno.", "Due."]}}]}
    }
    later, note_id = timezone.now(), note.pk
    note.delete()  # no service deletes a note; history still tells
    assert plan_changes(plan=plan, since=later).children == {
        "phase_note": {"removed": [{"id": note_id, "phase": "assessment", "text": "Due."}]}
    }


def test_kinds_narrow_the_child_rows(plan, coordinator):
    start = timezone.now()
    phase_note_save(plan=plan, phase=Phase.ASSESSMENT, text="Uno.", by=coordinator)

    assert plan_changes(plan=plan, since=start, kinds=[]).children == {}
