"""The native metric contract: one small pydantic base class."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from axionlike._digest import stable_identity
from axionlike._exceptions import MetricError, UnknownMetricError
from axionlike._naming import snake_case
from axionlike._redact import excerpt
from axionlike.dataset import DatasetItem
from axionlike.results import Usage

_REGISTRY: dict[str, type[BaseMetric]] = {}


class MetricResult(BaseModel):
    """What a metric's ``execute`` returns: a score and why."""

    score: float
    explanation: str | None = None
    usage: Usage | None = None
    """Tokens and cost of the LLM calls made for this score."""
    metadata: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_value(cls, value: Any, name: str, *, kind: str = "metric") -> MetricResult:
        """What a metric, grader, aggregator or scoring function returned, as a MetricResult.

        The one reading of returned values, whoever returned them: a MetricResult; a
        number or bool; a mapping with ``score`` (and ``explanation`` or ``reason``, and
        ``metadata``; other keys become metadata); or an object with ``.score`` (and
        ``.explanation`` or ``.reason``, and ``.metadata``), such as Axion's and
        OpenJudge's result objects. Anything else, or a score that is not a finite number,
        raises MetricError naming the producer (``"metric 'exact_match'"``: ``kind`` and
        ``name``).
        """
        if isinstance(value, MetricResult):
            _check_score(value.score, kind, name)
            return value
        if isinstance(value, (bool, int, float)):
            _check_score(value, kind, name)
            return cls(score=float(value))
        if isinstance(value, Mapping):
            if "score" not in value:
                keys = ", ".join(map(str, value))
                raise MetricError(f"{kind} '{name}' returned a mapping without 'score' (keys: {keys})")
            rest = {k: v for k, v in value.items() if k not in ("score", "reason", "explanation", "metadata")}
            score, explanation = value["score"], value.get("explanation", value.get("reason"))
            metadata = {**rest, **(value.get("metadata") or {})}
        elif hasattr(value, "score"):
            explanation = getattr(value, "explanation", None)
            if explanation is None:
                explanation = getattr(value, "reason", None)
            score, metadata = value.score, dict(getattr(value, "metadata", None) or {})
        else:
            raise MetricError(
                f"{kind} '{name}' returned {type(value).__name__} {excerpt(repr(value), 60)}; expected a number, a bool, a "
                "MetricResult, a mapping with 'score' or an object with a .score"
            )
        _check_score(score, kind, name)
        return cls(score=float(score), explanation=None if explanation is None else str(explanation), metadata=metadata)


def _check_score(score: Any, kind: str, name: str) -> None:
    if not isinstance(score, (bool, int, float)):
        raise MetricError(
            f"{kind} '{name}' returned a score of type {type(score).__name__} ({excerpt(repr(score), 60)})"
        )
    if not math.isfinite(score):
        raise MetricError(f"{kind} '{name}' returned a non-finite score ({score})")


class BaseMetric(BaseModel):
    """Base class of native metrics.

    A metric is a pydantic model: its fields are its parameters, and they (with the
    class and ``version``) form its identity, which keys the cache. Subclasses set
    ``required_fields`` (item fields that must be present), may set
    ``optional_fields`` (fields read when present), ``higher_is_better`` and
    ``default_threshold``, and implement ``execute``. Instances are shared by all
    concurrent calls, so ``execute`` must keep no per-call state on ``self``.

    Example:
        ```python
        class StartsWithYes(BaseMetric):
            required_fields = ("actual_output",)

            async def execute(self, item):
                return float(item.actual_output.lower().startswith("yes"))
        ```
    """

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, frozen=True)

    required_fields: ClassVar[tuple[str, ...]] = ()
    optional_fields: ClassVar[tuple[str, ...]] = ()
    higher_is_better: ClassVar[bool] = True
    default_threshold: ClassVar[float | None] = 0.5
    version: ClassVar[str] = "1"
    """Bump when the scoring logic changes, so cached scores are recomputed."""
    abstract: ClassVar[bool] = False
    """True on a base class meant to be subclassed: it is not registered by name (not inherited)."""

    name: str = ""
    """Name in results, summaries and ``thresholds``; snake_case of the class by default."""
    threshold: float | None = None
    """Pass mark; ``default_threshold`` when not given."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "abstract" not in cls.__dict__:
            cls.abstract = False  # a subclass of an abstract base is concrete unless it says so
        if not cls.__name__.startswith("_") and not cls.abstract:
            _REGISTRY.setdefault(snake_case(cls.__name__), cls)

    def model_post_init(self, context: Any) -> None:
        if not self.name:
            object.__setattr__(self, "name", snake_case(type(self).__name__))

    @property
    def effective_threshold(self) -> float | None:
        return self.threshold if self.threshold is not None else self.default_threshold

    def parameters(self) -> dict[str, Any]:
        """Parameters that change the score (not ``name`` or ``threshold``)."""
        return self.model_dump(mode="json", exclude={"name", "threshold"}, exclude_none=True, fallback=stable_identity)

    def identity(self) -> dict[str, Any]:
        """What makes two metric instances compute the same scores."""
        cls = type(self)
        return {
            "metric": f"{cls.__module__}.{cls.__qualname__}",
            "version": cls.version,
            "parameters": self.parameters(),
        }

    async def execute(self, item: DatasetItem) -> MetricResult | float:
        """Score one item whose ``required_fields`` are present."""
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.parameters().items())
        return f"{type(self).__name__}({args})"


def metric_from_name(name: str, **parameters: Any) -> BaseMetric:
    """Build a registered native metric from its snake_case (or class) name."""
    cls = _REGISTRY.get(name) or _REGISTRY.get(snake_case(name))
    if cls is None:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownMetricError(f"unknown metric '{name}'; known metrics: {known}")
    return cls(**parameters)


def registered_metrics() -> dict[str, type[BaseMetric]]:
    """Names and classes of every registered native metric."""
    return dict(_REGISTRY)
