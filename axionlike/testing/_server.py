"""FakeLLMServer: an OpenAI-compatible chat-completions server on 127.0.0.1 for tests.

Real HTTP on a random free port, served by aiohttp on an event loop in a background
thread, so both of axionlike's routes (and Ragas / DeepEval through its adapters) reach
it exactly as they would reach a provider; hundreds of connections at once are fine.
Answers fit the JSON schema the request asks for; faults can be injected per call;
every request is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from axionlike.testing._faults import Fault
from axionlike.testing._schema import fill_schema, unit_value

if TYPE_CHECKING:
    from aiohttp import web

Responder = Callable[[dict[str, Any]], "str | dict[str, Any] | list[Any] | Fault | None"]
"""``body -> answer``: a string is sent as the content, a dict/list as JSON content,
a Fault is injected, ``None`` falls back to the schema-filling default."""


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    """Request headers, names lower-cased."""
    body: dict[str, Any] | None
    call: int = 0
    """1-based number of this chat or embeddings call (0 for other endpoints)."""
    in_flight: int = 0
    """Chat and embeddings calls being served when this one arrived, itself included."""
    fault: Fault | None = None
    """The fault injected into this call, if any."""

    @property
    def messages(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = (self.body or {}).get("messages", [])
        return messages

    def text(self) -> str:
        """All message text of the request, concatenated."""
        return "\n".join(message_text(m) for m in self.messages)


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a chat message whose content is a string or a list of content blocks."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def count_tokens(text: str) -> int:
    """A rough, deterministic token count (about 4 characters per token)."""
    return max(1, (len(text) + 3) // 4) if text else 0


def requested_tool(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The function a request forces (``tool_choice``) or its only tool; None without tools.

    Structured-output libraries in tool mode (instructor, as Ragas uses it) ask this way.
    """
    tools = [t.get("function", {}) for t in body.get("tools") or [] if isinstance(t, dict)]
    if not tools:
        return None
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        chosen: dict[str, Any] = next((t for t in tools if t.get("name") == name), tools[0])
        return chosen
    first: dict[str, Any] = tools[0]
    return first


