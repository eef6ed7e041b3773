"""The PLM flow: launch, then each phase's work and its check, until adoption.

The plan's lifecycle decides; the flow follows it. Work and check steps call the plan
services, and each gate routes on the state the plan reached, so an active plan's status
always matches its open node.
"""

from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from plm_workflow.accounts.selectors import plan_visible
from plm_workflow.plans import permissions, phases
from plm_workflow.plans.models import Phase, Plan

from . import nodes, services, steps, views
from .models import PLMProcess
from .rules import task_candidates


def _plan(process):
    return process.plan


def _approved(spec):
    """Return a gate condition: True if the plan now stands where the phase's approval leads."""

    def condition(activation):
        # Read the status as stored now: the step's service has just moved the plan.
        stored = Plan.objects.values_list("status", flat=True).get(pk=activation.process.plan_id)
        return stored == spec.approved_status

    return condition


def _work(spec):
    pages = [(slug, route, view.as_view(spec=spec)) for slug, route, view in steps.pages_for(spec)]
    return (
        nodes.Task(steps.work_view_for(spec).as_view(spec=spec))
        .Pages(*pages)
        .Annotation(title=spec.work_title)
        .Permission(permissions.COORDINATE_PLAN, obj=_plan)
        .Assign(this.sole_candidate)
        .onCreate(this.task_created)
    )


def _check(spec):
    return (
        nodes.Task(steps.check_view_for(spec).as_view(spec=spec))
        .Annotation(title=spec.check_title)
        .Permission(permissions.FACILITATE_PLAN, obj=_plan)
        .Assign(this.sole_candidate)
        .onCreate(this.task_created)
    )


def _gate(spec, title):
    return nodes.If(_approved(spec)).Annotation(title=title)


ASSESSMENT = phases.spec_of(Phase.ASSESSMENT)
TABLES = phases.spec_of(Phase.TABLES)
DRAFTING = phases.spec_of(Phase.DRAFTING)
ADOPTION = phases.spec_of(Phase.ADOPTION)


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

    assess = _work(ASSESSMENT).Next(this.check_assessment)
    check_assessment = _check(ASSESSMENT).Next(this.assessment_checked)
    assessment_checked = (
        _gate(ASSESSMENT, _("Assessment approved?")).Then(this.convene_tables).Else(this.assess)
    )

    convene_tables = _work(TABLES).Next(this.check_tables)
    check_tables = _check(TABLES).Next(this.tables_checked)
    tables_checked = _gate(TABLES, _("Tables approved?")).Then(this.draft).Else(this.convene_tables)

    draft = _work(DRAFTING).Next(this.review)
    review = _check(DRAFTING).Next(this.draft_reviewed)
    draft_reviewed = (
        _gate(DRAFTING, _("Draft approved?")).Then(this.record_adoption).Else(this.draft)
    )

    record_adoption = _work(ADOPTION).Next(this.verify_adoption)
    verify_adoption = _check(ADOPTION).Next(this.adoption_verified)
    adoption_verified = (
        _gate(ADOPTION, _("Adoption confirmed?")).Then(this.end).Else(this.record_adoption)
    )

    end = nodes.End().Annotation(title=_("Adopted"))

    def sole_candidate(self, activation):
        """Return the one person who may take the new task on, if there is exactly one."""
        candidates = list(task_candidates(activation.task)[:2])
        return candidates[0] if len(candidates) == 1 else None

    def task_created(self, activation):
        """Record a new human task and give it its domain row (``services.task_opened``)."""
        services.task_opened(activation=activation)

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


def launch_plan(**fields) -> Plan:
    """Launch a plan and start its flow from code (commands, the demo, tests)."""
    return services.flow_launch(start=PLMFlow.launch, **fields)
