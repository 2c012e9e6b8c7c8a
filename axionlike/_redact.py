"""Keep secrets out of errors, spans, logs, cache entries and results.

Secrets are known three ways: values registered with ``register_secret`` (the API
runner and LLM client register the keys they are given), the values of environment
variables whose names look secret (``*_API_KEY``, ``*_SECRET*``, ``*_TOKEN``,
``*PASSWORD*``), and shapes that are secrets wherever they appear (``Bearer ...``,
``sk-...``). Mapping keys that name credentials (``authorization``, ``api_key``, ...)
have their values replaced outright.
"""

from __future__ import annotations

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
