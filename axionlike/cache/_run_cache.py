"""The engine's view of the cache: look-ups and writes per phase, with statistics."""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from axionlike.cache._keys import metric_key, task_key
from axionlike.cache._stores import CacheStore, DiskStore, default_memory_store
from axionlike.dataset import DatasetItem
from axionlike.metrics import MetricResult

if TYPE_CHECKING:
    from axionlike.runners._config import CacheConfig
    from axionlike.runners._executors import BoundMetric

logger = logging.getLogger("axionlike.cache")


class RunCache:
    """Reads and writes task outputs and scores for one run; counts hits, misses, writes.

    Errors and skipped scores never reach it: the engine only writes successes.
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

    @classmethod
    def from_config(cls, config: CacheConfig | None) -> RunCache:
        if config is None or not (config.use_cache or config.write_cache):
            return cls(None, read=False, write=False, cache_task=False)
        owned = config.store is None and config.cache_type == "disk"
        if config.store is not None:
            store = config.store
        elif owned:
            store = DiskStore(config.cache_dir)
        else:
            store = default_memory_store()
        return cls(store, read=config.use_cache, write=config.write_cache, cache_task=config.cache_task, owned=owned)

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

    def get_task(self, identity_digest: str, item: DatasetItem) -> dict[str, Any] | None:
        if not (self.read and self.cache_task):
            return None
        entry = self._get("task", task_key(identity_digest, item))
        return None if entry is None else entry.get("output")

    def put_task(self, identity_digest: str, item: DatasetItem, output: dict[str, Any]) -> None:
        if self.write and self.cache_task:
            self._set("task", task_key(identity_digest, item), {"output": output})

    def get_score(self, bound: BoundMetric, item: DatasetItem) -> MetricResult | None:
        if not self.read:
            return None
        entry = self._get("metric", self._score_key(bound, item))
        if entry is None:
            return None
        try:
            return MetricResult.model_validate(entry)
        except Exception as exc:
            logger.warning("cache entry for metric '%s' is malformed (%s); recomputing", bound.name, exc)
            return None

    def put_score(self, bound: BoundMetric, item: DatasetItem, result: MetricResult) -> None:
        if self.write:
            self._set("metric", self._score_key(bound, item), result.model_dump(mode="json"))

    @staticmethod
    def _score_key(bound: BoundMetric, item: DatasetItem) -> str:
        desc = bound.description
        return metric_key(bound.identity_digest, desc.required_fields + desc.optional_fields, item)

    def stats(self) -> dict[str, Any]:
        """Hits, misses and writes per phase, for the result's metadata."""
        if self.store is None:
            return {"enabled": False}
        phases = {
            phase: {k: self.counts[f"{phase}_{k}"] for k in ("hits", "misses", "writes", "unserializable")}
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
