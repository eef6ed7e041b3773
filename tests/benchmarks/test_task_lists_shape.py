"""The benchmark's bulk-built data has the shape of data the real services write."""

import pytest
from guardian.models import UserObjectPermission

from benchmarks.task_lists import build, nodes
from plm_workflow.accounts.models import Membership
from plm_workflow.deadlines.models import PhaseDate, StepTask
from tests.factories import ComuneFactory, UserFactory
from tests.flows.helpers import advance

pytestmark = pytest.mark.django_db


def shape(plan, lead):
    """What the lists read of a plan, with people replaced by their role."""
    plan.refresh_from_db()
    roles = dict(
        Membership.objects.filter(comune=plan.comune, revoked_at__isnull=True).values_list(
            "user_id", "role"
        )
    )
    roles[lead.pk] = "lead"
    tasks = []
    for task in plan.process.task_set.filter(flow_task_type__in=["HUMAN", "HUMAN_START"]).order_by(
        "pk"
    ):
        deadline = StepTask.objects.filter(task=task).values_list("phase", "kind").first()
        tasks.append(
            (
                task.flow_task.name,
                task.flow_task_type,
                task.status,
                roles.get(task.owner_id),
                task.owner_permission,
                task.owner_permission_obj_pk in (None, str(plan.pk)),
                deadline,
            )
        )
    grants = sorted(
        (roles[user_id], codename)
        for user_id, codename in UserObjectPermission.objects.filter(
            object_pk=str(plan.pk)
        ).values_list("user_id", "permission__codename")
    )
    return (
        plan.status,
        plan.process.flow_class,
        PhaseDate.objects.filter(plan=plan).count(),
        sorted(roles.values()),
        grants,
        tasks,
    )


def test_bulk_built_plans_look_like_plans_made_by_the_services(client, lead, flow_launched):
    real = []
    for index, node in enumerate(nodes()):
        coordinator = UserFactory(username=f"coord-real-{index}")
        facilitators = [UserFactory(username=f"fac-real-{index}-{n}") for n in (1, 2)]
        plan = flow_launched(
            ComuneFactory(istat_code=f"{400000 + index}"),
            coordinators=[coordinator],
            facilitators=facilitators,
        )
        advance(client, plan, node, coordinator=coordinator, facilitator=facilitators[0])
        real.append(plan)
    comuni = [ComuneFactory(istat_code=f"{500000 + index}") for index in range(len(nodes()))]

    build(plans=len(comuni), comuni=comuni)

    from plm_workflow.plans.models import Plan

    for plan, comune in zip(real, comuni, strict=True):
        bulk_plan = Plan.objects.get(comune=comune)
        bulk_lead = type(lead).objects.get(username="bench-lead")
        assert shape(bulk_plan, bulk_lead) == shape(plan, lead)
