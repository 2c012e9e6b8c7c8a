"""LLMClient over HTTP to FakeLLMServer, on both routes (direct and litellm): retries, repair,
accounting, secrets. Every test runs once per route: the routes must behave the same."""

import asyncio
import email.utils
import logging
import time

import pytest
from pydantic import BaseModel, Field

from axionlike._exceptions import LLMError, LLMTimeoutError, RateLimitError, StructuredOutputError
from axionlike.llm import LLMClient, RetryPolicy, collect_usage
from axionlike.llm._transports import load_litellm
from axionlike.testing import Fault, count_tokens

pytestmark = pytest.mark.usefixtures("fast_llm_retries")
SECRET = "sk-test-9f8e7d6c5b4a39281706"
MESSAGES = [{"role": "user", "content": "Rate this answer."}]


class Verdict(BaseModel):
    score: float = Field(ge=0, le=1)
    explanation: str


@pytest.fixture(params=["direct", "litellm"])
def route(request):
    return request.param


def _client(server, route, **kw):
    kw.setdefault("api_key", SECRET)
    return LLMClient("openai/gpt-4o-mini", api_base=server.api_base, transport=route, **kw)


async def test_structured_answer_with_tokens_and_cost(fake_llm, route):
    answer = await _client(fake_llm, route).structured(MESSAGES, Verdict)
    assert 0 <= answer.value.score <= 1
    request = fake_llm.chat_requests[0].body
    assert request["model"] == "gpt-4o-mini"
    assert request["response_format"]["json_schema"]["schema"] == Verdict.model_json_schema()
    usage = answer.usage
    assert usage.calls == 1
    assert usage.prompt_tokens == count_tokens("Rate this answer.")
    assert usage.completion_tokens == count_tokens(answer.content)
    price = load_litellm().model_cost["gpt-4o-mini"]
    expected = (
        usage.prompt_tokens * price["input_cost_per_token"] + usage.completion_tokens * price["output_cost_per_token"]
    )
    assert usage.cost == pytest.approx(expected)


@pytest.mark.parametrize(
    "fault",
    [Fault.status(429), Fault.status(500), Fault.status(503), Fault.drop(), Fault.malformed_body(), Fault.hang(10)],
    ids=["429", "500", "503", "drop", "malformed-body", "hang"],
)
async def test_transient_failures_are_retried(fake_llm, fault, caplog, route):
    caplog.set_level(logging.INFO, logger="axionlike.llm")
    fake_llm.fail_next(fault)
    answer = await _client(fake_llm, route, timeout=0.5).structured(MESSAGES, Verdict)
    assert fake_llm.calls == 2
    assert answer.usage.calls == 1
    assert "retry 1" in caplog.text


async def test_retry_after_header_sets_the_wait(fake_llm, caplog, route):
    caplog.set_level(logging.INFO, logger="axionlike.llm")
    fake_llm.fail_next(Fault.status(429, retry_after=0.25))
    policy = RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=5, jitter=0)
    await _client(fake_llm, route, retry=policy).complete(MESSAGES)
    assert "retry 1 in 0.25s" in caplog.text
    assert fake_llm.calls == 2


async def test_retry_after_is_capped_by_max_retry_after(fake_llm, caplog, route):
    caplog.set_level(logging.INFO, logger="axionlike.llm")
    fake_llm.fail_next(Fault.status(429, retry_after=120))
    policy = RetryPolicy(max_attempts=2, initial_wait=0.01, max_wait=5, jitter=0, max_retry_after=0.05)
    await _client(fake_llm, route, retry=policy).complete(MESSAGES)
    assert "retry 1 in 0.05s" in caplog.text


async def test_unreadable_retry_after_falls_back_to_the_backoff(fake_llm, caplog, route):
    caplog.set_level(logging.INFO, logger="axionlike.llm")
    fake_llm.fail_next(Fault.status(429, retry_after="soon"))
    answer = await _client(fake_llm, route, retry=RetryPolicy(max_attempts=2, initial_wait=0.02, jitter=0)).complete(
        MESSAGES
    )
    assert answer.content and fake_llm.calls == 2
    assert "retry 1 in 0.02s" in caplog.text


async def test_retry_after_as_an_http_date_is_honoured(fake_llm, caplog, route):
    caplog.set_level(logging.INFO, logger="axionlike.llm")
    in_a_minute = email.utils.formatdate(time.time() + 60, usegmt=True)
    fake_llm.fail_next(Fault.status(429, retry_after=in_a_minute))
    policy = RetryPolicy(max_attempts=2, initial_wait=0.01, jitter=0, max_retry_after=0.07)
    await _client(fake_llm, route, retry=policy).complete(MESSAGES)
    assert "retry 1 in 0.07s" in caplog.text  # the date asked for a minute: capped, not the 0.01 s backoff


@pytest.mark.parametrize("code", [400, 401, 403, 404, 422])
async def test_other_4xx_are_not_retried(fake_llm, code, route):
    fake_llm.fail_next(Fault.status(code), times=4)
    with pytest.raises(LLMError, match=f"HTTP {code}.*not retried") as info:
        await _client(fake_llm, route).complete(MESSAGES)
    assert fake_llm.calls == 1
    if code == 401:
        assert "OPENAI_API_KEY" in str(info.value)


