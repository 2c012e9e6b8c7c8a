"""Throughput of Ragas and DeepEval metrics through the adapters, against FakeLLMServer.

Usage (from the repository root): PYTHONPATH=. python bench/external_metrics.py [items] [max_concurrent] [latency_seconds]
Prints wall time, LLM calls and calls per second for one run mixing Ragas Faithfulness,
DeepEval AnswerRelevancyMetric and native ExactMatch, after a one-item warm-up run that
pays the imports (timed apart). The fake server runs in a thread of this process.
"""

from __future__ import annotations

import os
import sys
import time
import warnings

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
warnings.simplefilter("ignore", DeprecationWarning)


def main() -> None:
    items_count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    concurrency = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    latency = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05

    from deepeval.metrics import AnswerRelevancyMetric
    from ragas.metrics import Faithfulness

    from axionlike.dataset import DatasetItem
    from axionlike.integrations.models import LiteLLMDeepEval, LiteLLMRagas
    from axionlike.metrics import ExactMatch
    from axionlike.runners import evaluation_runner
    from axionlike.testing import FakeLLMServer

    items = [
        DatasetItem(query=f"q{i}", actual_output=f"a{i}", expected_output=f"a{i % 2}", retrieved_content=[f"c{i}"])
        for i in range(items_count)
    ]
    with FakeLLMServer(latency=latency) as server:
        local = {"api_base": server.api_base, "api_key": "dummy-key"}
        metrics = [
            Faithfulness(llm=LiteLLMRagas("openai/gpt-4o-mini", **local)),
            AnswerRelevancyMetric(model=LiteLLMDeepEval("openai/gpt-4o-mini", **local), include_reason=False),
            ExactMatch(name="native_exact_match"),
        ]
        started = time.perf_counter()
        evaluation_runner(
            items[:1], metrics, "warm-up", show_progress=False, summary_generator=None
        )  # imports litellm, first connections
        warm_up = time.perf_counter() - started
        calls_before = server.calls
        started = time.perf_counter()
        result = evaluation_runner(
            items, metrics, "bench", max_concurrent=concurrency, show_progress=False, summary_generator=None
        )
        seconds = time.perf_counter() - started
        calls = server.calls - calls_before
        errors = sum(s.status == "error" for r in result.results for s in r.scores)
        print(
            f"items={items_count} max_concurrent={concurrency} server_latency={latency}s "
            f"wall={seconds:.2f}s llm_calls={calls} calls_per_s={calls / seconds:.1f} "
            f"max_in_flight={server.max_in_flight} errors={errors} "
            f"cost=${result.metadata['usage']['cost']:.4f} (first one-item run, imports included: {warm_up:.2f}s)"
        )


if __name__ == "__main__":
    main()
