"""The scorecard: what a run scored per metric, how the scores spread, and which items failed.

``Scorecard`` computes everything once from an ``EvaluationResult``; the HTML view
(``_html``) and the terminal view (``_terminal``) only lay it out, so both always show
the same numbers. Its size does not grow with the run: a histogram replaces per-item
marks beyond ``STRIP_LIMIT`` scores, and the lists of worst items are capped.
"""

from __future__ import annotations

import functools
import heapq
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from axionlike._redact import excerpt
from axionlike._text import printable
from axionlike.results._models import MetricScore, MetricSummary, Usage

if TYPE_CHECKING:
    from axionlike.results._agreement import JudgeAgreement
    from axionlike.results._models import EvaluationResult, TestResult

STRIP_LIMIT = 60
"""Up to this many scores a metric's distribution shows one mark per item."""
BINS = 20
"""Bars of a metric's histogram."""
TEXT_LIMIT = 280
"""Characters kept of an item's query, output, explanation or error."""

#: Metadata keys the scorecard lays out itself; every other key is shown as user metadata.
_STRUCTURED_METADATA = ("counts", "durations", "usage", "cache", "config")


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple, dict)) and not value)


def clip(text: Any, limit: int = TEXT_LIMIT) -> str | None:
    """``text`` as a printable string of at most ``limit`` characters, secrets masked (``None`` stays ``None``)."""
    if text is None:
        return None
    return printable(excerpt(str(text), limit))


def fmt(value: float | None, pattern: str = "{:.3f}") -> str:
    """A number for display; ``-`` when there is none."""
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else pattern.format(value)


def fmt_threshold(threshold: float | None, higher_is_better: bool) -> str:
    """``≥ 0.8`` or ``≤ 1.5``: the pass mark with its direction."""
    return "-" if threshold is None else f"{'≥' if higher_is_better else '≤'} {threshold:g}"


def fmt_tokens(usage: Usage, *, llm: bool | None = None) -> str:
    """Prompt plus completion tokens; ``-`` when no LLM was involved (by default: when ``usage`` has no call)."""
    involved = usage.calls > 0 if llm is None else llm
    return "-" if not involved else f"{usage.prompt_tokens + usage.completion_tokens:,}"


def fmt_cost(usage: Usage, *, llm: bool | None = None) -> str:
    """Cost in dollars; ``-`` when no LLM was involved (by default: when ``usage`` has no call)."""
    involved = usage.calls > 0 if llm is None else llm
    return "-" if not involved else f"${usage.cost:.4f}"


def fmt_saved(usage: Usage) -> str:
    """What cached scores would have cost: calls, tokens and dollars; ``-`` when nothing came from the cache."""
    if not usage.calls:
        return "-"
    return f"{usage.calls:,} LLM calls · {fmt_tokens(usage)} tokens · {fmt_cost(usage)}"


class Histogram(BaseModel):
    """Counts of scores in equal-width bins over ``[low, high]``."""

    low: float
    high: float
    counts: list[int]

    @property
    def width(self) -> float:
        return (self.high - self.low) / len(self.counts)


class ItemNote(BaseModel):
    """One item as the scorecard shows it: its score and why."""

    index: int
    item_id: str | None
    score: float | None = None
    passed: bool | None = None
    status: str = "scored"
    explanation: str | None = None
    error: str | None = None
    query: str | None = None
    output: str | None = None
    expected: str | None = None

    def describe(self) -> str:
        """The item's output and reference, for a score that came without an explanation."""
        parts = [f"output: {self.output!r}" if self.output is not None else None]
        parts.append(f"expected: {self.expected!r}" if self.expected is not None else None)
        return " · ".join(p for p in parts if p)


class MetricCard(BaseModel):
    """One metric's row of the scorecard."""

    summary: MetricSummary
    domain: tuple[float, float]
    """Range of the distribution plot (covers every score and the threshold)."""
    histogram: Histogram | None = None
    """Set when the metric has more than ``STRIP_LIMIT`` scores."""
    values: list[float] = Field(default_factory=list)
    """Every score, when there are at most ``STRIP_LIMIT`` of them."""
    worst: list[ItemNote] = Field(default_factory=list)
    """The lowest-ranked scored items (highest for lower-is-better metrics), worst first."""
    errors: list[ItemNote] = Field(default_factory=list)
    """The first items on which the metric errored."""
    spent: Usage = Field(default_factory=Usage)
    """Tokens and cost of the LLM calls this run made for the metric."""
    saved: Usage = Field(default_factory=Usage)
    """Tokens and cost its scores taken from the cache had cost when computed: what the cache saved."""

    @property
    def name(self) -> str:
        return self.summary.name

    @property
    def more_errors(self) -> int:
        """Errors not listed in ``errors``."""
        return self.summary.errors - len(self.errors)

    @property
    def worst_not_passed(self) -> list[ItemNote]:
        """The worst items that did not pass: what the views list under "worst items", after the
        errors (without a threshold, every worst item)."""
        return [note for note in self.worst if note.passed is not True]

    def bin_counts(self) -> list[int]:
        """Scores per histogram bin, whether or not the card keeps every score."""
        return (self.histogram or _histogram(self.values, self.domain)).counts

    def cells(self) -> dict[str, str]:
        """The row's formatted values, by column, as both views print them."""
        s = self.summary
        llm = bool(self.spent.calls or self.saved.calls)
        return {
            "metric": s.name,
            "source": s.source,
            "mean": fmt(s.mean),
            "median": fmt(s.median),
            "threshold": fmt_threshold(s.threshold, s.higher_is_better),
            "pass rate": fmt(s.pass_rate, "{:.0%}"),
            "trial std": fmt(s.trial_std),
            "flips": fmt(s.flip_rate, "{:.0%}"),
            "scored": str(s.count),
            "errors": str(s.errors),
            "skipped": str(s.skipped),
            "tokens": fmt_tokens(self.spent, llm=llm),
            "cost": fmt_cost(self.spent, llm=llm),
            "saved by cache": fmt_cost(self.saved),
        }


