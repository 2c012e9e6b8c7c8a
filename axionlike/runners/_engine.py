"""The engine: admits items as slots free up and runs each item's pipeline.

One run = a pool of ``max_concurrent`` workers pulling items from one iterator, so
in-flight state stays bounded however large the dataset. Each item goes through its
own pipeline (task, then its metrics concurrently); one semaphore bounds the task and
metric calls in flight over the whole run. Failures become data on the item; only
fail-fast and misconfiguration raise.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from axionlike._exceptions import ConfigurationError, DatasetError, EvaluationAbortedError, MissingFieldsError
from axionlike.cache import RunCache
from axionlike.dataset import Dataset, DatasetItem
from axionlike.llm import collect_usage, use_prompt_caching
from axionlike.results import ErrorInfo, EvaluationResult, MetricScore, TestResult, Usage
from axionlike.results._summary import summarise
from axionlike.runners._config import EvaluationConfig
from axionlike.runners._executors import BoundMetric, bind_metrics
from axionlike.runners._progress import Progress
from axionlike.runners._task_phase import TaskRunner, apply_mapping, merge_output, task_identity, task_name
from axionlike.tracing import get_tracer

_RESERVED_METADATA = ("evaluation_description", "dataset_name", "counts", "durations", "config", "usage", "cache")


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


class Engine:
    """Runs one evaluation described by an EvaluationConfig.

    Construction validates the configuration and loads the dataset, so misuse raises
    before any work; nothing binds to an event loop until ``run``.
    """

    def __init__(self, config: EvaluationConfig) -> None:
        self.config = config
        self.dataset = Dataset.load(config.evaluation_inputs, name=config.dataset_name)
        if not self.dataset.items and not self.dataset.invalid_rows:
            raise DatasetError("evaluation_inputs is empty: there is nothing to evaluate")
        self.metrics: list[BoundMetric] = bind_metrics(config.scoring_metrics, config.thresholds)
        if config.task is not None and not callable(config.task):
            raise ConfigurationError(f"task must be callable; got {type(config.task).__name__}")
        clashes = sorted(set(config.evaluation_metadata or {}) & set(_RESERVED_METADATA))
        if clashes:
            raise ConfigurationError(
                f"evaluation_metadata uses reserved keys {clashes}; rename them "
                f"(reserved: {', '.join(_RESERVED_METADATA)})"
            )
        self.aggregators = list(config.aggregators or [])
        self.cache = RunCache.from_config(config.cache_config)
        self.tracer = get_tracer()
        self.run_id = config.run_id or uuid.uuid4().hex

    async def run(self) -> EvaluationResult:
        config = self.config
        started_at = datetime.now(UTC)
        clock = time.perf_counter()
        total = len(self.dataset.items) + len(self.dataset.invalid_rows)
        self._results: list[TestResult | None] = [None] * total
        for exc in self.dataset.invalid_rows:
            self._results[exc.row] = TestResult(index=exc.row, item=None, error=ErrorInfo.from_exception(exc, "input"))
        self._slots = asyncio.Semaphore(config.max_concurrent)
        self._abort: ErrorInfo | None = None
        self._usage = Usage()
        self._threads = ThreadPoolExecutor(config.max_concurrent, thread_name_prefix="axionlike-task")
        self._task = (
            TaskRunner(config.task, config.scoring_key_mapping, self._threads) if config.task is not None else None
        )
        self._task_identity = task_identity(config.task) if config.task is not None else None
        pending = zip(self.dataset.positions, self.dataset.items, strict=True)
        workers = min(config.max_concurrent, len(self.dataset.items)) or 1
        try:
            with (
                use_prompt_caching(config.enable_prompt_caching),
                Progress(total, config.evaluation_name, enabled=config.show_progress) as self._progress,
                self.tracer.span(config.evaluation_name, kind="evaluation", metadata=self._trace_metadata()),
            ):
                self._progress.update(len(self.dataset.invalid_rows))
                await asyncio.gather(*(self._worker(pending) for _ in range(workers)))
        finally:
            self._threads.shutdown(wait=False, cancel_futures=True)
            self.cache.close()
            self.tracer.flush()
        result = self._build_result(started_at, time.perf_counter() - clock)
        if self._abort is not None:
            raise EvaluationAbortedError(f"fail_fast stopped the run at: {self._abort}", partial_result=result)
        return result

    async def _worker(self, pending: Any) -> None:
        for index, item in pending:
            if self._abort is not None:
                return
            result = await self._evaluate(index, item)
            self._results[index] = result
            self._progress.update(1)
            if self.config.error_config.fail_fast and not result.succeeded:
                self._abort = result.error or next(s.error for s in result.scores if s.error)

    async def _evaluate(self, index: int, item: DatasetItem) -> TestResult:
        task_output: dict[str, Any] | None = None
        task_cached = False
        try:
            if self._task is not None:
                task_output, task_cached = await self._run_task(item)
                item = self._task.merge(item, task_output)
            elif self.config.scoring_key_mapping:
                mapped = apply_mapping(item.fields(), self.config.scoring_key_mapping, item.id, "item")
                item = merge_output(item, mapped)
        except Exception as exc:
            return TestResult(
                index=index, item=item, task_output=task_output, error=ErrorInfo.from_exception(exc, "task")
            )
        if len(self.metrics) == 1:
            scores = [await self._score(self.metrics[0], item)]
        else:
            scores = list(await asyncio.gather(*(self._score(m, item) for m in self.metrics)))
        result = TestResult(index=index, item=item, task_output=task_output, scores=scores, task_cached=task_cached)
        if self.aggregators:
            from axionlike.grading._aggregators import aggregate_item

            result.aggregates = aggregate_item(self.aggregators, scores)
        return result

    async def _run_task(self, item: DatasetItem) -> tuple[dict[str, Any], bool]:
        assert self._task is not None
        cached = self.cache.get_task(self._task_identity, item)
        if cached is not None:
            return cached, True
        with self.tracer.span(task_name(self.config.task), kind="task", input=item.query) as span:
            async with self._slots:
                output = await self._with_timeout(self._task.call(item), "task", item.id)
            span.set_output(output)
        self.cache.put_task(self._task_identity, item, output)
        return output, False

    async def _with_timeout(self, call: Any, what: str, item_id: str) -> Any:
        if self.config.timeout is None:
            return await call
        try:
            async with asyncio.timeout(self.config.timeout):
                return await call
        except TimeoutError:
            raise TimeoutError(f"{what} on item '{item_id}' took longer than {self.config.timeout}s") from None

    async def _score(self, bound: BoundMetric, item: DatasetItem) -> MetricScore:
        desc = bound.description
        score = MetricScore(
            name=desc.name,
            threshold=bound.threshold,
            higher_is_better=desc.higher_is_better,
            source=bound.executor.source,
        )
        missing = [f for f in desc.required_fields if _absent(item.get(f))]
        if missing:
            score.missing_fields = missing
            if self.config.error_config.skip_on_missing_params:
                score.status = "skipped"
                score.explanation = f"skipped: item '{item.id}' lacks {', '.join(missing)}"
            else:
                score.status = "error"
                score.error = ErrorInfo.from_exception(MissingFieldsError(desc.name, missing, item.id), "metric")
            return score
        cached = self.cache.get_score(bound, item)
        if cached is not None:
            self._finish(score, bound, cached)
            score.cached = True
            return score
        started = time.perf_counter()
        with (
            self.tracer.span(desc.span_name, kind="metric", new_trace=self._separate_traces) as span,
            collect_usage() as llm_usage,
        ):
            try:
                async with self._slots:
                    outcome = await self._with_timeout(
                        bound.executor.execute(bound.metric, item), f"metric '{desc.name}'", item.id
                    )
            except Exception as exc:
                score.status = "error"
                score.error = ErrorInfo.from_exception(exc, "metric")
                score.latency = time.perf_counter() - started
                if llm_usage.usage.calls:  # calls made before the failure still cost
                    score.usage = llm_usage.usage
                    self._usage = self._usage + score.usage
                return score
            score.latency = time.perf_counter() - started
            if outcome.usage is None and llm_usage.usage.calls:
                outcome = outcome.model_copy(update={"usage": llm_usage.usage})
            self._finish(score, bound, outcome)
            span.set_output({"score": score.score, "explanation": score.explanation})
            span.record_score(desc.name, score.score, score.explanation)
            if span.trace_id is not None and self._separate_traces:
                score.metadata["trace_id"] = span.trace_id
        self.cache.put_score(bound, item, outcome)
        return score

    @property
    def _separate_traces(self) -> bool:
        return self.config.trace_granularity == "separate"

    def _finish(self, score: MetricScore, bound: BoundMetric, outcome: Any) -> None:
        score.score = outcome.score
        score.explanation = outcome.explanation
        score.usage = outcome.usage
        score.metadata.update(outcome.metadata)
        score.passed = bound.passed(outcome.score)
        if outcome.usage is not None and not score.cached:
            self._usage = self._usage + outcome.usage

    def _trace_metadata(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "metrics": [m.name for m in self.metrics]}

    def _build_result(self, started_at: datetime, duration: float) -> EvaluationResult:
        config = self.config
        results = [r for r in self._results if r is not None]
        names = [m.name for m in self.metrics] + [a.name for a in self.aggregators]
        by_name: dict[str, list[MetricScore]] = {n: [] for n in names}
        for r in results:
            for s in (*r.scores, *r.aggregates):
                by_name[s.name].append(s)
        summary = {name: summarise(name, scores) for name, scores in by_name.items()}
        task_latencies = [r.item.latency for r in results if r.task_output is not None and r.item is not None]
        metadata: dict[str, Any] = {
            **(config.evaluation_metadata or {}),
            "evaluation_description": config.evaluation_description,
            "dataset_name": config.dataset_name or self.dataset.name,
            "counts": {
                "items": len(self._results),
                "evaluated": len(results),
                "invalid_rows": len(self.dataset.invalid_rows),
                "task_errors": sum(r.error is not None and r.error.phase == "task" for r in results),
                "metric_errors": sum(s.errors for s in summary.values()),
                "skipped": sum(s.skipped for s in summary.values()),
                "duplicate_ids": self.dataset.duplicate_ids,
            },
            "durations": {
                "total_seconds": duration,
                "mean_task_latency": (
                    math.fsum(x for x in task_latencies if x is not None) / len(task_latencies)
                    if task_latencies
                    else None
                ),
            },
            "config": {
                "max_concurrent": config.max_concurrent,
                "timeout": config.timeout,
                "task": self._task_identity,
                "metrics": [m.description.identity for m in self.metrics],
                "thresholds": {m.name: m.threshold for m in self.metrics},
                "trace_granularity": config.trace_granularity,
                "fail_fast": config.error_config.fail_fast,
                "skip_on_missing_params": config.error_config.skip_on_missing_params,
            },
            "usage": self._usage.model_dump(),
            "cache": self.cache.stats(),
        }
        return EvaluationResult(
            run_id=self.run_id,
            evaluation_name=config.evaluation_name,
            timestamp=started_at.isoformat(),
            results=results,
            summary=summary,
            metadata=metadata,
        )
