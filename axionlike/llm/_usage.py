"""Usage collection: every LLM call adds its tokens and cost to the open scopes.

The engine (or an executor, or a metric) opens one scope per metric execution with
``collect_usage()``; calls made anywhere inside it, including deep inside Ragas or
DeepEval through axionlike's model adapters and in child tasks or threads that copy
the context, are summed into it. Scopes nest: a call counts in every enclosing scope.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextvars import ContextVar

from axionlike.results import Usage


class UsageScope:
    """Sum of the LLM calls made while the scope was open (thread-safe)."""

    def __init__(self, parent: UsageScope | None = None) -> None:
        self.parent = parent
        self._usage = Usage()
        self._lock = threading.Lock()

    @property
    def usage(self) -> Usage:
        """Tokens, cost and number of calls recorded so far."""
        with self._lock:
            return self._usage.model_copy()

    def add(self, usage: Usage) -> None:
        """Count ``usage`` here and in every enclosing scope."""
        scope: UsageScope | None = self
        while scope is not None:
            with scope._lock:
                scope._usage = scope._usage + usage
            scope = scope.parent


_current: ContextVar[UsageScope | None] = ContextVar("axionlike_usage_scope", default=None)


@contextlib.contextmanager
def collect_usage() -> Iterator[UsageScope]:
    """Open a usage scope for the calls made inside the ``with`` block.

    Example:
        ```python
        with collect_usage() as scope:
            await metric.execute(item)
        print(scope.usage.cost, scope.usage.calls)
        ```
    """
    scope = UsageScope(_current.get())
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def record_usage(usage: Usage) -> None:
    """Add one call's usage to the open scopes (no-op outside any scope)."""
    scope = _current.get()
    if scope is not None:
        scope.add(usage)


def current_usage_scope() -> UsageScope | None:
    """The innermost open scope, if any."""
    return _current.get()
