"""The one place litellm is imported: lazily, on the first LLM call, offline price map."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import threading
import time
import types
from typing import Any

_lock = threading.Lock()
_module: Any = None
import_seconds: float | None = None
"""How long the first import of litellm took (``None`` until it happens)."""


def load_litellm() -> Any:
    """Import litellm once; use the bundled price map unless the user set the variable.

    ``LITELLM_LOCAL_MODEL_COST_MAP=True`` stops litellm fetching its price list from
    the internet at import time. litellm's own console hints are silenced, and its
    default SDK retries are turned off (unless ``DEFAULT_MAX_RETRIES`` is set) so that
    every retry is axionlike's.
    """
    global _module, import_seconds
    if _module is not None:
        return _module
    with _lock:
        if _module is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            started = time.perf_counter()
            import litellm

            litellm.suppress_debug_info = True
            if "DEFAULT_MAX_RETRIES" not in os.environ:
                # litellm's OpenAI embedding path turns max_retries=0 into this default
                # (``max_retries or DEFAULT_MAX_RETRIES``); retries belong to axionlike's client.
                litellm.DEFAULT_MAX_RETRIES = 0
            atexit.register(_close_pending_logging_worker)
            import_seconds = time.perf_counter() - started
            _module = litellm
    return _module


def _close_pending_logging_worker() -> None:
    """Close litellm's logging-worker coroutines still waiting when the process exits.

    Every async litellm call queues its logging on a worker task of the running loop; when
    calls move to another loop, the worker of the old one is left waiting. On a loop that
    is never closed (DeepEval's synchronous ``measure()`` runs one) it is still waiting at
    exit, and CPython 3.11 can crash (SIGSEGV) when it garbage-collects such a coroutine
    while tearing modules down. Closed here, before the teardown, they end cleanly.
    """
    from litellm.litellm_core_utils.logging_worker import LoggingWorker

    worker_loop = LoggingWorker._worker_loop.__code__
    for obj in gc.get_objects():
        if isinstance(obj, types.CoroutineType) and obj.cr_code is worker_loop and obj.cr_frame is not None:
            with contextlib.suppress(Exception):
                obj.close()


def litellm_loaded() -> bool:
    """Whether litellm has been imported by axionlike already."""
    return _module is not None
