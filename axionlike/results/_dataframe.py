"""EvaluationResult to pandas: long or wide layout, or normalised into an items and a scores table."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, NamedTuple

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
    row: dict[str, Any] = result.item.model_dump() if result.item is not None else {"id": result.id}
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
    return _frame(rows)


class NormalizedDataFrames(NamedTuple):
    """An evaluation as two tables keyed by the item ``id``, ready to join or load into a database.

    Unpacks as ``items, scores = results.to_normalized_dataframes()``;
    ``scores.merge(items, on="id", how="left")`` gives the long ``to_dataframe()`` rows.
    """

    dataset_items: Any
    """One row per item: its fields once (large ones too), and its task error."""
    metric_results: Any
    """One row per item and metric (aggregates and trials too): ``id``, the score columns of
    the long DataFrame, and the score's ``prompt_tokens`` and ``completion_tokens``."""


def _scores_row(item_id: str | None, score: MetricScore, trial: int | None, with_trials: bool) -> dict[str, Any]:
    row: dict[str, Any] = {"id": item_id}
    if with_trials:
        row["trial"] = trial
    row.update(_score_columns(score))
    row["prompt_tokens"] = score.usage.prompt_tokens if score.usage else None
    row["completion_tokens"] = score.usage.completion_tokens if score.usage else None
    return row


def to_normalized_dataframes(result: EvaluationResult) -> NormalizedDataFrames:
    with_trials = any(test.trials for test in result.results)
    items: list[dict[str, Any]] = []
    scores: list[dict[str, Any]] = []
    for test in result.results:
        items.append(_item_columns(test))
        scores.extend(_scores_row(test.id, s, None, with_trials) for s in (*test.scores, *test.aggregates))
        for trial in test.trials:
            scores.extend(_scores_row(test.id, s, trial.trial, with_trials) for s in trial.scores)
    columns = ["id", *(["trial"] if with_trials else []), *_SCORE_COLUMNS, "prompt_tokens", "completion_tokens"]
    return NormalizedDataFrames(_frame(items), _frame(scores, columns))


def _frame(rows: list[dict[str, Any]], columns: list[str] | None = None) -> Any:
    import pandas as pd

    try:
        return pd.DataFrame(rows, columns=columns)
    except UnicodeEncodeError:  # text with lone surrogates: shown as escapes (``save`` keeps it exactly)
        rows = [{k: printable(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
        return pd.DataFrame(rows, columns=columns)
