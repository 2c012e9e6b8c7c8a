"""Langfuse backend: spans become Langfuse observations, exported by the SDK as OTLP.

The SDK (v3+) is built on OpenTelemetry: observations are OTel spans that a batch
processor exports from a background thread, so opening and ending spans never waits
on the network. This backend gives the SDK a TracerProvider of its own (it does not
take over the process-wide OTel provider), starts roots in an empty OTel context (a
fresh trace, whatever the caller has active) and children under their parent's OTel
span, as the ``current_span`` context variable says.
"""

from __future__ import annotations

import json
import os
from typing import Any

from axionlike._exceptions import ConfigurationError
from axionlike.tracing._backend import BackendTracer, RecordedSpan

# The OTel attributes Langfuse reads (its documented OpenTelemetry ingestion keys).
_TYPE = "langfuse.observation.type"
_INPUT = "langfuse.observation.input"
_OUTPUT = "langfuse.observation.output"
_METADATA = "langfuse.observation.metadata"
_LEVEL = "langfuse.observation.level"
_STATUS_MESSAGE = "langfuse.observation.status_message"
_MODEL = "langfuse.observation.model.name"
_USAGE = "langfuse.observation.usage_details"
_COST = "langfuse.observation.cost_details"


def _usage_details(attributes: dict[str, Any]) -> dict[str, int] | None:
    """Tokens in Langfuse's usage keys (cached prompt tokens apart from the rest)."""
    prompt = attributes.get("prompt_tokens")
    completion = attributes.get("completion_tokens")
    cached = attributes.get("cached_tokens") or 0
    if prompt is None and completion is None:
        return None
    usage: dict[str, int] = {}
    if prompt is not None:
        usage["input"] = max(0, int(prompt) - int(cached))
        if cached:
            usage["input_cached_tokens"] = int(cached)
    if completion is not None:
        usage["output"] = int(completion)
    usage["total"] = int(prompt or 0) + int(completion or 0)
    return usage


class LangfuseTracer(BackendTracer):
    """Sends spans and scores to Langfuse through the real SDK.

    Spans are OpenTelemetry spans from the SDK's own tracer, carrying the
    ``langfuse.observation.*`` attributes that Langfuse's OTel ingestion reads (type,
    input, output, metadata, level, model, usage and cost details); the SDK's span
    processor exports them and its score consumer sends the scores. The SDK's
    observation wrappers are skipped: they cost about three times the CPU per span.

    Args:
        flush_timeout: Longest wait, in seconds, of the final flush.
        max_field_chars: Inputs/outputs/metadata longer than this (as JSON) are cut.
        **options: Passed to ``langfuse.Langfuse`` (``public_key``, ``secret_key``,
            ``base_url``/``host``, ``environment``, ...); the SDK reads
            ``LANGFUSE_PUBLIC_KEY``, ``LANGFUSE_SECRET_KEY`` and ``LANGFUSE_BASE_URL``
            (or ``LANGFUSE_HOST``) for what is not given.
    """

    name = "Langfuse"
    sdk_loggers = ("langfuse", "opentelemetry")

    def __init__(self, *, flush_timeout: float = 5.0, max_field_chars: int = 10_000, **options: Any) -> None:
        super().__init__(flush_timeout=flush_timeout, max_field_chars=max_field_chars)
        missing = [
            env
            for option, env in (("public_key", "LANGFUSE_PUBLIC_KEY"), ("secret_key", "LANGFUSE_SECRET_KEY"))
            if not (options.get(option) or os.environ.get(env))
        ]
        if missing:
            raise ConfigurationError(f"Langfuse tracing needs {' and '.join(missing)} (or the matching arguments)")
        from langfuse import Langfuse
        from opentelemetry import context as otel_context
        from opentelemetry import trace as otel_trace
        from opentelemetry.sdk.trace import TracerProvider

        self._empty_context = otel_context.Context
        self._with_parent = otel_trace.set_span_in_context
        self._error_status = otel_trace.Status(otel_trace.StatusCode.ERROR)
        self._provider = TracerProvider()
        if not os.environ.get("LANGFUSE_FLUSH_AT"):
            options.setdefault("flush_at", 512)  # the SDK sends scores 15 per request otherwise
        self.client = Langfuse(tracer_provider=self._provider, **options)
        # The tracer the client itself uses (its span processor exports what it opens).
        self._otel_tracer = self.client._otel_tracer

    def _open(self, span: RecordedSpan) -> None:
        parent = span.parent.handle if span.parent is not None else None
        context = self._with_parent(parent) if parent is not None else self._empty_context()
        attributes = {_TYPE: "generation" if span.is_generation else "span"}
        if span.input is not None:
            attributes[_INPUT] = span.input.text
        otel_span = self._otel_tracer.start_span(span.name, context=context, attributes=attributes)
        span.handle = otel_span
        span_context = otel_span.get_span_context()
        span.trace_id = format(span_context.trace_id, "032x")
        span.span_id = format(span_context.span_id, "016x")

    def _close(self, span: RecordedSpan) -> None:
        otel_span = span.handle
        if otel_span is None:
            return
        attributes: dict[str, Any] = {}
        if span.output is not None:
            attributes[_OUTPUT] = span.output.text
        metadata = span.extra_metadata()
        if metadata is not None:
            for key, value in metadata.structure().items():
                attributes[f"{_METADATA}.{key}"] = json.dumps(value, default=str)
        if span.error:
            attributes[_LEVEL] = "ERROR"
            attributes[_STATUS_MESSAGE] = span.error
            otel_span.set_status(self._error_status)
        if span.is_generation:
            values = span.attributes
            attributes[_TYPE] = "generation"
            if values.get("model") is not None:
                attributes[_MODEL] = str(values["model"])
            usage = _usage_details(values)
            if usage is not None:
                attributes[_USAGE] = json.dumps(usage)
            if values.get("cost") is not None:
                attributes[_COST] = json.dumps({"total": float(values["cost"])})
        if attributes:
            otel_span.set_attributes(attributes)
        otel_span.end(end_time=int(span.end_time.timestamp() * 1e9) if span.end_time else None)
        for name, value, comment in span.scores:
            self.client.create_score(
                name=name,
                value=value,
                trace_id=span.trace_id,
                observation_id=span.span_id,
                comment=comment,
                data_type="NUMERIC",
            )

    def _flush(self, timeout: float) -> bool:
        self.client.flush()
        return True

    def _shutdown(self, timeout: float) -> None:
        from langfuse._client.resource_manager import LangfuseResourceManager

        self.client.shutdown()
        self._provider.shutdown()
        # The SDK keeps one resource manager per public key for the whole process; drop
        # the one just shut down so that a later configure_tracing gets a live client.
        resources = getattr(self.client, "_resources", None)
        with LangfuseResourceManager._lock:
            for key, manager in list(LangfuseResourceManager._instances.items()):
                if manager is resources:
                    del LangfuseResourceManager._instances[key]
