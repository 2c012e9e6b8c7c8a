"""Result data: MetricScore per metric, TestResult per item, EvaluationResult per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from axionlike._text import model_from_json, model_json
from axionlike.dataset import DatasetItem

if TYPE_CHECKING:
    from axionlike.results._compare import Comparison
    from axionlike.results._dataframe import NormalizedDataFrames
    from axionlike.results._scorecard import Scorecard

Phase = Literal["input", "task", "metric", "aggregate"]
ScoreStatus = Literal["scored", "error", "skipped"]


class ErrorInfo(BaseModel):
    """A failure recorded as data: what was raised, its message and where."""

    type: str
    """Exception class name, e.g. ``'TimeoutError'``."""
    message: str
    """Exception message (secrets redacted)."""
    phase: Phase
    """Where it happened: reading the input, running the task, scoring, aggregating."""

    @classmethod
    def from_exception(cls, exc: BaseException, phase: Phase) -> ErrorInfo:
        """Record ``exc`` as data, with secrets masked."""
        from axionlike._redact import redact

        message = redact(str(exc) or repr(exc))
        return cls(type=type(exc).__name__, message=message, phase=phase)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}"


class Usage(BaseModel):
    """Tokens and cost of the LLM calls behind one score (or summed over a run); immutable, so shared freely."""

    model_config = ConfigDict(frozen=True)

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cost: float = 0.0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            cost=self.cost + other.cost,
            calls=self.calls + other.calls,
        )


@dataclass(slots=True)
class MetricScore:
    """One metric's verdict on one item.

    A slotted dataclass rather than a model, like ``TrialResult``: the engine builds one
    for every metric call and a run keeps them all, and a pydantic model costs about three
    times the work to build and five times the memory (its instance dict and fields-set).
    Pydantic still validates scores wherever a TestResult is read (``EvaluationResult.load``)
    and writes them with the result. Copy one with ``dataclasses.replace``.
    """

    name: str
    """The metric's name, the key used in ``thresholds`` and in summaries."""
    score: float | None = None
    """The score; ``None`` when the metric errored or was skipped."""
    status: ScoreStatus = "scored"
    threshold: float | None = None
    passed: bool | None = None
    """``score >= threshold`` (``<=`` when lower is better); ``None`` without threshold."""
    higher_is_better: bool = True
    explanation: str | None = None
    error: ErrorInfo | None = None
    missing_fields: list[str] = field(default_factory=list)
    """Required fields the item lacked (skipped or errored scores)."""
    source: str = "native"
    """Which library produced the score: ``native``, ``ragas``, ``deepeval``, ``function``."""
    latency: float | None = None
    """Seconds spent computing the score."""
    usage: Usage | None = None
    cached: bool = False
    """Whether the score came from the cache."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Anything else the metric reported (trace ids among them)."""


@dataclass(slots=True)
class TrialResult:
    """One trial of an item (with ``trials > 1``): its task output or error, and its scores.

    A slotted dataclass rather than a model: a run keeps one for every trial of every item,
    and without an instance dict and a fields-set each is about half the work for Python's
    garbage collector, which re-walks every kept result on each full collection; the engine
    also builds it without a validation pass. Pydantic still validates it wherever a
    TestResult is read (``EvaluationResult.load``). Copy one with ``dataclasses.replace``.
    """

    trial: int
    task_output: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    scores: list[MetricScore] = field(default_factory=list)
    task_cached: bool = False


class TestResult(BaseModel):
    """Everything known about one evaluated item."""

    __test__ = False  # not a pytest test class

    index: int
    """Position of the item in the input."""
    item: DatasetItem | None
    """The item after the task output was merged in (``None`` for an invalid row)."""
    task_output: dict[str, Any] | None = None
    error: ErrorInfo | None = None
    """An input or task failure; metrics did not run."""
    scores: list[MetricScore] = Field(default_factory=list)
    aggregates: list[MetricScore] = Field(default_factory=list)
    """Scores combined by aggregators."""
    task_cached: bool = False
    trials: list[TrialResult] = Field(default_factory=list)
    """Each trial's own outcome when the run had ``trials > 1``; ``scores`` are then the reduced ones."""

    @property
    def id(self) -> str | None:
        return self.item.id if self.item is not None else None

    @property
    def succeeded(self) -> bool:
        """No input, task or metric error on this item."""
        return self.error is None and all(s.status != "error" for s in self.scores)

    def score(self, name: str) -> MetricScore:
        """The score of the metric or aggregate named ``name``."""
        for s in (*self.scores, *self.aggregates):
            if s.name == name:
                return s
        raise KeyError(name)


