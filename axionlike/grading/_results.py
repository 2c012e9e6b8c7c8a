"""What GradingRunner returns per sample: a score, a rank, or an error."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from axionlike.graders import GraderScore
from axionlike.results import ErrorInfo, MetricScore, TestResult


class GraderRank(GraderScore):
    """A listwise or pairwise verdict: the rank of each response (1 = best).

    ``score`` is the share of the other responses that the first one outranks (ties
    count half), so a pairwise verdict scores 1 when A wins, 0.5 on a tie, 0 when B wins.
    """

    rank: list[int]


class GraderError(BaseModel):
    """A grader (or aggregator) that failed on one sample; there is deliberately no ``score``."""

    name: str
    error: ErrorInfo
    """Exception type, message (secrets redacted) and phase."""
    metadata: dict[str, Any] = Field(default_factory=dict)


GraderResult = GraderScore | GraderRank | GraderError


def _entry(name: str, score: MetricScore) -> GraderResult:
    if score.status != "scored" or score.score is None:
        error = score.error or ErrorInfo(type="MetricError", message=score.explanation or "not scored", phase="metric")
        return GraderError(name=name, error=error, metadata=score.metadata)
    if "rank" in score.metadata:
        return GraderRank(
            name=name,
            score=score.score,
            rank=score.metadata["rank"],
            reason=score.explanation,
            metadata=score.metadata,
        )
    return GraderScore(name=name, score=score.score, reason=score.explanation, metadata=score.metadata)


def sample_entries(test: TestResult, names: list[str]) -> dict[str, GraderResult]:
    """The entry of every grader and aggregator in ``names`` for one evaluated sample."""
    if test.error is not None:
        return {name: GraderError(name=name, error=test.error) for name in names}
    by_name = {s.name: s for s in (*test.scores, *test.aggregates)}
    return {name: _entry(name, by_name[name]) for name in names}
