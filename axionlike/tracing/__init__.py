"""Tracing of evaluations: a noop tracer by default, Langfuse and Opik backends."""

from axionlike.tracing._tracer import Span, Tracer, current_span, get_tracer, set_tracer

__all__ = ["Span", "Tracer", "current_span", "get_tracer", "set_tracer"]
