"""Tracing of evaluations: a noop tracer by default, Langfuse and Opik backends.

``configure_tracing('langfuse' | 'opik' | 'noop')`` (or ``TRACING_MODE``) installs a
backend; the engine then traces the run (root), each task call, each metric execution
and the LLM calls under it. ``span`` and ``trace`` let user code add its own spans.
"""

from axionlike.tracing._configure import configure_tracing
from axionlike.tracing._tracer import Span, SpanContext, Tracer, continue_trace, current_span, get_tracer, set_tracer
from axionlike.tracing._user import observe, span, trace

__all__ = [
    "Span",
    "SpanContext",
    "Tracer",
    "configure_tracing",
    "continue_trace",
    "current_span",
    "get_tracer",
    "observe",
    "set_tracer",
    "span",
    "trace",
]
