"""Scorecard and comparison cost on large runs: build time, HTML size, bootstrap time.

Run: python bench/scorecard_size.py
Prints, for 1, 10,000 and 100,000 items x 3 metrics: seconds to build the scorecard,
to render its HTML page and its terminal view, the page size, and seconds for a
paired comparison of two such runs (2,000 bootstrap resamples).
"""

from __future__ import annotations

import random
import time

from axionlike.dataset import DatasetItem
from axionlike.results import EvaluationResult, MetricScore, TestResult, build_result
from axionlike.results._terminal import render_text

METRICS = (("exact_match", True, 0.5), ("similarity", True, 0.8), ("latency", False, 1.5))


def synthetic(n: int, seed: int) -> EvaluationResult:
    """A run of ``n`` items built directly from the result models (no engine time)."""
    rng = random.Random(seed)
    results = []
    for i in range(n):
        item = DatasetItem(id=f"item-{i}", query=f"question {i}", actual_output=f"answer {i}", expected_output="x")
        scores = []
        for name, higher, threshold in METRICS:
            value = float(rng.random() < 0.7) if name == "exact_match" else rng.random() * (3 if not higher else 1)
            passed = value >= threshold if higher else value <= threshold
            scores.append(
                MetricScore(name=name, score=value, threshold=threshold, passed=passed, higher_is_better=higher)
            )
        results.append(TestResult(index=i, item=item, scores=scores))
    return build_result(
        run_id=f"bench-{seed}",
        evaluation_name=f"bench {n}",
        timestamp="2026-01-01T00:00:00+00:00",
        results=results,
        names=[name for name, _, _ in METRICS],
    )


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main() -> None:
    print(f"{'items':>8} {'scorecard s':>12} {'html s':>8} {'html KB':>8} {'terminal s':>11} {'compare s':>10}")
    for n in (1, 10_000, 100_000):
        run, base = synthetic(n, 1), synthetic(n, 2)
        card, build = timed(run.to_scorecard)
        page, html = timed(card.to_html)
        _, text = timed(lambda card=card: render_text(card))
        _, compare = timed(lambda run=run, base=base: run.compare(base))
        print(f"{n:>8} {build:>12.3f} {html:>8.3f} {len(page.encode()) / 1024:>8.1f} {text:>11.3f} {compare:>10.3f}")


if __name__ == "__main__":
    main()
