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
from axionlike.results._summaries import LineSummary, MetricTableSummary, ScorecardSummary

__all__ = [
    "RESERVED_METADATA",
    "Comparison",
    "ErrorInfo",
    "Estimate",
    "EvaluationResult",
    "JudgeAgreement",
    "LineSummary",
    "MetricCard",
    "MetricComparison",
    "MetricScore",
    "MetricSummary",
    "MetricTableSummary",
    "NormalizedDataFrames",
    "PairedDifference",
    "Scorecard",
    "ScorecardSummary",
    "TestResult",
    "TrialResult",
    "Usage",
    "build_result",
    "judge_agreement",
]
