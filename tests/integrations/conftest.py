"""Fixtures for the integration tests.

Pytest-plugin sessions: helpers that run example evaluation files in sessions of their own.

Ragas/DeepEval: A judge for FakeLLMServer whose answers depend on markers in the item, so every score is known.

An item's answer is a list of statements like ``S3-0 [ok]`` / ``S3-1 [no]``. Whatever
library asks (Ragas, DeepEval, a native judge), the judge extracts those statements,
calls ``[ok]`` ones faithful / relevant / unbiased and ``[no]`` ones not, and grades
GEval by the ``GRADE<n>`` marker. So faithfulness = relevancy = ok / all, bias =
no / all, GEval = n / 10, for each item separately.
"""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from typing import Any

import pytest

from axionlike.results import EvaluationResult
from axionlike.testing import FakeLLMServer, message_text

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


STATEMENT = re.compile(r"S\d+-\d+ \[(?:ok|no)\]")
GRADE = re.compile(r"GRADE<(\d+)>")
MODEL = "openai/gpt-4o-mini"


def statements(text: str) -> list[str]:
    return list(dict.fromkeys(STATEMENT.findall(text)))


def good(statement: str) -> bool:
    return statement.endswith("[ok]")


def answer_text(index: int, n: int, g: int) -> str:
    """An answer of ``n`` statements, the first ``g`` good, and a GEval grade marker."""
    parts = [f"S{index}-{k} [{'ok' if k < g else 'no'}]" for k in range(n)]
    return ". ".join(parts) + f". GRADE<{index % 11}>"


def judge(body: dict[str, Any]) -> Any:
    """Answer like a model would, from the statements found in the prompt."""
    text = "\n".join(message_text(m) for m in body.get("messages", []))
    schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("name")
    found = statements(text)
    if schema in ("StatementGeneratorOutput", "Statements"):
        return {"statements": found}
    if schema == "NLIStatementOutput":  # Ragas faithfulness: 1 = supported by the context
        return {"statements": [{"statement": s, "reason": "r", "verdict": int(good(s))} for s in found]}
    if schema == "Opinions":  # DeepEval bias: every statement is an opinion
        return {"opinions": found}
    if schema == "Verdicts" and "bias" in text.lower():
        return {"verdicts": [{"verdict": "no" if good(s) else "yes", "reason": "r"} for s in found]}
    if schema == "Verdicts":  # DeepEval answer relevancy
        return {"verdicts": [{"verdict": "yes" if good(s) else "no", "reason": "r"} for s in found]}
    if schema == "Steps":
        return {"steps": ["Compare the actual output with the expected output."]}
    if schema == "ReasonScore":
        grades = GRADE.findall(text)
        return {"reason": "graded", "score": int(grades[-1])}
    if schema == "Reason":
        return {"reason": "because of the verdicts"}
    if schema == "CompletenessVerdict":  # axionlike's native AnswerCompleteness
        return {"aspects": [{"aspect": s, "covered": good(s), "reason": "r"} for s in found]}
    if schema == "RelevancyVerdict":  # axionlike's native AnswerRelevancy
        return {"statements": [{"statement": s, "relevant": good(s), "reason": "r"} for s in found]}
    return None  # anything else: the server's schema-filling default


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
