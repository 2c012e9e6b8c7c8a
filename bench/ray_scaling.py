"""Benchmark: what Ray buys on this machine, and what it costs per item.

1. 2,000 items x a CPU-bound metric (~5 ms of pure-Python work each): local vs Ray with 2
   workers. Target: speed-up >= 1.7x on 2 cores.
2. 20,000 items x a trivial metric: the Ray route's overhead per item over the local one
   (target <= 200 us/item), and the driver's peak RSS.
3. The LLM-judge workload of ``llm_judge.py`` (1,000 items x 2 judges, 50 ms, 50 in flight)
   with 2 workers, against the fake server in its own process.

Ray is started once (a local Ray on a loopback address, 2 CPUs) before anything is timed.
Each Ray figure is given warm (the backend's workers kept from a run with the same task and
metrics, as in repeated runs and RL steps) and cold (the run starts its workers: ~1-2 s).

Run from the repository root:
    python bench/ray_scaling.py [--cpu-items 2000] [--trivial-items 20000] [--judge-items 1000]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric


class Burn(BaseMetric):
    """About ``millis`` ms of pure-Python work per item (the GIL held throughout)."""

    required_fields = ("query",)
    millis: float = 5.0

    async def execute(self, item: DatasetItem) -> float:
        deadline = time.process_time() + self.millis / 1000
        total = 0
        while time.process_time() < deadline:
            total += sum(i * i for i in range(200))
        return float(total % 2)


class Trivial(BaseMetric):
    required_fields = ("query",)

    async def execute(self, item: DatasetItem) -> float:
        return 1.0


def _items(n: int) -> list[DatasetItem]:
    return [DatasetItem(id=str(i), query=f"question {i}", actual_output=f"answer {i}") for i in range(n)]


def _timed(**kw: object) -> tuple[float, object]:
    from axionlike.runners import evaluation_runner

    gc.collect()  # every run starts from the same heap: earlier results are dropped by the callers
    started = time.perf_counter()
    result = evaluation_runner(evaluation_name="bench", show_progress=False, summary_generator=None, **kw)  # type: ignore[arg-type]
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-items", type=int, default=2000)
    parser.add_argument("--trivial-items", type=int, default=20000)
    parser.add_argument("--judge-items", type=int, default=1000)
    args = parser.parse_args()

    import ray

    from axionlike.runners import RayBackend

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(num_cpus=2, _node_ip_address="127.0.0.2", include_dashboard=False, log_to_driver=False)
    backend = RayBackend(workers=2)  # batches of 64, two in flight per worker

    def ray_run(items: list[DatasetItem], metrics: list, concurrent: int) -> tuple[float, float, dict]:
        """A cold run (its workers start) and a warm one (the backend's workers kept, as for repeated runs)."""
        cold = _timed(evaluation_inputs=items, scoring_metrics=metrics, max_concurrent=concurrent, backend=backend)[0]
        warm, result = _timed(
            evaluation_inputs=items, scoring_metrics=metrics, max_concurrent=concurrent, backend=backend
        )
        return cold, warm, result.metadata["backend"]  # type: ignore[attr-defined]

    items = _items(args.cpu_items)
    local = _timed(evaluation_inputs=items, scoring_metrics=[Burn()], max_concurrent=8)[0]
    cold, warm, stats = ray_run(items, [Burn()], 8)
    print(
        f"{args.cpu_items} items x 5 ms CPU metric: local {local:.2f} s; Ray 2 workers {warm:.2f} s warm, "
        f"{cold:.2f} s cold (workers starting): speed-up {local / warm:.2f}x warm, {local / cold:.2f}x cold "
        f"(target >= 1.7x); {stats}"
    )

    items = _items(args.trivial_items)
    local = _timed(evaluation_inputs=items, scoring_metrics=[Trivial()], max_concurrent=100)[0]
    cold, warm, _ = ray_run(items, [Trivial()], 100)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{args.trivial_items} items x trivial metric: local {local:.2f} s, Ray {warm:.2f} s warm ({cold:.2f} s cold): "
        f"{(warm - local) / args.trivial_items * 1e6:.0f} us/item over local warm, "
        f"{(cold - local) / args.trivial_items * 1e6:.0f} cold (target <= 200); driver peak RSS {rss:.0f} MB"
    )

    import llm_judge

    from axionlike.testing import FakeLLMProcess

    with FakeLLMProcess(latency=0.05) as server:
        items = llm_judge._items(args.judge_items)
        metrics = llm_judge._metrics(server.api_base, "direct")
        ideal = args.judge_items * 2 * 0.05 / 50
        local = _timed(evaluation_inputs=items, scoring_metrics=metrics, max_concurrent=50)[0]
        cold, remote, _ = ray_run(items, metrics, 50)
        print(
            f"LLM judges, {args.judge_items} items x 2, 50 ms, 50 in flight: local {local:.2f} s "
            f"({local / ideal:.2f}x ideal), Ray 2 workers {remote:.2f} s warm ({remote / ideal:.2f}x ideal)"
        )


if __name__ == "__main__":
    main()
