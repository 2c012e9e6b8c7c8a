"""Ragas and DeepEval metrics in one run with native ones, against FakeLLMServer over HTTP."""

from __future__ import annotations

import warnings

import pytest
from marker_judge import MODEL, answer_text

from axionlike._exceptions import ExternalMetricError
from axionlike.dataset import DatasetItem
from axionlike.metrics import AnswerRelevancy, ExactMatch, Latency
from axionlike.runners import ErrorConfig, evaluation_runner, executor_for
from axionlike.runners._binding import bind_metrics

pytest.importorskip("ragas", reason="the Ragas extra is not installed: pip install 'axionlike[ragas]'")
pytest.importorskip("deepeval", reason="the DeepEval extra is not installed: pip install 'axionlike[deepeval]'")

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    from ragas.metrics import ExactMatch as RagasExactMatch
    from ragas.metrics import Faithfulness

from deepeval.metrics import AnswerRelevancyMetric, BiasMetric, GEval, ToolCorrectnessMetric
from deepeval.test_case import LLMTestCaseParams
from ragas.metrics.collections import ExactMatch as CollectionExactMatch
from ragas.metrics.collections import Faithfulness as CollectionFaithfulness

N_ITEMS = 24


def shape(i: int) -> tuple[int, int]:
    """Statements in item ``i``'s answer, and how many of them are good."""
    n = 2 + i % 3
    return n, i % (n + 1)


def make_items(count: int = N_ITEMS) -> list[DatasetItem]:
    items = []
    for i in range(count):
        n, g = shape(i)
        answer = answer_text(i, n, g)
        items.append(
            DatasetItem(
                id=f"item-{i}",
                query=f"Question number {i}?",
                actual_output=answer,
                expected_output=answer if i % 2 == 0 else f"Another answer {i}.",
                retrieved_content=None if i % 8 == 5 else [f"Context for item {i}."],
                latency=0.1 * i,
                tools_called=["search", "calc"] if i % 2 else ["search"],
                expected_tools=["search", "calc"],
            )
        )
    return items


def scores_of(result):
    return {(r.item.id, s.name): s for r in result.results for s in r.scores}


def test_mixed_run_gives_every_item_its_own_score(server, ragas_llm, deepeval_llm):
    relevancy = AnswerRelevancyMetric(model=deepeval_llm, include_reason=False)
    geval = GEval(
        name="Correctness",
        evaluation_steps=["Compare the actual output with the expected output."],
        evaluation_params=[LLMTestCaseParams.ACTUAL_OUTPUT, LLMTestCaseParams.EXPECTED_OUTPUT],
        model=deepeval_llm,
    )
    metrics = [
        ExactMatch(name="native_exact_match"),
        Latency(threshold=1.0),
        AnswerRelevancy(name="native_answer_relevancy", model_name=MODEL, api_base=server.api_base, api_key="k"),
        RagasExactMatch(),
        Faithfulness(llm=ragas_llm),
        CollectionExactMatch(name="exact_match_collections"),
        relevancy,
        geval,
        ToolCorrectnessMetric(),
    ]
    result = evaluation_runner(
        make_items(),
        metrics,
        "mixed",
        max_concurrent=8,
        show_progress=False,
        error_config=ErrorConfig(skip_on_missing_params=True),
        thresholds={"faithfulness": 0.8, "answer_relevancy": 0.6},
    )
    scores = scores_of(result)
    assert len(result.results) == N_ITEMS
    assert all(len(r.scores) == len(metrics) for r in result.results)  # no score row disappears
    for i in range(N_ITEMS):
        item_id = f"item-{i}"
        n, g = shape(i)
        share = g / n

        def score(name, item_id=item_id):
            return scores[(item_id, name)]

        assert score("native_exact_match").score == score("exact_match").score == float(i % 2 == 0)
        assert score("exact_match_collections").score == float(i % 2 == 0)
        assert score("latency").score == pytest.approx(0.1 * i)
        assert score("native_answer_relevancy").score == pytest.approx(share)
        relevancy_score = score("answer_relevancy")
        assert relevancy_score.source == "deepeval"
        assert relevancy_score.score == pytest.approx(share)
        assert relevancy_score.threshold == 0.6
        assert relevancy_score.passed is (share >= 0.6)
        assert relevancy_score.metadata["success"] is (share >= 0.5)  # DeepEval's own verdict at its 0.5
        assert relevancy_score.usage.calls == 2 and relevancy_score.usage.prompt_tokens > 0
        assert relevancy_score.usage.cost > 0
        assert score("correctness").score == pytest.approx((i % 11) / 10)
        assert score("correctness").usage.calls == 1
        assert score("tool_correctness").score == (1.0 if i % 2 else 0.5)
        faith = score("faithfulness")
        assert faith.source == "ragas"
        if i % 8 == 5:
            assert faith.status == "skipped" and faith.missing_fields == ["retrieved_content"]
            assert "retrieved_content" in faith.explanation and faith.score is None
        else:
            assert faith.status == "scored", faith.error
            assert faith.score == pytest.approx(share)
            assert faith.passed is (share >= 0.8)
            assert faith.usage.calls == 2 and faith.usage.completion_tokens > 0
    assert {s.source for s in scores.values()} == {"native", "ragas", "deepeval"}
    # every LLM call the server answered is accounted for on some score
    assert sum(s.usage.calls for s in scores.values() if s.usage) == server.calls
    assert result.metadata["usage"]["calls"] == server.calls
    # the user's DeepEval objects were never measured: each call used a fresh copy
    assert relevancy.score is None and relevancy.reason is None and geval.score is None


