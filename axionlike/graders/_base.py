"""The grader contract: ``BaseGrader.aevaluate(**fields) -> GraderScore`` (OpenJudge's shape)."""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from axionlike._digest import stable_identity


class GraderMode(StrEnum):
    """How a grader looks at responses: one at a time, or several together."""

    POINTWISE = "pointwise"
    LISTWISE = "listwise"


class LanguageEnum(StrEnum):
    """The language of a grader's prompts."""

    EN = "en"
    ZH = "zh"


class GraderScore(BaseModel):
    """A grader's (or aggregator's) score for one sample, with its reason."""

    name: str
    score: float
    reason: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)
    """What the grader reported; aggregates list the graders used and failed."""


class BaseGrader(ABC):
    """A grader: ``await grader.aevaluate(**fields)`` scores one sample.

    Subclass it and implement ``aevaluate`` with the fields it reads as keyword
    parameters (those without a default are required). A grader runs in ``GradingRunner``
    and ``RewardFunction`` (a mapper feeds its parameters) and as a metric in
    ``evaluation_runner`` (its parameters are read from the item's fields of the same
    names). Its public attributes are its parameters: they make its identity, and so its
    cache keys. Scores are in [0, 1], higher is better, unless a grader says otherwise.

    Example:
        ```python
        class ShortAnswer(BaseGrader):
            def __init__(self, limit: int = 200):
                super().__init__(name="short_answer", description="answers within a limit")
                self.limit = limit

            async def aevaluate(self, response: str) -> GraderScore:
                ok = len(response) <= self.limit
                return GraderScore(name=self.name, score=float(ok), reason=f"{len(response)} characters")
        ```
    """

    higher_is_better: ClassVar[bool] = True

    def __init__(self, name: str, mode: GraderMode | str = GraderMode.POINTWISE, description: str = "") -> None:
        self.name = name
        self.mode = GraderMode(mode)
        self.description = description

    @abstractmethod
    async def aevaluate(self, *args: Any, **fields: Any) -> GraderScore:
        """Score one sample (subclasses name the fields they read as keyword parameters)."""

    @property
    def required_fields(self) -> tuple[str, ...]:
        """The parameters ``aevaluate`` needs (no default)."""
        return tuple(p.name for p in self._parameters() if p.default is inspect.Parameter.empty)

    @property
    def optional_fields(self) -> tuple[str, ...]:
        """The parameters ``aevaluate`` reads when given."""
        return tuple(p.name for p in self._parameters() if p.default is not inspect.Parameter.empty)

    def identity(self) -> dict[str, Any]:
        """What makes two graders give the same scores: the class and its parameters."""
        cls = type(self)
        parameters = {
            key: _plain(value)
            for key, value in sorted(vars(self).items())
            if not key.startswith("_") and key not in ("name", "description", "mode")
        }
        return {"grader": f"{cls.__module__}.{cls.__qualname__}", "parameters": parameters}

    def _parameters(self) -> list[inspect.Parameter]:
        kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return [p for p in inspect.signature(self.aevaluate).parameters.values() if p.kind in kinds]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _plain(value: Any) -> Any:
    """A parameter as plain, stable data for the grader's identity."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    return stable_identity(value)
