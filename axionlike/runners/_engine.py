"""The engine: admits items as workers free up and runs each item's pipeline.

A run is ``max_concurrent`` workers sharing one job queue. A worker takes the oldest
pending metric job (an item whose task has finished), or else admits the next item
and runs its task; so task and metric calls in flight never exceed the workers, an
item's metrics start as soon as its own task ends, and in-flight state stays bounded
however large the dataset. Failures become data on the item; only fail-fast and
misconfiguration raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from axionlike._digest import digest
from axionlike._exceptions import (
    ConfigurationError,
    DatasetError,
    EvaluationAbortedError,
    EvaluationInterrupted,
    InvalidItemError,
    MissingFieldsError,
)
from axionlike._invoke import run_threads
from axionlike.aggregators import Aggregator, bind_aggregators
from axionlike.cache import RunCache
from axionlike.dataset import DatasetItem, ItemStream, load_inputs
from axionlike.llm import collect_usage, use_prompt_caching
from axionlike.metrics import MetricResult
from axionlike.results import (
    RESERVED_METADATA,
    ErrorInfo,
    EvaluationResult,
    MetricScore,
    TestResult,
    TrialResult,
    Usage,
    build_result,
)
from axionlike.runners._binding import BoundMetric, bind_metrics
from axionlike.runners._compute import Compute, LocalCompute
from axionlike.runners._config import EvaluationConfig
from axionlike.runners._progress import Progress
from axionlike.runners._savable import savable
from axionlike.runners._task_phase import TaskCaller, apply_mapping, merge_output, task_identity, task_name
from axionlike.runners._trials import resolve_reducers
from axionlike.tracing import Span, get_tracer

_NO_SPAN = contextlib.nullcontext(Span())
_EMPTY = "evaluation_inputs is empty: there is nothing to evaluate"
_READ_AHEAD = 256
"""Rows read from the source at a time (a streamed source: in a worker thread)."""
_YIELD_EVERY = 0.05
"""Seconds a worker may run without giving the event loop a turn: fast native metrics complete
without ever suspending, and Ctrl-C (a cancellation) only lands when a worker yields."""


@dataclass(eq=False)
class _InFlight:
    """An admitted item whose metrics are still running."""

    index: int
    item: DatasetItem
    task_output: dict[str, Any] | None
    task_cached: bool
    scores: list[MetricScore | None]
    trial: int = 0
    remaining: int = field(init=False)

    def __post_init__(self) -> None:
        self.remaining = len(self.scores)


class Engine:
    """Runs one evaluation described by an EvaluationConfig.

    Construction validates the configuration and loads the dataset, so misuse raises
    before any work; nothing binds to an event loop until ``run``.
    """

    def __init__(self, config: EvaluationConfig, *, on_result: Callable[[TestResult], None] | None = None) -> None:
        self.config = config
        self.on_result = on_result
        """Called with each item's result as soon as it is final (faces use it to journal)."""
        self.dataset = load_inputs(config.evaluation_inputs, name=config.dataset_name)
        if self.dataset.total == 0:
            raise DatasetError(_EMPTY)
        self.metrics: list[BoundMetric] = bind_metrics(config.scoring_metrics, config.thresholds)
        if config.task is not None and not callable(config.task):
            raise ConfigurationError(f"task must be callable; got {type(config.task).__name__}")
        clashes = sorted(set(config.evaluation_metadata or {}) & set(RESERVED_METADATA))
        if clashes:
            raise ConfigurationError(
                f"evaluation_metadata uses reserved keys {clashes}; rename them "
                f"(reserved: {', '.join(RESERVED_METADATA)})"
            )
        self.aggregators: list[Aggregator] = bind_aggregators(config.aggregators, [m.name for m in self.metrics])
        self.reducers = resolve_reducers(config.reducers, [m.name for m in self.metrics], config.trials)
        for bound in self.metrics:
            if self.reducers[bound.name].on_verdicts and bound.threshold is None:
                raise ConfigurationError(
                    f"reducer {self.reducers[bound.name].name!r} reads pass/fail, but metric '{bound.name}' "
                    "has no threshold; give it one (thresholds=...) or use a score reducer"
                )
        self._running = False
        self.interruption: EvaluationInterrupted | None = None
        """Set when the last run was cancelled (Ctrl-C): what was done and kept."""

    async def run(self) -> EvaluationResult:
        """Run the evaluation once; each call is a new run with its own id and statistics."""
        if self._running:
            raise ConfigurationError("this runner is already executing; create another runner for a parallel run")
        self._running = True
        try:
            return await self._run()
        finally:
            self._running = False

    async def _run(self) -> EvaluationResult:
        config = self.config
        self.run_id = config.run_id or uuid.uuid4().hex
        self.cache = RunCache.from_config(config.cache_config)
        self.tracer = get_tracer()
        started_at = datetime.now(UTC)
        clock = time.perf_counter()
        self._results: dict[int, TestResult] = {}
        self._abort: ErrorInfo | None = None
        self._usage = Usage()
        self._jobs: deque[tuple[_InFlight, int]] = deque()
        self._later_trials: deque[tuple[int, DatasetItem, int]] = deque()
        self._trial_parts: dict[int, dict[int, tuple[DatasetItem, TrialResult]]] = {}
        self._in_flight = 0
        self._yield_at = time.perf_counter() + _YIELD_EVERY
        self._unsavable_fields: set[str] = set()
        self.interruption = None
        self._work_available = asyncio.Event()
        self._rows = self.dataset.rows()
        self._read: deque[tuple[int, DatasetItem | InvalidItemError]] = deque()
        self._rows_seen = 0
        self._reading = asyncio.Lock()
        self._task = TaskCaller(config.task, config.scoring_key_mapping) if config.task is not None else None
        self._compute: Compute = (
            LocalCompute(self._task, self.metrics, config.timeout)
            if config.backend is None
            else config.backend.compute(config, self.metrics)
        )
        self._task_identity = task_identity(config.task) if config.task is not None else None
        self._task_digest = digest(self._task_identity)
        units = (
            self.dataset.total * config.trials if self.dataset.total else _READ_AHEAD
        )  # an item's trials run at once
        workers = min(self._compute.capacity or config.max_concurrent, units)
        try:
            with (
                run_threads(config.max_concurrent),
                use_prompt_caching(config.enable_prompt_caching),
                Progress(self.dataset.total, config.evaluation_name, enabled=config.show_progress) as self._progress,
                self._span(config.evaluation_name, kind="evaluation", metadata=self._trace_metadata()),
            ):
                await asyncio.gather(*(self._worker() for _ in range(workers)))
        except asyncio.CancelledError:
            self.interruption = EvaluationInterrupted(
                self._interrupted_line(),
                partial_result=lambda: self._build_result(started_at, time.perf_counter() - clock),
            )
            raise
        finally:
            await self._compute.aclose()
            self.cache.close()
            self.tracer.flush()
        if self._rows_seen == 0:
            raise DatasetError(_EMPTY)
        result = self._build_result(started_at, time.perf_counter() - clock)
        if self._abort is not None:
            raise EvaluationAbortedError(f"fail_fast stopped the run at: {self._abort}", partial_result=result)
        return result

    def _span(self, name: str, **kwargs: Any) -> Any:
        """A tracing span, or a shared no-op context when tracing is off (the hot path)."""
        return self.tracer.span(name, **kwargs) if self.tracer.enabled else _NO_SPAN

    def _interrupted_line(self) -> str:
        """One line on a cancelled run: the items done and what the cache kept of them."""
        done = f"{len(self._results):,} of {self.dataset.total:,}" if self.dataset.total else f"{len(self._results):,}"
        stats = self.cache.stats()
        if not stats["enabled"]:
            kept = "nothing was cached (no cache_config); the exception's partial_result holds them"
        else:
            kept = (
                f"{stats['metric']['writes']:,} scores and {stats['task']['writes']:,} task outputs were written "
                f"to the {self.cache.location}, so a re-run computes only the rest"
            )
        return f"interrupted: {done} items done; {kept}"

    async def _worker(self) -> None:
        """Take metric jobs first (they finish admitted items), else admit the next item."""
        while True:
            if time.perf_counter() >= self._yield_at:  # work that completes at once never suspends
                self._yield_at = time.perf_counter() + _YIELD_EVERY
                await asyncio.sleep(0)
            if self._jobs:
                state, position = self._jobs.popleft()
                state.scores[position] = await self._score(position, state.item, state.trial)
                state.remaining -= 1
                if state.remaining == 0:
                    self._complete(state)
                continue
            if self._later_trials and self._abort is None:
                self._in_flight += 1
                await self._admit(*self._later_trials.popleft())
                continue
            row = await self._next_row() if self._abort is None else None
            if row is not None:
                index, item = row
                if isinstance(item, InvalidItemError):
                    self._record(TestResult(index=index, item=None, error=ErrorInfo.from_exception(item, "input")))
                    continue
                if self.config.trials > 1:
                    self._later_trials.extend((index, item, trial) for trial in range(1, self.config.trials))
                    self._work_available.set()
                self._in_flight += 1
                await self._admit(index, item, 0)
                continue
            if self._in_flight == 0:
                self._work_available.set()
                return
            self._work_available.clear()
            await self._work_available.wait()

    async def _next_row(self) -> tuple[int, DatasetItem | InvalidItemError] | None:
        """The next row of the source, or None at its end. A streamed source is read ahead in a
        worker thread, so waiting for its next block never stalls the calls in flight."""
        if not self._read:
            async with self._reading:
                if not self._read:
                    if isinstance(self.dataset, ItemStream):
                        chunk = await asyncio.to_thread(self._read_ahead)
                    else:
                        chunk = self._read_ahead()
                    self._read.extend(chunk)
        return self._read.popleft() if self._read else None

    def _read_ahead(self) -> list[tuple[int, DatasetItem | InvalidItemError]]:
        chunk = list(itertools.islice(self._rows, _READ_AHEAD))
        self._rows_seen += len(chunk)
        return chunk

    async def _admit(self, index: int, item: DatasetItem, trial: int) -> None:
        """Run one trial of the item's task (if any) and queue its metric jobs."""
        task_output: dict[str, Any] | None = None
        task_cached = False
        try:
            if self._task is not None:
                task_output, task_cached = await self._run_task(item, trial)
                item = self._task.merge(item, task_output)
            elif self.config.scoring_key_mapping:
                mapped = apply_mapping(item.fields(), self.config.scoring_key_mapping, item.id, "item")
                item = merge_output(item, mapped)
        except Exception as exc:
            error = ErrorInfo.from_exception(exc, "task")
            if self.config.trials > 1:
                self._finish_trial(index, item, TrialResult(trial=trial, task_output=task_output, error=error))
            else:
                self._finish_item(TestResult(index=index, item=item, task_output=task_output, error=error))
            return
        state = _InFlight(index, item, task_output, task_cached, [None] * len(self.metrics), trial)
        self._jobs.extend((state, position) for position in range(len(self.metrics)))
        self._work_available.set()

    def _complete(self, state: _InFlight) -> None:
        scores: list[MetricScore] = state.scores  # type: ignore[assignment]
        if self.config.trials > 1:
            trial = TrialResult(
                trial=state.trial, task_output=state.task_output, scores=scores, task_cached=state.task_cached
            )
            self._finish_trial(state.index, state.item, trial)
            return
        result = TestResult(
            index=state.index,
            item=state.item,
            task_output=state.task_output,
            scores=scores,
            task_cached=state.task_cached,
        )
        self._finish_item(self._with_aggregates(result))

    def _with_aggregates(self, result: TestResult) -> TestResult:
        if self.aggregators and result.error is None:
            by_name = {s.name: s for s in result.scores}
            result.aggregates = [aggregator.aggregate(by_name) for aggregator in self.aggregators]
        return result

    def _finish_trial(self, index: int, item: DatasetItem, trial: TrialResult) -> None:
        """One trial of an item is done (``item`` as that trial's task left it); the item is, once
        all its trials are, with their scores reduced."""
        parts = self._trial_parts.setdefault(index, {})
        parts[trial.trial] = (item, trial)
        if len(parts) < self.config.trials:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._work_available.set()
            return
        del self._trial_parts[index]
        self._finish_item(self._with_aggregates(self._reduced(index, [parts[t] for t in range(self.config.trials)])))

    def _reduced(self, index: int, parts: list[tuple[DatasetItem, TrialResult]]) -> TestResult:
        """The item's result from its trials: each metric's scored trials reduced to one score."""
        trials = [trial for _, trial in parts]
        ran = [(item, trial) for item, trial in parts if trial.error is None]
        if not ran:  # every trial's task failed: the item's error is the first trial's
            item, first = parts[0]
            return TestResult(index=index, item=item, task_output=first.task_output, error=first.error, trials=trials)
        item, first = ran[0]
        return TestResult(
            index=index,
            item=item,
            task_output=first.task_output,
            scores=[
                self._reduced_score(position, [trial.scores[position] for _, trial in ran])
                for position in range(len(self.metrics))
            ],
            task_cached=all(trial.task_cached for trial in trials),
            trials=trials,
        )

    def _reduced_score(self, position: int, trial_scores: list[MetricScore]) -> MetricScore:
        bound = self.metrics[position]
        reducer = self.reducers[bound.name]
        scored = [s for s in trial_scores if s.status == "scored" and s.score is not None]
        if not scored:  # no trial scored: the item keeps the first trial's error or skip
            return trial_scores[0]
        values = [s.score for s in scored if s.score is not None]
        value = reducer.reduce(values, [bool(s.passed) for s in scored])
        failed = len(trial_scores) - len(scored)
        explanation = f"{reducer.name} of {len(scored)} trials"
        if failed:
            explanation += f"; {failed} trial(s) failed"
        if scored[0].explanation:
            explanation += f"; trial 0: {scored[0].explanation}"
        usages = [s.usage for s in trial_scores if s.usage is not None]
        latencies = [s.latency for s in scored if s.latency is not None]
        first = scored[0]
        return MetricScore(
            name=first.name,
            score=value,
            threshold=first.threshold,
            passed=value >= 0.5 if reducer.on_verdicts else bound.passed(value),
            higher_is_better=first.higher_is_better,
            explanation=explanation,
            source=first.source,
            latency=sum(latencies) if latencies else None,
            usage=sum(usages, Usage()) if usages else None,
            cached=all(s.cached for s in scored),
            metadata={**first.metadata, "reducer": reducer.name, "trial_scores": values, "failed_trials": failed},
        )

    def _record(self, result: TestResult) -> None:
        result = savable(result, self._unsavable_fields)
        self._results[result.index] = result
        if self.on_result is not None:
            self.on_result(result)
        self._progress.update(1)

    def _finish_item(self, result: TestResult) -> None:
        self._record(result)
        self._in_flight -= 1
        if self._abort is None and self.config.error_config.fail_fast and not result.succeeded:
            self._abort = result.error or next(s.error for s in result.scores if s.error)
        if self._in_flight == 0:
            self._work_available.set()

    async def _run_task(self, item: DatasetItem, trial: int) -> tuple[dict[str, Any], bool]:
        """The task's output for ``item`` in ``trial`` and whether it came from the cache (or a twin in flight)."""
        assert self._task is not None
        key = self.cache.task_key(_of_trial(self._task_digest, trial), item)
        cached = self.cache.get_task(key)
        if cached is not None:
            return cached, True
        async with self.cache.single_flight("task", key) as flight:
            if flight.shared is not None:
                return dict(flight.shared), True
            with self._span(task_name(self.config.task), kind="task", input=item.query) as span:
                output = await self._compute.task(item)
                span.set_output(output)
            self.cache.put_task(key, output)
            flight.result = output
        return output, False

    async def _score(self, position: int, item: DatasetItem, trial: int) -> MetricScore:
        bound = self.metrics[position]
        desc = bound.description
        missing = item.missing(desc.required_fields)
        if missing:
            return self._missing(bound, item, missing)
        key = self.cache.score_key(_of_trial(bound.identity_digest, trial), bound.reads, item)
        cached = self.cache.get_score(key, desc.name)
        if cached is not None:
            return self._scored(bound, cached, latency=None, cached=True)
        if key is None:  # no cache: nothing to share (the hot path)
            return (await self._execute(position, item))[0]
        async with self.cache.single_flight("metric", key) as flight:
            if flight.shared is not None:
                return self._scored(bound, flight.shared, latency=None, cached=True)
            score, outcome = await self._execute(position, item)
            if outcome is not None:
                self.cache.put_score(key, outcome)
                flight.result = outcome
        return score

    async def _execute(self, position: int, item: DatasetItem) -> tuple[MetricScore, MetricResult | None]:
        """Run the metric on ``item`` under its span and usage scope; the score, and the outcome on success."""
        bound = self.metrics[position]
        desc = bound.description
        started = time.perf_counter()
        span_input = self._metric_span_input(desc, item) if self.tracer.enabled else None
        with (
            self._span(desc.span_name, kind="metric", input=span_input, new_trace=self._separate_traces) as span,
            collect_usage() as llm_usage,
        ):
            try:
                outcome = await self._compute.metric(position, item)
            except Exception as exc:
                spent = llm_usage.usage if llm_usage.calls else None  # calls before the failure still cost
                if spent is not None:
                    self._usage = self._usage + spent
                error = ErrorInfo.from_exception(exc, "metric")
                return self._errored(bound, error, time.perf_counter() - started, usage=spent), None
            if outcome.usage is None and llm_usage.calls:
                outcome = outcome.model_copy(update={"usage": llm_usage.usage})
            score = self._scored(bound, outcome, latency=time.perf_counter() - started, cached=False)
            if self.tracer.enabled:
                span.set_output({"score": score.score, "explanation": score.explanation})
                span.record_score(desc.name, score.score, score.explanation)
                if span.trace_id is not None and self._separate_traces:
                    score.metadata["trace_id"] = span.trace_id
        return score, outcome

    @staticmethod
    def _metric_span_input(desc: Any, item: DatasetItem) -> dict[str, Any]:
        """What the metric reads, shown on its span: the item id and its fields."""
        return {"item_id": item.id, **{f: item.get(f) for f in (*desc.required_fields, *desc.optional_fields)}}

    @property
    def _separate_traces(self) -> bool:
        return self.config.trace_granularity == "separate"

    def _scored(self, bound: BoundMetric, outcome: MetricResult, *, latency: float | None, cached: bool) -> MetricScore:
        if outcome.usage is not None and not cached:
            self._usage = self._usage + outcome.usage
        desc = bound.description
        return MetricScore(
            name=desc.name,
            score=outcome.score,
            threshold=bound.threshold,
            passed=bound.passed(outcome.score),
            higher_is_better=desc.higher_is_better,
            explanation=outcome.explanation,
            source=bound.description.source,
            latency=latency,
            usage=outcome.usage,
            cached=cached,
            metadata=dict(outcome.metadata),
        )

    def _errored(self, bound: BoundMetric, error: ErrorInfo, latency: float | None, **extra: Any) -> MetricScore:
        desc = bound.description
        return MetricScore(
            name=desc.name,
            status="error",
            threshold=bound.threshold,
            higher_is_better=desc.higher_is_better,
            error=error,
            source=bound.description.source,
            latency=latency,
            **extra,
        )

    def _missing(self, bound: BoundMetric, item: DatasetItem, missing: list[str]) -> MetricScore:
        desc = bound.description
        if not self.config.error_config.skip_on_missing_params:
            error = ErrorInfo.from_exception(MissingFieldsError(desc.name, missing, item.id), "metric")
            return self._errored(bound, error, None, missing_fields=missing)
        return MetricScore(
            name=desc.name,
            status="skipped",
            threshold=bound.threshold,
            higher_is_better=desc.higher_is_better,
            explanation=f"skipped: item '{item.id}' lacks {', '.join(missing)}",
            missing_fields=missing,
            source=bound.description.source,
        )

    def _trace_metadata(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "metrics": [m.name for m in self.metrics]}

    def _build_result(self, started_at: datetime, duration: float) -> EvaluationResult:
        config = self.config
        return build_result(
            run_id=self.run_id,
            evaluation_name=config.evaluation_name,
            timestamp=started_at.isoformat(),
            results=[self._results[i] for i in sorted(self._results)],
            names=[m.name for m in self.metrics] + [a.name for a in self.aggregators],
            items=self.dataset.total or self._rows_seen,
            metadata=config.evaluation_metadata,
            description=config.evaluation_description,
            dataset_name=config.dataset_name or self.dataset.name,
            duplicate_ids=self.dataset.duplicate_ids,
            total_seconds=duration,
            config={
                "max_concurrent": config.max_concurrent,
                "timeout": config.timeout,
                "task": self._task_identity,
                "metrics": [m.description.identity for m in self.metrics],
                "thresholds": {m.name: m.threshold for m in self.metrics},
                "trace_granularity": config.trace_granularity,
                "trials": config.trials,
                "reducers": {name: reducer.name for name, reducer in self.reducers.items()},
                "fail_fast": config.error_config.fail_fast,
                "skip_on_missing_params": config.error_config.skip_on_missing_params,
            },
            usage=self._usage,
            cache=self.cache.stats(),
            backend=dict(self._compute.stats),
        )


@functools.lru_cache(maxsize=4096)
def _of_trial(identity_digest: str, trial: int) -> str:
    """The digest a trial's cache keys are made from: trial 0's is the plain one, so a run with
    trials reuses what a plain run cached, and a later trial never hits an earlier one's entry."""
    return identity_digest if trial == 0 else digest([identity_digest, "trial", trial])
