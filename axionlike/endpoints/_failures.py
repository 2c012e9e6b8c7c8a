"""Which failed endpoint calls are retried (the shared RetryPolicy), and their error excerpts.

Retried: HTTP 429 and 5xx, timeouts, connection errors and streams cut short, with
exponential backoff and jitter, or exactly the wait a Retry-After header asks for
(capped). Everything else fails at once.
"""

from __future__ import annotations

from typing import Any

from axionlike._exceptions import EndpointError
from axionlike._redact import redact
from axionlike._retry import RetryPolicy, retrying

_EXCERPT = 200


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
