"""Fixtures for the integration tests.

Pytest-plugin sessions: helpers that run example evaluation files in sessions of their own.

Ragas/DeepEval: a FakeLLMServer answering with the marker judge (``marker_judge.py``), so
every score is known.
"""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from marker_judge import MODEL, judge

from axionlike.results import EvaluationResult
from axionlike.testing import FakeLLMServer

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


@pytest.fixture
def server():
    with FakeLLMServer(judge, latency=0.005) as fake:
        yield fake


@pytest.fixture
def ragas_llm(server):
    from axionlike.integrations.models import LiteLLMRagas

    return LiteLLMRagas(MODEL, api_base=server.api_base, api_key="dummy-key")


@pytest.fixture
def deepeval_llm(server):
    from axionlike.integrations.models import LiteLLMDeepEval

    return LiteLLMDeepEval(MODEL, api_base=server.api_base, api_key="dummy-key")
