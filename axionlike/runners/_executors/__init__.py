"""Metric executors and the one routing function that picks an executor per metric."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from axionlike._digest import digest
from axionlike._exceptions import ConfigurationError, UnknownMetricError
from axionlike.runners._executors._base import MetricDescription, MetricExecutor
from axionlike.runners._executors._deepeval import DeepEvalExecutor
from axionlike.runners._executors._native import FunctionExecutor, NativeExecutor
from axionlike.runners._executors._ragas import RagasExecutor

_EXECUTORS: list[MetricExecutor] = [NativeExecutor(), RagasExecutor(), DeepEvalExecutor(), FunctionExecutor()]


def register_executor(executor: MetricExecutor, *, first: bool = True) -> None:
    """Add an executor to the routing table (before the function fallback by default)."""
    _EXECUTORS.insert(0 if first else len(_EXECUTORS), executor)


def route(metric: Any) -> MetricExecutor:
    """The executor that runs ``metric``; raises UnknownMetricError if none does."""
    for executor in _EXECUTORS:
        if executor.accepts(metric):
            return executor
    raise UnknownMetricError(
        f"no executor accepts {type(metric).__module__}.{type(metric).__qualname__}: "
        "pass a native metric (axionlike.metrics), a Ragas or DeepEval metric, or a "
        "function item -> score"
    )


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

    @property
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
        executor = route(metric)
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


__all__ = ["BoundMetric", "MetricDescription", "MetricExecutor", "bind_metrics", "register_executor", "route"]
