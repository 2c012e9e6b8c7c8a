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
from collections.abc import Callable, Sequence
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


@dataclass(eq=False, slots=True)
class _InFlight:
    """An admitted item (one trial of it, with trials) whose metrics are still running."""

    index: int
    item: DatasetItem
    task_output: dict[str, Any] | None
    task_cached: bool
    scores: list[MetricScore | None]
    trial: int = 0
    trials: _Trials | None = None
    """The item's trials, when the run has more than one."""
    error: ErrorInfo | None = None
    """The trial's task error (its metrics did not run)."""
    remaining: int = field(init=False)

    def __post_init__(self) -> None:
        self.remaining = len(self.scores)

    @property
    def final_scores(self) -> list[MetricScore]:
        """The scores, once every metric has run (``remaining`` is 0)."""
        return self.scores  # type: ignore[return-value]


@dataclass(eq=False, slots=True)
class _Trials:
    """An item's trials in a run with ``trials > 1``, gathered as they finish."""

    done: list[_InFlight | None]
    pending: int

    @classmethod
    def of(cls, count: int) -> _Trials:
        return cls([None] * count, count)

    def add(self, state: _InFlight) -> list[_InFlight] | None:
        """Record a finished trial; every trial of the item, in order, once it was the last."""
        self.done[state.trial] = state
        self.pending -= 1
        if self.pending:
            return None
        done, self.done = self.done, []  # no cycle left between the trials and their states
        return done  # type: ignore[return-value]  # every trial has its slot filled once none is pending


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
        self._later_trials: deque[tuple[int, DatasetItem, _Trials, tuple[int]]] = deque()
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
                trials = _Trials.of(self.config.trials) if self.config.trials > 1 else None
                numbers: Sequence[int] = (0,)
                if trials is not None and self._task is None:  # every trial scores the same item
                    numbers = range(self.config.trials)
                elif trials is not None:  # each trial runs the task: admitted one at a time
                    self._later_trials.extend((index, item, trials, (t,)) for t in range(1, self.config.trials))
                    self._work_available.set()
                self._in_flight += len(numbers)
                await self._admit(index, item, trials, numbers)
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

    async def _admit(self, index: int, item: DatasetItem, trials: _Trials | None, numbers: Sequence[int]) -> None:
        """Run the item's task (if any) for trial ``numbers[0]`` and queue the metric jobs of each
        trial in ``numbers``: one trial with a task, all of them without (they score the same item)."""
        task_output: dict[str, Any] | None = None
        task_cached = False
        try:
            if self._task is not None:
                task_output, task_cached = await self._run_task(item, numbers[0])
                item = self._task.merge(item, task_output)
            elif self.config.scoring_key_mapping:
                mapped = apply_mapping(item.fields(), self.config.scoring_key_mapping, item.id, "item")
                item = merge_output(item, mapped)
        except Exception as exc:
            error = ErrorInfo.from_exception(exc, "task")
            if trials is None:
                self._finish_item(TestResult(index=index, item=item, task_output=task_output, error=error))
                return
            for number in numbers:
                self._finish_trial(_InFlight(index, item, task_output, False, [], number, trials, error))
            return
        for number in numbers:
            state = _InFlight(index, item, task_output, task_cached, [None] * len(self.metrics), number, trials)
            self._jobs.extend((state, position) for position in range(len(self.metrics)))
        self._work_available.set()

    def _complete(self, state: _InFlight) -> None:
        if state.trials is not None:
            self._finish_trial(state)
            return
        result = TestResult(
            index=state.index,
            item=state.item,
            task_output=state.task_output,
            scores=state.final_scores,
            task_cached=state.task_cached,
        )
        self._finish_item(self._with_aggregates(result))

    def _with_aggregates(self, result: TestResult) -> TestResult:
        if self.aggregators and result.error is None:
            by_name = {s.name: s for s in result.scores}
            result.aggregates = [aggregator.aggregate(by_name) for aggregator in self.aggregators]
        return result

    def _finish_trial(self, state: _InFlight) -> None:
        """One trial of an item is done; the item is, once all its trials are, with their scores reduced."""
        assert state.trials is not None
        trials = state.trials.add(state)
        if trials is None:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._work_available.set()
            return
        self._finish_item(self._with_aggregates(self._reduced(trials)))

    def _reduced(self, trials: list[_InFlight]) -> TestResult:
        """The item's result from its trials (each with the item as its task left it): each metric's
        scored trials reduced to one score, and every trial's own outcome kept."""
        kept = [TrialResult(t.trial, t.task_output, t.error, t.final_scores, t.task_cached) for t in trials]
        ran = [t for t in trials if t.error is None]
        first = ran[0] if ran else trials[0]  # every trial's task failed: the item's error is the first's
        return TestResult(
            index=first.index,
            item=first.item,
            task_output=first.task_output,
            error=first.error,
            scores=[
                self._reduced_score(position, [(t.trial, t.final_scores[position]) for t in ran])
                for position in range(len(self.metrics))
            ]
            if ran
            else [],
            task_cached=all(t.task_cached for t in trials),
            trials=kept,
        )

    def _reduced_score(self, position: int, trial_scores: list[tuple[int, MetricScore]]) -> MetricScore:
        """One metric's score on an item from its trials' (number, score) pairs, by the metric's
        reducer (the first trial's error or skip when no trial scored)."""
        bound = self.metrics[position]
        reducer = self.reducers[bound.name]
        scored: list[tuple[int, MetricScore]] = []
        values: list[float] = []
        verdicts: list[bool] = []
        latency: float | None = None
        usage: Usage | None = None
        cached = True
        for number, s in trial_scores:
            if s.usage is not None:  # a failed trial's calls still cost
                usage = s.usage if usage is None else usage + s.usage
            if s.status == "scored" and s.score is not None:
                scored.append((number, s))
                values.append(s.score)
                verdicts.append(bool(s.passed))
                cached = cached and s.cached
                if s.latency is not None:
                    latency = s.latency if latency is None else latency + s.latency
        if not scored:  # no trial scored: the item keeps the first trial's error or skip
            return trial_scores[0][1]
        first_number, first = scored[0]
        value = reducer.reduce(values, verdicts)
        failed = self.config.trials - len(scored)  # its task or this metric failed (or skipped)
        explanation = f"{reducer.name} of {len(scored)} trials"
        if failed:
            explanation += f"; {failed} trial(s) failed"
        if first.explanation:
            explanation += f"; trial {first_number}: {first.explanation}"
        return MetricScore(
            name=first.name,
            score=value,
            threshold=first.threshold,
            passed=value >= 0.5 if reducer.on_verdicts else bound.passed(value),
            higher_is_better=first.higher_is_better,
            explanation=explanation,
            source=first.source,
            latency=latency,
            usage=usage,
            cached=cached,
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
