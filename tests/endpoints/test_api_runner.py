"""APIRunner against a real HTTP service on 127.0.0.1: answers, failures, retries, streaming."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time

import pytest
from api_server import FAST_RETRY

from axionlike._exceptions import ConfigurationError, TaskError
from axionlike._invoke import is_async_callable
from axionlike.dataset import DatasetItem
from axionlike.endpoints import APIRunner, EndpointConfig, EndpointError

pytestmark = pytest.mark.usefixtures("fresh_server")


def simple(server, **kw):
    return APIRunner(config={"bot": {"api_url": server.url("/simple"), "retry": FAST_RETRY, **kw}})


def call(runner, item):
    async def go():
        async with runner:
            return await runner(item)

    return asyncio.run(go())


def test_simple_preset_answer_contexts_latency_and_metadata(server):
    runner = simple(server, api_key="test-key-simple-0001")
    item = DatasetItem(id="i1", query="hello", metadata={"team": "a"})
    out = call(runner, item)
    assert out["response"] == "echo: hello"
    assert out["retrieved_content"] == ["context for hello"]
    assert out["latency"] > 0
    api = out["metadata"]["api"]
    assert api["status"] == 200 and api["attempts"] == 1 and api["endpoint"] == "bot"
    assert api["request_id"].startswith("req-")
    assert out["metadata"]["team"] == "a"
    (seen,) = server.state.requests
    assert seen.body == {"query": "hello"}
    assert seen.headers["Authorization"] == "Bearer test-key-simple-0001"


def test_runner_is_an_async_callable_the_engine_awaits(server):
    runner = simple(server)
    assert is_async_callable(runner)
    assert is_async_callable(runner["bot"])


def test_openai_chat_preset_reads_the_message_and_tool_calls(server):
    runner = APIRunner(
        config={
            "chat": {"api_url": server.url("/chat"), "preset": "openai_chat", "model": "tiny", "api_key": "k-123456"}
        }
    )
    out = call(runner, DatasetItem(query="tool:find it"))
    assert out["response"] == "echo: find it"
    assert out["tools_called"][0]["function"]["name"] == "lookup"
    (seen,) = server.state.requests
    assert seen.body == {"model": "tiny", "messages": [{"role": "user", "content": "tool:find it"}]}


def test_streaming_assembles_text_and_reports_time_to_first_token(server):
    runner = APIRunner(
        config={"chat": {"api_url": server.url("/chat"), "preset": "openai_chat", "model": "m", "stream": True}}
    )
    out = call(runner, DatasetItem(query="three little words"))
    assert out["response"] == "echo: three little words"
    assert 0 < out["time_to_first_token"] <= out["latency"]
    assert out["metadata"]["api"]["time_to_first_token"] == out["time_to_first_token"]
    assert out["metadata"]["api"]["request_id"] == "req-stream"
    assert server.state.requests[0].body["stream"] is True
    assert server.state.requests[0].headers["Accept"] == "text/event-stream"


def test_streaming_without_event_stream_is_a_clear_error(server):
    runner = APIRunner(config={"s": {"api_url": server.url("/simple"), "stream": True, "retry": FAST_RETRY}})
    with pytest.raises(
        EndpointError, match=r"asked to stream but answered application/json for item 's1': \{\"response\""
    ):
        call(runner, DatasetItem(id="s1", query="x"))


def stream_runner(server):
    cfg = {"api_url": server.url("/chat"), "preset": "openai_chat", "model": "m", "stream": True, "retry": FAST_RETRY}
    return APIRunner(config={"chat": cfg})


def test_stream_cut_before_done_is_retried_then_recorded(server):
    with pytest.raises(
        EndpointError, match=r"stream ended before its end marker '\[DONE\]' \(cut short\) for item 'c1'"
    ):
        call(stream_runner(server), DatasetItem(id="c1", query="streamcut:a b c d"))
    assert len(server.state.seen("streamcut:a b c d")) == 3


def test_stream_error_event_is_recorded(server):
    with pytest.raises(EndpointError, match=r"streamed an error for item 'c2': .*model overloaded"):
        call(stream_runner(server), DatasetItem(id="c2", query="streamerror:a b"))
    assert len(server.state.seen("streamerror:a b")) == 1


def test_429_that_never_ends_gives_up_with_status(server):
    with pytest.raises(EndpointError, match=r"HTTP 429 Too Many Requests for item 'r1': .*slow down.*3 attempts"):
        call(simple(server), DatasetItem(id="r1", query="429:always"))
    assert len(server.state.seen("429:always")) == 3


def test_template_places_item_fields_and_nested_paths(server):
    runner = APIRunner(
        config={
            "n": {
                "api_url": server.url("/nested"),
                "preset": None,
                "body_template": {
                    "query": "{{ query }}",
                    "user": "{{additional_input.user.id}}",
                    "tags": "{{additional_input.tags}}",
                    "note": "lang={{additional_input.lang}}",
                },
                "response_path": "data.answer.text",
                "retrieved_content_path": "data.sources[*].text",
                "extra_paths": {"sources_raw": "data.sources", "absent": "data.nothing"},
            }
        }
    )
    item = DatasetItem(query="q", additional_input={"user": {"id": 7}, "tags": ["a", "b"], "lang": "fr"})
    out = call(runner, item)
    assert server.state.requests[0].body == {"query": "q", "user": 7, "tags": ["a", "b"], "note": "lang=fr"}
    assert out["response"] == "echo: q"
    assert out["retrieved_content"] == ["src q"]
    assert out["sources_raw"] == [{"text": "src q"}]
    assert "absent" not in out


def test_get_sends_the_template_as_query_parameters(server):
    runner = APIRunner(
        config={"g": {"api_url": server.url("/get"), "method": "GET", "body_template": {"query": "{{query}}"}}}
    )
    assert call(runner, DatasetItem(query="via get"))["response"] == "echo: via get"


def test_template_field_missing_from_the_item_names_item_and_field(server):
    runner = simple(server, body_template={"q": "{{query}}", "lang": "{{additional_input.lang}}"})
    with pytest.raises(
        TaskError,
        match=r"item 'x1' cannot fill the request template of endpoint 'bot': path 'additional_input.lang' not found: 'additional_input' has no 'lang' \(keys there: none\)",
    ):
        call(runner, DatasetItem(id="x1", query="q"))
    assert server.state.requests == []


def test_429_waits_for_retry_after_then_succeeds(server):
    server.state.retry_after = "1"
    out = call(simple(server), DatasetItem(query="429once:later"))
    assert out["response"] == "echo: later"
    assert out["metadata"]["api"]["attempts"] == 2
    first, second = server.state.seen("429once:later")
    assert second.at - first.at >= 0.9  # server-side gap: Retry-After was honoured


def test_unreadable_retry_after_falls_back_to_the_backoff(server, caplog):
    caplog.set_level(logging.INFO)
    server.state.retry_after = "soon"
    out = call(simple(server, retry={**FAST_RETRY, "initial_wait": 0.02, "jitter": 0}), DatasetItem(query="429once:x"))
    assert out["metadata"]["api"]["attempts"] == 2
    assert "in 0.02s" in caplog.text


def test_retry_after_as_an_http_date_is_honoured(server, caplog):
    caplog.set_level(logging.INFO)
    server.state.retry_after = email.utils.formatdate(time.time() + 60, usegmt=True)
    runner = simple(server, retry={**FAST_RETRY, "jitter": 0, "max_retry_after": 0.07})
    assert call(runner, DatasetItem(query="429once:y"))["metadata"]["api"]["attempts"] == 2
    assert "in 0.07s" in caplog.text  # the date asked for a minute: capped, not the 0.01 s backoff


def test_500_retried_then_recorded_with_status_and_body_excerpt(server):
    with pytest.raises(EndpointError) as info:
        call(simple(server), DatasetItem(id="e5", query="500:boom"))
    message = str(info.value)
    assert "HTTP 500" in message and "item 'e5'" in message
    assert "upstream exploded: database unavailable" in message
    assert "gave up after 3 attempts" in message
    assert info.value.status == 500 and info.value.request_id.startswith("req-")
    assert len(server.state.seen("500:boom")) == 3


def test_500_once_recovers(server):
    assert call(simple(server), DatasetItem(query="500once:fine"))["metadata"]["api"]["attempts"] == 2


def test_other_4xx_is_not_retried(server):
    with pytest.raises(EndpointError, match=r"HTTP 400 Bad Request .*query too long"):
        call(simple(server), DatasetItem(query="400:no"))
    assert len(server.state.seen("400:no")) == 1


def test_malformed_json_is_an_error_with_an_excerpt(server):
    with pytest.raises(EndpointError, match=r"malformed JSON for item 'bj': \{\"response\": \"unterminated"):
        call(simple(server), DatasetItem(id="bj", query="badjson:x"))
    assert len(server.state.seen("badjson:x")) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (
            "noanswer:x",
            r"lacks its answer: path 'response' not found: the top level has no 'response' \(keys there: result\)",
        ),
        ("nullanswer:x", r"lacks its answer: path 'response' is null"),
    ],
)
def test_missing_or_null_answer_names_the_path(server, query, expected):
    with pytest.raises(EndpointError, match=expected):
        call(simple(server), DatasetItem(query=query))


def test_dropped_connection_is_retried(server):
    assert call(simple(server), DatasetItem(query="droponce:back"))["response"] == "echo: back"
    with pytest.raises(EndpointError, match=r"connection failed .*RemoteProtocolError.*gave up after 3 attempts"):
        call(simple(server), DatasetItem(query="drop:gone"))
    assert len(server.state.seen("drop:gone")) == 3


def test_timeout_is_retried_then_recorded(server):
    server.state.slow_seconds = 0.3
    runner = simple(server, timeout=0.05, retry={**FAST_RETRY, "attempts": 2})
    with pytest.raises(EndpointError, match=r"timed out for item 't1' \(ReadTimeout, timeout 0.05s\).*2 attempts"):
        call(runner, DatasetItem(id="t1", query="slow:zzz"))
    assert len(server.state.seen("slow:zzz")) == 2


def test_env_var_key_is_read_and_a_missing_one_is_named(server, monkeypatch):
    monkeypatch.setenv("CHATBOT_CREDENTIAL", "env-provided-credential-42")
    runner = simple(server, api_key_env="CHATBOT_CREDENTIAL", api_key_header="X-Api-Key", api_key_prefix="")
    call(runner, DatasetItem(query="hi"))
    assert server.state.requests[0].headers["X-Api-Key"] == "env-provided-credential-42"
    monkeypatch.delenv("CHATBOT_CREDENTIAL")
    with pytest.raises(ConfigurationError, match=r"endpoint 'bot': environment variable CHATBOT_CREDENTIAL"):
        simple(server, api_key_env="CHATBOT_CREDENTIAL")


def test_bad_config_names_endpoint_and_field():
    with pytest.raises(ConfigurationError, match=r"endpoint 'b': api_url"):
        APIRunner(config={"b": {"api_key": "x"}})
    with pytest.raises(ConfigurationError, match=r"endpoint 'b': .*unknown preset 'grpc'"):
        APIRunner(config={"b": {"api_url": "http://h/x", "preset": "grpc"}})
    with pytest.raises(ConfigurationError, match=r"endpoint 'b': .*either api_key or api_key_env"):
        APIRunner(config={"b": {"api_url": "http://h/x", "api_key": "abcdefg", "api_key_env": "K"}})
    with pytest.raises(ConfigurationError, match=r"endpoint 'b': .*mehtod"):
        APIRunner(config={"b": {"api_url": "http://h/x", "mehtod": "GET"}})
    with pytest.raises(ConfigurationError, match=r"unknown endpoint type 'nope'; registered: .*http"):
        APIRunner(config={"b": {"api_url": "http://h/x", "type": "nope"}})


def test_rate_per_minute_is_converted():
    assert EndpointConfig(api_url="http://h/x", requests_per_minute=120).rate == 2.0
    assert EndpointConfig(api_url="http://h/x").rate is None


def test_cache_identity_has_name_url_template_and_never_the_key(server):
    key = "identity-secret-abcdef"
    a = simple(server, api_key=key).cache_identity()
    assert a["endpoint"] == "bot" and a["url"] == server.url("/simple") and a["body_template"] == {"query": "{{query}}"}
    assert key not in repr(a)
    b = simple(server, api_key=key, body_template={"question": "{{query}}"}).cache_identity()
    assert a != b


def test_a_fresh_event_loop_per_call_gets_its_own_client(server):
    runner = simple(server)
    assert call(runner, DatasetItem(query="one"))["response"] == "echo: one"
    assert call(runner, DatasetItem(query="two"))["response"] == "echo: two"
    assert len(runner["bot"]._states) == 0  # closed when each loop's run ended


def test_credential_headers_given_literally_are_treated_as_secrets(server):
    from axionlike._redact import redact

    simple(server, headers={"X-Api-Key": "literal-header-secret-77", "X-Team": "blue"})
    assert "literal-header-secret-77" not in redact("sent literal-header-secret-77")
    assert redact("team blue") == "team blue"
