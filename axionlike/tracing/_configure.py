"""``configure_tracing``: pick the backend (argument or ``TRACING_MODE``), install it."""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterable
from typing import Any

from axionlike._exceptions import ConfigurationError, MissingDependencyError
from axionlike._redact import register_sensitive_fields
from axionlike.tracing._backend import BackendTracer
from axionlike.tracing._tracer import Tracer, get_tracer, set_tracer

MODES = ("noop", "langfuse", "opik")

# Loggers through which the SDKs report export failures. Their warnings and errors are
# folded into one warning per tracer instead of repeating for every batch; a record is
# charged to the latest tracer of its SDK (the SDK's threads may outlive a replaced
# tracer). Opik logs through its own handlers (no propagation), so the fold sits there.
_SDK_LOGGERS = (
    "langfuse",
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.exporter.otlp.proto.http._common",
    "opentelemetry.sdk._shared_internal",
    "opentelemetry.sdk.trace.export",
)


class _FoldIntoOneWarning(logging.Filter):
    """Turns an SDK's failure records into its tracer's single warning."""

    def __init__(self) -> None:
        super().__init__()
        self.latest: dict[str, BackendTracer] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        for prefix, tracer in self.latest.items():
            if record.name.startswith(prefix):
                tracer.report_failure(f"{record.name}: {record.getMessage()}")
                return False
        return True


_FOLD = _FoldIntoOneWarning()


def _fold_sdk_logs(tracer: BackendTracer) -> None:
    targets: list[logging.Filterer] = [logging.getLogger(name) for name in _SDK_LOGGERS]
    targets += logging.getLogger("opik").handlers
    for target in targets:
        if _FOLD not in target.filters:
            target.addFilter(_FOLD)
    for prefix in tracer.sdk_loggers:
        _FOLD.latest[prefix] = tracer


def _require(mode: str) -> None:
    if mode != "noop" and importlib.util.find_spec(mode) is None:
        raise MissingDependencyError(mode, mode, f"tracing mode {mode!r}")


def _backend(mode: str, options: dict[str, Any]) -> BackendTracer:
    if mode == "langfuse":
        from axionlike.tracing._langfuse import LangfuseTracer

        return LangfuseTracer(**options)
    from axionlike.tracing._opik import OpikTracer

    return OpikTracer(**options)


def configure_tracing(
    mode: str | None = None,
    *,
    flush_timeout: float = 5.0,
    max_field_chars: int = 10_000,
    sensitive_fields: Iterable[str] = (),
    **options: Any,
) -> Tracer:
    """Pick and install the tracing backend that evaluations report to.

    Args:
        mode: ``'langfuse'``, ``'opik'`` or ``'noop'``; when None, the ``TRACING_MODE``
            environment variable, else ``'noop'``.
        flush_timeout: Longest wait, in seconds, for the flush at the end of a run; a
            slow or unreachable backend never holds an evaluation longer.
        max_field_chars: Span inputs, outputs and metadata are cut to this many
            characters (as JSON).
        sensitive_fields: Field names whose values are masked in every span (on top of
            API keys, tokens and Authorization headers, which always are).
        **options: Passed to the SDK client (``langfuse.Langfuse`` or ``opik.Opik``),
            e.g. ``public_key``/``secret_key``/``base_url`` or ``project_name``.

    Returns:
        The installed tracer (the previous one is flushed and shut down).

    Raises:
        ConfigurationError: An unknown mode.
        MissingDependencyError: The backend's package is not installed; the message
            names the extra (``pip install 'axionlike[langfuse]'``).

    Example:
        ```python
        os.environ["TRACING_MODE"] = "langfuse"
        configure_tracing(sensitive_fields=["patient_name"])
        evaluation_runner(..., trace_granularity="separate")
        ```
    """
    chosen = (mode or os.environ.get("TRACING_MODE") or "noop").strip().lower()
    if chosen not in MODES:
        raise ConfigurationError(f"unknown tracing mode {chosen!r}; expected one of {', '.join(MODES)}")
    _require(chosen)
    register_sensitive_fields(sensitive_fields)
    # The previous backend goes first: the SDKs keep per-key singletons that a new
    # client with the same keys would otherwise share with the one being shut down.
    set_tracer(Tracer()).shutdown()
    if chosen == "noop":
        return get_tracer()
    tracer = _backend(chosen, {"flush_timeout": flush_timeout, "max_field_chars": max_field_chars, **options})
    _fold_sdk_logs(tracer)
    set_tracer(tracer)
    return tracer
