"""Which failed endpoint calls are retried (the shared RetryPolicy), and their error excerpts.

Retried: HTTP 429 and 5xx, timeouts, connection errors and streams cut short, with
exponential backoff and jitter, or exactly the wait a Retry-After header asks for
(capped). Everything else fails at once.
"""

from __future__ import annotations

from axionlike._exceptions import EndpointError
from axionlike._redact import excerpt as masked_excerpt

_EXCERPT = 200


def is_retryable(exc: Exception) -> bool:
    """Whether another attempt may succeed: an EndpointError that says so."""
    return isinstance(exc, EndpointError) and exc.retryable


def asked_wait(exc: Exception) -> float | None:
    """The wait the endpoint asked for (``Retry-After``), if any."""
    return exc.retry_after if isinstance(exc, EndpointError) else None


def excerpt(text: str) -> str:
    return masked_excerpt(text or "", _EXCERPT, one_line=True)
