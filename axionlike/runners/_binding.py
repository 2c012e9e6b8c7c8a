"""What a run's metrics resolve to: each routed, described, preflighted, with its threshold."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from axionlike._digest import digest
from axionlike._exceptions import ConfigurationError
from axionlike.runners._executors import MetricDescription, MetricExecutor, executor_for


@dataclass(frozen=True)
class BoundMetric:
    """A metric as one run uses it: executor, description and effective threshold."""

    metric: Any
    executor: MetricExecutor
    description: MetricDescription
    threshold: float | None

    @property
    def name(self) -> str:
        return self.description.name

    @functools.cached_property
    def reads(self) -> tuple[str, ...]:
        """The item fields the metric reads: they, with its identity, key its cache entries."""
        return self.description.required_fields + self.description.optional_fields

    @functools.cached_property
    def identity_digest(self) -> str:
        """Digest of the metric's identity, computed once per run for its cache keys."""
        return digest(self.description.identity)

    def passed(self, score: float) -> bool | None:
        if self.threshold is None:
            return None
        if self.description.higher_is_better:
            return score >= self.threshold
        return score <= self.threshold


def _preflight(executor: MetricExecutor, metric: Any) -> None:
    """Let the executor (or else the metric) check its setup, e.g. an API key, before scoring."""
    check = getattr(executor, "preflight", None)
    if callable(check):
        check(metric)
        return
    check = getattr(metric, "preflight", None)
    if callable(check):
        check()


def bind_metrics(metrics: list[Any], thresholds: dict[str, float] | None) -> list[BoundMetric]:
    """Route, describe and preflight every metric; reject duplicate names and unknown threshold keys."""
    if not metrics:
        raise ConfigurationError("scoring_metrics is empty: give at least one metric")
    bound: list[BoundMetric] = []
    for metric in metrics:
        if isinstance(metric, type):
            raise ConfigurationError(
                f"scoring_metrics holds the class {metric.__name__}; pass an instance: {metric.__name__}()"
            )
        if getattr(metric, "__name__", None) == "<lambda>":
            raise ConfigurationError(
                "a lambda in scoring_metrics has no name to report its scores under: "
                "use a def, or name it: axionlike.metrics.named('my_score', lambda item: ...)"
            )
        executor = executor_for(metric)
        description = executor.describe(metric)
        _preflight(executor, metric)
        threshold = (thresholds or {}).get(description.name, description.threshold)
        bound.append(BoundMetric(metric, executor, description, threshold))
    names = [b.name for b in bound]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigurationError(f"two metrics share the name {', '.join(duplicates)}; give one a distinct name= ")
    unknown = sorted(set(thresholds or {}) - set(names))
    if unknown:
        raise ConfigurationError(
            f"thresholds name {', '.join(map(repr, unknown))}, which is no metric of this run; "
            f"metric names: {', '.join(names)}"
        )
    return bound
