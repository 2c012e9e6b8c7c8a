"""Exports stay honest, and ``import axionlike`` stays light."""

import importlib
import subprocess
import sys

import pytest

import axionlike

PACKAGES = [
    "axionlike",
    "axionlike.dataset",
    "axionlike.metrics",
    "axionlike.runners",
    "axionlike.results",
    "axionlike.cache",
    "axionlike.tracing",
    "axionlike.grading",
    "axionlike.integrations.reward",
    "axionlike.llm",
    "axionlike.testing",
    "axionlike.integrations.models",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_resolves(name):
    module = importlib.import_module(name)
    assert module.__all__, name
    for attr in module.__all__:
        assert getattr(module, attr) is not None, f"{name}.{attr}"


def test_top_level_names_are_the_subpackage_objects():
    from axionlike.dataset import DatasetItem
    from axionlike.runners import evaluation_runner

    assert axionlike.evaluation_runner is evaluation_runner
    assert axionlike.DatasetItem is DatasetItem
    with pytest.raises(AttributeError):
        axionlike.no_such_name  # noqa: B018


def test_every_exception_is_importable_from_the_package():
    exceptions = [getattr(axionlike, name) for name in axionlike.__all__ if name.endswith("Error")]
    assert len(exceptions) == 21
    assert all(issubclass(e, axionlike.AxionlikeError) for e in exceptions)
    assert issubclass(axionlike.MappingError, axionlike.MetricError)


def test_import_loads_no_heavy_library():
    heavy = ("litellm", "ragas", "deepeval", "langfuse", "opik", "pandas")
    code = (
        "import sys, axionlike, axionlike.runners, axionlike.metrics, axionlike.grading, "
        "axionlike.integrations.reward, axionlike.llm, axionlike.testing; "
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""
