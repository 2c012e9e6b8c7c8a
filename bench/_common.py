"""Shared bits of the benchmark scripts: trivial and sleeping metrics, timing, RSS."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Callable
from typing import Any

from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric
from axionlike.runners import EvaluationConfig, EvaluationRunner


class Trivial(BaseMetric):
    """Returns 1.0 without awaiting anything: pure engine cost."""

    required_fields = ("actual_output",)

    async def execute(self, item: DatasetItem) -> float:
        return 1.0


class Sleeping(BaseMetric):
    """Sleeps ``seconds``: a stand-in for a latency-bound LLM judge."""

    required_fields = ("actual_output",)

    seconds: float = 0.02

    async def execute(self, item: DatasetItem) -> float:
        await asyncio.sleep(self.seconds)
        return 1.0


def items(n: int) -> list[DatasetItem]:
    return [DatasetItem(id=str(i), query=f"question {i}", actual_output=f"answer {i}") for i in range(n)]


def run(inputs: Any, metrics: list[Any], **kwargs: Any) -> Any:
    config = EvaluationConfig(
        evaluation_inputs=inputs,
        scoring_metrics=metrics,
        evaluation_name="bench",
        show_progress=False,
        summary_generator=None,
        **kwargs,
    )
    return asyncio.run(EvaluationRunner(config).execute())


def best_of(repeats: int, fn: Callable[[], Any]) -> float:
    """Best wall time of ``repeats`` runs (seconds)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def cpu_of(fn: Callable[[], Any]) -> float:
    """CPU seconds of one run of ``fn`` (this process)."""
    started = time.process_time()
    fn()
    return time.process_time() - started


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
