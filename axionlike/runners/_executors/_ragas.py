"""Executor for Ragas metrics: ``ragas.metrics.collections`` classes and single-turn ones.

Detected by class module, so routing a native metric never imports Ragas. An item
becomes a ``SingleTurnSample`` (single-turn metrics) or the keyword arguments of
``ascore`` (collection metrics); the fields each metric requires come from Ragas' own
``required_columns`` or the ``ascore`` signature.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from typing import Any

from axionlike._exceptions import ConfigurationError, ExternalMetricError, UnknownMetricError
from axionlike._redact import excerpt
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

#: Ragas column or ``ascore`` argument -> DatasetItem field. Any other name is read
#: from the item's extra field of the same name (e.g. ``reference_contexts``).
RAGAS_FIELDS = {
    "user_input": "query",
    "response": "actual_output",
    "reference": "expected_output",
    "retrieved_contexts": "retrieved_content",
}


def item_field(ragas_name: str) -> str:
    return RAGAS_FIELDS.get(ragas_name, ragas_name)


def _is_collection(metric: Any) -> bool:
    return has_base(metric, "ragas.metrics.collections.base", "BaseMetric")


class RagasExecutor:
    """Runs Ragas metrics; their LLM calls go through ``LiteLLMRagas`` when given one."""

    source = "ragas"

    def accepts(self, metric: Any) -> bool:
        return (
            not isinstance(metric, type)
            and from_library(metric, "ragas")
            and any(callable(getattr(metric, m, None)) for m in ("ascore", "single_turn_ascore", "multi_turn_ascore"))
        )

    # -- description ---------------------------------------------------------------------

    def _columns(self, metric: Any) -> tuple[list[str], list[str]]:
        """Ragas' own required and optional inputs of ``metric``."""
        if _is_collection(metric):
            params = list(inspect.signature(metric.ascore).parameters.values())
            plain = [p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
            return (
                [p.name for p in plain if p.default is p.empty],
                [p.name for p in plain if p.default is not p.empty],
            )
        every = metric.get_required_columns(with_optional=True).get("SINGLE_TURN", set())
        required = metric.get_required_columns(with_optional=False).get("SINGLE_TURN", set())
        return sorted(required), sorted(set(every) - set(required))

    def describe(self, metric: Any) -> MetricDescription:
        if not (_is_collection(metric) or callable(getattr(metric, "single_turn_ascore", None))):
            raise UnknownMetricError(
                f"Ragas metric {class_path(metric)} is neither a ragas.metrics.collections metric nor a "
                "single-turn one (multi-turn and free-form Ragas metrics are not supported)"
            )
        required, optional = self._columns(metric)
        if dataclasses.is_dataclass(metric):
            attributes = {f.name: getattr(metric, f.name, None) for f in dataclasses.fields(metric)}
        else:
            attributes = dict(vars(metric))
        parameters = attribute_identity(attributes, skip=frozenset({"name"}))
        return MetricDescription(
            name=metric.name,
            required_fields=tuple(dict.fromkeys(item_field(c) for c in required)),
            optional_fields=tuple(dict.fromkeys(item_field(c) for c in optional)),
            higher_is_better=True,
            threshold=None,
            identity={
                "metric": f"ragas:{class_path(metric)}",
                "version": library_version("ragas"),
                "parameters": parameters,
            },
            span_name=f"{type(metric).__name__}.execute",
            source=self.source,
        )

    def preflight(self, metric: Any) -> None:
        """Let Ragas check its setup (an LLM, embeddings) and the adapter its key, before scoring."""
        if not _is_collection(metric):
            from ragas.run_config import RunConfig

            try:
                metric.init(RunConfig())
            except ValueError as exc:
                raise ConfigurationError(f"Ragas metric '{metric.name}' is not ready: {exc}") from exc
        for part in (getattr(metric, "llm", None), getattr(metric, "embeddings", None)):
            check = getattr(part, "preflight", None)
            if callable(check):
                check()

    # -- execution -----------------------------------------------------------------------

    def _arguments(self, metric: Any, item: DatasetItem) -> dict[str, Any]:
        required, optional = self._columns(metric)
        arguments = {}
        for column in (*required, *optional):
            value = item.get(item_field(column))
            if value is not None:
                arguments[column] = value
        return arguments

    async def _score(self, metric: Any, item: DatasetItem) -> tuple[Any, str | None]:
        arguments = self._arguments(metric, item)
        if _is_collection(metric):
            result = await metric.ascore(**arguments)
            return result.value, getattr(result, "reason", None)
        from ragas.dataset_schema import SingleTurnSample

        return await metric.single_turn_ascore(SingleTurnSample(**arguments)), None

    async def execute(self, metric: Any, item: DatasetItem) -> MetricResult:
        try:
            value, reason = await self._score(metric, item)
        except Exception as exc:
            raise ExternalMetricError(failure_text("Ragas", metric.name, item.id, exc)) from exc
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ExternalMetricError(
                f"Ragas metric '{metric.name}' gave no usable score on item '{item.id}' "
                f"(got {excerpt(repr(value), 60)}; Ragas returns NaN when, e.g., no statements could be extracted)"
            )
        return MetricResult(score=float(value), explanation=reason)  # the engine's usage scope adds tokens and cost
