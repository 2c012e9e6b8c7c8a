"""Where the run's work happens: task calls and metric executions, in this process or on workers.

The engine decides what to compute (cache look-ups, twins in flight, spans, order,
fail-fast); a ``Compute`` only computes: one task call or one metric execution, each
under the run's per-call timeout. ``LocalCompute`` does it in this process;
``RayCompute`` (``axionlike.runners._ray``) sends it to Ray workers, which run a
``LocalCompute`` of their own, so both give the same answers and the same errors.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, Protocol, TypeVar

from axionlike.dataset import DatasetItem
from axionlike.metrics import MetricResult
from axionlike.runners._binding import BoundMetric
from axionlike.runners._task_phase import TaskCaller

T = TypeVar("T")


class Compute(Protocol):
    """Runs task calls and metric executions for the engine."""

    async def task(self, item: DatasetItem) -> dict[str, Any]:
        """The task's output for ``item`` (latency filled in)."""
        ...

    async def metric(self, position: int, item: DatasetItem) -> MetricResult:
        """The run's ``position``-th metric on ``item``."""
        ...

    async def aclose(self) -> None:
        """Release what the run held (workers, the task's clients)."""
        ...

    @property
    def capacity(self) -> int | None:
        """Calls the engine keeps in flight; ``None``: the run's ``max_concurrent``."""
        ...

    @property
    def stats(self) -> dict[str, Any]:
        """Where the work ran and what that took (the result's ``metadata["backend"]``)."""
        ...


async def with_timeout(call: Awaitable[T], timeout: float | None, what: str, item_id: str) -> T:
    """``await call``, recorded as a TimeoutError naming the step and the item after ``timeout`` seconds."""
    if timeout is None:
        return await call
    try:
        async with asyncio.timeout(timeout):
            return await call
    except TimeoutError:
        raise TimeoutError(f"{what} on item '{item_id}' took longer than {timeout}s") from None


class LocalCompute:
    """Computes in this process, on the running event loop (sync user code in the run's threads)."""

    def __init__(self, task: TaskCaller | None, metrics: list[BoundMetric], timeout: float | None) -> None:
        self._task = task
        self._metrics = metrics
        self._timeout = timeout
        self.capacity: int | None = None
        self.stats: dict[str, Any] = {"name": "local"}

    async def task(self, item: DatasetItem) -> dict[str, Any]:
        assert self._task is not None, "the run has no task"
        return await with_timeout(self._task.call(item), self._timeout, "task", item.id)

    async def metric(self, position: int, item: DatasetItem) -> MetricResult:
        bound = self._metrics[position]
        return await with_timeout(
            bound.executor.execute(bound.metric, item), self._timeout, f"metric '{bound.name}'", item.id
        )

    async def aclose(self) -> None:
        if self._task is not None:
            await self._task.aclose()
