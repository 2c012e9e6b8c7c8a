"""The one bridge from synchronous faces to the async engine."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` to completion from synchronous code and return its result.

    With no event loop running this is ``asyncio.run``. Inside a running loop (Jupyter,
    an async web handler) it runs the coroutine on a fresh loop in a worker thread and
    blocks until it ends, so no ``nest_asyncio`` is needed. Context variables (the
    current trace span among them) are carried into the worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="axionlike-sync") as pool:
        return pool.submit(context.run, asyncio.run, coro).result()
