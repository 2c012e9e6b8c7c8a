"""Aggregators: combine an item's metric (grader) scores into one score of their own.

They work in ``evaluation_runner(..., aggregators=[...])``, in ``GradingRunner`` and in the
reward adapter alike; ``axionlike.grading`` exports them too, as OpenJudge does.
"""

from axionlike.aggregators._aggregators import (
    Aggregator,
    CallableAggregator,
    MaxAggregator,
    MeanAggregator,
    MinAggregator,
    WeightedSumAggregator,
    bind_aggregators,
)

__all__ = [
    "Aggregator",
    "CallableAggregator",
    "MaxAggregator",
    "MeanAggregator",
    "MinAggregator",
    "WeightedSumAggregator",
    "bind_aggregators",
]
