"""Tracing overhead on the engine-overhead workload: noop vs Langfuse vs Opik.

5,000 items x 1 trivial native metric, no task, ``max_concurrent=100``. Langfuse and
Opik export (configured by their real SDKs, through the SDKs' HTTP clients) to the
local ``TraceCollector``, run in a process of its own as a real backend would be; each
run includes the final flush, and the collector's counts show that everything arrived.

The noop tracer's cost is also timed on its own: the exact tracer calls the engine
makes per item, in a tight loop, set against the engine's time per item.

Run: .venv/bin/python bench/tracing_overhead.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HOME", tempfile.mkdtemp(prefix="axionlike-bench-"))
os.environ.update({"OPIK_SENTRY_ENABLE": "false", "OPIK_ANALYTICS_ENABLE": "false"})

from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric
from axionlike.runners import EvaluationConfig, EvaluationRunner
from axionlike.tracing import configure_tracing, get_tracer

N = 5_000
REPEATS = 3


class TrivialScore(BaseMetric):
    """Returns 1.0 without awaiting anything: pure engine cost."""

    required_fields = ("actual_output",)

    async def execute(self, item: DatasetItem) -> float:
        return 1.0


def items(n: int) -> list[DatasetItem]:
    return [DatasetItem(id=str(i), query=f"question {i}", actual_output=f"answer {i}") for i in range(n)]


CPU: list[float] = []  # process CPU seconds (all threads) of each run_once, in order


def run_once(data: list[DatasetItem]) -> float:
    """Wall seconds of one evaluation (final flush included); its process CPU goes to CPU."""
    config = EvaluationConfig(
        evaluation_inputs=data,
        scoring_metrics=[TrivialScore()],
        evaluation_name="bench",
        show_progress=False,
        summary_generator=None,
        max_concurrent=100,
    )
    started, cpu = time.perf_counter(), time.process_time()
    asyncio.run(EvaluationRunner(config).execute())
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started


def best(data: list[DatasetItem], repeats: int = REPEATS) -> tuple[float, float]:
    """Best wall seconds and best process CPU seconds over ``repeats`` runs."""
    walls = [run_once(data) for _ in range(repeats)]
    return min(walls), min(CPU[-repeats:])


def noop_calls_per_item() -> float:
    """Seconds for the tracer calls the engine makes per item (metric span) with the noop tracer."""
    tracer = get_tracer()
    assert not tracer.enabled

    def calls() -> None:
        _ = None if not tracer.enabled else {}
        with tracer.span("TrivialScore.execute", kind="metric", input=_, new_trace=False) as span:
            span.set_output({"score": 1.0, "explanation": None})
            span.record_score("trivial_score", 1.0, None)
            _ = span.trace_id

    loops = 200_000
    return min(timeit.repeat(calls, number=loops, repeat=5)) / loops


def main() -> None:
    data = items(N)
    configure_tracing("noop")
    run_once(data)  # warm-up: imports, first-call costs
    noop, noop_cpu = best(data)
    per_call = noop_calls_per_item()
    noop_us, noop_cpu_us = noop * 1e6 / N, noop_cpu * 1e6 / N
    print(f"engine with noop tracer: {noop_us:.1f} us/item wall, {noop_cpu_us:.1f} us/item process CPU")
    print(
        f"noop tracer calls alone: {per_call * 1e6:.2f} us/item = {100 * per_call * 1e6 / noop_us:.1f}% of the "
        f"engine's time per item (target < 5%)"
    )

    for backend in ("langfuse", "opik"):
        with collector_process() as (url, counts):
            if backend == "langfuse":
                os.environ.update(
                    LANGFUSE_BASE_URL=url, LANGFUSE_PUBLIC_KEY="pk-lf-bench", LANGFUSE_SECRET_KEY="sk-lf-bench"
                )
            else:
                os.environ.update(OPIK_URL_OVERRIDE=f"{url}/api", OPIK_PROJECT_NAME="bench")
            configure_tracing(backend, flush_timeout=30)
            run_once(items(50))  # warm-up: SDK threads, first connections
            elapsed, cpu = best(data)
            configure_tracing("noop")
        us, cpu_us = elapsed * 1e6 / N, cpu * 1e6 / N
        print(
            f"engine with {backend} -> local collector: {us:.1f} us/item wall (+{us - noop_us:.1f} over noop, "
            f"target <= 300), {cpu_us:.1f} us/item process CPU (+{cpu_us - noop_cpu_us:.1f}); "
            f"collector received {counts} over {REPEATS + 1} runs"
        )


@contextlib.contextmanager
def collector_process() -> Iterator[tuple[str, dict[str, int]]]:
    """A TraceCollector in its own process (so decoding does not compete for our GIL)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "from axionlike.testing._trace_collector import main; main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.stdout is not None and proc.stdin is not None
    counts: dict[str, int] = {}
    try:
        yield proc.stdout.readline().strip(), counts
    finally:
        proc.stdin.close()
        counts.update(json.loads(proc.stdout.readline() or "{}"))
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
