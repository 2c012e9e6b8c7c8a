"""Evaluation results: scores, per-item results, run results and their summaries."""

from axionlike.results._models import (
    ErrorInfo,
    EvaluationResult,
    MetricScore,
    MetricSummary,
    TestResult,
    Usage,
)

__all__ = ["ErrorInfo", "EvaluationResult", "MetricScore", "MetricSummary", "TestResult", "Usage"]