async def test_giving_up_on_rate_limits_raises_rate_limit_error(fake_llm, route):
    fake_llm.fail_next(Fault.status(429, retry_after=0.01), times=10)
    with pytest.raises(RateLimitError, match="after 4 attempts"):
        await _client(fake_llm, route).complete(MESSAGES)
    assert fake_llm.calls == 4


async def test_giving_up_on_timeouts_raises_timeout_error(fake_llm, route):
    fake_llm.fail_next(Fault.hang(10), times=2)
    with pytest.raises(LLMTimeoutError, match="0.2s"):
        await _client(
            fake_llm, route, timeout=0.2, retry=RetryPolicy(max_attempts=2, initial_wait=0, jitter=0)
        ).complete(MESSAGES)
    assert fake_llm.calls == 2


async def test_malformed_json_is_repaired_without_another_call(fake_llm, route):
    fake_llm.fail_next(Fault.malformed_json())
    answer = await _client(fake_llm, route).structured(MESSAGES, Verdict)
    assert answer.content.startswith("Sure!")
    assert answer.repairs == 0 and fake_llm.calls == 1
    assert 0 <= answer.value.score <= 1


async def test_unusable_answer_is_sent_back_once_for_repair(fake_llm, route):
    fake_llm.fail_next(Fault.content('{"score": 7, "explanation": "too high"}'))
    answer = await _client(fake_llm, route).structured(MESSAGES, Verdict)
    assert answer.repairs == 1 and fake_llm.calls == 2
    assert answer.usage.calls == 2
    repair_request = fake_llm.chat_requests[1].messages
    assert repair_request[-2] == {"role": "assistant", "content": '{"score": 7, "explanation": "too high"}'}
    assert "score: Input should be less than or equal to 1" in repair_request[-1]["content"]


async def test_structured_output_error_when_repair_fails_too(fake_llm, route):
    fake_llm.fail_next(Fault.content("I cannot judge this."), Fault.content('{"score": "high"}'))
    with pytest.raises(StructuredOutputError, match=r"does not fit Verdict: score: .*after 1 repair request"):
        await _client(fake_llm, route).structured(MESSAGES, Verdict)


async def test_usage_scopes_sum_concurrent_and_nested_calls(fake_llm, route):
    client = _client(fake_llm, route)
    with collect_usage() as outer:
        first = await client.complete(MESSAGES)
        with collect_usage() as inner:
            answers = await asyncio.gather(*(client.complete([{"role": "user", "content": f"q{i}"}]) for i in range(5)))
            await asyncio.to_thread(lambda: None)
    assert inner.usage.calls == 5
    assert inner.usage.prompt_tokens == sum(a.usage.prompt_tokens for a in answers)
    assert outer.usage.calls == 6
    assert outer.usage.completion_tokens == first.usage.completion_tokens + inner.usage.completion_tokens


async def test_api_key_never_appears_in_errors_logs_or_spans(fake_llm, caplog, route):
    from llm_recording_tracer import RecordingTracer

    from axionlike.tracing import set_tracer

    caplog.set_level(logging.DEBUG)
    tracer = RecordingTracer()
    previous = set_tracer(tracer)
    try:
        fake_llm.fail_next(Fault.status(500, message=f"upstream said: bad key {SECRET}"), times=4)
        with pytest.raises(LLMError) as info:
            await _client(fake_llm, route).complete(MESSAGES)
        fake_llm.fail_next(Fault.status(401, message=f"Incorrect API key provided: {SECRET}"))
        with pytest.raises(LLMError) as auth:
            await _client(fake_llm, route).complete(MESSAGES)
        await _client(fake_llm, route).structured(MESSAGES, Verdict)
    finally:
        set_tracer(previous)
    assert fake_llm.chat_requests[0].headers["authorization"] == f"Bearer {SECRET}"  # the key was really sent
    for text in (str(info.value), str(auth.value), caplog.text, tracer.dump(), repr(_client(fake_llm, route))):
        assert SECRET not in text
    assert "bad key [REDACTED]" in str(info.value)


async def test_sync_calls_inside_a_running_loop_count_in_the_open_scope(fake_llm, route):
    client = _client(fake_llm, route)
    with collect_usage() as scope:
        answer = client.structured_sync(MESSAGES, Verdict)  # blocks; runs on a loop of its own
        plain = await asyncio.to_thread(client.complete_sync, MESSAGES)
    assert 0 <= answer.value.score <= 1 and plain.content
    assert scope.usage.calls == 2


async def test_embeddings_go_through_the_same_client(fake_llm, route):
    client = LLMClient("openai/text-embedding-3-small", api_base=fake_llm.api_base, api_key=SECRET, transport=route)
    fake_llm.fail_next(Fault.status(429, retry_after=0.01))  # embeddings share the retry path
    with collect_usage() as scope:
        result = await client.embed(["alpha", "beta"])
    assert len(result.vectors) == 2 and len(result.vectors[0]) == fake_llm.embedding_dim
    assert result.vectors[0] != result.vectors[1] and result.attempts == 2
    assert scope.usage.calls == 1 and scope.usage.cost > 0
    assert scope.usage.prompt_tokens == count_tokens("alpha") + count_tokens("beta")
    assert fake_llm.requests[-1].body["input"] == ["alpha", "beta"]
