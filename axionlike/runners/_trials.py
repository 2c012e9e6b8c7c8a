"""Trials: an item's task and metrics run N times; a reducer turns a metric's N scores into one.

LLM tasks and judges are nondeterministic, so one run per item hides their variance. With
``trials=N`` each item runs N times (each trial cached on its own), and each metric's
reducer gives the item's score, the one every summary, threshold and comparison uses.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from axionlike._exceptions import ConfigurationError

ReducerSpec = str | Callable[[list[float]], float]
"""``'mean'``, ``'median'``, ``'min'``, ``'max'``, ``'mode'``, ``'pass@k'``, ``'pass^k'``, or ``scores -> score``."""

_PASS_AT = re.compile(r"^pass(?P<kind>[@^])(?P<k>\d+)$")
_NAMED: dict[str, Callable[[list[float]], float]] = {
    "mean": statistics.fmean,
    "median": statistics.median,
    "min": min,
    "max": max,
}


def _mode(scores: list[float]) -> float:
    """The most frequent score (majority vote); a tie gives the mean of the tied scores."""
    counts = Counter(scores)
    top = max(counts.values())
    return statistics.fmean(score for score, n in counts.items() if n == top)


@dataclass(frozen=True)
class Reducer:
    """A metric's reducer, resolved: its name, and how it reduces scores (or pass/fail verdicts)."""

    name: str
    reduce_scores: Callable[[list[float]], float] | None = None
    k: int = 0
    every: bool = False
    """pass^k (all k trials pass) rather than pass@k (at least one of k passes)."""

    @property
    def on_verdicts(self) -> bool:
        """Whether it reads pass/fail verdicts (pass@k, pass^k) rather than scores."""
        return self.reduce_scores is None

    def reduce(self, scores: Sequence[float], verdicts: Sequence[bool]) -> float:
        """The item's score from its scored trials (``verdicts`` are their pass/fail)."""
        if self.reduce_scores is not None:
            return float(self.reduce_scores(list(scores)))
        n, passes, k = len(verdicts), sum(verdicts), min(self.k, len(verdicts))
        if self.every:  # chance that k trials drawn without replacement all pass
            return math.comb(passes, k) / math.comb(n, k)
        return 1.0 - math.comb(n - passes, k) / math.comb(n, k)  # at least one of k passes


def resolve_reducer(spec: ReducerSpec, metric: str, trials: int) -> Reducer:
    """A Reducer for ``metric``'s ``spec``; a ConfigurationError naming the metric when it has none."""
    if callable(spec):
        return Reducer(getattr(spec, "__name__", "custom"), spec)
    if spec == "majority":
        spec = "mode"
    if spec == "mode":
        return Reducer("mode", _mode)
    if spec in _NAMED:
        return Reducer(spec, _NAMED[spec])
    match = _PASS_AT.match(spec)
    if match is None:
        raise ConfigurationError(
            f"reducer {spec!r} for metric '{metric}' is not one of mean, median, min, max, mode, "
            "pass@k, pass^k, or a function scores -> score"
        )
    k = int(match["k"])
    if not 1 <= k <= trials:
        raise ConfigurationError(f"reducer {spec!r} for metric '{metric}' needs 1 <= k <= trials ({trials})")
    return Reducer(spec, None, k=k, every=match["kind"] == "^")


def resolve_reducers(
    spec: ReducerSpec | dict[str, ReducerSpec], metrics: Sequence[str], trials: int
) -> dict[str, Reducer]:
    """Every metric's reducer: one spec for all, or a spec per metric name (the others take the mean)."""
    if isinstance(spec, dict):
        unknown = sorted(set(spec) - set(metrics))
        if unknown:
            raise ConfigurationError(f"reducers name {', '.join(map(repr, unknown))}, which is no metric of this run")
        return {name: resolve_reducer(spec.get(name, "mean"), name, trials) for name in metrics}
    return {name: resolve_reducer(spec, name, trials) for name in metrics}
