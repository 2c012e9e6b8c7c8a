"""Benchmark: 1,000 items x 2 LLM-judge metrics against the fake server (50 ms per call), both routes.

Ideal time = 2,000 calls x 50 ms / 50 in flight = 2.0 s; target ratio <= 1.1x and <= 1 ms of
client CPU per call end to end on the direct route (engine, metric, prompt, transport,
parse, usage). Beside it: the same run on the litellm route, and the same requests
(messages and response_format) sent with a bare aiohttp session (the floor any client
reaches against this server on this machine) and with bare ``litellm.acompletion``. The fake
server runs in a process of its own (``FakeLLMProcess``), as a provider would; its CPU
is reported too.

Run from the repository root:
    python bench/llm_judge.py [--items 1000] [--latency 0.05] [--concurrency 50] [--routes aiohttp,direct,litellm,bare]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _items(n: int) -> list:
    from axionlike.dataset import DatasetItem

    return [
        DatasetItem(
            id=f"item-{i}",
            query=f"What does the context say about topic {i}?",
            actual_output=f"Topic {i} is covered in section {i % 7}.",
            retrieved_content=[f"Section {i % 7} covers topic {i}.", "Unrelated passage."],
        )
        for i in range(n)
    ]


def _metrics(api_base: str, route: str) -> list:
    from axionlike.metrics import AnswerRelevancy, Faithfulness

    kw = {"model_name": "openai/gpt-4o-mini", "api_base": api_base, "api_key": "bench-dummy-key", "transport": route}
    return [Faithfulness(**kw), AnswerRelevancy(**kw)]


def run_route(api_base: str, route: str, items: list, concurrency: int) -> tuple[float, float, dict]:
    """Wall and CPU seconds of one evaluation on ``route`` (after a one-item warm-up), and its metadata."""
    from axionlike.runners import evaluation_runner

    metrics = _metrics(api_base, route)
    evaluation_runner(items[:1], metrics, "warm-up", show_progress=False, max_concurrent=2, summary_generator=None)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = evaluation_runner(
        items, metrics, f"bench-{route}", max_concurrent=concurrency, show_progress=False, summary_generator=None
    )
    return time.perf_counter() - started, time.process_time() - cpu_started, result.metadata


def run_bare_litellm(api_base: str, items: list, concurrency: int) -> tuple[float, float]:
    """Wall and CPU seconds of the same judge requests through bare litellm.acompletion."""
    import litellm

    from axionlike.llm._structured import response_format

    metrics = _metrics(api_base, "litellm")
    requests = [
        {
            "model": "openai/gpt-4o-mini",
            "api_base": api_base,
            "api_key": "bench-dummy-key",
            "temperature": 0.0,
            "messages": metric.render_messages(item),
            "response_format": response_format(metric.verdict_schema()),
        }
        for item in items
        for metric in metrics
    ]

    async def send_all(batch: list) -> None:
        slots = asyncio.Semaphore(concurrency)

        async def send(request: dict) -> None:
            async with slots:
                await litellm.acompletion(**request)

        await asyncio.gather(*(send(r) for r in batch))

    asyncio.run(send_all(requests[:2]))
    started, cpu_started = time.perf_counter(), time.process_time()
    asyncio.run(send_all(requests))
    return time.perf_counter() - started, time.process_time() - cpu_started


def run_bare_aiohttp(api_base: str, items: list, concurrency: int) -> tuple[float, float]:
    """Wall and CPU seconds of the same requests through a bare aiohttp session: the floor of any client here."""
    import json

    import aiohttp

    from axionlike.llm._structured import response_format

    metrics = _metrics(api_base, "direct")
    bodies = [
        json.dumps(
            {
                "model": "gpt-4o-mini",
                "temperature": 0.0,
                "messages": metric.render_messages(item),
                "response_format": response_format(metric.verdict_schema()),
            }
        ).encode()
        for item in items
        for metric in metrics
    ]

    async def send_all(batch: list) -> None:
        slots = asyncio.Semaphore(concurrency)
        headers = {"Content-Type": "application/json", "Authorization": "Bearer bench-dummy-key"}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:

            async def send(body: bytes) -> None:
                async with slots, session.post(f"{api_base}/chat/completions", data=body, headers=headers) as reply:
                    json.loads(await reply.read())

            await asyncio.gather(*(send(b) for b in batch))

    asyncio.run(send_all(bodies[:2]))
    started, cpu_started = time.perf_counter(), time.process_time()
    asyncio.run(send_all(bodies))
    return time.perf_counter() - started, time.process_time() - cpu_started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--routes", default="aiohttp,direct,litellm,bare")
    args = parser.parse_args()

    from axionlike.testing import FakeLLMProcess

    items = _items(args.items)
    calls = args.items * 2
    ideal = calls * args.latency / args.concurrency
    print(
        f"{args.items} items x 2 judges = {calls} calls, {args.latency * 1000:.0f} ms each, "
        f"{args.concurrency} in flight: ideal {ideal:.2f} s (server in its own process)"
    )
    with FakeLLMProcess(latency=args.latency) as server:
        for route in args.routes.split(","):
            server_cpu = server.cpu_seconds()
            if route in ("bare", "aiohttp"):
                run_bare = run_bare_litellm if route == "bare" else run_bare_aiohttp
                wall, cpu = run_bare(server.api_base, items, args.concurrency)
                errors = "-"
            else:
                wall, cpu, metadata = run_route(server.api_base, route, items, args.concurrency)
                errors = metadata["counts"]["metric_errors"]
            server_cpu = server.cpu_seconds() - server_cpu
            names = {"bare": "bare litellm.acompletion", "aiohttp": "bare aiohttp (the floor)"}
            name = names.get(route, f"route {route}")
            print(
                f"{name:26s} {wall:6.2f} s = {wall / ideal:5.2f}x ideal (target <= 1.1x); client CPU "
                f"{cpu / calls * 1000:5.2f} ms/call (target <= 1 ms on the direct route); errors {errors}; "
                f"server CPU {server_cpu / calls * 1000:.2f} ms/call (incl. warm-up)"
            )


if __name__ == "__main__":
    main()
