"""LLMJudge: a rubric judge (G-Eval style) configured with criteria, not a class."""

from __future__ import annotations

import functools
from typing import Any

from pydantic import BaseModel, Field, create_model, field_validator, model_validator

from axionlike.dataset import DatasetItem
from axionlike.metrics._base import MetricResult
from axionlike.metrics._llm_base import LLMMetric, bullet_list


@functools.lru_cache(maxsize=32)
def _verdict_model(low: int, high: int) -> type[BaseModel]:
    return create_model(
        "JudgeVerdict",
        reasoning=(str, Field(description="Step-by-step assessment against the criteria, before the score.")),
        score=(int, Field(ge=low, le=high, description=f"The score, an integer from {low} to {high}.")),
    )


class LLMJudge(LLMMetric):
    """Score items against your own criteria: an LLM judge with a rubric, G-Eval style.

    The judge reasons step by step (your ``evaluation_steps`` when given), then gives
    an integer on the rubric's scale (``scale`` when no rubric), normalised to [0, 1].
    Required fields: the ``evaluation_fields`` (``query`` and ``actual_output`` by default).

    Example:
        ```python
        politeness = LLMJudge(
            name="politeness",
            criteria="Is the answer polite and respectful to the user?",
            rubric={1: "rude or dismissive", 3: "neutral", 5: "warm and respectful"},
            evaluation_fields=("actual_output",),
        )
        ```
    """

    system_prompt = (
        "You are an impartial judge. Evaluate the item below against the criteria. "
        "Reason step by step first, then give one integer score on the scale."
    )

    criteria: str
    """What the judge assesses, in plain words."""
    rubric: dict[int, str] | None = None
    """Meaning of scores on the scale, e.g. ``{1: 'wrong', 3: 'partly right', 5: 'right'}``."""
    evaluation_steps: list[str] | None = None
    """Steps the judge follows; by default it reasons freely about the criteria."""
    evaluation_fields: tuple[str, ...] = ("query", "actual_output")
    """Item fields shown to the judge; they are this metric's required fields."""
    scale: tuple[int, int] = (1, 5)
    """Lowest and highest score when no rubric is given."""

    @field_validator("criteria")
    @classmethod
    def _has_criteria(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("criteria must say what the judge assesses")
        return value

    @model_validator(mode="after")
    def _valid_scale(self) -> LLMJudge:
        low, high = self.bounds
        if low >= high:
            raise ValueError(f"the scale needs two distinct scores; got {low}..{high}")
        if not self.evaluation_fields:
            raise ValueError("evaluation_fields must name at least one item field")
        return self

    @property
    def required_fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.evaluation_fields

    @property
    def bounds(self) -> tuple[int, int]:
        """Lowest and highest score: the rubric's, else ``scale``."""
        if self.rubric:
            return min(self.rubric), max(self.rubric)
        return self.scale

    def verdict_schema(self) -> type[BaseModel]:
        return _verdict_model(*self.bounds)

    def instructions(self) -> str:
        low, high = self.bounds
        parts = [self.system_prompt, f"Criteria:\n{self.criteria.strip()}"]
        if self.evaluation_steps:
            parts.append(f"Evaluation steps:\n{bullet_list(self.evaluation_steps)}")
        if self.rubric:
            rubric = "\n".join(f"{score}: {meaning}" for score, meaning in sorted(self.rubric.items()))
            parts.append(f"Rubric:\n{rubric}")
        parts.append(f"Scale: an integer from {low} (worst) to {high} (best).")
        return "\n\n".join(parts)

    def render_input(self, item: DatasetItem) -> str:
        lines = []
        for field in self.evaluation_fields:
            value: Any = item.get(field)
            if isinstance(value, list):
                value = "\n" + bullet_list([str(v) for v in value])
            lines.append(f"{field.replace('_', ' ').capitalize()}: {value}")
        return "\n".join(lines)

    def score_verdict(self, verdict: Any, item: DatasetItem) -> MetricResult:
        low, high = self.bounds
        return MetricResult(
            score=(verdict.score - low) / (high - low),
            explanation=verdict.reasoning,
            metadata={"raw_score": verdict.score, "scale": [low, high]},
        )
