"""Run summaries: what a runner prints when a run ends (Axion's ``summary_generator``).

A summary generator is any callable taking the ``EvaluationResult``. These are the
ready-made ones; each also renders to text (``render``) for logs and tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from axionlike.results._models import EvaluationResult


@dataclass(frozen=True)
class _TerminalSummary:
    """A summary printed with rich: to ``file``, or to standard output (and a notebook's cell)."""

    file: IO[str] | None = None
    """Where to print; ``None`` is standard output."""

    def renderable(self, result: EvaluationResult, width: int) -> Any:
        """What to print, at most ``width`` columns wide."""
        raise NotImplementedError

    def render(self, result: EvaluationResult, width: int = 120) -> str:
        """The summary as plain text."""
        from axionlike.results._terminal import render_text

        return render_text(self.renderable(result, width), width)

    def __call__(self, result: EvaluationResult) -> None:
        from rich.console import Console

        console = Console(file=self.file)
        console.print(self.renderable(result, console.width))


@dataclass(frozen=True)
class ScorecardSummary(_TerminalSummary):
    """The default summary: the run's scorecard as terminal tables.

    Per metric its mean, pass rate, counts and histogram; the run's success and pass
    rates; the worst items of failing metrics with their explanations and errors.

    Example:
        ```python
        evaluation_runner(..., summary_generator=ScorecardSummary())  # what runs print by default
        ```
    """

    def renderable(self, result: EvaluationResult, width: int) -> Any:
        from axionlike.results._scorecard import Scorecard
        from axionlike.results._terminal import scorecard_renderable

        return scorecard_renderable(Scorecard(result), width)


@dataclass(frozen=True)
class MetricTableSummary(_TerminalSummary):
    """One table row per metric (mean, pass rate, counts, histogram), without the item lists.

    Example:
        ```python
        evaluation_runner(..., summary_generator=MetricTableSummary())
        ```
    """

    def renderable(self, result: EvaluationResult, width: int) -> Any:
        from axionlike.results._scorecard import Scorecard
        from axionlike.results._terminal import _metrics_table

        return _metrics_table(Scorecard(result), width)


@dataclass(frozen=True)
class LineSummary(_TerminalSummary):
    """One terse line: name, items, success and pass rates, each metric's mean, duration.

    Example:
        ```python
        evaluation_runner(..., summary_generator=LineSummary())
        # faq · 20 items · success 100% · pass 85% · exact_match 0.850 · latency 0.412 · 1.3s
        ```
    """

    def renderable(self, result: EvaluationResult, width: int) -> Any:
        from rich.text import Text

        return Text(self.line(result))

    def __call__(self, result: EvaluationResult) -> None:
        print(self.line(result), file=self.file)  # one line, never wrapped

    @staticmethod
    def line(result: EvaluationResult) -> str:
        """The summary line itself."""
        pass_rate = "-" if result.pass_rate is None else f"{result.pass_rate:.0%}"
        parts = [
            result.evaluation_name,
            f"{len(result.results)} items",
            f"success {result.success_rate:.0%}",
            f"pass {pass_rate}",
            *(f"{s.name} {'-' if s.mean is None else f'{s.mean:.3f}'}" for s in result.summary.values()),
            f"{result.metadata.get('durations', {}).get('total_seconds', 0.0):.1f}s",
        ]
        return " · ".join(parts)
