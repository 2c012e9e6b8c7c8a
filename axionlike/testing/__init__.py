"""Test helpers that run offline: a local trace collector for Langfuse and Opik."""

from axionlike.testing._trace_collector import TraceCollector

__all__ = ["TraceCollector"]
