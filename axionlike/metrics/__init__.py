"""Native metrics and the contract for writing your own."""

from axionlike.metrics._base import BaseMetric, MetricResult, metric_from_name, registered_metrics
from axionlike.metrics._heuristic import (
    Contains,
    ExactMatch,
    JsonValidity,
    Latency,
    LengthConstraint,
    LevenshteinSimilarity,
    RegexMatch,
)

__all__ = [
    "BaseMetric",
    "Contains",
    "ExactMatch",
    "JsonValidity",
    "Latency",
    "LengthConstraint",
    "LevenshteinSimilarity",
    "MetricResult",
    "RegexMatch",
    "metric_from_name",
    "registered_metrics",
]
