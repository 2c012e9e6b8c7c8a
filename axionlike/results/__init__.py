"""Evaluation results: scores, per-item results, run results and their summaries."""

from axionlike.results._agreement import Estimate, JudgeAgreement, judge_agreement
from axionlike.results._build import RESERVED_METADATA, build_result
from axionlike.results._compare import Comparison, MetricComparison, PairedDifference
from axionlike.results._dataframe import NormalizedDataFrames
from axionlike.results._models import (
    ErrorInfo,
    EvaluationResult,
    MetricScore,
    MetricSummary,
    TestResult,
    TrialResult,
    Usage,
)
from axionlike.results._scorecard import MetricCard, Scorecard

__all__ = [
    "RESERVED_METADATA",
    "Comparison",
    "ErrorInfo",
    "Estimate",
    "EvaluationResult",
    "JudgeAgreement",
    "MetricCard",
    "MetricComparison",
    "MetricScore",
    "MetricSummary",
    "NormalizedDataFrames",
    "PairedDifference",
    "Scorecard",
    "TestResult",
    "TrialResult",
    "Usage",
    "build_result",
    "judge_agreement",
]
