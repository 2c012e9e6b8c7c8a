"""Engine overhead: trivial metrics, measured beside a bare asyncio.gather; and CPU per metric
call with ``trials=3`` against a plain run of as many calls, with the garbage collector on and
paused (target: no more per call, issue 18).

Run: .venv/bin/python bench/engine_overhead.py [pairs per collector setting, default 20]
"""

from __future__ import annotations

import asyncio
import gc
import math
import statistics
import subprocess
import sys

from _common import Trivial, best_of, cpu_of, items, run
from scipy.stats import wilcoxon

_CALLS = 15_000
_MODES = {"plain": (_CALLS, 1), "trials=3": (_CALLS // 3, 3)}
"""Each mode's items and trials: the same number of metric calls."""


async def _noop() -> float:
    return 1.0


async def _bare(n: int) -> None:
    await asyncio.gather(*(_noop() for _ in range(n)))


def main(pairs: int) -> None:
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
    for collector in ("on", "paused"):
        print(f"{_CALLS:,} metric calls, CPU per call, garbage collector {collector}: {_paired(pairs, collector)}")
    print("target: trials no dearer per call than plain")


def _paired(pairs: int, collector: str) -> str:
    """Each mode's CPU per call, median / best, and the pairs compared.

    Every run has a fresh process of its own, so neither mode inherits the other's heap (its
    arenas, its fragmentation); the order alternates. The host's noise drifts more between
    runs than the gap between the modes, so each pair is compared: how often trials=3 was the
    cheaper, the median ratio, and a Wilcoxon signed-rank test of the ratios' logarithms.
    """
    cpu: dict[str, list[float]] = {mode: [] for mode in _MODES}
    for pair in range(pairs):
        for mode in list(_MODES)[:: 1 if pair % 2 else -1]:
            child = [sys.executable, __file__, "--one", mode, collector]
            cpu[mode].append(float(subprocess.run(child, capture_output=True, text=True, check=True).stdout))
    ratios = [trials / plain for plain, trials in zip(cpu["plain"], cpu["trials=3"], strict=True)]
    figures = "; ".join(f"{mode} {statistics.median(v):.1f} / {min(v):.1f} us" for mode, v in cpu.items())
    p_value = wilcoxon([math.log(r) for r in ratios]).pvalue
    return (
        f"{figures} (median / best of {pairs}); trials=3 the cheaper in {sum(r < 1 for r in ratios)} of "
        f"{pairs} pairs, median ratio {statistics.median(ratios):.3f}, Wilcoxon p = {p_value:.3f}"
    )


def _one(mode: str, collector: str) -> None:
    """In a child process: print the CPU per call of one run of ``mode``, after a warm-up run
    and from a collected heap (the collector paused for the run, if asked)."""
    count, trials = _MODES[mode]
    run(items(300), [Trivial()], max_concurrent=100, trials=trials)
    data = items(count)
    gc.collect()
    if collector == "paused":
        gc.disable()
    print(cpu_of(lambda: run(data, [Trivial()], max_concurrent=100, trials=trials)) * 1e6 / _CALLS)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        _one(*sys.argv[2:4])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
