"""The one retry policy of axionlike: LLM calls and HTTP endpoints alike.

tenacity owns the loop. The wait is exactly what the server asked for in a
``Retry-After`` header (seconds or an HTTP date, capped at ``max_retry_after``), or
else exponential backoff with jitter. Which failures are retried is the caller's
call: the LLM client and the endpoint task each classify their own errors.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential_jitter


class RetryPolicy(BaseModel):
    """How a failed call is retried: attempts, backoff, and the cap on a server's Retry-After.

    Example:
        ```python
        RetryPolicy(max_attempts=3, initial_wait=0.5, max_wait=10)
        ```
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: int = Field(default=6, ge=1)
    """Attempts in all, the first one included."""
    initial_wait: float = Field(default=1.0, ge=0)
    """Seconds before the first retry; doubles on each further retry."""
    max_wait: float = Field(default=60.0, ge=0)
    """Longest backoff between two attempts, in seconds."""
    jitter: float = Field(default=1.0, ge=0)
    """Up to this many random seconds added to each backoff."""
    max_retry_after: float = Field(default=60.0, ge=0)
    """Cap on the wait a server asks for with ``Retry-After``, in seconds."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta seconds or an HTTP date.

    Anything else (``'soon'``, an empty header) gives ``None``, so the caller falls
    back to its backoff; a date in the past gives 0.
    """
    if value is None or not value.strip():
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retry_after_from_headers(headers: Mapping[str, Any] | None) -> float | None:
    """Seconds asked for by response headers: ``retry-after-ms`` (OpenAI) or ``Retry-After``."""
    if not headers:
        return None
    lowered = {str(k).lower(): str(v) for k, v in dict(headers).items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    return parse_retry_after(lowered.get("retry-after"))


def retrying(
    policy: RetryPolicy,
    *,
    retryable: Callable[[BaseException], bool],
    asked_wait: Callable[[BaseException], float | None],
    before_sleep: Callable[[RetryCallState], None] | None = None,
) -> AsyncRetrying:
    """A tenacity loop for one call: ``retryable`` failures are retried, the last one re-raised.

    ``asked_wait(exc)`` is the wait the server asked for, if any; it wins over the
    backoff, capped at ``policy.max_retry_after``.
    """
    backoff = wait_exponential_jitter(
        initial=policy.initial_wait, max=policy.max_wait, exp_base=2, jitter=policy.jitter
    )

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        asked = asked_wait(exc) if exc is not None else None
        if asked is not None:
            return min(asked, policy.max_retry_after)
        return float(backoff(state))

    return AsyncRetrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=wait,
        retry=retry_if_exception(retryable),
        before_sleep=before_sleep,
        reraise=True,
    )
