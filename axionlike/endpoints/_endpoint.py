"""One HTTP endpoint called as the task: request, retries, rate limit, streaming, spans.

``Endpoint`` is the one class to subclass for an endpoint that needs code (a
token flow, an odd request or answer shape). It keeps the shell (one
``httpx.AsyncClient`` per event loop, retries, the rate limit, timing, spans,
redaction) and exposes small hooks: ``build_request``, ``auth_headers``,
``parse_response`` and ``parse_event``. Subclasses register under ``endpoint_type`` and
are picked with ``type: <name>`` in an endpoint's config.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from axionlike._exceptions import ConfigurationError, EndpointError, PathError, TaskError
from axionlike._paths import resolve
from axionlike._redact import MASK, is_secret_key, redact, redact_value, register_secret
from axionlike._retry import call_with_retries, parse_retry_after
from axionlike.dataset import DatasetItem
from axionlike.endpoints._config import EndpointConfig
from axionlike.endpoints._failures import asked_wait, excerpt, is_retryable
from axionlike.endpoints._stream import Fail, read_stream
from axionlike.endpoints._templates import render
from axionlike.tracing import Span, get_tracer

if TYPE_CHECKING:
    import httpx
    from aiolimiter import AsyncLimiter

logger = logging.getLogger("axionlike.endpoints")

_RESERVED_OUTPUT = frozenset({"response", "latency", "metadata", "time_to_first_token"})
_ENDPOINT_TYPES: dict[str, type[Endpoint]] = {}


class EndpointAnswer(BaseModel):
    """What an endpoint answered, read out of its response."""

    model_config = ConfigDict(extra="forbid")

    response: str
    """The answer text."""
    retrieved_content: list[Any] | None = None
    """Retrieved contexts, when the endpoint reports them."""
    tools_called: list[Any] | None = None
    """Tool calls, when the endpoint reports them."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Further output keys (``extra_paths``)."""


class EndpointRequest(BaseModel):
    """The request to send for one item (headers without the credential)."""

    method: str
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    json_body: Any = None
    params: dict[str, Any] | None = None


@dataclass
class _LoopState:
    client: httpx.AsyncClient
    limiter: AsyncLimiter | None


@dataclass
class _Reply:
    answer: EndpointAnswer
    status: int
    request_id: str | None
    latency: float
    time_to_first_token: float | None = None


