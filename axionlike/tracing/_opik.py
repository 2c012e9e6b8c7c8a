"""Opik backend: the root of each tree is an Opik trace, the spans under it Opik spans.

Ids are generated when a span opens (UUIDv7, as Opik requires) so that children can
name their parent; the trace or span is written once, complete, when it closes (no
create-then-update round trip). The tracer's worker thread collects the records and
feedback scores as JSON-ready dicts and posts them in large batches through the SDK's
own HTTP client (its base URL, API key and workspace headers), to the batch endpoints
that the SDK's REST methods ``traces.create_traces``, ``spans.create_spans`` and
``score_batch_of_*`` use. Both the SDK's per-message pipeline (size estimation, a
local message store) and its REST methods' generic serialisation cost several times
the CPU per span that one ``json.dumps`` of the batch does.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from typing import Any

from axionlike.tracing._backend import BackendTracer, Payload, RecordedSpan, json_array


def _uuid7() -> str:
    """A UUIDv7 (the id format Opik requires) from the clock and ``random``.

    Not from ``os.urandom`` as the SDK's helper does: that call releases the GIL, and
    while the SDK's sender threads are busy, taking it back costs up to a switch
    interval (5 ms) per span. Ids need to be unique, not unpredictable.
    """
    millis = time.time_ns() // 1_000_000
    rand = random.getrandbits(74)
    value = (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62) | (rand & ((1 << 62) - 1))
    return str(uuid.UUID(int=value))


def _opik_dict(payload: Payload | None, key: str) -> dict[str, Any] | None:
    """Opik stores inputs and outputs as JSON objects: wrap anything else."""
    if payload is None:
        return None
    value = payload.structure()
    return value if isinstance(value, dict) else {key: value}


def _usage(attributes: dict[str, Any]) -> dict[str, int] | None:
    """Tokens in the OpenAI keys Opik shows, flattened by the SDK's own usage parser."""
    prompt = attributes.get("prompt_tokens")
    completion = attributes.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    usage: dict[str, Any] = {
        "prompt_tokens": int(prompt or 0),
        "completion_tokens": int(completion or 0),
        "total_tokens": int(prompt or 0) + int(completion or 0),
    }
    if attributes.get("cached_tokens"):
        usage["prompt_tokens_details"] = {"cached_tokens": int(attributes["cached_tokens"])}
    from opik import llm_usage

    parsed = llm_usage.build_opik_usage_from_unknown_provider(usage)
    return parsed.to_backend_compatible_full_usage_dict() if parsed is not None else None


class OpikTracer(BackendTracer):
    """Sends spans and feedback scores to Opik through the real SDK's HTTP client.

    Args:
        flush_timeout: Longest wait, in seconds, of the final flush.
        max_field_chars: Inputs/outputs/metadata longer than this (as JSON) are cut.
        **options: Passed to ``opik.Opik`` (``project_name``, ``workspace``, ``host``,
            ``api_key``); the SDK reads ``OPIK_URL_OVERRIDE``, ``OPIK_API_KEY``,
            ``OPIK_WORKSPACE`` and ``OPIK_PROJECT_NAME`` for what is not given.
    """

    name = "Opik"
    sdk_loggers = ("opik",)
    post_order = ("traces", "spans", "trace_scores", "span_scores")

    def __init__(self, *, flush_timeout: float = 5.0, max_field_chars: int = 10_000, **options: Any) -> None:
        super().__init__(flush_timeout=flush_timeout, max_field_chars=max_field_chars)
        import opik

        options.setdefault("_show_misconfiguration_message", False)
        options.setdefault("project_name", os.environ.get("OPIK_PROJECT_NAME") or "axionlike")
        self.client = opik.Opik(**options)
        self._http = self.client.rest_client._client_wrapper.httpx_client
        self._project = self.client.project_name

    def _open(self, span: RecordedSpan) -> None:
        span.span_id = _uuid7()
        span.trace_id = span.parent.trace_id if span.parent is not None else span.span_id

    def _close(self, span: RecordedSpan) -> None:
        record: dict[str, Any] = {
            "project_name": self._project,
            "name": span.name,
            "start_time": span.start_time.isoformat(),
            "end_time": span.end_time.isoformat() if span.end_time else None,
            "input": _opik_dict(span.input, "input"),
            "output": _opik_dict(span.output, "output"),
            "metadata": _opik_dict(span.extra_metadata(), "metadata"),
        }
        if span.error:
            exception_type, _, message = span.error.partition(": ")
            record["error_info"] = {"exception_type": exception_type, "message": message, "traceback": ""}
        parent = span.parent
        if parent is None:
            record["id"] = span.trace_id
        else:
            record.update(
                id=span.span_id,
                trace_id=span.trace_id,
                parent_span_id=parent.span_id if parent.parent is not None else None,
                type="general",
            )
            if span.is_generation:
                attributes = span.attributes
                record["type"] = "llm"
                if attributes.get("model") is not None:
                    record["model"] = str(attributes["model"])
                record["usage"] = _usage(attributes)
                if attributes.get("cost") is not None:
                    record["total_estimated_cost"] = float(attributes["cost"])
        self.queue_json("traces" if parent is None else "spans", record)
        for name, value, comment in span.scores:
            score = {"id": record["id"], "project_name": self._project, "name": name, "value": value, "source": "sdk"}
            self.queue_json("trace_scores" if parent is None else "span_scores", {**score, "reason": comment})

    def _post(self, kind: str, records: list[bytes]) -> None:
        method, path, key = _ROUTES[kind]
        body = b'{"' + key.encode() + b'":' + json_array(records) + b"}"
        response = self._http.request(path, method=method, content=body, headers={"content-type": "application/json"})
        response.raise_for_status()

    def _shutdown(self, timeout: float) -> None:
        self.client.end(timeout=max(1, round(timeout)), flush=False)


_ROUTES = {
    "traces": ("POST", "v1/private/traces/batch", "traces"),
    "spans": ("POST", "v1/private/spans/batch", "spans"),
    "trace_scores": ("PUT", "v1/private/traces/feedback-scores", "scores"),
    "span_scores": ("PUT", "v1/private/spans/feedback-scores", "scores"),
}
"""Method, path and body key of each kind of batched record."""
