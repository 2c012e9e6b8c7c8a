"""Plain-text reports of evaluation runs: pytest's terminal summary, and the tables of ``axionlike runs``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from axionlike.results import EvaluationResult


def _fmt(value: float | None, pattern: str = "{:.3f}") -> str:
    return "-" if value is None else pattern.format(value)


def below(result: EvaluationResult, min_score: float) -> list[str]:
    """Why ``result`` misses ``min_score``: one message per score whose mean is under it."""
    return [
        f"mean {s.name} {_fmt(s.mean)} is under --min-score {min_score:g}"
        for s in result.summary.values()
        if s.mean is None or s.mean < min_score
    ]


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """Rows aligned in columns: text left, numbers right."""
    cells = [[str(c) for c in header], *([str(c) for c in row] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    numeric = [all(_numeric(r[i]) for r in cells[1:]) for i in range(len(header))]
    return [
        "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(r, widths, numeric, strict=True)).rstrip()
        for r in cells
    ]


def _numeric(text: str) -> bool:
    return text == "-" or text.rstrip("%").replace(".", "", 1).lstrip("-").isdigit()


def result_rows(result: EvaluationResult, label: str, min_score: float | None = None) -> list[list[Any]]:
    """One row per score of an evaluation: rows, mean, pass rate, errors."""
    rows = []
    for s in result.summary.values():
        row = [label, s.name, len(result.results), _fmt(s.mean), _fmt(s.pass_rate, "{:.0%}"), s.errors]
        if min_score is not None:
            row.append("FAIL" if s.mean is None or s.mean < min_score else "ok")
        rows.append(row)
    return rows


def summary_lines(outcomes: Sequence[Any], options: Any, min_score: float | None) -> list[str]:
    """pytest's end-of-session summary of the evaluations it ran."""
    header = ["evaluation", "score", "rows", "mean", "pass rate", "errors"]
    if min_score is not None:
        header.append(f"min {min_score:g}")
    rows = [row for o in outcomes for row in result_rows(o.result, o.nodeid, min_score)]
    lines = [f"experiment {options.experiment} · stored in {options.results_dir / options.experiment}"]
    lines += table(header, rows)
    resumed = [o for o in outcomes if o.reused]
    for o in resumed:
        lines.append(f"{o.nodeid}: resumed, {o.reused} rows from the journal, {o.ran} run now")
    return lines
