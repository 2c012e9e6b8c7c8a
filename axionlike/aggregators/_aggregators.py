"""Aggregators: combine one item's scores into one score under the aggregator's own name.

The engine calls ``aggregate`` per item and aggregator when ``aggregators`` is configured,
so the same aggregators serve ``evaluation_runner``, ``GradingRunner`` and the reward adapter.
Only scores that succeeded are combined; an item on which every input failed gets an
error entry, never 0, and a partial failure says which inputs were left out.
"""

from __future__ import annotations

import inspect
import math
import statistics
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from axionlike._exceptions import ConfigurationError, MetricError
from axionlike.metrics import MetricResult
from axionlike.results import ErrorInfo, MetricScore


def _failure(name: str, score: MetricScore | None) -> str:
    if score is None:
        return f"{name}: not run"
    return f"{name}: {score.error.type if score.error else score.status}"


class Aggregator(BaseModel):
    """Base class: combines the successful scores of ``inputs`` into one score.

    Subclasses implement ``combine(scores) -> MetricResult`` over ``{name: score}`` of
    the inputs that succeeded on the item (never empty). The entry's metadata lists the
    inputs ``used`` and ``failed`` and whether it is ``partial``.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    name: str
    """Name of the aggregate in results, summaries and DataFrames."""
    graders: list[str] | None = None
    """Names of the graders (metrics) combined; all of them when ``None``."""
    threshold: float | None = None
    """Pass mark of the aggregate; no verdict when ``None``."""

    def inputs(self, available: list[str]) -> list[str]:
        """The names this aggregator reads, out of those ``available`` in the run."""
        return list(self.graders) if self.graders is not None else list(available)

    def combine(self, scores: dict[str, float]) -> MetricResult:
        raise NotImplementedError

    def aggregate(self, by_name: Mapping[str, MetricScore]) -> MetricScore:
        """The aggregate of one item's scores, or an error entry if none succeeded."""
        names = self.inputs(list(by_name))
        ok = {
            n: score.score
            for n in names
            if (score := by_name.get(n)) is not None and score.status == "scored" and score.score is not None
        }
        failed = [n for n in names if n not in ok]
        result = MetricScore(name=self.name, source="aggregate", threshold=self.threshold)
        result.metadata = {"used": list(ok), "failed": failed, "partial": bool(failed)}
        if not ok:
            why = ", ".join(_failure(n, by_name.get(n)) for n in failed)
            exc = MetricError(f"aggregator '{self.name}' has no score to combine: every input failed ({why})")
            result.status, result.error = "error", ErrorInfo.from_exception(exc, "aggregate")
            return result
        try:
            combined = self.combine(ok)
            if not math.isfinite(combined.score):
                raise MetricError(f"aggregator '{self.name}' produced a non-finite score ({combined.score})")
        except Exception as exc:
            result.status, result.error = "error", ErrorInfo.from_exception(exc, "aggregate")
            return result
        result.score, result.explanation = combined.score, combined.explanation
        result.metadata.update(combined.metadata)
        if self.threshold is not None:
            result.passed = combined.score >= self.threshold
        return result


class WeightedSumAggregator(Aggregator):
    """Weighted mean of the graders named in ``weights``; without ``weights``, equal weights.

    Weights are divided by their sum over the graders that succeeded on the item, so
    weights summing to 1 give the weighted sum when all succeed, and a failed grader's
    weight is spread over the others; ``metadata['weights']`` shows the weights used
    and ``metadata['renormalised']`` whether any input was left out. Without
    ``weights`` (OpenJudge's default) every grader of the run (or of ``graders``)
    weighs the same.

    Example:
        ```python
        WeightedSumAggregator(name="overall", weights={"helpfulness": 0.6, "relevance": 0.4})
        WeightedSumAggregator(name="overall")  # equal weights over every grader
        ```
    """

    name: str = "weighted_sum"
    weights: dict[str, float] | None = None
    """Weight by grader name; ``None`` (or ``{}``) weighs every input the same."""

    @field_validator("weights")
    @classmethod
    def _check_weights(cls, weights: dict[str, float] | None) -> dict[str, float] | None:
        if not weights:
            return None
        negative = sorted(n for n, w in weights.items() if not math.isfinite(w) or w < 0)
        if negative:
            raise ValueError(f"weights must be finite and >= 0; check {', '.join(negative)}")
        if not sum(weights.values()) > 0:
            raise ValueError("weights sum to 0")
        return weights

    def inputs(self, available: list[str]) -> list[str]:
        return list(self.weights) if self.weights is not None else super().inputs(available)

    def aggregate(self, by_name: Mapping[str, MetricScore]) -> MetricScore:
        result = super().aggregate(by_name)
        if result.status == "scored":  # renormalised exactly when an input was left out
            result.metadata["renormalised"] = result.metadata["partial"]
        return result

    def combine(self, scores: dict[str, float]) -> MetricResult:
        weights = self.weights if self.weights is not None else dict.fromkeys(scores, 1.0)
        total = math.fsum(weights[n] for n in scores)
        if total == 0:
            raise MetricError(f"aggregator '{self.name}': the graders that succeeded all have weight 0")
        used = {n: weights[n] / total for n in scores}
        value = math.fsum(used[n] * s for n, s in scores.items())
        return MetricResult(score=value, metadata={"weights": used})


