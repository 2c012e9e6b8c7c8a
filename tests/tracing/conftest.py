"""Tracing fixtures: a local collector and the SDK environment pointing at it."""

from __future__ import annotations

import uuid

import pytest

from axionlike.testing import TraceCollector
from axionlike.tracing import configure_tracing


@pytest.fixture(autouse=True)
def _noop_tracing_after_test():
    """Every test starts and ends with the noop tracer (the backend shut down, bounded)."""
    configure_tracing("noop")
    yield
    configure_tracing("noop")


@pytest.fixture
def collector():
    with TraceCollector() as running:
        yield running


@pytest.fixture
def point_sdk(monkeypatch):
    """Point a backend's SDK at a URL (fresh Langfuse key per test: the SDK caches clients by key)."""

    def point(backend: str, collector: TraceCollector) -> None:
        if backend == "langfuse":
            env = collector.langfuse_env(public_key=f"pk-lf-{uuid.uuid4().hex[:12]}")
        else:
            env = collector.opik_env()
        for key, value in env.items():
            monkeypatch.setenv(key, value)

    return point
