"""Cache stores: in-process memory, and diskcache on disk. Values are JSON, never pickle."""

from __future__ import annotations

import functools
import json
import logging
import queue
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


@functools.cache
def _json_value_disk() -> type:
    """diskcache's JSONDisk with keys kept as plain text.

    Our keys are short digests: compressing them (as JSONDisk does) costs more per
    look-up than the sqlite read itself and saves nothing. Values stay zlib-compressed
    JSON, never pickle.
    """
    import diskcache

    class JSONValueDisk(diskcache.JSONDisk):
        def put(self, key: Any) -> Any:
            return diskcache.Disk.put(self, key)

        def get(self, key: Any, raw: bool) -> Any:
            return diskcache.Disk.get(self, key, raw)

    return JSONValueDisk


class DiskStore:
    """diskcache in a directory, with JSON values: safe across processes, survives them.

    Writes go to one background thread that commits them in batches, so a slow disk
    never stalls the event loop; entries waiting to be written are still visible to
    ``get``. ``close`` (called at the end of every run) waits for them. An entry that
    cannot be read (a corrupted file or row) is logged, removed and treated as a miss.
    """

    kind = "disk"

    def __init__(self, directory: str | Path) -> None:
        import diskcache

        self.directory = Path(directory)
        try:
            self._cache = diskcache.Cache(
                str(self.directory),
                disk=_json_value_disk(),
                disk_compress_level=1,
                size_limit=2**34,
                eviction_policy="least-recently-stored",
            )
        except Exception as exc:
            raise CacheError(f"cannot open the disk cache in {self.directory}: {exc}") from exc
        self._pending: dict[str, dict[str, Any]] = {}
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            pending = self._pending.get(key)
        if pending is not None:
            return pending
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
        with self._lock:
            self._pending[key] = value
            if self._writer is None:
                self._writer = threading.Thread(target=self._write_loop, name="axionlike-cache-writer", daemon=True)
                self._writer.start()
        self._queue.put(key)

    def _write_loop(self) -> None:
        while True:
            keys = [self._queue.get()]
            while len(keys) < 512:
                try:
                    keys.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            batch = [k for k in keys if k is not None]
            self._write(batch)
            if None in keys:
                return

    def _write(self, keys: list[str]) -> None:
        with self._lock:
            entries = [(k, self._pending[k]) for k in keys if k in self._pending]
        try:
            with self._cache.transact():
                for key, value in entries:
                    self._cache.set(key, value)
        except Exception as exc:
            logger.warning("could not write %d cache entries to %s: %s", len(entries), self.directory, exc)
        with self._lock:
            for key, value in entries:
                if self._pending.get(key) is value:
                    del self._pending[key]

    def flush(self) -> None:
        """Wait until every entry given to ``set`` is on disk."""
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(None)
            writer.join()

    def clear(self) -> int:
        self.flush()
        return int(self._cache.clear())

    def __len__(self) -> int:
        self.flush()
        return len(self._cache)

    def volume(self) -> int:
        """Bytes on disk."""
        return int(self._cache.volume())

    def close(self) -> None:
        self.flush()
        self._cache.close()
