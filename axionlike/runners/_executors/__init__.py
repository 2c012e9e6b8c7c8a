"""Metric executors and the one routing function that picks an executor per metric.

The table is fixed: native metrics, ``Scorer`` objects (how faces bring their own
callables), graders, Ragas, DeepEval, then plain functions. Nothing changes it at import time.
"""

from __future__ import annotations

from typing import Any

from axionlike._exceptions import UnknownMetricError
from axionlike.runners._executors._base import MetricDescription, MetricExecutor, Scorer
from axionlike.runners._executors._deepeval import DeepEvalExecutor
from axionlike.runners._executors._grader import GraderExecutor
from axionlike.runners._executors._native import FunctionExecutor, NativeExecutor, ScorerExecutor
from axionlike.runners._executors._ragas import RagasExecutor

_EXECUTORS: tuple[MetricExecutor, ...] = (
    NativeExecutor(),
    ScorerExecutor(),
    GraderExecutor(),
    RagasExecutor(),
    DeepEvalExecutor(),
    FunctionExecutor(),
)


def executor_for(metric: Any) -> MetricExecutor:
    """The executor that runs ``metric``; raises UnknownMetricError if none does."""
    for executor in _EXECUTORS:
        if executor.accepts(metric):
            return executor
    raise UnknownMetricError(
        f"no executor accepts {type(metric).__module__}.{type(metric).__qualname__}: "
        "pass a native metric (axionlike.metrics), a Ragas or DeepEval metric, or a "
        "function item -> score"
    )


__all__ = ["MetricDescription", "MetricExecutor", "Scorer", "executor_for"]
