"""Keep secrets out of errors, spans, logs, cache entries and results.

Secrets are known three ways: values registered with ``register_secret`` (the API
runner and LLM client register the keys they are given), the values of environment
variables whose names look secret (``*_API_KEY``, ``*_SECRET*``, ``*_TOKEN``,
``*PASSWORD*``), and shapes that are secrets wherever they appear (``Bearer ...``,
``sk-...``). Mapping keys that name credentials (``authorization``, ``api_key``, ...)
have their values replaced outright. The log records of the libraries axionlike drives
(litellm, openai, httpx) are masked too, once axionlike configures LLM access.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "[REDACTED]"
_SECRET_ENV = re.compile(r"(API_KEY|SECRET|TOKEN|PASSWORD|PRIVATE_KEY)", re.IGNORECASE)
_SECRET_KEYS = re.compile(
    r"^(authorization|proxy-authorization|x-api-key|api[-_]?key|.*secret.*|.*token.*|password|cookie)$",
    re.IGNORECASE,
)
_SHAPES = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}|\bsk-[A-Za-z0-9_-]{8,}|\b(?:pk|sk)-lf-[A-Za-z0-9-]{6,}")
_MIN_SECRET_LENGTH = 6

_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Treat ``value`` as a secret from now on (ignored when empty or very short)."""
    global _version
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            if value not in _registered:
                _registered.add(value)
                _version += 1


def register_sensitive_fields(names: Iterable[str]) -> None:
    """Mask mapping values under these keys too (e.g. fields a user marks sensitive)."""
    with _lock:
        _sensitive_keys.update(n.lower() for n in names)


_sensitive_keys: set[str] = set()


# The secret list is rebuilt only when the environment or the registered set changes:
# redaction runs on every span payload, and decoding the environment each time costs
# tens of microseconds. The raw environment dict compares in well under a microsecond.
_version = 0
_cache: tuple[dict[Any, Any], int, list[str]] | None = None


def _known_secrets() -> list[str]:
    global _cache
    raw = getattr(os.environ, "_data", None)
    cached = _cache
    if raw is not None and cached is not None and cached[1] == _version and cached[0] == raw:
        return cached[2]
    with _lock:
        version = _version
        from_env = [v for k, v in os.environ.items() if _SECRET_ENV.search(k) and len(v) >= _MIN_SECRET_LENGTH]
        secrets = sorted(set(from_env) | _registered, key=len, reverse=True)
        if raw is not None:
            _cache = (dict(raw), version, secrets)
    return secrets


def redact(text: str) -> str:
    """``text`` with every known secret and secret-shaped token masked."""
    if not text:
        return text
    for secret in _known_secrets():
        if secret in text:
            text = text.replace(secret, MASK)
    return _SHAPES.sub(lambda m: (m.group(1) or "") + MASK, text)


def excerpt(text: str, limit: int, *, one_line: bool = False) -> str:
    """At most ``limit`` characters of ``text``, with secrets masked first (``…`` marks a cut).

    Every shortened text axionlike shows (error messages, "answer began", grader reasons)
    goes through here: masking after a cut would miss a secret the cut split, and leave
    its prefix (``zz9-SECRET-ab``) behind. ``one_line`` folds runs of whitespace first.
    """
    if one_line:
        text = " ".join(text.split())
    text = redact(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_secret_key(key: str) -> bool:
    """Whether a mapping key names a credential (its value is never shown)."""
    return bool(_SECRET_KEYS.match(key)) or key.lower() in _sensitive_keys


def redact_value(value: Any) -> Any:
    """A copy of ``value`` (str, mapping, list) with secrets masked, recursively."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: MASK if isinstance(k, str) and is_secret_key(k) else redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [redact_value(v) for v in value]
    return value


class _MaskSecrets(logging.Filter):
    """Masks secrets in a log record (its message and formatted exception) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            masked = redact(message)
            if masked != message:
                record.msg, record.args = masked, None
            if record.exc_info and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        except Exception:  # a record that cannot be formatted is the handler's to report
            pass
        return True


_MASK_SECRETS = _MaskSecrets()
_LIBRARY_LOGGERS = ("LiteLLM", "openai", "httpx", "httpcore")


def mask_library_logs() -> None:
    """Mask secrets in the log records of the libraries axionlike drives: at DEBUG, litellm, the
    OpenAI SDK and httpx log requests and answers verbatim (an answer may echo the key).

    The filter goes on each of their loggers that exists (a filter on a parent logger does not
    see its children's records); call it again after importing one of them.
    """
    names = {*_LIBRARY_LOGGERS, *logging.Logger.manager.loggerDict}
    for name in names:
        if any(name == root or name.startswith((root + ".", root + " ")) for root in _LIBRARY_LOGGERS):
            logger = logging.getLogger(name)
            if _MASK_SECRETS not in logger.filters:
                logger.addFilter(_MASK_SECRETS)
