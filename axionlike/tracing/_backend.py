"""What the Langfuse and Opik tracers share: span records, payload hygiene, failure policy.

A backend tracer turns each ``span()`` into a ``RecordedSpan``: its parent comes from
the ``current_span`` context variable (never from state on the tracer), its payloads
are redacted and truncated before any SDK sees them, ended spans are handed to the
backend by a worker thread, and every SDK call is guarded so that a broken backend is
reported once in the log and never reaches the evaluation. The only place an
evaluation waits on an exporter is ``flush``, bounded by a timeout.

Both backends encode ended spans and scores themselves and post them in batches
(``queue_record`` / ``send_pending``, capped in records and bytes) through their SDK's
own HTTP client: the SDKs' per-span pipelines cost several times the CPU.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import queue
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from axionlike._redact import MASK, excerpt, is_secret_key, redact
from axionlike._text import printable
from axionlike.tracing._tracer import Span, SpanContext, Tracer, current_span

logger = logging.getLogger("axionlike.tracing")

# Attributes an LLM span sets (see llm/): they become the backend's generation fields.
LLM_ATTRIBUTES = ("model", "prompt_tokens", "completion_tokens", "cached_tokens", "cost")
GENERATION_KINDS = frozenset({"llm", "generation"})


def _jsonable(value: Any) -> Any:
    """A model or dataclass (a ``MetricScore``) as a dict, so its keys can be masked like any mapping's."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def _mask_keys(value: Any) -> Any:
    """A copy with the values of credential-named (or user-marked) keys masked."""
    value = _jsonable(value)
    if isinstance(value, Mapping):
        return {k: MASK if isinstance(k, str) and is_secret_key(k) else _mask_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_keys(v) for v in value]
    return value


def json_array(records: list[bytes]) -> bytes:
    """A JSON array of records queued by ``BackendTracer.queue_json``."""
    return b"[" + b",".join(records) + b"]"


def _chunks(records: Iterable[tuple[Any, int]], max_records: int, max_bytes: int) -> Iterator[list[Any]]:
    """Consecutive runs of ``(record, size)`` within the caps (a record is never split).

    A run's size counts what joins it into a JSON array: brackets and commas.
    """
    chunk: list[Any] = []
    size = 1
    for record, record_size in records:
        if chunk and (len(chunk) >= max_records or size + record_size + 1 > max_bytes):
            yield chunk
            chunk, size = [], 1
        chunk.append(record)
        size += record_size + 1
    if chunk:
        yield chunk


class Payload:
    """A span input/output/metadata made safe: keys masked, secrets redacted, size capped.

    ``text`` is the JSON text (what Langfuse stores); ``value`` the structure (what
    Opik stores), or the truncated text when the payload was cut.
    """

    __slots__ = ("text", "truncated", "value")

    def __init__(self, raw: Any, max_chars: int) -> None:
        text = printable(redact(json.dumps(_mask_keys(raw), default=str, ensure_ascii=False)))
        self.truncated = len(text) > max_chars
        if self.truncated:
            text = f"{text[:max_chars]}... [truncated {len(text) - max_chars} chars]"
            self.value: Any = text
        else:
            self.value = None
        self.text = text

    def structure(self) -> Any:
        """The payload as JSON values (parsed back once, when a backend asks)."""
        if self.value is None:
            try:
                self.value = json.loads(self.text)
            except ValueError:  # a secret masked inside a bare JSON number
                self.value = self.text
        return self.value


