"""Langfuse backend: spans become Langfuse observations, exported by the SDK as OTLP.

The SDK (v3+) is built on OpenTelemetry: each observation wraps an OTel span that a
batch processor exports from a background thread, so opening and ending spans never
waits on the network. This backend gives the SDK a TracerProvider of its own (it does
not take over the process-wide OTel provider), starts roots in an empty OTel context
(a fresh trace, whatever the caller has active) and children from their parent
observation, as the ``current_span`` context variable says.
"""

from __future__ import annotations

import os
from typing import Any

from axionlike._exceptions import ConfigurationError
from axionlike.tracing._backend import BackendTracer, RecordedSpan


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
        from opentelemetry.sdk.trace import TracerProvider

        self._otel_context = otel_context
        self._provider = TracerProvider()
        if not os.environ.get("LANGFUSE_FLUSH_AT"):
            options.setdefault("flush_at", 512)  # the SDK sends scores 15 per request otherwise
        self.client = Langfuse(tracer_provider=self._provider, **options)

    def _open(self, span: RecordedSpan) -> None:
        as_type = "generation" if span.is_generation else "span"
        kwargs: dict[str, Any] = {"name": span.name, "as_type": as_type}
        if span.input is not None:
            kwargs["input"] = span.input.text
        parent = span.parent.handle if span.parent is not None else None
        if parent is not None:
            span.handle = parent.start_observation(**kwargs)
        else:
            token = self._otel_context.attach(self._otel_context.Context())
            try:
                span.handle = self.client.start_observation(**kwargs)
            finally:
                self._otel_context.detach(token)
        span.trace_id = span.handle.trace_id
        span.span_id = span.handle.id

    def _close(self, span: RecordedSpan) -> None:
        observation = span.handle
        if observation is None:
            return
        update: dict[str, Any] = {}
        if span.output is not None:
            update["output"] = span.output.text
        metadata = span.extra_metadata()
        if metadata is not None:
            update["metadata"] = metadata.structure()
        if span.error:
            update["level"] = "ERROR"
            update["status_message"] = span.error
        attributes = span.attributes
        if span.is_generation:
            if attributes.get("model") is not None:
                update["model"] = str(attributes["model"])
            usage = _usage_details(attributes)
            if usage is not None:
                update["usage_details"] = usage
            if attributes.get("cost") is not None:
                update["cost_details"] = {"total": float(attributes["cost"])}
        if update:
            observation.update(**update)
        observation.end()
        for name, value, comment in span.scores:
            observation.score(name=name, value=value, comment=comment, data_type="NUMERIC")

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
