"""A local trace collector: what the real Langfuse and Opik SDKs send, decoded.

Tests and notebooks point the SDKs at it (``collector.langfuse_env()`` /
``collector.opik_env()``) and then read the spans back as plain dicts. It speaks:

- Langfuse: OTLP protobuf (gzip or plain) at ``/api/public/otel/v1/traces``, decoded
  with ``opentelemetry-proto``; score batches at ``/api/public/scores``.
- Opik: JSON batches at ``/api/v1/private/{traces,spans}/batch`` (POST creates, PATCH
  batch updates), single ``PATCH .../{id}`` updates, and feedback scores. Records are
  upserted by id, so an update that arrives before its create, or a span sent twice,
  ends up as one record.

``fail_with(500)`` makes every answer an error; ``delay`` makes every answer slow.
"""

from __future__ import annotations

import gzip
import json
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_LANGFUSE_TRACES = "/api/public/otel/v1/traces"
_LANGFUSE_SCORES = "/api/public/scores"
_OPIK = "/api/v1/private/"


def _any_value(value: Any) -> Any:
    """An OTLP AnyValue as a Python value."""
    kind = value.WhichOneof("value")
    if kind is None:
        return None
    if kind == "array_value":
        return [_any_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: _any_value(kv.value) for kv in value.kvlist_value.values}
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def decode_otlp_traces(body: bytes) -> list[dict[str, Any]]:
    """Decode an OTLP ``ExportTraceServiceRequest`` into one dict per span."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    spans = []
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                spans.append(
                    {
                        "trace_id": span.trace_id.hex(),
                        "span_id": span.span_id.hex(),
                        "parent_span_id": span.parent_span_id.hex() or None,
                        "name": span.name,
                        "start_time_unix_nano": span.start_time_unix_nano,
                        "end_time_unix_nano": span.end_time_unix_nano,
                        "status_code": span.status.code,
                        "status_message": span.status.message,
                        "attributes": {kv.key: _any_value(kv.value) for kv in span.attributes},
                        "scope": scope_spans.scope.name,
                    }
                )
    return spans


class TraceCollector:
    """An HTTP server on 127.0.0.1 (background thread) that collects traces.

    Example:
        ```python
        with TraceCollector() as collector:
            os.environ.update(collector.langfuse_env())
            ...  # run an evaluation with configure_tracing("langfuse")
            spans = collector.langfuse_spans
        ```
    """

    def __init__(self, *, status: int = 200, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.langfuse_spans: list[dict[str, Any]] = []
        self.langfuse_scores: list[dict[str, Any]] = []
        self.opik_traces: dict[str, dict[str, Any]] = {}
        self.opik_spans: dict[str, dict[str, Any]] = {}
        self.opik_feedback: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> TraceCollector:
        """Start serving on a free port of 127.0.0.1."""
        collector = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                encoding = (self.headers.get("Content-Encoding") or "").lower()
                if encoding == "gzip" or body[:2] == b"\x1f\x8b":
                    body = gzip.decompress(body)
                elif encoding == "deflate":
                    body = zlib.decompress(body)
                status, answer = collector._dispatch(self.command, self.path, body)
                payload = b"" if answer is None else json.dumps(answer).encode()
                self.send_response(status)
                if payload:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="trace-collector", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TraceCollector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the collector listens on."""
        assert self._server is not None, "collector not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.port}"

    def langfuse_env(
        self, public_key: str = "pk-lf-local-test", secret_key: str = "sk-lf-local-test"
    ) -> dict[str, str]:
        """Environment variables that point the Langfuse SDK here (dummy keys)."""
        return {"LANGFUSE_BASE_URL": self.url, "LANGFUSE_PUBLIC_KEY": public_key, "LANGFUSE_SECRET_KEY": secret_key}

    def opik_env(self) -> dict[str, str]:
        """Environment variables that point the Opik SDK here, telemetry off."""
        return {
            "OPIK_URL_OVERRIDE": f"{self.url}/api",
            "OPIK_SENTRY_ENABLE": "false",
            "OPIK_ANALYTICS_ENABLE": "false",
            "OPIK_WORKSPACE": "default",
        }

    def fail_with(self, status: int) -> None:
        """Answer every later request with ``status`` (e.g. 500); 200 restores."""
        self.status = status

    # -- reading -----------------------------------------------------------------
    def payload_text(self) -> str:
        """Everything decoded so far as one JSON text (to search for leaked secrets)."""
        with self._lock:
            data = {
                "langfuse_spans": self.langfuse_spans,
                "langfuse_scores": self.langfuse_scores,
                "opik_traces": self.opik_traces,
                "opik_spans": self.opik_spans,
                "opik_feedback": self.opik_feedback,
            }
            return json.dumps(data, default=str)

    def counts(self) -> dict[str, int]:
        """How many records of each kind arrived (Opik records counted once per id)."""
        with self._lock:
            return {
                "langfuse_spans": len(self.langfuse_spans),
                "langfuse_scores": len(self.langfuse_scores),
                "opik_traces": len(self.opik_traces),
                "opik_spans": len(self.opik_spans),
                "opik_feedback": len(self.opik_feedback),
                "requests": len(self.requests),
            }

    # -- handling ----------------------------------------------------------------
    def _dispatch(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        with self._lock:
            self.requests.append((method, path))
        if self.delay:
            threading.Event().wait(self.delay)
        if self.status >= 400:
            return self.status, {"message": "collector told to fail"}
        path = path.split("?", 1)[0]
        if path == _LANGFUSE_TRACES:
            spans = decode_otlp_traces(body)
            with self._lock:
                self.langfuse_spans.extend(spans)
            return 200, {}
        if path == _LANGFUSE_SCORES:
            scores = json.loads(body or b"[]")
            with self._lock:
                self.langfuse_scores.extend(scores if isinstance(scores, list) else [scores])
            return 202, {"message": "Accepted"}
        if path.startswith(_OPIK):
            return self._opik(method, path[len(_OPIK) :], json.loads(body) if body else None)
        if path.endswith("/is-alive/ver"):
            return 200, {"version": "1.0.0"}
        return 200, {}

    def _opik(self, method: str, path: str, data: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        kind = parts[0]  # traces | spans
        store = {"traces": self.opik_traces, "spans": self.opik_spans}.get(kind)
        with self._lock:
            if store is not None and parts[1:] == ["batch"] and method == "POST":
                for record in data.get(kind, []):
                    self._upsert(store, record["id"], record)
                return 204, None
            if store is not None and parts[1:] == ["batch"] and method == "PATCH":
                for record_id in data.get("ids", []):
                    self._upsert(store, record_id, data.get("update", {}))
                return 204, None
            if store is not None and parts[1:] == ["feedback-scores"]:
                for score in data.get("scores", []):
                    self.opik_feedback.append({"kind": kind[:-1], **score})
                return 204, None
            if store is not None and len(parts) == 3 and parts[2] == "feedback-scores":
                self.opik_feedback.append({"kind": kind[:-1], "id": parts[1], **data})
                return 204, None
            if store is not None and len(parts) == 2 and method == "PATCH":
                self._upsert(store, parts[1], data or {})
                return 204, None
            if store is not None and len(parts) == 1 and method == "POST":
                self._upsert(store, data["id"], data)
                return 201, None
        return 200, {}

    @staticmethod
    def _upsert(store: dict[str, dict[str, Any]], record_id: str, fields: dict[str, Any]) -> None:
        record = store.setdefault(record_id, {"id": record_id})
        record.update({k: v for k, v in fields.items() if v is not None})


def main() -> None:
    """Run a collector in its own process: print its URL, serve until stdin closes, print counts.

    Benchmarks use this so that decoding what the SDKs send does not compete with the
    evaluation for the interpreter (see bench/tracing_overhead.py).
    """
    with TraceCollector() as collector:
        print(collector.url, flush=True)
        sys.stdin.read()
        print(json.dumps(collector.counts()), flush=True)


if __name__ == "__main__":
    main()
