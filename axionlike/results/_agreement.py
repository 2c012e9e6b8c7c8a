"""Can I trust my judge? How well a metric agrees with human labels, with bootstrap intervals.

Each item that carries a label (a field of the item, ``human_label`` by default) and a
score of the metric is one pair; items without either are counted and skipped. What is
compared depends on the kind of label:

- ``binary`` (bool, 0/1, pass/fail, yes/no, true/false): the metric's pass/fail verdict
  (its ``passed``, so the metric needs a threshold) against the label. Accuracy,
  precision, recall and F1 of the *pass* class, Cohen's kappa, the confusion matrix.
- ``categorical`` (any other text): the metric's class, which is ``metadata["label"]``
  when the metric reports one and else its score (``2.0`` reads as class ``"2"``),
  against the label, by exact match. Accuracy, macro-averaged precision, recall and F1,
  Cohen's kappa, the confusion matrix.
- ``continuous`` (numbers, also ordinal grades): the score against the label. Pearson,
  Spearman and Kendall (tau-b) correlations, and the mean absolute error, which is only
  meaningful when score and label are on the same scale.

The point estimates come from scikit-learn and SciPy. Their intervals are percentile
bootstrap intervals over items, seeded: a classification resample is drawn as
multinomial counts over the cells of the confusion matrix (the same distribution as
drawing items with replacement) and its statistics are read off the resampled table;
correlations are recomputed by SciPy on resampled items. A resample on which a
statistic is undefined (one class only, constant scores) is left out of its interval.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from axionlike._exceptions import (
    AxionlikeError,
    ConfigurationError,
    DatasetError,
    InvalidItemError,
    MissingDependencyError,
)

if TYPE_CHECKING:
    from axionlike.results._models import EvaluationResult, MetricScore, TestResult

Kind = Literal["binary", "categorical", "continuous"]

_KINDS = ("auto", "binary", "categorical", "continuous")
_BINARY_WORDS = {"pass": True, "yes": True, "true": True, "fail": False, "no": False, "false": False}
_BINARY_CLASSES = ["pass", "fail"]
"""The binary confusion matrix's order: the positive class (pass) first."""
_BOOTSTRAP_CHUNK = 2_000_000
"""Most resampled item indices held at once, so memory stays bounded for large runs."""

STATISTICS: dict[str, str] = {
    "accuracy": "accuracy",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "kappa": "Cohen's κ",
    "pearson": "Pearson r",
    "spearman": "Spearman ρ",
    "kendall": "Kendall τ",
    "mae": "mean abs. error",
}
"""Display name of each statistic, by its key in ``JudgeAgreement.statistics``."""


class Estimate(BaseModel):
    """A statistic and its bootstrap confidence interval.

    ``value`` is ``None`` when the statistic is undefined on these items (precision
    when the metric never passes, kappa or a correlation when one side is constant);
    ``ci`` is ``None`` when no resample defines it either.
    """

    value: float | None
    ci: tuple[float, float] | None = None


class JudgeAgreement(BaseModel):
    """How well a metric agrees with human labels: statistics with intervals, confusion matrix.

    Shown as HTML in a notebook and as tables in a terminal (rich).

    Example:
        ```python
        report = judge_agreement(results, "correctness")
        report.statistics["kappa"].value, report.statistics["kappa"].ci
        report.confusion_matrix   # rows: human label, columns: the metric's verdict
        ```
    """

    metric: str
    label: str
    """The item field holding the human label."""
    kind: Kind
    n: int
    """Items with both a label and a score: the statistics are over these."""
    without_label: int = 0
    """Items skipped because the label is missing (or the row was invalid)."""
    without_score: int = 0
    """Labelled items skipped because the metric has no score on them (error, skip, failed task)."""
    statistics: dict[str, Estimate]
    """By key: accuracy, precision, recall, f1, kappa (binary, categorical);
    pearson, spearman, kendall, mae (continuous). ``STATISTICS`` names them for display."""
    classes: list[str] = Field(default_factory=list)
    """Class names in the confusion matrix's row and column order (binary: pass, fail)."""
    confusion_matrix: list[list[int]] = Field(default_factory=list)
    """Counts; rows are the human label, columns the metric's verdict. Empty for continuous labels."""
    disagreements: list[str] = Field(default_factory=list)
    """Ids (``#index`` without one) of the items where the metric's class differs from the label's
    (binary and categorical labels), in result order."""
    self_agreement: float | None = None
    """With trials: how well the metric agrees with itself from trial to trial (``self_agreement_measure``)."""
    self_agreement_measure: str | None = None
    """What ``self_agreement`` is: the mean pairwise Cohen's kappa of the trials' verdicts (binary,
    categorical) or the mean pairwise Spearman correlation of their scores (continuous), over which items."""
    confidence: float
    resamples: int
    seed: int

    @property
    def skipped(self) -> int:
        """Items left out: no label, or no score."""
        return self.without_label + self.without_score

    def _repr_html_(self) -> str:
        from axionlike.results._agreement_view import agreement_fragment

        return agreement_fragment(self)

    def __rich__(self) -> Any:
        from axionlike.results._agreement_view import agreement_renderable

        return agreement_renderable(self)

    def __str__(self) -> str:
        from axionlike.results._terminal import render_text

        return render_text(self)


