"""The litellm route, for every provider that does not speak the OpenAI protocol (Anthropic,
Bedrock, Vertex, ...); and the one place litellm is imported.

litellm takes seconds to import: a client that will need it starts the import in the
background when it is set up (``import_in_background``), so the run's first call does
not wait for all of it; the price map stays the bundled one (offline).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import copy
import gc
import os
import threading
import time
import types
from typing import Any

from axionlike._redact import excerpt, mask_library_logs
from axionlike._retry import retry_after_from_headers
from axionlike.llm._transports._base import Completion, Embedding, TransportError
from axionlike.results import Usage

_TIMEOUT_GRACE = 1.0
"""Seconds past the per-call timeout before our own guard cancels a call litellm did not end."""

_SHARED_PARTS = ("response_format", "tools")
"""Request parts built once per schema and shared between calls; litellm gets copies it may change."""

_lock = threading.Lock()
_module: Any = None
_background: threading.Thread | None = None
_background_lock = threading.Lock()
import_seconds: float | None = None
"""How long the first import of litellm took (``None`` until it happens)."""


def load_litellm() -> Any:
    """Import litellm once; use the bundled price map unless the user set the variable.

    ``LITELLM_LOCAL_MODEL_COST_MAP=True`` stops litellm fetching its price list from
    the internet at import time. litellm's own console hints are silenced, and its
    default SDK retries are turned off (unless ``DEFAULT_MAX_RETRIES`` is set) so that
    every retry is axionlike's.
    """
    global _module, import_seconds
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            started = time.perf_counter()
            import litellm

            litellm.suppress_debug_info = True
            mask_library_logs()  # litellm, openai and httpx loggers exist now
            if "DEFAULT_MAX_RETRIES" not in os.environ:
                # litellm's OpenAI embedding path turns max_retries=0 into this default
                # (``max_retries or DEFAULT_MAX_RETRIES``); retries belong to axionlike's client.
                litellm.DEFAULT_MAX_RETRIES = 0
            atexit.register(_close_pending_logging_worker)
            import_seconds = time.perf_counter() - started
            _module = litellm
    return _module


def _close_pending_logging_worker() -> None:
    """Close litellm's logging-worker coroutines still waiting when the process exits.

    Every async litellm call queues its logging on a worker task of the running loop; when
    calls move to another loop, the worker of the old one is left waiting. On a loop that
    is never closed (DeepEval's synchronous ``measure()`` runs one) it is still waiting at
    exit, and CPython 3.11 can crash (SIGSEGV) when it garbage-collects such a coroutine
    while tearing modules down. Closed here, before the teardown, they end cleanly.
    """
    from litellm.litellm_core_utils.logging_worker import LoggingWorker

    worker_loop = LoggingWorker._worker_loop.__code__
    for obj in gc.get_objects():
        if isinstance(obj, types.CoroutineType) and obj.cr_code is worker_loop and obj.cr_frame is not None:
            with contextlib.suppress(Exception):
                obj.close()


def litellm_loaded() -> bool:
    """Whether litellm has been imported by axionlike already."""
    return _module is not None


def import_in_background() -> None:
    """Start importing litellm in a daemon thread (once), so that a later call finds it loaded."""
    global _background
    with _background_lock:
        if _module is not None or _background is not None:
            return
        _background = threading.Thread(target=load_litellm, name="axionlike-import-litellm", daemon=True)
        _background.start()


async def _loaded() -> Any:
    """litellm, imported in a worker thread if nothing has imported it yet (the loop keeps running)."""
    return _module if _module is not None else await asyncio.to_thread(load_litellm)


class LiteLLMTransport:
    """Sends requests through ``litellm.acompletion`` / ``aembedding``, with litellm's own retries off.

    Answers and errors come back in the same shape as the direct route's; the cost is
    litellm's own (``response_cost``), from the same bundled price map.
    """

    route = "litellm"

    def __init__(self, model_name: str, *, api_base: str | None, api_key: str | None) -> None:
        self.model_name = model_name
        self._settings: dict[str, Any] = {"num_retries": 0, "max_retries": 0, "drop_params": True}
        if api_base is not None:
            self._settings["api_base"] = api_base
        if api_key is not None:
            self._settings["api_key"] = api_key

    async def complete(self, body: dict[str, Any], timeout: float) -> Completion:
        litellm = await _loaded()
        request = {**body, **{k: copy.deepcopy(body[k]) for k in _SHARED_PARTS if k in body}}
        try:
            async with asyncio.timeout(timeout + _TIMEOUT_GRACE):
                response = await litellm.acompletion(
                    model=self.model_name, timeout=timeout, **self._settings, **request
                )
        except Exception as exc:
            raise _transport_error(exc, timeout) from exc
        message = response.choices[0].message if response.choices else None
        return Completion(
            content=getattr(message, "content", None),
            tool_calls=[call.model_dump() for call in getattr(message, "tool_calls", None) or []],
            usage=_usage(litellm, response),
            raw=response.model_dump(),
        )

    async def embed(self, body: dict[str, Any], timeout: float) -> Embedding:
        litellm = await _loaded()
        settings = {k: v for k, v in self._settings.items() if k != "drop_params"}
        try:
            async with asyncio.timeout(timeout + _TIMEOUT_GRACE):
                response = await litellm.aembedding(model=self.model_name, timeout=timeout, **settings, **body)
        except Exception as exc:
            raise _transport_error(exc, timeout) from exc
        tokens = getattr(getattr(response, "usage", None), "prompt_tokens", 0) or 0
        rows = sorted(response.data, key=lambda row: row["index"])
        return Embedding(
            vectors=[row["embedding"] for row in rows],
            usage=Usage(prompt_tokens=tokens, cost=_cost(litellm, response), calls=1),
        )


def _usage(litellm: Any, response: Any) -> Usage:
    raw = getattr(response, "usage", None)
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) or getattr(raw, "cache_read_input_tokens", None) or 0
    return Usage(
        prompt_tokens=getattr(raw, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(raw, "completion_tokens", 0) or 0,
        cached_tokens=int(cached),
        cost=_cost(litellm, response),
        calls=1,
    )


def _cost(litellm: Any, response: Any) -> float:
    cost = (getattr(response, "_hidden_params", None) or {}).get("response_cost")  # litellm priced it already
    if cost is None:
        try:
            cost = litellm.completion_cost(completion_response=response)
        except Exception:  # models missing from the price map cost 0, not a failure
            cost = 0.0
    return float(cost or 0.0)


def _transport_error(exc: BaseException, timeout: float) -> TransportError:
    """A litellm (or OpenAI SDK) exception as the TransportError the direct route would raise."""
    name = type(exc).__name__
    if isinstance(exc, TimeoutError) or name in ("Timeout", "APITimeoutError"):
        return TransportError(f"no answer within {timeout}s", kind="timeout")
    status = getattr(exc, "status_code", None)
    message = excerpt(str(getattr(exc, "message", None) or exc), 300, one_line=True)
    if name in ("APIConnectionError", "ServiceUnavailableError", "InternalServerError") and not isinstance(status, int):
        return TransportError(f"connection failed: {name}: {message}", kind="connection")
    if isinstance(status, int):
        return TransportError(f"HTTP {status}: {message}", kind="status", status=status, retry_after=retry_after(exc))
    return TransportError(f"{name}: {message}", kind="response")


def retry_after(exc: BaseException) -> float | None:
    """Seconds the provider asked to wait (``Retry-After`` / ``retry-after-ms``), from a litellm exception."""
    for headers in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        asked = retry_after_from_headers(headers)
        if asked is not None:
            return asked
    return None
