"""The factories reach each step through the real services, never by writing flow rows."""

import pytest
from viewflow.workflow.status import PROCESS, STATUS

from plm_workflow.accounts.models import Membership
from plm_workflow.audit.models import Event, EventKind
from plm_workflow.plans.models import PlanStatus
from plm_workflow.plans.phases import NODE_STATUS, WORK_NODES
from plm_workflow.roles import Role
from tests.factories import ADOPTED, LeadFactory, MembershipFactory, PlanFactory, UserFactory
from tests.flows.helpers import OPEN, open_task

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("node", list(NODE_STATUS))
def test_a_plan_made_at_a_node_is_in_its_status_with_that_nodes_task_open(node):
    plan = PlanFactory(at=node)

    task = open_task(plan)
    assert (task.flow_task.name, plan.status) == (node, NODE_STATUS[node])
    holder = plan.comune.memberships.get(
        role=Role.COORDINATOR if node in WORK_NODES else Role.FACILITATOR
    )
    assert task.owner == holder.user  # the sole candidate holds it
    # every step before was completed by a person, each one recorded
    done = plan.process.task_set.filter(flow_task_type="HUMAN", status=STATUS.DONE)
    completed = Event.objects.filter(plan=plan, kind=EventKind.TASK_COMPLETED)
    assert done.count() == completed.count() == list(NODE_STATUS).index(node)


def test_a_plan_made_adopted_has_ended_its_flow():
    plan = PlanFactory(at=ADOPTED)

    plan.process.refresh_from_db()
    assert plan.status == PlanStatus.ADOPTED
    assert plan.process.status == PROCESS.DONE
    assert not plan.process.task_set.filter(status__in=OPEN).exists()


def test_a_plan_is_made_at_the_assessment_by_default_with_the_people_given():
    lead, coordinator = LeadFactory(username="capo"), UserFactory(username="coord")

    plan = PlanFactory(lead=lead, coordinator=coordinator)

    assert (plan.status, open_task(plan).flow_task.name) == (PlanStatus.NEEDS_ASSESSMENT, "assess")
    launched = Event.objects.get(plan=plan, kind=EventKind.PLAN_LAUNCHED)
    assert launched.actor == lead
    assert plan.comune.memberships.get(role=Role.COORDINATOR).user == coordinator


def test_an_unknown_node_is_refused():
    with pytest.raises(ValueError, match="'nowhere' is not a human node"):
        PlanFactory(at="nowhere")


def test_a_membership_is_granted_through_the_service_with_its_event():
    membership = MembershipFactory(role=Role.FACILITATOR)

    assert Membership.objects.get() == membership
    assert (membership.role, membership.revoked_at) == (Role.FACILITATOR, None)
    granted = Event.objects.get(kind=EventKind.ROLE_GRANTED)
    assert granted.payload["changes"]["role"] == [None, Role.FACILITATOR]
