"""Which LLM call failures are retried, and the process-wide default retry policy.

The policy itself and the Retry-After parsing are shared with the HTTP endpoints
(``axionlike._retry``). Rate limits, timeouts, connection errors and 5xx are
retried; any other 4xx is not (the request itself is wrong).
"""

from __future__ import annotations

from axionlike._retry import RetryPolicy, retry_after_from_headers

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
    for headers in (
        getattr(exc, "litellm_response_headers", None),
        getattr(getattr(exc, "response", None), "headers", None),
    ):
        asked = retry_after_from_headers(headers)
        if asked is not None:
            return asked
    return None
