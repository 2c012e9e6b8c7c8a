"""LLMClient: the one way axionlike calls an LLM (litellm underneath).

One ``complete`` (or ``embed``) is one logical call: flow control per model (adaptive in-flight limit,
optional RPM pacing), a per-call timeout, retries owned by tenacity, errors translated
to axionlike's LLM errors with secrets masked, tokens and cost recorded in the open
usage scopes, and an ``llm_call`` span. ``structured`` adds JSON-schema output parsed
into a pydantic model, with a repair step, under a ``litellm_structured`` span.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, SecretStr
from tenacity import RetryCallState

from axionlike._exceptions import AxionlikeError, LLMError, LLMTimeoutError, RateLimitError, StructuredOutputError
from axionlike._redact import redact, redact_value, register_secret
from axionlike._retry import RetryPolicy, retrying
from axionlike._sync import run_sync
from axionlike.llm._keys import check_api_key, is_local, key_variable
from axionlike.llm._limits import ModelLimits, RequestPacer, model_limits
from axionlike.llm._litellm import litellm_loaded, load_litellm
from axionlike.llm._retry import default_retry_policy, is_rate_limit, is_retryable, is_timeout, retry_after
from axionlike.llm._retry import status_code as http_status
from axionlike.llm._structured import parse_structured, response_format
from axionlike.llm._usage import record_usage
from axionlike.results import Usage
from axionlike.tracing import get_tracer

logger = logging.getLogger("axionlike.llm")
T = TypeVar("T", bound=BaseModel)
Messages = Sequence[dict[str, Any]]

_TIMEOUT_GRACE = 1.0
"""Seconds past the per-call timeout before our own guard cancels a call litellm did not end."""

_LOCAL_PLACEHOLDER_KEY = "local-server-needs-no-key"

REPAIR_PROMPT = (
    "Your previous answer could not be used: {error}\n"
    "Answer again with only a JSON object that fits this JSON schema, and nothing else:\n{schema}"
)


@dataclass(frozen=True)
class LLMResponse:
    """One completed call: the message content, its usage, how many attempts it took."""

    content: str | None
    usage: Usage
    model: str
    attempts: int
    raw: Any = field(default=None, repr=False, compare=False)
    """litellm's ``ModelResponse`` (for tool calls, several choices, logprobs, ...)."""


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
    """Calls one model through litellm, with retries, timeouts, flow control and accounting.

    Args:
        model_name: any model litellm accepts (``'gpt-4o'``, ``'openai/...'``,
            ``'anthropic/...'``); ``'openai/<name>'`` with ``api_base`` reaches any
            OpenAI-compatible server.
        api_base: endpoint override.
        api_key: key override; otherwise the provider's environment variable. It is
            registered as a secret and never appears in errors, logs or spans.
        timeout: seconds one attempt may take.
        retry: retry policy; the process default (``set_default_retry_policy``) if None.
        temperature: sampling temperature (``None`` leaves the provider default).
        max_tokens: completion length cap.
        requests_per_minute: pace this model's requests (process-wide, per api_base).
        params: further litellm ``completion`` parameters, sent on every call.

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
        **params: Any,
    ) -> None:
        self.model_name = model_name
        self.api_base = api_base
        self._api_key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        register_secret(self._api_key)
        self.timeout = timeout
        self.retry = retry
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.requests_per_minute = requests_per_minute
        self.params = params

    def __repr__(self) -> str:
        return f"LLMClient(model_name={self.model_name!r}, api_base={self.api_base!r})"

    def cache_identity(self) -> dict[str, Any]:
        """What about this client changes answers: the model and sampling parameters (never the key)."""
        return {
            "model_name": self.model_name,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "params": redact_value(self.params),
        }

    def preflight(self, who: str = "") -> None:
        """Raise ConfigurationError now if the model needs an API key that is not set."""
        check_api_key(self.model_name, api_base=self.api_base, api_key=self._api_key, who=who)

    # -- calls ----------------------------------------------------------------------

    async def complete(self, messages: Messages, **params: Any) -> LLMResponse:
        """One chat completion with retries; ``params`` go to litellm (``response_format``, ...).

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
            response, usage, attempts = await self._call("acompletion", self._request(messages, params), span)
            content = response.choices[0].message.content if response.choices else None
            if tracer.enabled:
                span.set_output(redact(content or ""))
        return LLMResponse(content=content, usage=usage, model=self.model_name, attempts=attempts, raw=response)

    async def embed(self, texts: Sequence[str], **params: Any) -> EmbeddingResponse:
        """Embed ``texts`` (``model_name`` must be an embedding model), with the same retries.

        Raises:
            RateLimitError, LLMTimeoutError, LLMError: as ``complete``.
        """
        request = self._request([], params)
        request.pop("messages")
        request.pop("temperature", None)
        request.pop("drop_params")
        request["input"] = list(texts)
        with get_tracer().span("llm_embedding", kind="embedding", metadata={"model": self.model_name}) as span:
            response, usage, attempts = await self._call("aembedding", request, span)
        vectors = [item["embedding"] for item in sorted(response.data, key=lambda d: d["index"])]
        return EmbeddingResponse(vectors=vectors, usage=usage, model=self.model_name, attempts=attempts)

    async def structured(
        self, messages: Messages, schema: type[T], *, repair_attempts: int = 1, **params: Any
    ) -> StructuredResponse[T]:
        """Ask for JSON fitting ``schema`` and parse it into a ``schema`` instance.

        An answer with the usual slips (prose around it, a code fence, trailing commas)
        is repaired locally; an answer that still does not fit is sent back to the
        model with the validation error, up to ``repair_attempts`` times.

        Raises:
            StructuredOutputError: no answer fit the schema.
        """
        total = Usage()
        conversation = list(messages)
        with get_tracer().span(
            "litellm_structured", kind="llm", metadata={"model": self.model_name, "schema": schema.__name__}
        ) as span:
            for repairs in range(repair_attempts + 1):
                response = await self.complete(conversation, response_format=response_format(schema), **params)
                total = total + response.usage
                try:
                    value = parse_structured(response.content, schema, model_name=self.model_name)
                except StructuredOutputError as exc:
                    if repairs == repair_attempts:
                        span.set_attributes(repairs=repairs, error=str(exc))
                        raise StructuredOutputError(
                            f"{exc} (after {repairs} repair request{'s' if repairs != 1 else ''})"
                        ) from exc
                    logger.info("repairing structured answer of %s: %s", self.model_name, redact(str(exc)))
                    conversation = [
                        *conversation,
                        {"role": "assistant", "content": response.content or ""},
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
                return StructuredResponse(value=value, usage=total, content=response.content, repairs=repairs)
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

    async def _call(self, operation: str, request: dict[str, Any], span: Any) -> tuple[Any, Usage, int]:
        """Run litellm's ``operation`` under flow control and retries; record its usage."""
        litellm = load_litellm() if litellm_loaded() else await asyncio.to_thread(load_litellm)
        policy = self.retry or default_retry_policy()
        limits = self._limits()
        attempts = 0
        try:
            async for attempt in retrying(
                policy, retryable=is_retryable, asked_wait=retry_after, before_sleep=self._log_retry
            ):
                with attempt:
                    attempts += 1
                    response = await self._attempt(getattr(litellm, operation), limits, request)
        except AxionlikeError:
            raise
        except Exception as exc:
            error = self._translate(exc, attempts)
            span.set_attributes(model=self.model_name, attempts=attempts, error=str(error))
            raise error from exc
        usage = self._usage(litellm, response)
        record_usage(usage)
        span.set_attributes(
            model=self.model_name,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            cached_tokens=usage.cached_tokens,
            cost=usage.cost,
            attempts=attempts,
        )
        return response, usage, attempts

    def _limits(self) -> ModelLimits:
        limits = model_limits(self.model_name, self.api_base)
        if self.requests_per_minute and (
            limits.pacer is None or limits.pacer.interval != 60.0 / self.requests_per_minute
        ):
            limits.pacer = RequestPacer(self.requests_per_minute)
        return limits

    def _request(self, messages: Messages, params: dict[str, Any]) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.model_name,
            "messages": list(messages),
            "timeout": self.timeout,
            "num_retries": 0,
            "max_retries": 0,
            "drop_params": True,
            **self.params,
            **params,
        }
        optional = {
            "api_base": self.api_base,
            "api_key": self._api_key,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }
        request.update({k: v for k, v in optional.items() if v is not None and k not in request})
        if (
            "api_key" not in request
            and is_local(self.api_base)
            and not os.environ.get(key_variable(self.model_name) or "")
        ):
            request["api_key"] = _LOCAL_PLACEHOLDER_KEY  # SDKs insist on a key; a local server needs none
        return request

    async def _attempt(self, call: Any, limits: ModelLimits, request: dict[str, Any]) -> Any:
        generation = await limits.limiter.acquire()
        try:
            if limits.pacer is not None:
                await limits.pacer.wait()
            async with asyncio.timeout(self.timeout + _TIMEOUT_GRACE):
                response = await call(**request)
        except Exception as exc:
            if is_rate_limit(exc):
                limits.limiter.on_rate_limited(generation)
            raise
        finally:
            limits.limiter.release()
        limits.limiter.on_success()
        return response

    def _usage(self, litellm: Any, response: Any) -> Usage:
        raw = getattr(response, "usage", None)
        details = getattr(raw, "prompt_tokens_details", None)
        cached = getattr(details, "cached_tokens", None) or getattr(raw, "cache_read_input_tokens", None) or 0
        cost = (getattr(response, "_hidden_params", None) or {}).get("response_cost")  # litellm priced it already
        if cost is None:
            try:
                cost = litellm.completion_cost(completion_response=response)
            except Exception:  # models missing from the price map cost 0, not a failure
                cost = 0.0
        return Usage(
            prompt_tokens=getattr(raw, "prompt_tokens", 0) or 0,
            completion_tokens=getattr(raw, "completion_tokens", 0) or 0,
            cached_tokens=int(cached),
            cost=float(cost or 0.0),
            calls=1,
        )

    def _log_retry(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.info(
            "LLM call to %s failed (%s), retry %d in %.2fs",
            self.model_name,
            redact(_summary(exc)) if exc is not None else "?",
            state.attempt_number,
            wait,
        )

    def _translate(self, exc: BaseException, attempts: int) -> LLMError:
        summary = redact(_summary(exc))
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if is_rate_limit(exc):
            return RateLimitError(f"model '{self.model_name}' still rate-limited (HTTP 429) {tries}: {summary}")
        if is_timeout(exc):
            return LLMTimeoutError(f"model '{self.model_name}' did not answer within {self.timeout}s ({tries})")
        code = http_status(exc)
        if code in (401, 403):
            variable = key_variable(self.model_name)
            hint = f"; check the API key ({variable} or api_key=...)" if variable else "; check the API key"
            return LLMError(f"model '{self.model_name}' refused the credentials (HTTP {code}, not retried){hint}")
        if code is not None and not is_retryable(exc):
            return LLMError(f"model '{self.model_name}' rejected the request (HTTP {code}, not retried): {summary}")
        return LLMError(f"model '{self.model_name}' call failed {tries}: {summary}")


def _summary(exc: BaseException) -> str:
    message = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {message[:300]}"