def judge_agreement(
    result: EvaluationResult,
    metric: str,
    *,
    label: str = "human_label",
    kind: Literal["auto", "binary", "categorical", "continuous"] = "auto",
    confidence: float = 0.95,
    resamples: int = 2000,
    seed: int = 0,
) -> JudgeAgreement:
    """How well ``metric`` agrees with the human labels in the item field ``label``.

    ``kind="auto"`` reads the labels: bools, pass/fail, yes/no, true/false or only 0 and
    1 are binary; other numbers continuous; other text categorical. Intervals are
    ``confidence`` percentile bootstrap intervals over ``resamples`` resamples, seeded
    by ``seed``.

    Raises:
        ConfigurationError: the result has no such metric, or a binary comparison with a
            metric that has no threshold (so no pass/fail).
        InvalidItemError: a label that does not fit the kind; names the item and the value.
        DatasetError: fewer than two items have both a label and a score.
        MissingDependencyError: scikit-learn or SciPy is missing (``axionlike[validation]``).
        ValueError: ``kind``, ``confidence`` or ``resamples`` out of range.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}; got {kind!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    _check_metric(result, metric)
    pairs, without_label, without_score = _pairs(result, metric, label)
    if len(pairs) < 2:
        raise DatasetError(
            f"agreement of '{metric}' needs at least 2 items with both a '{label}' label and a score; "
            f"found {len(pairs)} ({without_label} without a label, {without_score} without a score)"
        )
    chosen: Kind = _infer_kind([value for _, value, _ in pairs]) if kind == "auto" else kind
    common: dict[str, Any] = {
        "metric": metric,
        "label": label,
        "kind": chosen,
        "n": len(pairs),
        "without_label": without_label,
        "without_score": without_score,
        "confidence": confidence,
        "resamples": resamples,
        "seed": seed,
    }
    common.update(_self_agreement(result, metric, chosen))
    if chosen == "continuous":
        truth = [_as_number(test, label, value) for test, value, _ in pairs]
        scores = [score.score for _, _, score in pairs if score.score is not None]  # every pair has one
        statistics = _correlations(truth, scores, confidence, resamples, seed)
        return JudgeAgreement(statistics=statistics, **common)
    if chosen == "binary":
        classes = list(_BINARY_CLASSES)
        human = [_as_pass_fail(test, label, value) for test, value, _ in pairs]
        verdicts = [_verdict(metric, score) for _, _, score in pairs]
    else:
        human = [_class_name(value) for _, value, _ in pairs]
        verdicts = [_class_name(score.metadata.get("label", score.score)) for _, _, score in pairs]
        classes = sorted({*human, *verdicts})
    statistics, matrix = _classification(human, verdicts, classes, chosen == "binary", confidence, resamples, seed)
    disagreements = [_name(test) for (test, _, _), h, v in zip(pairs, human, verdicts, strict=True) if h != v]
    return JudgeAgreement(
        statistics=statistics, classes=classes, confusion_matrix=matrix, disagreements=disagreements, **common
    )


def labelled_agreements(result: EvaluationResult, label: str = "human_label") -> dict[str, JudgeAgreement | str]:
    """Every metric's agreement with the items' ``label`` (the reason instead, where it cannot be
    computed); empty when no item carries the label. What the scorecard shows."""
    if not any(test.item is not None and not _missing(test.item.get(label)) for test in result.results):
        return {}
    reports: dict[str, JudgeAgreement | str] = {}
    for name in result.summary:
        try:
            reports[name] = judge_agreement(result, name, label=label)
        except AxionlikeError as exc:
            reports[name] = str(exc)
    return reports


# -- the pairs ---------------------------------------------------------------------------


def _check_metric(result: EvaluationResult, metric: str) -> None:
    if metric in result.summary or any(
        s.name == metric for test in result.results for s in (*test.scores, *test.aggregates)
    ):
        return
    known = ", ".join(result.summary) or "none"
    raise ConfigurationError(f"the result has no metric '{metric}'; its metrics: {known}")


def _pairs(
    result: EvaluationResult, metric: str, label: str
) -> tuple[list[tuple[TestResult, Any, MetricScore]], int, int]:
    """``(test, label, score)`` of the items with both, and the counts without a label and without a score."""
    pairs: list[tuple[TestResult, Any, MetricScore]] = []
    without_label = without_score = 0
    for test in result.results:
        value = test.item.get(label) if test.item is not None else None
        if _missing(value):
            without_label += 1
            continue
        try:
            score = test.score(metric)
        except KeyError:
            without_score += 1
            continue
        if score.status != "scored" or score.score is None or not math.isfinite(score.score):
            without_score += 1
            continue
        pairs.append((test, value, score))
    return pairs, without_label, without_score


def _missing(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, str) and not value.strip())
    )


def _name(test: TestResult) -> str:
    return test.id or f"#{test.index}"


def _number(value: Any) -> float | None:
    """A label as a number: ints, floats and numeric text (not bools)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _infer_kind(values: list[Any]) -> Kind:
    words = any(isinstance(v, bool) or (isinstance(v, str) and v.strip().lower() in _BINARY_WORDS) for v in values)
    numbers = [_number(v) for v in values]
    if words or all(n in (0.0, 1.0) for n in numbers):
        return "binary"
    if all(n is not None for n in numbers):
        return "continuous"
    return "categorical"


