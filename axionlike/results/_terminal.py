"""Scorecards and comparisons in the terminal (rich tables)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from axionlike.results._scorecard import fmt

if TYPE_CHECKING:
    from axionlike.results._compare import Comparison
    from axionlike.results._scorecard import MetricCard, Scorecard

_BLOCKS = " ▁▂▃▄▅▆▇█"
_TERMINAL_WORST = 3
"""Worst items listed per metric in the terminal (the HTML view lists more)."""


def sparkline(card: MetricCard, width: int = 10) -> str:
    """The metric's distribution as ``width`` block characters."""
    counts = card.bin_counts()
    step = max(1, len(counts) // width)
    merged = [sum(counts[i : i + step]) for i in range(0, len(counts), step)]
    top = max(merged) or 1
    return "".join(_BLOCKS[0 if c == 0 else max(1, round(c / top * 8))] for c in merged)


#: Short headers, so the table fits an 80-column terminal.
_HEADERS = {
    "threshold": "target",
    "pass rate": "pass",
    "scored": "n",
    "errors": "err",
    "skipped": "skip",
    "saved by cache": "saved",
}
#: Columns left out, in this order, while the metric table is wider than the terminal.
_DROPPABLE = ("median", "skipped", "histogram", "source")


def _metrics_table(card: Scorecard, width: int) -> Any:
    """The metric table at most ``width`` columns wide: numbers are never cut; the least needed
    columns are left out first, then long metric names wrap."""
    from rich.console import Console
    from rich.measure import Measurement

    columns = ["histogram" if c == "distribution" else c for c in card.columns()]
    console = Console(width=10_000)  # measures the table's natural width, not one clamped to the terminal
    table = _table_of(card, columns)
    for column in _DROPPABLE:
        if Measurement.get(console, console.options, table).maximum <= width:
            break
        if column in columns:
            columns.remove(column)
            table = _table_of(card, columns)
    return table


def _table_of(card: Scorecard, columns: list[str]) -> Any:
    from rich import box
    from rich.table import Table

    result = card.result
    table = Table(
        title=f"{result.evaluation_name}  ·  {len(result.results)} items  ·  run {result.run_id[:12]}",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for column in columns:
        text = column in ("metric", "source", "histogram")
        table.add_column(
            _HEADERS.get(column, column),
            justify="left" if text else "right",
            no_wrap=column != "metric",  # only a metric name may wrap; numbers stay whole
            overflow="fold",
        )
    for metric in card.metrics.values():
        cells = {**metric.cells(), "histogram": sparkline(metric)}
        table.add_row(*(cells[c] for c in columns))
    return table


def _worst_table(metric: MetricCard) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(
        title=f"worst items · {metric.name}", title_justify="left", expand=True, box=box.SIMPLE_HEAD, pad_edge=False
    )
    table.add_column("item", no_wrap=True, max_width=18)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("why", ratio=1)
    for note in [*metric.errors[:_TERMINAL_WORST], *metric.worst_not_passed[:_TERMINAL_WORST]]:
        mark = {True: " ✓", False: " ✗", None: ""}[note.passed]
        verdict = "error" if note.status == "error" else fmt(note.score) + mark
        why = note.error or note.explanation or note.describe()
        table.add_row(Text(note.item_id or f"#{note.index}"), verdict, Text(why))
    return table


def _failed_table(card: Scorecard) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    more = f" (and {card.more_failed_items} more)" if card.more_failed_items else ""
    table = Table(
        title=f"failed items: no metric ran{more}",
        title_justify="left",
        expand=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    table.add_column("item", no_wrap=True, max_width=18)
    table.add_column("error", ratio=1)
    for note in card.failed_items[:_TERMINAL_WORST]:
        table.add_row(Text(note.item_id or f"#{note.index}"), Text(note.error or ""))
    return table


def scorecard_renderable(card: Scorecard, width: int = 120) -> Any:
    """The scorecard as rich renderables, ``width`` columns wide at most: metric table, run line,
    worst items of failing metrics."""
    from rich.console import Group
    from rich.text import Text

    from axionlike.results._agreement_view import scorecard_agreement_renderables

    facts, counts = card.facts, card.result.metadata.get("counts", {})
    line = (
        f"success rate {facts['success rate']} · pass rate {facts['pass rate (all metrics)']} · "
        f"task errors {facts['task errors']} · metric errors {counts.get('metric_errors', 0)} · {facts['duration']}"
    )
    if "cost" in card.columns():  # an LLM was involved: what this run spent, and what the cache saved
        usage = card.result.metadata.get("usage") or {}
        tokens = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
        line += f"\nthis run: {facts['LLM calls']} LLM calls · {tokens:,} tokens · {facts['cost']}"
        if "saved by cache" in facts:
            line += f"\nsaved by cache: {facts['saved by cache']}"
    parts: list[Any] = [_metrics_table(card, width), Text(line), *scorecard_agreement_renderables(card)]
    if card.failed_items:
        parts.append(_failed_table(card))
    for metric in card.metrics.values():
        if metric.errors or any(note.passed is False for note in metric.worst):
            parts.append(_worst_table(metric))
    return Group(*parts)


def comparison_renderable(comparison: Comparison, width: int = 120) -> Any:
    """The comparison as a rich table and a line on the items the runs share.

    Narrower than 110 columns, cells take two lines and the unpaired differences are
    left out, so the table fits an 80-column terminal.
    """
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    sep = " " if width >= 110 else "\n"
    table = Table(
        title=f"{comparison.current.evaluation_name} vs baseline {comparison.baseline.evaluation_name}",
        caption=(
            f"base → new; paired Δ: new − base over items scored in both runs, "
            f"with its {comparison.confidence:.0%} bootstrap interval"
        ),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    columns: dict[str, Callable[[dict[str, str]], str]] = {
        "metric": lambda c: c["metric"],
        "mean": lambda c: f"{c['baseline mean']} →{sep}{c['current mean']}",
        "Δ mean": lambda c: c["Δ mean"],
        "pass rate": lambda c: f"{c['baseline pass']} →{sep}{c['current pass']}",
        "Δ pass": lambda c: c["Δ pass"],
        "pairs": lambda c: c["pairs"],
        "paired Δ": lambda c: f"{c['paired Δ']}{sep}{c['interval']}",
        "verdict": lambda c: c["verdict"],
    }
    if sep == "\n":
        del columns["Δ mean"], columns["Δ pass"], columns["pairs"]
    for name in columns:
        table.add_column(name, justify="left" if name in ("metric", "verdict") else "right", no_wrap=True)
    styles = {"better": "green", "worse": "red"}
    for metric in comparison.metrics.values():
        cells = metric.cells()
        table.add_row(*(render(cells) for render in columns.values()), style=styles.get(metric.verdict))
    return Group(table, Text(comparison.overlap_line()))


def render_text(renderable: Any, width: int = 120) -> str:
    """Plain text of a rich renderable (for ``str()`` and logs)."""
    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, force_terminal=False).print(renderable)
    return buffer.getvalue()
