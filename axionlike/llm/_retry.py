"""Retry policy of LLM calls: which failures are retried and how long to wait.

tenacity owns the loop (exponential backoff with jitter); a ``Retry-After`` header from
the provider wins over the computed wait. Rate limits, timeouts, connection errors
and 5xx are retried; any other 4xx is not (the request itself is wrong).
"""

from __future__ import annotations

import email.utils
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from tenacity import RetryCallState, wait_exponential_jitter


class RetryPolicy(BaseModel):
    """How an LLM call is retried.

    Example:
        ```python
        set_default_retry_policy(RetryPolicy(max_attempts=3, initial_wait=0.01, max_wait=0.1))
        ```
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=6, ge=1)
    """Attempts in all, the first included."""
    initial_wait: float = Field(default=1.0, ge=0)
    """Backoff before the first retry; doubles on each retry."""
    max_wait: float = Field(default=60.0, ge=0)
    """Ceiling of one wait, Retry-After included."""
    jitter: float = Field(default=1.0, ge=0)
    """Random seconds (0..jitter) added to each computed wait."""


_default_policy = RetryPolicy()


def default_retry_policy() -> RetryPolicy:
    """The policy used by clients that are not given one."""
    return _default_policy


def set_default_retry_policy(policy: RetryPolicy) -> RetryPolicy:
    """Install the process-wide default policy; returns the previous one."""
    global _default_policy
    previous, _default_policy = _default_policy, policy
    return previous


def status_code(exc: BaseException) -> int | None:
    """The HTTP status of a provider error, if it carries one."""
    code = getattr(exc, "status_code", None)
    return code if isinstance(code, int) else None


def is_rate_limit(exc: BaseException) -> bool:
    return status_code(exc) == 429


def is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or type(exc).__name__ in ("Timeout", "APITimeoutError")


def is_retryable(exc: BaseException) -> bool:
    """Rate limits, timeouts, connection errors and 5xx; never another 4xx."""
    if is_timeout(exc):
        return True
    code = status_code(exc)
    if code is not None:
        return code in (408, 429) or code >= 500
    return type(exc).__name__ in ("APIConnectionError", "ServiceUnavailableError", "InternalServerError")


def retry_after(exc: BaseException) -> float | None:
    """Seconds the provider asked us to wait (``Retry-After`` / ``retry-after-ms``), if any."""
    for source in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        if not source:
            continue
        headers = {str(k).lower(): str(v) for k, v in dict(source).items()}
        if "retry-after-ms" in headers:
            try:
                return max(0.0, float(headers["retry-after-ms"]) / 1000)
            except ValueError:
                pass
        value = headers.get("retry-after")
        if value is None:
            continue
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - time.time())
    return None


class RetryWait:
    """tenacity wait: the provider's Retry-After when given, else exponential backoff + jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self._backoff = wait_exponential_jitter(
            initial=policy.initial_wait, max=policy.max_wait, exp_base=2, jitter=policy.jitter
        )

    def __call__(self, state: RetryCallState) -> float:
        exc: Any = state.outcome.exception() if state.outcome is not None else None
        asked = retry_after(exc) if exc is not None else None
        if asked is not None:
            return min(asked, self.policy.max_wait)
        return self._backoff(state)
