"""Traces across processes: on Ray, the spans the workers open join the driver's trace.

The same evaluation as ``test_backends`` (a traced task, an LLM-judge-like metric), run
with ``RayBackend``: the task's own spans and the judge's LLM spans are opened in the
worker processes, which export them with the real SDKs to the same local collector.
"""

from __future__ import annotations

import sys

import pytest
import test_backends
import tracing_helpers
from test_backends import assert_llm_spans, children, one, run
from tracing_helpers import BACKENDS, nodes_of

from axionlike.runners import RayBackend
from axionlike.tracing import configure_tracing

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.usefixtures("local_ray")
for _module in (test_backends, tracing_helpers, sys.modules[__name__]):
    ray.cloudpickle.register_pickle_by_value(_module)  # the workers cannot import the tests


@pytest.mark.parametrize("backend", BACKENDS)
def test_worker_spans_join_the_single_trace(backend, collector, point_sdk):
    point_sdk(backend, collector)
    configure_tracing(backend)
    run("single_trace", backend=RayBackend(workers=2))

    nodes = nodes_of(backend, collector)
    root = one(nodes, parent=None)
    assert {n.trace for n in nodes} == {root.trace}
    tasks = [n for n in children(nodes, root) if n.name == "task"]
    assert len(tasks) == 3
    for t in tasks:  # opened by a worker, under the driver's task span
        assert sorted(c.name for c in children(nodes, t)) == ["generate", "retrieve"]
    judges = [n for n in children(nodes, root) if n.name == "Judge.execute"]
    assert len(judges) == 3
    for judge in judges:
        assert_llm_spans(nodes, judge)
    assert len(nodes) == 1 + 3 * 3 + 3 + 3 * 3


@pytest.mark.parametrize("backend", BACKENDS)
def test_separate_traces_keep_their_worker_spans(backend, collector, point_sdk):
    point_sdk(backend, collector)
    configure_tracing(backend)
    result = run("separate", backend=RayBackend(workers=2))

    nodes = nodes_of(backend, collector)
    roots = [n for n in nodes if n.parent is None]
    assert len({r.trace for r in roots}) == 7
    for r in result.results:
        judge = next(s for s in r.scores if s.name == "judge")
        metric_root = one(roots, trace=judge.metadata["trace_id"])
        assert_llm_spans(nodes, metric_root)
