"""Cache stores: in-process memory, and diskcache on disk. Values are JSON, never pickle."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any, Protocol

from axionlike._exceptions import CacheError

logger = logging.getLogger("axionlike.cache")


class CacheStore(Protocol):
    """Where cache entries live. Values are JSON-compatible dicts."""

    kind: str

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry under ``key``, or ``None`` (a missing or unreadable entry)."""

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Store ``value`` under ``key``."""

    def clear(self) -> int:
        """Remove every entry; return how many there were."""

    def __len__(self) -> int: ...


class MemoryStore:
    """A process-local store. Entries are kept as JSON text, so callers never share objects."""

    kind = "memory"

    def __init__(self) -> None:
        self._entries: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> dict[str, Any] | None:
        text = self._entries.get(key)
        return None if text is None else json.loads(text)

    def set(self, key: str, value: dict[str, Any]) -> None:
        text = json.dumps(value)
        with self._lock:
            self._entries[key] = text

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
        return count

    def __len__(self) -> int:
        return len(self._entries)


_default_memory = MemoryStore()


def default_memory_store() -> MemoryStore:
    """The store every ``cache_type='memory'`` run of this process shares."""
    return _default_memory


class DiskStore:
    """diskcache in a directory, with JSON values: safe across processes, survives them.

    An entry that cannot be read (a corrupted file or row) is logged, removed and
    treated as a miss.
    """

    kind = "disk"

    def __init__(self, directory: str | Path) -> None:
        import diskcache

        self.directory = Path(directory)
        try:
            self._cache = diskcache.Cache(
                str(self.directory),
                disk=diskcache.JSONDisk,
                disk_compress_level=1,
                size_limit=2**34,
                eviction_policy="least-recently-stored",
            )
        except Exception as exc:
            raise CacheError(f"cannot open the disk cache in {self.directory}: {exc}") from exc

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            value = self._cache.get(key)
        except Exception as exc:
            logger.warning("unreadable cache entry %s in %s (%s); recomputing", key[:24], self.directory, exc)
            self._discard(key)
            return None
        if value is not None and not isinstance(value, dict):
            logger.warning("cache entry %s in %s is not an object; recomputing", key[:24], self.directory)
            return None
        return value

    def _discard(self, key: str) -> None:
        try:
            self._cache.delete(key)
        except Exception:
            logger.debug("could not delete cache entry %s", key[:24], exc_info=True)

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._cache.set(key, value)

    def clear(self) -> int:
        return self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)

    def volume(self) -> int:
        """Bytes on disk."""
        return self._cache.volume()

    def close(self) -> None:
        self._cache.close()
