"""The one retry policy of axionlike, and the one retry loop: LLM calls and HTTP endpoints alike.

The wait is exactly what the server asked for in a ``Retry-After`` header (seconds or
an HTTP date, capped at ``max_retry_after``), or else exponential backoff with jitter.
Which failures are retried is the caller's call: the LLM client and the endpoint task
each classify their own errors.

The loop is written here rather than taken from tenacity: tenacity spent 0.15-0.2 ms of
CPU per call on its bookkeeping (it inspects every callback on every attempt), a fifth
of the whole budget of a judge call on the direct route; the loop below costs a few
microseconds when the first attempt succeeds, and has the same semantics otherwise.
"""

from __future__ import annotations

import asyncio
import email.utils
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


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


async def call_with_retries(
    attempt: Callable[[int], Awaitable[T]],
    policy: RetryPolicy,
    *,
    retryable: Callable[[Exception], bool],
    asked_wait: Callable[[Exception], float | None],
    on_retry: Callable[[Exception, int, float], None] | None = None,
) -> T:
    """``await attempt(n)`` for n = 1, 2, ... until it succeeds, fails for good, or attempts run out.

    A failure is retried when ``retryable(exc)`` and attempts remain, after the wait the
    server asked for (``asked_wait(exc)``, capped at ``policy.max_retry_after``) or the
    backoff; ``on_retry(exc, n, seconds)`` is told first. The last failure is raised as it is.
    """
    number = 1
    while True:
        try:
            return await attempt(number)
        except Exception as exc:
            if number >= policy.max_attempts or not retryable(exc):
                raise
            asked = asked_wait(exc)
            if asked is not None:
                wait = min(asked, policy.max_retry_after)
            else:
                wait = min(policy.max_wait, policy.initial_wait * 2 ** (number - 1) + random.uniform(0, policy.jitter))
            if on_retry is not None:
                on_retry(exc, number, wait)
            await asyncio.sleep(wait)
            number += 1
