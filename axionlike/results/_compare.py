"""Two runs side by side: per-metric means and pass rates, and a paired test over shared items.

Items are matched by id. When an id occurs several times in a run (the dataset had
duplicates), its k-th occurrence in one run is paired with its k-th occurrence in the
other, so identical datasets pair up row for row. The paired mean difference gets a
percentile bootstrap confidence interval (seeded, so the same runs always give the same
interval); when the interval contains 0 the difference is flagged as within noise. When
both runs scored the metric as the mean of several trials, the bootstrap has two stages
(items, then each item's trials), so the interval also carries the trial-to-trial noise.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel

from axionlike.results._models import MetricSummary
from axionlike.results._scorecard import fmt

if TYPE_CHECKING:
    from axionlike.results._models import EvaluationResult

Verdict = Literal["better", "worse", "within noise", "not comparable"]

_BOOTSTRAP_CHUNK = 2_000_000
"""Most resampled indices drawn at once, so memory stays bounded for large runs."""


class PairedDifference(BaseModel):
    """Current minus baseline over the items both runs scored."""

    n: int
    """Pairs: items scored in both runs."""
    mean_difference: float
    ci_low: float | None = None
    ci_high: float | None = None
    """Bootstrap interval of the mean difference; ``None`` with fewer than two pairs."""
    within_noise: bool
    """The interval contains 0, or there are too few pairs to tell."""


class MetricComparison(BaseModel):
    """One metric in both runs."""

    name: str
    higher_is_better: bool = True
    baseline: MetricSummary | None = None
    current: MetricSummary | None = None
    paired: PairedDifference | None = None
    verdict: Verdict = "not comparable"
    """``better``/``worse`` when the paired interval excludes 0 (direction-aware)."""

    @property
    def mean_difference(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        before, now = self.baseline.mean, self.current.mean
        return None if before is None or now is None else now - before

    @property
    def pass_rate_difference(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        before, now = self.baseline.pass_rate, self.current.pass_rate
        return None if before is None or now is None else now - before

    def cells(self) -> dict[str, str]:
        """The row's formatted values, by column, as both views print them."""
        b, c, p = self.baseline, self.current, self.paired
        interval = "-" if p is None or p.ci_low is None else f"[{p.ci_low:+.3f}, {p.ci_high:+.3f}]"
        return {
            "metric": self.name,
            "baseline mean": fmt(b.mean if b else None),
            "current mean": fmt(c.mean if c else None),
            "Δ mean": fmt(self.mean_difference, "{:+.3f}"),
            "baseline pass": fmt(b.pass_rate if b else None, "{:.0%}"),
            "current pass": fmt(c.pass_rate if c else None, "{:.0%}"),
            "Δ pass": fmt(None if self.pass_rate_difference is None else self.pass_rate_difference * 100, "{:+.0f} pt"),
            "pairs": str(p.n) if p else "0",
            "paired Δ": fmt(p.mean_difference if p else None, "{:+.3f}"),
            "interval": interval,
            "verdict": self.verdict,
        }


def _scores_by_key(result: EvaluationResult, name: str) -> dict[tuple[str, int], float]:
    """``(item id, occurrence) -> score`` for the items the metric scored."""
    seen: dict[str, int] = defaultdict(int)
    scores: dict[tuple[str, int], float] = {}
    for test in result.results:
        if test.id is None:
            continue
        key = (test.id, seen[test.id])
        seen[test.id] += 1
        for s in (*test.scores, *test.aggregates):
            if s.name == name and s.status == "scored" and s.score is not None:
                scores[key] = s.score
    return scores


def _trial_scores_by_key(result: EvaluationResult, name: str) -> dict[tuple[str, int], list[float]]:
    """``(item id, occurrence) -> scored trial scores`` where the item's score is the mean of its trials."""
    seen: dict[str, int] = defaultdict(int)
    trials: dict[tuple[str, int], list[float]] = {}
    for test in result.results:
        if test.id is None:
            continue
        key = (test.id, seen[test.id])
        seen[test.id] += 1
        reduced = next((s for s in test.scores if s.name == name), None)
        if reduced is not None and test.trials and reduced.metadata.get("reducer") == "mean":
            trials[key] = list(reduced.metadata.get("trial_scores", []))
    return trials


