"""The phase registry: what each coordinator phase is, in one place.

Per phase: the plan status while its work is open, its work and check nodes, the status its
check runs in, the transitions a submission, an approval and a return run, the named checks
its work must pass before it is handed over, its schedule key and its labels. Every per-phase
table elsewhere (node statuses, the phase of a status, the order of the schedule, the checks
of a transition) is derived from it here; the flow declares its nodes with these names.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import checks
from .models import Phase, Plan, PlanStatus


@dataclass(frozen=True)
class PhaseSpec:
    """One coordinator phase of the PLM path."""

    phase: Phase
    # The plan's status while the phase's work task is open.
    status: PlanStatus
    work_node: str
    check_node: str
    # The plan's status while the check task is open (drafting is checked in review).
    check_status: PlanStatus
    # The FSM transition (a ``Plan`` method) an approval runs.
    approve: object
    # The named checks the work must pass before it is handed over: those of the transition
    # that closes the phase.
    checks: tuple
    # The transition a submission of the work runs (None: the plan stays where it is).
    submit: object = None
    # The transition a return runs (None: the plan stays, a new work task opens).
    send_back: object = None
    # Whether the approval's transition records the facilitator's comments.
    approval_takes_comments: bool = False
    work_title: str = ""
    check_title: str = ""
    # Shown on the work page above the editor: what the coordinators do in this phase.
    work_hint: str = ""

    @property
    def key(self) -> str:
        """The phase's value: its schedule key, URL part and template name."""
        return self.phase.value

    @property
    def label(self) -> str:
        return self.phase.label

    @property
    def closing(self):
        """Return the transition whose checks close the phase: the submission's, if any."""
        return self.submit or self.approve

    @property
    def approved_status(self) -> str:
        """Return the status the plan reaches when the phase is approved (the FSM's target)."""
        return next(iter(self.approve._django_fsm.transitions.values())).target

    @property
    def transitions(self) -> tuple:
        return tuple(t for t in (self.submit, self.approve, self.send_back) if t is not None)


PHASES: tuple[PhaseSpec, ...] = (
    PhaseSpec(
        phase=Phase.ASSESSMENT,
        status=PlanStatus.NEEDS_ASSESSMENT,
        work_node="assess",
        check_node="check_assessment",
        check_status=PlanStatus.NEEDS_ASSESSMENT,
        approve=Plan.complete_assessment,
        checks=checks.ASSESSMENT_CHECKS,
        work_title=_("Needs assessment"),
        check_title=_("Check the needs assessment"),
        work_hint=_(
            "Give the figures of the foreign agricultural workers, the crop calendar, the "
            "living conditions and the settlements. Save a draft at any time; submit when "
            "complete."
        ),
    ),
    PhaseSpec(
        phase=Phase.TABLES,
        status=PlanStatus.STAKEHOLDER_TABLES,
        work_node="convene_tables",
        check_node="check_tables",
        check_status=PlanStatus.STAKEHOLDER_TABLES,
        approve=Plan.complete_tables,
        checks=checks.TABLES_CHECKS,
        work_title=_("Stakeholder tables"),
        check_title=_("Check the stakeholder tables"),
        work_hint=_(
            "Record the comune's organisations, the core table and the thematic groups with "
            "their members, and each meeting with its attendance and minutes. Everything is "
            "saved as you go; submit when the core table and a thematic group have met."
        ),
    ),
    PhaseSpec(
        phase=Phase.DRAFTING,
        status=PlanStatus.DRAFTING,
        work_node="draft",
        check_node="review",
        check_status=PlanStatus.REVIEW,
        submit=Plan.submit_for_review,
        approve=Plan.approve,
        send_back=Plan.request_changes,
        approval_takes_comments=True,
        checks=checks.DRAFTING_CHECKS,
        work_title=_("Drafting"),
        check_title=_("Review the draft"),
        work_hint=_(
            "Write the plan's sections and its measures, each with funding lines and "
            "indicators: the sections are saved with their button, each measure on its own "
            "page. Submit when the draft is complete: it stays locked while the facilitators "
            "review it."
        ),
    ),
    PhaseSpec(
        phase=Phase.ADOPTION,
        status=PlanStatus.ADOPTION,
        work_node="record_adoption",
        check_node="verify_adoption",
        check_status=PlanStatus.ADOPTION,
        approve=Plan.adopt,
        checks=checks.ADOPTION_CHECKS,
        work_title=_("Record the adoption"),
        check_title=_("Verify the adoption"),
        work_hint=_(
            "Record the resolution of the Giunta or the Consiglio comunale: body, number, "
            "date and the signed act as a PDF. Save a draft at any time; submit when the "
            "act is signed."
        ),
    ),
)

