"""Assembling a run's EvaluationResult: the one place its summary and metadata get their shape."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from axionlike.results._models import EvaluationResult, MetricScore, MetricSummary, TestResult, Usage

RESERVED_METADATA = (
    "evaluation_description",
    "dataset_name",
    "counts",
    "durations",
    "config",
    "usage",
    "cache",
    "backend",
)
"""Keys every result's metadata has; user metadata may not use them."""


def summarise(name: str, scores: Iterable[MetricScore], trials: Iterable[list[MetricScore]] = ()) -> MetricSummary:
    """Count, centre, spread and pass rate of one metric's scores; with ``trials`` (each item's
    trial scores), the spread across trials too."""
    scores = list(scores)
    trial_std, flip_rate = _across_trials(list(trials))
    values = [s.score for s in scores if s.status == "scored" and s.score is not None]
    verdicts = [s.passed for s in scores if s.passed is not None]
    first = scores[0] if scores else None
    usage = sum((s.usage for s in scores if s.usage is not None), Usage())
    return MetricSummary(
        name=name,
        source=first.source if first else "native",
        count=len(values),
        mean=statistics.fmean(values) if values else None,
        median=statistics.median(values) if values else None,
        std=statistics.pstdev(values) if len(values) > 1 else (0.0 if values else None),
        min=min(values) if values else None,
        max=max(values) if values else None,
        threshold=first.threshold if first else None,
        higher_is_better=first.higher_is_better if first else True,
        passed=sum(verdicts),
        pass_rate=sum(verdicts) / len(verdicts) if verdicts else None,
        errors=sum(s.status == "error" for s in scores),
        skipped=sum(s.status == "skipped" for s in scores),
        cached=sum(s.cached for s in scores),
        usage=usage,
        trial_std=trial_std,
        flip_rate=flip_rate,
    )


def _across_trials(trials: list[list[MetricScore]]) -> tuple[float | None, float | None]:
    """The mean per-item std of trial scores, and the share of items whose pass/fail flips."""
    spreads = []
    verdict_sets = []
    for item_trials in trials:
        values = [s.score for s in item_trials if s.status == "scored" and s.score is not None]
        if len(values) > 1:  # population std; statistics.pstdev is exact but 20x slower on floats
            mean = math.fsum(values) / len(values)
            spreads.append(math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)))
        verdicts = {s.passed for s in item_trials if s.passed is not None}
        if verdicts:
            verdict_sets.append(verdicts)
    trial_std = statistics.fmean(spreads) if spreads else None
    flip_rate = sum(len(v) > 1 for v in verdict_sets) / len(verdict_sets) if verdict_sets else None
    return trial_std, flip_rate


def build_result(
    *,
    run_id: str,
    evaluation_name: str,
    timestamp: str,
    results: Sequence[TestResult],
    names: Sequence[str],
    items: int | None = None,
    metadata: dict[str, Any] | None = None,
    description: str | None = None,
    dataset_name: str | None = None,
    duplicate_ids: Sequence[str] = (),
    total_seconds: float = 0.0,
    config: dict[str, Any] | None = None,
    usage: Usage | None = None,
    cache: dict[str, Any] | None = None,
    backend: dict[str, Any] | None = None,
) -> EvaluationResult:
    """An EvaluationResult from per-item results: summaries and metadata in the one shape every face shares.

    Args:
        run_id: identifier of the run.
        evaluation_name: name of the run.
        timestamp: ISO 8601 start time.
        results: one TestResult per evaluated item, in input order.
        names: metric (and aggregate) names, in the order the summary lists them.
        items: items in the input (more than ``results`` when fail-fast stopped early).
        metadata: free-form keys put at the top level (the user's, a face's own).
        description: the evaluation's description.
        dataset_name: name of the dataset.
        duplicate_ids: item ids seen more than once.
        total_seconds: wall time of the run.
        config: the configuration that produced it.
        usage: tokens and cost spent by this run (cache hits spend nothing).
        cache: cache statistics (``{"enabled": False}`` without a cache).
        backend: where the work ran (``{"name": "local"}``, or Ray's workers, batches and retries).
    """
    by_name: dict[str, list[MetricScore]] = {n: [] for n in names}
    for result in results:
        for score in (*result.scores, *result.aggregates):
            by_name[score.name].append(score)
    by_trial: dict[str, list[list[MetricScore]]] = defaultdict(list)
    for result in results:
        if result.trials:
            per_metric: dict[str, list[MetricScore]] = defaultdict(list)
            for trial in result.trials:
                for score in trial.scores:
                    per_metric[score.name].append(score)
            for name, trial_scores in per_metric.items():
                by_trial[name].append(trial_scores)
    summary = {name: summarise(name, scores, by_trial.get(name, ())) for name, scores in by_name.items()}
    latencies = [
        r.item.latency
        for r in results
        if r.task_output is not None and r.item is not None and r.item.latency is not None
    ]
    return EvaluationResult(
        run_id=run_id,
        evaluation_name=evaluation_name,
        timestamp=timestamp,
        results=list(results),
        summary=summary,
        metadata={
            **(metadata or {}),
            "evaluation_description": description,
            "dataset_name": dataset_name,
            "counts": {
                "items": len(results) if items is None else items,
                "evaluated": len(results),
                "invalid_rows": sum(r.item is None for r in results),
                "task_errors": sum(r.error is not None and r.error.phase == "task" for r in results),
                "metric_errors": sum(s.errors for s in summary.values()),
                "skipped": sum(s.skipped for s in summary.values()),
                "duplicate_ids": list(duplicate_ids),
            },
            "durations": {
                "total_seconds": total_seconds,
                "mean_task_latency": math.fsum(latencies) / len(latencies) if latencies else None,
            },
            "config": config or {},
            "usage": (usage or Usage()).model_dump(),
            "cache": cache or {"enabled": False},
            "backend": backend or {"name": "local"},
        },
    )
