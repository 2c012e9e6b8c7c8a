"""Names for plain scoring functions: a lambda has none of its own to report its scores under."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any


def named(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (an ``item -> score`` function, sync or async) as a metric called ``name``.

    Scores of a plain function are reported under its ``__name__``; a lambda's is
    ``<lambda>``, which the runner refuses. The name is also part of the function's
    cache identity, so two named lambdas in one scope never share cached scores.

    Example:
        ```python
        evaluation_runner(items, [named("short", lambda item: len(item.actual_output) < 80)], "lengths")
        ```
    """
    if not isinstance(name, str) or not name.strip() or name == "<lambda>":
        raise ValueError(f"a metric name must be a non-empty string, got {name!r}")
    if not callable(fn):
        raise TypeError(f"named() takes a function item -> score, got {type(fn).__name__}")
    wrapper: Callable[..., Any]
    if inspect.iscoroutinefunction(fn):

        async def wrapper(item: Any) -> Any:
            return await fn(item)

    else:

        def wrapper(item: Any) -> Any:
            return fn(item)

    functools.update_wrapper(wrapper, fn)
    wrapper.__name__ = name
    wrapper.__qualname__ = f"{getattr(fn, '__qualname__', type(fn).__qualname__)}[{name}]"
    return wrapper
