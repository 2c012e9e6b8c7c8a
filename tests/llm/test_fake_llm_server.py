"""FakeLLMServer over real HTTP (httpx): schema answers, responders, faults, recording."""

import asyncio

import httpx
import pytest

from axionlike.testing import FakeLLMServer, Fault, fill_schema

SCHEMA = {
    "type": "object",
    "properties": {
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "label": {"enum": ["yes", "no"]},
        "items": {"type": "array", "items": {"$ref": "#/$defs/Item"}, "minItems": 2},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
    },
    "required": ["score", "label", "items"],
    "$defs": {"Item": {"type": "object", "properties": {"n": {"type": "integer", "minimum": 3, "maximum": 7}}}},
}


def _chat(server, content="hello", schema=SCHEMA, **extra):
    body = {"model": "m", "messages": [{"role": "user", "content": content}], **extra}
    if schema is not None:
        body["response_format"] = {"type": "json_schema", "json_schema": {"name": "S", "schema": schema}}
    return httpx.post(f"{server.api_base}/chat/completions", json=body, headers={"Authorization": "Bearer k"})


def test_answers_json_fitting_the_requested_schema(fake_llm):
    import json

    response = _chat(fake_llm)
    assert response.status_code == 200
    data = response.json()
    value = json.loads(data["choices"][0]["message"]["content"])
    assert 0 <= value["score"] <= 1
    assert value["label"] == "yes"
    assert len(value["items"]) == 2 and all(3 <= i["n"] <= 7 for i in value["items"])
    assert data["usage"]["prompt_tokens"] > 0 and data["usage"]["completion_tokens"] > 0
    # the same prompt always gets the same answer; another prompt another one
    assert _chat(fake_llm).json()["choices"][0]["message"]["content"] == data["choices"][0]["message"]["content"]
    other = json.loads(_chat(fake_llm, content="other").json()["choices"][0]["message"]["content"])
    assert other["score"] != value["score"]


def test_fill_schema_is_deterministic_per_seed():
    assert fill_schema(SCHEMA, "a") == fill_schema(SCHEMA, "a")
    assert fill_schema(SCHEMA, "a") != fill_schema(SCHEMA, "b")


def test_responder_decides_the_answer_and_requests_are_recorded():
    def responder(body):
        text = body["messages"][-1]["content"]
        return {"score": 1.0 if "good" in text else 0.0} if "score" in text else None

    with FakeLLMServer(responder) as server:
        good = _chat(server, "score this good answer").json()["choices"][0]["message"]["content"]
        bad = _chat(server, "score this bad answer").json()["choices"][0]["message"]["content"]
        fallback = _chat(server, "anything", schema=None).json()["choices"][0]["message"]["content"]
        assert (good, bad) == ('{"score": 1.0}', '{"score": 0.0}')
        assert fallback.startswith("fake answer")
        assert [r.call for r in server.chat_requests] == [1, 2, 3]
        assert server.chat_requests[0].headers["authorization"] == "Bearer k"
        assert server.chat_requests[0].text() == "score this good answer"


def test_faults_by_queue_and_by_call_number(fake_llm):
    fake_llm.fail_next(Fault.status(429, retry_after=1.5), Fault.status(500))
    fake_llm.fail_on({4: Fault.malformed_body(), 5: Fault.content("not json")})
    first = _chat(fake_llm)
    assert first.status_code == 429 and first.headers["retry-after"] == "1.5"
    assert _chat(fake_llm).status_code == 500
    assert _chat(fake_llm).status_code == 200
    with pytest.raises(ValueError):
        _chat(fake_llm).json()
    assert _chat(fake_llm).json()["choices"][0]["message"]["content"] == "not json"
    assert [r.fault.kind if r.fault else None for r in fake_llm.chat_requests] == [
        "status",
        "status",
        None,
        "malformed_body",
        "content",
    ]


def test_malformed_json_fault_wraps_the_answer_in_prose_and_a_fence(fake_llm):
    fake_llm.fail_next(Fault.malformed_json())
    content = _chat(fake_llm).json()["choices"][0]["message"]["content"]
    assert content.startswith("Sure!") and "```json" in content and ",\n}" in content


