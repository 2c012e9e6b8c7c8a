"""Caching of task outputs and metric scores: keys, stores and the engine's view."""

from axionlike.cache._config import CacheConfig
from axionlike.cache._keys import metric_key, task_key
from axionlike.cache._run_cache import RunCache
from axionlike.cache._stores import CacheStore, DiskStore, MemoryStore, default_memory_store

__all__ = [
    "CacheConfig",
    "CacheStore",
    "DiskStore",
    "MemoryStore",
    "RunCache",
    "default_memory_store",
    "metric_key",
    "task_key",
]
