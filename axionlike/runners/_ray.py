"""Ray as the way a run scales out: the driver decides, Ray workers compute.

The driver is the ordinary engine: it iterates the dataset, looks the cache up (only
misses travel), keeps twins in flight from paying twice, opens the spans, assembles the
results in input order and drives the progress bar. Each task call or metric execution it
would make itself goes instead to a worker: a Ray actor with its own event loop that
built the run's task and metrics once and runs a ``LocalCompute`` of its own, so answers
and errors are the same as in a local run. Calls travel in batches; a bounded number of
batches per worker is in flight. A worker that dies has its batch run again on a fresh
one; the run's metadata says what was retried.

Ray is imported only when a ``RayBackend`` is used (``pip install 'axionlike[ray]'``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import pickle
import re
import threading
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, SecretStr

from axionlike._exceptions import MissingDependencyError
from axionlike._invoke import run_threads
from axionlike.dataset import DatasetItem
from axionlike.llm import collect_usage, record_usage, use_prompt_caching
from axionlike.metrics import MetricResult
from axionlike.results import Usage
from axionlike.runners._binding import BoundMetric, bind_metrics
from axionlike.runners._compute import LocalCompute
from axionlike.runners._task_phase import TaskCaller
from axionlike.tracing import SpanContext, configure_tracing, continue_trace, current_span, get_tracer

if TYPE_CHECKING:
    from axionlike.runners._config import EvaluationConfig

_SHIPPED_ENV = re.compile(
    r"^(OPENAI|AZURE|ANTHROPIC|GEMINI|GOOGLE|VERTEX|AWS|MISTRAL|GROQ|COHERE|DEEPSEEK|TOGETHER|OPENROUTER|XAI|"
    r"FIREWORKS|PERPLEXITY|HOSTED_VLLM|LITELLM|LANGFUSE|OPIK|TRACING_MODE|DEEPEVAL|RAGAS)"
    r"|(API_KEY|SECRET|TOKEN|PASSWORD)"
)
"""Environment variables a worker needs to reach models and tracing backends as the driver does."""


class RayBackend(BaseModel):
    """Run an evaluation's task calls and metric executions on Ray workers.

    Pass it as ``backend=`` to ``evaluation_runner`` / ``EvaluationConfig``, ``GradingRunner``
    or ``RewardFunction``; everything else about the run stays as it is locally.

    Example:
        ```python
        results = evaluation_runner(dataset, metrics, "big-run", backend=RayBackend(workers=8))
        ```
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    address: str | None = None
    """The cluster: ``None`` starts a local Ray (loopback only, ``workers`` CPUs) on first use;
    ``'auto'`` joins the cluster this process runs in; ``'host:port'`` or ``'ray://host:port'`` one elsewhere."""
    workers: int = Field(default=2, ge=1)
    """Worker actors, one CPU each."""
    batch_size: int = Field(default=64, ge=1)
    """Task calls and metric executions sent to a worker in one request. The driver keeps up to
    two batches per worker in flight, so ``2 * workers * batch_size`` calls at most."""
    max_concurrent: int | None = Field(default=None, ge=1)
    """Calls a worker runs at once; by default the run's ``max_concurrent`` shared among the
    workers, so the cluster puts no more load on a model API than a local run would."""
    max_retries: int = Field(default=3, ge=0)
    """How often a batch whose worker died is run again on a fresh worker."""
    node_ip_address: str = "127.0.0.2"
    """Address of the local Ray this backend starts (a loopback one: nothing is exposed)."""

    _pool: _Pool | None = PrivateAttr(default=None)
    """The workers of the last run, reused by the next run with the same task, metrics and settings."""

    def compute(self, config: EvaluationConfig, metrics: list[BoundMetric]) -> RayCompute:
        """The engine's Compute for one run on this backend (Ray is joined at the first cache miss)."""
        _ray()  # a missing extra fails the run at its start, not each of its items
        return RayCompute(self, config)


# -- driver side ----------------------------------------------------------------------------


@dataclass
class _Call:
    """One task call or metric execution, as it travels to a worker."""

    kind: Literal["task", "metric"]
    item: DatasetItem
    position: int = 0
    parent: SpanContext | None = None


@dataclass
class _Outcome:
    """What a worker sends back for one call: the value or the error, and the LLM usage it cost."""

    value: Any = None
    error: BaseException | None = None
    usage: Usage | None = None


