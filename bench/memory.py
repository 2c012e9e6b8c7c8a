"""Peak RSS at 10,000 and 100,000 items with one trivial metric (each size in a fresh process).

Run: .venv/bin/python bench/memory.py
"""

from __future__ import annotations

import subprocess
import sys

_CHILD = """
import sys
sys.path.insert(0, {here!r})
from _common import Trivial, items, peak_rss_mb, run
n = {n}
data = items(n)
before = peak_rss_mb()
result = run(data, [Trivial()], max_concurrent=100)
assert result.summary["trivial"].count == n
print(before, peak_rss_mb())
"""


def measure(n: int) -> tuple[float, float]:
    here = sys.path[0]
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(here=here, n=n)], capture_output=True, text=True, check=True
    )
    before, after = map(float, out.stdout.split())
    return before, after


def main() -> None:
    rows = {n: measure(n) for n in (10_000, 100_000)}
    for n, (before, after) in rows.items():
        print(
            f"{n:>7,} items: peak RSS {after:.0f} MB (dataset built: {before:.0f} MB); "
            f"run adds {(after - before) * 2**20 / n:.0f} bytes per item (results included)"
        )
    (b1, a1), (b2, a2) = rows[10_000], rows[100_000]
    per_item = ((a2 - b2) - (a1 - b1)) * 2**20 / 90_000
    print(f"marginal cost per extra item (100k vs 10k): {per_item:.0f} bytes, all of it the kept TestResult")


if __name__ == "__main__":
    main()
