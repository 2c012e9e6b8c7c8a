"""Executor for DeepEval metrics: ``a_measure`` on an ``LLMTestCase``, one fresh copy per call.

Detected by class module, so routing a native metric never imports DeepEval. The
fields a metric requires come from DeepEval's own declaration (``_required_params``,
or ``evaluation_params`` for GEval). DeepEval metrics keep their results on the
instance, so every call measures a shallow copy and the user's object stays untouched.
"""

from __future__ import annotations

import copy
import inspect
import math
import re
from typing import Any

from axionlike._exceptions import ExternalMetricError, UnknownMetricError
from axionlike._libraries import load_deepeval
from axionlike._naming import snake_case
from axionlike.dataset import DatasetItem
from axionlike.metrics import MetricResult
from axionlike.runners._executors._base import MetricDescription
from axionlike.runners._executors._library import (
    attribute_identity,
    class_path,
    failure_text,
    from_library,
    has_base,
    library_version,
)

#: LLMTestCase parameter -> DatasetItem field. ``context`` is the item's extra field
#: ``context`` when it has one, else its retrieved content.
DEEPEVAL_FIELDS = {
    "input": "query",
    "actual_output": "actual_output",
    "expected_output": "expected_output",
    "context": "retrieved_content",
    "retrieval_context": "retrieved_content",
    "tools_called": "tools_called",
    "expected_tools": "expected_tools",
}

LOWER_IS_BETTER = frozenset({"BiasMetric", "ToxicityMetric", "HallucinationMetric"})
"""DeepEval metrics that pass when ``score <= threshold`` (DeepEval has no flag for it)."""

_STATE = frozenset(
    {
        "score",
        "reason",
        "success",
        "error",
        "score_breakdown",
        "verbose_logs",
        "evaluation_cost",
        "skipped",
        "using_native_model",
        "evaluation_model",
        "verbose_mode",
    }
)
"""Attributes DeepEval sets while measuring (or that do not change scores): not identity."""

_RESULTS = ("score", "reason", "success", "error", "score_breakdown", "verbose_logs", "skipped")
"""What one measurement leaves on a DeepEval metric."""


def metric_name(metric: Any) -> str:
    """DeepEval's name of ``metric`` in snake_case: 'Answer Relevancy' -> 'answer_relevancy'."""
    own = getattr(metric, "name", None)
    text = own if isinstance(own, str) and own else metric.__name__
    if text == "Base Metric":  # a custom metric that did not name itself
        text = type(metric).__name__
    return re.sub(r"[^0-9a-z]+", "_", snake_case(text).lower()).strip("_")


def required_params(metric: Any) -> list[str]:
    """The LLMTestCase parameters DeepEval checks before measuring ``metric``."""
    params = getattr(metric, "evaluation_params", None)  # GEval's test-case params
    if (
        not params
        or not isinstance(params, list)
        or any(getattr(p, "value", None) not in DEEPEVAL_FIELDS for p in params)
    ):
        params = getattr(metric, "_required_params", None)
    if not isinstance(params, list):
        return []
    return [str(getattr(p, "value", p)) for p in params]


def _higher_is_better(metric: Any) -> bool:
    flag = getattr(metric, "higher_is_better", None)
    if isinstance(flag, bool):
        return flag
    return not any(cls.__name__ in LOWER_IS_BETTER for cls in type(metric).__mro__)


def _tool_call(value: Any) -> Any:
    """An item's tool call (a name, a dict, or a ToolCall) as DeepEval's ToolCall."""
    from deepeval.test_case import ToolCall

    if isinstance(value, ToolCall):
        return value
    if isinstance(value, str):
        return ToolCall(name=value)
    if isinstance(value, dict):
        arguments = value.get("input_parameters", value.get("arguments", value.get("args")))
        return ToolCall(
            name=str(value.get("name", "")),
            description=value.get("description"),
            input_parameters=arguments if isinstance(arguments, dict) else None,
            output=value.get("output"),
        )
    return ToolCall(name=str(value))


