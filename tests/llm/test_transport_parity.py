"""The two routes side by side: the same requests through the direct transport and through litellm,
against the same local server, give the same answers, usage, cost, errors, spans and cache keys."""

from __future__ import annotations

import pytest
from llm_recording_tracer import RecordingTracer
from pydantic import BaseModel, Field

from axionlike._exceptions import ConfigurationError, LLMError, LLMTimeoutError, RateLimitError
from axionlike.cache import CacheConfig
from axionlike.dataset import DatasetItem
from axionlike.llm import LLMClient, mark_cacheable
from axionlike.metrics import AnswerRelevancy
from axionlike.runners import evaluation_runner
from axionlike.testing import Fault
from axionlike.tracing import set_tracer

pytestmark = pytest.mark.usefixtures("fast_llm_retries")
ROUTES = ("direct", "litellm")
KEY = "sk-parity-1234567890abcdef"
MESSAGES = [
    {"role": "system", "content": "You grade answers. " * 20},
    {"role": "user", "content": "Is 'Paris' the capital of France?"},
]


class Verdict(BaseModel):
    score: float = Field(ge=0, le=1)
    explanation: str


def _client(server, route, **kw):
    return LLMClient("openai/gpt-4o-mini", api_base=server.api_base, api_key=KEY, transport=route, **kw)


@pytest.mark.parametrize(
    ("model", "route"),
    [
        ("gpt-4o-mini", "direct"),
        ("o3-mini", "direct"),
        ("openai/my-finetune", "direct"),
        ("hosted_vllm/meta-llama/Llama-3.1-8B-Instruct", "direct"),
        ("anthropic/claude-3-5-haiku-latest", "litellm"),
        ("bedrock/anthropic.claude-3-haiku", "litellm"),
        ("gemini/gemini-2.0-flash", "litellm"),
        ("azure/my-deployment", "litellm"),
    ],
)
def test_auto_picks_the_direct_route_for_the_openai_protocol(model, route):
    assert LLMClient(model).route == route


def test_a_route_can_be_forced_and_a_bad_one_is_refused():
    assert LLMClient("gpt-4o-mini", transport="litellm").route == "litellm"
    assert LLMClient("anthropic/claude-3-5-haiku-latest", transport="direct").route == "direct"
    with pytest.raises(ConfigurationError, match="transport must be"):
        LLMClient("gpt-4o-mini", transport="carrier-pigeon")  # type: ignore[arg-type]


async def test_direct_route_without_a_base_url_for_a_server_model_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("HOSTED_VLLM_API_BASE", raising=False)
    with pytest.raises(ConfigurationError, match="needs api_base"):
        await LLMClient("hosted_vllm/some-model").complete(MESSAGES)


async def test_same_content_usage_cost_and_request_on_both_routes(fake_llm):
    seen = {}
    for route in ROUTES:
        fake_llm.reset()
        client = _client(fake_llm, route)
        plain = await client.complete(MESSAGES)
        marked = mark_cacheable(MESSAGES, prefix_length=1)
        await client.complete(marked)
        cached = await client.complete(marked)  # the marked prefix was seen: its tokens come back cached
        body = fake_llm.chat_requests[0].body
        seen[route] = {
            "content": plain.content,
            "usage": plain.usage.model_dump(),
            "cached": cached.usage.model_dump(),
            "raw_choice": plain.raw["choices"][0]["message"]["content"],
            "request": {k: body[k] for k in ("model", "messages", "temperature")},
            "authorization": fake_llm.chat_requests[0].headers["authorization"],
        }
    direct, via_litellm = seen["direct"], seen["litellm"]
    assert direct["cached"]["cached_tokens"] > 0 and direct["usage"]["cost"] > 0
    for key in ("usage", "cached"):
        assert direct[key].pop("cost") == pytest.approx(via_litellm[key].pop("cost"))
    assert direct == via_litellm


