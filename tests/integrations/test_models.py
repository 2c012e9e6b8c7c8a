"""LiteLLMRagas and LiteLLMDeepEval: sync and async faces, usage, caching markers, identity, cwd."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import warnings

import pytest
from marker_judge import MODEL
from pydantic import BaseModel

from axionlike._exceptions import UnknownMetricError
from axionlike.llm import collect_usage
from axionlike.runners import executor_for

pytest.importorskip("ragas", reason="the Ragas extra is not installed: pip install 'axionlike[ragas]'")
pytest.importorskip("deepeval", reason="the DeepEval extra is not installed: pip install 'axionlike[deepeval]'")


class Verdict(BaseModel):
    verdict: str
    score: float


def test_deepeval_sync_and_async_faces(server, deepeval_llm):
    value = deepeval_llm.generate("Say something", schema=Verdict)  # no loop running
    assert isinstance(value, Verdict)

    async def inside_a_loop():
        sync_value = deepeval_llm.generate("Say something", schema=Verdict)  # run_sync bridges
        text = await deepeval_llm.a_generate("Say something else")
        return sync_value, text

    sync_value, text = asyncio.run(inside_a_loop())
    assert sync_value == value and isinstance(text, str) and text
    assert deepeval_llm.get_model_name() == MODEL
    assert server.chat_requests[0].body["model"] == "gpt-4o-mini"


def test_ragas_sync_and_async_faces(server, ragas_llm):
    with collect_usage() as scope:
        value = ragas_llm.generate("Rate this", Verdict)
        async_value = asyncio.run(ragas_llm.agenerate("Rate this", Verdict))
    assert value == async_value
    assert scope.usage.calls == 2 and scope.usage.prompt_tokens > 0 and scope.usage.cost > 0


def test_deepeval_sync_measure_uses_the_sync_path(server, deepeval_llm):
    from deepeval.metrics import AnswerRelevancyMetric
    from deepeval.test_case import LLMTestCase

    metric = AnswerRelevancyMetric(model=deepeval_llm, async_mode=False)
    case = LLMTestCase(input="q?", actual_output="S1-0 [ok]. S1-1 [no]. S1-2 [ok].")
    with collect_usage() as scope:
        score = metric.measure(case, _show_indicator=False)
    assert score == pytest.approx(2 / 3) and metric.success is True
    assert scope.usage.calls == 3


def test_ragas_sync_single_turn_score(server, ragas_llm):
    from ragas.dataset_schema import SingleTurnSample

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ragas.metrics import Faithfulness

    sample = SingleTurnSample(user_input="q?", response="S2-0 [ok]. S2-1 [no].", retrieved_contexts=["ctx"])
    assert Faithfulness(llm=ragas_llm).single_turn_score(sample) == pytest.approx(0.5)


def test_prompt_caching_marks_the_fixed_part_of_ragas_prompts(server):
    from axionlike.integrations.models import LiteLLMRagas

    llm = LiteLLMRagas(MODEL, api_base=server.api_base, api_key="dummy-key", enable_prompt_caching=True)
    prompt = "Instructions and examples\n-----------------------------\nNow the input {}"
    with collect_usage() as scope:
        llm.generate(prompt.format(1), Verdict)
        llm.generate(prompt.format(2), Verdict)
    blocks = server.chat_requests[-1].body["messages"][0]["content"]
    assert "cache_control" in blocks[0] and "cache_control" not in blocks[1]
    assert blocks[1]["text"] == "Now the input 2"
    assert scope.usage.cached_tokens > 0  # the second call reused the marked prefix


def test_cache_identity_names_the_model_never_the_key(server):
    from axionlike.integrations.models import LiteLLMDeepEval, LiteLLMRagas

    for cls in (LiteLLMRagas, LiteLLMDeepEval):
        a = cls("openai/a", api_base=server.api_base, api_key="sk-secret-123456789")
        b = cls("openai/b", api_base=server.api_base, api_key="sk-secret-123456789")
        assert a.cache_identity()["model_name"] == "openai/a"
        assert a.cache_identity() != b.cache_identity()
        assert "sk-secret" not in repr(a.cache_identity()) + repr(a)


def test_preflight_reports_a_missing_key_at_configuration_time():
    from deepeval.metrics import AnswerRelevancyMetric

    from axionlike._exceptions import ConfigurationError
    from axionlike.dataset import DatasetItem
    from axionlike.integrations.models import LiteLLMDeepEval
    from axionlike.runners import evaluation_runner

    metric = AnswerRelevancyMetric(model=LiteLLMDeepEval("gpt-4o-mini"))  # no OPENAI_API_KEY in tests
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        evaluation_runner([DatasetItem(query="q", actual_output="a")], [metric], "x", show_progress=False)


def test_objects_no_executor_runs_are_rejected():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from ragas.metrics import ToolCallAccuracy  # a multi-turn metric

    from deepeval.metrics import ConversationCompletenessMetric

    from axionlike.integrations.models import LiteLLMDeepEval
    from axionlike.runners._binding import bind_metrics

    with pytest.raises(UnknownMetricError, match="ToolCallAccuracy.*multi-turn"):
        bind_metrics([ToolCallAccuracy()], None)
    conversational = ConversationCompletenessMetric(model=LiteLLMDeepEval("openai/m", api_key="dummy-key"))
    with pytest.raises(UnknownMetricError, match="conversational"):
        bind_metrics([conversational], None)
    with pytest.raises(UnknownMetricError, match="no executor accepts"):
        executor_for(object())


def _run(code: str, cwd) -> str:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_routing_native_metrics_imports_neither_library(tmp_path):
    loaded = _run(
        """
        import sys
        from axionlike.metrics import ExactMatch, named
        from axionlike.runners._binding import bind_metrics
        from axionlike.integrations import models
        bind_metrics([ExactMatch(), named('one', lambda item: 1.0)], None)
        print(",".join(m for m in ("ragas", "deepeval", "litellm") if m in sys.modules))
        """,
        tmp_path,
    )
    assert loaded == ""


def test_a_script_that_measures_synchronously_exits_cleanly(tmp_path):
    """DeepEval's sync ``measure()`` runs our async calls on a loop it never closes; the process must not
    crash at exit (CPython 3.11 did, collecting litellm's orphaned logging worker)."""
    out = _run(
        f"""
        from deepeval.metrics import AnswerRelevancyMetric
        from deepeval.test_case import LLMTestCase
        from axionlike.integrations.models import LiteLLMDeepEval
        from axionlike.testing import FakeLLMServer

        with FakeLLMServer() as server:
            model = LiteLLMDeepEval("{MODEL}", api_base=server.api_base, api_key="dummy-key-123")
            metric = AnswerRelevancyMetric(model=model, async_mode=True)
            metric.measure(LLMTestCase(input="q?", actual_output="an answer"), _show_indicator=False)
            print(metric.score)
        """,
        tmp_path,
    )
    assert 0 <= float(out.splitlines()[-1]) <= 1


def test_importing_deepeval_through_axionlike_leaves_the_working_directory_alone(tmp_path):
    """DeepEval 2.x makes ``.deepeval/`` in the cwd on import; axionlike imports it elsewhere."""
    out = _run(
        """
        import os
        from axionlike.integrations.models import LiteLLMDeepEval
        from deepeval.metrics import AnswerRelevancyMetric
        AnswerRelevancyMetric(model=LiteLLMDeepEval("openai/m", api_key="dummy-key"))
        print(sorted(os.listdir(".")))
        """,
        tmp_path,
    )
    assert out == "[]" and os.listdir(tmp_path) == []


def test_a_run_writes_nothing_into_the_working_directory(server, deepeval_llm, ragas_llm, tmp_path, monkeypatch):
    from deepeval.metrics import AnswerRelevancyMetric, GEval, ToolCorrectnessMetric
    from deepeval.test_case import LLMTestCaseParams
    from ragas.metrics.collections import Faithfulness

    from axionlike.dataset import DatasetItem
    from axionlike.runners import evaluation_runner

    monkeypatch.chdir(tmp_path)
    items = [
        DatasetItem(
            query=f"q{i}",
            actual_output=f"S{i}-0 [ok]. GRADE<3>",
            retrieved_content=["ctx"],
            tools_called=["x"],
            expected_tools=["x"],
        )
        for i in range(3)
    ]
    geval = GEval(
        name="Quality", criteria="good?", evaluation_params=[LLMTestCaseParams.ACTUAL_OUTPUT], model=deepeval_llm
    )
    metrics = [AnswerRelevancyMetric(model=deepeval_llm), ToolCorrectnessMetric(), geval, Faithfulness(llm=ragas_llm)]
    result = evaluation_runner(items, metrics, "cwd", show_progress=False)
    assert all(s.status == "scored" for r in result.results for s in r.scores)
    assert os.listdir(tmp_path) == []


def test_ragas_embeddings_count_usage_and_give_each_item_its_similarity(server):
    import numpy as np
    from ragas.metrics.collections import SemanticSimilarity

    from axionlike.dataset import DatasetItem
    from axionlike.integrations.models import LiteLLMRagasEmbeddings
    from axionlike.runners import evaluation_runner
    from axionlike.testing import unit_value

    def vector(text):  # the FakeLLMServer's deterministic embedding of ``text``
        raw = np.array([unit_value(f"{text}|{d}") - 0.5 for d in range(server.embedding_dim)])
        return raw / np.linalg.norm(raw)

    embeddings = LiteLLMRagasEmbeddings("openai/text-embedding-3-small", api_base=server.api_base, api_key="dummy-key")
    items = [DatasetItem(id=str(i), actual_output=f"answer {i}", expected_output=f"answer {i % 3}") for i in range(6)]
    result = evaluation_runner(items, [SemanticSimilarity(embeddings=embeddings)], "similarity", show_progress=False)
    for i, record in enumerate(result.results):
        (score,) = record.scores
        assert score.name == "semantic_similarity" and score.source == "ragas"
        expected = float(vector(f"answer {i % 3}") @ vector(f"answer {i}"))
        assert score.score == pytest.approx(expected)
        assert score.usage.calls == 2 and score.usage.prompt_tokens > 0
    assert embeddings.cache_identity()["model_name"] == "openai/text-embedding-3-small"
    assert "dummy-key" not in repr(embeddings.cache_identity())