def test_collections_metrics_take_keyword_arguments(server, ragas_llm):
    items = make_items(5)
    metrics = [CollectionFaithfulness(llm=ragas_llm), CollectionExactMatch()]
    result = evaluation_runner(items, metrics, "collections", show_progress=False, max_concurrent=6)
    for i, record in enumerate(result.results):
        n, g = shape(i)
        faith, exact = record.scores
        assert faith.name == "faithfulness" and faith.source == "ragas"
        assert faith.score == pytest.approx(g / n) and faith.usage.calls == 2
        assert exact.name == "exact_match" and exact.score == float(i % 2 == 0)
    (description,) = [b.description for b in bind_metrics([metrics[0]], None)]
    assert set(description.required_fields) == {"query", "actual_output", "retrieved_content"}


def test_missing_field_is_an_error_naming_it_when_not_skipping(server, ragas_llm, deepeval_llm):
    items = [DatasetItem(id="no-context", query="q?", actual_output="S0-0 [ok].")]
    metrics = [
        Faithfulness(llm=ragas_llm),
        GEval(
            name="Correctness",
            criteria="c",
            evaluation_params=[LLMTestCaseParams.ACTUAL_OUTPUT, LLMTestCaseParams.EXPECTED_OUTPUT],
            model=deepeval_llm,
        ),
    ]
    result = evaluation_runner(
        items, metrics, "missing", show_progress=False, error_config=ErrorConfig(skip_on_missing_params=False)
    )
    faith, correctness = result.results[0].scores
    assert faith.status == "error" and faith.missing_fields == ["retrieved_content"]
    assert faith.error.type == "MissingFieldsError" and "retrieved_content" in faith.error.message
    assert correctness.status == "error" and correctness.missing_fields == ["expected_output"]
    assert server.calls == 0


def test_lower_is_better_deepeval_metric(server, deepeval_llm):
    items = make_items(6)
    metric = BiasMetric(model=deepeval_llm, threshold=0.5)
    result = evaluation_runner(items, [metric], "bias", show_progress=False, max_concurrent=6)
    (description,) = [b.description for b in bind_metrics([metric], None)]
    assert description.name == "bias" and description.higher_is_better is False
    for record in result.results:
        i = int(record.item.id.split("-")[1])
        n, g = shape(i)
        (score,) = record.scores
        assert score.higher_is_better is False
        assert score.score == pytest.approx((n - g) / n)
        assert score.passed is (score.score <= 0.5)
        assert score.passed is score.metadata["success"]  # the same verdict DeepEval gives


def test_library_errors_become_external_metric_errors(server, ragas_llm, deepeval_llm):
    from axionlike.testing import Fault

    server.responder = lambda body: Fault.content("this is not JSON at all")
    item = make_items(1)[0]
    for metric in (Faithfulness(llm=ragas_llm), AnswerRelevancyMetric(model=deepeval_llm)):
        executor = executor_for(metric)
        with pytest.raises(ExternalMetricError) as caught:
            import asyncio

            asyncio.run(executor.execute(metric, item))
        assert "item-0" in str(caught.value) and caught.value.__cause__ is not None
    result = evaluation_runner([item], [Faithfulness(llm=ragas_llm)], "broken", show_progress=False)
    (score,) = result.results[0].scores
    assert score.status == "error" and score.error.type == "ExternalMetricError"
    assert "faithfulness" in score.error.message and "dummy-key" not in score.error.message


