"""A small HTTP service on 127.0.0.1 for the API runner tests (stdlib, in a thread).

What it answers is chosen by the query text, ``'<behaviour>:<text>'``:

- ``ok`` (or no prefix): answers at once; ``slow``: after ``slow_seconds``;
- ``429`` / ``429once``: 429 with ``Retry-After: retry_after`` (always / the first time);
- ``500`` / ``500once``: 500 with a short body (always / the first time);
- ``400``: 400 (never retried); ``badjson``: 200 with a body that is not JSON;
- ``noanswer``: 200 JSON without the answer field; ``nullanswer``: answer is null;
- ``drop`` / ``droponce``: closes the connection without answering;
- ``echokey``: 500 whose body echoes the Authorization header (for redaction tests);
- ``leakkey``: 200 whose answer echoes the Authorization header;
- ``streamcut`` / ``streamerror`` (streams): closes before ``[DONE]`` / sends an error event.

Paths: ``/simple`` (``{"query"}`` -> ``{"response", "retrieved_content"}``), ``/chat``
(OpenAI chat completions, SSE when the body says ``stream``), ``/nested`` (answer at
``data.answer.text``, sources at ``data.sources.*.text``), ``/token`` (a token for
the custom runner test), ``/get`` (GET with query parameters).
Every request is recorded (arrival time, path, headers, body).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

FAST_RETRY = {"attempts": 3, "initial_wait": 0.01, "max_wait": 0.05, "jitter": 0.01}
"""A retry setting that keeps the retry tests fast."""


@dataclass
class Seen:
    at: float
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ServerState:
    retry_after: str = "0"
    slow_seconds: float = 0.5
    chunk_delay: float = 0.02
    requests: list[Seen] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def seen(self, query: str) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if _query_of(r.body) == query]


def _query_of(body: Any) -> str:
    if isinstance(body, dict):
        if "messages" in body:
            return body["messages"][-1]["content"]
        return str(body.get("query", ""))
    return ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once (no 40 ms delayed-ACK stall)
    state: ServerState

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self._handle(url.path, params)

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        self._handle(urlparse(self.path).path, body)

    def _handle(self, path: str, body: Any) -> None:
        state = self.state
        query = _query_of(body)
        behaviour, _, text = query.partition(":") if ":" in query else ("ok", "", query)
        with state.lock:
            state.requests.append(Seen(time.monotonic(), path, dict(self.headers), body))
            state.counts[query] += 1
            count = state.counts[query]
        if path == "/token":
            return self._json(200, {"token": "tok-" + uuid.uuid4().hex})
        if behaviour == "slow":
            time.sleep(state.slow_seconds)
        if behaviour == "429" or (behaviour == "429once" and count == 1):
            return self._json(429, {"error": "slow down"}, {"Retry-After": state.retry_after})
        if behaviour == "500" or (behaviour == "500once" and count == 1):
            return self._raw(500, b"upstream exploded: database unavailable", "text/plain")
        if behaviour == "400":
            return self._json(400, {"error": "bad request: query too long"})
        if behaviour == "drop" or (behaviour == "droponce" and count == 1):
            self.close_connection = True
            return
        if behaviour == "echokey":
            return self._raw(500, f"denied for {self.headers.get('Authorization')}".encode(), "text/plain")
        if behaviour == "badjson":
            return self._raw(200, b'{"response": "unterminated', "application/json")
        answer = f"echo: {text}"
        if behaviour == "leakkey":
            answer = f"your header was {self.headers.get('Authorization')}"
        if path == "/chat":
            return self._chat(body, answer, behaviour)
        if path == "/nested":
            return self._json(200, {"data": {"answer": {"text": answer}, "sources": [{"text": f"src {text}"}]}})
        if behaviour == "noanswer":
            return self._json(200, {"result": answer})
        if behaviour == "nullanswer":
            return self._json(200, {"response": None})
        return self._json(200, {"response": answer, "retrieved_content": [f"context for {text}"]})

    def _chat(self, body: dict[str, Any], answer: str, behaviour: str) -> None:
        if body.get("stream"):
            return self._stream(answer, behaviour)
        message: dict[str, Any] = {"role": "assistant", "content": answer}
        if behaviour == "tool":
            message["tool_calls"] = [{"type": "function", "function": {"name": "lookup", "arguments": "{}"}}]
        self._json(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
            },
        )

    def _stream(self, answer: str, behaviour: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("x-request-id", "req-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
        chunks += [{"choices": [{"index": 0, "delta": {"content": word}}]} for word in answer.split(" ")[:1]]
        chunks += [{"choices": [{"index": 0, "delta": {"content": " " + w}}]} for w in answer.split(" ")[1:]]
        chunks += [{"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}]
        if behaviour == "streamcut":  # the connection ends halfway, before [DONE]
            chunks = chunks[:2]
        if behaviour == "streamerror":
            chunks = [*chunks[:2], {"error": {"message": "model overloaded", "type": "server_error"}}]
        for chunk in chunks:
            time.sleep(self.state.chunk_delay)
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        if behaviour == "streamcut":
            return
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._raw(status, json.dumps(payload).encode(), "application/json", headers)

    def _raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req-" + uuid.uuid4().hex[:8])
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # the default backlog (5) resets connections when 20 clients connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timed-out attempt) is expected here; stay quiet."""


class APIServer:
    """The service running in a daemon thread; ``url(path)`` gives an endpoint's address."""

    def __init__(self) -> None:
        self.state = ServerState()
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = _Server(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> APIServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def reset(self) -> None:
        with self.state.lock:
            self.state.requests.clear()
            self.state.counts.clear()
