"""configure_tracing: modes, TRACING_MODE, missing packages and keys; the collector itself."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import axionlike
from axionlike._exceptions import ConfigurationError, MissingDependencyError
from axionlike.testing import TraceCollector
from axionlike.tracing import Tracer, configure_tracing, get_tracer

ROOT = Path(__file__).resolve().parents[2]


def test_noop_is_the_default_and_mode_comes_from_the_environment(monkeypatch, collector, point_sdk):
    monkeypatch.delenv("TRACING_MODE", raising=False)
    assert type(configure_tracing()) is Tracer
    assert get_tracer().enabled is False
    point_sdk("langfuse", collector)
    monkeypatch.setenv("TRACING_MODE", "Langfuse")
    tracer = configure_tracing()
    assert tracer.enabled and get_tracer() is tracer
    assert axionlike.configure_tracing is configure_tracing
    monkeypatch.setenv("TRACING_MODE", "noop")
    assert configure_tracing().enabled is False


def test_unknown_mode_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="unknown tracing mode 'datadog'.*langfuse, opik"):
        configure_tracing("datadog")


def test_langfuse_without_keys_says_which_variables(monkeypatch):
    monkeypatch.delenv("LANGFUSE_PUBLIC_KEY", raising=False)
    monkeypatch.delenv("LANGFUSE_SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY"):
        configure_tracing("langfuse")
    assert get_tracer().enabled is False


@pytest.mark.parametrize("mode", ["langfuse", "opik"])
def test_missing_package_names_the_extra(mode, tmp_path):
    """In an interpreter without site-packages the SDKs are really absent."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from axionlike.tracing import configure_tracing\n"
        "from axionlike._exceptions import MissingDependencyError\n"
        "try:\n"
        f"    configure_tracing({mode!r})\n"
        "except MissingDependencyError as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    out = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    assert out.stdout.startswith(MissingDependencyError.__name__), out.stderr
    assert f"pip install 'axionlike[{mode}]'" in out.stdout


def test_tracing_package_loads_no_sdk_until_configured():
    code = (
        "import sys, axionlike.tracing as t, axionlike.testing\n"
        "t.configure_tracing('noop')\n"
        "print(sorted(m for m in ('langfuse', 'opik', 'opentelemetry') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_collector_upserts_updates_before_creates_and_repeated_ids():
    with TraceCollector() as c:
        base = f"{c.url}/api/v1/private"
        span_id, trace_id = "01a2-span", "01a2-trace"
        with httpx.Client() as http:
            http.patch(f"{base}/spans/{span_id}", json={"trace_id": trace_id, "output": {"a": 1}}).raise_for_status()
            http.post(f"{base}/spans/batch", json={"spans": [{"id": span_id, "trace_id": trace_id, "name": "s"}]})
            http.post(f"{base}/spans/batch", json={"spans": [{"id": span_id, "trace_id": trace_id, "name": "s"}]})
            http.patch(f"{base}/traces/batch", json={"ids": [trace_id], "update": {"name": "t"}})
            http.put(f"{base}/spans/{span_id}/feedback-scores", json={"name": "m", "value": 1.0})
        assert c.opik_spans == {span_id: {"id": span_id, "trace_id": trace_id, "name": "s", "output": {"a": 1}}}
        assert c.opik_traces == {trace_id: {"id": trace_id, "name": "t"}}
        assert c.opik_feedback == [{"kind": "span", "id": span_id, "name": "m", "value": 1.0}]


def test_collector_merges_the_opik_sdk_update_path(collector, point_sdk):
    """The SDK's own create-then-update (Trace.end) arrives as a batch and a PATCH; one record results."""
    import opik
    from opik import id_helpers

    point_sdk("opik", collector)
    client = opik.Opik(project_name="collector-check", _show_misconfiguration_message=False)
    trace_id = id_helpers.generate_id()
    handle = client.trace(id=trace_id, name="created", input={"q": 1}, start_time=datetime.datetime.now(datetime.UTC))
    handle.end(output={"a": 2})
    assert client.flush(timeout=5)
    client.end(flush=False)
    record = collector.opik_traces[trace_id]
    assert (record["name"], record["input"], record["output"]) == ("created", {"q": 1}, {"a": 2})
    assert "end_time" in record
    paths = {(method, path.rsplit("/", 1)[-1]) for method, path in collector.requests}
    assert {("PATCH", trace_id), ("POST", "batch")} <= paths  # the update is a PATCH, often sent first
    assert os.environ["OPIK_URL_OVERRIDE"].startswith(collector.url)


def test_reconfiguring_langfuse_with_the_same_key_reaches_the_new_endpoint(monkeypatch):
    """The SDK caches one client per public key; a new configure_tracing must not reuse a dead one."""
    from axionlike.dataset import DatasetItem
    from axionlike.metrics import ExactMatch
    from axionlike.runners import evaluation_runner

    item = [DatasetItem(id="1", actual_output="a", expected_output="a")]
    with TraceCollector() as first, TraceCollector() as second:
        for collector in (first, second):
            for key, value in collector.langfuse_env(public_key="pk-lf-same-key").items():
                monkeypatch.setenv(key, value)
            configure_tracing("langfuse")
            evaluation_runner(item, [ExactMatch()], f"run at {collector.port}", show_progress=False)
        assert [s["name"] for s in first.langfuse_spans if s["parent_span_id"] is None] == [f"run at {first.port}"]
        assert [s["name"] for s in second.langfuse_spans if s["parent_span_id"] is None] == [f"run at {second.port}"]
