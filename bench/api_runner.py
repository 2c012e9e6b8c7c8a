"""APIRunner throughput and overhead against a local HTTP service (prints numbers, asserts nothing).

Run from the repository root:
    python bench/api_runner.py [items] [max_concurrent]

Compares (a) a bare httpx.AsyncClient loop bounded by a semaphore with (b) the same
requests sent by ``evaluation_runner(task=APIRunner(...))`` with one heuristic metric,
so the difference is the runner's own cost (engine, retries wrapper, spans, redaction).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "endpoints"))

from api_server import APIServer

from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch
from axionlike.runners import APIRunner, evaluation_runner


async def bare(url: str, n: int, concurrency: int) -> float:
    import httpx

    gate = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient() as client:

        async def one(i: int) -> None:
            async with gate:
                (await client.post(url, json={"query": f"bare{i}"})).json()["response"]

        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        return time.perf_counter() - started


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with APIServer() as server:
        url = server.url("/simple")
        bare_seconds = asyncio.run(bare(url, n, concurrency))
        items = [DatasetItem(id=str(i), query=f"q{i}", expected_output=f"echo: q{i}") for i in range(n)]
        runner = APIRunner(config={"bench": {"api_url": url, "api_key": "bench-key-000000"}})
        started = time.perf_counter()
        result = evaluation_runner(
            items,
            [ExactMatch()],
            "bench",
            task=runner,
            scoring_key_mapping={"actual_output": "response"},
            max_concurrent=concurrency,
            show_progress=False,
            summary_generator=None,
        )
        run_seconds = time.perf_counter() - started
    latencies = [r.item.latency for r in result.results]
    print(f"items={n} max_concurrent={concurrency}")
    print(f"bare httpx:        {bare_seconds:6.2f}s  {n / bare_seconds:7.1f} req/s")
    print(f"evaluation_runner: {run_seconds:6.2f}s  {n / run_seconds:7.1f} items/s  success_rate={result.success_rate}")
    print(
        f"per-request latency: median {statistics.median(latencies) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
