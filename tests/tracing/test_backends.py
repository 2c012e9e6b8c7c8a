"""The real Langfuse and Opik SDKs export an evaluation's spans to the local collector.

Every assertion is on what the collector decoded (OTLP protobuf for Langfuse, JSON
batches for Opik): names, parent links, attributes, scores, for both granularities.
"""

from __future__ import annotations

import asyncio
import logging
import random

import pytest
from tracing_helpers import BACKENDS, Judge, nodes_of, scores_of

from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch
from axionlike.runners import evaluation_runner
from axionlike.testing import TraceCollector
from axionlike.tracing import configure_tracing, span, trace

ITEMS = [DatasetItem(id=f"item-{i}", query=f"question {i}", expected_output="x" * (i + 1)) for i in range(3)]


@trace
def retrieve(query: str) -> list[str]:
    return [f"doc for {query}"]


def task(item: DatasetItem) -> dict:
    docs = retrieve(item.query)
    with span("generate", input={"query": item.query, "docs": docs}) as generated:
        answer = item.expected_output
        generated.set_output({"answer": answer})
    return {"actual_output": answer}


def run(granularity: str, **kw):
    kw.setdefault("task", task)
    kw.setdefault("scoring_metrics", [ExactMatch(), Judge()])
    return evaluation_runner(
        ITEMS,
        evaluation_name="RAG Quality Check",
        trace_granularity=granularity,
        show_progress=False,
        **kw,
    )


def children(nodes, parent):
    return [n for n in nodes if n.parent == parent.id]


def one(nodes, **match):
    found = [n for n in nodes if all(getattr(n, k) == v for k, v in match.items())]
    assert len(found) == 1, (match, found)
    return found[0]