def _note(test: TestResult, score: MetricScore) -> ItemNote:
    item = test.item
    return ItemNote(
        index=test.index,
        item_id=printable(test.id) if test.id is not None else None,
        score=score.score,
        passed=score.passed,
        status=score.status,
        explanation=clip(score.explanation),
        error=clip(str(score.error)) if score.error else None,
        query=clip(item.query) if item else None,
        output=clip(item.actual_output) if item else None,
        expected=clip(item.expected_output) if item else None,
    )


def _failure(test: TestResult) -> ItemNote:
    item = test.item
    return ItemNote(
        index=test.index,
        item_id=printable(test.id) if test.id is not None else None,
        status="error",
        error=clip(f"{test.error.phase} · {test.error}") if test.error else None,
        query=clip(item.query) if item else None,
    )


def _domain(values: list[float], threshold: float | None, higher_is_better: bool) -> tuple[float, float]:
    """The plotted range: [0, 1] for higher-is-better scores inside it, else the data's own span."""
    marks = [*values, *([threshold] if threshold is not None else [])]
    if not marks:
        return 0.0, 1.0
    low, high = min(marks), max(marks)
    if higher_is_better and low >= 0.0 and high <= 1.0:
        return 0.0, 1.0
    if low == high:
        return low - 0.5, high + 0.5
    pad = (high - low) * 0.05
    return (low - pad if low < 0 else max(0.0, low - pad)), high + pad


def _histogram(values: list[float], domain: tuple[float, float]) -> Histogram:
    low, high = domain
    counts = [0] * BINS
    scale = BINS / (high - low)
    for v in values:
        counts[min(BINS - 1, max(0, int((v - low) * scale)))] += 1
    return Histogram(low=low, high=high, counts=counts)


def _card(summary: MetricSummary, pairs: list[tuple[TestResult, MetricScore]], worst: int) -> MetricCard:
    scored = [
        (t, s, s.score) for t, s in pairs if s.status == "scored" and s.score is not None and math.isfinite(s.score)
    ]
    values = [v for _, _, v in scored]
    domain = _domain(values, summary.threshold, summary.higher_is_better)
    sign = 1.0 if summary.higher_is_better else -1.0
    ranked = heapq.nsmallest(worst, scored, key=lambda tsv: (sign * tsv[2], tsv[0].index))
    errors = [_note(t, s) for t, s in pairs if s.status == "error"][:worst]
    saved = sum((s.usage for _, s in pairs if s.cached and s.usage is not None), Usage())
    spent = sum((s.usage for _, s in pairs if not s.cached and s.usage is not None), Usage())
    return MetricCard(
        summary=summary,
        domain=domain,
        histogram=_histogram(values, domain) if len(values) > STRIP_LIMIT else None,
        values=values if len(values) <= STRIP_LIMIT else [],
        worst=[_note(t, s) for t, s, _ in ranked],
        errors=errors,
        spent=spent,
        saved=saved,
    )


