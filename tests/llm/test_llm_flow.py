"""Flow control, spans, prompt caching markers, API-key preflight and lazy litellm import."""

import asyncio
import os
import subprocess
import sys
import time

import pytest
from llm_recording_tracer import RecordingTracer

from axionlike._exceptions import ConfigurationError, LLMError
from axionlike.llm import LLMClient, check_api_key, mark_cacheable, set_model_limits
from axionlike.llm._limits import AdaptiveLimiter, model_limits
from axionlike.testing import Fault
from axionlike.tracing import set_tracer

pytestmark = pytest.mark.usefixtures("fast_llm_retries")
MESSAGES = [{"role": "user", "content": "hello"}]


def _client(server, **kw):
    return LLMClient("openai/gpt-4o-mini", api_base=server.api_base, api_key="dummy-local-key", **kw)


async def test_limiter_halves_on_rate_limit_once_per_window_and_grows_back():
    limiter = AdaptiveLimiter(max_in_flight=16)
    generations = [await limiter.acquire() for _ in range(8)]
    limiter.on_rate_limited(generations[0])
    limiter.on_rate_limited(generations[1])  # same window: no second decrease
    assert limiter.limit == 4 and limiter.decreases == 1
    for _ in range(8):
        limiter.release()
    for _ in range(4):
        limiter.on_success()
    assert limiter.limit == pytest.approx(5, abs=0.1)
    for _ in range(200):
        limiter.on_success()
    assert limiter.limit == 16


async def test_limiter_blocks_beyond_the_limit_and_hands_slots_over():
    limiter = AdaptiveLimiter(max_in_flight=2)
    await limiter.acquire()
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.01)
    assert not waiter.done() and limiter.in_flight == 2
    limiter.release()
    await asyncio.wait_for(waiter, 1)
    assert limiter.in_flight == 2
    cancelled = asyncio.create_task(limiter.acquire())
    await asyncio.sleep(0.01)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    limiter.release()
    limiter.release()
    assert limiter.in_flight == 0


async def test_rate_limits_lower_the_calls_in_flight(fake_llm):
    client = _client(fake_llm)
    await client.complete(MESSAGES)  # warm up: litellm loaded, connection pool open
    fake_llm.reset()
    fake_llm.latency = 0.05
    fake_llm.fail_next(Fault.status(429, retry_after=0.01), times=12)
    await asyncio.gather(*(client.complete([{"role": "user", "content": f"q{i}"}]) for i in range(24)))
    limiter = model_limits("openai/gpt-4o-mini", fake_llm.api_base).limiter
    retried = [r.in_flight for r in fake_llm.chat_requests if r.call > 24]
    assert len(retried) == 12
    # all 24 were admitted before the first 429 came back, so the limit fell to 12; successes
    # raise it by about 1 per 12 calls, so the retries never see more than ~13 in flight
    assert limiter.decreases >= 1 and limiter.limit < 16
    assert max(retried) <= 13


async def test_requests_per_minute_spaces_requests(fake_llm):
    set_model_limits("openai/gpt-4o-mini", api_base=fake_llm.api_base, requests_per_minute=600)
    client = _client(fake_llm)
    started = time.monotonic()
    await asyncio.gather(*(client.complete(MESSAGES) for _ in range(4)))
    assert time.monotonic() - started >= 0.3  # 4 requests at 0.1 s spacing: the last starts >= 0.3 s in
    assert fake_llm.calls == 4


async def test_spans_nest_structured_over_llm_call_with_usage(fake_llm):
    from pydantic import BaseModel

    class Answer(BaseModel):
        value: float

    tracer = RecordingTracer()
    previous = set_tracer(tracer)
    try:
        with tracer.span("Metric.execute", kind="metric"):
            await _client(fake_llm).structured(MESSAGES, Answer)
    finally:
        set_tracer(previous)
    (structured,) = tracer.named("litellm_structured")
    (call,) = tracer.named("llm_call")
    assert structured.parent.name == "Metric.execute" and call.parent is structured
    assert call.attributes["model"] == "openai/gpt-4o-mini"
    assert call.attributes["prompt_tokens"] > 0 and call.attributes["completion_tokens"] > 0
    assert call.attributes["cached_tokens"] == 0 and call.attributes["cost"] > 0
    assert "dummy-local-key" not in tracer.dump()


