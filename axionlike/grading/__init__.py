"""Grading: the OpenJudge / RM-Gallery ``GradingRunner`` API, aggregators, listwise graders.

A face on the evaluation engine: graders are metrics (native, Ragas, DeepEval) or plain
functions called with mapped keyword arguments; aggregators combine them per sample and
also work in ``evaluation_runner(..., aggregators=[...])``.
"""

from axionlike.aggregators import (
    Aggregator,
    CallableAggregator,
    MaxAggregator,
    MeanAggregator,
    MinAggregator,
    WeightedSumAggregator,
)
from axionlike.graders import GraderScore
from axionlike.grading._graders import GraderConfig
from axionlike.grading._listwise import ListwiseGrader, PairwiseGrader, group_relative, ranks_from_scores
from axionlike.grading._results import GraderError, GraderRank, GraderResult
from axionlike.grading._runner import GradingResults, GradingRunner

__all__ = [
    "Aggregator",
    "CallableAggregator",
    "GraderConfig",
    "GraderError",
    "GraderRank",
    "GraderResult",
    "GraderScore",
    "GradingResults",
    "GradingRunner",
    "ListwiseGrader",
    "MaxAggregator",
    "MeanAggregator",
    "MinAggregator",
    "PairwiseGrader",
    "WeightedSumAggregator",
    "group_relative",
    "ranks_from_scores",
]