class RecordedSpan(Span):
    """One open span of a backend tracer; the backend keeps its SDK object in ``handle``."""

    __slots__ = (
        "attributes",
        "end_time",
        "error",
        "handle",
        "input",
        "kind",
        "metadata",
        "name",
        "output",
        "parent",
        "scores",
        "span_id",
        "start_time",
        "trace_id",
        "tracer",
    )

    def __init__(self, tracer: BackendTracer, name: str, kind: str, parent: RecordedSpan | None) -> None:
        self.tracer = tracer
        self.name = name
        self.kind = kind
        self.parent = parent
        self.start_time = datetime.now(UTC)
        self.end_time: datetime | None = None
        self.input: Payload | None = None
        self.output: Payload | None = None
        self.metadata: dict[str, Any] = {}
        self.attributes: dict[str, Any] = {}
        self.scores: list[tuple[str, float, str | None]] = []
        self.error: str | None = None
        self.handle: Any = None
        self.trace_id: str | None = None
        self.span_id: str | None = None

    @property
    def is_generation(self) -> bool:
        """Whether the backend should show this span as an LLM generation."""
        return self.kind in GENERATION_KINDS or "model" in self.attributes

    def set_attributes(self, **attributes: Any) -> None:
        self.attributes.update(attributes)

    def set_output(self, output: Any) -> None:
        self.output = self.tracer.payload(output)

    def record_score(self, name: str, value: float | None, comment: str | None = None) -> None:
        if value is not None:
            self.scores.append((name, float(value), redact(comment) if comment else None))

    def context(self) -> SpanContext | None:
        if self.trace_id is None or self.span_id is None:
            return None
        return SpanContext(self.trace_id, self.span_id, is_root=self.parent is None)

    def extra_metadata(self) -> Payload | None:
        """Metadata plus the attributes that are not generation fields, made safe."""
        extra = {k: v for k, v in self.attributes.items() if k not in LLM_ATTRIBUTES}
        merged = {**self.metadata, **extra}
        if self.error:
            merged["error"] = self.error
        return self.tracer.payload(merged) if merged else None


