"""Content digests: the one way axionlike turns a JSON-like value into a stable key."""

from __future__ import annotations

import hashlib
import json
from typing import Any

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)


def digest(payload: Any) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (sorted keys, no spaces, ``repr`` for the rest).

    Text with lone surrogates (decoded with ``surrogateescape``, a sliced emoji) is hashed
    too: ``surrogatepass`` encodes them to bytes no valid text produces, so keys stay distinct.
    """
    return hashlib.sha256(_CANONICAL.encode(payload).encode("utf-8", "surrogatepass")).hexdigest()


def stable_identity(value: Any) -> Any:
    """A stand-in for a parameter that is not plain data, stable across processes (never a memory
    address): the object's own ``cache_identity()`` when it has one, else its qualified type name."""
    identity = getattr(value, "cache_identity", None)
    if callable(identity):
        return identity()
    return f"{type(value).__module__}.{type(value).__qualname__}"