# -- wire format: a batch's calls and outcomes as plain tuples ----------------------------------
# Pickling a pydantic model or a dataclass runs Python hooks per object (cloudpickle's reducer
# and the generic reduce protocol), several times slower than pickling its state; with
# thousands of calls a second that was most of a batch's cost. So a batch travels as tuples,
# its models as (class, state) pairs.

_Wire = tuple[Any, ...]


def _calls_to_wire(calls: list[_Call]) -> list[_Wire]:
    return [(c.kind, c.position, c.parent, *_model_to_wire(c.item)) for c in calls]


def _calls_from_wire(wire: list[_Wire]) -> list[_Call]:
    return [_Call(kind, _model_from_wire(cls, state), position, parent) for kind, position, parent, cls, state in wire]


def _outcomes_to_wire(outcomes: list[_Outcome]) -> list[_Wire]:
    return [(*_model_to_wire(o.value), o.error, *_model_to_wire(o.usage)) for o in outcomes]


def _outcomes_from_wire(wire: list[_Wire]) -> list[_Outcome]:
    return [
        _Outcome(_model_from_wire(value_cls, value), error, _model_from_wire(usage_cls, usage))
        for value_cls, value, error, usage_cls, usage in wire
    ]


def _model_to_wire(value: Any) -> tuple[type[BaseModel] | None, Any]:
    return (type(value), value.__getstate__()) if isinstance(value, BaseModel) else (None, value)


def _model_from_wire(cls: type[BaseModel] | None, state: Any) -> Any:
    if cls is None:
        return state
    model = cls.__new__(cls)
    model.__setstate__(state)
    return model


@dataclass(eq=False)
class _Pending:
    call: _Call
    future: asyncio.Future[_Outcome]
    attempts: int = 0


@dataclass
class _Setup:
    """What every worker is built from (shipped once, as an object reference)."""

    task: Any
    metrics: list[Any]
    timeout: float | None
    max_concurrent: int
    prompt_caching: bool
    tracing: str | None
    environment: dict[str, SecretStr] = field(repr=False)


