"""Latency-bound run: 2,000 items, a 20 ms task and two 20 ms metrics, max_concurrent=100.

Ideal = 2,000 x 3 x 20 ms / 100 = 1.2 s. Run: .venv/bin/python bench/latency_bound.py
"""

from __future__ import annotations

import asyncio
import time

from _common import Sleeping, items, run


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


async def task(item):
    await asyncio.sleep(0.02)
    return {"actual_output": "answer"}


async def _bare_workers() -> None:
    """The same 6,000 sleeps on 100 plain asyncio workers: what the loop itself achieves here."""

    async def worker() -> None:
        for _ in range(60):
            await asyncio.sleep(0.02)

    await asyncio.gather(*(worker() for _ in range(100)))


def main() -> None:
    data = items(2_000)
    metrics = [Sleeping(name="judge_a"), Sleeping(name="judge_b")]
    ideal = 2_000 * 3 * 0.02 / 100
    times = []
    for _ in range(3):
        started = time.perf_counter()
        result = run(data, metrics, task=task, max_concurrent=100)
        times.append(time.perf_counter() - started)
        assert result.summary["judge_a"].count == 2_000
    best = min(times)
    bare = min(_timed(lambda: asyncio.run(_bare_workers())) for _ in range(3))
    print(
        f"2,000 items x (task + 2 metrics) at 20 ms, max_concurrent=100: best {best:.3f} s of "
        f"{', '.join(f'{t:.3f}' for t in times)}; ideal {ideal:.3f} s; ratio {best / ideal:.3f}x (target <= 1.05x)"
    )
    print(
        f"bare asyncio, 100 workers x 60 sleeps of 20 ms: {bare:.3f} s ({bare / ideal:.3f}x of ideal) -- "
        f"engine overhead over the loop itself: {best / bare:.3f}x"
    )


if __name__ == "__main__":
    main()