def _as_pass_fail(test: TestResult, label: str, value: Any) -> str:
    passed: bool | None = None
    if isinstance(value, bool):
        passed = value
    elif isinstance(value, str):
        passed = _BINARY_WORDS.get(value.strip().lower())
    elif isinstance(value, int | float) and value in (0, 1):
        passed = bool(value)
    if passed is None:
        raise InvalidItemError(
            f"item '{_name(test)}': label {label}={value!r} is not pass/fail; binary labels are bools, 0/1, "
            "pass/fail, yes/no or true/false (or pass kind='categorical')",
            row=test.index,
            item_id=test.id,
        )
    return "pass" if passed else "fail"


def _as_number(test: TestResult, label: str, value: Any) -> float:
    number = _number(value)
    if number is None or not math.isfinite(number):
        raise InvalidItemError(
            f"item '{_name(test)}': label {label}={value!r} is not a number, as continuous labels must be",
            row=test.index,
            item_id=test.id,
        )
    return number


def _class_name(value: Any) -> str:
    """A label or a prediction as a class name: ``2``, ``2.0`` and ``"2"`` are all class ``"2"``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _verdict(metric: str, score: MetricScore) -> str:
    if score.passed is None:
        raise ConfigurationError(
            f"metric '{metric}' has no threshold, so no pass/fail to compare with binary labels: "
            "give it a threshold, or compare its scores with kind='continuous'"
        )
    return "pass" if score.passed else "fail"


# -- the statistics ----------------------------------------------------------------------


def _self_agreement(result: EvaluationResult, metric: str, kind: Kind) -> dict[str, Any]:
    """The metric's agreement with itself across trials, over the items scored in every trial."""
    rows: list[list[MetricScore]] = []
    for test in result.results:
        scores = [next((s for s in t.scores if s.name == metric), None) for t in test.trials if t.error is None]
        complete = len(test.trials) > 1 and len(scores) == len(test.trials)
        if complete and all(s is not None and s.status == "scored" and s.score is not None for s in scores):
            rows.append([s for s in scores if s is not None])
    if len(rows) < 2:
        return {}
    metrics, stats = _libraries()
    trials = list(zip(*rows, strict=True))
    pairs = list(itertools.combinations(trials, 2))
    with _quiet():
        if kind == "continuous":
            values = [stats.spearmanr([s.score for s in a], [s.score for s in b]).statistic for a, b in pairs]
            measure = "mean pairwise Spearman correlation of the trials' scores"
        else:
            verdicts = [
                [
                    _verdict(metric, s) if kind == "binary" else _class_name(s.metadata.get("label", s.score))
                    for s in trial
                ]
                for trial in trials
            ]
            values = [metrics.cohen_kappa_score(a, b) for a, b in itertools.combinations(verdicts, 2)]
            measure = "mean pairwise Cohen's kappa of the trials' verdicts"
    defined = [float(v) for v in values if v is not None and not math.isnan(v)]
    return {
        "self_agreement": sum(defined) / len(defined) if defined else None,
        "self_agreement_measure": f"{measure}, {len(trials)} trials, {len(rows)} items",
    }


