"""A readable summary of a result in the terminal (rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from axionlike.results._models import EvaluationResult


def _fmt(value: float | None, pattern: str = "{:.3f}") -> str:
    return "-" if value is None else pattern.format(value)


def print_summary(result: EvaluationResult, console: Console | None = None) -> None:
    """Per-metric statistics and run counts as a table."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    table = Table(title=f"{result.evaluation_name}  ·  {len(result.results)} items  ·  run {result.run_id[:12]}")
    for column in ("metric", "source", "mean", "median", "min", "max", "threshold", "pass rate", "errors", "skipped"):
        text = column in ("metric", "source")
        table.add_column(column, justify="left" if text else "right", no_wrap=text)
    for s in result.summary.values():
        direction = "" if s.threshold is None else (" ≥" if s.higher_is_better else " ≤")
        table.add_row(
            s.name,
            s.source,
            _fmt(s.mean),
            _fmt(s.median),
            _fmt(s.min),
            _fmt(s.max),
            direction + _fmt(s.threshold, "{:g}"),
            _fmt(s.pass_rate, "{:.0%}"),
            str(s.errors),
            str(s.skipped),
        )
    console.print(table)
    counts = result.metadata.get("counts", {})
    seconds = result.metadata.get("durations", {}).get("total_seconds")
    console.print(
        f"success rate {result.success_rate:.0%} · task errors {counts.get('task_errors', 0)} · "
        f"metric errors {counts.get('metric_errors', 0)} · {_fmt(seconds, '{:.2f}')} s"
    )
