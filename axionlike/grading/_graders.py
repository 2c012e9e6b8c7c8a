"""Graders as the engine sees them: a named grader plus its mapper, run by one executor.

A grader is an axionlike / Ragas / DeepEval metric (routed to its own executor through
``executor_for``), an object with an ``aevaluate(**kwargs)`` method, or a plain sync/async
function called with the mapped keyword arguments. Each sample travels through the
engine inside a DatasetItem (field ``grading_sample``), and each ``BoundGrader`` (a
``Scorer``) maps it for its grader, so different graders can read different parts of
the same sample.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from axionlike._exceptions import ConfigurationError, MappingError, MissingFieldsError
from axionlike._invoke import invoke
from axionlike.dataset import DatasetItem
from axionlike.graders import BaseGrader
from axionlike.grading._mapping import Mapper, apply_mapper
from axionlike.metrics import MetricResult
from axionlike.runners import MetricDescription, MetricExecutor, Scorer, executor_for

SAMPLE_FIELD = "grading_sample"
LABEL_FIELD = "grading_label"


class GraderConfig(BaseModel):
    """A grader and the mapper that feeds it.

    Example:
        ```python
        GraderConfig(grader=contains_answer, mapper={"response": "output.answer", "reference": "reference"})
        ```
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    grader: Any
    """A metric object, an object with ``aevaluate(**kwargs)``, or a function ``**kwargs -> score``."""
    mapper: Any = None
    """``{grader_param: "dot.path"}``, a function ``sample -> dict``, or ``None`` (the sample is passed as is)."""


def as_grader_config(name: str, value: Any) -> GraderConfig:
    """Normalise one ``grader_configs`` value, as OpenJudge's ``GraderConfig.create`` does: a
    GraderConfig, ``{"grader", "mapper"}``, a ``(grader, mapper)`` tuple, or a grader alone."""
    if isinstance(value, GraderConfig):
        config = value
    elif isinstance(value, tuple):
        if len(value) not in (1, 2):
            raise ConfigurationError(
                f"grader_configs['{name}'] is a tuple of {len(value)}; expected (grader, mapper) or (grader,)"
            )
        config = GraderConfig(grader=value[0], mapper=value[1] if len(value) == 2 else None)
    elif isinstance(value, Mapping) and "grader" in value:
        extra = sorted(set(value) - {"grader", "mapper"})
        if extra:
            raise ConfigurationError(f"grader_configs['{name}'] has unknown keys {extra}; allowed: grader, mapper")
        config = GraderConfig(grader=value["grader"], mapper=value.get("mapper"))
    elif isinstance(value, Mapping):
        raise ConfigurationError(f"grader_configs['{name}'] is a dict without a 'grader' key")
    else:
        config = GraderConfig(grader=value)
    mapper = config.mapper
    if mapper is not None and not isinstance(mapper, Mapping) and not callable(mapper):
        raise ConfigurationError(
            f"grader_configs['{name}'].mapper is a {type(mapper).__name__}; expected a dict of paths or a function"
        )
    if isinstance(mapper, Mapping) and not all(isinstance(p, str) for p in mapper.values()):
        raise ConfigurationError(f"grader_configs['{name}'].mapper values must be dot paths (strings)")
    if isinstance(config.grader, type):
        cls = config.grader.__name__
        raise ConfigurationError(f"grader_configs['{name}'] holds the class {cls}; pass an instance: {cls}(...)")
    return config


def _qualname(obj: Any) -> str:
    target = obj if inspect.isroutine(obj) else type(obj)
    return f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', type(obj).__name__)}"


@dataclass(frozen=True)
class BoundGrader(Scorer):
    """One named grader of a GradingRunner with its mapper: a Scorer the engine runs as a metric."""

    name: str
    grader: Any
    mapper: Mapper | None
    executor: MetricExecutor | None
    """The executor of a metric grader; ``None`` for a function or ``aevaluate`` grader."""
    inner: MetricDescription | None

    @classmethod
    def build(cls, name: str, value: Any) -> BoundGrader:
        config = as_grader_config(name, value)
        grader = config.grader
        if callable(getattr(grader, "aevaluate", None)):
            return cls(name, grader, config.mapper, None, None)
        executor = executor_for(grader)
        inner = executor.describe(grader)
        if inner.source == "function":
            return cls(name, grader, config.mapper, None, None)
        return cls(name, grader, config.mapper, executor, inner)

    def describe(self) -> MetricDescription:
        mapper = dict(self.mapper) if isinstance(self.mapper, Mapping) else self.mapper
        if self.inner is not None:
            grader_identity: Any = self.inner.identity
        elif isinstance(self.grader, BaseGrader):
            grader_identity = self.grader.identity()
        else:
            grader_identity = _qualname(self.grader)
        identity = {
            "grader": grader_identity,
            "mapper": mapper if mapper is None or isinstance(mapper, dict) else _qualname(mapper),
        }
        return MetricDescription(
            name=self.name,
            required_fields=(),
            optional_fields=(),
            higher_is_better=self.inner.higher_is_better
            if self.inner
            else getattr(self.grader, "higher_is_better", True),
            threshold=self.inner.threshold if self.inner else None,
            identity=identity,
            span_name=self.inner.span_name if self.inner else f"{self.name}.execute",
            source="grader",
        )

    async def score(self, item: DatasetItem) -> MetricResult:
        label = item.get(LABEL_FIELD) or f"item '{item.id}'"
        kwargs = apply_mapper(item.get(SAMPLE_FIELD), self.mapper, label=label, grader=self.name)
        if self.executor is None:
            fn = getattr(self.grader, "aevaluate", None) or self.grader
            return MetricResult.from_value(await invoke(fn, **kwargs), self.name, kind="grader")
        assert self.inner is not None
        try:
            metric_item = DatasetItem.model_validate({**kwargs, "id": item.id})
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            raise MappingError(f"{label}: grader '{self.name}' got invalid item fields ({fields}): {exc}") from None
        missing = metric_item.missing(self.inner.required_fields)
        if missing:
            raise MissingFieldsError(self.name, missing, label)
        result = await self.executor.execute(self.grader, metric_item)
        result.metadata.setdefault("grader_source", self.inner.source)
        return result