def _libraries() -> tuple[Any, Any]:
    """scikit-learn's ``metrics`` and SciPy's ``stats``, imported on first use."""
    try:
        from scipy import stats  # type: ignore[import-untyped]
        from sklearn import metrics  # type: ignore[import-untyped]
    except ImportError as exc:
        package = "scipy" if (exc.name or "").split(".")[0] == "scipy" else "scikit-learn"
        raise MissingDependencyError(package, "validation", "judge_agreement") from exc
    return metrics, stats


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warnings for undefined statistics (one class only, constant scores): they become ``None``."""
    import numpy as np

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _estimate(value: Any, samples: Any, confidence: float) -> Estimate:
    """The point estimate with the percentile interval of its defined resamples."""
    import numpy as np

    if value is None or not math.isfinite(value):
        return Estimate(value=None)
    defined = samples[np.isfinite(samples)]
    if not defined.size:
        return Estimate(value=float(value))
    tail = (1.0 - confidence) / 2 * 100
    low, high = np.percentile(defined, [tail, 100 - tail])
    return Estimate(value=float(value), ci=(float(low), float(high)))


def _classification(
    human: list[str],
    verdicts: list[str],
    classes: list[str],
    binary: bool,
    confidence: float,
    resamples: int,
    seed: int,
) -> tuple[dict[str, Estimate], list[list[int]]]:
    import numpy as np

    metrics, _ = _libraries()
    averaging: dict[str, Any] = {"average": "binary", "pos_label": "pass"} if binary else {"average": "macro"}
    with _quiet():
        matrix = metrics.confusion_matrix(human, verdicts, labels=classes)
        precision, recall, f1, _ = metrics.precision_recall_fscore_support(
            human, verdicts, labels=classes, zero_division=np.nan, **averaging
        )
        values = {
            "accuracy": metrics.accuracy_score(human, verdicts),
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "kappa": metrics.cohen_kappa_score(human, verdicts, labels=classes),
        }
    n, k = len(human), len(classes)
    rng = np.random.default_rng(seed)
    tables = rng.multinomial(n, matrix.ravel() / n, size=resamples).reshape(resamples, k, k)
    samples = table_statistics(tables, positive=0 if binary else None)
    return {name: _estimate(values[name], samples[name], confidence) for name in values}, matrix.tolist()


def table_statistics(tables: Any, positive: int | None) -> dict[str, Any]:
    """Accuracy, precision, recall, F1 and kappa of each confusion table in ``tables`` (shape
    ``(r, k, k)``, rows the truth), as arrays of ``r`` values, NaN where undefined.

    Precision, recall and F1 are those of class ``positive``, or their mean over the classes
    where defined (``positive=None``), as scikit-learn's ``average="macro"`` with
    ``zero_division=nan`` computes them; the tests hold the two to the same numbers.
    """
    import numpy as np

    tables = np.asarray(tables, dtype=float)
    n = tables.sum(axis=(1, 2))
    hits = np.diagonal(tables, axis1=1, axis2=2)
    truth, predicted = tables.sum(axis=2), tables.sum(axis=1)
    with _quiet():
        precision, recall = hits / predicted, hits / truth
        f1 = 2 * hits / (truth + predicted)
        expected = (truth * predicted).sum(axis=1) / n**2
        kappa = (hits.sum(axis=1) / n - expected) / (1 - expected)
        if positive is None:
            precision, recall, f1 = (np.nanmean(v, axis=1) for v in (precision, recall, f1))
        else:
            precision, recall, f1 = (v[:, positive] for v in (precision, recall, f1))
    return {"accuracy": hits.sum(axis=1) / n, "precision": precision, "recall": recall, "f1": f1, "kappa": kappa}


def _correlations(
    truth: list[float], scores: list[float], confidence: float, resamples: int, seed: int
) -> dict[str, Estimate]:
    import numpy as np

    metrics, stats = _libraries()
    x, y = np.asarray(truth, dtype=float), np.asarray(scores, dtype=float)
    with _quiet():
        values = {
            "pearson": stats.pearsonr(x, y).statistic,
            "spearman": stats.spearmanr(x, y).statistic,
            "kendall": stats.kendalltau(x, y).statistic,
            "mae": metrics.mean_absolute_error(x, y),
        }
    samples = {name: np.empty(resamples) for name in values}
    rng = np.random.default_rng(seed)
    n = len(x)
    step = max(1, _BOOTSTRAP_CHUNK // n)
    with _quiet():
        for start in range(0, resamples, step):
            stop = min(resamples, start + step)
            rows = rng.integers(0, n, size=(stop - start, n))
            xs, ys = x[rows], y[rows]
            samples["pearson"][start:stop] = stats.pearsonr(xs, ys, axis=1).statistic
            ranks = stats.rankdata(xs, axis=1), stats.rankdata(ys, axis=1)
            samples["spearman"][start:stop] = stats.pearsonr(*ranks, axis=1).statistic  # Spearman: Pearson of ranks
            samples["kendall"][start:stop] = stats.kendalltau(xs, ys, axis=1).statistic
            samples["mae"][start:stop] = np.abs(xs - ys).mean(axis=1)
    return {name: _estimate(values[name], samples[name], confidence) for name in values}
