"""The direct route: the OpenAI chat-completions and embeddings protocol, spoken over aiohttp.

For OpenAI's models and the servers that copy its protocol (vLLM, SGLang, Ollama's
``/v1``, any ``openai/<name>`` with an ``api_base``). A call costs well under a
millisecond of client CPU here, against litellm's 6-8 ms, and needs no litellm import.
aiohttp rather than httpx: on this workload (50 concurrent requests to one host) httpx
spent about 15 ms of CPU per request in its connection pool, aiohttp 0.7 ms.

Each event loop gets one ``ClientSession`` (connections are reused across clients and
calls); it is closed when the loop shuts down (``asyncio.run`` ends), or at exit for a
loop that never does.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import threading
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any

import orjson

from axionlike._redact import excerpt
from axionlike._retry import retry_after_from_headers
from axionlike.llm._pricing import completion_cost, embedding_cost
from axionlike.llm._transports._base import Completion, Embedding, TransportError
from axionlike.results import Usage

if TYPE_CHECKING:
    import aiohttp

_EXCERPT = 300


class DirectTransport:
    """Sends OpenAI-protocol requests to ``api_base`` (``.../v1``) for one model.

    Args:
        model_name: the name axionlike knows the model by (``'openai/gpt-4o-mini'``); it
            prices the call.
        wire_model: the name sent in the request body (``'gpt-4o-mini'``).
        api_base: the endpoint, up to and including ``/v1``.
        api_key: sent as ``Authorization: Bearer <key>`` when given.
    """

    route = "direct"

    def __init__(self, model_name: str, *, wire_model: str, api_base: str, api_key: str | None) -> None:
        self.model_name = model_name
        self.wire_model = wire_model
        self.api_base = api_base.rstrip("/")
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"

    async def complete(self, body: dict[str, Any], timeout: float) -> Completion:
        data = await self._post("/chat/completions", {"model": self.wire_model, **body}, timeout)
        try:
            message = data["choices"][0]["message"]
            usage = data.get("usage") or {}
            prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
            cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
            content, tool_calls = message.get("content"), list(message.get("tool_calls") or [])
        except (LookupError, TypeError, AttributeError, ValueError):
            raise TransportError(
                f"the answer is not a chat completion: {_excerpt(json.dumps(data))}", kind="response"
            ) from None
        return Completion(
            content=content,
            tool_calls=tool_calls,
            usage=Usage(
                prompt_tokens=prompt,
                completion_tokens=completion,
                cached_tokens=cached,
                cost=completion_cost(self.model_name, prompt, completion, cached),
                calls=1,
            ),
            raw=data,
        )

    async def embed(self, body: dict[str, Any], timeout: float) -> Embedding:
        data = await self._post("/embeddings", {"model": self.wire_model, **body}, timeout)
        try:
            vectors = [row["embedding"] for row in sorted(data["data"], key=lambda row: row.get("index", 0))]
            tokens = int((data.get("usage") or {}).get("prompt_tokens") or 0)
        except (LookupError, TypeError, AttributeError, ValueError):
            raise TransportError(
                f"the answer is not an embeddings list: {_excerpt(json.dumps(data))}", kind="response"
            ) from None
        return Embedding(
            vectors=vectors, usage=Usage(prompt_tokens=tokens, cost=embedding_cost(self.model_name, tokens), calls=1)
        )

    async def _post(self, path: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
        import aiohttp

        session = await _session()
        try:
            async with session.post(
                self.api_base + path,
                data=orjson.dumps(payload),
                headers=self._headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                raw = await response.read()
                status, headers = response.status, response.headers
        except TimeoutError:
            raise TransportError(f"no answer within {timeout}s", kind="timeout") from None
        except aiohttp.ClientError as exc:
            raise TransportError(f"connection failed: {type(exc).__name__}: {exc}", kind="connection") from None
        if status >= 400:
            raise TransportError(
                f"HTTP {status}: {_error_message(raw)}",
                kind="status",
                status=status,
                retry_after=retry_after_from_headers(headers),
            )
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise TransportError(
                f"the answer is not JSON: {_excerpt(raw.decode(errors='replace'))}", kind="response"
            ) from None
        if not isinstance(data, dict):
            raise TransportError(f"the answer is not a JSON object: {_excerpt(str(data))}", kind="response")
        return data


def _error_message(raw: bytes) -> str:
    """The provider's own error message (``{"error": {"message": ...}}``), else an excerpt of the body."""
    try:
        error = json.loads(raw).get("error")
    except (ValueError, AttributeError):
        return _excerpt(raw.decode(errors="replace")) or "(empty body)"
    if isinstance(error, dict) and error.get("message"):
        return _excerpt(str(error["message"]))
    return _excerpt(str(error) if error else raw.decode(errors="replace"))


def _excerpt(text: str) -> str:
    return excerpt(text, _EXCERPT, one_line=True)


# -- one session per event loop ------------------------------------------------------------

_sessions: dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}
_closers: dict[asyncio.AbstractEventLoop, AsyncGenerator[None, None]] = {}
_sessions_lock = threading.Lock()
"""A loop's entries go when the loop shuts down (the closer removes them), or at exit."""


async def _session() -> aiohttp.ClientSession:
    """This loop's session, made on first use; the loop's shutdown closes it."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is not None and not session.closed:
        return session
    import aiohttp

    # The engine's max_concurrent and the client's adaptive limit bound the requests in
    # flight; the pool adds no limit of its own.
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300))
    closer = _close_at_loop_shutdown(loop, session)
    await anext(closer)  # started: asyncio's shutdown_asyncgens() finishes it when the loop ends
    with _sessions_lock:
        _sessions[loop] = session
        _closers[loop] = closer
    return session


async def _close_at_loop_shutdown(
    loop: asyncio.AbstractEventLoop, session: aiohttp.ClientSession
) -> AsyncGenerator[None, None]:
    try:
        yield
    finally:
        with _sessions_lock:
            _sessions.pop(loop, None)
            _closers.pop(loop, None)
        await session.close()


@atexit.register
def _close_sessions_of_loops_never_shut_down() -> None:
    """Close the sessions of loops nobody shut down (a library's private loop) before exit."""
    with _sessions_lock:
        left = list(_closers.items())
    for loop, closer in left:
        if not loop.is_closed() and not loop.is_running():
            loop.run_until_complete(closer.aclose())
