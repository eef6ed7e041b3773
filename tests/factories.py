import contextlib
import datetime
from types import SimpleNamespace

import factory
from django.db import transaction

from flows.flows import PLMFlow, launch_plan
from flows.services import task_claim, task_complete
from plm_workflow.accounts.models import Membership
from plm_workflow.accounts.services import RoleAlreadyHeld, membership_grant, role_grant
from plm_workflow.plans import phases
from plm_workflow.plans.models import Comune, Plan, PlanStatus
from plm_workflow.plans.services import review_decide
from plm_workflow.roles import Role
from plm_workflow.steps.adoption import adoption_submit
from plm_workflow.steps.assessment import assessment_submit
from plm_workflow.steps.drafting import draft_submit
from plm_workflow.steps.tables import tables_submit
from tests import adoptions, assessments, drafts, tables
from tests.flows.helpers import open_task


class ComuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comune
        django_get_or_create = ("istat_code",)

    istat_code = factory.Sequence(lambda n: f"{900000 + n:06d}")
    name = factory.Sequence(lambda n: f"Comune {n}")
    province_code = "RM"
    region = "Lazio"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.User"
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")


class LeadFactory(UserFactory):
    """A person with the global lead role, granted through the service."""

    class Meta:
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"lead{n}")

    @factory.post_generation
    def lead_role(user, create, extracted, **kwargs):
        if create:
            with contextlib.suppress(RoleAlreadyHeld):
                role_grant(user=user, role=Role.LEAD)


class MembershipFactory(factory.Factory):
    """A coordinator or facilitator of a comune, granted through ``membership_grant``."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    comune = factory.SubFactory(ComuneFactory)
    role = Role.COORDINATOR

    @classmethod
    def _create(cls, model_class, *, by=None, **fields):
        return membership_grant(by=by, **fields)


# A plan past its last step: adoption verified, the flow ended.
ADOPTED = "adopted"


class PlanFactory(factory.Factory):
    """A plan launched through the flow and driven by the real services to its step ``at``.

    ``at`` names the human node whose task is open (``phases.NODE_STATUS``), ``assess`` by
    default, or ``ADOPTED`` for a plan whose adoption was verified. The lead launches it with one
    coordinator and one facilitator (so each task is theirs at once); the coordinator submits
    each phase's work and the facilitator approves it, each step under the flow's lock as its
    page would run it. ``PlanFactory.build`` is not offered: a plan exists only once launched.
    """

    class Meta:
        model = Plan

    comune = factory.SubFactory(ComuneFactory)
    title = "PLM 2022-2023"
    adhesion_act_number = "DGC 112/2022"
    adhesion_act_date = datetime.date(2022, 6, 30)
    lead = factory.SubFactory(LeadFactory)
    coordinator = factory.SubFactory(UserFactory)
    facilitator = factory.SubFactory(UserFactory)
    at = "assess"

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("a plan is only made by launching it: use PlanFactory(...)")

    @classmethod
    def _create(cls, model_class, *, at, lead, coordinator, facilitator, **fields):
        if at != ADOPTED and at not in phases.NODE_STATUS:
            raise ValueError(f"{at!r} is not a human node of the flow nor {ADOPTED!r}")
        plan = launch_plan(
            coordinators=[coordinator], facilitators=[facilitator], by=lead, **fields
        )
        order = list(phases.NODE_STATUS)
        for node in order if at == ADOPTED else order[: order.index(at)]:
            if node in phases.WORK_NODES:
                plan_step(plan, by=coordinator, text=f"{node}: fatto.")
            else:
                plan_step(plan, by=facilitator, decision="approved")
        plan.refresh_from_db()
        if at == ADOPTED:
            assert plan.status == PlanStatus.ADOPTED, plan.status
        return plan


def plan_step(plan, *, by, text="", decision=None, comments="", assessment=None):
    """Do the plan's open human task as ``by``: submit its work, or decide its check.

    As the task's page does it: under the flow's lock, the task taken on if nobody holds it,
    the step's service, then the flow moves on (``flows.services.task_complete``). The
    assessment submitted is ``assessment`` (the keyword arguments of ``assessment_submit``
    but the plan and the person), a complete one by default; the tables submitted are those
    the plan has, or complete ones (``tests.tables.complete``) if it has none; the adoption
    submitted is a complete act with a new signed PDF (``tests.adoptions.complete``).
    """
    plan.refresh_from_db()
    with PLMFlow.lock(plan.process.pk), transaction.atomic():
        task = open_task(plan)
        task.process = plan.process
        activation = task.flow_task.activation_class(task)
        if task.owner_id is None:
            task_claim(activation=activation, by=by)
        activation.start(SimpleNamespace(user=by))
        phase = phases.node_phase(task.flow_task.name)
        if decision is None and phase == phases.PHASE_ORDER[0]:
            # The assessment has its own data: a complete one (the text is not used).
            given = assessments.complete() if assessment is None else assessment
            assessment_submit(plan=plan, by=by, **given)
        elif decision is None and phase == phases.PHASE_ORDER[3]:
            # The adoption too: a complete resolution with its signed act.
            adoption_submit(plan=plan, by=by, **adoptions.complete())
        elif decision is None and phase == phases.PHASE_ORDER[1]:
            # The tables too: a core table and a thematic group that met, unless the plan has
            # tables already (the same work handed in again, after a return).
            if not plan.tables.exists():
                tables.complete(plan, by)
            tables_submit(plan=plan, by=by)
        elif decision is None:
            # The draft too: complete sections and a measure, unless the plan has a draft
            # already (the same work handed in again, after a return).
            if not plan.measures.exists() and not plan.sections.exists():
                drafts.complete(plan, by)
            draft_submit(plan=plan, by=by)
        else:
            review_decide(plan=plan, phase=phase, decision=decision, comments=comments, by=by)
        task_complete(activation=activation, by=by)
    plan.refresh_from_db()
    return plan