class MeanAggregator(Aggregator):
    """Unweighted mean of the graders' scores."""

    name: str = "mean"

    def combine(self, scores: dict[str, float]) -> MetricResult:
        return MetricResult(score=statistics.fmean(scores.values()))


class MaxAggregator(Aggregator):
    """Highest of the graders' scores; ``metadata['from']`` names its grader."""

    name: str = "max"

    def combine(self, scores: dict[str, float]) -> MetricResult:
        best = max(scores, key=scores.__getitem__)
        return MetricResult(score=scores[best], metadata={"from": best})


class MinAggregator(Aggregator):
    """Lowest of the graders' scores; ``metadata['from']`` names its grader."""

    name: str = "min"

    def combine(self, scores: dict[str, float]) -> MetricResult:
        worst = min(scores, key=scores.__getitem__)
        return MetricResult(score=scores[worst], metadata={"from": worst})


class CallableAggregator(Aggregator):
    """Any function ``{grader: score} -> score`` (a number, a bool, a dict or a MetricResult).

    The function receives only the scores that succeeded. Plain functions passed as
    aggregators are wrapped in this class and named after their ``__name__``.

    Example:
        ```python
        def harmonic(scores):
            return len(scores) / sum(1 / max(s, 1e-9) for s in scores.values())

        evaluation_runner(..., aggregators=[harmonic])
        ```
    """

    fn: Callable[[dict[str, float]], Any] = Field(exclude=True)

    def combine(self, scores: dict[str, float]) -> MetricResult:
        return MetricResult.from_value(self.fn(dict(scores)), self.name, kind="aggregator")


def as_aggregator(value: Any) -> Aggregator:
    """``value`` as an Aggregator: an instance as is, a plain function wrapped."""
    if isinstance(value, Aggregator):
        return value
    if isinstance(value, type):
        raise ConfigurationError(
            f"aggregators holds the class {value.__name__}; pass an instance: {value.__name__}(...)"
        )
    if not callable(value):
        raise ConfigurationError(
            f"aggregators holds {type(value).__name__}; expected an Aggregator or a function {{name: score}} -> score"
        )
    if inspect.iscoroutinefunction(value):
        raise ConfigurationError("aggregator functions must be synchronous: they only combine numbers")
    name = getattr(value, "name", None) or getattr(value, "__name__", None)
    if not name or name == "<lambda>":
        raise ConfigurationError(
            "an aggregator function needs a name: use a def, or CallableAggregator(name=..., fn=...)"
        )
    return CallableAggregator(name=name, fn=value)


def bind_aggregators(aggregators: Any, metric_names: list[str]) -> list[Aggregator]:
    """Validate the aggregators of a run against its metric (grader) names.

    Raises ConfigurationError on a name shared with a metric or another aggregator,
    and on inputs that name no metric of the run.
    """
    if aggregators is None:
        return []
    items = list(aggregators) if isinstance(aggregators, (list, tuple)) else [aggregators]
    bound = [as_aggregator(a) for a in items]
    names = [a.name for a in bound]
    for agg in bound:
        if agg.name in metric_names:
            raise ConfigurationError(
                f"aggregator '{agg.name}' has the name of a grader/metric of this run; give it another name="
            )
        if names.count(agg.name) > 1:
            raise ConfigurationError(f"two aggregators share the name '{agg.name}'; give one another name=")
        unknown = [n for n in agg.inputs(metric_names) if n not in metric_names]
        if unknown:
            raise ConfigurationError(
                f"aggregator '{agg.name}' reads {', '.join(map(repr, unknown))}, which is no grader/metric of "
                f"this run; names: {', '.join(metric_names)}"
            )
    return bound
