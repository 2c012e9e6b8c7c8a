"""Usage collection: every LLM call adds its tokens and cost to the open scopes.

The engine (or an executor, or a metric) opens one scope per metric execution with
``collect_usage()``; calls made anywhere inside it, including deep inside Ragas or
DeepEval through axionlike's model adapters and in child tasks or threads that copy
the context, are summed into it. Scopes nest: a call counts in every enclosing scope.
"""

from __future__ import annotations

import threading
from contextvars import ContextVar

from axionlike.results import Usage

_ADD_LOCK = threading.Lock()  # adds happen once per LLM call: one lock for all scopes is enough


class UsageScope:
    """Sum of the LLM calls made while the scope was open (thread-safe).

    Empty scopes cost almost nothing: the engine opens one per metric execution, and
    most metrics make no LLM call.
    """

    __slots__ = ("_usage", "parent")

    def __init__(self, parent: UsageScope | None = None) -> None:
        self.parent = parent
        self._usage: Usage | None = None

    @property
    def calls(self) -> int:
        """Number of LLM calls recorded so far."""
        usage = self._usage
        return usage.calls if usage is not None else 0

    @property
    def usage(self) -> Usage:
        """Tokens, cost and number of calls recorded so far."""
        usage = self._usage
        return usage if usage is not None else Usage()

    def add(self, usage: Usage) -> None:
        """Count ``usage`` here and in every enclosing scope."""
        with _ADD_LOCK:
            scope: UsageScope | None = self
            while scope is not None:
                scope._usage = usage if scope._usage is None else scope._usage + usage
                scope = scope.parent


_current: ContextVar[UsageScope | None] = ContextVar("axionlike_usage_scope", default=None)


class collect_usage:
    """Open a usage scope for the calls made inside the ``with`` block.

    Example:
        ```python
        with collect_usage() as scope:
            await metric.execute(item)
        print(scope.usage.cost, scope.usage.calls)
        ```
    """

    __slots__ = ("_token",)

    def __enter__(self) -> UsageScope:
        scope = UsageScope(_current.get())
        self._token = _current.set(scope)
        return scope

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)


def record_usage(usage: Usage) -> None:
    """Add one call's usage to the open scopes (no-op outside any scope)."""
    scope = _current.get()
    if scope is not None:
        scope.add(usage)


def current_usage_scope() -> UsageScope | None:
    """The innermost open scope, if any."""
    return _current.get()
