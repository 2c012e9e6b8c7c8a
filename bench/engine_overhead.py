"""Engine overhead: trivial metrics, measured beside a bare asyncio.gather; and CPU per metric
call with ``trials=3`` against a plain run of as many calls, with the garbage collector on and
paused (target: no more per call, issue 18).

Run: .venv/bin/python bench/engine_overhead.py
"""

from __future__ import annotations

import asyncio
import gc
import statistics
from collections.abc import Callable
from typing import Any

from _common import Trivial, best_of, cpu_of, items, run


async def _noop() -> float:
    return 1.0


async def _bare(n: int) -> None:
    await asyncio.gather(*(_noop() for _ in range(n)))


def main() -> None:
    data = items(10_000)
    metrics = [Trivial(name="m1"), Trivial(name="m2"), Trivial(name="m3")]
    bare = best_of(5, lambda: asyncio.run(_bare(30_000)))
    engine = best_of(5, lambda: run(data, metrics, max_concurrent=100))
    print(
        f"10,000 items x 3 trivial metrics: engine {engine * 1e3:.0f} ms, bare gather over 30,000 "
        f"no-op coroutines {bare * 1e3:.0f} ms, ratio {engine / bare:.2f}x (target <= 3x)"
    )
    small = items(5_000)
    one = best_of(5, lambda: run(small, [Trivial()], max_concurrent=100))
    print(f"5,000 items x 1 trivial metric: {one * 1e6 / 5_000:.1f} us per item (target <= 50 us)")
    large = items(15_000)
    runs = {
        "plain run (15,000 items)": lambda: run(large, [Trivial()], max_concurrent=100),
        "trials=3 (5,000 items)": lambda: run(small, [Trivial()], max_concurrent=100, trials=3),
    }
    for collector in ("on", "paused"):
        figures = _per_call(runs, 15_000, rounds=9, collect=collector == "on")
        print(f"15,000 metric calls, CPU per call, garbage collector {collector} (median / best of 9): {figures}")
    print("target: trials no dearer per call than plain")


def _per_call(runs: dict[str, Callable[[], Any]], calls: int, *, rounds: int, collect: bool) -> str:
    """Each run's CPU per call over ``rounds`` rounds; the order alternates and every run starts
    from a collected heap, so neither inherits the other's garbage or collector counts."""
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(rounds):
        for name in list(runs)[:: 1 if round_ % 2 else -1]:
            gc.collect()
            if not collect:
                gc.disable()
            try:
                cpu[name].append(cpu_of(runs[name]) * 1e6 / calls)
            finally:
                gc.enable()
    return "; ".join(f"{name} {statistics.median(v):.1f} / {min(v):.1f} us" for name, v in cpu.items())


if __name__ == "__main__":
    main()
