"""Benchmark: one RL reward step, 1,024 samples x 3 graders through RewardFunction.

Two rule-based graders (answer format, length) and one LLM judge (``LLMJudge`` on the
direct route) answering in 200 ms, 256 grader calls in flight: ideal ~ 1,024 x 0.2 s /
256 = 0.8 s. Target <= 1.2x ideal. The fake server runs in a process of its own; its
CPU is reported beside the client's. Each step is one ``compute_rewards`` call, as a
trainer makes it (a fresh event loop per step).

Run from the repository root:
    python bench/reward_step.py [--samples 1024] [--latency 0.2] [--concurrency 256] [--steps 3]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


async def answer_format(response: str) -> float:
    """1.0 when the response ends with an <answer>...</answer> block (rule-based: async, runs on the loop)."""
    return float(bool(re.search(r"<answer>.+</answer>\s*$", response, re.DOTALL)))


async def length_ok(response: str) -> float:
    """1.0 for 5 to 200 words."""
    return float(5 <= len(response.split()) <= 200)


def judge_floor(judge: object, samples: list, concurrency: int) -> tuple[float, float]:
    """Wall and CPU seconds of the judge's requests alone through a bare aiohttp session (the floor)."""
    import asyncio
    import json

    import aiohttp

    from axionlike.dataset import DatasetItem
    from axionlike.llm._structured import response_format

    bodies = [
        json.dumps(
            {
                "model": "judge",
                "temperature": 0.0,
                "messages": judge.render_messages(DatasetItem(query=s.prompt, actual_output=s.response)),  # type: ignore[attr-defined]
                "response_format": response_format(judge.verdict_schema()),  # type: ignore[attr-defined]
            }
        ).encode()
        for s in samples
    ]

    async def send_all() -> None:
        slots = asyncio.Semaphore(concurrency)
        url = f"{judge.api_base}/chat/completions"  # type: ignore[attr-defined]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

            async def send(body: bytes) -> None:
                async with slots, session.post(url, data=body, headers={"Content-Type": "application/json"}) as reply:
                    json.loads(await reply.read())

            await asyncio.gather(*(send(b) for b in bodies))

    started, cpu_started = time.perf_counter(), time.process_time()
    asyncio.run(send_all())
    return time.perf_counter() - started, time.process_time() - cpu_started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=1024)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=256)
    parser.add_argument("--steps", type=int, default=3)
    args = parser.parse_args()

    from axionlike.integrations.reward import RewardFunction, RewardSample, group_samples
    from axionlike.metrics import LLMJudge
    from axionlike.testing import FakeLLMProcess

    samples = [
        RewardSample(
            original_index=i,
            prompt=f"Problem {i // args.group}: what is {i // args.group} + {i % 7}?",
            response=f"Let me think step by step about problem {i // args.group}. <answer>{i % 11}</answer>",
        )
        for i in range(args.samples)
    ]
    ideal = args.samples * args.latency / args.concurrency
    print(
        f"{args.samples} samples x 3 graders (1 LLM judge at {args.latency * 1000:.0f} ms), "
        f"{args.concurrency} in flight: ideal {ideal:.2f} s per step (server in its own process)"
    )
    with FakeLLMProcess(latency=args.latency) as server:
        judge = LLMJudge(
            name="correct",
            criteria="Is the final answer correct for the problem?",
            model_name="openai/judge",
            api_base=server.api_base,
            api_key="bench-dummy-key",
        )
        reward = RewardFunction(
            {
                "format": {"grader": answer_format, "mapper": {"response": "response"}},
                "length": {"grader": length_ok, "mapper": {"response": "response"}},
                "correct": {"grader": judge, "mapper": {"query": "prompt", "actual_output": "response"}},
            },
            max_concurrency=args.concurrency,
        )
        groups = group_samples(samples)
        reward.compute_rewards(group_samples(samples[: args.group]))  # warm-up: imports, connections
        for step in range(1, args.steps + 1):
            server_cpu = server.cpu_seconds()
            started, cpu_started = time.perf_counter(), time.process_time()
            batch = reward.compute_rewards(groups)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            server_cpu = server.cpu_seconds() - server_cpu
            failed = sum(batch.reward_info["reward_failed"])
            print(
                f"step {step}: {wall:.2f} s = {wall / ideal:.2f}x ideal (target <= 1.2x); client CPU {cpu:.2f} s "
                f"({cpu / args.samples * 1000:.2f} ms per sample); server CPU {server_cpu:.2f} s; "
                f"failed rewards {failed}"
            )
        wall, cpu = judge_floor(judge, samples, args.concurrency)
        print(
            f"floor: the judge requests alone through bare aiohttp: {wall:.2f} s = {wall / ideal:.2f}x ideal, "
            f"client CPU {cpu:.2f} s"
        )


if __name__ == "__main__":
    main()