class Scorecard:
    """A run at a glance: per-metric statistics, distributions, worst items, run facts.

    Shown as HTML in a notebook (``_repr_html_``), as tables in a terminal (rich), and
    written as a standalone HTML page (``save``) that needs no network to render.

    Example:
        ```python
        card = results.to_scorecard()          # displays in a notebook
        card.metrics["exact_match"].worst       # the items that scored lowest
        results.to_scorecard(output_path="scorecard.html")
        ```
    """

    def __init__(self, result: EvaluationResult, *, worst: int = 5) -> None:
        if worst < 0:
            raise ValueError(f"worst must be 0 or more, got {worst}")
        self.result = result
        pairs: dict[str, list[tuple[TestResult, MetricScore]]] = {name: [] for name in result.summary}
        for test in result.results:
            for score in (*test.scores, *test.aggregates):
                pairs.setdefault(score.name, []).append((test, score))
        self.metrics: dict[str, MetricCard] = {
            name: _card(summary, pairs[name], worst) for name, summary in result.summary.items()
        }
        failed = [test for test in result.results if test.error is not None]
        self.failed_items: list[ItemNote] = [_failure(test) for test in failed[:worst]]
        """The first items whose input or task failed (their metrics did not run)."""
        self.more_failed_items = len(failed) - len(self.failed_items)

    @functools.cached_property
    def facts(self) -> dict[str, str]:
        """Run facts by label: identity, counts, rates, time, cost, cache (computed once)."""
        result, meta = self.result, self.result.metadata
        counts = meta.get("counts", {})
        usage = Usage.model_validate(meta.get("usage") or {})
        seconds = meta.get("durations", {}).get("total_seconds")
        facts = [
            ("run id", result.run_id),
            ("started", result.timestamp),
            ("dataset", str(meta.get("dataset_name") or "-")),
            ("items", f"{counts.get('items', len(result.results)):,}"),
            ("success rate", fmt(result.success_rate, "{:.0%}")),
            ("pass rate (all metrics)", fmt(result.pass_rate, "{:.0%}")),
            ("task errors", str(counts.get("task_errors", 0))),
            ("invalid rows", str(counts.get("invalid_rows", 0))),
            ("duration", fmt(seconds, "{:.2f} s")),
            ("LLM calls", str(usage.calls)),
            (
                "tokens (prompt / completion / cached)",
                f"{usage.prompt_tokens:,} / {usage.completion_tokens:,} / {usage.cached_tokens:,}",
            ),
            ("cost", fmt_cost(usage, llm=bool(usage.calls or self.saved.calls))),
        ]
        if self.saved.calls:
            facts.append(("saved by cache", fmt_saved(self.saved)))
        if counts.get("duplicate_ids"):
            facts.append(("duplicate ids", clip(", ".join(counts["duplicate_ids"]), 120) or ""))
        cache = meta.get("cache") or {}
        if cache.get("enabled"):
            facts.append(
                (
                    f"cache ({cache.get('type')})",
                    " · ".join(
                        f"{phase} {cache[phase].get('hits', 0)} hits / {cache[phase].get('misses', 0)} misses"
                        for phase in ("task", "metric")
                        if phase in cache
                    ),
                )
            )
        return dict(facts)

    @functools.cached_property
    def saved(self) -> Usage:
        """What the scores taken from the cache had cost when computed (LLM calls, tokens, dollars)."""
        return sum((card.saved for card in self.metrics.values()), Usage())

    @functools.cached_property
    def agreement(self) -> dict[str, JudgeAgreement | str]:
        """Per metric, its agreement with the items' ``human_label`` (or why there is none); empty without labels."""
        from axionlike.results._agreement import labelled_agreements

        return labelled_agreements(self.result)

    def columns(self) -> list[str]:
        """Columns of the metric table, in order: ``source`` only when sources differ, ``tokens``
        and ``cost`` (spent by this run) only when a metric's scores came from an LLM, ``saved by
        cache`` only when some of them came from the cache; ``distribution`` is the plot."""
        metrics = list(self.metrics.values())
        columns = ["metric", "source", "distribution", "mean", "median", "threshold", "pass rate"]
        if any(m.summary.trial_std is not None or m.summary.flip_rate is not None for m in metrics):
            columns += ["trial std", "flips"]  # with trials: spread across trials, items whose pass/fail flips
        columns += ["scored", "errors", "skipped"]
        if len({m.summary.source for m in metrics}) < 2:
            columns.remove("source")
        if any(m.spent.calls or m.saved.calls for m in metrics):
            columns += ["tokens", "cost"]
        if any(m.saved.calls for m in metrics):
            columns.append("saved by cache")
        return columns

    def user_metadata(self) -> list[tuple[str, str]]:
        """The run's own metadata (``evaluation_metadata``, description) as (key, value) pairs."""
        return [
            (key, clip(value, 200) or "-")
            for key, value in self.result.metadata.items()
            if key not in _STRUCTURED_METADATA and not _empty(value)
        ]

    def to_html(self) -> str:
        """A standalone HTML page: inline CSS and SVG, no scripts, no network resources."""
        from axionlike.results._html import scorecard_page

        return scorecard_page(self)

    def save(self, path: str | Path) -> Path:
        """Write ``to_html()`` to ``path`` and return the path."""
        from axionlike.results._html import write_page

        return write_page(path, self.to_html())

    def _repr_html_(self) -> str:
        from axionlike.results._html import scorecard_fragment

        return scorecard_fragment(self)

    def __rich_console__(self, console: Any, options: Any) -> Any:
        from axionlike.results._terminal import scorecard_renderable

        yield scorecard_renderable(self, options.max_width)

    def __str__(self) -> str:
        from axionlike.results._terminal import render_text

        return render_text(self)

    def __repr__(self) -> str:
        return f"Scorecard({self.result.evaluation_name!r}, items={len(self.result.results)}, metrics={list(self.metrics)})"