# The lifecycle's transitions that belong to no phase: the plan's pauses and end.
STATE_TRANSITIONS = {
    Plan.suspend.__name__: (checks.reason_given,),
    Plan.resume.__name__: (checks.reason_given,),
    Plan.withdraw.__name__: (checks.reason_given,),
}

# --- Derived tables ---------------------------------------------------------------------------

BY_PHASE: dict[str, PhaseSpec] = {spec.phase: spec for spec in PHASES}
PHASE_ORDER: list[Phase] = [spec.phase for spec in PHASES]
WORK_NODES: dict[str, PhaseSpec] = {spec.work_node: spec for spec in PHASES}
CHECK_NODES: dict[str, PhaseSpec] = {spec.check_node: spec for spec in PHASES}
# The plan status while each human node is open (DESIGN §3).
# In the flow's order: each phase's work, then its check.
NODE_STATUS: dict[str, PlanStatus] = {
    node: status
    for spec in PHASES
    for node, status in ((spec.work_node, spec.status), (spec.check_node, spec.check_status))
}
# The plan's active states in the order of its path, each once: every phase's status, then its
# check's when the check runs in a state of its own (the draft's review). What the pages count
# as the plan's phases ("Phase 3 of 5 – Drafting").
PLAN_STAGES: tuple[PlanStatus, ...] = tuple(
    dict.fromkeys(status for spec in PHASES for status in (spec.status, spec.check_status))
)
# The phase a plan is working on in each active state.
STATUS_PHASE: dict[str, Phase] = {
    **{spec.status: spec.phase for spec in PHASES},
    **{spec.check_status: spec.phase for spec in PHASES},
}


# The transitions that record the facilitator's comments (a return's, and some approvals').
TAKES_COMMENTS: frozenset = frozenset(
    transition
    for spec in PHASES
    for transition in (spec.send_back, spec.approve if spec.approval_takes_comments else None)
    if transition is not None
)


def _transition_checks() -> dict[str, tuple]:
    table = dict(STATE_TRANSITIONS)
    for spec in PHASES:
        for transition in spec.transitions:
            table.setdefault(transition.__name__, ())
        table[spec.closing.__name__] = spec.checks
        if spec.send_back is not None:
            table[spec.send_back.__name__] = (checks.comments_given,)
    # Whatever a person gives a transition fits its limit, on every transition.
    return {name: (*named, checks.inputs_within_limits) for name, named in table.items()}


# The named checks of every lifecycle transition, by its name.
TRANSITION_CHECKS: dict[str, tuple] = _transition_checks()


def spec_of(phase) -> PhaseSpec:
    """Return the registry entry of a phase (a ``Phase`` or its value); KeyError if none."""
    return BY_PHASE[Phase(phase)]


def spec_of_node(name: str) -> PhaseSpec | None:
    """Return the phase whose work or check node is called ``name``, or None."""
    return WORK_NODES.get(name) or CHECK_NODES.get(name)


def is_check_node(name: str) -> bool:
    return name in CHECK_NODES


def node_phase(name: str) -> Phase | None:
    spec = spec_of_node(name)
    return spec.phase if spec else None


def failing_messages(plan, transition: str, **inputs) -> list[str]:
    """Run every named check of the transition; return the messages of those that fail."""
    messages = []
    # One run of the checks shares what they read (``memo``): the phase's rows, once.
    memo = {}
    for check in TRANSITION_CHECKS[transition]:
        message = check(plan, memo=memo, **inputs)
        if message is not None:
            messages.append(str(message))
    return messages
