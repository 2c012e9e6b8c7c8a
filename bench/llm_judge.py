"""Benchmark: 1,000 items x 2 LLM-judge metrics against FakeLLMServer (50 ms per call).

Ideal time = 2,000 calls x 50 ms / 50 in flight = 2.0 s; target ratio <= 1.1x. Also
reports the first-call overhead (importing litellm on the first LLM call) and the floor
that litellm itself sets: the same requests (messages and response_format) sent with
bare ``litellm.acompletion``, 50 in flight, no axionlike in between.

By default the fake server runs in a child process, as a real provider would run
outside the evaluating process; ``--in-process`` serves it from a thread instead
(then it competes for the GIL with the client).

Run from the repository root:
    python bench/llm_judge.py [--items 1000] [--latency 0.05] [--concurrency 50] [--in-process]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _serve(latency: float, ports: mp.Queue, stop: mp.Event) -> None:
    from axionlike.testing import FakeLLMServer

    with FakeLLMServer(latency=latency) as server:
        ports.put(server.port)
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--in-process", action="store_true", help="serve the fake LLM from a thread of this process")
    args = parser.parse_args()

    from axionlike.dataset import DatasetItem
    from axionlike.metrics import AnswerRelevancy, Faithfulness
    from axionlike.runners import evaluation_runner

    stop = mp.Event()
    if args.in_process:
        from axionlike.testing import FakeLLMServer

        server = FakeLLMServer(latency=args.latency).start()
        port, child = server.port, None
    else:
        ports: mp.Queue = mp.Queue()
        child = mp.Process(target=_serve, args=(args.latency, ports, stop), daemon=True)
        child.start()
        port, server = ports.get(timeout=30), None
    api_base = f"http://127.0.0.1:{port}/v1"
    try:
        kw = {"model_name": "openai/gpt-4o-mini", "api_base": api_base, "api_key": "bench-dummy-key"}
        metrics = [Faithfulness(**kw), AnswerRelevancy(**kw)]
        items = [
            DatasetItem(
                id=f"item-{i}",
                query=f"What does the context say about topic {i}?",
                actual_output=f"Topic {i} is covered in section {i % 7}.",
                retrieved_content=[f"Section {i % 7} covers topic {i}.", "Unrelated passage."],
            )
            for i in range(args.items)
        ]

        started = time.perf_counter()
        warm = evaluation_runner(items[:1], metrics, "warm-up", show_progress=False, max_concurrent=2)
        first_call = time.perf_counter() - started
        from axionlike.llm._transports import _litellm

        started, cpu_started = time.perf_counter(), time.process_time()
        result = evaluation_runner(items, metrics, "bench", max_concurrent=args.concurrency, show_progress=False)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
        bare, bare_cpu = bare_litellm(metrics, items, kw, args.concurrency)
    finally:
        stop.set()
        if server is not None:
            server.stop()
        if child is not None:
            child.join(timeout=5)

    calls = args.items * len(metrics)
    ideal = calls * args.latency / args.concurrency
    errors = result.metadata["counts"]["metric_errors"]
    print(
        f"server: {'in-process thread' if args.in_process else 'child process'}, latency {args.latency * 1000:.0f} ms"
    )
    print(f"items x metrics: {args.items} x {len(metrics)} = {calls} LLM calls, max_concurrent={args.concurrency}")
    print(f"time:  {elapsed:.2f} s")
    print(f"ideal: {ideal:.2f} s")
    print(f"ratio: {elapsed / ideal:.2f}x (target <= 1.1x)")
    print(f"client CPU: {cpu:.2f} s ({cpu / calls * 1000:.2f} ms per call; the floor when CPU-bound)")
    print(
        f"bare litellm.acompletion, same requests: {bare:.2f} s = {bare / ideal:.2f}x ideal, "
        f"{bare_cpu / calls * 1000:.2f} ms CPU per call"
    )
    print(
        f"errors: {errors}, calls counted: {result.metadata['usage']['calls']}, cost: ${result.metadata['usage']['cost']:.4f}"
    )
    print(
        f"first-call overhead: litellm import {_litellm.import_seconds:.2f} s; first evaluation (1 item) {first_call:.2f} s"
    )
    assert warm.metadata["counts"]["metric_errors"] == 0


def bare_litellm(metrics: list, items: list, kw: dict, concurrency: int) -> tuple[float, float]:
    """Wall and CPU seconds of the same judge requests through bare litellm.acompletion."""
    import asyncio

    import litellm

    from axionlike.llm._structured import response_format

    requests = [
        {
            "model": kw["model_name"],
            "api_base": kw["api_base"],
            "api_key": kw["api_key"],
            "temperature": 0.0,
            "messages": metric.render_messages(item),
            "response_format": response_format(metric.verdict_schema()),
        }
        for item in items
        for metric in metrics
    ]

    async def send_all() -> None:
        slots = asyncio.Semaphore(concurrency)

        async def send(request: dict) -> None:
            async with slots:
                await litellm.acompletion(**request)

        await asyncio.gather(*(send(r) for r in requests))

    started, cpu_started = time.perf_counter(), time.process_time()
    asyncio.run(send_all())
    return time.perf_counter() - started, time.process_time() - cpu_started


if __name__ == "__main__":
    main()