def test_drop_and_hang_close_the_connection(fake_llm):
    fake_llm.fail_next(Fault.drop(), Fault.hang(5))
    with pytest.raises(httpx.TransportError):
        _chat(fake_llm)
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{fake_llm.api_base}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "x"}]},
            timeout=0.2,
        )


def test_cached_tokens_reported_for_a_marked_prefix_seen_before(fake_llm):
    system = {
        "role": "system",
        "content": [{"type": "text", "text": "rules " * 40, "cache_control": {"type": "ephemeral"}}],
    }
    body = {"model": "m", "messages": [system, {"role": "user", "content": "q"}]}
    first = httpx.post(f"{fake_llm.api_base}/chat/completions", json=body).json()["usage"]
    second = httpx.post(f"{fake_llm.api_base}/chat/completions", json=body).json()["usage"]
    assert first["prompt_tokens_details"]["cached_tokens"] == 0
    assert 0 < second["prompt_tokens_details"]["cached_tokens"] < second["prompt_tokens"]
    plain = {"model": "m", "messages": [{"role": "system", "content": "rules " * 40}]}
    httpx.post(f"{fake_llm.api_base}/chat/completions", json=plain)
    again = httpx.post(f"{fake_llm.api_base}/chat/completions", json=plain).json()["usage"]
    assert again["prompt_tokens_details"]["cached_tokens"] == 0


def test_embeddings_are_deterministic_unit_vectors(fake_llm):
    url = f"{fake_llm.api_base}/embeddings"
    data = httpx.post(url, json={"model": "e", "input": ["a", "b"]}).json()["data"]
    again = httpx.post(url, json={"model": "e", "input": "a", "dimensions": 4}).json()["data"]
    assert len(data) == 2 and len(data[0]["embedding"]) == 8 and len(again[0]["embedding"]) == 4
    assert data[0]["embedding"] != data[1]["embedding"]
    assert abs(sum(x * x for x in data[0]["embedding"]) - 1) < 1e-9
    assert httpx.post(url, json={"model": "e", "input": ["a"]}).json()["data"][0] == data[0]


def test_stop_releases_hanging_calls_and_port_is_reported():
    server = FakeLLMServer().start()
    assert server.url == f"http://127.0.0.1:{server.port}"
    server.stop()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url


def test_forced_tool_calls_get_arguments_fitting_the_tool_parameters(fake_llm):
    import json

    tools = [
        {"type": "function", "function": {"name": "other", "parameters": {"type": "object", "properties": {}}}},
        {"type": "function", "function": {"name": "Verdict", "parameters": SCHEMA}},
    ]
    body = {
        "model": "m",
        "messages": [{"role": "user", "content": "judge"}],
        "tools": tools,
        "tool_choice": {"type": "function", "function": {"name": "Verdict"}},
    }
    choice = httpx.post(f"{fake_llm.api_base}/chat/completions", json=body).json()["choices"][0]
    (call,) = choice["message"]["tool_calls"]
    assert choice["finish_reason"] == "tool_calls" and call["function"]["name"] == "Verdict"
    assert 0 <= json.loads(call["function"]["arguments"])["score"] <= 1


async def test_serves_256_concurrent_connections_without_an_error():
    from axionlike.llm import LLMClient

    # each answer waits 2 s: long enough for all 256 requests to arrive first, even on a loaded machine
    with FakeLLMServer(latency=2.0) as server:
        client = LLMClient("openai/judge", api_base=server.api_base, api_key="dummy-key", timeout=30)
        answers = await asyncio.gather(*(client.complete([{"role": "user", "content": str(i)}]) for i in range(256)))
    assert all(a.content and a.attempts == 1 for a in answers)
    assert server.max_in_flight == 256  # all of them at once, none reset or retried


def test_runs_in_a_process_of_its_own():
    from axionlike.llm import LLMClient
    from axionlike.testing import FakeLLMProcess

    with FakeLLMProcess(latency=0.01) as server:
        answer = LLMClient("openai/judge", api_base=server.api_base, api_key="dummy-key").complete_sync(
            [{"role": "user", "content": "hello"}]
        )
        assert answer.content and answer.usage.prompt_tokens > 0
        assert server.cpu_seconds() > 0
