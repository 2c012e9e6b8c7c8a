"""Executor for native metrics and plain scoring functions."""

from __future__ import annotations

from typing import Any

from axionlike._invoke import invoke
from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric, MetricResult
from axionlike.runners._executors._base import MetricDescription, Scorer


class NativeExecutor:
    """Runs ``BaseMetric`` subclasses."""

    source = "native"

    def accepts(self, metric: Any) -> bool:
        return isinstance(metric, BaseMetric)

    def describe(self, metric: BaseMetric) -> MetricDescription:
        return MetricDescription(
            name=metric.name,
            required_fields=metric.required_fields,
            optional_fields=metric.optional_fields,
            higher_is_better=metric.higher_is_better,
            threshold=metric.effective_threshold,
            identity=metric.identity(),
            span_name=f"{type(metric).__name__}.execute",
            source=self.source,
        )

    async def execute(self, metric: BaseMetric, item: DatasetItem) -> MetricResult:
        return MetricResult.from_value(await metric.execute(item), metric.name)


class FunctionExecutor:
    """Runs plain functions ``fn(item) -> score`` (sync in a thread, or async)."""

    source = "function"

    def accepts(self, metric: Any) -> bool:
        return callable(metric) and not isinstance(metric, type)

    def describe(self, metric: Any) -> MetricDescription:
        name = getattr(metric, "__name__", None) or type(metric).__name__
        qualname = getattr(metric, "__qualname__", name)
        return MetricDescription(
            name=name,
            required_fields=(),
            optional_fields=(),
            higher_is_better=True,
            threshold=None,
            identity={"function": f"{getattr(metric, '__module__', '')}.{qualname}"},
            span_name=f"{name}.execute",
            source=self.source,
        )

    async def execute(self, metric: Any, item: DatasetItem) -> MetricResult:
        name = getattr(metric, "__name__", type(metric).__name__)
        return MetricResult.from_value(await invoke(metric, item), name)


class ScorerExecutor:
    """Runs ``Scorer`` objects: they describe and score themselves."""

    def accepts(self, metric: Any) -> bool:
        return isinstance(metric, Scorer)

    def describe(self, metric: Scorer) -> MetricDescription:
        return metric.describe()

    async def execute(self, metric: Scorer, item: DatasetItem) -> MetricResult:
        return await metric.score(item)