class RayCompute:
    """The driver's side: batches calls to the workers, resolves each call's future."""

    def __init__(self, backend: RayBackend, config: EvaluationConfig) -> None:
        self.backend = backend
        self.config = config
        self._queue: deque[_Pending] = deque()
        self._workers: list[Any] = []
        self._busy: dict[int, int] = {}
        self._pool: _Pool | None = None
        self._started: asyncio.Task[None] | None = None
        self._batches: set[asyncio.Task[None]] = set()
        self._dispatch_scheduled = False
        self._broken: Exception | None = None
        self.capacity = 2 * backend.workers * backend.batch_size
        self.stats: dict[str, Any] = {
            "name": "ray",
            "workers": backend.workers,
            "calls": 0,
            "batches": 0,
            "retried_batches": 0,
            "retried_calls": 0,
        }

    async def task(self, item: DatasetItem) -> dict[str, Any]:
        output: dict[str, Any] = await self._submit(_Call("task", item))
        return output

    async def metric(self, position: int, item: DatasetItem) -> MetricResult:
        result: MetricResult = await self._submit(_Call("metric", item, position))
        return result

    async def aclose(self) -> None:
        """Keep the workers for the backend's next run with the same setup; an interrupted run stops them."""
        interrupted = bool(self._batches) or any(not p.future.done() for p in self._queue)
        for batch in list(self._batches):
            batch.cancel()
        if interrupted and self._pool is not None:
            self._pool.stop()
            self.backend._pool = None

    # -- dispatch ------------------------------------------------------------------------

    async def _submit(self, call: _Call) -> Any:
        span = current_span.get()
        call.parent = span.context() if span is not None else None
        future: asyncio.Future[_Outcome] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(call, future))
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        elif self._broken is not None:
            self._fail_queued(self._broken)
        elif self._started.done() and not self._dispatch_scheduled:
            # one dispatch per loop tick: the calls submitted in this tick travel together
            self._dispatch_scheduled = True
            asyncio.get_running_loop().call_soon(self._dispatch)
        outcome = await future
        if outcome.usage is not None:
            record_usage(outcome.usage)  # into the engine's usage scope of this call
        if outcome.error is not None:
            raise outcome.error
        return outcome.value

    async def _start(self) -> None:
        """Join (or start) Ray and dispatch; a Ray that cannot be reached fails every queued call."""
        try:
            self._start_workers()
        except Exception as exc:
            self._broken = exc
            self._fail_queued(exc)
        else:
            self._dispatch()

    def _fail_queued(self, exc: BaseException) -> None:
        while self._queue:
            pending = self._queue.popleft()
            if not pending.future.done():
                pending.future.set_result(_Outcome(error=exc))

    def _start_workers(self) -> None:
        """Reuse the backend's workers if they were built from the same objects, else ship the
        setup once and start new ones."""
        ray = _connect(self.backend)  # in the calling thread: Ray sets up its signal handling there
        per_worker = self.backend.max_concurrent or max(1, self.config.max_concurrent // self.backend.workers)
        tracer = get_tracer()
        tracing = getattr(tracer, "name", "").lower() or None if tracer.enabled else None
        key = _PoolKey(
            objects=(self.config.task, *self.config.scoring_metrics),
            settings=(self.config.timeout, per_worker, self.config.enable_prompt_caching, tracing),
        )
        pool = self.backend._pool
        if pool is not None and not pool.key.same(key):
            pool.stop()
            pool = None
        if pool is None:
            pool = self.backend._pool = _Pool(key, setup=None, workers=[])
            weakref.finalize(self.backend, pool.stop)  # a backend dropped by its owner frees its workers' CPUs
        setup = _Setup(
            task=self.config.task,
            metrics=list(self.config.scoring_metrics),
            timeout=self.config.timeout,
            max_concurrent=per_worker,
            prompt_caching=self.config.enable_prompt_caching,
            tracing=tracing,
            environment={k: SecretStr(v) for k, v in os.environ.items() if _SHIPPED_ENV.search(k)},
        )
        self._pool = pool
        self._per_worker = per_worker
        if not pool.workers:
            pool.setup = ray.put(setup)
            pool.workers = [self._new_worker() for _ in range(self.backend.workers)]
        self._workers = pool.workers
        self._busy = {id(w): 0 for w in self._workers}

    def _new_worker(self) -> Any:
        # SPREAD: workers go to different nodes when there are several (a lost node takes fewer with it).
        options = {"num_cpus": 1, "max_concurrency": self._per_worker + 2, "scheduling_strategy": "SPREAD"}
        assert self._pool is not None
        return _actor_class().options(**options).remote(self._pool.setup)

    def _dispatch(self) -> None:
        """Send queued calls to the least busy workers, at most two batches in flight per worker.

        The queue is shared out evenly over the free batch slots (up to ``batch_size`` calls
        a batch), so a burst of calls keeps every worker equally busy, not just the first.
        """
        self._dispatch_scheduled = False
        while self._queue and self._workers:
            worker = min(self._workers, key=lambda w: self._busy.get(id(w), 0))
            if self._busy.get(id(worker), 0) >= 2:
                return
            free_slots = sum(2 - min(self._busy.get(id(w), 0), 2) for w in self._workers)
            size = min(self.backend.batch_size, -(-len(self._queue) // free_slots))
            batch = [self._queue.popleft() for _ in range(size)]
            self._busy[id(worker)] = self._busy.get(id(worker), 0) + 1
            self.stats["batches"] += 1
            self.stats["calls"] += len(batch)
            runner = asyncio.ensure_future(self._run_batch(worker, batch))
            self._batches.add(runner)
            runner.add_done_callback(self._batches.discard)

    async def _run_batch(self, worker: Any, batch: list[_Pending]) -> None:
        ray = _ray()
        try:
            outcomes = _outcomes_from_wire(await worker.run.remote(_calls_to_wire([p.call for p in batch])))
        except ray.exceptions.RayActorError as exc:
            self._replace(worker)
            self.stats["retried_batches"] += 1
            for pending in reversed(batch):
                pending.attempts += 1
                if pending.attempts > self.backend.max_retries:
                    pending.future.set_result(_Outcome(error=exc))
                else:
                    self.stats["retried_calls"] += 1
                    self._queue.appendleft(pending)
        except Exception as exc:  # the batch could not be sent or read: its calls fail, the run goes on
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_result(_Outcome(error=exc))
        else:
            for pending, outcome in zip(batch, outcomes, strict=True):
                if not pending.future.done():
                    pending.future.set_result(outcome)
        finally:
            if id(worker) in self._busy:
                self._busy[id(worker)] -= 1
            self._dispatch()

    def _replace(self, dead: Any) -> None:
        if dead in self._workers:
            self._workers.remove(dead)
            self._busy.pop(id(dead), None)
            fresh = self._new_worker()
            self._workers.append(fresh)
            self._busy[id(fresh)] = 0


@dataclass(frozen=True)
class _PoolKey:
    """What a pool of workers was built from: the very objects (held, so their ids stay theirs) and settings."""

    objects: tuple[Any, ...]
    settings: tuple[Any, ...]

    def same(self, other: _PoolKey) -> bool:
        return (
            len(self.objects) == len(other.objects)
            and all(a is b for a, b in zip(self.objects, other.objects, strict=True))
            and self.settings == other.settings
        )


@dataclass
class _Pool:
    """A backend's workers, kept between runs with the same setup (an RL trainer's steps)."""

    key: _PoolKey
    setup: Any
    workers: list[Any]

    def stop(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                _ray().kill(worker)
        self.workers = []


# -- the Ray runtime ------------------------------------------------------------------------

_ray_lock = threading.Lock()
_started_here = False


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise MissingDependencyError("ray", "ray", "RayBackend") from exc
    return ray


def _connect(backend: RayBackend) -> Any:
    """Ray, initialised: the given cluster, or a local one on a loopback address (started once)."""
    global _started_here
    ray = _ray()
    with _ray_lock:
        if not ray.is_initialized():
            options: dict[str, Any] = {"log_to_driver": False, "include_dashboard": False}
            if backend.address is None:
                os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage reports from a Ray we start
                options.update(num_cpus=backend.workers, _node_ip_address=backend.node_ip_address)
                _started_here = True
            else:
                options["address"] = backend.address
            ray.init(**options)
    return ray


@functools.cache
def _actor_class() -> Any:
    return _ray().remote(_Worker)


@atexit.register
def _stop_the_ray_started_here() -> None:
    if _started_here:
        with contextlib.suppress(Exception):
            _ray().shutdown()


# -- worker side ----------------------------------------------------------------------------


class _Worker:
    """A Ray actor: builds the run's task and metrics once, then computes batches of calls."""

    def __init__(self, setup: _Setup) -> None:
        for name, value in setup.environment.items():
            os.environ.setdefault(name, value.get_secret_value())
        if setup.tracing is not None:
            configure_tracing(setup.tracing)
        task = TaskCaller(setup.task, None) if setup.task is not None else None
        self._compute = LocalCompute(task, bind_metrics(setup.metrics, None), setup.timeout)
        self._max_concurrent = setup.max_concurrent
        self._prompt_caching = setup.prompt_caching
        self._slots: asyncio.Semaphore | None = None
        self._flushing: asyncio.Lock | None = None

    async def run(self, wire: list[_Wire]) -> list[_Wire]:
        calls = _calls_from_wire(wire)
        if self._slots is None or self._flushing is None:
            self._slots, self._flushing = asyncio.Semaphore(self._max_concurrent), asyncio.Lock()
        with run_threads(self._max_concurrent), use_prompt_caching(self._prompt_caching):
            outcomes = await asyncio.gather(*(self._one(call) for call in calls))
        if get_tracer().enabled:
            async with self._flushing:  # one flush at a time, so each batch's spans are sent before it returns
                await asyncio.to_thread(get_tracer().flush)
        return _outcomes_to_wire(outcomes)

    async def _one(self, call: _Call) -> _Outcome:
        assert self._slots is not None
        # Yield once first: an earlier batch whose last call just ended then returns before
        # this batch's CPU-bound calls run, so its results (and the driver's next batch) do
        # not wait for them.
        await asyncio.sleep(0)
        async with self._slots:
            with continue_trace(call.parent), collect_usage() as scope:
                try:
                    if call.kind == "task":
                        value: Any = await self._compute.task(call.item)
                    else:
                        value = await self._compute.metric(call.position, call.item)
                except Exception as exc:
                    return _Outcome(error=_portable(exc), usage=scope.usage if scope.calls else None)
            return _Outcome(value=value, usage=scope.usage if scope.calls else None)


def _portable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling, else an exception of the same name and message."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        stand_in: type[Exception] = type(type(exc).__name__, (Exception,), {})
        return stand_in(str(exc))
    return exc
