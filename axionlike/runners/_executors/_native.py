"""Executor for native metrics and plain scoring functions."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from axionlike._exceptions import MetricError
from axionlike._invoke import invoke
from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric, MetricResult
from axionlike.runners._executors._base import MetricDescription


def to_metric_result(value: Any, metric_name: str) -> MetricResult:
    """What a metric, grader or scoring function returned, as a MetricResult.

    Accepts a MetricResult, a number or bool, a mapping with ``score`` (and optionally
    ``reason``/``explanation`` and ``metadata``; other keys become metadata), or an object
    with ``.score`` (and ``.reason``). Anything else, or a non-finite score, is an error.
    """
    if isinstance(value, Mapping):
        if "score" not in value:
            raise MetricError(
                f"metric '{metric_name}' returned a mapping without 'score' (keys: {', '.join(map(str, value))})"
            )
        rest = {k: v for k, v in value.items() if k not in ("score", "reason", "explanation", "metadata")}
        value = MetricResult(
            score=value["score"],
            explanation=value.get("reason", value.get("explanation")),
            metadata={**rest, **(value.get("metadata") or {})},
        )
    elif not isinstance(value, (MetricResult, bool, int, float)) and hasattr(value, "score"):
        value = MetricResult(
            score=value.score,
            explanation=getattr(value, "reason", None),
            metadata=dict(getattr(value, "metadata", None) or {}),
        )
    if isinstance(value, (bool, int, float)):
        value = MetricResult(score=float(value))
    if not isinstance(value, MetricResult):
        raise MetricError(
            f"metric '{metric_name}' returned {type(value).__name__} {value!r:.60}; "
            "expected a number, a bool or a MetricResult"
        )
    if not math.isfinite(value.score):
        raise MetricError(f"metric '{metric_name}' returned a non-finite score ({value.score})")
    return value


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
        )

    async def execute(self, metric: BaseMetric, item: DatasetItem) -> MetricResult:
        return to_metric_result(await metric.execute(item), metric.name)


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
        )

    async def execute(self, metric: Any, item: DatasetItem) -> MetricResult:
        name = getattr(metric, "__name__", type(metric).__name__)
        return to_metric_result(await invoke(metric, item), name)
