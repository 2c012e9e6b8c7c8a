"""Backends post spans and scores in batches: caps split big batches, failures stay contained.

The caps are checked both on a small ``BackendTracer`` that records what it would post
(to see each batch exactly) and on the real SDKs exporting to the collector.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from tracing_helpers import BACKENDS, nodes_of, scores_of

from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch
from axionlike.runners import evaluation_runner
from axionlike.tracing import configure_tracing
from axionlike.tracing._backend import BackendTracer, RecordedSpan, json_array


class RecordingTracer(BackendTracer):
    """Queues one JSON record per ended span and keeps the batches it is asked to post."""

    name = "Recording"
    post_order = ("spans", "scores")

    def __init__(self, *, fail: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fail = fail
        self.posted: list[tuple[str, list[bytes]]] = []

    def _open(self, span: RecordedSpan) -> None:
        span.span_id = span.name

    def _close(self, span: RecordedSpan) -> None:
        self.queue_json("spans", {"id": span.span_id, "output": span.output.text if span.output else None})
        for name, value, _ in span.scores:
            self.queue_json("scores", {"id": span.span_id, "name": name, "value": value})

    def _post(self, kind: str, records: list[Any]) -> None:
        if kind == self.fail:
            raise ConnectionError(f"cannot post {kind}")
        self.posted.append((kind, records))

    def _shutdown(self, timeout: float) -> None:
        """Nothing to stop."""


def _spans(tracer: BackendTracer, count: int, output: str = "x") -> None:
    for i in range(count):
        with tracer.span(f"s{i}") as span:
            span.set_output(output)
            span.record_score("score", float(i))


def _ids(batches: list[tuple[str, list[bytes]]], kind: str) -> list[str]:
    import json

    return [record["id"] for k, records in batches if k == kind for record in json.loads(json_array(records))]


def test_record_cap_splits_batches_and_keeps_every_record_in_order():
    tracer = RecordingTracer()
    tracer.batch_records = 4
    _spans(tracer, 10)
    tracer.flush()
    sizes = [(kind, len(records)) for kind, records in tracer.posted]
    assert all(size <= 4 for _, size in sizes) and len(sizes) >= 6
    assert _ids(tracer.posted, "spans") == [f"s{i}" for i in range(10)]
    assert _ids(tracer.posted, "scores") == [f"s{i}" for i in range(10)]
    tracer.shutdown()


def test_byte_cap_splits_batches_but_never_a_record():
    tracer = RecordingTracer()
    tracer.batch_bytes = 250
    _spans(tracer, 6, output="y" * 80)  # a span record is about 110 bytes, a score 40
    tracer.flush()
    for _, records in tracer.posted:
        assert len(json_array(records)) <= 250
    assert max(len(records) for kind, records in tracer.posted if kind == "spans") == 2
    assert _ids(tracer.posted, "spans") == [f"s{i}" for i in range(6)]

    tracer.batch_bytes = 10  # smaller than any record: each goes alone
    _spans(tracer, 3, output="z" * 100)
    tracer.flush()
    assert [len(records) for kind, records in tracer.posted[-6:]] == [1] * 6
    tracer.shutdown()


def test_failing_post_is_reported_once_and_other_batches_still_go(caplog):
    tracer = RecordingTracer(fail="spans", flush_timeout=2.0)
    tracer.batch_records = 3
    with caplog.at_level(logging.WARNING, logger="axionlike.tracing"):
        _spans(tracer, 9)
        tracer.flush()
    assert _ids(tracer.posted, "scores") == [f"s{i}" for i in range(9)]  # scores still posted
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "cannot post spans" in warnings[0].getMessage()
    tracer.shutdown()


ITEMS = [DatasetItem(id=f"i{i}", query=f"q{i}", actual_output="a", expected_output="a") for i in range(12)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_real_sdks_send_small_batches_that_all_arrive(backend, collector, point_sdk):
    point_sdk(backend, collector)
    tracer = configure_tracing(backend)
    tracer.batch_records = 5
    tracer.batch_bytes = 2_000
    result = evaluation_runner(ITEMS, [ExactMatch()], "batches", show_progress=False, max_concurrent=4)
    assert result.success_rate == 1.0

    nodes = nodes_of(backend, collector)
    [root] = [n for n in nodes if n.parent is None]
    assert sorted(n.input["item_id"] for n in nodes if n.parent == root.id) == sorted(i.id for i in ITEMS)
    scores = scores_of(backend, collector)
    assert sorted(s["target"] for s in scores) == sorted(n.id for n in nodes if n.parent == root.id)
    if backend == "langfuse":  # spans look as the SDK's own exporter sends them
        assert {s["scope"] for s in collector.langfuse_spans} == {"langfuse-sdk"}
        assert [s["attributes"].get("langfuse.internal.is_app_root") for s in collector.langfuse_spans].count(True) == 1
    span_path = "/api/public/otel/v1/traces" if backend == "langfuse" else "/api/v1/private/spans/batch"
    assert sum(path == span_path for _, path in collector.requests) >= 3


def test_langfuse_sends_nothing_when_its_tracing_is_switched_off(collector, point_sdk, monkeypatch):
    point_sdk("langfuse", collector)
    monkeypatch.setenv("LANGFUSE_TRACING_ENABLED", "false")
    configure_tracing("langfuse")
    result = evaluation_runner(ITEMS[:3], [ExactMatch()], "off", show_progress=False)
    configure_tracing("noop")
    assert result.success_rate == 1.0
    assert collector.langfuse_spans == [] and collector.langfuse_scores == []
