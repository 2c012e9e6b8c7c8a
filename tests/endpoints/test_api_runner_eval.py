"""APIRunner as the task of real evaluation runs: faults at scale, secrets, rate limit, config."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import zlib

import pytest
from api_server import FAST_RETRY

from axionlike._exceptions import ConfigurationError
from axionlike.dataset import DatasetItem
from axionlike.endpoints import APIRunner, Endpoint, EndpointAnswer
from axionlike.metrics import ExactMatch, Latency
from axionlike.runners import CacheConfig, evaluation_runner
from axionlike.tracing import Span, Tracer, set_tracer

MAPPING = {"actual_output": "response"}


pytestmark = pytest.mark.usefixtures("fresh_server")


def run(items, task, **kw):
    kw.setdefault("show_progress", False)
    kw.setdefault("scoring_key_mapping", MAPPING)
    return evaluation_runner(items, kw.pop("metrics", [ExactMatch()]), "api-eval", task=task, **kw)


# Faults injected on every tenth item, cycling through the kinds; what each must become.
FAULTS = {
    "429once": None,  # retried after Retry-After, then scored
    "500once": None,
    "droponce": None,
    "500": r"EndpointError: endpoint 'bot' answered HTTP 500 Internal Server Error for item '{id}': "
    r"upstream exploded: database unavailable \(gave up after 3 attempts\)",
    "badjson": r"EndpointError: endpoint 'bot' answered HTTP 200 with malformed JSON for item '{id}': "
    r"\{\"response\": \"unterminated",
    "noanswer": r"EndpointError: endpoint 'bot' answer for item '{id}' lacks its answer: path 'response' not found: "
    r"the top level has no 'response' \(keys there: result\)",
    "drop": r"EndpointError: endpoint 'bot' connection failed for item '{id}': RemoteProtocolError: .*"
    r"\(gave up after 3 attempts\)",
    "400": r"EndpointError: endpoint 'bot' answered HTTP 400 Bad Request for item '{id}': \{\"error\": \"bad request: query too long\"\}",
}


def test_200_items_with_injected_faults_end_scored_or_with_a_precise_error(server):
    kinds = list(FAULTS)
    items = []
    for i in range(200):
        query = f"{kinds[(i // 10) % len(kinds)]}:q{i}" if i % 10 == 0 else f"q{i}"
        items.append(DatasetItem(id=f"item-{i}", query=query, expected_output=f"echo: q{i}"))
    runner = APIRunner(config={"bot": {"api_url": server.url("/simple"), "retry": FAST_RETRY}})

    result = run(items, runner, max_concurrent=20, metrics=[ExactMatch(), Latency(threshold=5)])

    assert [r.id for r in result.results] == [f"item-{i}" for i in range(200)]  # none lost or duplicated
    errors = 0
    for i, r in enumerate(result.results):
        kind = items[i].query.partition(":")[0] if i % 10 == 0 else None
        expected = FAULTS.get(kind) if kind else None
        if expected is None:
            assert r.error is None, (r.id, r.error)
            assert r.score("exact_match").score == 1.0, r.id
            assert r.item.actual_output == f"echo: q{i}"
            assert r.item.latency == r.task_output["latency"]
            assert r.score("latency").score == r.task_output["latency"]
            assert r.task_output["metadata"]["api"]["status"] == 200
            assert r.task_output["metadata"]["api"]["attempts"] == (2 if kind else 1)
        else:
            errors += 1
            assert r.error is not None and r.error.phase == "task", r.id
            assert r.scores == []
            assert re.fullmatch(expected.replace("{id}", re.escape(r.id)), str(r.error)), str(r.error)
    faulty = [q for q in (i.query for i in items) if ":" in q]
    assert len(faulty) == 20  # 10% of the items
    assert (
        result.metadata["counts"]["task_errors"]
        == errors
        == sum(FAULTS[q.partition(":")[0]] is not None for q in faulty)
    )
    assert result.summary["exact_match"].count == 200 - errors
    # every non-faulty item was asked exactly once; no request sent twice for a success
    for i in range(200):
        if i % 10:
            assert len(server.state.seen(f"q{i}")) == 1


class RecordingTracer(Tracer):
    """Keeps every span's name, input, metadata, attributes and output (the tracing port)."""

    enabled = True

    def __init__(self) -> None:
        self.spans: list[dict] = []

    @contextlib.contextmanager
    def span(self, name, *, kind="span", input=None, metadata=None, new_trace=False):
        record = {"name": name, "kind": kind, "input": input, "metadata": metadata, "attributes": {}, "output": None}
        self.spans.append(record)

        class _Span(Span):
            def set_attributes(self, **kw):
                record["attributes"].update(kw)

            def set_output(self, output):
                record["output"] = output

        yield _Span()


