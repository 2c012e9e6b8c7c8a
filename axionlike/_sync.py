"""The one bridge from synchronous faces to the async engine."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code and return its result.

    With no event loop running this is ``asyncio.run``. Inside a running loop (Jupyter,
    an async web handler) it runs the coroutine on a fresh loop in a worker thread and
    blocks until it ends, so no ``nest_asyncio`` is needed. Context variables (the
    current trace span among them) are carried into the worker thread.

    Ctrl-C cancels the coroutine (in the worker thread too), waits for it to clean up
    and raises a plain ``KeyboardInterrupt``, with no chained asyncio traceback.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        return _in_worker_thread(coro)
    try:
        return asyncio.run(coro)
    except KeyboardInterrupt as interrupt:  # asyncio.run raises it while handling the task's CancelledError
        interrupt.__suppress_context__ = True
        raise


class _Cancellable:
    """A coroutine run by ``asyncio.run`` in another thread, which the calling thread can cancel."""

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._coro = coro
        self._lock = threading.Lock()
        self._task: asyncio.Task[Any] | None = None
        self._cancelled = False

    async def main(self) -> Any:
        with self._lock:
            self._task = asyncio.current_task()
            if self._cancelled:
                self._coro.close()
                raise asyncio.CancelledError
        return await self._coro

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._task is not None:
                self._task.get_loop().call_soon_threadsafe(self._task.cancel)


def _in_worker_thread(coro: Coroutine[Any, Any, T]) -> T:
    run = _Cancellable(coro)
    context = contextvars.copy_context()
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="axionlike-sync")
    try:
        future = pool.submit(context.run, asyncio.run, run.main())
        try:
            return future.result()  # type: ignore[no-any-return]
        except KeyboardInterrupt:
            run.cancel()
            concurrent.futures.wait([future])  # the run's own clean-up; a second Ctrl-C stops waiting
            raise KeyboardInterrupt from None
    finally:
        pool.shutdown(wait=False)