def test_names_fields_and_identity_come_from_the_libraries(server, ragas_llm, deepeval_llm):
    from axionlike.integrations.models import LiteLLMRagas

    faith, relevancy, tools, geval = bind_metrics(
        [
            Faithfulness(llm=ragas_llm),
            AnswerRelevancyMetric(model=deepeval_llm, threshold=0.7),
            ToolCorrectnessMetric(),
            GEval(name="Helpfulness", criteria="c", evaluation_params=[LLMTestCaseParams.INPUT], model=deepeval_llm),
        ],
        None,
    )
    assert faith.name == "faithfulness" and faith.executor.source == "ragas"
    assert set(faith.description.required_fields) == {"query", "actual_output", "retrieved_content"}
    assert relevancy.name == "answer_relevancy" and relevancy.threshold == 0.7
    assert relevancy.description.required_fields == ("query", "actual_output")
    assert tools.name == "tool_correctness"
    assert set(tools.description.required_fields) >= {"tools_called", "expected_tools"}
    assert geval.name == "helpfulness" and geval.description.required_fields == ("query",)
    # the judge model is part of the identity (and so of the cache key); the key never is
    other = bind_metrics([Faithfulness(llm=LiteLLMRagas("openai/other-model", api_base=server.api_base))], None)[0]
    assert other.description.identity != faith.description.identity
    assert "dummy-key" not in repr(faith.description.identity) + repr(relevancy.description.identity)


def test_cached_scores_of_external_metrics_follow_the_model(server, ragas_llm, deepeval_llm):
    from axionlike.cache import MemoryStore
    from axionlike.integrations.models import LiteLLMRagas
    from axionlike.runners import CacheConfig

    items = make_items(4)
    cache = CacheConfig(store=MemoryStore())

    def run(metrics):
        return evaluation_runner(items, metrics, "cached", show_progress=False, cache_config=cache)

    first = run([Faithfulness(llm=ragas_llm), AnswerRelevancyMetric(model=deepeval_llm)])
    calls = server.calls
    assert calls > 0 and not any(s.cached for r in first.results for s in r.scores)
    second = run([Faithfulness(llm=ragas_llm), AnswerRelevancyMetric(model=deepeval_llm)])
    assert server.calls == calls
    assert all(s.cached for r in second.results for s in r.scores)
    assert [s.score for r in second.results for s in r.scores] == [s.score for r in first.results for s in r.scores]
    other = LiteLLMRagas("openai/other-model", api_base=server.api_base, api_key="dummy-key")
    third = run([Faithfulness(llm=other)])
    assert server.calls > calls and not any(s.cached for r in third.results for s in r.scores)


def test_adapter_calls_are_traced_under_the_metric_span(server, ragas_llm, deepeval_llm):
    import contextlib

    from axionlike.tracing import Span, Tracer, current_span, set_tracer

    class RecordingTracer(Tracer):
        """A tracer port implementation that keeps (name, parent name) of every span."""

        enabled = True

        def __init__(self):
            self.spans = []

        @contextlib.contextmanager
        def span(self, name, *, kind="span", input=None, metadata=None, new_trace=False):
            parent = current_span.get()
            span = Span()
            span.name = name
            self.spans.append((name, getattr(parent, "name", None)))
            token = current_span.set(span)
            try:
                yield span
            finally:
                current_span.reset(token)

    tracer = RecordingTracer()
    previous = set_tracer(tracer)
    try:
        evaluation_runner(
            make_items(2),
            [Faithfulness(llm=ragas_llm), AnswerRelevancyMetric(model=deepeval_llm, include_reason=False)],
            "traced",
            show_progress=False,
        )
    finally:
        set_tracer(previous)
    structured_parents = {parent for name, parent in tracer.spans if name == "litellm_structured"}
    assert structured_parents == {"Faithfulness.execute", "AnswerRelevancyMetric.execute"}
    calls = [parent for name, parent in tracer.spans if name == "llm_call"]
    assert len(calls) == server.calls and set(calls) == {"litellm_structured"}


