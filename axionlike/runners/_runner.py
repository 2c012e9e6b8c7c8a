"""The runner faces: ``EvaluationRunner(config).execute()`` and ``evaluation_runner(...)``."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable
from typing import Any, Literal

from axionlike._exceptions import ConfigurationError
from axionlike._redact import redact
from axionlike._sync import run_sync
from axionlike.cache import CacheConfig
from axionlike.results import EvaluationResult, ScorecardSummary, TestResult
from axionlike.runners._config import ErrorConfig, EvaluationConfig
from axionlike.runners._engine import Engine

logger = logging.getLogger(__name__)


def _check_summary_generator(generator: Any) -> None:
    if generator is None or callable(generator) or callable(getattr(generator, "execute", None)):
        return
    raise ConfigurationError(
        f"summary_generator must be a callable taking the EvaluationResult, an object with "
        f"execute(results, total_time), or None; got {type(generator).__name__}"
    )


async def _summarise(generator: Any, result: EvaluationResult) -> None:
    """Show the finished run with ``generator`` (sync or async); its failure is logged, never
    raised (the run is done)."""
    if generator is None:
        return
    try:
        if callable(generator):
            shown = generator(result)
        else:  # an Axion BaseSummary: execute(results, total_time)
            shown = generator.execute(result.results, result.metadata["durations"]["total_seconds"])
        if inspect.isawaitable(shown):
            await shown
    except Exception as exc:
        name = getattr(generator, "__qualname__", type(generator).__name__)
        logger.warning(
            "summary_generator %s failed (%s: %s); the result is returned as computed",
            name,
            type(exc).__name__,
            redact(str(exc)),
        )


class EvaluationRunner:
    """Runs the evaluation an ``EvaluationConfig`` describes.

    The configuration is validated here (metrics routed, thresholds checked, dataset
    loaded), so misuse raises before ``execute`` is awaited.

    Args:
        config: the evaluation.
        on_result: called with each item's ``TestResult`` as soon as it is final, in
            completion order (to journal or stream results while the run goes on).

    Example:
        ```python
        runner = EvaluationRunner(EvaluationConfig(evaluation_name="faq", ...))
        results = await runner.execute()
        ```
    """

    def __init__(self, config: EvaluationConfig, *, on_result: Callable[[TestResult], None] | None = None) -> None:
        self.config = config
        _check_summary_generator(config.summary_generator)
        self._engine = Engine(config, on_result=on_result)

    async def execute(self) -> EvaluationResult:
        """Run the task and metrics over every item, show the summary, and return the result."""
        result = await self._engine.run()
        await _summarise(self.config.summary_generator, result)
        return result

    def run(self) -> EvaluationResult:
        """``execute`` from synchronous code, including inside a running event loop.

        Ctrl-C stops the run within a moment and raises ``EvaluationInterrupted``, whose one-line
        message says how many items were done and what the cache kept.
        """
        try:
            return run_sync(self.execute())
        except KeyboardInterrupt:
            if self._engine.interruption is None:
                raise
            raise self._engine.interruption from None


def evaluation_runner(
    evaluation_inputs: Any,
    scoring_metrics: list[Any],
    evaluation_name: str,
    task: Any = None,
    scoring_key_mapping: dict[str, str] | None = None,
    max_concurrent: int = 10,
    timeout: float | None = None,
    cache_config: CacheConfig | None = None,
    error_config: ErrorConfig | None = None,
    thresholds: dict[str, float] | None = None,
    aggregators: list[Any] | None = None,
    evaluation_description: str | None = None,
    evaluation_metadata: dict[str, Any] | None = None,
    run_id: str | None = None,
    dataset_name: str | None = None,
    trace_granularity: Literal["single_trace", "separate"] = "single_trace",
    enable_prompt_caching: bool = False,
    show_progress: bool = True,
    backend: Any = None,
    trials: int = 1,
    reducers: Any = "mean",
    summary_generator: Any = ScorecardSummary(),  # noqa: B008 (immutable)
) -> EvaluationResult:
    """Run an evaluation and return its result; synchronous, notebook-safe.

    Parameters are the fields of ``EvaluationConfig``, documented there. Works in a
    plain script and inside a running event loop (Jupyter), where the engine runs on
    a loop of its own in a worker thread.

    Example:
        ```python
        results = evaluation_runner(
            evaluation_inputs=[DatasetItem(query="2+2?", actual_output="4", expected_output="4")],
            scoring_metrics=[ExactMatch()],
            evaluation_name="smoke",
        )
        results.summary["exact_match"].mean  # 1.0
        ```
    """
    config = EvaluationConfig(**{k: v for k, v in locals().items()})
    return EvaluationRunner(config).run()
