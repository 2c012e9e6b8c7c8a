"""A tracer that records spans in memory (parents kept through the current-span variable)."""

from __future__ import annotations

import contextlib
import itertools
import json
from typing import Any

from axionlike.tracing import Span, Tracer, current_span


class RecordedSpan(Span):
    _ids = itertools.count(1)

    def __init__(self, name: str, kind: str, parent: RecordedSpan | None, input: Any, metadata: Any) -> None:
        self.name = name
        self.kind = kind
        self.parent = parent
        self.span_id = str(next(self._ids))
        self.trace_id = parent.trace_id if parent is not None else self.span_id
        self.input = input
        self.metadata = metadata
        self.attributes: dict[str, Any] = {}
        self.output: Any = None

    def set_attributes(self, **attributes: Any) -> None:
        self.attributes.update(attributes)

    def set_output(self, output: Any) -> None:
        self.output = output


class RecordingTracer(Tracer):
    enabled = True

    def __init__(self) -> None:
        self.spans: list[RecordedSpan] = []

    @contextlib.contextmanager
    def span(self, name, *, kind="span", input=None, metadata=None, new_trace=False):
        parent = None if new_trace else current_span.get()
        span = RecordedSpan(name, kind, parent if isinstance(parent, RecordedSpan) else None, input, metadata)
        self.spans.append(span)
        token = current_span.set(span)
        try:
            yield span
        finally:
            current_span.reset(token)

    def named(self, name: str) -> list[RecordedSpan]:
        return [s for s in self.spans if s.name == name]

    def dump(self) -> str:
        return json.dumps(
            [
                {
                    "name": s.name,
                    "input": s.input,
                    "metadata": s.metadata,
                    "attributes": s.attributes,
                    "output": s.output,
                }
                for s in self.spans
            ],
            default=str,
        )
