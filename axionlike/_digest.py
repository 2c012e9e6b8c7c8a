"""Content digests: the one way axionlike turns a JSON-like value into a stable key."""

from __future__ import annotations

import hashlib
import json
from typing import Any

_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr)


def digest(payload: Any) -> str:
    """SHA-256 of the canonical JSON of ``payload`` (sorted keys, no spaces, ``repr`` for the rest)."""
    return hashlib.sha256(_CANONICAL.encode(payload).encode()).hexdigest()
