"""LLMClient: the one way axionlike calls an LLM, whichever route reaches the model.

One ``complete`` (or ``embed``) is one logical call: flow control per model (adaptive
in-flight limit, optional RPM pacing), a per-call timeout, retries (``call_with_retries``),
errors translated to axionlike's LLM errors with secrets masked, tokens and cost
recorded in the open usage scopes, and an ``llm_call`` span. ``structured`` adds
output parsed into a pydantic model (a JSON schema, or a forced tool call for models
without one), with a repair step, under a ``litellm_structured`` span. A transport
(``_transports``) only sends the request: the direct OpenAI-protocol route or litellm.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, SecretStr

from axionlike._exceptions import LLMError, LLMTimeoutError, RateLimitError, StructuredOutputError
from axionlike._redact import mask_library_logs, redact, redact_value, register_secret
from axionlike._retry import RetryPolicy, call_with_retries
from axionlike._sync import run_sync
from axionlike.llm._keys import check_api_key, is_local, key_variable
from axionlike.llm._limits import ModelLimits, RequestPacer, model_limits
from axionlike.llm._pricing import supports
from axionlike.llm._retry import default_retry_policy
from axionlike.llm._structured import parse_structured, response_format, tool_format
from axionlike.llm._transports import (
    Completion,
    Embedding,
    Route,
    Transport,
    TransportError,
    environment_read,
    import_in_background,
    resolve_route,
    transport_for,
)
from axionlike.llm._usage import record_usage
from axionlike.results import Usage
from axionlike.tracing import get_tracer

logger = logging.getLogger("axionlike.llm")
T = TypeVar("T", bound=BaseModel)
Messages = Sequence[dict[str, Any]]
StructuredMode = Literal["auto", "json_schema", "tool"]

_LOCAL_PLACEHOLDER_KEY = "local-server-needs-no-key"

REPAIR_PROMPT = (
    "Your previous answer could not be used: {error}\n"
    "Answer again with only a JSON object that fits this JSON schema, and nothing else:\n{schema}"
)


@dataclass(frozen=True)
class LLMResponse:
    """One completed call: the message content and tool calls, its usage, how many attempts it took."""

    content: str | None
    usage: Usage
    model: str
    attempts: int
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    """The first choice's tool calls, OpenAI-shaped (``{"function": {"name", "arguments"}}``)."""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    """The whole response as a dict in the OpenAI shape (several choices, logprobs, ...)."""


@dataclass(frozen=True)
class EmbeddingResponse:
    """Vectors for the embedded texts, in input order, and the call's usage."""

    vectors: list[list[float]]
    usage: Usage
    model: str
    attempts: int


@dataclass(frozen=True)
class StructuredResponse(Generic[T]):
    """A parsed answer, the usage of every call it took, and the raw content it came from."""

    value: T
    usage: Usage
    content: str | None
    repairs: int = 0
    """Extra calls made because an answer did not fit the schema."""