class BackendTracer(Tracer):
    """Base of the real backends: opens ``RecordedSpan``s and guards every SDK call.

    Subclasses implement ``_open(span)`` (called when the span starts, parent known),
    ``_close(span)`` (called when it ends, queueing records), ``_post(kind, records)``
    and ``_shutdown(timeout)``.
    """

    enabled = True
    name = "backend"
    sdk_loggers: tuple[str, ...] = ()
    """Prefixes of the loggers through which the SDK reports failures."""
    max_queued_spans = 100_000
    """Ended spans waiting for the worker thread beyond which new ones are dropped (and
    that reported once), so a hung backend cannot make a long run's memory grow."""

    def __init__(self, *, flush_timeout: float = 5.0, max_field_chars: int = 10_000) -> None:
        self.flush_timeout = flush_timeout
        self.max_field_chars = max_field_chars
        self._warned = False
        self._warn_lock = threading.Lock()
        self._flusher: threading.Thread | None = None
        # Ended spans go to the SDK from one worker thread, so that the evaluation's
        # thread never waits on the SDK's own locks and batching.
        self._closing: queue.SimpleQueue[RecordedSpan | threading.Event | None] = queue.SimpleQueue()
        self._closer = threading.Thread(target=self._close_ended, name=f"axionlike-{self.name}-spans", daemon=True)
        self._closer.start()
        # Records the backend posts itself, with their encoded sizes, per kind.
        self._pending: dict[str, list[tuple[Any, int]]] = {}
        self._pending_bytes = 0
        self._pending_lock = threading.Lock()
        self._send_lock = threading.Lock()

    def _close_ended(self) -> None:
        while (entry := self._closing.get()) is not None:
            if isinstance(entry, threading.Event):
                entry.set()
            else:
                self._guard(self._close, entry)

    def _drain(self) -> None:
        """Wait until every span ended so far has been handed to the SDK."""
        marker = threading.Event()
        self._closing.put(marker)
        marker.wait()

    # -- spans -------------------------------------------------------------------
    def payload(self, raw: Any) -> Payload | None:
        """``raw`` made safe for a span (None stays None)."""
        return None if raw is None else Payload(raw, self.max_field_chars)

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
        parent = current_span.get()
        if new_trace or not isinstance(parent, RecordedSpan) or parent.tracer is not self:
            parent = None
        record = RecordedSpan(self, name, kind, parent)
        record.input = self.payload(input)
        if metadata:
            record.metadata.update(metadata)
        self._guard(self._open, record)
        token = current_span.set(record)
        try:
            yield record
        except BaseException as exc:
            record.error = redact(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            current_span.reset(token)
            record.end_time = datetime.now(UTC)
            if self._closing.qsize() < self.max_queued_spans:
                self._closing.put(record)
            else:
                self.report_failure(f"the backend is {self.max_queued_spans:,} spans behind; new spans are dropped")

    def remote_parent(self, context: SpanContext) -> Span | None:
        """A span opened in another process (never sent from here): its ids parent this process's spans."""
        above = None if context.is_root else RecordedSpan(self, "(remote root)", "span", None)
        parent = RecordedSpan(self, "(remote parent)", "span", above)
        parent.trace_id, parent.span_id = context.trace_id, context.span_id
        return parent

    def _open(self, span: RecordedSpan) -> None:
        raise NotImplementedError

    def _close(self, span: RecordedSpan) -> None:
        raise NotImplementedError

    # -- batches the backend posts itself ----------------------------------------
    post_order: tuple[str, ...] = ()
    """Every kind of record the backend queues, in sending order (targets before their scores)."""
    batch_records = 1_000
    batch_bytes = 900_000
    """Caps of one batch request (Langfuse's score endpoint takes at most 1 MB a request)."""

    def queue_record(self, kind: str, record: Any, size: int) -> None:
        """Queue one record of ``kind`` (``size`` bytes once encoded); post everything once a batch is full."""
        with self._pending_lock:
            batch = self._pending.setdefault(kind, [])
            batch.append((record, size))
            self._pending_bytes += size + 1
            full = len(batch) >= self.batch_records or self._pending_bytes >= self.batch_bytes
        if full:  # a failure is reported once; the caller goes on with its records
            self._guard(self.send_pending)

    def queue_json(self, kind: str, record: Mapping[str, Any]) -> None:
        """Queue ``record`` as compact JSON text, its None fields left out."""
        data = json.dumps({k: v for k, v in record.items() if v is not None}, default=str, ensure_ascii=False)
        encoded = printable(data).encode()  # a lone surrogate becomes its JSON escape
        self.queue_record(kind, encoded, len(encoded))

    def send_pending(self) -> None:
        """Post every queued record in capped batches; raise the first failure after trying all."""
        with self._send_lock:
            with self._pending_lock:
                pending, self._pending, self._pending_bytes = self._pending, {}, 0
            failure: Exception | None = None
            for kind in self.post_order:
                for chunk in _chunks(pending.get(kind, ()), self.batch_records, self.batch_bytes):
                    try:
                        self._post(kind, chunk)
                    except Exception as exc:  # the other batches still go; one report
                        failure = failure or exc
            if failure is not None:
                raise failure

    def _post(self, kind: str, records: list[Any]) -> None:
        """Send one batch of records of ``kind`` (within ``batch_records`` and ``batch_bytes``)."""
        raise NotImplementedError

    # -- failure policy ----------------------------------------------------------
    def _guard(self, call: Any, *args: Any) -> None:
        try:
            call(*args)
        except Exception as exc:
            self.report_failure(f"{type(exc).__name__}: {exc}")

    def report_failure(self, detail: str) -> None:
        """Log, once per tracer, that the backend is not taking traces."""
        with self._warn_lock:
            if self._warned:
                return
            self._warned = True
        logger.warning(
            "%s tracing reported a problem (%s); the evaluation goes on, traces may be incomplete",
            self.name,
            excerpt(detail, 500),
        )

    # -- flush -------------------------------------------------------------------
    def flush(self, timeout: float | None = None) -> None:
        """Flush in a helper thread and wait at most ``timeout`` (default ``flush_timeout``).

        A flush still running from an earlier call (a stuck backend) is not waited on again.
        """
        timeout = self.flush_timeout if timeout is None else timeout
        if self._flusher is not None and self._flusher.is_alive():
            return
        finished: list[bool] = []

        def run() -> None:
            try:
                self._drain()
                self.send_pending()
            except Exception as exc:
                self.report_failure(f"flush failed: {type(exc).__name__}: {exc}")
            finished.append(True)

        self._flusher = threading.Thread(target=run, name=f"axionlike-{self.name}-flush", daemon=True)
        self._flusher.start()
        self._flusher.join(timeout)
        if not finished:
            self.report_failure(f"flush did not finish within {timeout}s")

    @property
    def failing(self) -> bool:
        """Whether the backend has already reported a problem (then nobody waits on it)."""
        return self._warned

    def shutdown(self, timeout: float | None = None) -> None:
        """Flush (bounded) and stop the SDK's threads, waiting at most ``timeout``.

        A backend that already failed is stopped without waiting: its SDK threads wind
        down in the background.
        """
        timeout = self.flush_timeout if timeout is None else timeout
        self._closing.put(None)

        def stop() -> None:
            self._closer.join()
            if not self.failing:
                self._guard(self.send_pending)
            self._guard(self._shutdown, timeout)

        stopper = threading.Thread(target=stop, daemon=True)
        stopper.start()
        stopper.join(0 if self.failing else timeout)

    def _shutdown(self, timeout: float) -> None:
        """Stop the SDK client (queued records were sent just before, unless the backend failed)."""
        raise NotImplementedError