def test_the_key_never_reaches_results_cache_spans_or_logs(server, tmp_path, caplog):
    key = "qq-private-credential-7f3a9"
    tracer = RecordingTracer()
    previous = set_tracer(tracer)
    caplog.set_level(logging.DEBUG)
    items = [
        DatasetItem(id="ok", query="fine", expected_output="echo: fine"),
        DatasetItem(id="leak", query="leakkey:x", expected_output="?"),
        DatasetItem(id="echo", query="echokey:x", expected_output="?"),
        DatasetItem(id="retry", query="500once:r", expected_output="echo: r"),
    ]
    runner = APIRunner(
        config={
            "bot": {"api_url": server.url("/simple"), "api_key": key, "headers": {"X-Trace": "t"}, "retry": FAST_RETRY}
        }
    )
    try:
        result = run(items, runner, cache_config=CacheConfig(cache_type="disk", cache_dir=tmp_path / "cache"))
    finally:
        set_tracer(previous)

    assert server.state.requests[0].headers["Authorization"] == f"Bearer {key}"  # it was really sent
    by_id = {r.id: r for r in result.results}
    assert by_id["ok"].score("exact_match").score == 1.0
    assert "[REDACTED]" in by_id["leak"].item.actual_output
    assert "HTTP 500" in by_id["echo"].error.message and "[REDACTED]" in by_id["echo"].error.message

    saved = tmp_path / "result.json"
    result.save(saved)
    assert key not in saved.read_text()
    assert key not in result.model_dump_json()
    with sqlite3.connect(tmp_path / "cache" / "cache.db") as db:  # every key and value on disk
        rows = db.execute("SELECT key, value FROM Cache").fetchall()
    entries = json.dumps([[k, json.loads(zlib.decompress(v))] for k, v in rows])
    assert "echo: fine" in entries  # the disk cache really holds the task outputs
    assert key not in entries
    assert key not in caplog.text
    assert key not in repr(runner) + repr(runner["bot"]) + repr(runner["bot"].config)
    assert key not in runner["bot"].config.model_dump_json()
    assert "retrying item 'retry'" in caplog.text  # retries are logged, redacted
    request_spans = [s for s in tracer.spans if s["name"] == "bot POST"]
    assert len(request_spans) >= 5  # one per attempt
    assert key not in json.dumps(tracer.spans, default=str)
    assert request_spans[0]["attributes"]["headers"]["Authorization"] == "[REDACTED]"
    assert request_spans[0]["attributes"]["headers"]["X-Trace"] == "t"
    assert {s["attributes"].get("status") for s in request_spans} == {200, 500}
    failed = [s for s in request_spans if s["attributes"]["status"] == 500]
    assert all("HTTP 500" in s["attributes"]["error"] for s in failed)


def test_disk_cache_rerun_sends_no_request(server, tmp_path):
    runner = APIRunner(config={"bot": {"api_url": server.url("/simple"), "api_key": "cache-key-123456"}})
    items = [DatasetItem(id=str(i), query=f"c{i}", expected_output=f"echo: c{i}") for i in range(5)]
    cache = CacheConfig(cache_type="disk", cache_dir=tmp_path)
    first = run(items, runner, cache_config=cache)
    assert len(server.state.requests) == 5
    second = run(items, runner, cache_config=cache)
    assert len(server.state.requests) == 5
    assert all(r.task_cached for r in second.results)
    assert [r.item.actual_output for r in second.results] == [r.item.actual_output for r in first.results]
    other = APIRunner(
        config={"bot": {"api_url": server.url("/simple"), "body_template": {"query": "{{query}}", "v": 2}}}
    )
    run(items, other, cache_config=cache)
    assert len(server.state.requests) == 10  # a different request template is a different task


def most_in_window(times: list[float], window: float) -> int:
    """The most requests the server saw arrive within any ``window`` seconds."""
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


