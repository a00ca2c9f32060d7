"""The package's layout (ARCHITECTURE.md): no import circles among its modules, none over 500 lines,
and the three groups a newcomer sees at the top of ``src/summit_lessons/``."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "summit_lessons"
MAX_LINES = 500
#: The package itself (its lazy attributes) and ``python -m summit_lessons.execute``, the documented
#: command kept as a two-line shim over ``summit_lessons.publish.execute``.
SHIMS = {"summit_lessons", "summit_lessons.execute"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = importer.split(".") if is_package else importer.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph() -> dict[str, set[str]]:
    """Each module of the package -> the package's modules it imports, at any depth of the file
    (function-level imports included: a circle through a lazy import is still a circle)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(name, is_package, node)
                # "from . import execute" imports a module; "from .page import page_css" a name of one
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
            for target in targets:
                while target and target not in modules:  # "summit_lessons.publish.page.x" -> its module
                    target = target.rpartition(".")[0]
                # a module's own package (__init__) is imported by Python anyway, not by the module
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_the_import_graph_sees_function_level_imports():
    graph = import_graph()
    # imported inside functions only: the test would miss the old circles without them
    assert "summit_lessons.publish.page" in graph["summit_lessons.publish.key"]
    assert "summit_lessons.grading" in graph["summit_lessons.widgets.check"]
    assert "summit_lessons.publish.execute" in graph["summit_lessons.publish.render"]  # "from . import execute"


def test_find_cycle_names_the_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_circles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_quiz_data_and_grading_know_nothing_of_widgets():
    graph = import_graph()
    assert not any(m.startswith("summit_lessons.widgets") for m in graph["summit_lessons.grading"])


@pytest.mark.parametrize("name", sorted(_modules()))
def test_no_module_over_500_lines(name):
    lines = len(_modules()[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name} has {lines} lines (over {MAX_LINES}): split it along its jobs"


def test_lower_groups_never_import_higher_ones():
    """The learner's modules never import a builder or a server; builders never import a server."""
    graph = import_graph()
    rank = {"summit_lessons.publish": 1, "summit_lessons.classroom": 2, "summit_lessons.cli": 3}

    def level(m: str) -> int:
        return next((r for prefix, r in rank.items() if m == prefix or m.startswith(prefix + ".")), 0)

    upward = sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                    if a not in SHIMS and level(b) > level(a))
    assert upward == []
