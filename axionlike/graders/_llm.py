"""LLMGrader: a grader whose score comes from a judge model, through a prompt template per language."""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from axionlike._exceptions import ConfigurationError, MetricError
from axionlike.graders._base import BaseGrader, GraderMode, GraderScore, LanguageEnum
from axionlike.llm import LLMClient


class ChatMessage(BaseModel):
    """One message of a prompt template; ``content`` is a ``str.format`` template over the grader's fields."""

    role: Literal["system", "user", "assistant"]
    content: str


class PromptTemplate(BaseModel):
    """A grader's prompt in each language it speaks."""

    messages: dict[LanguageEnum, list[ChatMessage]]

    def render(self, language: LanguageEnum, fields: Mapping[str, Any]) -> list[dict[str, str]]:
        """The messages of ``language`` with the fields filled in (non-text values as JSON)."""
        values = {
            k: v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str) for k, v in fields.items()
        }
        try:
            return [{"role": m.role, "content": m.content.format(**values)} for m in self.messages[language]]
        except KeyError as exc:
            raise MetricError(f"the prompt template names {{{exc.args[0]}}}, which the grader was not given") from None


class GraderVerdict(BaseModel):
    """What a judge answers by default: why, then the score (bounded by the grader's ``score_range``)."""

    reason: str = Field(description="The reasoning behind the score, step by step.")
    score: float = Field(description="The score.")


@functools.lru_cache(maxsize=64)
def verdict_model(low: float, high: float) -> type[GraderVerdict]:
    """GraderVerdict with its score bounded to ``low..high`` (the bounds reach the judge in the schema)."""
    return create_model(
        "GraderVerdict",
        __base__=GraderVerdict,
        score=(float, Field(ge=low, le=high, description=f"The score, from {low:g} to {high:g}.")),
    )


class LLMGrader(BaseGrader):
    """A grader that asks a judge model, through ``template``, for a verdict with a score.

    The judge answers JSON fitting ``structured_model`` (by default ``reason`` then
    ``score``, a GraderVerdict bounded to ``score_range``); its ``score`` must lie in
    ``score_range`` and is normalised to [0, 1]
    (a score outside it is an error on that sample, not clipped). Other fields of the
    verdict go to the score's metadata. ``aevaluate`` takes the fields the template names.

    Example:
        ```python
        template = PromptTemplate(messages={LanguageEnum.EN: [ChatMessage(role="user", content=PROMPT)]})
        grader = LLMGrader(name="clarity", model=LLMClient("gpt-4o-mini"), template=template, score_range=(1, 5))
        ```
    """

    def __init__(
        self,
        name: str,
        mode: GraderMode | str = GraderMode.POINTWISE,
        description: str = "",
        *,
        model: LLMClient | str,
        template: PromptTemplate,
        language: LanguageEnum | str = LanguageEnum.EN,
        structured_model: type[BaseModel] | None = None,
        score_range: tuple[float, float] = (0.0, 1.0),
    ) -> None:
        super().__init__(name, mode, description)
        self.model = LLMClient(model) if isinstance(model, str) else model
        self.template = template
        self.language = LanguageEnum(language)
        if self.language not in template.messages:
            spoken = ", ".join(template.messages)
            raise ConfigurationError(f"grader '{name}' has no prompt in {self.language.value!r} (it has: {spoken})")
        low, high = score_range
        if not low < high:
            raise ConfigurationError(f"grader '{name}': score_range needs low < high; got {score_range}")
        structured_model = structured_model or verdict_model(float(low), float(high))
        if "score" not in structured_model.model_fields:
            raise ConfigurationError(f"grader '{name}': structured_model {structured_model.__name__} has no 'score'")
        self.structured_model = structured_model
        self.score_range = (float(low), float(high))

    async def aevaluate(self, *args: Any, **fields: Any) -> GraderScore:
        if args:
            raise TypeError(f"grader '{self.name}' takes the template's fields as keywords: {self.required_fields}")
        return await self.judge(fields)

    async def judge(self, fields: Mapping[str, Any], metadata: Mapping[str, Any] | None = None) -> GraderScore:
        """Ask the judge about ``fields`` (the template's names) and turn its verdict into a GraderScore."""
        messages = self.template.render(self.language, fields)
        verdict = (await self.model.structured(messages, self.structured_model)).value.model_dump()
        raw = verdict.pop("score")
        low, high = self.score_range
        if not low <= raw <= high:
            raise MetricError(f"grader '{self.name}': the judge gave {raw}, outside {low:g}..{high:g}")
        reason = verdict.pop("reason", None)
        return GraderScore(
            name=self.name,
            score=(raw - low) / (high - low),
            reason=None if reason is None else str(reason),
            metadata={"raw_score": raw, **verdict, **(metadata or {})},
        )

    @property
    def required_fields(self) -> tuple[str, ...]:
        """The fields the template names (``aevaluate`` takes them as keywords)."""
        names = {
            name
            for message in self.template.messages[self.language]
            for _, name, _, _ in string.Formatter().parse(message.content)
            if name
        }
        return tuple(sorted(names))
