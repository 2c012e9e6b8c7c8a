"""Per-model flow control: adaptive (AIMD) limit on calls in flight, optional RPM pacing.

When a provider answers 429 the limit drops to half of what was in flight; each
success raises it again by about one call per window. Limiters are process-wide per
(model, api_base) and work across event loops (a run on a worker-thread loop and one
on the main loop share the provider's limit), so waiting is done with per-loop futures
under a thread lock.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections import deque
from dataclasses import dataclass


class AdaptiveLimiter:
    """Additive-increase, multiplicative-decrease bound on one model's calls in flight.

    Args:
        max_in_flight: ceiling of the limit (``None``: unbounded until the first 429).
        min_in_flight: floor the limit never goes below.
        decrease: factor applied to the calls in flight on a 429.
    """

    def __init__(self, max_in_flight: int | None = None, min_in_flight: int = 1, decrease: float = 0.5) -> None:
        self.max_in_flight = max_in_flight
        self.min_in_flight = min_in_flight
        self.decrease = decrease
        self.limit: float = float(max_in_flight) if max_in_flight else math.inf
        self.in_flight = 0
        self.generation = 0
        """Bumped on every decrease; a 429 from a call admitted earlier does not decrease again."""
        self.decreases = 0
        self._lock = threading.Lock()
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = deque()

    async def acquire(self) -> int:
        """Wait for a slot; returns the generation the call was admitted in."""
        loop = asyncio.get_running_loop()
        with self._lock:
            if self.in_flight < self.limit and not self._waiters:
                self.in_flight += 1
                return self.generation
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, future))
        try:
            await future
        except asyncio.CancelledError:
            with self._lock:
                if (loop, future) in self._waiters:
                    self._waiters.remove((loop, future))
                    raise
            self.release()  # the slot was handed over just as we were cancelled
            raise
        return self.generation

    def release(self) -> None:
        """Give a slot back and hand free slots to waiters."""
        with self._lock:
            self.in_flight -= 1
            self._wake()

    def on_success(self) -> None:
        """Additive increase: about +1 per ``limit`` successful calls."""
        with self._lock:
            if math.isfinite(self.limit):
                ceiling = self.max_in_flight or math.inf
                self.limit = min(ceiling, self.limit + 1.0 / max(self.limit, 1.0))
                self._wake()

    def on_rate_limited(self, generation: int) -> None:
        """Multiplicative decrease, once per window of calls admitted before the last one."""
        with self._lock:
            if generation != self.generation:
                return
            base = min(self.limit, float(self.in_flight))
            self.limit = max(float(self.min_in_flight), math.floor(base * self.decrease))
            self.generation += 1
            self.decreases += 1

    def _wake(self) -> None:
        while self._waiters and self.in_flight < self.limit:
            loop, future = self._waiters.popleft()
            if future.done():
                continue
            self.in_flight += 1
            loop.call_soon_threadsafe(_resolve, future)


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class RequestPacer:
    """Spaces one model's requests at least ``60 / requests_per_minute`` seconds apart."""

    def __init__(self, requests_per_minute: float) -> None:
        self.interval = 60.0 / requests_per_minute
        self._next = 0.0
        self._lock = threading.Lock()

    async def wait(self) -> None:
        """Sleep until this request's turn."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


@dataclass
class ModelLimits:
    """Flow control of one model: its adaptive limiter and optional pacer."""

    limiter: AdaptiveLimiter
    pacer: RequestPacer | None = None


_limits: dict[tuple[str, str | None], ModelLimits] = {}
_registry_lock = threading.Lock()


def model_limits(model_name: str, api_base: str | None = None) -> ModelLimits:
    """The process-wide flow control of ``model_name`` at ``api_base`` (created on first use)."""
    key = (model_name, api_base)
    with _registry_lock:
        limits = _limits.get(key)
        if limits is None:
            limits = _limits[key] = ModelLimits(AdaptiveLimiter())
        return limits


def set_model_limits(
    model_name: str,
    *,
    api_base: str | None = None,
    max_in_flight: int | None = None,
    min_in_flight: int = 1,
    requests_per_minute: float | None = None,
) -> ModelLimits:
    """Configure (or reset) the flow control of a model; returns it.

    Example:
        ```python
        set_model_limits("anthropic/claude-3-5-sonnet-latest", max_in_flight=8, requests_per_minute=50)
        ```
    """
    limits = ModelLimits(
        AdaptiveLimiter(max_in_flight, min_in_flight),
        RequestPacer(requests_per_minute) if requests_per_minute else None,
    )
    with _registry_lock:
        _limits[(model_name, api_base)] = limits
    return limits


def reset_model_limits() -> None:
    """Forget every model's flow control (tests use this between cases)."""
    with _registry_lock:
        _limits.clear()