def assert_llm_spans(nodes, metric_node):
    structured = one(children(nodes, metric_node), name="litellm_structured")
    call = one(children(nodes, structured), name="llm_call")
    assert call.trace == metric_node.trace
    assert call.generation and call.model == "gpt-4o-mini"
    assert call.cost == pytest.approx(0.0025)
    if "input" in call.usage:  # Langfuse usage keys; cached prompt tokens apart
        assert call.usage == {"input": 20, "input_cached_tokens": 100, "output": 30, "total": 150}
    else:  # Opik shows OpenAI keys
        assert (call.usage["prompt_tokens"], call.usage["completion_tokens"], call.usage["total_tokens"]) == (
            120,
            30,
            150,
        )
        assert call.usage["original_usage.prompt_tokens_details.cached_tokens"] == 100
    assert call.input["item_id"] == metric_node.input["item_id"]
    assert call.output == {"verdict": f"judged {metric_node.input['item_id']}"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_single_trace_tree(backend, collector, point_sdk):
    point_sdk(backend, collector)
    configure_tracing(backend)
    result = run("single_trace")

    nodes = nodes_of(backend, collector)
    root = one(nodes, parent=None)
    assert root.name == "RAG Quality Check"
    assert root.metadata["metrics"] == ["exact_match", "judge"]
    assert {n.trace for n in nodes} == {root.trace}
    tasks = [n for n in children(nodes, root) if n.name == "task"]
    assert sorted(t.input for t in tasks) == [i.query for i in ITEMS]
    for t in tasks:
        item = next(i for i in ITEMS if i.query == t.input)
        assert t.output["actual_output"] == item.expected_output
        assert one(children(nodes, t), name="retrieve").input == {"query": item.query}
        assert one(children(nodes, t), name="generate").output == {"answer": item.expected_output}
    metric_nodes = [n for n in children(nodes, root) if n.name.endswith(".execute")]
    assert sorted(n.name for n in metric_nodes) == ["ExactMatch.execute"] * 3 + ["Judge.execute"] * 3
    for judge in (n for n in metric_nodes if n.name == "Judge.execute"):
        assert_llm_spans(nodes, judge)
    assert len(nodes) == 1 + 3 * 3 + 3 + 3 * 3

    # every MetricScore is a score on its metric span, in the one trace
    scores = scores_of(backend, collector)
    by_target = {(s["target"], s["name"]): s for s in scores}
    assert len(scores) == 6
    for r in result.results:
        for s in r.scores:
            assert "trace_id" not in s.metadata
            span_name = {"exact_match": "ExactMatch.execute", "judge": "Judge.execute"}[s.name]
            [node] = [n for n in metric_nodes if n.name == span_name and n.input["item_id"] == r.item.id]
            recorded = by_target[(node.id, s.name)]
            assert recorded["value"] == s.score
            assert recorded.get("trace", root.trace) == root.trace
    judged = [s for s in scores if s["name"] == "judge"]
    assert sorted(s["comment"] for s in judged) == sorted(f"judged {i.id}" for i in ITEMS)


@pytest.mark.parametrize("backend", BACKENDS)
def test_separate_traces_one_per_metric_execution(backend, collector, point_sdk):
    point_sdk(backend, collector)
    configure_tracing(backend)
    result = run("separate")

    nodes = nodes_of(backend, collector)
    roots = [n for n in nodes if n.parent is None]
    assert sorted(r.name for r in roots) == ["ExactMatch.execute"] * 3 + ["Judge.execute"] * 3 + ["RAG Quality Check"]
    assert len({r.trace for r in roots}) == 7
    run_root = one(roots, name="RAG Quality Check")
    assert sorted(n.input for n in children(nodes, run_root)) == [i.query for i in ITEMS]  # task spans stay there
    scores = scores_of(backend, collector)
    for r in result.results:
        for s in r.scores:
            trace_id = s.metadata["trace_id"]
            metric_root = one(roots, trace=trace_id)
            assert metric_root.input["item_id"] == r.item.id
            assert metric_root.output["score"] == s.score
            in_trace = [n for n in nodes if n.trace == trace_id]
            if s.name == "judge":
                assert_llm_spans(nodes, metric_root)
                assert len(in_trace) == 3
            else:
                assert in_trace == [metric_root]
            recorded = [x for x in scores if x["target"] == metric_root.id]
            assert [(x["name"], x["value"]) for x in recorded] == [(s.name, s.score)]
            if backend == "opik":
                assert recorded[0]["kind"] == "trace"
            else:
                assert recorded[0]["trace"] == trace_id


async def _slow_task(item: DatasetItem) -> dict:
    await asyncio.sleep(random.random() / 50)

    @trace(name="inner")
    async def inner(item_id: str) -> str:
        await asyncio.sleep(random.random() / 50)
        with span("leaf", input={"item_id": item_id}):
            await asyncio.sleep(random.random() / 50)
        return item_id

    return {"actual_output": await inner(item.id)}


@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_concurrent_items_keep_their_own_parents(backend, collector, point_sdk):
    point_sdk(backend, collector)
    configure_tracing(backend)
    items = [DatasetItem(id=f"c{i}", query=f"c{i}", expected_output=f"c{i}") for i in range(50)]
    result = evaluation_runner(
        items,
        [Judge(delay=0.005), ExactMatch()],
        "concurrency",
        task=_slow_task,
        max_concurrent=50,
        show_progress=False,
    )
    assert result.success_rate == 1.0

    nodes = nodes_of(backend, collector)
    by_id = {n.id: n for n in nodes}
    leaves = [n for n in nodes if n.name == "leaf"]
    calls = [n for n in nodes if n.name == "llm_call"]
    assert len(leaves) == 50 and len(calls) == 50
    for leaf in leaves:
        inner = by_id[leaf.parent]
        task_node = by_id[inner.parent]
        assert (inner.name, task_node.name) == ("inner", "_slow_task")
        assert leaf.input["item_id"] == inner.input["item_id"] == task_node.input
    for call in calls:
        structured = by_id[call.parent]
        metric_node = by_id[structured.parent]
        assert metric_node.name == "Judge.execute"
        assert call.input["item_id"] == structured.input["item_id"] == metric_node.input["item_id"]


def _tracing_warnings(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("failure", ["connection_refused", "http_500", "slow"])
def test_broken_backend_never_breaks_the_run(backend, failure, point_sdk, caplog):
    baseline = run("single_trace")
    collector = TraceCollector(delay=3.0 if failure == "slow" else 0.0).start()
    if failure == "http_500":
        collector.fail_with(500)
    point_sdk(backend, collector)
    if failure == "connection_refused":
        collector.stop()
    try:
        configure_tracing(backend, flush_timeout=0.5)
        with caplog.at_level(logging.WARNING):
            result = run("separate" if failure == "slow" else "single_trace")
    finally:
        collector.stop()

    assert [[(s.name, s.score, s.status) for s in r.scores] for r in result.results] == [
        [(s.name, s.score, s.status) for s in r.scores] for r in baseline.results
    ]
    assert result.success_rate == 1.0
    warnings = _tracing_warnings(caplog)
    assert len(warnings) == 1, [w.getMessage() for w in warnings]
    assert warnings[0].name == "axionlike.tracing"
    assert "evaluation goes on" in warnings[0].getMessage()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_backend_far_behind_drops_spans_instead_of_queueing_them(backend, point_sdk, caplog):
    collector = TraceCollector(delay=3.0).start()  # every post hangs for 3 s
    point_sdk(backend, collector)
    try:
        tracer = configure_tracing(backend, flush_timeout=0.5)
        tracer.batch_records = 1  # the worker posts at the first span, then stays stuck
        tracer.max_queued_spans = 3
        with caplog.at_level(logging.WARNING):
            result = run("separate")
    finally:
        collector.stop()
    assert result.success_rate == 1.0
    warnings = _tracing_warnings(caplog)
    assert len(warnings) == 1, [w.getMessage() for w in warnings]
    assert "3 spans behind; new spans are dropped" in warnings[0].getMessage()


@pytest.mark.parametrize("backend", BACKENDS)
def test_text_with_a_lone_surrogate_is_traced(backend, collector, point_sdk, caplog):
    """A lone surrogate cannot be encoded as UTF-8: span payloads carry it as its JSON escape."""
    point_sdk(backend, collector)
    configure_tracing(backend)
    odd = [DatasetItem(id="odd", query="caf\udcc3 \udfff", expected_output="x")]
    with caplog.at_level(logging.WARNING, logger="axionlike.tracing"):
        result = evaluation_runner(odd, [ExactMatch()], "surrogates", task=task, show_progress=False)
    assert result.success_rate == 1.0
    assert "reported a problem" not in caplog.text
    task_span = one(nodes_of(backend, collector), name="task")
    assert task_span.input == "caf\udcc3 \udfff"  # decoded back from the escape: nothing lost
