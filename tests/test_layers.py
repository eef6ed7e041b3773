"""The code's layers: no import runs back up, no two domain packages import each other.

Bottom up: the shared base (ids, db, roles, profiles) → audit → plans → accounts and deadlines
→ the launch orchestration → forms → flows → the web shell. Only Python imports count:
string references such as ``ForeignKey("plans.Plan")`` are how models of a lower layer point
up, and stay.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each package, by the layer it sits in (higher numbers may import lower ones).
LAYERS = {
    "plm_workflow.ids": 0,
    "plm_workflow.db": 0,
    "plm_workflow.limits": 0,
    "plm_workflow.roles": 0,
    "plm_workflow.profiles": 0,
    "plm_workflow.formats": 0,
    "plm_workflow.admin": 0,  # the admin site and its read-only mixin: Django only
    "plm_workflow.audit": 1,
    "plm_workflow.plans": 2,
    "plm_workflow.accounts": 3,
    "plm_workflow.deadlines": 3,
    "plm_workflow.launch": 4,
    # The step services: a phase's data, written by the holder of its open work task.
    "plm_workflow.steps": 4,
    "forms": 5,
    # The answers every page gives to a refusal or a busy plan: shared by flows and the shell.
    "plm_workflow.web": 5,
    "flows": 6,
    # The web shell: project views, urls, settings, admin and middleware.
    "plm_workflow": 7,
}
SOURCES = ("plm_workflow", "flows", "forms")
DOMAIN = (
    "plm_workflow.audit",
    "plm_workflow.plans",
    "plm_workflow.accounts",
    "plm_workflow.deadlines",
)


def _package(module: str) -> str | None:
    """Return the entry of LAYERS that a module belongs to (the longest prefix)."""
    best = None
    for name in LAYERS:
        if (module == name or module.startswith(name + ".")) and (
            best is None or len(name) > len(best)
        ):
            best = name
    return best


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path, module: str):
    """Yield (line, imported module) for every import of the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module
            yield from _from_targets(node, target)


def _source_files():
    for top in SOURCES:
        for path in sorted((ROOT / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield path


def layer_violations() -> list[str]:
    """Return every import that runs up a layer or across domain packages."""
    found = []
    for path in _source_files():
        module = _module_name(path)
        own = _package(module)
        for line, target in _imports(path, module):
            other = _package(target)
            if other is None or other == own:
                continue
            where = f"{path.relative_to(ROOT)}:{line} imports {target}"
            if LAYERS[other] > LAYERS[own]:
                found.append(f"{where} (layer {LAYERS[other]} above {LAYERS[own]})")
            elif own in DOMAIN and other in DOMAIN and LAYERS[other] == LAYERS[own]:
                found.append(f"{where} (two domain packages import each other)")
            elif own in DOMAIN and (target.startswith("viewflow") or other in ("flows", "forms")):
                found.append(f"{where} (the domain never imports the flow)")
    return found


def viewflow_in_domain() -> list[str]:
    """Return every import of viewflow by the domain or the layers below it."""
    found = []
    for path in _source_files():
        module = _module_name(path)
        own = _package(module)
        if LAYERS.get(own, 99) > LAYERS["plm_workflow.launch"]:
            continue
        for line, target in _imports(path, module):
            if target == "viewflow" or target.startswith("viewflow."):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return found


def flows_cycles() -> list[list[str]]:
    """Return the import cycles among the modules of ``flows/``.

    Imports inside functions count too: deferring one only hides the circle.
    """
    graph: dict[str, set[str]] = {}
    for path in sorted((ROOT / "flows").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        tree = ast.parse(path.read_text())
        targets = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import):
                for _line, target in _imports_of(node, module, path.name == "__init__.py"):
                    if target.startswith("flows"):
                        targets.add(target)
                        # Importing a.b.c runs a/b/__init__.py first.
                        parts = target.split(".")
                        targets.update(".".join(parts[:n]) for n in range(2, len(parts)))
        graph[module] = targets
    modules = set(graph)
    # A module's own packages are loaded before it: importing them closes no circle.
    edges = {
        module: {
            t for t in targets if t in modules and t != module and not module.startswith(t + ".")
        }
        for module, targets in graph.items()
    }
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [])
    return cycles


def _imports_of(node, module, is_package):
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield node.lineno, alias.name
        return
    if node.level:
        base = module.split(".")
        base = base if is_package else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join([*base, node.module] if node.module else base)
    else:
        target = node.module
    yield from _from_targets(node, target)


def _is_module(name: str) -> bool:
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _from_targets(node, target):
    """Yield what ``from target import a, b`` imports: the modules a and b where they are
    modules (``from pkg import module``), else the target itself."""
    names = [f"{target}.{alias.name}" for alias in node.names]
    modules = [name for name in names if _is_module(name)]
    if len(modules) < len(names):
        yield node.lineno, target
    for name in modules:
        yield node.lineno, name


def test_no_import_runs_up_a_layer_or_across_domain_packages():
    assert layer_violations() == []


def test_the_domain_never_imports_viewflow():
    assert viewflow_in_domain() == []


def test_flows_has_no_import_cycle():
    assert flows_cycles() == []


@pytest.mark.parametrize(
    ("module_file", "line", "expected"),
    [
        ("plm_workflow/plans/services.py", "from flows.flows import PLMFlow", "flows"),
        (
            "plm_workflow/plans/models/core.py",
            "from plm_workflow.accounts import models",
            "accounts",
        ),
        (
            "plm_workflow/plans/models/assessment.py",
            "from plm_workflow.steps import guard",
            "steps",
        ),
        ("plm_workflow/steps/assessment.py", "from forms import assessment", "forms"),
        ("plm_workflow/audit/models.py", "from ..plans.models import Plan", "plans"),
    ],
)
def test_the_checker_catches_an_upward_import(tmp_path, monkeypatch, module_file, line, expected):
    # given: a copy of the tree where one domain module gains a forbidden import
    path = ROOT / module_file
    original = path.read_text()
    monkeypatch.setattr(Path, "read_text", _patched_read_text(path, original + f"\n{line}\n"))
    # when / then
    assert any(expected in found for found in layer_violations())


def _patched_read_text(target: Path, text: str):
    real = Path.read_text

    def read_text(self, *args, **kwargs):
        return text if self == target else real(self, *args, **kwargs)

    return read_text
