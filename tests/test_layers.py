"""Where things live: imports run one way, with no cycle anywhere in the project.

* ``sim`` (the model and its experiments) imports nothing from ``analysis``;
* the model itself (``sim.model``, ``sim.agents``, ``sim.market``, ``sim.rules``,
  ``sim.world``, ``sim.run``) imports nothing from ``sim.experiments``;
* ``sim.rules`` (pure functions) imports nothing but ``sim.vocab`` from the project;
* no module imports, directly or through others, a module that imports it back.
"""

import ast
import subprocess
import sys

from conftest import ROOT

PACKAGES = ("sim", "analysis")


def _module_name(path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    """Each project module and the project modules it imports (anywhere in its code)."""
    modules = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            modules[_module_name(path)] = path
    graph = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    return graph


GRAPH = _graph()


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    colour, stack = {}, []

    def visit(n):
        colour[n] = 1
        stack.append(n)
        for d in sorted(graph[n]):
            if colour.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in colour:
                found = visit(d)
                if found:
                    return found
        colour[n] = 2
        stack.pop()
        return None

    for n in sorted(graph):
        if n not in colour:
            found = visit(n)
            if found:
                return found
    return None


def test_the_graph_sees_the_project():
    assert "sim.model" in GRAPH and "analysis.cli" in GRAPH
    assert "sim.market.settle" in GRAPH["sim.model"]
    assert len(GRAPH) > 60


def test_sim_imports_nothing_from_analysis():
    bad = {m: d for m, ds in GRAPH.items() if m.startswith("sim")
           for d in ds if d.startswith("analysis")}
    assert not bad, bad


def test_the_model_imports_nothing_from_experiments():
    model = [m for m in GRAPH if m.startswith("sim") and not m.startswith("sim.experiments")
             and m != "sim"]
    bad = {m: sorted(GRAPH[m]) for m in model if any(d.startswith("sim.experiments")
                                                     for d in GRAPH[m])}
    assert not bad, bad


def test_rules_are_pure():
    rules = [m for m in GRAPH if m.startswith("sim.rules")]
    assert len(rules) >= 5
    for m in rules:
        assert GRAPH[m] <= {"sim.vocab"}, (m, GRAPH[m])


def test_there_is_no_import_cycle():
    assert _cycle(GRAPH) is None, " -> ".join(_cycle(GRAPH))


def test_a_planted_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_importing_sim_imports_no_analysis_module():
    code = ("import sys, sim; from sim import load_scenario, ChannelModel; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'analysis'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]"
