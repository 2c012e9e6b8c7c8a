"""Opik backend: the root of each tree is an Opik trace, the spans under it Opik spans.

Ids are generated when a span opens (UUIDv7, as Opik requires) so that children can
name their parent; the trace or span is logged once, complete, when it closes (no
create-then-update round trip). The SDK queues the message and its background
threads post JSON batches, so closing a span never waits on the network. Scores go
along as feedback scores of the trace (a root) or of the span, handed to the SDK in
batches (and at every flush).
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from typing import Any

from axionlike.tracing._backend import BackendTracer, Payload, RecordedSpan

_SCORE_BATCH = 500


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


def _usage(attributes: dict[str, Any]) -> dict[str, Any] | None:
    """Tokens in the OpenAI keys Opik shows (cached prompt tokens in the details)."""
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
    return usage


class OpikTracer(BackendTracer):
    """Sends spans and feedback scores to Opik through the real SDK.

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
        self._scores: dict[str, list[dict[str, Any]]] = {"trace": [], "span": []}
        self._scores_lock = threading.Lock()

    def _open(self, span: RecordedSpan) -> None:
        span.span_id = _uuid7()
        span.trace_id = span.parent.trace_id if span.parent is not None else span.span_id

    def _close(self, span: RecordedSpan) -> None:
        metadata = span.extra_metadata()
        common: dict[str, Any] = {
            "name": span.name,
            "start_time": span.start_time,
            "end_time": span.end_time,
            "input": _opik_dict(span.input, "input"),
            "output": _opik_dict(span.output, "output"),
            "metadata": _opik_dict(metadata, "metadata"),
        }
        if span.scores:
            self._queue_scores(span)
        if span.error:
            exception_type, _, message = span.error.partition(": ")
            common["error_info"] = {"exception_type": exception_type, "message": message, "traceback": ""}
        if span.parent is None:
            self.client.trace(id=span.trace_id, **common)
            return
        parent = span.parent
        kwargs: dict[str, Any] = {}
        if span.is_generation:
            attributes = span.attributes
            kwargs["type"] = "llm"
            if attributes.get("model") is not None:
                kwargs["model"] = str(attributes["model"])
            kwargs["usage"] = _usage(attributes)
            if attributes.get("cost") is not None:
                kwargs["total_cost"] = float(attributes["cost"])
        self.client.span(
            trace_id=span.trace_id,
            id=span.span_id,
            parent_span_id=parent.span_id if parent.parent is not None else None,
            **common,
            **kwargs,
        )

    def _queue_scores(self, span: RecordedSpan) -> None:
        """Collect feedback scores and hand them to the SDK in batches (one call per batch)."""
        kind = "trace" if span.parent is None else "span"
        scores = [
            {"id": span.span_id if kind == "span" else span.trace_id, "name": n, "value": v, "reason": c}
            for n, v, c in span.scores
        ]
        with self._scores_lock:
            self._scores[kind].extend(scores)
            full = len(self._scores[kind]) >= _SCORE_BATCH
        if full:
            self._send_scores()

    def _send_scores(self) -> None:
        with self._scores_lock:
            traces, spans = self._scores["trace"], self._scores["span"]
            self._scores = {"trace": [], "span": []}
        if traces:
            self.client.log_traces_feedback_scores(traces)
        if spans:
            self.client.log_spans_feedback_scores(spans)

    def _flush(self, timeout: float) -> bool:
        self._send_scores()
        return self.client.flush(timeout=max(1, round(timeout)))

    def _shutdown(self, timeout: float) -> None:
        self._send_scores()
        self.client.end(timeout=max(1, round(timeout)), flush=not self.failing)