def test_mark_cacheable_marks_system_and_end_of_prefix():
    messages = [
        {"role": "system", "content": "rules"},
        {"role": "user", "content": "example question"},
        {"role": "assistant", "content": "example answer"},
        {"role": "user", "content": "the item"},
    ]
    marked = mark_cacheable(messages, prefix_length=3)
    assert marked[0]["content"] == [{"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}]
    assert marked[1]["content"] == "example question"
    assert marked[2]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert marked[3]["content"] == "the item"
    assert messages[0]["content"] == "rules"  # the input is not changed


async def test_cache_markers_reach_the_provider_and_cached_tokens_come_back(fake_llm):
    messages = mark_cacheable([{"role": "system", "content": "judge rules " * 30}, *MESSAGES], prefix_length=1)
    client = _client(fake_llm)
    first = await client.complete(messages)
    second = await client.complete(messages)
    sent = fake_llm.chat_requests[0].body["messages"][0]["content"][0]
    assert sent["cache_control"] == {"type": "ephemeral"}
    assert first.usage.cached_tokens == 0
    assert second.usage.cached_tokens > 0


def test_missing_key_names_the_environment_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        check_api_key("gpt-4o")
    with pytest.raises(ConfigurationError, match="ANTHROPIC_API_KEY"):
        check_api_key("anthropic/claude-3-5-sonnet-latest", who="metric 'faithfulness'")
    check_api_key("gpt-4o", api_key="given")
    check_api_key("openai/local", api_base="http://127.0.0.1:8000/v1")
    check_api_key("ollama/llama3")  # credentials not kept in one variable: left to the provider
    monkeypatch.setenv("OPENAI_API_KEY", "set-in-env")
    check_api_key("openai/gpt-4o-mini")


def _in_a_fresh_process(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=os.getcwd(), timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_an_openai_compatible_judge_never_imports_litellm(fake_llm):
    code = (
        "import sys\n"
        "from axionlike.metrics import Faithfulness\n"
        "from axionlike.dataset import DatasetItem\n"
        "from axionlike.runners import evaluation_runner\n"
        f"m = Faithfulness(model_name='openai/judge', api_base='{fake_llm.api_base}', api_key='dummy-key')\n"
        "r = evaluation_runner([DatasetItem(actual_output='a', retrieved_content=['c'])], [m], 'x', show_progress=False, summary_generator=None)\n"
        "print(r.results[0].scores[0].status, 'litellm' in sys.modules)\n"
    )
    assert _in_a_fresh_process(code) == "scored False"


def test_a_client_on_the_litellm_route_starts_importing_it_when_set_up():
    code = (
        "import sys, time\n"
        "from axionlike.llm import LLMClient\n"
        "client = LLMClient('anthropic/claude-3-5-haiku-latest', api_key='dummy-key')\n"
        "print('litellm' in sys.modules)\n"
        "client.preflight()  # the engine calls it when the run is set up\n"
        "deadline = time.monotonic() + 60\n"
        "while 'litellm' not in sys.modules and time.monotonic() < deadline: time.sleep(0.01)\n"
        "print('litellm' in sys.modules)\n"
    )
    assert _in_a_fresh_process(code).split() == ["False", "True"]


@pytest.mark.parametrize(("user_value", "expected"), [(None, "True"), ("False", "False")])
def test_first_load_uses_the_local_price_map_unless_the_user_chose(monkeypatch, user_value, expected):
    from axionlike.llm._transports import _litellm

    monkeypatch.setattr(_litellm, "_module", None)  # forget the load so the first-load path runs again
    if user_value is None:
        monkeypatch.delenv("LITELLM_LOCAL_MODEL_COST_MAP", raising=False)
    else:
        monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", user_value)
    module = _litellm.load_litellm()
    assert module.__name__ == "litellm" and module.suppress_debug_info is True
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == expected
    assert _litellm.import_seconds is not None


async def test_litellm_turns_the_markers_into_anthropic_cache_control(fake_llm):
    # The fake server speaks OpenAI only; it still records the Anthropic request litellm sends.
    client = LLMClient("anthropic/claude-3-5-haiku-20241022", api_base=fake_llm.url, api_key="dummy-anthropic-key")
    messages = [
        {"role": "system", "content": "judge rules"},
        {"role": "user", "content": "example"},
        {"role": "assistant", "content": "verdict"},
        {"role": "user", "content": "the item"},
    ]
    with pytest.raises(LLMError, match="HTTP 404, not retried"):
        await client.complete(mark_cacheable(messages, prefix_length=3))
    (request,) = fake_llm.requests
    assert request.path == "/v1/messages"
    assert request.body["system"] == [{"type": "text", "text": "judge rules", "cache_control": {"type": "ephemeral"}}]
    assert request.body["messages"][1]["content"][0]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in request.body["messages"][2]["content"][0]


def test_engine_sums_llm_calls_made_anywhere_inside_a_metric(fake_llm):
    """What the Ragas/DeepEval adapters rely on: the engine opens one usage scope per execution."""
    from axionlike.runners import evaluation_runner

    client = _client(fake_llm)

    async def two_calls(item):
        await asyncio.gather(client.complete([{"role": "user", "content": item.query}]), client.complete(MESSAGES))
        return 1.0

    def sync_call_then_fail(item):
        client.complete_sync([{"role": "user", "content": item.query}])
        raise ValueError("scored nothing")

    result = evaluation_runner(
        [{"query": "a"}, {"query": "b"}], [two_calls, sync_call_then_fail], "scopes", show_progress=False
    )
    ok = [r.score("two_calls") for r in result.results]
    failed = [r.score("sync_call_then_fail") for r in result.results]
    assert all(s.usage.calls == 2 and s.usage.cost > 0 for s in ok)
    assert all(s.status == "error" and s.usage.calls == 1 for s in failed)
    assert result.metadata["usage"]["calls"] == 6 == fake_llm.calls
    assert result.metadata["usage"]["cost"] == pytest.approx(sum(s.usage.cost for s in ok + failed))


def test_a_judge_follows_a_new_base_url_in_the_environment(monkeypatch):
    """Judges with the same settings share one client for the process; when OPENAI_BASE_URL
    changes (a notebook's second local server), their calls go to the new server."""
    from axionlike.dataset import DatasetItem
    from axionlike.metrics import Faithfulness
    from axionlike.runners import evaluation_runner
    from axionlike.testing import FakeLLMServer

    monkeypatch.setenv("OPENAI_API_KEY", "dummy-key")
    item = DatasetItem(id="q", actual_output="Paris is in France.", retrieved_content=["Paris is in France."])
    seen = []
    for _ in range(2):
        with FakeLLMServer() as server:
            monkeypatch.setenv("OPENAI_BASE_URL", server.api_base)
            result = evaluation_runner(
                [item], [Faithfulness(model_name="openai/judge")], "x", show_progress=False, summary_generator=None
            )
            seen.append((result.results[0].scores[0].status, server.calls > 0))
    assert seen == [("scored", True), ("scored", True)]