async def test_the_seed_multi_library_example(server):
    """The seed's "Multi-Library" example, pointed at the local server, with a task."""
    import pandas as pd

    from axionlike.integrations.models import LiteLLMDeepEval, LiteLLMRagas
    from axionlike.metrics import AnswerCompleteness
    from axionlike.runners import CacheConfig, EvaluationConfig, EvaluationRunner

    dataframe = pd.DataFrame(
        [
            {"id": "01", "query": "How do I reset my password?", "expected_output": "Use 'Forgot Password'."},
            {"id": "02", "query": "How do I update my billing information?", "expected_output": "Go to Billing."},
        ]
    )

    async def api_runner(item):
        good_statements = 1 if item.id == "01" else 2
        return {
            "actual_output": answer_text(int(item.id), 2, good_statements),
            "retrieved_content": [f"Help page for {item.query}"],
            "latency": 0.5,
        }

    local = {"api_base": server.api_base, "api_key": "dummy-key"}
    metrics = [
        Faithfulness(llm=LiteLLMRagas(MODEL, **local)),
        AnswerCompleteness(model_name=MODEL, **local),
        AnswerRelevancyMetric(model=LiteLLMDeepEval(MODEL, **local)),
        Latency(threshold=8),
    ]
    config = EvaluationConfig(
        evaluation_name="Advanced Configuration Eval",
        evaluation_inputs=dataframe,
        scoring_metrics=metrics,
        task=api_runner,
        max_concurrent=10,
        cache_config=CacheConfig(use_cache=True, cache_type="memory"),
        error_config=ErrorConfig(skip_on_missing_params=True),
        thresholds={"faithfulness": 0.8, "answer_completeness": 0.7},
        evaluation_metadata={"model_version": "v2.1"},
        dataset_name="Advanced Configuration Dataset",
        show_progress=False,
    )
    results = await EvaluationRunner(config).execute()
    frame = results.to_dataframe()
    assert len(frame) == 2 * len(metrics)  # one row per item and metric
    by_item = {r.item.id: {s.name: s for s in r.scores} for r in results.results}
    for item_id, expected in (("01", 0.5), ("02", 1.0)):
        scores = by_item[item_id]
        assert scores["faithfulness"].score == expected and scores["faithfulness"].passed is (expected >= 0.8)
        assert scores["answer_completeness"].score == expected
        assert scores["answer_relevancy"].score == expected and scores["answer_relevancy"].source == "deepeval"
        assert scores["latency"].score == 0.5 and scores["latency"].passed is True


def test_a_custom_deepeval_metric_is_named_after_its_class():
    from deepeval.metrics import BaseMetric as DeepEvalBaseMetric
    from deepeval.test_case import LLMTestCaseParams as Params

    class ShortAnswer(DeepEvalBaseMetric):
        _required_params = [Params.ACTUAL_OUTPUT]  # noqa: RUF012 - DeepEval declares it this way

        def __init__(self, threshold=0.5):
            self.threshold = threshold

        def measure(self, test_case, *args, **kwargs):
            self.score = float(len(test_case.actual_output) < 20)
            self.success = self.score >= self.threshold
            return self.score

        async def a_measure(self, test_case, *args, **kwargs):
            return self.measure(test_case)

        def is_successful(self):
            return self.success

    items = [DatasetItem(id="short", actual_output="ok"), DatasetItem(id="long", actual_output="x" * 40)]
    result = evaluation_runner(items, [ShortAnswer()], "custom", show_progress=False)
    assert [(s.name, s.score, s.passed) for r in result.results for s in r.scores] == [
        ("short_answer", 1.0, True),
        ("short_answer", 0.0, False),
    ]


def test_a_deepeval_metric_measured_before_leaves_nothing_behind(server, deepeval_llm):
    from deepeval.test_case import LLMTestCase

    metric = AnswerRelevancyMetric(model=deepeval_llm, include_reason=False)
    metric.measure(LLMTestCase(input="q", actual_output="S9-0 [no]. S9-1 [no]."), _show_indicator=False)
    metric.error = "an earlier failure"
    assert metric.score == 0.0
    item = DatasetItem(id="fresh", query="q", actual_output="S1-0 [ok]. S1-1 [ok].")
    (score,) = evaluation_runner([item], [metric], "reused", show_progress=False).results[0].scores
    assert score.status == "scored" and score.score == 1.0
    assert metric.score == 0.0  # the user's object still holds its own measurement
