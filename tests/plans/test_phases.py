"""The phase registry is the one place that says what a phase is."""

import ast
from pathlib import Path

from django_fsm import FSMField

from flows import nodes
from flows.flows import PLMFlow
from plm_workflow.plans import phases
from plm_workflow.plans.models import Phase, Plan

ROOT = Path(__file__).resolve().parent.parent.parent


def _fsm_transitions() -> set[str]:
    field = next(f for f in Plan._meta.fields if isinstance(f, FSMField))
    return {t.name for t in getattr(Plan(), f"get_all_{field.name}_transitions")()}


def test_every_coordinator_phase_has_exactly_one_entry():
    assert [spec.phase for spec in phases.PHASES] == list(Phase)
    assert list(Phase) == phases.PHASE_ORDER


def test_the_derived_tables_cover_exactly_the_registrys_phases():
    nodes_of = {n for spec in phases.PHASES for n in (spec.work_node, spec.check_node)}
    assert set(phases.NODE_STATUS) == nodes_of
    assert set(phases.WORK_NODES) | set(phases.CHECK_NODES) == nodes_of
    assert set(phases.STATUS_PHASE.values()) == set(Phase)
    assert set(phases.STATUS_PHASE) == {
        status for spec in phases.PHASES for status in (spec.status, spec.check_status)
    }


def test_the_default_schedule_has_one_offset_per_phase_key(settings):
    assert set(settings.PLM_SCHEDULE_OFFSETS) == {spec.key for spec in phases.PHASES}


def test_the_flows_human_nodes_are_the_registrys_in_its_order():
    human = [node.name for node in PLMFlow.instance.nodes() if isinstance(node, nodes.Task)]
    assert sorted(human) == sorted(phases.NODE_STATUS)
    assert list(phases.NODE_STATUS) == [
        name for spec in phases.PHASES for name in (spec.work_node, spec.check_node)
    ]


def test_every_fsm_transition_has_its_checks_in_the_registry_and_no_other():
    assert set(phases.TRANSITION_CHECKS) == _fsm_transitions()
    used = {t.__name__ for spec in phases.PHASES for t in spec.transitions}
    assert used | set(phases.STATE_TRANSITIONS) == _fsm_transitions()


def test_each_phase_has_its_own_form_view_template_section_and_demo_filler():
    for spec in phases.PHASES:
        key = spec.key
        assert (ROOT / "forms" / f"{key}.py").exists(), key
        assert (ROOT / "flows" / "steps" / f"{key}.py").exists(), key
        assert (ROOT / "flows" / "demo" / f"{key}.py").exists(), key
        assert (ROOT / "templates" / "flows" / "plm" / "sections" / f"{key}.html").exists(), key
        for page in ("work", "check"):
            assert (ROOT / "templates/flows/plm/steps" / key / f"{page}.html").exists(), key


# --- No module outside the registry spells a phase's node, status or transition ------------

