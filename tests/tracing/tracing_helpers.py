"""Tracing test helpers: a traced LLM metric and one view of both backends' spans.

The Langfuse and Opik SDKs are the real ones; they export over HTTP to the
``TraceCollector`` and the tests read back what it decoded. ``Judge`` opens the two
LLM spans the way the LLM client does (``litellm_structured`` then ``llm_call`` with
model, tokens and cost), without calling a model.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from axionlike.metrics import BaseMetric, MetricResult
from axionlike.testing import TraceCollector
from axionlike.tracing import get_tracer

BACKENDS = ["langfuse", "opik"]


class Judge(BaseMetric):
    """A metric that traces an LLM call like the LLM client does, scoring by length parity."""

    required_fields = ("actual_output",)
    delay: float = 0.0

    async def execute(self, item: Any) -> MetricResult:
        tracer = get_tracer()
        with tracer.span("litellm_structured", input={"item_id": item.id, "schema": "Verdict"}) as outer:
            await asyncio.sleep(self.delay)
            with tracer.span("llm_call", kind="llm", input={"item_id": item.id, "prompt": item.actual_output}) as call:
                await asyncio.sleep(self.delay)
                call.set_attributes(
                    model="gpt-4o-mini", prompt_tokens=120, completion_tokens=30, cached_tokens=100, cost=0.0025
                )
                call.set_output({"verdict": f"judged {item.id}"})
            outer.set_output({"verdict": f"judged {item.id}"})
        return MetricResult(score=float(len(item.actual_output) % 2), explanation=f"judged {item.id}")


@dataclass
class Node:
    """One span, whichever backend sent it."""

    id: str
    trace: str
    parent: str | None
    name: str
    input: Any = None
    output: Any = None
    generation: bool = False
    model: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    cost: float | None = None
    metadata: Any = None
    error: bool = False


def _loads(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def langfuse_nodes(collector: TraceCollector) -> list[Node]:
    nodes = []
    for s in collector.langfuse_spans:
        a = s["attributes"]
        metadata = {
            k.rsplit(".", 1)[1]: _loads(v) for k, v in a.items() if k.startswith("langfuse.observation.metadata.")
        }
        nodes.append(
            Node(
                id=s["span_id"],
                trace=s["trace_id"],
                parent=s["parent_span_id"],
                name=s["name"],
                input=_loads(a.get("langfuse.observation.input")),
                output=_loads(a.get("langfuse.observation.output")),
                generation=a.get("langfuse.observation.type") == "generation",
                model=a.get("langfuse.observation.model.name"),
                usage=_loads(a.get("langfuse.observation.usage_details")) or {},
                cost=(_loads(a.get("langfuse.observation.cost_details")) or {}).get("total"),
                metadata=metadata,
                error=a.get("langfuse.observation.level") == "ERROR",
            )
        )
    return nodes


def _unwrap(value: Any, key: str) -> Any:
    """Opik keeps inputs/outputs as objects: the tracer wraps a bare value as ``{key: value}``."""
    return value[key] if isinstance(value, dict) and list(value) == [key] else value


def opik_nodes(collector: TraceCollector) -> list[Node]:
    nodes = [
        Node(
            id=t["id"],
            trace=t["id"],
            parent=None,
            name=t["name"],
            input=_unwrap(t.get("input"), "input"),
            output=_unwrap(t.get("output"), "output"),
            metadata=t.get("metadata"),
            error="error_info" in t,
        )
        for t in collector.opik_traces.values()
    ]
    nodes += [
        Node(
            id=s["id"],
            trace=s["trace_id"],
            parent=s.get("parent_span_id") or s["trace_id"],
            name=s["name"],
            input=_unwrap(s.get("input"), "input"),
            output=_unwrap(s.get("output"), "output"),
            generation=s.get("type") == "llm",
            model=s.get("model"),
            usage=s.get("usage") or {},
            cost=s.get("total_estimated_cost"),
            metadata=s.get("metadata"),
            error="error_info" in s,
        )
        for s in collector.opik_spans.values()
    ]
    return nodes


def nodes_of(backend: str, collector: TraceCollector) -> list[Node]:
    return langfuse_nodes(collector) if backend == "langfuse" else opik_nodes(collector)


def scores_of(backend: str, collector: TraceCollector) -> list[dict[str, Any]]:
    """Scores as ``{target, trace, name, value, comment}``: target is the scored node id."""
    if backend == "langfuse":
        return [
            {
                "target": s["observationId"],
                "trace": s["traceId"],
                "name": s["name"],
                "value": s["value"],
                "comment": s.get("comment"),
            }
            for s in collector.langfuse_scores
        ]
    return [
        {"target": s["id"], "kind": s["kind"], "name": s["name"], "value": s["value"], "comment": s.get("reason")}
        for s in collector.opik_feedback
    ]
