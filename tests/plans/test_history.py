"""The change helper: what changed in a plan's data between two moments, from history."""

import pytest
from django.db import transaction
from django.utils import timezone

from flows.flows import PLMFlow
from flows.services import task_claim
from plm_workflow.plans.history import plan_changes, rows_as_of
from plm_workflow.plans.models import (
    Crop,
    Meeting,
    MeetingAttendance,
    Organisation,
    PlanSection,
    PlanStatus,
    SectionKey,
    TableMember,
)
from plm_workflow.plans.services import plan_suspend
from plm_workflow.steps.drafting import measure_save, sections_save
from tests import assessments, tables
from tests.factories import ComuneFactory
from tests.flows.helpers import open_task

pytestmark = pytest.mark.django_db

CONTEXT = SectionKey.CONTEXT


@pytest.fixture
def drafting(drafting_plan, coordinator):
    """A plan at its drafting, the draft's task held by ``coordinator`` (as its page does)."""
    drafting_plan.refresh_from_db()
    with PLMFlow.lock(drafting_plan.process.pk), transaction.atomic():
        task = open_task(drafting_plan)
        task.process = drafting_plan.process
        task_claim(activation=task.flow_task.activation_class(task), by=coordinator)
    return drafting_plan


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


def test_child_rows_added_changed_and_removed(drafting, coordinator):
    plan = drafting
    start = timezone.now()
    sections_save(plan=plan, by=coordinator, texts={CONTEXT: "Uno."})
    section = PlanSection.objects.get(plan=plan)
    middle = timezone.now()
    sections_save(plan=plan, by=coordinator, texts={CONTEXT: "Due."})

    assert plan_changes(plan=plan, since=start).children == {
        "plan_section": {"added": [{"id": section.pk, "key": "context", "text": "Due."}]}
    }
    assert plan_changes(plan=plan, since=middle).children == {
        "plan_section": {"changed": [{"id": section.pk, "changes": {"text": ["Uno.", "Due."]}}]}
    }
    later, section_id = timezone.now(), section.pk
    section.delete()  # no service deletes a section; history still tells
    assert plan_changes(plan=plan, since=later).children == {
        "plan_section": {"removed": [{"id": section_id, "key": "context", "text": "Due."}]}
    }


def test_the_rows_of_the_assessment_are_found_through_it(plan, launch, comune):
    # given the assessments of this plan and of another comune's, written after ``start``
    start = timezone.now()
    assessment = assessments.fill(plan)
    other = assessments.fill(launch(ComuneFactory(istat_code="009002", name="Albenga")))
    crop = assessment.crops.get()
    settlement = assessment.settlements.get()
    middle = timezone.now()
    # when a crop changes, one is added and the settlement is removed
    crop.months = [9, 10]
    crop.save()
    added = Crop.objects.create(assessment=assessment, name="Kiwi", months=[11])
    settlement_id = settlement.pk
    settlement.delete()
    for row in other.crops.all():
        row.months = [1]
        row.save()

    # then only this plan's rows are told, each under its own kind
    children = plan_changes(plan=plan, since=middle).children
    assert children == {
        "crop": {
            "added": [
                {
                    "id": added.pk,
                    "name": "Kiwi",
                    "months": [11],
                    "workers_at_peak": None,
                }
            ],
            "changed": [{"id": crop.pk, "changes": {"months": [[8, 9, 10], [9, 10]]}}],
        },
        "settlement": {"removed": [{"id": settlement_id} | assessments.SETTLEMENTS[0]]},
    }
    since_start = plan_changes(plan=plan, since=start).children
    assert set(since_start) == {"needs_assessment", "crop"}
    added_fields = since_start["needs_assessment"]["added"][0]
    assert added_fields["key_issues"] == assessments.FIELDS["key_issues"]
    assert [row["name"] for row in since_start["crop"]["added"]] == ["Mele", "Kiwi"]


