"""What counts as a failed endpoint call, and how it is retried (tenacity).

Retried: HTTP 429 and 5xx, timeouts, connection errors and streams cut short, with
exponential backoff and jitter, or exactly the wait a Retry-After header asks for
(capped). Everything else fails at once.
"""

from __future__ import annotations

from typing import Any

from axionlike._exceptions import TaskError
from axionlike._redact import redact
from axionlike._retry import RetryPolicy, retrying

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


def endpoint_retrying(policy: RetryPolicy, before_sleep: Any) -> Any:
    """A tenacity loop for one call: retryable EndpointErrors only, waiting what Retry-After asks."""
    return retrying(
        policy,
        retryable=lambda exc: isinstance(exc, EndpointError) and exc.retryable,
        asked_wait=lambda exc: getattr(exc, "retry_after", None),
        before_sleep=before_sleep,
    )


def excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    text = redact(text)
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."
