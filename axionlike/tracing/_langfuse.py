"""Langfuse backend: spans become Langfuse observations, sent as OTLP to Langfuse's OTel endpoint.

Langfuse (v3+) ingests traces through its OpenTelemetry endpoint: observations are OTel
spans whose ``langfuse.observation.*`` attributes carry the type, input, output,
metadata, level, model, usage and cost. This backend encodes each ended span once as an
OTLP protobuf ``Span`` (``opentelemetry-proto``, the encoding the SDK's OTLP exporter
sends) and posts them in gzip-compressed ``ExportTraceServiceRequest`` batches, and
scores as JSON arrays to the score endpoint that the SDK's score consumer uses. Both go
through the Langfuse SDK's own API HTTP client: its base URL and its auth headers (basic
auth with the public and secret keys), with the ``x-langfuse-ingestion-version`` header
that Langfuse asks of direct OTLP exporters. The SDK's OTel span pipeline (span objects,
processors, a copy of each span to scan for media, generic OTLP encoding) and its
per-score queue cost several times the CPU per span.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from typing import Any

from axionlike._exceptions import ConfigurationError
from axionlike.tracing._backend import BackendTracer, RecordedSpan, json_array

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
_APP_ROOT = "langfuse.internal.is_app_root"

_TRACES_PATH = "api/public/otel/v1/traces"
_SCORES_PATH = "api/public/scores"


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


def _id_bytes(hex_id: str | None) -> bytes:
    """An OTel id from the hex id the tracer gave the span when it opened."""
    return bytes.fromhex(hex_id) if hex_id else b""


def _nanos(moment: Any) -> int:
    return int(moment.timestamp() * 1e9)


class LangfuseTracer(BackendTracer):
    """Sends spans and scores to Langfuse with the real SDK's configuration and HTTP client.

    Args:
        flush_timeout: Longest wait, in seconds, of the final flush.
        max_field_chars: Inputs/outputs/metadata longer than this (as JSON) are cut.
        **options: Passed to ``langfuse.Langfuse`` (``public_key``, ``secret_key``,
            ``base_url``/``host``, ``environment``, ``release``, ...); the SDK reads
            ``LANGFUSE_PUBLIC_KEY``, ``LANGFUSE_SECRET_KEY`` and ``LANGFUSE_BASE_URL``
            (or ``LANGFUSE_HOST``) for what is not given.
    """

    name = "Langfuse"
    sdk_loggers = ("langfuse",)
    post_order = ("spans", "scores")

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
        from langfuse import __version__ as langfuse_version
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
        from opentelemetry.proto.common.v1 import common_pb2
        from opentelemetry.proto.resource.v1 import resource_pb2
        from opentelemetry.proto.trace.v1 import trace_pb2
        from opentelemetry.sdk.trace import TracerProvider

        # A provider of its own, so that the SDK does not take over the process-wide one.
        self._provider = TracerProvider()
        self.client = Langfuse(tracer_provider=self._provider, **options)
        self._http = self.client.api._client_wrapper.httpx_client
        # The SDK's switch for sending nothing (its client then drops spans and scores).
        self._sending = options.get("tracing_enabled", True) and (
            os.environ.get("LANGFUSE_TRACING_ENABLED", "true").lower() != "false"
        )
        self._traces_path = (os.environ.get("LANGFUSE_OTEL_TRACES_EXPORT_PATH") or _TRACES_PATH).lstrip("/")
        self._environment = options.get("environment") or os.environ.get("LANGFUSE_TRACING_ENVIRONMENT")
        release = options.get("release") or os.environ.get("LANGFUSE_RELEASE")

        self._pb = trace_pb2
        self._request_type = trace_service_pb2.ExportTraceServiceRequest
        self._key_value = common_pb2.KeyValue
        self._any_value = common_pb2.AnyValue
        resource = {"service.name": "axionlike", "telemetry.sdk.language": "python"}
        resource.update(
            {k: v for k, v in (("langfuse.environment", self._environment), ("langfuse.release", release)) if v}
        )
        self._resource = resource_pb2.Resource(attributes=self._strings(resource))
        # The instrumentation scope the SDK's own spans carry (name, version, public key).
        self._scope = common_pb2.InstrumentationScope(
            name="langfuse-sdk",
            version=langfuse_version,
            attributes=self._strings({"public_key": options.get("public_key") or os.environ["LANGFUSE_PUBLIC_KEY"]}),
        )

    def _strings(self, values: dict[str, str]) -> list[Any]:
        return [self._key_value(key=k, value=self._any_value(string_value=v)) for k, v in values.items()]

    def _open(self, span: RecordedSpan) -> None:
        # Random ids as OTel's default generator makes them (never zero).
        span.trace_id = span.parent.trace_id if span.parent is not None else f"{random.getrandbits(128) or 1:032x}"
        span.span_id = f"{random.getrandbits(64) or 1:016x}"

    def _close(self, span: RecordedSpan) -> None:
        if not self._sending:
            return
        attributes: dict[str, str] = {_TYPE: "generation" if span.is_generation else "span"}
        if span.input is not None:
            attributes[_INPUT] = span.input.text
        if span.output is not None:
            attributes[_OUTPUT] = span.output.text
        metadata = span.extra_metadata()
        if metadata is not None:
            for key, value in metadata.structure().items():
                attributes[f"{_METADATA}.{key}"] = json.dumps(value, default=str)
        pb = self._pb
        status = None
        if span.error:
            attributes[_LEVEL] = "ERROR"
            attributes[_STATUS_MESSAGE] = span.error
            status = pb.Status(code=pb.Status.STATUS_CODE_ERROR)
        if span.is_generation:
            values = span.attributes
            if values.get("model") is not None:
                attributes[_MODEL] = str(values["model"])
            usage = _usage_details(values)
            if usage is not None:
                attributes[_USAGE] = json.dumps(usage)
            if values.get("cost") is not None:
                attributes[_COST] = json.dumps({"total": float(values["cost"])})
        encoded = self._strings(attributes)
        if span.parent is None:
            encoded.append(self._key_value(key=_APP_ROOT, value=self._any_value(bool_value=True)))
        record = pb.Span(
            trace_id=_id_bytes(span.trace_id),
            span_id=_id_bytes(span.span_id),
            parent_span_id=_id_bytes(span.parent.span_id) if span.parent is not None else b"",
            name=span.name,
            kind=pb.Span.SPAN_KIND_INTERNAL,
            start_time_unix_nano=_nanos(span.start_time),
            end_time_unix_nano=_nanos(span.end_time or span.start_time),
            attributes=encoded,
            status=status,
        )
        self.queue_record("spans", record, record.ByteSize())
        for name, value, comment in span.scores:
            score = {
                "id": f"{random.getrandbits(64):016x}",
                "traceId": span.trace_id,
                "observationId": span.span_id,
                "name": name,
                "value": value,
                "comment": comment,
                "dataType": "NUMERIC",
                "environment": self._environment,
                "timestamp": span.end_time.isoformat().replace("+00:00", "Z") if span.end_time else None,
            }
            self.queue_json("scores", score)

    def _post(self, kind: str, records: list[Any]) -> None:
        if kind == "spans":
            request = self._request_type(
                resource_spans=[
                    self._pb.ResourceSpans(
                        resource=self._resource, scope_spans=[self._pb.ScopeSpans(scope=self._scope, spans=records)]
                    )
                ]
            )
            path, body = self._traces_path, gzip.compress(request.SerializeToString(), compresslevel=1)
            headers = {
                "content-type": "application/x-protobuf",
                "content-encoding": "gzip",
                "x-langfuse-ingestion-version": "4",
            }
        else:
            path, body, headers = _SCORES_PATH, json_array(records), {"content-type": "application/json"}
        response = self._http.request(path, method="POST", content=body, headers=headers)
        response.raise_for_status()
        if kind == "scores" and response.content:
            answer = response.json()
            if isinstance(answer, dict) and answer.get("rejected"):
                errors = "; ".join(str(e.get("message", e)) for e in answer.get("errors") or [])
                raise RuntimeError(f"Langfuse rejected {answer['rejected']} of {len(records)} scores: {errors}")

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
