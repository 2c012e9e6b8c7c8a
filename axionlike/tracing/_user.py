"""Spans from user code: ``with span(...)`` and ``@trace``, nested under the current span.

A task's internals (retrieval, a tool call, a sub-model) show up in the same trace as
the task span that runs them: the parent is whatever span is current in this context,
so concurrent items keep their own trees.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar, overload

from axionlike.tracing._tracer import Span, get_tracer

F = TypeVar("F", bound=Callable[..., Any])


def span(
    name: str, *, kind: str = "span", input: Any = None, metadata: dict[str, Any] | None = None
) -> AbstractContextManager[Span]:
    """Open a span under the current one with the installed tracer.

    Example:
        ```python
        with span("retrieve", input={"query": q}) as s:
            docs = search(q)
            s.set_output({"n_docs": len(docs)})
        ```
    """
    return get_tracer().span(name, kind=kind, input=input, metadata=metadata)


def _call_input(signature: inspect.Signature | None, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if signature is None:
        return {"args": list(args), "kwargs": kwargs}
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError:
        return {"args": list(args), "kwargs": kwargs}
    return {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}


@overload
def trace(func: F, /) -> F: ...
@overload
def trace(
    *, name: str | None = None, kind: str = "span", capture_input: bool = True, capture_output: bool = True
) -> Callable[[F], F]: ...
def trace(
    func: F | None = None,
    /,
    *,
    name: str | None = None,
    kind: str = "span",
    capture_input: bool = True,
    capture_output: bool = True,
) -> F | Callable[[F], F]:
    """Decorate a sync or async function so each call is a span under the current one.

    The span is named after the function (``name`` overrides); its input is the call's
    arguments and its output the return value, unless ``capture_input`` /
    ``capture_output`` is off. An exception marks the span as failed and propagates.

    Example:
        ```python
        @trace
        async def retrieve(query: str) -> list[str]: ...

        @trace(name="rerank", capture_output=False)
        def rerank(docs): ...
        ```
    """

    def decorate(fn: F) -> F:
        span_name = name or fn.__qualname__
        try:
            signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):
            signature = None

        def opened(args: tuple[Any, ...], kwargs: dict[str, Any]) -> AbstractContextManager[Span]:
            tracer = get_tracer()
            call_input = _call_input(signature, args, kwargs) if capture_input and tracer.enabled else None
            return tracer.span(span_name, kind=kind, input=call_input)

        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with opened(args, kwargs) as s:
                    result = await fn(*args, **kwargs)
                    if capture_output:
                        s.set_output(result)
                    return result

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with opened(args, kwargs) as s:
                result = fn(*args, **kwargs)
                if capture_output:
                    s.set_output(result)
                return result

        return wrapper  # type: ignore[return-value]

    return decorate(func) if func is not None else decorate


observe = trace
