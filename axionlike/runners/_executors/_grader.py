"""Executor for graders (``BaseGrader``) used as metrics: parameters read from the item's fields."""

from __future__ import annotations

from typing import Any

from axionlike.dataset import DatasetItem
from axionlike.graders import BaseGrader
from axionlike.metrics import MetricResult
from axionlike.runners._executors._base import MetricDescription


class GraderExecutor:
    """Runs ``BaseGrader`` objects: ``aevaluate`` gets the item fields named like its parameters."""

    source = "grader"

    def accepts(self, metric: Any) -> bool:
        return isinstance(metric, BaseGrader)

    def describe(self, grader: BaseGrader) -> MetricDescription:
        return MetricDescription(
            name=grader.name,
            required_fields=grader.required_fields,
            optional_fields=grader.optional_fields,
            higher_is_better=grader.higher_is_better,
            threshold=None,
            identity=grader.identity(),
            span_name=f"{type(grader).__name__}.aevaluate",
            source=self.source,
        )

    async def execute(self, grader: BaseGrader, item: DatasetItem) -> MetricResult:
        fields = (*grader.required_fields, *grader.optional_fields)
        kwargs = {name: item.get(name) for name in fields if not item.missing((name,))}
        return MetricResult.from_value(await grader.aevaluate(**kwargs), grader.name, kind="grader")
