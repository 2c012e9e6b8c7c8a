"""Calling user code, sync or async: sync callables run in the run's threads.

Each run owns one pool as large as its ``max_concurrent``, so a sync task, metric
function or grader (a blocking HTTP call, say) gets the run's concurrency, not the event
loop's small default pool. Calls carry the caller's context variables, so trace spans
nest.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

_run_pool: contextvars.ContextVar[ThreadPoolExecutor | None] = contextvars.ContextVar(
    "axionlike_run_threads", default=None
)


@contextlib.contextmanager
def run_threads(max_workers: int) -> Iterator[ThreadPoolExecutor]:
    """A pool for the run's sync calls, used by ``in_thread`` in this context until exit."""
    pool = ThreadPoolExecutor(max_workers, thread_name_prefix="axionlike")
    token = _run_pool.set(pool)
    try:
        yield pool
    finally:
        _run_pool.reset(token)
        pool.shutdown(wait=False, cancel_futures=True)


async def in_thread(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in the run's pool (the loop's default pool outside a run)."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_run_pool.get(), call)


def is_async_callable(fn: Any) -> bool:
    """True for coroutine functions, partials of them, and objects with an async ``__call__``."""
    return inspect.iscoroutinefunction(fn) or (
        callable(fn) and not inspect.isroutine(fn) and inspect.iscoroutinefunction(type(fn).__call__)
    )


async def invoke(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``: awaited if async, else in the run's threads (an awaitable it returns is awaited)."""
    if is_async_callable(fn):
        return await fn(*args, **kwargs)
    value = await in_thread(fn, *args, **kwargs)
    return await value if inspect.isawaitable(value) else value
