"""What counts as a failed endpoint call, and how it is retried (tenacity).

Retried: HTTP 429 and 5xx, timeouts, connection errors and streams cut short, with
exponential backoff and jitter, or exactly the wait a Retry-After header asks for
(capped). Everything else fails at once.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from axionlike._exceptions import TaskError
from axionlike._redact import redact
from axionlike.runners._api_config import RetryConfig

_EXCERPT = 200


class EndpointError(TaskError):
    """An endpoint call failed: HTTP status, timeout, connection, or an unusable answer.

    Attributes:
        status: HTTP status, when the server answered.
        request_id: the server's request id header, when it sent one.
        retryable: whether another attempt may succeed (429, 5xx, timeouts, connection
            errors, a stream cut short).
        retry_after: seconds the server asked to wait (Retry-After), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after = retry_after


def retrying(retry: RetryConfig, before_sleep: Any) -> Any:
    """A tenacity ``AsyncRetrying`` for one call: retryable EndpointErrors only, last one re-raised."""
    import tenacity

    return tenacity.AsyncRetrying(
        stop=tenacity.stop_after_attempt(retry.attempts),
        wait=_wait_strategy(retry),
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, EndpointError) and e.retryable),
        before_sleep=before_sleep,
        reraise=True,
    )


def _wait_strategy(retry: RetryConfig) -> Any:
    import tenacity

    backoff = tenacity.wait_exponential_jitter(initial=retry.initial_wait, max=retry.max_wait, jitter=retry.jitter)

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        after = getattr(exc, "retry_after", None)
        if after is not None:
            return min(after, retry.max_retry_after)
        return backoff(state)

    return wait


def retry_after_seconds(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    text = redact(text)
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."