RATE, WINDOW = 20.0, 0.5
RATE_BOUND = 1 + RATE * WINDOW + 2  # burst of 1, then one per 1/RATE s; 2 for arrival jitter


def test_rate_limit_spaces_requests_on_the_server_side(server):
    runner = APIRunner(config={"bot": {"api_url": server.url("/simple"), "requests_per_second": RATE}})
    items = [DatasetItem(id=str(i), query=f"r{i}", expected_output=f"echo: r{i}") for i in range(30)]
    result = run(items, runner, max_concurrent=20)
    assert result.summary["exact_match"].count == 30
    assert len(server.state.requests) == 30
    assert most_in_window([r.at for r in server.state.requests], WINDOW) <= RATE_BOUND


def test_without_rate_limit_the_same_run_exceeds_that_bound(server):
    runner = APIRunner(config={"bot": {"api_url": server.url("/simple")}})
    items = [DatasetItem(id=str(i), query=f"b{i}", expected_output=f"echo: b{i}") for i in range(30)]
    run(items, runner, max_concurrent=20)
    assert most_in_window([r.at for r in server.state.requests], WINDOW) > RATE_BOUND


def test_streaming_run_reports_ttft_beside_latency(server):
    runner = APIRunner(
        config={"s": {"api_url": server.url("/chat"), "preset": "openai_chat", "model": "m", "stream": True}}
    )
    items = [DatasetItem(id=str(i), query=f"w{i} x", expected_output=f"echo: w{i} x") for i in range(4)]
    result = run(items, runner, max_concurrent=4)
    for r in result.results:
        assert r.score("exact_match").score == 1.0
        assert 0 < r.item.get("time_to_first_token") <= r.item.latency


YAML = """
endpoints:
  staging:
    api_url: {simple}
    api_key_env: STAGING_BOT_CREDENTIAL
    requests_per_minute: 6000
    retry: {{attempts: 2, initial_wait: 0.01}}
  chat:
    api_url: {chat}
    preset: openai_chat
    model: small
"""


def test_yaml_config_with_two_endpoints(server, tmp_path, monkeypatch):
    monkeypatch.setenv("STAGING_BOT_CREDENTIAL", "yaml-env-credential-99")
    path = tmp_path / "endpoints.yaml"
    path.write_text(YAML.format(simple=server.url("/simple"), chat=server.url("/chat")))
    runner = APIRunner.from_yaml(path)
    assert list(runner) == ["staging", "chat"]
    items = [DatasetItem(id="1", query="hey", expected_output="echo: hey")]
    with pytest.raises(ConfigurationError, match=r"2 endpoints \('staging', 'chat'\); pick one .*api_runner\['name'\]"):
        run(items, runner)
    assert server.state.requests == []
    for name in ("staging", "chat"):
        result = run(items, runner[name])
        assert result.results[0].score("exact_match").score == 1.0, name
        assert result.metadata["config"]["task"]["task"]["endpoint"] == name
    assert server.state.requests[0].headers["Authorization"] == "Bearer yaml-env-credential-99"
    with pytest.raises(ConfigurationError, match=r"no endpoint 'prod'; it has: staging, chat"):
        runner["prod"]


