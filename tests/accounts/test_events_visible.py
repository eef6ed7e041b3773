"""Who reads which audit events: the plans they may see, the global chain for lead and auditors."""

import pytest
from django.utils import timezone

from plm_workflow.accounts.services import role_grant, role_revoke
from plm_workflow.accounts.timeline import events_visible_to, sees_global_chain
from plm_workflow.audit.models import GLOBAL_CHAIN, Event, EventKind
from plm_workflow.audit.services import SYSTEM_OPERATOR
from plm_workflow.deadlines.services import comune_patron_day_set
from tests.factories import ComuneFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(launch, plan, lead):
    """Saluzzo's plan (the usual people) and Albenga's (people of its own), with global events
    about each comune and one about neither."""
    albenga = ComuneFactory(istat_code="009002", name="Albenga", province_code="SV")
    other_coordinator = UserFactory(username="coord-albenga")
    other = launch(
        albenga, coordinators=[other_coordinator], facilitators=[UserFactory(username="fac-alb")]
    )
    comune_patron_day_set(comune=plan.comune, day=20, month=1, by=lead)
    comune_patron_day_set(comune=albenga, day=7, month=2, by=lead)
    role_grant(user=UserFactory(username="someone"), role="auditor", by=lead)
    return plan, other, other_coordinator


def _ids(events):
    return set(events.values_list("pk", flat=True))


def test_a_coordinator_reads_only_their_plans_events(two, coordinator):
    plan, other, _ = two

    seen = _ids(events_visible_to(coordinator))

    assert seen == _ids(Event.objects.filter(plan=plan))
    assert not sees_global_chain(coordinator)
    assert _ids(events_visible_to(coordinator, plan=other)) == set()


def test_the_lead_and_the_auditors_read_every_chain(two, lead, auditor):
    for person in (lead, auditor):
        assert _ids(events_visible_to(person)) == _ids(Event.objects.all())
        assert sees_global_chain(person)


def test_a_plans_timeline_holds_the_global_events_about_its_comune(two, coordinator, auditor):
    plan, _other, _ = two

    for person in (coordinator, auditor):
        story = events_visible_to(person, plan=plan)

        global_events = story.filter(chain=GLOBAL_CHAIN)
        assert _ids(story.exclude(chain=GLOBAL_CHAIN)) == _ids(Event.objects.filter(plan=plan))
        # its coordinator's and facilitator's roles on Saluzzo, Saluzzo's patron day
        assert sorted(global_events.values_list("kind", flat=True)) == [
            EventKind.PATRON_DAY_SET,
            EventKind.ROLE_GRANTED,
            EventKind.ROLE_GRANTED,
        ]
        assert {e.payload["concerns"]["comune"] for e in global_events} == {"004203"}


def _old_shape(payload, *, kind=EventKind.ROLE_GRANTED):
    """An event as written before the shared payload shape (the comune at the top level).

    Only its columns matter here: it is inserted as is, beyond the chain's head.
    """
    return Event.objects.create(
        chain=GLOBAL_CHAIN,
        seq=10_000 + Event.objects.count(),
        prev_hash="0" * 64,
        hash=f"{Event.objects.count():064x}",
        content="{}",
        kind=kind,
        occurred_at=timezone.now(),
        actor_system=SYSTEM_OPERATOR,
        payload=payload,
    )


def test_revocations_and_older_payload_shapes_show_on_the_plan(two, coordinator, lead):
    plan, _other, _ = two
    role_revoke(user=coordinator, role="coordinator", comune=plan.comune, by=lead)
    old = _old_shape({"comune": "004203", "user": coordinator.pk, "role": "coordinator"})
    old_patron = _old_shape({"comune": "004203"}, kind=EventKind.PATRON_DAY_SET)
    elsewhere = _old_shape({"comune": "009002", "user": coordinator.pk})
    global_role = _old_shape({"comune": None, "user": lead.pk, "role": "lead"})
    registry = _old_shape({"comune": "004203"}, kind=EventKind.REGISTRY_IMPORTED)

    story = _ids(events_visible_to(lead, plan=plan))

    assert Event.objects.get(kind=EventKind.ROLE_REVOKED).pk in story
    assert {old.pk, old_patron.pk} <= story
    assert not {elsewhere.pk, global_role.pk, registry.pk} & story
    # the coordinator no longer sees the plan, nor its story
    assert _ids(events_visible_to(coordinator, plan=plan)) == set()


def test_nobody_else_reads_anything(two, django_user_model):
    stranger = UserFactory(username="stranger")
    plan, _other, _ = two

    assert _ids(events_visible_to(stranger)) == set()
    assert _ids(events_visible_to(stranger, plan=plan)) == set()


def test_visibility_is_part_of_the_one_query_that_reads_the_events(
    two, coordinator, django_assert_num_queries
):
    plan, _other, _ = two
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)
    events = events_visible_to(coordinator, plan=plan)  # reads the groups once
    with django_assert_num_queries(1):
        list(events)