class LLMClient:
    """Calls one model, with retries, timeouts, flow control and accounting, by the route that fits it.

    OpenAI's models and OpenAI-compatible servers (``openai/<name>`` with an ``api_base``:
    vLLM, SGLang, Ollama's ``/v1``; ``hosted_vllm/<name>``) are called directly over HTTP;
    every other provider (Anthropic, Bedrock, Vertex, ...) through litellm. Both routes
    give the same answers, usage, cost, errors and spans; ``transport`` forces one.

    Args:
        model_name: the model as litellm names it (``'gpt-4o'``, ``'openai/...'``,
            ``'anthropic/...'``, ``'hosted_vllm/...'``).
        api_base: endpoint override (up to ``/v1`` for an OpenAI-compatible server).
        api_key: key override; otherwise the provider's environment variable. It is
            registered as a secret and never appears in errors, logs or spans.
        timeout: seconds one attempt may take.
        retry: retry policy; the process default (``set_default_retry_policy``) if None.
        temperature: sampling temperature (``None`` leaves the provider default).
        max_tokens: completion length cap.
        requests_per_minute: pace this model's requests (process-wide, per api_base).
        transport: ``'auto'`` (by provider), ``'direct'`` (the OpenAI protocol over
            aiohttp, also for a proxy of another provider) or ``'litellm'``.
        structured_output: how ``structured`` asks for JSON: ``'json_schema'``
            (``response_format``), ``'tool'`` (a forced tool call), or ``'auto'``: a tool
            call for models litellm's price map says lack JSON-schema output, else the schema.
        params: further request parameters, sent on every call (in the request body on
            the direct route, to ``litellm.acompletion`` on the other).

    Example:
        ```python
        client = LLMClient("openai/gpt-4o-mini", api_base="http://127.0.0.1:8000/v1", api_key="dummy")
        verdict = await client.structured(messages, Verdict)
        print(verdict.value.score, verdict.usage.cost)
        ```
    """

    def __init__(
        self,
        model_name: str,
        *,
        api_base: str | None = None,
        api_key: str | SecretStr | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
        requests_per_minute: float | None = None,
        transport: Route = "auto",
        structured_output: StructuredMode = "auto",
        **params: Any,
    ) -> None:
        self.model_name = model_name
        self.api_base = api_base
        self._api_key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        register_secret(self._api_key)
        mask_library_logs()
        self.timeout = timeout
        self.retry = retry
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.requests_per_minute = requests_per_minute
        self.route = resolve_route(model_name, transport)
        """``'direct'`` or ``'litellm'``: the route this client's calls take."""
        self.structured_output = structured_output
        self.params = params
        self._built: tuple[int, Transport] | None = None

    def __repr__(self) -> str:
        return f"LLMClient(model_name={self.model_name!r}, api_base={self.api_base!r}, route={self.route!r})"

    def cache_identity(self) -> dict[str, Any]:
        """What about this client changes answers: the model and sampling parameters (never the key, nor the route)."""
        return {
            "model_name": self.model_name,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "params": redact_value(self.params),
        }

    def preflight(self, who: str = "") -> None:
        """Raise ConfigurationError now if the model needs an API key that is not set.

        A client on the litellm route also starts importing litellm in the background,
        so that the run's first call does not wait seconds for it.
        """
        check_api_key(self.model_name, api_base=self.api_base, api_key=self._api_key, who=who)
        if self.route == "litellm":
            import_in_background()

    # -- calls ----------------------------------------------------------------------

    async def complete(self, messages: Messages, **params: Any) -> LLMResponse:
        """One chat completion with retries; ``params`` join the request (``response_format``, ``tools``, ...).

        Raises:
            RateLimitError: still 429 after the last attempt.
            LLMTimeoutError: the last attempt timed out.
            LLMError: any other provider failure (4xx other than 429 are not retried).
        """
        tracer = get_tracer()
        traced_input = redact_value(list(messages)) if tracer.enabled else None  # redaction is not free
        with tracer.span(
            "llm_call", kind="generation", input=traced_input, metadata={"model": self.model_name}
        ) as span:
            answer, attempts = await self._call("complete", self._body(messages, params), span)
            assert isinstance(answer, Completion)
            if tracer.enabled:
                span.set_output(redact(answer.content or json.dumps(answer.tool_calls)))
        return LLMResponse(
            content=answer.content,
            usage=answer.usage,
            model=self.model_name,
            attempts=attempts,
            tool_calls=answer.tool_calls,
            raw=answer.raw,
        )

    async def embed(self, texts: Sequence[str], **params: Any) -> EmbeddingResponse:
        """Embed ``texts`` (``model_name`` must be an embedding model), with the same retries.

        Raises:
            RateLimitError, LLMTimeoutError, LLMError: as ``complete``.
        """
        body = {"input": list(texts), **self.params, **params}
        with get_tracer().span("llm_embedding", kind="embedding", metadata={"model": self.model_name}) as span:
            answer, attempts = await self._call("embed", body, span)
            assert isinstance(answer, Embedding)
        return EmbeddingResponse(vectors=answer.vectors, usage=answer.usage, model=self.model_name, attempts=attempts)

    async def structured(
        self, messages: Messages, schema: type[T], *, repair_attempts: int = 1, **params: Any
    ) -> StructuredResponse[T]:
        """Ask for JSON fitting ``schema`` and parse it into a ``schema`` instance.

        The JSON is asked for with ``response_format`` (a JSON schema) or, for models
        without it, with a forced tool call whose parameters are the schema (see
        ``structured_output``). An answer with the usual slips (prose around it, a code
        fence, trailing commas) is repaired locally; an answer that still does not fit
        is sent back to the model with the validation error, up to ``repair_attempts`` times.

        Raises:
            StructuredOutputError: no answer fit the schema.
        """
        total = Usage()
        conversation = list(messages)
        ask = tool_format(schema) if self._structured_mode() == "tool" else {"response_format": response_format(schema)}
        with get_tracer().span(
            "litellm_structured", kind="llm", metadata={"model": self.model_name, "schema": schema.__name__}
        ) as span:
            for repairs in range(repair_attempts + 1):
                response = await self.complete(conversation, **ask, **params)
                total = total + response.usage
                content = _structured_content(response)
                try:
                    value = parse_structured(content, schema, model_name=self.model_name)
                except StructuredOutputError as exc:
                    if repairs == repair_attempts:
                        span.set_attributes(repairs=repairs, error=str(exc))
                        raise StructuredOutputError(
                            f"{exc} (after {repairs} repair request{'s' if repairs != 1 else ''})"
                        ) from exc
                    logger.info("repairing structured answer of %s: %s", self.model_name, redact(str(exc)))
                    conversation = [
                        *conversation,
                        {"role": "assistant", "content": content or ""},
                        {
                            "role": "user",
                            "content": REPAIR_PROMPT.format(error=exc, schema=json.dumps(schema.model_json_schema())),
                        },
                    ]
                    continue
                span.set_attributes(
                    model=self.model_name,
                    repairs=repairs,
                    prompt_tokens=total.prompt_tokens,
                    completion_tokens=total.completion_tokens,
                    cached_tokens=total.cached_tokens,
                    cost=total.cost,
                )
                if get_tracer().enabled:
                    span.set_output(value.model_dump(mode="json"))
                return StructuredResponse(value=value, usage=total, content=content, repairs=repairs)
        raise AssertionError("unreachable")  # pragma: no cover

    def complete_sync(self, messages: Messages, **params: Any) -> LLMResponse:
        """``complete`` for synchronous callers (works inside a running event loop too)."""
        return run_sync(self.complete(messages, **params))

    def structured_sync(
        self, messages: Messages, schema: type[T], *, repair_attempts: int = 1, **params: Any
    ) -> StructuredResponse[T]:
        """``structured`` for synchronous callers (works inside a running event loop too)."""
        return run_sync(self.structured(messages, schema, repair_attempts=repair_attempts, **params))

    def embed_sync(self, texts: Sequence[str], **params: Any) -> EmbeddingResponse:
        """``embed`` for synchronous callers (works inside a running event loop too)."""
        return run_sync(self.embed(texts, **params))

    # -- internals --------------------------------------------------------------------

    def _transport(self) -> Transport:
        """Built on the first call, and again when the key or base-URL variables it read have
        changed: a client shared by judges (one per setting, for the process) follows a new
        ``OPENAI_BASE_URL``, such as a notebook's second local server."""
        seen = hash(environment_read(self.model_name))  # a hash: the client keeps no copy of a key
        if self._built is None or self._built[0] != seen:
            key = self._api_key
            if key is None and is_local(self.api_base) and self.route == "litellm":
                variable = key_variable(self.model_name)
                if not (variable and os.environ.get(variable)):
                    key = _LOCAL_PLACEHOLDER_KEY  # the OpenAI SDK under litellm insists on a key; a local server needs none
            self._built = (seen, transport_for(self.model_name, api_base=self.api_base, api_key=key, route=self.route))
        return self._built[1]

    def _structured_mode(self) -> str:
        if self.structured_output != "auto":
            return self.structured_output
        lacks_schema = supports(self.model_name, "response_schema") is False
        return "tool" if lacks_schema and supports(self.model_name, "function_calling") else "json_schema"

    def _body(self, messages: Messages, params: dict[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {"messages": list(messages)}
        if self.temperature is not None:
            body["temperature"] = self.temperature
        if self.max_tokens is not None:
            body["max_tokens"] = self.max_tokens
        body.update(self.params)
        body.update(params)
        return body

    async def _call(self, operation: str, body: dict[str, Any], span: Any) -> tuple[Completion | Embedding, int]:
        """Send ``body`` by the transport's ``operation`` under flow control and retries; record its usage."""
        transport = self._transport()
        send = transport.complete if operation == "complete" else transport.embed
        limits = self._limits()
        attempts = 0

        async def attempt(number: int) -> Completion | Embedding:
            nonlocal attempts
            attempts = number
            return await self._attempt(send, limits, body)

        try:
            answer = await call_with_retries(
                attempt,
                self.retry or default_retry_policy(),
                retryable=lambda exc: isinstance(exc, TransportError) and exc.retryable,
                asked_wait=lambda exc: exc.retry_after if isinstance(exc, TransportError) else None,
                on_retry=self._log_retry,
            )
        except TransportError as exc:
            error = self._translate(exc, attempts)
            span.set_attributes(model=self.model_name, attempts=attempts, error=str(error))
            raise error from exc
        usage = answer.usage
        record_usage(usage)
        span.set_attributes(
            model=self.model_name,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cached_tokens=usage.cached_tokens,
            cost=usage.cost,
            attempts=attempts,
        )
        return answer, attempts

    def _limits(self) -> ModelLimits:
        limits = model_limits(self.model_name, self.api_base)
        if self.requests_per_minute and (
            limits.pacer is None or limits.pacer.interval != 60.0 / self.requests_per_minute
        ):
            limits.pacer = RequestPacer(self.requests_per_minute)
        return limits

    async def _attempt(self, send: Any, limits: ModelLimits, body: dict[str, Any]) -> Completion | Embedding:
        generation = await limits.limiter.acquire()
        try:
            if limits.pacer is not None:
                await limits.pacer.wait()
            answer: Completion | Embedding = await send(body, self.timeout)
        except TransportError as exc:
            if exc.status == 429:
                limits.limiter.on_rate_limited(generation)
            raise
        finally:
            limits.limiter.release()
        limits.limiter.on_success()
        return answer

    def _log_retry(self, exc: Exception, number: int, wait: float) -> None:
        logger.info("LLM call to %s failed (%s), retry %d in %.2fs", self.model_name, redact(str(exc)), number, wait)

    def _translate(self, exc: TransportError, attempts: int) -> LLMError:
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if exc.status == 429:
            return RateLimitError(f"model '{self.model_name}' still rate-limited (HTTP 429) {tries}: {exc}")
        if exc.kind == "timeout":
            return LLMTimeoutError(f"model '{self.model_name}' did not answer within {self.timeout}s ({tries})")
        if exc.status in (401, 403):
            variable = key_variable(self.model_name)
            hint = f"; check the API key ({variable} or api_key=...)" if variable else "; check the API key"
            return LLMError(f"model '{self.model_name}' refused the credentials (HTTP {exc.status}, not retried){hint}")
        if exc.status is not None and not exc.retryable:
            return LLMError(f"model '{self.model_name}' rejected the request (HTTP {exc.status}, not retried): {exc}")
        return LLMError(f"model '{self.model_name}' call failed {tries}: {exc}")


def _structured_content(response: LLMResponse) -> str | None:
    """The JSON text of a structured answer: the message content, or the first tool call's arguments."""
    if response.tool_calls:
        arguments = (response.tool_calls[0].get("function") or {}).get("arguments")
        return arguments if isinstance(arguments, str) else json.dumps(arguments)
    return response.content
