"""Cache benchmarks: warm re-run cost, and disk read throughput.

Run: .venv/bin/python bench/cache.py
"""

from __future__ import annotations

import hashlib
import random
import tempfile
import time
from pathlib import Path
from typing import ClassVar

from _common import Sleeping, Trivial, best_of, items, run

from axionlike.cache import DiskStore, MemoryStore
from axionlike.runners import CacheConfig


class CountingSleep(Sleeping):
    """A 20 ms metric that counts its real calls (class-level: instances are frozen)."""

    calls: ClassVar[int] = 0

    async def execute(self, item):
        type(self).calls += 1
        return await super().execute(item)


def warm_rerun(cache: CacheConfig, label: str, engine_us_per_call: float, read_us: float) -> None:
    data = items(2_000)
    metrics = [CountingSleep(name=f"judge_{k}") for k in range(3)]
    started = time.perf_counter()
    run(data, metrics, max_concurrent=100, cache_config=cache)
    cold = time.perf_counter() - started
    calls_cold = CountingSleep.calls
    warm = best_of(3, lambda: run(data, metrics, max_concurrent=100, cache_config=cache))
    calls_warm = CountingSleep.calls - calls_cold
    per_call = warm * 1e6 / 6_000
    budget = 1.15 * engine_us_per_call + read_us
    print(
        f"{label}: cold {cold:.2f} s, warm {warm * 1e3:.0f} ms ({calls_warm} metric calls in 3 warm runs), "
        f"cold/warm {cold / warm:.0f}x; warm {per_call:.1f} us per call vs budget "
        f"1.15 x {engine_us_per_call:.1f} engine + {read_us:.1f} read = {budget:.1f} us"
    )
    CountingSleep.calls = 0


def disk_read_throughput(directory: Path) -> float:
    """Reads as a warm re-run makes them: a freshly opened store, digest keys in random order."""
    store = DiskStore(directory)
    value = {"score": 0.75, "explanation": "a typical judge explanation " * 4, "usage": None, "metadata": {}}
    keys = ["metric:" + hashlib.sha256(str(i).encode()).hexdigest() for i in range(10_000)]
    for key in keys:
        store.set(key, value)
    store.close()
    store = DiskStore(directory)
    started = time.perf_counter()
    for key in random.Random(0).sample(keys, len(keys)):
        assert store.get(key) is not None
    elapsed = time.perf_counter() - started
    store.close()
    print(
        f"disk cache read: 10,000 entries in {elapsed * 1e3:.0f} ms = {10_000 / elapsed:,.0f} entries/s "
        f"({elapsed * 1e6 / 10_000:.1f} us per read)"
    )
    return elapsed * 1e6 / 10_000


def main() -> None:
    engine = best_of(3, lambda: run(items(2_000), [Trivial(name=f"t{k}") for k in range(3)], max_concurrent=100))
    engine_us = engine * 1e6 / 6_000
    print(f"engine overhead, uncached trivial metrics: {engine_us:.1f} us per call")
    with tempfile.TemporaryDirectory() as tmp:
        read_us = disk_read_throughput(Path(tmp) / "throughput")
        warm_rerun(CacheConfig(store=MemoryStore()), "memory cache", engine_us, 0.0)
        warm_rerun(CacheConfig(cache_type="disk", cache_dir=Path(tmp) / "warm"), "disk cache", engine_us, read_us)


if __name__ == "__main__":
    main()
