"""Layers point one way: no package imports another's private module, and package imports form no cycle.

Every import in ``axionlike/`` is read from the source (module level, inside functions,
under ``TYPE_CHECKING``), so a lazy import counts as much as an eager one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "axionlike"

BOTTOM = {"_exceptions", "_redact", "_sync", "_invoke", "_digest", "_naming", "_paths", "_retry", "_libraries", "_text"}
"""Shared internals, one owner each: anyone may import them; they import only each other."""

LAYERS = [
    BOTTOM,
    {"dataset", "tracing"},
    {"results"},
    {"llm"},
    {"metrics", "endpoints"},
    {"graders"},
    {"aggregators", "cache"},
    {"runners"},
    {"grading"},
    {"integrations", "testing"},
    {"cli"},
    {"__main__"},
]
"""From the bottom up: a package imports only from layers below its own (and from itself); the
shared internals of the bottom layer may also import each other (without a cycle)."""

LAYER_OF = {name: level for level, names in enumerate(LAYERS) for name in names}


def _part_of(path: Path) -> str:
    """The package (or top-level module) a source file belongs to: ``runners``, ``_paths``, ``cli``."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def _imports(path: Path) -> list[tuple[str, str | None, int]]:
    """(module, imported name or None, line) for every absolute import of ``axionlike`` in ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}:{node.lineno}: relative import; axionlike imports absolutely"
            found += [(node.module or "", alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
    return [(module, name, line) for module, name, line in found if module.split(".")[0] == "axionlike"]


def _edges() -> list[tuple[str, str, str]]:
    """(importing part, imported part, where) for imports that cross from one part to another."""
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "__init__.py":
            continue  # the package root re-exports every layer's public names, lazily
        part = _part_of(path)
        for module, _, line in _imports(path):
            target = module.split(".")
            if len(target) > 1 and target[1] != part:
                edges.append((part, target[1], f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"))
    return edges


def test_every_part_has_a_layer():
    parts = {_part_of(p) for p in PACKAGE.rglob("*.py")} - {"__init__", "py"}
    assert parts - set(LAYER_OF) == set(), "add new packages and shared modules to LAYERS"


def test_no_import_of_another_packages_private_module():
    offending = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = _part_of(path)
        for module, name, line in _imports(path):
            target = module.split(".")
            if len(target) < 2 or target[1] == part or target[1] in BOTTOM:
                continue
            private_module = any(piece.startswith("_") for piece in target[2:])
            private_name = name is not None and name.startswith("_")
            if private_module or private_name:
                offending.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module} {name or ''}")
    assert offending == []


@pytest.mark.parametrize("part", sorted(LAYER_OF))
def test_imports_point_down(part):
    upward = [
        where
        for source, target, where in _edges()
        if source == part and LAYER_OF[target] >= LAYER_OF[source] and not (source in BOTTOM and target in BOTTOM)
    ]
    assert upward == [], f"{part} (layer {LAYER_OF[part]}) imports a package of its own layer or above"


def test_no_import_cycle_between_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target, _ in _edges():
        graph[source].add(target)
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " -> ".join([*visiting[visiting.index(node) :], node])
        visiting.append(node)
        for target in sorted(graph[node]):
            visit(target)
        visiting.pop()
        done.add(node)

    for node in sorted(graph):
        visit(node)


def test_no_module_changes_another_packages_tables_when_imported():
    """Registration is explicit: importing every package leaves the metric routing table as it was."""
    import subprocess
    import sys

    code = (
        "from axionlike.runners._executors import _EXECUTORS; before = list(_EXECUTORS); "
        "import axionlike.grading, axionlike.integrations.reward, axionlike.integrations.pytest_plugin, "
        "axionlike.integrations.models, axionlike.cli; "
        "from axionlike.runners._executors import _EXECUTORS as after; print(before == list(after))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"
