"""The engine's view of the cache: look-ups and writes per phase, with statistics."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from axionlike.cache._config import CacheConfig
from axionlike.cache._keys import metric_key, task_key
from axionlike.cache._stores import CacheStore, DiskStore, default_memory_store
from axionlike.dataset import DatasetItem
from axionlike.metrics import MetricResult

logger = logging.getLogger("axionlike.cache")


@dataclass(eq=False)
class Flight:
    """One computation of a key in flight (see ``RunCache.single_flight``)."""

    shared: Any = None
    """A twin's result, when one computed the same key while this caller waited."""
    result: Any = None
    """Set by the computing caller on success, for the twins waiting on it."""
    done: asyncio.Event = field(default_factory=asyncio.Event)


class RunCache:
    """Reads and writes task outputs and scores for one run; counts hits, misses, writes.

    Identical computations in flight at once are made once (``single_flight``), and
    ``shared`` counts the look-ups answered that way. Errors and skipped scores never
    reach it: the engine only writes successes.
    Thresholds are not part of score keys; pass/fail is recomputed from the score.
    """

    def __init__(
        self, store: CacheStore | None, *, read: bool, write: bool, cache_task: bool, owned: bool = False
    ) -> None:
        self.store = store
        self._owned = owned
        self.read = read and store is not None
        self.write = write and store is not None
        self.cache_task = cache_task
        self.counts: Counter[str] = Counter()
        self._flights: dict[str, Flight] = {}

    @classmethod
    def from_config(cls, config: CacheConfig | None) -> RunCache:
        if config is None or not (config.use_cache or config.write_cache):
            return cls(None, read=False, write=False, cache_task=False)
        owned = config.store is None and config.cache_type == "disk"
        write = config.write_cache
        if config.store is not None:
            store = config.store
        elif owned:
            store = DiskStore(config.cache_dir, read_only=not write)  # a read-only directory opens read-only too
            write = not store.read_only
        else:
            store = default_memory_store()
        return cls(store, read=config.use_cache, write=write, cache_task=config.cache_task, owned=owned)

    def _get(self, phase: str, key: str) -> dict[str, Any] | None:
        value = self.store.get(key)  # type: ignore[union-attr]
        self.counts[f"{phase}_{'hits' if value is not None else 'misses'}"] += 1
        return value

    def _set(self, phase: str, key: str, value: dict[str, Any]) -> None:
        try:
            json.dumps(value)
        except (TypeError, ValueError) as exc:
            self.counts[f"{phase}_unserializable"] += 1
            logger.warning("not cached: %s output is not JSON-serializable (%s)", phase, exc)
            return
        self.store.set(key, value)  # type: ignore[union-attr]
        self.counts[f"{phase}_writes"] += 1

    def task_key(self, identity_digest: str, item: DatasetItem) -> str | None:
        """The key of the task's output for ``item``; None when task outputs are not cached."""
        return task_key(identity_digest, item) if self.store is not None and self.cache_task else None

    def score_key(self, identity_digest: str, fields: tuple[str, ...], item: DatasetItem) -> str | None:
        """The key of a metric's score on ``item``: its identity digest and the ``fields`` it reads.

        ``None`` without a cache.
        """
        if self.store is None:
            return None
        return metric_key(identity_digest, fields, item)

    def get_task(self, key: str | None) -> dict[str, Any] | None:
        if key is None or not self.read:
            return None
        entry = self._get("task", key)
        return None if entry is None else entry.get("output")

    def put_task(self, key: str | None, output: dict[str, Any]) -> None:
        if key is not None and self.write:
            self._set("task", key, {"output": output})

    def get_score(self, key: str | None, metric_name: str) -> MetricResult | None:
        if key is None or not self.read:
            return None
        entry = self._get("metric", key)
        if entry is None:
            return None
        try:
            return MetricResult.model_validate(entry)
        except Exception as exc:
            logger.warning("cache entry for metric '%s' is malformed (%s); recomputing", metric_name, exc)
            return None

    def put_score(self, key: str | None, result: MetricResult) -> None:
        if key is not None and self.write:
            self._set("metric", key, result.model_dump(mode="json"))

    @contextlib.asynccontextmanager
    async def single_flight(self, phase: str, key: str | None) -> AsyncIterator[Flight]:
        """Compute each key once at a time: an identical call already in flight is waited for.

        Two items of a run that read the same fields (duplicates in the dataset) would
        otherwise both miss the cache and both pay for the same call. A caller that finds
        a twin in flight gets the twin's result as ``flight.shared``; otherwise it
        computes and sets ``flight.result`` on success (a failed twin shares nothing, so
        the waiting caller computes itself). Only with a cache that both reads and writes.
        """
        if key is None or not (self.read and self.write):
            yield Flight()
            return
        twin = self._flights.get(key)
        if twin is not None:
            await twin.done.wait()
            if twin.result is not None:
                self.counts[f"{phase}_shared"] += 1
                yield Flight(shared=twin.result)
                return
        flight = self._flights[key] = Flight()
        try:
            yield flight
        finally:
            if self._flights.get(key) is flight:
                del self._flights[key]
            flight.done.set()

    @property
    def location(self) -> str:
        """Where the entries live, for messages: ``disk cache in DIR`` or ``memory cache``."""
        if isinstance(self.store, DiskStore):
            return f"disk cache in {self.store.directory}"
        return f"{getattr(self.store, 'kind', 'custom')} cache"

    def stats(self) -> dict[str, Any]:
        """Hits, misses and writes per phase, for the result's metadata."""
        if self.store is None:
            return {"enabled": False}
        phases = {
            phase: {k: self.counts[f"{phase}_{k}"] for k in ("hits", "misses", "shared", "writes", "unserializable")}
            for phase in ("task", "metric")
        }
        return {"enabled": True, "type": self.store.kind, **phases}

    def close(self) -> None:
        """Finish pending writes; close the store if this run opened it."""
        if not isinstance(self.store, DiskStore):
            return
        if self._owned:
            self.store.close()
        else:
            self.store.flush()
