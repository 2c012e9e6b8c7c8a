"""The tracing port: a Tracer opens spans; the current span lives in a context variable."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any


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


_NOOP_SPAN = Span()
current_span: ContextVar[Span | None] = ContextVar("axionlike_current_span", default=None)


class Tracer:
    """Noop tracer: the default. Backends override ``span`` and ``flush``."""

    enabled = False

    @contextlib.contextmanager
    def span(
        self,
        name: str,
        *,
        kind: str = "span",
        input: Any = None,
        metadata: dict[str, Any] | None = None,
        new_trace: bool = False,
    ) -> Iterator[Span]:
        """Open a span under the current one (or a new trace when ``new_trace``)."""
        yield _NOOP_SPAN

    def flush(self, timeout: float = 5.0) -> None:
        """Send what is buffered, waiting at most ``timeout`` seconds."""


_tracer: Tracer = Tracer()


def get_tracer() -> Tracer:
    """The tracer evaluations use now."""
    return _tracer


def set_tracer(tracer: Tracer) -> Tracer:
    """Install ``tracer`` and return the previous one."""
    global _tracer
    previous, _tracer = _tracer, tracer
    return previous
