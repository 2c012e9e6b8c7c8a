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

import json
import os
import random
import threading
import time
import uuid
from typing import Any

from axionlike.tracing._backend import BackendTracer, Payload, RecordedSpan

_BATCH = 1_000
"""Records (or scores) per request; Opik's batch endpoints take a few MB per request."""


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
    """Sends spans and feedback scores to Opik through the real SDK's REST client.

    Args:
        flush_timeout: Longest wait, in seconds, of the final flush.
        max_field_chars: Inputs/outputs/metadata longer than this (as JSON) are cut.
        **options: Passed to ``opik.Opik`` (``project_name``, ``workspace``, ``host``,
            ``api_key``); the SDK reads ``OPIK_URL_OVERRIDE``, ``OPIK_API_KEY``,
            ``OPIK_WORKSPACE`` and ``OPIK_PROJECT_NAME`` for what is not given.
    """

    name = "Opik"
    sdk_loggers = ("opik",)

    def __init__(self, *, flush_timeout: float = 5.0, max_field_chars: int = 10_000, **options: Any) -> None:
        super().__init__(flush_timeout=flush_timeout, max_field_chars=max_field_chars)
        import opik

        options.setdefault("_show_misconfiguration_message", False)
        options.setdefault("project_name", os.environ.get("OPIK_PROJECT_NAME") or "axionlike")
        self.client = opik.Opik(**options)
        self._http = self.client.rest_client._client_wrapper.httpx_client
        self._project = self.client.project_name
        self._pending: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _SENDERS}
        self._pending_lock = threading.Lock()
        self._send_lock = threading.Lock()

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
        root = span.parent is None
        if root:
            record["id"] = span.trace_id
        else:
            parent = span.parent
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
        scored = "trace_scores" if root else "span_scores"
        scores = [
            {"id": record["id"], "project_name": self._project, "name": n, "value": v, "reason": c, "source": "sdk"}
            for n, v, c in span.scores
        ]
        with self._pending_lock:
            batch = self._pending["traces" if root else "spans"]
            batch.append({k: v for k, v in record.items() if v is not None})
            self._pending[scored].extend(scores)
            full = len(batch) >= _BATCH or len(self._pending[scored]) >= _BATCH
        if full:
            self._send()

    def _send(self) -> None:
        """Post everything collected so far; traces go first, scores after their targets."""
        with self._send_lock:
            with self._pending_lock:
                pending = self._pending
                self._pending = {kind: [] for kind in _SENDERS}
            failure: Exception | None = None
            for kind, route in _SENDERS.items():
                records = pending[kind]
                for start in range(0, len(records), _BATCH):
                    try:
                        self._post(*route, records[start : start + _BATCH])
                    except Exception as exc:  # keep sending the other kinds; report once
                        failure = failure or exc
            if failure is not None:
                raise failure

    def _post(self, method: str, path: str, key: str, records: list[dict[str, Any]]) -> None:
        body = json.dumps({key: records}, default=str, ensure_ascii=False).encode()
        response = self._http.request(path, method=method, content=body, headers={"content-type": "application/json"})
        response.raise_for_status()

    def _flush(self, timeout: float) -> bool:
        self._send()
        return True

    def _shutdown(self, timeout: float) -> None:
        if not self.failing:
            self._send()
        self.client.end(timeout=max(1, round(timeout)), flush=False)


_SENDERS = {
    "traces": ("POST", "v1/private/traces/batch", "traces"),
    "spans": ("POST", "v1/private/spans/batch", "spans"),
    "trace_scores": ("PUT", "v1/private/traces/feedback-scores", "scores"),
    "span_scores": ("PUT", "v1/private/spans/feedback-scores", "scores"),
}
"""Method, path and body key of each kind of pending record, in sending order."""