def to_test_case(item: DatasetItem) -> Any:
    """``item`` as a DeepEval ``LLMTestCase`` (see the field table in docs/integrations.md)."""
    from deepeval.test_case import LLMTestCase

    context = item.get("context") or item.retrieved_content
    return LLMTestCase(
        input=item.query,
        actual_output=item.actual_output,
        expected_output=item.expected_output,
        context=list(context) if context else None,
        retrieval_context=list(item.retrieved_content) if item.retrieved_content else None,
        tools_called=[_tool_call(t) for t in item.tools_called] if item.tools_called is not None else None,
        expected_tools=[_tool_call(t) for t in item.expected_tools] if item.expected_tools is not None else None,
        completion_time=item.latency,
        additional_metadata=dict(item.metadata) or None,
        name=item.id,
    )


class DeepEvalExecutor:
    """Runs DeepEval metrics; their LLM calls go through ``LiteLLMDeepEval`` when given one."""

    source = "deepeval"

    def accepts(self, metric: Any) -> bool:
        return (
            not isinstance(metric, type)
            and from_library(metric, "deepeval")
            and callable(getattr(metric, "a_measure", None))
        )

    def describe(self, metric: Any) -> MetricDescription:
        if not has_base(metric, "deepeval.metrics.base_metric", "BaseMetric"):
            raise UnknownMetricError(
                f"DeepEval metric {class_path(metric)} does not score an LLMTestCase "
                "(conversational and multimodal DeepEval metrics are not supported)"
            )
        load_deepeval("DeepEval metrics")
        params = required_params(metric)
        model = getattr(metric, "model", None)
        parameters = attribute_identity(dict(vars(metric)), skip=_STATE | {"model"})
        if model is not None:
            identity = getattr(model, "cache_identity", None)
            parameters["model"] = identity() if callable(identity) else str(getattr(metric, "evaluation_model", ""))
        threshold = getattr(metric, "threshold", None)
        return MetricDescription(
            name=metric_name(metric),
            required_fields=tuple(dict.fromkeys(DEEPEVAL_FIELDS.get(p, p) for p in params)),
            optional_fields=tuple(
                dict.fromkeys(
                    f for p, f in (*DEEPEVAL_FIELDS.items(), ("completion_time", "latency")) if p not in params
                )
            ),
            higher_is_better=_higher_is_better(metric),
            threshold=float(threshold) if isinstance(threshold, (int, float)) else None,
            identity={
                "metric": f"deepeval:{class_path(metric)}",
                "version": library_version("deepeval"),
                "parameters": parameters,
            },
            span_name=f"{type(metric).__name__}.execute",
            source=self.source,
        )

    def preflight(self, metric: Any) -> None:
        """Let the model adapter check its API key before scoring."""
        check = getattr(getattr(metric, "model", None), "preflight", None)
        if callable(check):
            check()

    async def execute(self, metric: Any, item: DatasetItem) -> MetricResult:
        name = metric_name(metric)
        fresh = copy.copy(metric)  # DeepEval keeps score, reason, verdicts... on the instance
        for attribute in _RESULTS:  # start from the class defaults, not an earlier measurement's
            fresh.__dict__.pop(attribute, None)
        kwargs = (
            {"_show_indicator": False} if "_show_indicator" in inspect.signature(fresh.a_measure).parameters else {}
        )
        try:
            await fresh.a_measure(to_test_case(item), **kwargs)
        except Exception as exc:
            raise ExternalMetricError(failure_text("DeepEval", name, item.id, exc)) from exc
        score = getattr(fresh, "score", None)
        if getattr(fresh, "error", None) or not isinstance(score, (int, float)) or not math.isfinite(score):
            raise ExternalMetricError(
                f"DeepEval metric '{name}' gave no usable score on item '{item.id}': "
                f"{getattr(fresh, 'error', None) or f'score {score!r}'}"
            )
        metadata: dict[str, Any] = {"success": fresh.success, "library_threshold": getattr(fresh, "threshold", None)}
        if isinstance(getattr(fresh, "evaluation_cost", None), (int, float)):
            metadata["evaluation_cost"] = fresh.evaluation_cost
        return MetricResult(
            score=float(score),
            explanation=fresh.reason,
            metadata=metadata,  # the engine's usage scope adds tokens and cost
        )