def _two_stage_interval(
    current: list[list[float]], baseline: list[list[float]], *, confidence: float, resamples: int, seed: int
) -> tuple[float, float]:
    """Percentile interval of the mean paired difference, resampling items and then each item's trials."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n = len(current)
    sides = []
    for scores in (current, baseline):
        counts = np.array([len(s) for s in scores])
        table = np.zeros((n, counts.max()))
        for row, values in enumerate(scores):
            table[row, : len(values)] = values
        sides.append((table, counts))
    means = np.empty(resamples)
    for r in range(resamples):
        items = rng.integers(0, n, size=n)
        item_means = []
        for table, counts in sides:
            drawn_counts = counts[items]
            width = table.shape[1]
            picks = (rng.random((n, width)) * drawn_counts[:, None]).astype(np.int64)
            drawn = table[items[:, None], picks] * (np.arange(width) < drawn_counts[:, None])
            item_means.append(drawn.sum(axis=1) / drawn_counts)
        means[r] = float(np.mean(item_means[0] - item_means[1]))
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_interval(differences: Any, *, confidence: float, resamples: int, seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``differences``.

    When the differences take few distinct values (pass/fail, judge grades), a
    resample is drawn as multinomial counts over those values, which has the same
    distribution as drawing items with replacement at a fraction of the cost.
    """
    import numpy as np

    values = np.asarray(differences, dtype=float)
    rng = np.random.default_rng(seed)
    n = len(values)
    distinct, counts = np.unique(values, return_counts=True)
    if len(distinct) * 8 <= n:
        means = rng.multinomial(n, counts / n, size=resamples) @ distinct / n
    else:
        means = np.empty(resamples)
        step = max(1, _BOOTSTRAP_CHUNK // n)
        for start in range(0, resamples, step):
            stop = min(resamples, start + step)
            means[start:stop] = values[rng.integers(0, n, size=(stop - start, n), dtype=np.int32)].mean(axis=1)
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def _paired(
    current: EvaluationResult, baseline: EvaluationResult, name: str, confidence: float, resamples: int, seed: int
) -> PairedDifference | None:
    now, before = _scores_by_key(current, name), _scores_by_key(baseline, name)
    shared = [key for key in now if key in before]
    if not shared:
        return None
    differences = [now[key] - before[key] for key in shared]
    mean = sum(differences) / len(differences)
    if len(differences) < 2:
        return PairedDifference(n=1, mean_difference=mean, within_noise=True)
    now_trials, before_trials = _trial_scores_by_key(current, name), _trial_scores_by_key(baseline, name)
    if all(now_trials.get(key) and before_trials.get(key) for key in shared):
        low, high = _two_stage_interval(
            [now_trials[key] for key in shared],
            [before_trials[key] for key in shared],
            confidence=confidence,
            resamples=resamples,
            seed=seed,
        )
    else:
        low, high = bootstrap_interval(differences, confidence=confidence, resamples=resamples, seed=seed)
    return PairedDifference(
        n=len(differences), mean_difference=mean, ci_low=low, ci_high=high, within_noise=low <= 0.0 <= high
    )


def _verdict(paired: PairedDifference | None, higher_is_better: bool) -> Verdict:
    if paired is None:
        return "not comparable"
    if paired.within_noise:
        return "within noise"
    improved = paired.mean_difference > 0 if higher_is_better else paired.mean_difference < 0
    return "better" if improved else "worse"


class Comparison:
    """A run (``current``) against a ``baseline`` run, metric by metric.

    Shown as HTML in a notebook, as a table in a terminal (rich), and written as a
    standalone HTML page with ``save``.

    Example:
        ```python
        comparison = new_results.compare(old_results)
        comparison.metrics["exact_match"].verdict   # 'better', 'worse' or 'within noise'
        ```
    """

    def __init__(
        self,
        current: EvaluationResult,
        baseline: EvaluationResult,
        *,
        confidence: float = 0.95,
        resamples: int = 2000,
        seed: int = 0,
    ) -> None:
        if not 0.0 < confidence < 1.0:
            raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
        if resamples < 1:
            raise ValueError(f"resamples must be at least 1, got {resamples}")
        self.current, self.baseline, self.confidence = current, baseline, confidence
        names = [*current.summary, *(n for n in baseline.summary if n not in current.summary)]
        self.metrics: dict[str, MetricComparison] = {}
        for name in names:
            now, before = current.summary.get(name), baseline.summary.get(name)
            either = now or before  # a name comes from one of the two summaries
            higher = either.higher_is_better if either is not None else True
            paired = _paired(current, baseline, name, confidence, resamples, seed)
            self.metrics[name] = MetricComparison(
                name=name,
                higher_is_better=higher,
                baseline=before,
                current=now,
                paired=paired,
                verdict=_verdict(paired, higher),
            )
        current_ids = {t.id for t in current.results if t.id is not None}
        baseline_ids = {t.id for t in baseline.results if t.id is not None}
        self.shared_items = len(current_ids & baseline_ids)
        self.only_current = len(current_ids - baseline_ids)
        self.only_baseline = len(baseline_ids - current_ids)

    @staticmethod
    def columns() -> tuple[str, ...]:
        return tuple(MetricComparison(name="").cells())

    def overlap_line(self) -> str:
        """How many item ids the runs share, and how many only one of them has."""
        return (
            f"{self.shared_items} item ids in both runs · {self.only_current} only in the new run · "
            f"{self.only_baseline} only in the baseline"
        )

    def to_html(self) -> str:
        """A standalone HTML page of the comparison (inline CSS, no network resources)."""
        from axionlike.results._html import comparison_page

        return comparison_page(self)

    def save(self, path: str | Path) -> Path:
        """Write ``to_html()`` to ``path`` and return the path."""
        from axionlike.results._html import write_page

        return write_page(path, self.to_html())

    def _repr_html_(self) -> str:
        from axionlike.results._html import comparison_fragment

        return comparison_fragment(self)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from axionlike.results._terminal import comparison_renderable

        yield comparison_renderable(self, options.max_width)

    def __str__(self) -> str:
        from axionlike.results._terminal import render_text

        return render_text(self)

    def __repr__(self) -> str:
        verdicts = {name: m.verdict for name, m in self.metrics.items()}
        return f"Comparison({self.current.evaluation_name!r} vs {self.baseline.evaluation_name!r}, {verdicts})"
