"""Throughput of GradingRunner and RewardFunction on the engine (prints numbers; asserts nothing).

Run: python bench/grading.py [samples] [concurrency] [delay_ms]
"""

from __future__ import annotations

import asyncio
import sys
import time

from axionlike.dataset import DatasetItem
from axionlike.grading import GradingRunner, WeightedSumAggregator
from axionlike.integrations.reward import RewardFunction, RewardSample, group_samples
from axionlike.runners import evaluation_runner


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    delay = (float(sys.argv[3]) if len(sys.argv) > 3 else 5.0) / 1000

    async def slow(response: str) -> float:
        await asyncio.sleep(delay)
        return len(response) / 100

    def fast(response: str) -> bool:
        return "a" in response

    configs = {
        "slow_1": {"grader": slow, "mapper": {"response": "output.text"}},
        "slow_2": {"grader": slow, "mapper": {"response": "output.text"}},
        "sync": {"grader": fast, "mapper": {"response": "output.text"}},
    }
    data = [{"output": {"text": f"answer {i}"}} for i in range(samples)]
    runner = GradingRunner(
        configs,
        aggregators=WeightedSumAggregator(name="overall", weights={"slow_1": 1, "slow_2": 1, "sync": 1}),
        max_concurrency=concurrency,
        show_progress=False,
    )
    started = time.perf_counter()
    results = runner.run(data)
    elapsed = time.perf_counter() - started
    calls = samples * len(configs)
    ideal = samples * 2 * delay / concurrency
    print(
        f"GradingRunner: {samples} samples x {len(configs)} graders = {calls} calls, concurrency {concurrency}, delay {delay * 1000:.1f} ms"
    )
    print(f"  wall {elapsed:.2f} s, {calls / elapsed:.0f} calls/s, {samples / elapsed:.0f} samples/s")
    print(f"  lower bound from sleeps alone {ideal:.2f} s; overhead {(elapsed - ideal) / calls * 1e6:.0f} us per call")
    assert len(results["overall"]) == samples

    # The same work through evaluation_runner with plain metrics: the engine alone, without the face.
    async def slow_1(item):
        await asyncio.sleep(delay)
        return len(item.actual_output) / 100

    async def slow_2(item):
        await asyncio.sleep(delay)
        return len(item.actual_output) / 100

    def sync(item):
        return "a" in item.actual_output

    items = [DatasetItem(id=str(i), actual_output=f"answer {i}") for i in range(samples)]
    started = time.perf_counter()
    evaluation_runner(
        items,
        [slow_1, slow_2, sync],
        "bench",
        max_concurrent=concurrency,
        aggregators=[WeightedSumAggregator(name="overall", weights={"slow_1": 1, "slow_2": 1, "sync": 1})],
        show_progress=False,
        summary_generator=None,
    )
    engine_only = time.perf_counter() - started
    print(f"  same work via evaluation_runner (engine, no face): wall {engine_only:.2f} s")

    batch = [
        RewardSample(original_index=i, prompt=f"p{i % (samples // 8 or 1)}", response=f"r{i}") for i in range(samples)
    ]
    reward_fn = RewardFunction(
        {"slow": {"grader": slow, "mapper": {"response": "response"}}},
        max_concurrency=concurrency,
        group_normalisation="mean_std",
    )
    started = time.perf_counter()
    rewards = reward_fn.compute_rewards(group_samples(batch))
    elapsed = time.perf_counter() - started
    print(
        f"RewardFunction: {samples} samples in {len(group_samples(batch))} groups, wall {elapsed:.2f} s, {samples / elapsed:.0f} samples/s"
    )
    assert len(rewards.rewards) == samples


if __name__ == "__main__":
    main()
