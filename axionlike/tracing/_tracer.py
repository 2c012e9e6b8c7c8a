"""The tracing port: a Tracer opens spans; the current span lives in a context variable.

The default tracer is a noop whose ``span`` returns one shared, stateless context
manager, so an evaluation without tracing pays a few attribute look-ups per span.
Backends (Langfuse, Opik) subclass ``Tracer``; they never keep a span stack on the
instance: the parent of a new span is read from ``current_span``, which asyncio tasks
and copied thread contexts each see separately.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SpanContext:
    """Where a span sits in its trace, as ids that travel to another process."""

    trace_id: str
    span_id: str
    is_root: bool
    """Whether the span is its trace's root (some backends record a root's children apart)."""


class Span:
    """A span handle. The noop span ignores everything; backends subclass it."""

    trace_id: str | None = None
    span_id: str | None = None

    def set_attributes(self, **attributes: Any) -> None:
        """Attach attributes (model, tokens, cost, ...)."""

    def set_output(self, output: Any) -> None:
        """Attach the span's output."""

    def record_score(self, name: str, value: float | None, comment: str | None = None) -> None:
        """Attach a score to the span's trace (Langfuse score, Opik feedback)."""

    def context(self) -> SpanContext | None:
        """This span's ids, for continuing its trace in another process (None when not traced)."""
        return None


class _NoopSpanContext(AbstractContextManager[Span]):
    """The context manager the noop tracer hands out: enters to the noop span."""

    __slots__ = ()

    def __enter__(self) -> Span:
        return _NOOP_SPAN

    def __exit__(self, *exc: object) -> None:
        return None


_NOOP_SPAN = Span()
_NOOP_CONTEXT = _NoopSpanContext()
current_span: ContextVar[Span | None] = ContextVar("axionlike_current_span", default=None)


class Tracer:
    """Noop tracer: the default. Backends override ``span``, ``flush`` and ``shutdown``."""

    enabled = False

    def span(
        self,
        name: str,
        *,
        kind: str = "span",
        input: Any = None,
        metadata: dict[str, Any] | None = None,
        new_trace: bool = False,
    ) -> AbstractContextManager[Span]:
        """Open a span under the current one (or a new trace when ``new_trace``).

        Args:
            name: Span name (the root is the evaluation name; metrics ``<Class>.execute``).
            kind: ``evaluation``, ``task``, ``metric``, ``llm`` (a generation) or ``span``.
            input: What the step received; redacted and truncated by backends.
            metadata: Extra key/values; redacted by backends.
            new_trace: Start a new trace instead of nesting under the current span.
        """
        return _NOOP_CONTEXT

    def flush(self, timeout: float | None = None) -> None:
        """Send what is buffered, waiting at most ``timeout`` seconds (backend default when None)."""

    def shutdown(self, timeout: float | None = None) -> None:
        """Flush (bounded) and release the backend's threads and connections."""

    def remote_parent(self, context: SpanContext) -> Span | None:
        """A stand-in for a span opened in another process, to parent this process's spans (None: not traced)."""
        return None


_tracer: Tracer = Tracer()


@contextlib.contextmanager
def continue_trace(context: SpanContext | None) -> Iterator[None]:
    """Spans opened inside the block join the trace of a span opened elsewhere (``Span.context()``).

    A Ray worker uses it so that the calls it makes for the driver nest under the
    driver's metric span; with no context, or no tracing here, it does nothing.
    """
    parent = get_tracer().remote_parent(context) if context is not None else None
    if parent is None:
        yield
        return
    token = current_span.set(parent)
    try:
        yield
    finally:
        current_span.reset(token)


def get_tracer() -> Tracer:
    """The tracer evaluations use now."""
    return _tracer


def set_tracer(tracer: Tracer) -> Tracer:
    """Install ``tracer`` and return the previous one."""
    global _tracer
    previous, _tracer = _tracer, tracer
    return previous
