"""Cache stores: in-process memory, and diskcache on disk. Values are JSON, never pickle."""

from __future__ import annotations

import functools
import json
import logging
import queue
import sqlite3
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


_DATABASE = "cache.db"
_DAMAGE = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})


def _is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` says the cache file is damaged (``file is not a database``, ``database disk
    image is malformed``), as opposed to busy, locked or read-only."""
    return isinstance(exc, sqlite3.DatabaseError) and getattr(exc, "sqlite_errorcode", None) in _DAMAGE


def _fix(directory: Path) -> str:
    return f"clear it with `axionlike cache clear {directory}` (or delete the directory); its entries are recomputed"


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection to a cache file. In a directory nobody may write, a WAL database
    cannot have its shared-memory file made, so it is opened as immutable."""
    uri = path.resolve().as_uri()
    try:
        db = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        db = sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    return db


class _ReadOnlyCache:
    """diskcache's entries read through a read-only sqlite connection (diskcache itself writes its
    settings on opening, which a read-only directory refuses)."""

    def __init__(self, directory: Path) -> None:
        self._db = _connect_read_only(directory / _DATABASE) if (directory / _DATABASE).exists() else None
        self._disk = _json_value_disk()(str(directory), compress_level=1)
        self._lock = threading.Lock()

    def _one(self, query: str, *args: Any) -> Any:
        if self._db is None:
            return None
        with self._lock:
            return self._db.execute(query, args).fetchone()

    def get(self, key: str) -> Any:
        db_key, raw = self._disk.put(key)
        row = self._one("SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = ?", db_key, raw)
        return None if row is None else self._disk.fetch(*row, False)

    def __len__(self) -> int:
        row = self._one("SELECT value FROM Settings WHERE key = 'count'")
        return int(row[0]) if row else 0

    def volume(self) -> int:
        pages = self._one("PRAGMA page_count")
        size = self._one("PRAGMA page_size")
        files = self._one("SELECT value FROM Settings WHERE key = 'size'")
        return (pages[0] * size[0] if pages and size else 0) + (int(files[0]) if files else 0)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


class DiskStore:
    """diskcache in a directory, with JSON values: safe across processes, survives them.

    Writes go to one background thread that commits them in batches, so a slow disk
    never stalls the event loop; entries waiting to be written are still visible to
    ``get``. ``close`` (called at the end of every run) waits for them. An entry that
    cannot be read (a corrupted file or row) is logged, removed and treated as a miss.

    With ``read_only=True``, or when the directory cannot be written (permissions, a
    read-only file system), the store is opened read-only: entries are read, ``set``
    raises ``CacheError``. A damaged cache file that cannot be opened raises
    ``CacheError`` saying how to recover; damage inside the file that leaves some
    entries unreadable is a warning (once per store) with the same fix, and those
    entries are misses.
    """

    kind = "disk"

    def __init__(self, directory: str | Path, *, read_only: bool = False) -> None:
        self.directory = Path(directory)
        self.read_only = read_only
        """Whether entries are only read (asked for, or the directory cannot be written)."""
        self._cache: Any = None
        if not read_only:
            self._cache = self._open_writable()
        if self._cache is None:
            self.read_only = True
            try:
                self._cache = _ReadOnlyCache(self.directory)
            except Exception as exc:
                raise self._open_error(exc) from exc
        self._pending: dict[str, dict[str, Any]] = {}
        self._queue: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self._damage_reported = False

    def _open_writable(self) -> Any:
        """diskcache on the directory; ``None`` when the directory exists but cannot be written."""
        import diskcache

        try:
            return diskcache.Cache(
                str(self.directory),
                disk=_json_value_disk(),
                disk_compress_level=1,
                size_limit=2**34,
                eviction_policy="least-recently-stored",
            )
        except Exception as exc:
            if _is_damage(exc) or not (self.directory / _DATABASE).exists():
                raise self._open_error(exc) from exc
            if not isinstance(exc, (sqlite3.OperationalError, PermissionError)):
                raise self._open_error(exc) from exc
        logger.warning("the disk cache in %s cannot be written; reading its entries, writing none", self.directory)
        return None

    def _open_error(self, exc: BaseException) -> CacheError:
        if _is_damage(exc):
            return CacheError(f"the disk cache in {self.directory} is damaged ({exc}): {_fix(self.directory)}")
        return CacheError(f"cannot open the disk cache in {self.directory}: {exc}")

    def _report_damage(self, exc: BaseException) -> None:
        """Warn once per store: damage inside the file makes the same items recompute on every run."""
        if self._damage_reported:
            return
        self._damage_reported = True
        logger.warning(
            "the disk cache in %s is damaged (%s): the items whose entries it cannot read or write are "
            "recomputed on every run; %s",
            self.directory,
            exc,
            _fix(self.directory),
        )

    def get(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            pending = self._pending.get(key)
        if pending is not None:
            return pending
        try:
            value = self._cache.get(key)
        except Exception as exc:
            if _is_damage(exc):
                self._report_damage(exc)
                return None
            logger.warning("unreadable cache entry %s in %s (%s); recomputing", key[:24], self.directory, exc)
            self._discard(key)
            return None
        if value is not None and not isinstance(value, dict):
            logger.warning("cache entry %s in %s is not an object; recomputing", key[:24], self.directory)
            return None
        return value

    def _discard(self, key: str) -> None:
        if self.read_only:
            return
        try:
            self._cache.delete(key)
        except Exception:
            logger.debug("could not delete cache entry %s", key[:24], exc_info=True)

    def set(self, key: str, value: dict[str, Any]) -> None:
        if self.read_only:
            raise CacheError(f"the disk cache in {self.directory} is open read-only")
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
            if _is_damage(exc):
                self._report_damage(exc)
            else:
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
        if self.read_only:
            raise CacheError(f"the disk cache in {self.directory} is open read-only")
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

    @staticmethod
    def check(directory: str | Path) -> list[str]:
        """Problems sqlite's integrity check (``PRAGMA quick_check``) finds in the cache file; empty
        when it is sound. Read-only; a file that is not a database at all is one problem."""
        path = Path(directory) / _DATABASE
        if not path.exists():
            return []
        try:
            db = _connect_read_only(path)
            try:
                rows = db.execute("PRAGMA quick_check(10)").fetchall()
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        problems = [str(row[0]) for row in rows]
        return [] if problems == ["ok"] else problems

    @staticmethod
    def clear_directory(directory: str | Path) -> int | None:
        """Empty the cache in ``directory``; the number of entries removed. A damaged store is
        removed outright (its database file and value files): ``None``, its entries uncounted."""
        directory = Path(directory)
        try:
            store = DiskStore(directory)
            try:
                return store.clear()
            finally:
                store.close()
        except Exception as exc:
            if not (_is_damage(exc) or _is_damage(exc.__cause__ or exc)):
                raise
        for path in [*directory.glob(_DATABASE + "*"), *directory.rglob("*.val")]:
            path.unlink()
        for folder in sorted((p for p in directory.rglob("*") if p.is_dir()), reverse=True):
            if not any(folder.iterdir()):
                folder.rmdir()
        return None
