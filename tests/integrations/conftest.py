"""Helpers for running example evaluation files in pytest sessions of their own."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from axionlike.results import EvaluationResult

#: Other libraries' pytest plugins (DeepEval's, Opik's, LangSmith's) stay out of the inner
#: sessions, as they do out of ours (pyproject addopts): they are slow to start and noisy.
FOREIGN_PLUGINS = ["-p", "no:plugins", "-p", "no:opik", "-p", "no:langsmith_plugin"]


@pytest.fixture
def plugin_args() -> list[str]:
    """Load the plugin explicitly when the installed metadata predates its entry point."""
    installed = any(e.value == "axionlike.integrations.pytest_plugin" for e in entry_points(group="pytest11"))
    return [] if installed else ["-p", "axionlike.integrations.pytest_plugin"]


@pytest.fixture
def evals(pytester: pytest.Pytester, plugin_args: list[str]):
    """Run pytest on the pytester directory with the plugin, quietly; returns the RunResult."""
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest(*plugin_args, *FOREIGN_PLUGINS, "-p", "no:cacheprovider", *args)

    return run


@pytest.fixture
def stored(pytester: pytest.Pytester):
    """Read the EvaluationResult an evaluation stored under the default results directory."""

    def load(experiment: str, key: str) -> EvaluationResult:
        return EvaluationResult.load(pytester.path / ".axionlike" / experiment / f"{key}.json")

    return load
