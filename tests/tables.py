"""Stakeholder tables for tests: a core table and a thematic group that have met."""

import datetime

from django.utils import timezone

from plm_workflow.plans.models import (
    Meeting,
    MeetingAttendance,
    Organisation,
    StakeholderTable,
    TableMember,
)
from plm_workflow.plans.organisations import comune_organisation_ensure
from plm_workflow.steps.tables import meeting_save, organisation_save, table_save


def _past(days=7):
    return timezone.now() - datetime.timedelta(days=days)


def complete(plan, by) -> dict:
    """Set up, through the services, a core table and a thematic group that met; return them."""
    itself = Organisation.objects.get(comune_id=plan.comune_id, is_the_comune=True)
    # The comune's organisations outlive a cycle: a later plan finds its partners there.
    prefettura = Organisation.objects.filter(
        comune_id=plan.comune_id, name="Prefettura"
    ).first() or organisation_save(plan=plan, by=by, name="Prefettura", kind="prefettura")
    core = table_save(
        plan=plan,
        by=by,
        kind="core",
        name="Tavolo primario",
        convenor_id=itself.pk,
        members=[itself.pk, prefettura.pk],
    )
    group = table_save(
        plan=plan,
        by=by,
        kind="thematic",
        theme="housing",
        name="Gruppo abitare",
        convenor_id=itself.pk,
        members=[itself.pk],
    )
    meetings = [
        meeting_save(
            plan=plan,
            by=by,
            table=table.pk,
            starts_at=_past(),
            place="Sala consiliare",
            minutes="Verbale dell'incontro.",
            attendance=[itself.pk, prefettura.pk],
            head_count=6,
        )
        for table in (core, group)
    ]
    return {
        "itself": itself,
        "prefettura": prefettura,
        "core": core,
        "group": group,
        "meetings": meetings,
    }


def fill(plan, by) -> None:
    """Write tables that pass the checks straight to the database (plans with no flow)."""
    itself, _created = comune_organisation_ensure(comune=plan.comune, by=by)
    for kind, theme, name in (("core", "", "Tavolo primario"), ("thematic", "housing", "Casa")):
        table = StakeholderTable.objects.create(
            plan=plan, kind=kind, theme=theme, name=name, convenor=itself, revision=1
        )
        TableMember.objects.create(table=table, organisation=itself)
        meeting = Meeting.objects.create(
            table=table,
            starts_at=_past(),
            place="Sala",
            minutes="Verbale.",
            head_count=3,
            revision=1,
        )
        MeetingAttendance.objects.create(meeting=meeting, organisation=itself)
