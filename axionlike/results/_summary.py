"""Per-metric statistics over a run."""

from __future__ import annotations

import statistics
from collections.abc import Iterable

from axionlike.results._models import MetricScore, MetricSummary, Usage


def summarise(name: str, scores: Iterable[MetricScore]) -> MetricSummary:
    """Count, centre, spread and pass rate of one metric's scores."""
    scores = list(scores)
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
    )
