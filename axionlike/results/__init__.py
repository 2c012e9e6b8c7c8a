"""Evaluation results: scores, per-item results, run results and their summaries."""

from axionlike.results._build import RESERVED_METADATA, build_result
from axionlike.results._compare import Comparison, MetricComparison, PairedDifference
from axionlike.results._models import (
    ErrorInfo,
    EvaluationResult,
    MetricScore,
    MetricSummary,
    TestResult,
    Usage,
)
from axionlike.results._scorecard import MetricCard, Scorecard

__all__ = [
    "RESERVED_METADATA",
    "Comparison",
    "ErrorInfo",
    "EvaluationResult",
    "MetricCard",
    "MetricComparison",
    "MetricScore",
    "MetricSummary",
    "PairedDifference",
    "Scorecard",
    "TestResult",
    "Usage",
    "build_result",
]