class Endpoint:
    """One named endpoint, callable as an evaluation task.

    Subclass it for endpoints that need code and give the subclass an ``endpoint_type``;
    an endpoint config with ``type: <that name>`` then uses it. Override only the
    hooks you need; retries, rate limiting, timing, spans and redaction stay here.

    Example:
        ```python
        class SignedEndpoint(Endpoint):
            endpoint_type = "signed"

            async def auth_headers(self, client):
                token = (await client.post(TOKEN_URL, data={"key": self.api_key})).json()["token"]
                register_secret(token)
                return {"Authorization": f"Bearer {token}"}

        APIRunner(config={"bot": {"api_url": URL, "api_key_env": "BOT_KEY", "type": "signed"}})
        ```
    """

    endpoint_type: ClassVar[str | None] = "http"
    """Name the class registers under: set it on a subclass (the base class is ``'http'``)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("endpoint_type")
        if name:
            _ENDPOINT_TYPES[name] = cls

    def __init__(self, name: str, config: EndpointConfig) -> None:
        self.name = name
        self.__name__ = name  # the engine names the task span after it
        self.config = config
        clash = sorted(set(config.extra_paths) & _RESERVED_OUTPUT)
        if clash:
            raise ConfigurationError(f"endpoint '{name}': extra_paths may not use the reserved keys {clash}")
        self._api_key = self._read_key()
        register_secret(self._api_key)
        for header, value in config.headers.items():
            if is_secret_key(header):
                register_secret(value)
        self._states: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopState] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, api_url={self.config.api_url!r})"

    def _read_key(self) -> str | None:
        if self.config.api_key is not None:
            return self.config.api_key.get_secret_value()
        env = self.config.api_key_env
        if env is None:
            return None
        value = os.environ.get(env)
        if not value:
            raise ConfigurationError(f"endpoint '{self.name}': environment variable {env} (api_key_env) is not set")
        return value

    @property
    def api_key(self) -> str | None:
        """The credential, for subclasses' auth flows; never logged or recorded."""
        return self._api_key

    # ---- hooks a subclass may override -------------------------------------------------

    def build_request(self, item: DatasetItem) -> EndpointRequest:
        """The request for ``item``: the body template rendered with the item's fields."""
        cfg = self.config
        try:
            rendered = render(cfg.body_template, item.fields())
        except PathError as exc:
            raise TaskError(
                f"item '{item.id}' cannot fill the request template of endpoint '{self.name}': "
                f"{exc} (the template reads item fields with {{{{ field.path }}}})"
            ) from None
        if cfg.method == "GET":
            if rendered is not None and not isinstance(rendered, dict):
                raise ConfigurationError(f"endpoint '{self.name}': a GET body_template must be a mapping of parameters")
            return EndpointRequest(method=cfg.method, url=cfg.api_url, headers=dict(cfg.headers), params=rendered)
        return EndpointRequest(method=cfg.method, url=cfg.api_url, headers=dict(cfg.headers), json_body=rendered)

    async def auth_headers(self, client: httpx.AsyncClient) -> dict[str, str]:
        """Headers carrying the credential; called before every attempt."""
        if not self._api_key:
            return {}
        return {self.config.api_key_header: f"{self.config.api_key_prefix}{self._api_key}"}

    def parse_response(self, data: Any, item: DatasetItem) -> EndpointAnswer:
        """Read the answer, contexts, tool calls and extra keys out of the JSON answer."""
        cfg = self.config
        answer = resolve(data, cfg.response_path)
        if answer is None:
            raise PathError(f"path '{cfg.response_path}' is null", path=cfg.response_path)
        optional = {"retrieved_content": cfg.retrieved_content_path, "tools_called": cfg.tools_called_path}
        found = {key: _optional(data, path) for key, path in optional.items()}
        extra = {key: _optional(data, path) for key, path in cfg.extra_paths.items()}
        return EndpointAnswer(
            response=answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False),
            retrieved_content=_as_list(found["retrieved_content"]),
            tools_called=_as_list(found["tools_called"]),
            extra={k: v for k, v in extra.items() if v is not None},
        )

    def parse_event(self, data: Any) -> str | None:
        """The piece of text in one streamed event (``None`` for events without text)."""
        try:
            piece = resolve(data, self.config.stream_delta_path)
        except PathError:
            return None
        return piece if isinstance(piece, str) else None

    # ---- the task face -----------------------------------------------------------------

    def cache_identity(self) -> dict[str, Any]:
        """What identifies this endpoint for the cache: name, URL and request template, never the key."""
        cfg = self.config
        return {
            "endpoint": self.name,
            "type": cfg.type,
            "url": redact(cfg.api_url),
            "method": cfg.method,
            "body_template": redact_value(cfg.body_template),
            "response_path": cfg.response_path,
            "stream": cfg.stream,
        }

    async def __call__(self, item: DatasetItem) -> dict[str, Any]:
        """Call the endpoint for ``item`` and return the task output.

        Keys: ``response``, ``latency`` (seconds of the successful request),
        ``retrieved_content`` / ``tools_called`` / extra keys when found,
        ``time_to_first_token`` when streaming, and ``metadata`` (the item's, plus
        ``api``: endpoint, HTTP status, request id, attempts, total seconds).
        """
        state = self._state()
        spec = self.build_request(item)
        started = time.perf_counter()
        attempt_number = 0

        async def attempt(number: int) -> _Reply:
            nonlocal attempt_number
            attempt_number = number
            return await self._attempt(state, spec, item, number)

        try:
            reply = await call_with_retries(
                attempt,
                self.config.retry,
                retryable=is_retryable,
                asked_wait=asked_wait,
                on_retry=self._log_retry(item),
            )
        except EndpointError as exc:
            if exc.retryable and attempt_number > 1:
                raise EndpointError(
                    f"{exc} (gave up after {attempt_number} attempts)",
                    status=exc.status,
                    request_id=exc.request_id,
                    retryable=False,
                ) from exc
            raise
        return self._output(item, reply, attempt_number, time.perf_counter() - started)

    async def aclose(self) -> None:
        """Close the HTTP client of the running event loop (the engine calls this after a run)."""
        state = self._states.pop(asyncio.get_running_loop(), None)
        if state is not None:
            await state.client.aclose()

    # ---- the shell ---------------------------------------------------------------------

    def _state(self) -> _LoopState:
        """This loop's client and limiter; made on first use so nothing binds at construction."""
        loop = asyncio.get_running_loop()
        state = self._states.get(loop)
        if state is None:
            import httpx

            limiter = None
            if self.config.rate is not None:
                from aiolimiter import AsyncLimiter

                limiter = AsyncLimiter(self.config.burst, self.config.burst / self.config.rate)
            timeout = httpx.Timeout(self.config.timeout, connect=self.config.connect_timeout)
            # the engine's max_concurrent bounds requests in flight; the pool does not add a second limit
            limits = httpx.Limits(max_connections=None, max_keepalive_connections=100)
            state = self._states[loop] = _LoopState(httpx.AsyncClient(timeout=timeout, limits=limits), limiter)
        return state

    async def _attempt(self, state: _LoopState, spec: EndpointRequest, item: DatasetItem, number: int) -> _Reply:
        if state.limiter is not None:
            await state.limiter.acquire()
        tracer = get_tracer()
        traced = tracer.enabled  # redacting span payloads costs time; only do it when spans are kept
        with tracer.span(
            f"{self.name} {spec.method}",
            kind="span",
            input=redact_value(spec.json_body if spec.params is None else spec.params) if traced else None,
            metadata={"endpoint": self.name, "method": spec.method, "url": redact(spec.url), "attempt": number}
            if traced
            else None,
        ) as span:
            try:
                reply = await self._exchange(state.client, spec, item, span if traced else None)
            except EndpointError as exc:
                span.set_attributes(status=exc.status, request_id=exc.request_id, error=str(exc))
                raise
            span.set_attributes(
                status=reply.status,
                request_id=reply.request_id,
                latency=reply.latency,
                time_to_first_token=reply.time_to_first_token,
            )
            if traced:
                span.set_output(redact(reply.answer.response))
        return reply

    async def _exchange(
        self, client: httpx.AsyncClient, spec: EndpointRequest, item: DatasetItem, span: Span | None
    ) -> _Reply:
        """One request and its answer, with httpx's failures translated into EndpointError."""
        import httpx

        try:
            headers = {**spec.headers, **await self.auth_headers(client)}
            if span is not None:
                span.set_attributes(headers={k: MASK if is_secret_key(k) else redact(v) for k, v in headers.items()})
            if self.config.stream:
                return await self._send_stream(client, spec, headers, item)
            return await self._send(client, spec, headers, item)
        except httpx.TimeoutException as exc:
            raise EndpointError(
                f"endpoint '{self.name}' timed out for item '{item.id}' ({type(exc).__name__}, "
                f"timeout {self.config.timeout}s)",
                retryable=True,
            ) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise EndpointError(
                f"endpoint '{self.name}' connection failed for item '{item.id}': {type(exc).__name__}: {exc}",
                retryable=True,
            ) from None

    async def _send(
        self, client: httpx.AsyncClient, spec: EndpointRequest, headers: dict[str, str], item: DatasetItem
    ) -> _Reply:
        started = time.perf_counter()
        response = await client.request(spec.method, spec.url, headers=headers, json=spec.json_body, params=spec.params)
        latency = time.perf_counter() - started
        request_id = response.headers.get(self.config.request_id_header)
        self._check_status(response, item, request_id)
        try:
            data = response.json()
        except ValueError:
            raise EndpointError(
                f"endpoint '{self.name}' answered HTTP {response.status_code} with malformed JSON for item "
                f"'{item.id}': {excerpt(response.text)}",
                status=response.status_code,
                request_id=request_id,
            ) from None
        answer = self._parse(data, item, response.status_code, request_id)
        return _Reply(answer, response.status_code, request_id, latency)

    async def _send_stream(
        self, client: httpx.AsyncClient, spec: EndpointRequest, headers: dict[str, str], item: DatasetItem
    ) -> _Reply:
        started = time.perf_counter()
        headers = {**headers, "Accept": "text/event-stream"}
        async with client.stream(
            spec.method, spec.url, headers=headers, json=spec.json_body, params=spec.params
        ) as response:
            request_id = response.headers.get(self.config.request_id_header)
            if response.status_code >= 400:
                await response.aread()
                self._check_status(response, item, request_id)
            text, first = await read_stream(
                response,
                parse_event=self.parse_event,
                done=self.config.stream_done,
                started=started,
                fail=self._stream_failure(item, response.status_code, request_id),
            )
        return _Reply(
            EndpointAnswer(response=text), response.status_code, request_id, time.perf_counter() - started, first
        )

    def _stream_failure(self, item: DatasetItem, status: int, request_id: str | None) -> Fail:
        def fail(problem: str, detail: str, retryable: bool) -> EndpointError:
            if problem == "streamed no text":
                problem += f" at stream_delta_path '{self.config.stream_delta_path}'"
            return EndpointError(
                f"endpoint '{self.name}' {problem} for item '{item.id}'" + (f": {detail}" if detail else ""),
                status=status,
                request_id=request_id,
                retryable=retryable,
            )

        return fail

    def _parse(self, data: Any, item: DatasetItem, status: int, request_id: str | None) -> EndpointAnswer:
        try:
            return self.parse_response(data, item)
        except PathError as exc:
            raise EndpointError(
                f"endpoint '{self.name}' answer for item '{item.id}' lacks its answer: {exc}",
                status=status,
                request_id=request_id,
            ) from None
        except ValidationError as exc:
            raise EndpointError(
                f"endpoint '{self.name}' answer for item '{item.id}' has the wrong shape: "
                f"{exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
                status=status,
                request_id=request_id,
            ) from None

    def _check_status(self, response: httpx.Response, item: DatasetItem, request_id: str | None) -> None:
        status = response.status_code
        if status < 400:
            return
        raise EndpointError(
            f"endpoint '{self.name}' answered HTTP {status} {response.reason_phrase} for item '{item.id}': "
            f"{excerpt(response.text) or '(empty body)'}",
            status=status,
            request_id=request_id,
            retryable=status == 429 or status >= 500,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
        )

    def _output(self, item: DatasetItem, reply: _Reply, attempts: int, total: float) -> dict[str, Any]:
        answer = reply.answer
        output: dict[str, Any] = {"response": answer.response, "latency": reply.latency}
        if answer.retrieved_content is not None:
            output["retrieved_content"] = answer.retrieved_content
        if answer.tools_called is not None:
            output["tools_called"] = answer.tools_called
        output.update(answer.extra)
        if reply.time_to_first_token is not None:
            output["time_to_first_token"] = reply.time_to_first_token
        api = {
            "endpoint": self.name,
            "status": reply.status,
            "request_id": reply.request_id,
            "attempts": attempts,
            "total_seconds": total,
        }
        if reply.time_to_first_token is not None:
            api["time_to_first_token"] = reply.time_to_first_token
        output["metadata"] = {**item.metadata, "api": api}
        text = json.dumps(output, ensure_ascii=False, default=str)
        return _scrub(output) if redact(text) != text else output  # an endpoint may echo its credential

    def _log_retry(self, item: DatasetItem) -> Callable[[Exception, int, float], None]:
        def log(exc: Exception, number: int, wait: float) -> None:
            logger.info("%s", redact(f"attempt {number} failed ({exc}); retrying item '{item.id}' in {wait:.2f}s"))

        return log


_ENDPOINT_TYPES["http"] = Endpoint


def endpoint_class(name: str) -> type[Endpoint]:
    """The registered Endpoint subclass whose ``endpoint_type`` is ``name``."""
    try:
        return _ENDPOINT_TYPES[name]
    except KeyError:
        raise ConfigurationError(
            f"unknown endpoint type '{name}'; registered: {', '.join(sorted(_ENDPOINT_TYPES))} "
            "(subclass Endpoint with endpoint_type set to register one)"
        ) from None


def _scrub(value: Any) -> Any:
    """``value`` with known secrets masked inside its strings (keys such as ``tokens`` kept)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _optional(data: Any, path: str | None) -> Any:
    if not path:
        return None
    try:
        return resolve(data, path)
    except PathError:
        return None


def _as_list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    return value if isinstance(value, list) else [value]
