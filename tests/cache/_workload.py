"""An evaluation run in a subprocess by the cache tests (two processes, kill-and-resume).

Usage: python _workload.py CACHE_DIR CALL_LOG RESULT_PATH [DELAY]
Each metric call appends a line to CALL_LOG, so the parent can count real calls.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric
from axionlike.runners import CacheConfig, evaluation_runner

N_ITEMS = 40


class CountingLength(BaseMetric):
    """Length of the answer, scaled; logs every real call to a file."""

    required_fields = ("actual_output",)
    call_log: str
    delay: float = 0.0
    scale: float = 100.0

    async def execute(self, item):
        await asyncio.sleep(self.delay)
        with open(self.call_log, "a") as log:
            log.write(f"{self.name} {item.id}\n")
        return len(item.actual_output) / self.scale


def task(item):
    return {"actual_output": f"answer to {item.query} " * (int(item.id) % 4 + 1)}


def main() -> None:
    cache_dir, call_log, result_path = sys.argv[1:4]
    delay = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    items = [DatasetItem(id=str(i), query=f"question {i}") for i in range(N_ITEMS)]
    metrics = [CountingLength(name=f"len_{k}", call_log=call_log, delay=delay, scale=100.0 + k) for k in range(2)]
    result = evaluation_runner(
        items,
        metrics,
        "workload",
        task=task,
        max_concurrent=4,
        cache_config=CacheConfig(cache_type="disk", cache_dir=Path(cache_dir)),
        show_progress=False,
        run_id="fixed",
    )
    Path(result_path).write_text(result.to_json())


if __name__ == "__main__":
    main()