class MetricSummary(BaseModel):
    """Statistics of one metric over a run."""

    name: str
    source: str = "native"
    count: int = 0
    """Items with a score."""
    mean: float | None = None
    median: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    threshold: float | None = None
    higher_is_better: bool = True
    passed: int = 0
    pass_rate: float | None = None
    """Share of scored items that passed; ``None`` without a threshold."""
    errors: int = 0
    skipped: int = 0
    cached: int = 0
    trial_std: float | None = None
    """With trials: the standard deviation of each item's trial scores, averaged over items."""
    flip_rate: float | None = None
    """With trials: the share of items whose pass/fail differs between trials."""
    usage: Usage = Field(default_factory=Usage)


class EvaluationResult(BaseModel):
    """The outcome of one evaluation run.

    Example:
        ```python
        results = evaluation_runner(...)
        results.summary["exact_match"].mean
        results.to_dataframe()
        results.save("run.json"); EvaluationResult.load("run.json")
        ```
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    run_id: str
    evaluation_name: str
    timestamp: str
    """ISO 8601 start time (UTC)."""
    results: list[TestResult]
    summary: dict[str, MetricSummary]
    metadata: dict[str, Any] = Field(default_factory=dict)
    """User metadata at top level, plus description, dataset, counts, durations, usage, cache."""

    @property
    def success_rate(self) -> float:
        """Share of items evaluated without any input, task or metric error."""
        if not self.results:
            return 0.0
        return sum(r.succeeded for r in self.results) / len(self.results)

    @property
    def pass_rate(self) -> float | None:
        """Share of items whose every thresholded score passed; ``None`` if none has one."""
        verdicts = [[s.passed for s in r.scores if s.passed is not None] for r in self.results if r.error is None]
        judged = [v for v in verdicts if v]
        return sum(all(v) for v in judged) / len(judged) if judged else None

    def to_dataframe(self, layout: Literal["long", "wide"] = "long") -> Any:
        """A pandas DataFrame of the results.

        ``'long'``: one row per item and metric, item columns then metric columns.
        ``'wide'``: one row per item, one score column per metric.
        """
        from axionlike.results._dataframe import to_dataframe

        return to_dataframe(self, layout)

    def to_normalized_dataframes(self) -> NormalizedDataFrames:
        """Two pandas DataFrames keyed by the item ``id``: one row per item (its fields, once)
        and one row per item and metric (score, pass, explanation, tokens, cost).

        Where ``to_dataframe()`` repeats every item field on every metric row, here a large
        field is stored once, so the tables can be joined or loaded into a database.
        ``items, scores = results.to_normalized_dataframes()``.
        """
        from axionlike.results._dataframe import to_normalized_dataframes

        return to_normalized_dataframes(self)

    def to_scorecard(self, output_path: str | Path | None = None, *, worst: int = 5) -> Scorecard:
        """The run's ``Scorecard``: HTML in a notebook, tables in a terminal.

        With ``output_path``, also write it there as a standalone HTML page (no network
        resources). ``worst`` caps the items listed per metric.
        """
        from axionlike.results._scorecard import Scorecard

        card = Scorecard(self, worst=worst)
        if output_path is not None:
            card.save(output_path)
        return card

    def compare(
        self, baseline: EvaluationResult, *, confidence: float = 0.95, resamples: int = 2000, seed: int = 0
    ) -> Comparison:
        """This run against ``baseline``: a ``Comparison`` per metric, paired over shared item ids."""
        from axionlike.results._compare import Comparison

        return Comparison(self, baseline, confidence=confidence, resamples=resamples, seed=seed)

    def to_json(self) -> str:
        """The whole result as JSON; ``from_json`` restores it exactly.

        Text that is not valid Unicode (a lone surrogate such as ``'\\udfff'``) is kept as a
        ``\\udfff`` escape, which ``from_json`` reads back as the same character.
        """
        return model_json(self)

    @classmethod
    def from_json(cls, text: str) -> EvaluationResult:
        return model_from_json(cls, text)

    def save(self, path: str | Path) -> Path:
        """Write the result to a JSON file and return its path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> EvaluationResult:
        """Read a result written by ``save``."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def __repr__(self) -> str:
        return (
            f"EvaluationResult(evaluation_name={self.evaluation_name!r}, run_id={self.run_id!r}, "
            f"items={len(self.results)}, metrics={list(self.summary)})"
        )

    __str__ = __repr__