def test_the_rows_of_the_tables_are_found_through_them(plan, launch, lead):
    # given: the tables of this plan and of another comune's, written after ``start``
    start = timezone.now()
    tables.fill(plan, lead)
    other = launch(ComuneFactory(istat_code="009002", name="Albenga"))
    tables.fill(other, lead)
    core = plan.tables.get(kind="core")
    meeting = Meeting.objects.get(table=core)
    itself = Organisation.objects.get(comune=plan.comune, is_the_comune=True)
    middle = timezone.now()
    # when: an organisation joins the core table and attends its meeting, here and there
    caritas = Organisation.objects.create(comune=plan.comune, name="Caritas", kind="other")
    member = TableMember.objects.create(table=core, organisation=caritas)
    present = MeetingAttendance.objects.create(meeting=meeting, organisation=caritas)
    theirs = Organisation.objects.create(comune=other.comune, name="Caritas", kind="other")
    TableMember.objects.create(table=other.tables.get(kind="core"), organisation=theirs)

    # then: only this plan's links are told, under their own kinds
    assert plan_changes(plan=plan, since=middle).children == {
        "table_member": {
            "added": [{"id": member.pk, "table_id": core.pk, "organisation_id": caritas.pk}]
        },
        "meeting_attendance": {
            "added": [{"id": present.pk, "meeting_id": meeting.pk, "organisation_id": caritas.pk}]
        },
    }
    since_start = plan_changes(plan=plan, since=start).children
    assert set(since_start) == {
        "stakeholder_table",
        "table_member",
        "meeting",
        "meeting_attendance",
    }
    assert [row["name"] for row in since_start["stakeholder_table"]["added"]] == [
        "Tavolo primario",
        "Casa",
    ]
    # and a comune's organisations, which belong to no plan, are read by the comune
    organisations = rows_as_of(Organisation, plan_id=None, at=middle, comune_id=plan.comune_id)
    assert [row.name for row in organisations.values()] == [itself.name]


def test_a_removed_table_takes_its_members_meetings_and_attendance_with_it(plan, lead):
    # given: a thematic group with a member and a meeting that had an organisation present
    tables.fill(plan, lead)
    group = plan.tables.get(kind="thematic")
    meeting = Meeting.objects.get(table=group)
    member = TableMember.objects.get(table=group)
    present = MeetingAttendance.objects.get(meeting=meeting)
    ids = {
        "stakeholder_table": [group.pk],
        "table_member": [member.pk],
        "meeting": [meeting.pk],
        "meeting_attendance": [present.pk],
    }
    before = timezone.now()

    # when: it is removed, its rows first (as the services remove them)
    present.delete()
    meeting.delete()
    member.delete()
    group.delete()

    # then: the removal tells each row, and the moment before still shows them all
    removed = plan_changes(plan=plan, since=before).children
    assert {kind: [row["id"] for row in found["removed"]] for kind, found in removed.items()} == ids
    assert set(rows_as_of(MeetingAttendance, plan_id=plan.pk, at=before)) == {
        *ids["meeting_attendance"],
        MeetingAttendance.objects.get().pk,  # the core table's, still there
    }


def test_kinds_narrow_the_child_rows(drafting, coordinator):
    start = timezone.now()
    sections_save(plan=drafting, by=coordinator, texts={CONTEXT: "Uno."})
    measure_save(plan=drafting, by=coordinator, fields={"title": "Foresteria"})

    assert set(plan_changes(plan=drafting, since=start).children) == {"plan_section", "measure"}
    assert plan_changes(plan=drafting, since=start, kinds=[]).children == {}
    assert set(plan_changes(plan=drafting, since=start, kinds=["plan_section"]).children) == {
        "plan_section"
    }


def test_kinds_narrow_the_assessments_rows(plan):
    start = timezone.now()
    assessments.fill(plan)

    assert set(plan_changes(plan=plan, since=start, kinds=["crop"]).children) == {"crop"}
    assert set(plan_changes(plan=plan, since=start).children) == {
        "needs_assessment",
        "crop",
        "settlement",
    }
