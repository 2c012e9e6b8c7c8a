"""EvaluationResult to pandas, in long or wide layout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from axionlike._text import printable

if TYPE_CHECKING:
    from axionlike.results._models import EvaluationResult, MetricScore, TestResult

_SCORE_COLUMNS = (
    "metric_name",
    "metric_score",
    "threshold",
    "passed",
    "status",
    "explanation",
    "error",
    "source",
    "metric_latency",
    "cost",
    "cached",
)


def _item_columns(result: TestResult) -> dict[str, Any]:
    row: dict[str, Any] = {"index": result.index}
    if result.item is not None:
        row.update(result.item.model_dump())
    row["task_error"] = str(result.error) if result.error else None
    return row


def _score_columns(score: MetricScore) -> dict[str, Any]:
    return {
        "metric_name": score.name,
        "metric_score": score.score,
        "threshold": score.threshold,
        "passed": score.passed,
        "status": score.status,
        "explanation": score.explanation,
        "error": str(score.error) if score.error else None,
        "source": score.source,
        "metric_latency": score.latency,
        "cost": score.usage.cost if score.usage else None,
        "cached": score.cached,
    }


def to_dataframe(result: EvaluationResult, layout: Literal["long", "wide"]) -> Any:
    import pandas as pd

    rows: list[dict[str, Any]] = []
    if layout == "long":
        with_trials = any(test.trials for test in result.results)
        for test in result.results:
            base = _item_columns(test)
            if with_trials:  # the item's (reduced) scores have trial None; each trial's its number
                base["trial"] = None
            scores = [*test.scores, *test.aggregates]
            if not scores:
                rows.append({**base, **dict.fromkeys(_SCORE_COLUMNS)})
            rows.extend({**base, **_score_columns(s)} for s in scores)
            for trial in test.trials:
                rows.extend({**base, "trial": trial.trial, **_score_columns(s)} for s in trial.scores)
    elif layout == "wide":
        for test in result.results:
            row = _item_columns(test)
            for s in (*test.scores, *test.aggregates):
                row[s.name] = s.score
                row[f"{s.name}_passed"] = s.passed
            rows.append(row)
    else:
        raise ValueError(f"layout must be 'long' or 'wide', got {layout!r}")
    try:
        return pd.DataFrame(rows)
    except UnicodeEncodeError:  # text with lone surrogates: shown as escapes (``save`` keeps it exactly)
        return pd.DataFrame([{k: printable(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows])
