"""What reaches a span: no secrets, bounded sizes, errors marked, user spans nested."""

from __future__ import annotations

import asyncio
import os

import pytest
from tracing_helpers import BACKENDS, nodes_of

from axionlike._redact import register_secret
from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch
from axionlike.results import MetricScore
from axionlike.runners import evaluation_runner
from axionlike.tracing import configure_tracing, observe, span, trace

SECRET_ENV = "sk-proj-envsecret1234567890"
SECRET_REGISTERED = "registered-api-key-98765"
SECRET_HEADER = "Bearer abcdef0123456789xyz"
PATIENT = "Jane Q. Patient"


@trace
def call_backend(query: str, api_key: str, headers: dict) -> dict:
    return {"answer": query.upper(), "patient_name": PATIENT, "echo_key": api_key}


@trace
def grade_locally(answer: str) -> MetricScore:
    return MetricScore(name="local", score=1.0, metadata={"patient_name": PATIENT, "note": f"key {SECRET_ENV}"})


def leaky_task(item: DatasetItem) -> dict:
    out = call_backend(item.query, api_key=SECRET_REGISTERED, headers={"Authorization": SECRET_HEADER})
    grade_locally(out["answer"])  # a dataclass output is masked like a dict
    with span("log", input={"note": f"used key {SECRET_ENV} for {item.query}", "patient_name": PATIENT}):
        pass
    return {"actual_output": out["answer"], "patient_name": PATIENT, "debug": f"Authorization: {SECRET_HEADER}"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_no_secret_reaches_a_span(backend, collector, point_sdk, monkeypatch):
    point_sdk(backend, collector)
    monkeypatch.setenv("MY_SERVICE_API_KEY", SECRET_ENV)
    register_secret(SECRET_REGISTERED)
    configure_tracing(backend, sensitive_fields=["patient_name"])
    result = evaluation_runner(
        [DatasetItem(id="s1", query="hello", expected_output="HELLO")],
        [ExactMatch()],
        "secrets",
        task=leaky_task,
        show_progress=False,
    )
    assert result.results[0].scores[0].score == 1.0

    text = collector.payload_text()
    names = {n.name for n in nodes_of(backend, collector)}
    assert {"call_backend", "grade_locally", "log", "leaky_task", "ExactMatch.execute", "secrets"} <= names
    for secret in (SECRET_ENV, SECRET_REGISTERED, "abcdef0123456789xyz", PATIENT):
        assert secret not in text
    assert "[REDACTED]" in text
    assert "HELLO" in text  # the rest of the payload is still there
    for key in ("LANGFUSE_SECRET_KEY", "LANGFUSE_PUBLIC_KEY"):
        if os.environ.get(key):
            assert os.environ[key] not in text


@pytest.mark.parametrize("backend", BACKENDS)
def test_payloads_are_truncated_to_the_configured_size(backend, collector, point_sdk):
    point_sdk(backend, collector)
    configure_tracing(backend, max_field_chars=300)
    evaluation_runner(
        [DatasetItem(id="big", query="q", expected_output="y" * 5000)],
        [ExactMatch()],
        "sizes",
        task=lambda item: {"actual_output": item.expected_output},
        show_progress=False,
    )
    task_node = next(n for n in nodes_of(backend, collector) if n.name == "<lambda>")
    output = task_node.output if isinstance(task_node.output, str) else str(task_node.output)
    assert "[truncated" in output
    assert len(output) < 400


@pytest.mark.parametrize("backend", BACKENDS)
def test_user_spans_nest_under_the_task_span_and_mark_errors(backend, collector, point_sdk):
    point_sdk(backend, collector)
    configure_tracing(backend)

    @observe(name="lookup")
    async def lookup(query: str) -> str:
        await asyncio.sleep(0)
        if query == "bad":
            raise ValueError("no such document")
        return f"doc:{query}"

    @trace
    def rerank(docs: list[str]) -> list[str]:
        with span("score_docs", input={"n": len(docs)}) as scored:
            scored.set_output({"best": docs[0]})
        return sorted(docs)

    async def rag_task(item: DatasetItem) -> dict:
        with span("retrieve", input={"query": item.query}):
            try:
                docs = [await lookup(item.query)]
            except ValueError:
                docs = ["fallback"]
        return {"actual_output": rerank(docs)[0]}

    items = [DatasetItem(id="ok", query="good", expected_output="doc:good"), DatasetItem(id="ko", query="bad")]
    result = evaluation_runner(items, [ExactMatch()], "user spans", task=rag_task, show_progress=False)
    assert [r.task_output["actual_output"] for r in result.results] == ["doc:good", "fallback"]

    nodes = nodes_of(backend, collector)
    by_id = {n.id: n for n in nodes}
    for query in ("good", "bad"):
        task_node = next(n for n in nodes if n.name == "rag_task" and n.input == query)
        retrieve = next(n for n in nodes if n.name == "retrieve" and n.parent == task_node.id)
        looked_up = next(n for n in nodes if n.name == "lookup" and n.parent == retrieve.id)
        assert looked_up.input == {"query": query}
        reranked = next(n for n in nodes if n.name.endswith("rerank") and n.parent == task_node.id)
        scored = next(n for n in nodes if n.name == "score_docs" and n.parent == reranked.id)
        assert by_id[scored.parent] is reranked
        assert looked_up.error is (query == "bad")
        if query == "good":
            assert looked_up.output in ("doc:good", {"output": "doc:good"})


def test_user_spans_are_plain_calls_without_a_backend():
    @trace
    def add(a: int, b: int) -> int:
        return a + b

    @observe(name="twice", capture_input=False)
    async def twice(x: int) -> int:
        return 2 * x

    with span("outer") as outer:
        outer.set_output("ignored")
        assert add(1, 2) == 3
        assert asyncio.run(twice(4)) == 8
    assert add.__name__ == "add"
    with pytest.raises(ZeroDivisionError), span("failing"):
        1 / 0  # noqa: B018