def requested_schema(body: Mapping[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a chat request asks for, if any (``{}`` for plain ``json_object``).

    A forced (or only) tool's ``parameters`` count as the requested schema.
    """
    tool = requested_tool(body)
    if tool is not None:
        return tool.get("parameters") or {}
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        spec = fmt.get("json_schema") or {}
        return spec.get("schema") or {}
    if fmt.get("type") == "json_object":
        return {}
    return None


def default_answer(body: Mapping[str, Any]) -> str | dict[str, Any] | list[Any]:
    """The schema-filling default: JSON fitting the requested schema, seeded by the prompt.

    With no schema it answers a short sentence; with ``json_object`` and no schema,
    ``{"score": <0..1>, "explanation": ...}``.
    """
    seed = "\n".join(message_text(m) for m in body.get("messages", []))
    schema = requested_schema(body)
    if schema is None:
        return f"fake answer {unit_value(seed):.4f}"
    if not schema:
        return {"score": round(unit_value(seed), 4), "explanation": "fake explanation"}
    filled: str | dict[str, Any] | list[Any] = fill_schema(schema, seed)
    return filled


def _cacheable_prefix(messages: list[dict[str, Any]]) -> str | None:
    """Text up to and including the last block marked ``cache_control``; None if unmarked."""
    parts: list[str] = []
    prefix: str | None = None
    for message in messages:
        content = message.get("content")
        blocks = content if isinstance(content, list) else [{"text": content or ""}]
        marked_message = "cache_control" in message
        for block in blocks:
            if not isinstance(block, dict):
                continue
            parts.append(str(block.get("text", "")))
            if "cache_control" in block:
                prefix = "".join(parts)
        if marked_message:
            prefix = "".join(parts)
    return prefix


class FakeLLMServer:
    """An OpenAI-compatible server for tests: ``/v1/chat/completions`` and ``/v1/embeddings``.

    Args:
        responder: ``body -> answer`` deciding each chat answer (see ``Responder``);
            the default fills the requested JSON schema with values seeded by the prompt.
        latency: seconds added to every chat answer.
        embedding_dim: length of the vectors ``/v1/embeddings`` returns (a request's
            ``dimensions`` overrides it).

    Prompt caching is simulated like a provider does it: a request whose messages carry
    ``cache_control`` markers reports the tokens of the marked prefix as
    ``prompt_tokens_details.cached_tokens`` once that prefix has been seen before.

    Example:
        ```python
        with FakeLLMServer(latency=0.01) as server:
            server.fail_next(Fault.status(429, retry_after=0.05))
            client = LLMClient("openai/gpt-4o-mini", api_base=server.api_base, api_key="dummy-key")
            ...
            assert server.chat_requests[0].body["model"] == "gpt-4o-mini"
        ```
    """

    def __init__(self, responder: Responder | None = None, *, latency: float = 0.0, embedding_dim: int = 8) -> None:
        self.responder = responder
        self.latency = latency
        self.embedding_dim = embedding_dim
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._queued: deque[Fault] = deque()
        self._by_call: dict[int, Fault] = {}
        self._calls = 0
        self._in_flight = 0
        self.max_in_flight = 0
        """Most chat and embeddings calls served at once since start (or ``reset``)."""
        self._seen_prefixes: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeLLMServer:
        """Bind a free port on 127.0.0.1 and serve from a daemon thread."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-llm-server", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if self._port is None:
            raise RuntimeError("FakeLLMServer did not start")
        return self

    def _serve(self, ready: threading.Event) -> None:
        from aiohttp import web

        loop = self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("POST", "/{path:.*}", self._post)
        app.router.add_route("GET", "/{path:.*}", self._get)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        loop.run_until_complete(site.start())
        self._port = runner.addresses[0][1]
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(runner.cleanup())
            loop.close()

    def stop(self) -> None:
        """Stop serving; hanging calls are released and their connections closed."""
        if self._thread is None or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._thread = self._loop = None
        self._port = None

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeLLMServer is not running; use start() or a with block")
        return self._port

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:<port>/v1``: what litellm's ``api_base`` wants for ``openai/<model>``."""
        return f"{self.url}/v1"

    # -- fault injection -------------------------------------------------------------

    def fail_next(self, *faults: Fault, times: int = 1) -> None:
        """Inject ``faults`` into the next chat or embeddings calls, in order (the sequence ``times`` times)."""
        with self._lock:
            self._queued.extend(list(faults) * times)

    def fail_on(self, calls: Mapping[int, Fault]) -> None:
        """Inject faults into calls by their 1-based number (chat and embeddings, counted since start or reset)."""
        with self._lock:
            self._by_call.update(calls)

    def reset(self) -> None:
        """Forget recorded requests, pending faults, call counts and seen cache prefixes."""
        with self._lock:
            self.requests.clear()
            self._queued.clear()
            self._by_call.clear()
            self._calls = 0
            self.max_in_flight = 0
            self._seen_prefixes.clear()

    # -- recorded traffic ------------------------------------------------------------

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Recorded ``/chat/completions`` requests, in arrival order."""
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    @property
    def calls(self) -> int:
        """Number of chat and embeddings calls received."""
        return self._calls

    def recorded_text(self) -> str:
        """Every recorded request (headers and bodies) as one string, for leak assertions."""
        with self._lock:
            return "\n".join(json.dumps({"headers": r.headers, "body": r.body}) for r in self.requests)

    # -- request handling (server thread) ----------------------------------------------

    def _admit(self, record: RecordedRequest) -> Fault | None:
        with self._lock:
            self._calls += 1
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)
            record.call = self._calls
            record.in_flight = self._in_flight
            fault = self._by_call.pop(record.call, None)
            if fault is None and self._queued:
                fault = self._queued.popleft()
            self.requests.append(record)
            return fault

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _answer(self, body: dict[str, Any]) -> tuple[str | dict[str, Any] | list[Any] | Fault, str]:
        answer = self.responder(body) if self.responder is not None else None
        if answer is None:
            answer = default_answer(body)
        if isinstance(answer, Fault):  # a delay still needs the normal content
            return answer, _as_text(default_answer(body))
        return answer, _as_text(answer)

    def _usage(self, body: dict[str, Any], content: str) -> dict[str, Any]:
        messages = body.get("messages", [])
        prompt = count_tokens("\n".join(message_text(m) for m in messages))
        cached = 0
        prefix = _cacheable_prefix(messages)
        if prefix:
            with self._lock:
                if prefix in self._seen_prefixes:
                    cached = min(count_tokens(prefix), prompt)
                self._seen_prefixes.add(prefix)
        completion = count_tokens(content)
        return {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached},
        }

    def _completion(self, body: dict[str, Any], content: str) -> dict[str, Any]:
        tool = requested_tool(body)
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if tool is not None:
            call = {"name": tool.get("name", "tool"), "arguments": content}
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": f"call_{uuid.uuid4().hex[:12]}", "type": "function", "function": call}
            ]}  # fmt: skip
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake-model"),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if tool is not None else "stop",
                }
            ],
            "usage": self._usage(body, content),
        }

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        inputs = body.get("input", "")
        texts: Iterable[Any] = [inputs] if isinstance(inputs, str) else inputs
        dim = int(body.get("dimensions") or self.embedding_dim)
        data = []
        for index, text in enumerate(texts):
            raw = [unit_value(f"{text}|{d}") - 0.5 for d in range(dim)]
            norm = sum(x * x for x in raw) ** 0.5 or 1.0
            data.append({"object": "embedding", "index": index, "embedding": [x / norm for x in raw]})
        tokens = sum(count_tokens(str(t)) for t in texts)
        return {
            "object": "list",
            "data": data,
            "model": body.get("model", "fake-embedding"),
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    # -- HTTP (the server's event loop) -------------------------------------------------

    async def _get(self, request: web.Request) -> web.StreamResponse:
        from aiohttp import web

        if request.path.rstrip("/").endswith("/models"):
            return web.json_response({"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        return web.json_response({"error": {"message": f"no route {request.path}", "type": "not_found"}}, status=404)

    async def _post(self, request: web.Request) -> web.StreamResponse:
        from aiohttp import web

        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        record = RecordedRequest("POST", request.path, {k.lower(): v for k, v in request.headers.items()}, body)
        path = request.path.rstrip("/")
        if not path.endswith(("/embeddings", "/chat/completions")):
            with self._lock:
                self.requests.append(record)
            return web.json_response(
                {"error": {"message": f"no route {request.path}", "type": "not_found"}}, status=404
            )
        fault = self._admit(record)
        try:
            if path.endswith("/embeddings"):
                record.fault = fault
                if fault is None or fault.kind == "delay":
                    await self._wait(self.latency + (fault.seconds if fault else 0.0))
                    return web.json_response(self._embeddings(body or {}))
                return await self._fail(request, fault)
            return await self._chat(request, body or {}, fault, record)
        finally:
            self._leave()

    async def _chat(
        self, request: web.Request, body: dict[str, Any], fault: Fault | None, record: RecordedRequest
    ) -> web.StreamResponse:
        from aiohttp import web

        answer, content = self._answer(body)
        if fault is None and isinstance(answer, Fault):
            fault = answer
        record.fault = fault
        if fault is None or fault.kind == "delay":
            await self._wait(self.latency + (fault.seconds if fault is not None else 0.0))
            return web.json_response(self._completion(body, content))
        if fault.kind == "content":
            await self._wait(self.latency)
            return web.json_response(self._completion(body, fault.text or ""))
        if fault.kind == "malformed_json":
            await self._wait(self.latency)
            return web.json_response(self._completion(body, _repaired_bait(content)))
        return await self._fail(request, fault)

    @staticmethod
    async def _wait(seconds: float) -> None:
        """Sleep ``seconds`` (a stopping server cancels the sleeping calls and closes their connections)."""
        if seconds > 0:
            await asyncio.sleep(seconds)

    async def _fail(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        """After the usual latency: an error status, a broken body, a hang or a dropped connection.

        ``content`` faults on an endpoint without a chat message get the broken body.
        """
        from aiohttp import web

        await self._wait(self.latency)
        if fault.kind == "status":
            after = fault.retry_after
            headers = {"Retry-After": after if isinstance(after, str) else f"{after:g}"} if after is not None else {}
            message = fault.text or f"fake server injected HTTP {fault.status_code}"
            error = {"error": {"message": message, "type": "fake_error", "code": str(fault.status_code)}}
            return web.json_response(error, status=fault.status_code, headers={**headers, "Connection": "close"})
        if fault.kind in ("hang", "drop"):
            if fault.kind == "hang":
                await self._wait(fault.seconds)
            if request.transport is not None:
                request.transport.abort()  # the client sees its connection reset, no answer
            raise asyncio.CancelledError
        return web.Response(body=b'{"id": "chatcmpl-broken", "choices": [{"message": ', content_type="application/json")


def _as_text(answer: str | dict[str, Any] | list[Any]) -> str:
    return answer if isinstance(answer, str) else json.dumps(answer)


def _repaired_bait(content: str) -> str:
    """Valid JSON made malformed the way models do it: prose, a fence, a trailing comma."""
    text = content.rstrip()
    if text.endswith("}"):
        text = text[:-1].rstrip() + ",\n}"
    return f"Sure! Here is the JSON you asked for:\n```json\n{text}\n```"


__all__ = [
    "FakeLLMServer",
    "RecordedRequest",
    "Responder",
    "count_tokens",
    "default_answer",
    "message_text",
    "requested_schema",
    "requested_tool",
]
