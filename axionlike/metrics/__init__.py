"""Native metrics (heuristic and LLM-judge) and the contract for writing your own."""

from axionlike.metrics._answer import AnswerCompleteness, AnswerCorrectness, AnswerRelevancy
from axionlike.metrics._base import BaseMetric, MetricResult, metric_from_name, registered_metrics
from axionlike.metrics._function import named
from axionlike.metrics._heuristic import (
    Contains,
    ExactMatch,
    JsonValidity,
    Latency,
    LengthConstraint,
    LevenshteinSimilarity,
    RegexMatch,
)
from axionlike.metrics._judge import LLMJudge
from axionlike.metrics._llm_base import LLMMetric
from axionlike.metrics._retrieval import ContextualRelevancy, Faithfulness

__all__ = [
    "AnswerCompleteness",
    "AnswerCorrectness",
    "AnswerRelevancy",
    "BaseMetric",
    "Contains",
    "ContextualRelevancy",
    "ExactMatch",
    "Faithfulness",
    "JsonValidity",
    "LLMJudge",
    "LLMMetric",
    "Latency",
    "LengthConstraint",
    "LevenshteinSimilarity",
    "MetricResult",
    "RegexMatch",
    "metric_from_name",
    "named",
    "registered_metrics",
]