# Where a phase's names may be spelt: the registry itself, and the models that define the
# choices and the FSM (by their attribute names there).
_ALLOWED_FILES = {"plm_workflow/plans/phases.py", "plm_workflow/plans/models/core.py"}
_ASSESSMENT_FIELD = "the field of a crop or a settlement naming its NeedsAssessment row"
_ASSESSMENT_KIND = "the kind of the NeedsAssessment rows in payloads and changes"
_TABLES_RELATED = "the related name of a plan's (or an organisation's) StakeholderTable rows"
_ADOPTION_ROW = "the Adoption row (the resolution): in events' concerns and payload kinds"
_REVIEW_ROW = "the Review row a review comment belongs to (its field, path and admin column)"
# (file, literal) → why the same word means something else there.
_ALLOWED = {
    ("plm_workflow/plans/services.py", "review"): "an event's concerns: the Review row's id",
    ("flows/services.py", "review"): "an event's concerns: the Review row's id",
    ("flows/event_shapes.py", "review"): "an older event's payload key: the Review row's id",
    ("plm_workflow/deadlines/mail.py", "review"): "an event's concerns: the Review row's id",
    ("plm_workflow/deadlines/mail.py", "adoption"): _ADOPTION_ROW,
    ("plm_workflow/plans/models/assessment.py", "assessment"): _ASSESSMENT_FIELD,
    ("plm_workflow/plans/admin.py", "assessment"): _ASSESSMENT_FIELD,
    ("plm_workflow/plans/history.py", "assessment"): _ASSESSMENT_FIELD,
    ("plm_workflow/steps/assessment.py", "assessment"): _ASSESSMENT_FIELD,
    ("plm_workflow/plans/checks.py", "assessment"): "the checks' memo of the NeedsAssessment row",
    ("plm_workflow/plans/history.py", "needs_assessment"): _ASSESSMENT_KIND,
    ("plm_workflow/steps/assessment.py", "needs_assessment"): _ASSESSMENT_KIND,
    ("flows/assessment_content.py", "needs_assessment"): _ASSESSMENT_KIND,
    ("plm_workflow/plans/models/tables.py", "tables"): _TABLES_RELATED,
    ("flows/tables_content.py", "tables"): _TABLES_RELATED,
    ("plm_workflow/plans/checks.py", "tables"): "the checks' memo of the StakeholderTable rows",
    ("plm_workflow/plans/models/adoption.py", "adoption"): (
        "the related name of a plan's Adoption row, and the model's verbose name"
    ),
    ("plm_workflow/plans/history.py", "adoption"): _ADOPTION_ROW,
    ("plm_workflow/steps/adoption.py", "adoption"): _ADOPTION_ROW,
    ("plm_workflow/plans/checks.py", "adoption"): "the checks' memo of the Adoption row",
    ("plm_workflow/plans/checks.py", "draft"): "the checks' memo of the sections and measures",
    ("plm_workflow/steps/drafting.py", "draft"): "the history's change reason of the draft's rows",
    ("plm_workflow/plans/models/drafting.py", "review"): _REVIEW_ROW,
    ("plm_workflow/plans/admin.py", "review"): _REVIEW_ROW,
    ("plm_workflow/plans/history.py", "review"): _REVIEW_ROW,
    # Settings are read before any app loads: the default schedule is keyed by the phases'
    # schedule keys, which the registry's ``key`` must match (tested below).
    ("plm_workflow/settings/base.py", "assessment"): "schedule key",
    ("plm_workflow/settings/base.py", "tables"): "schedule key",
    ("plm_workflow/settings/base.py", "drafting"): "schedule key",
    ("plm_workflow/settings/base.py", "adoption"): "schedule key",
}


def _phase_names() -> set[str]:
    names = set()
    for spec in phases.PHASES:
        names |= {spec.work_node, spec.check_node, spec.status.value, spec.check_status.value}
        names.add(spec.phase.value)
        names |= {t.__name__ for t in spec.transitions}
    return names


def _docstrings(tree) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def spelt_phase_names(text_of=None) -> list[str]:
    """Return ``file:line 'literal'`` for each phase name written as a string outside the
    registry."""
    names, found = _phase_names(), []
    for top in ("plm_workflow", "flows", "forms"):
        for path in sorted((ROOT / top).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "migrations" in path.parts or relative in _ALLOWED_FILES:
                continue
            text = text_of(path) if text_of else path.read_text()
            tree = ast.parse(text)
            skip = _docstrings(tree)
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and node.value in names
                    and id(node) not in skip
                    and (relative, node.value) not in _ALLOWED
                ):
                    found.append(f"{relative}:{node.lineno} {node.value!r}")
    return found


def test_no_module_outside_the_registry_spells_a_phases_names():
    assert spelt_phase_names() == []


def test_the_spelling_check_finds_a_node_name_written_out():
    target = ROOT / "flows" / "services.py"

    def text_of(path):
        text = path.read_text()
        return text + '\nNODE = "check_tables"\n' if path == target else text

    assert spelt_phase_names(text_of) == [
        f"flows/services.py:{len(target.read_text().splitlines()) + 2} 'check_tables'"
    ]
