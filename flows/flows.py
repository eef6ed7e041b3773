"""The PLM flow: launch, then each phase's work and its check, until adoption.

The plan's lifecycle decides; the flow follows it. Work and check steps call the plan
services, and each gate routes on the state the plan reached, so an active plan's status
always matches its open node.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from plm_workflow.audit.models import EventKind
from plm_workflow.audit.services import SYSTEM_FLOW, record
from plm_workflow.deadlines.services import task_due_set
from plm_workflow.plans import permissions
from plm_workflow.plans.models import Phase, Plan, PlanStatus, ReviewDecision
from plm_workflow.plans.selectors import plan_visible, review_latest

from . import nodes, views
from .models import PLMProcess
from .rules import task_candidates


def _plan(process):
    return process.plan


def _reached(status):
    """Return a gate condition: True if the plan is now in ``status``."""

    def condition(activation):
        # Read the status as stored now: the step's service has just moved the plan.
        stored = Plan.objects.values_list("status", flat=True).get(pk=activation.process.plan_id)
        return stored == status

    return condition


def _work(phase, title):
    return (
        nodes.Task(views.WorkView.as_view(phase=phase))
        .Annotation(title=title)
        .Permission(permissions.COORDINATE_PLAN, obj=_plan)
        .Assign(this.sole_candidate)
        .onCreate(this.task_created)
    )


def _check(phase, title):
    return (
        nodes.Task(views.CheckView.as_view(phase=phase))
        .Annotation(title=title)
        .Permission(permissions.FACILITATE_PLAN, obj=_plan)
        .Assign(this.sole_candidate)
        .onCreate(this.task_created)
    )


# The phase each work step belongs to.
WORK_PHASES = {
    "assess": Phase.ASSESSMENT,
    "convene_tables": Phase.TABLES,
    "draft": Phase.DRAFTING,
    "record_adoption": Phase.ADOPTION,
}

# The phase each check step checks.
CHECK_PHASES = {
    "check_assessment": Phase.ASSESSMENT,
    "check_tables": Phase.TABLES,
    "review": Phase.DRAFTING,
    "verify_adoption": Phase.ADOPTION,
}

# The plan status while each human node is open (DESIGN §3).
NODE_STATUS = {
    "assess": PlanStatus.NEEDS_ASSESSMENT,
    "check_assessment": PlanStatus.NEEDS_ASSESSMENT,
    "convene_tables": PlanStatus.STAKEHOLDER_TABLES,
    "check_tables": PlanStatus.STAKEHOLDER_TABLES,
    "draft": PlanStatus.DRAFTING,
    "review": PlanStatus.REVIEW,
    "record_adoption": PlanStatus.ADOPTION,
    "verify_adoption": PlanStatus.ADOPTION,
}


class PLMFlow(flow.Flow):
    """PLM co-design

    A comune's Piano Locale Multisettoriale, from launch to adoption by the Giunta or the
    Consiglio comunale.
    """

    process_class = PLMProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("PLM co-design")

    launch = (
        nodes.Start(views.LaunchView.as_view())
        .Annotation(title=_("Launch"))
        .Available(permissions.is_lead)
        .Next(this.assess)
    )

    assess = _work(Phase.ASSESSMENT, _("Needs assessment")).Next(this.check_assessment)
    check_assessment = _check(Phase.ASSESSMENT, _("Check the needs assessment")).Next(
        this.assessment_checked
    )
    assessment_checked = (
        nodes.If(_reached(PlanStatus.STAKEHOLDER_TABLES))
        .Annotation(title=_("Assessment approved?"))
        .Then(this.convene_tables)
        .Else(this.assess)
    )

    convene_tables = _work(Phase.TABLES, _("Stakeholder tables")).Next(this.check_tables)
    check_tables = _check(Phase.TABLES, _("Check the stakeholder tables")).Next(this.tables_checked)
    tables_checked = (
        nodes.If(_reached(PlanStatus.DRAFTING))
        .Annotation(title=_("Tables approved?"))
        .Then(this.draft)
        .Else(this.convene_tables)
    )

    draft = _work(Phase.DRAFTING, _("Drafting")).Next(this.review)
    review = _check(Phase.DRAFTING, _("Review the draft")).Next(this.draft_reviewed)
    draft_reviewed = (
        nodes.If(_reached(PlanStatus.ADOPTION))
        .Annotation(title=_("Draft approved?"))
        .Then(this.record_adoption)
        .Else(this.draft)
    )

    record_adoption = _work(Phase.ADOPTION, _("Record the adoption")).Next(this.verify_adoption)
    verify_adoption = _check(Phase.ADOPTION, _("Verify the adoption")).Next(this.adoption_verified)
    adoption_verified = (
        nodes.If(_reached(PlanStatus.ADOPTED))
        .Annotation(title=_("Adoption confirmed?"))
        .Then(this.end)
        .Else(this.record_adoption)
    )

    end = nodes.End().Annotation(title=_("Adopted"))

    def sole_candidate(self, activation):
        """Return the one person who may take the new task on, if there is exactly one."""
        candidates = list(task_candidates(activation.task)[:2])
        return candidates[0] if len(candidates) == 1 else None

    def task_created(self, activation):
        """Record a new human task; link a work task created by a return to its review."""
        task, plan, name = activation.task, activation.process.plan, activation.flow_task.name
        record(
            kind=EventKind.TASK_CREATED,
            actor=SYSTEM_FLOW,
            plan=plan,
            payload={
                "task": task.pk,
                "node": name,
                "offered_to": task.owner_permission,
                "assigned_to": task.owner_id,
            },
        )
        phase = WORK_PHASES.get(name)
        review = review_latest(plan=plan, phase=phase) if phase else None
        returned = review is not None and review.decision == ReviewDecision.RETURNED
        task_due_set(
            plan=plan,
            task=task,
            phase=phase or CHECK_PHASES[name],
            is_check=phase is None,
            returned=returned,
        )
        if returned:
            task.data["returned_by_review"] = review.pk
            task.save(update_fields=["data"])
            record(
                kind=EventKind.TASK_RETURNED,
                actor=review.reviewer,
                plan=plan,
                payload={"task": task.pk, "node": name, "review": review.pk},
            )

    def has_view_permission(self, user, obj=None):
        """Return True if the user may see the plan of ``obj`` (or, without one, use the app).

        viewflow's default reads the model-wide ``view`` permission, which would open every
        comune's process to whoever holds it.
        """
        if not (user.is_authenticated and user.is_active):
            return False
        if obj is None:
            return True
        return plan_visible(user, obj.plan_id)

    def has_manage_permission(self, user, obj=None):
        """Nobody manages the flow through viewflow's shortcuts: every change is a service."""
        return False
