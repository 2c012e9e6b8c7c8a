"""Engine overhead: trivial metrics, measured beside a bare asyncio.gather; and per metric call
with ``trials=3`` against a plain run of as many calls (target: no more per call, issue 18).

Run: .venv/bin/python bench/engine_overhead.py
"""

from __future__ import annotations

import asyncio

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
    plain, trials = [], []
    for _ in range(7):  # interleaved, CPU time: the two runs see the same machine
        plain.append(cpu_of(lambda: run(large, [Trivial()], max_concurrent=100)))
        trials.append(cpu_of(lambda: run(small, [Trivial()], max_concurrent=100, trials=3)))
    print(
        f"15,000 metric calls, best CPU of 7: plain run (15,000 items) {min(plain) * 1e6 / 15_000:.1f} us per call, "
        f"trials=3 (5,000 items) {min(trials) * 1e6 / 15_000:.1f} us per call (target: no more than plain)"
    )


if __name__ == "__main__":
    main()
