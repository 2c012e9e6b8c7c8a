"""Configuration of an evaluation run: EvaluationConfig and ErrorConfig (CacheConfig lives with the cache)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from axionlike.cache import CacheConfig
from axionlike.results import ScorecardSummary


class ErrorConfig(BaseModel):
    """What to do when an item fails."""

    model_config = ConfigDict(extra="forbid")

    skip_on_missing_params: bool = False
    """Record a metric whose required fields are missing as *skipped* (not an error)."""
    fail_fast: bool = False
    """Stop at the first task or metric error and raise ``EvaluationAbortedError``
    carrying the partial result. By default errors are recorded and the run goes on."""


class EvaluationConfig(BaseModel):
    """Everything one evaluation run needs. ``evaluation_runner`` takes the same fields.

    Example:
        ```python
        config = EvaluationConfig(
            evaluation_name="faq-v2",
            evaluation_inputs="faq.jsonl",
            scoring_metrics=[ExactMatch(), Latency(threshold=2.0)],
            task=my_task,
            scoring_key_mapping={"actual_output": "response"},
        )
        results = await EvaluationRunner(config).execute()
        ```
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    evaluation_inputs: Any
    """Items: a list of DatasetItems or dicts, a DataFrame, a Dataset, a CSV/JSONL path, or, read
    as the run goes, an ItemStream or a ``ray.data.Dataset``."""
    scoring_metrics: list[Any]
    """Native, Ragas or DeepEval metric objects, or plain scoring functions."""
    evaluation_name: str
    """Name of the run; also the name of its root trace span."""
    task: Any = None
    """The system under test: a callable taking a DatasetItem (sync or async), returning
    a dict or pydantic model; or an ``APIRunner``. ``None`` scores the items as given."""
    scoring_key_mapping: dict[str, str] | None = None
    """``{item_field: task_output_key}``: where metrics find their inputs in the task output."""
    max_concurrent: int = Field(default=10, ge=1)
    """Most task and metric calls in flight at once, over the whole run."""
    timeout: float | None = Field(default=None, gt=0)
    """Seconds one task or metric call may take before it is recorded as timed out."""
    cache_config: CacheConfig | None = None
    """Caching; ``None`` disables it."""
    error_config: ErrorConfig = Field(default_factory=ErrorConfig)
    thresholds: dict[str, float] | None = None
    """Pass marks by metric name, overriding each metric's own threshold."""
    aggregators: list[Any] | None = None
    """Aggregators combining an item's scores into one (see ``axionlike.grading``)."""
    trials: int = Field(default=1, ge=1)
    """Times each item's task and metrics run (a metric-only run re-scores); each trial is
    cached on its own, so more trials later compute only the new ones."""
    reducers: Any = "mean"
    """How a metric's trial scores become the item's score: ``'mean'``, ``'median'``,
    ``'min'``, ``'max'``, ``'mode'`` (majority), ``'pass@k'`` / ``'pass^k'`` (from the
    trials' pass/fail), a function ``scores -> score``, or a dict of these by metric name."""
    evaluation_description: str | None = None
    evaluation_metadata: dict[str, Any] | None = None
    """Free-form metadata, readable at the top level of ``results.metadata``."""
    run_id: str | None = None
    """Identifier of the run; generated when not given."""
    dataset_name: str | None = None
    trace_granularity: Literal["single_trace", "separate"] = "single_trace"
    """One trace for the run, or one trace per metric execution."""
    enable_prompt_caching: bool = False
    """Mark LLM-judge prompt prefixes cacheable for providers that support it."""
    show_progress: bool = True
    """Show a progress bar."""
    backend: Any = None
    """Where task calls and metric executions run: ``None`` for this process, or a
    ``RayBackend`` for Ray workers (a local Ray on loopback, or an existing cluster)."""
    summary_generator: Any = Field(default_factory=ScorecardSummary)
    """What shows the run when it ends (Axion's ``summary_generator``): a callable taking
    the ``EvaluationResult``, such as ``ScorecardSummary()`` (the default: the scorecard's
    terminal tables), ``MetricTableSummary()``, ``LineSummary()`` or your own (sync or async) function;
    an object with Axion's ``execute(results, total_time)``; or ``None`` for no summary.
    A generator that fails is logged and the result returned all the same."""

    @field_validator("error_config", mode="before")
    @classmethod
    def _default_error_config(cls, value: Any) -> Any:
        return ErrorConfig() if value is None else value