@pytest.mark.parametrize("mode", ["json_schema", "tool"])
async def test_same_structured_answers_on_both_routes(fake_llm, mode):
    values, asks = {}, {}
    for route in ROUTES:
        fake_llm.reset()
        answer = await _client(fake_llm, route, structured_output=mode).structured(MESSAGES, Verdict)
        values[route] = (answer.value, answer.usage.calls, answer.repairs)
        body = fake_llm.chat_requests[0].body
        asks[route] = {k: body.get(k) for k in ("response_format", "tools", "tool_choice")}
    assert values["direct"] == values["litellm"]
    assert asks["direct"] == asks["litellm"]
    if mode == "tool":
        assert asks["direct"]["tool_choice"]["function"]["name"] == "Verdict"
    else:
        assert asks["direct"]["response_format"]["json_schema"]["schema"] == Verdict.model_json_schema()


def test_auto_asks_for_a_tool_call_when_the_price_map_says_the_model_lacks_json_schema():
    assert LLMClient("gpt-4o-mini")._structured_mode() == "json_schema"
    assert LLMClient("gpt-5.5-pro")._structured_mode() == "tool"  # no response schema, calls functions
    assert LLMClient("openai/gpt-5.5-pro")._structured_mode() == "tool"
    assert LLMClient("openai/unknown-local-model")._structured_mode() == "json_schema"  # unknown: ask for the schema


@pytest.mark.parametrize(
    ("faults", "error", "calls"),
    [
        ([Fault.status(429, retry_after=0.01)] * 4, RateLimitError, 4),
        ([Fault.status(429)] * 4, RateLimitError, 4),
        ([Fault.status(500)] * 4, LLMError, 4),
        ([Fault.drop()] * 4, LLMError, 4),
        ([Fault.hang(5)] * 4, LLMTimeoutError, 4),
        ([Fault.status(400)], LLMError, 1),
        ([Fault.status(401)], LLMError, 1),
    ],
    ids=["429-retry-after", "429", "500", "reset", "timeout", "400", "401"],
)
async def test_same_errors_after_the_same_attempts_on_both_routes(fake_llm, faults, error, calls):
    messages = {}
    for route in ROUTES:
        fake_llm.reset()
        fake_llm.fail_next(*faults)
        client = _client(fake_llm, route, timeout=0.3, retry=None)
        with pytest.raises(LLMError) as info:
            await client.complete(MESSAGES)
        assert type(info.value) is error, route
        assert fake_llm.calls == calls, route
        messages[route] = str(info.value).split(":")[0]
        assert KEY not in str(info.value)
    assert messages["direct"] == messages["litellm"]


async def test_same_spans_on_both_routes(fake_llm):
    shapes = {}
    for route in ROUTES:
        tracer = RecordingTracer()
        previous = set_tracer(tracer)
        try:
            await _client(fake_llm, route).structured(MESSAGES, Verdict)
        finally:
            set_tracer(previous)
        shapes[route] = [
            (s.name, s.kind, s.parent.name if s.parent else None, sorted(s.attributes)) for s in tracer.spans
        ]
        assert KEY not in tracer.dump()
    assert shapes["direct"] == shapes["litellm"]
    assert [name for name, *_ in shapes["direct"]] == ["litellm_structured", "llm_call"]


async def test_same_embeddings_on_both_routes(fake_llm):
    results = {}
    for route in ROUTES:
        client = LLMClient("openai/text-embedding-3-small", api_base=fake_llm.api_base, api_key=KEY, transport=route)
        answer = await client.embed(["alpha", "beta"])
        results[route] = (answer.vectors, answer.usage.prompt_tokens, answer.usage.cost)
    assert results["direct"][:2] == results["litellm"][:2]
    assert results["direct"][2] == pytest.approx(results["litellm"][2]) and results["direct"][2] > 0


def test_a_cache_filled_through_one_route_hits_through_the_other(fake_llm, tmp_path):
    items = [DatasetItem(id=str(i), query=f"question {i}", actual_output=f"answer {i}") for i in range(4)]
    cache = CacheConfig(cache_type="disk", cache_dir=tmp_path / "cache")

    def run(route):
        metric = AnswerRelevancy(
            model_name="openai/gpt-4o-mini", api_base=fake_llm.api_base, api_key=KEY, transport=route
        )
        return evaluation_runner(items, [metric], f"via-{route}", cache_config=cache, show_progress=False)

    first = run("direct")
    calls = fake_llm.calls
    second = run("litellm")
    assert calls > 0 and fake_llm.calls == calls  # nothing was sent again
    assert second.metadata["cache"]["metric"]["hits"] == len(items)
    assert [r.scores[0].score for r in second.results] == [r.scores[0].score for r in first.results]