def test_yaml_errors_are_clear(tmp_path):
    with pytest.raises(ConfigurationError, match=r"cannot read"):
        APIRunner.from_yaml(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("- just a list\n")
    with pytest.raises(ConfigurationError, match=r"must map endpoint names to their settings"):
        APIRunner.from_yaml(bad)


class TokenEndpoint(Endpoint):
    """An endpoint behind a token flow whose answer sits in an odd place."""

    endpoint_type = "token_flow"

    async def auth_headers(self, client):
        from axionlike._redact import register_secret

        token = (await client.post(self.config.api_url.replace("/nested", "/token"), json={})).json()["token"]
        register_secret(token)
        return {"Authorization": f"Token {token}", "X-Client": self.api_key}

    def parse_response(self, data, item):
        return EndpointAnswer(
            response=data["data"]["answer"]["text"].upper(), extra={"n_sources": len(data["data"]["sources"])}
        )


def test_custom_endpoint_subclass_registered_by_type(server):
    runner = APIRunner(
        config={"c": {"api_url": server.url("/nested"), "type": "token_flow", "api_key": "client-id-0042"}}
    )
    assert isinstance(runner["c"], TokenEndpoint)
    items = [DatasetItem(id="1", query="custom", expected_output="ECHO: CUSTOM")]
    result = run(items, runner)
    r = result.results[0]
    assert r.score("exact_match").score == 1.0
    assert r.task_output["n_sources"] == 1
    token_calls = [s for s in server.state.requests if s.path == "/token"]
    answer_calls = [s for s in server.state.requests if s.path == "/nested"]
    assert len(token_calls) == 1 and answer_calls[0].headers["Authorization"].startswith("Token tok-")
    assert answer_calls[0].headers["X-Client"] == "client-id-0042"
    assert "client-id-0042" not in result.model_dump_json()


async def test_runs_inside_a_running_event_loop(server):
    runner = APIRunner(config={"bot": {"api_url": server.url("/simple")}})
    items = [DatasetItem(id="1", query="in loop", expected_output="echo: in loop")]
    result = run(items, runner)  # the one-liner runs the engine on its own loop in a thread
    assert result.results[0].score("exact_match").score == 1.0
    result = run(items, runner)
    assert result.results[0].score("exact_match").score == 1.0


def test_seed_example_shape(server):
    """The seed's own snippet: api_url and api_key only, passed directly as task=."""
    api_runner = APIRunner(config={"my_chatbot": {"api_url": server.url("/simple"), "api_key": "seed-key-000111"}})
    dataset = [DatasetItem(query="How do I reset my password?", expected_output="echo: How do I reset my password?")]
    results = evaluation_runner(
        evaluation_inputs=dataset,
        task=api_runner,
        scoring_metrics=[ExactMatch()],
        scoring_key_mapping={"actual_output": "response"},
        evaluation_name="API Evaluation",
        show_progress=False,
    )
    assert results.success_rate == 1.0
    assert results.results[0].item.actual_output == "echo: How do I reset my password?"


def test_cli_run_with_an_api_runner_task(server, tmp_path, capsys):
    from axionlike.cli import main
    from axionlike.results import EvaluationResult

    (tmp_path / "data.jsonl").write_text(
        "\n".join(json.dumps({"id": str(i), "query": f"c{i}", "expected_output": f"echo: c{i}"}) for i in range(3))
    )
    (tmp_path / "endpoints.yaml").write_text(YAML.format(simple=server.url("/simple"), chat=server.url("/chat")))
    (tmp_path / "eval.yaml").write_text(
        "dataset: data.jsonl\n"
        "task: {api_runner: endpoints.yaml, endpoint: chat}\n"
        "scoring_key_mapping: {actual_output: response}\n"
        "metrics: [exact_match]\n"
        "output: result.json\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STAGING_BOT_CREDENTIAL", "cli-env-credential-5")
        assert main(["run", str(tmp_path / "eval.yaml"), "--quiet"]) == 0
    result = EvaluationResult.load(tmp_path / "result.json")
    assert result.summary["exact_match"].mean == 1.0
    assert {s.path for s in server.state.requests} == {"/chat"}
    (tmp_path / "bad.yaml").write_text("dataset: data.jsonl\ntask: {url: x}\nmetrics: [exact_match]\n")
    assert main(["run", str(tmp_path / "bad.yaml")]) == 2
    assert "{api_runner: <endpoints YAML>, endpoint: <name>}" in capsys.readouterr().err


class _ClosingTask:
    """A task holding a resource; its aclose fails, which must not fail the run."""

    def __init__(self):
        self.closed_on = []

    async def __call__(self, item):
        return {"response": "echo: " + item.query}

    async def aclose(self):
        import asyncio

        self.closed_on.append(asyncio.get_running_loop())
        raise RuntimeError("close failed for api key qq-close-secret-123456")


def test_the_engine_closes_the_task_and_logs_a_failed_close(caplog):
    from axionlike._redact import register_secret

    register_secret("qq-close-secret-123456")
    task = _ClosingTask()
    items = [DatasetItem(id="1", query="a", expected_output="echo: a")]
    result = run(items, task)
    assert result.results[0].score("exact_match").score == 1.0
    assert len(task.closed_on) == 1
    assert "closing the task failed: RuntimeError: close failed" in caplog.text
    assert "qq-close-secret-123456" not in caplog.text
