"""The public surface is meant: exports resolve, are documented in the reference pages, and
every name the docs import is exported; ``import axionlike`` stays light."""

from __future__ import annotations

import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import axionlike
from axionlike import _exceptions

ROOT = Path(__file__).resolve().parents[1]

PUBLIC = [
    "axionlike",
    "axionlike.aggregators",
    "axionlike.cache",
    "axionlike.dataset",
    "axionlike.endpoints",
    "axionlike.graders",
    "axionlike.grading",
    "axionlike.integrations.experiments",
    "axionlike.integrations.models",
    "axionlike.integrations.pytest_plugin",
    "axionlike.integrations.reward",
    "axionlike.llm",
    "axionlike.metrics",
    "axionlike.results",
    "axionlike.runners",
    "axionlike.testing",
    "axionlike.tracing",
]

_DIRECTIVE = re.compile(r"^::: (?P<target>[\w.]+)\n(?P<options>(?:[ \t]+.*\n)*)", re.MULTILINE)
_MEMBERS = re.compile(r"members:\s*\[(?P<names>[^\]]*)\]")


def _resolve(target: str) -> object:
    """A module, or an object inside one, from its dotted path."""
    try:
        return importlib.import_module(target)
    except ImportError:
        module, _, name = target.rpartition(".")
        return getattr(importlib.import_module(module), name)


def _documented() -> list[object]:
    """Every object the reference pages render (``::: target``, with an optional ``members`` list)."""
    objects: list[object] = []
    for page in sorted((ROOT / "docs" / "reference").glob("*.md")):
        for directive in _DIRECTIVE.finditer(page.read_text(encoding="utf-8")):
            target = _resolve(directive["target"])
            members = _MEMBERS.search(directive["options"])
            if inspect.ismodule(target):
                names = [n.strip() for n in members["names"].split(",")] if members else target.__all__
                objects += [getattr(target, name) for name in names]
            else:
                objects.append(target)
    return objects


def _exports() -> list[tuple[str, str]]:
    return [(module, name) for module in PUBLIC for name in importlib.import_module(module).__all__]


@pytest.mark.parametrize("module", PUBLIC)
def test_every_export_resolves_once(module):
    exported = importlib.import_module(module).__all__
    assert len(exported) == len(set(exported)), module
    for name in exported:
        assert getattr(importlib.import_module(module), name) is not None, f"{module}.{name}"


def test_every_export_is_documented_in_the_reference_pages():
    documented = _documented()
    missing = [
        f"{module}.{name}"
        for module, name in _exports()
        if name != "__version__" and not any(getattr(importlib.import_module(module), name) is o for o in documented)
    ]
    assert missing == [], "export it only if users need it; then add it to a page under docs/reference/"


def test_every_exported_class_and_function_says_what_it_is():
    bare = [
        f"{module}.{name}"
        for module, name in _exports()
        if (inspect.isclass(obj := getattr(importlib.import_module(module), name)) or inspect.isfunction(obj))
        and not (obj.__doc__ or "").strip()
    ]
    assert bare == []


def _imports_in_docs() -> list[tuple[str, str, str]]:
    """(module, name, where) for every ``from axionlike... import ...`` in README, docs and notebooks."""
    texts = [(p, p.read_text(encoding="utf-8")) for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]]
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        texts.append((notebook, "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")))
    found = []
    for path, text in texts:
        for match in re.finditer(r"^\s*from (axionlike[\w.]*) import (?:\(([^)]*)\)|([^\n#]+))", text, re.MULTILINE):
            imported = (match[2] or match[3]).replace("\n", ",").split(",")
            names = [n.split(" as ")[0].strip() for n in imported if n.strip()]
            found += [(match[1], name, str(path.relative_to(ROOT))) for name in names]
    return found


def test_every_name_the_docs_import_is_exported():
    imports = _imports_in_docs()
    assert len(imports) > 50
    private = [
        f"{where}: {module}" for module, _, where in imports if any(p.startswith("_") for p in module.split("."))
    ]
    assert private == []
    unexported = [
        f"{where}: from {module} import {name}"
        for module, name, where in imports
        if name not in importlib.import_module(module).__all__
    ]
    assert unexported == []


def test_top_level_names_are_the_subpackage_objects():
    from axionlike.dataset import DatasetItem
    from axionlike.runners import evaluation_runner

    assert axionlike.evaluation_runner is evaluation_runner
    assert axionlike.DatasetItem is DatasetItem
    with pytest.raises(AttributeError):
        axionlike.no_such_name  # noqa: B018


def test_every_exception_is_importable_from_the_package():
    exceptions = [getattr(axionlike, name) for name in axionlike.__all__ if name.endswith("Error")]
    assert sorted(e.__name__ for e in exceptions) == sorted(n for n in _exceptions.__all__ if n.endswith("Error"))
    assert all(issubclass(e, axionlike.AxionlikeError) for e in exceptions)
    assert set(_exceptions.__all__) - {e.__name__ for e in exceptions} == {"EvaluationInterrupted"}
    assert issubclass(axionlike.EvaluationInterrupted, KeyboardInterrupt)  # no `except Exception` swallows Ctrl-C
    assert issubclass(axionlike.MappingError, axionlike.MetricError)
    assert issubclass(axionlike.EndpointError, axionlike.TaskError)
    for name in _exceptions.__all__:  # the tree in the module docstring lists every exception
        assert re.search(rf"^(.*[─└├] )?{name}\b", _exceptions.__doc__ or "", re.MULTILINE), name


def test_import_loads_no_heavy_library():
    heavy = ("litellm", "ragas", "deepeval", "langfuse", "opik", "pandas", "ray", "aiohttp")
    code = (
        "import sys, axionlike, axionlike.runners, axionlike.metrics, axionlike.grading, axionlike.endpoints, "
        "axionlike.integrations.reward, axionlike.llm, axionlike.testing; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
