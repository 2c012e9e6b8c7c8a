"""Throughput of Ragas and DeepEval metrics through the adapters, against FakeLLMServer.

Usage (from the repository root): PYTHONPATH=. python bench/external_metrics.py [items] [max_concurrent] [latency_seconds]
Prints wall time, LLM calls and calls per second for one run mixing Ragas Faithfulness,
DeepEval AnswerRelevancyMetric and native ExactMatch.
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
        result = evaluation_runner(items, metrics, "bench", max_concurrent=concurrency, show_progress=False)
        seconds = time.perf_counter() - started
        errors = sum(s.status == "error" for r in result.results for s in r.scores)
        print(
            f"items={items_count} max_concurrent={concurrency} server_latency={latency}s "
            f"wall={seconds:.2f}s llm_calls={server.calls} calls_per_s={server.calls / seconds:.1f} "
            f"max_in_flight={server.max_in_flight} errors={errors} "
            f"cost=${result.metadata['usage']['cost']:.4f}"
        )


if __name__ == "__main__":
    main()
