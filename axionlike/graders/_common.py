"""Common LLM judges of a response: helpfulness, relevance, correctness, hallucination, harm, instructions.

``HelpfulnessGrader``, ``HarmfulnessGrader`` and ``InstructionFollowingGrader`` are
LLMGraders with a 1-5 rubric. ``RelevanceGrader``, ``CorrectnessGrader`` and
``HallucinationGrader`` reuse the native metrics (AnswerRelevancy, AnswerCorrectness,
Faithfulness): the same verdicts and scoring, with the metric's English prompt or a Chinese
translation of it (the reason, the metric's explanation, stays English), and the judge
reached through the grader's own LLMClient (its key, retries and settings).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, Field

from axionlike._exceptions import GraderInputError
from axionlike.dataset import DatasetItem
from axionlike.graders import _prompts as prompts
from axionlike.graders._base import BaseGrader, GraderScore, LanguageEnum
from axionlike.graders._llm import LLMGrader, PromptTemplate
from axionlike.llm import LLMClient, schema_json
from axionlike.metrics import AnswerCorrectness, AnswerRelevancy, Faithfulness, LLMMetric


class _JudgeGrader(LLMGrader):
    """An LLMGrader on a 1-5 rubric whose ``aevaluate`` names its inputs and builds the template's fields."""

    def __init__(
        self,
        name: str,
        description: str,
        model: LLMClient | str,
        template: PromptTemplate,
        language: LanguageEnum | str,
        structured_model: type[BaseModel] | None = None,
    ) -> None:
        super().__init__(
            name,
            description=description,
            model=model,
            template=template,
            language=language,
            structured_model=structured_model,
            score_range=(1, 5),
        )

    @property
    def required_fields(self) -> tuple[str, ...]:
        """The parameters ``aevaluate`` needs (BaseGrader's reading, not the template's field names)."""
        return super(LLMGrader, self).required_fields


def _text(name: str, value: Any) -> str:
    """``value`` if it is text; a GraderInputError naming the field otherwise."""
    if not isinstance(value, str):
        raise GraderInputError(f"{name}: expected text, got {type(value).__name__}")
    return value


# -- LLMGrader judges -----------------------------------------------------------------------


class HelpfulnessGrader(_JudgeGrader):
    """How helpful ``response`` is to whoever asked ``query``: on target, correct, useful, clear.

    Inputs: ``query`` and ``response`` (text). The judge scores 1-5, normalised to
    [0, 1]; higher is better (1.0: fully answers the question). One LLM call per sample.

    Example:
        ```python
        grader = HelpfulnessGrader(model=LLMClient("gpt-4o-mini"), language=LanguageEnum.ZH)
        score = await grader.aevaluate(query="How do I undo a commit?", response="git revert <sha>")
        ```
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "helpfulness", "helpfulness of a response to its question", model, prompts.HELPFULNESS_TEMPLATE, language
        )

    async def aevaluate(self, query: str, response: str) -> GraderScore:
        return await self.judge({"query": _text("query", query), "response": _text("response", response)})


class HarmfulnessGrader(_JudgeGrader):
    """Whether ``response`` is free of harmful content (violence, hate, abuse, dangerous advice, ...).

    Inputs: ``query`` and ``response`` (text); the response is judged, so refusing a
    harmful request is harmless. The score is SAFETY: 1.0 means harmless and 0.0
    severely harmful (the judge's 5 and 1), so higher is better as for every grader.
    One LLM call per sample.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "harmfulness", "safety of a response (1 = harmless)", model, prompts.HARMFULNESS_TEMPLATE, language
        )

    async def aevaluate(self, query: str, response: str) -> GraderScore:
        return await self.judge({"query": _text("query", query), "response": _text("response", response)})


class InstructionFollowingGrader(_JudgeGrader):
    """How strictly ``response`` follows ``instruction``: task, format, length, style, inclusions.

    Inputs: ``instruction`` and ``response`` (text). The judge scores 1-5, normalised to
    [0, 1]; higher is better (1.0: every requirement met). One LLM call per sample.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "instruction_following",
            "compliance of a response with an instruction",
            model,
            prompts.INSTRUCTION_FOLLOWING_TEMPLATE,
            language,
        )

    async def aevaluate(self, instruction: str, response: str) -> GraderScore:
        return await self.judge(
            {"instruction": _text("instruction", instruction), "response": _text("response", response)}
        )


# -- judges reusing native metrics ------------------------------------------------------------


class _GraderMetric(LLMMetric):
    """A native metric whose judge calls go through the grader's LLMClient, so they use its key and settings."""

    abstract = True
    llm: LLMClient = Field(exclude=True, repr=False)
    """The grader's client; outside the metric's identity and dumps (the grader's identity has the model)."""

    def client(self) -> LLMClient:
        return self.llm


class _ChineseMetric(_GraderMetric):
    """A native metric asked in Chinese: its subclasses set the Chinese prompt, examples and item text."""

    abstract = True

    def render_system(self) -> str:
        return prompts.NATIVE_ANSWER_FORMAT_ZH.format(
            instructions=self.instructions(), schema=schema_json(self.verdict_schema())
        )


def _question_zh(item: DatasetItem) -> str:
    return prompts.QUESTION_LINE_ZH.format(query=item.query) if item.query else ""


class _Relevancy(_GraderMetric, AnswerRelevancy):
    """AnswerRelevancy through the grader's client."""


class _RelevancyZH(_ChineseMetric, AnswerRelevancy):
    """AnswerRelevancy in Chinese, through the grader's client."""

    system_prompt = prompts.RELEVANCE_SYSTEM_ZH
    examples = prompts.RELEVANCE_EXAMPLES_ZH

    def render_input(self, item: DatasetItem) -> str:
        return prompts.RELEVANCE_INPUT_ZH.format(query=item.query, response=item.actual_output)


class _Correctness(_GraderMetric, AnswerCorrectness):
    """AnswerCorrectness through the grader's client."""


class _CorrectnessZH(_ChineseMetric, AnswerCorrectness):
    """AnswerCorrectness in Chinese, through the grader's client."""

    system_prompt = prompts.CORRECTNESS_SYSTEM_ZH
    examples = prompts.CORRECTNESS_EXAMPLES_ZH

    def render_input(self, item: DatasetItem) -> str:
        return prompts.CORRECTNESS_INPUT_ZH.format(
            question=_question_zh(item), reference=item.expected_output, response=item.actual_output
        )


class _Faithfulness(_GraderMetric, Faithfulness):
    """Faithfulness through the grader's client."""


class _FaithfulnessZH(_ChineseMetric, Faithfulness):
    """Faithfulness in Chinese, through the grader's client."""

    system_prompt = prompts.HALLUCINATION_SYSTEM_ZH
    examples = prompts.HALLUCINATION_EXAMPLES_ZH

    def render_input(self, item: DatasetItem) -> str:
        context = "\n".join(f"[{i}] {p}" for i, p in enumerate(item.retrieved_content or [], 1))
        return prompts.HALLUCINATION_INPUT_ZH.format(
            question=_question_zh(item), context=context, response=item.actual_output
        )


class _MetricGrader(BaseGrader):
    """A grader scored by a native LLM-judge metric (its verdicts, score and explanation).

    Its identity is the model's (``LLMClient.cache_identity``: never the key), the
    language, and the metric's class and version.
    """

    def __init__(
        self,
        name: str,
        description: str,
        model: LLMClient | str,
        language: LanguageEnum | str,
        metrics: Mapping[LanguageEnum, type[_GraderMetric]],
    ) -> None:
        super().__init__(name, description=description)
        self.model = LLMClient(model) if isinstance(model, str) else model
        self.language = LanguageEnum(language)
        self._metric = metrics[self.language](
            name=name, model_name=self.model.model_name, api_base=self.model.api_base, llm=self.model
        )

    def identity(self) -> dict[str, Any]:
        metric = self._metric.identity()
        return {**super().identity(), "metric": {"class": metric["metric"], "version": metric["version"]}}

    async def _score(self, item: DatasetItem) -> GraderScore:
        result = await self._metric.execute(item)
        return GraderScore(name=self.name, score=result.score, reason=result.explanation, metadata=result.metadata)


class RelevanceGrader(_MetricGrader):
    """Share of the response's statements that address the query (AnswerRelevancy's judge).

    Inputs: ``query`` and ``response`` (text). Score in [0, 1], higher is better (1.0:
    every statement on topic); the reason lists the off-topic statements, the metadata
    holds the judge's verdicts. One LLM call per sample. English uses the native
    metric's prompt, Chinese a translation of it with the same verdicts.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "relevance",
            "share of the response's statements that address the query",
            model,
            language,
            {LanguageEnum.EN: _Relevancy, LanguageEnum.ZH: _RelevancyZH},
        )

    async def aevaluate(self, query: str, response: str) -> GraderScore:
        item = DatasetItem(query=_text("query", query), actual_output=_text("response", response))
        return await self._score(item)


class CorrectnessGrader(_MetricGrader):
    """Share of the reference answer's facts that the response states correctly (AnswerCorrectness's judge).

    Inputs: ``query``, ``response`` and ``reference`` (text). Score in [0, 1], higher is
    better (1.0: every reference fact stated, none contradicted); the reason lists the
    facts omitted or wrong. One LLM call per sample. Chinese asks with a translation of
    the metric's prompt. ``AccuracyGrader`` is the same class under RM-Gallery's name.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "correctness",
            "share of the reference's facts the response states correctly",
            model,
            language,
            {LanguageEnum.EN: _Correctness, LanguageEnum.ZH: _CorrectnessZH},
        )

    async def aevaluate(self, query: str, response: str, reference: str) -> GraderScore:
        item = DatasetItem(
            query=_text("query", query),
            actual_output=_text("response", response),
            expected_output=_text("reference", reference),
        )
        return await self._score(item)


AccuracyGrader = CorrectnessGrader
"""RM-Gallery's name for ``CorrectnessGrader``."""


class HallucinationGrader(_MetricGrader):
    """Share of the response's factual claims that the context supports (Faithfulness's judge).

    Inputs: ``response`` (text), ``context`` (a passage or a list of passages) and
    optionally ``query``. The score is faithfulness: 1.0 means no hallucination (every
    claim backed by the context), 0.0 that no claim is; higher is better. A claim the
    context does not mention counts as hallucinated even if true. One LLM call per
    sample. Chinese asks with a translation of the metric's prompt.
    """

    def __init__(self, model: LLMClient | str, language: LanguageEnum | str = LanguageEnum.EN) -> None:
        super().__init__(
            "hallucination",
            "share of the response's claims supported by the context (1 = no hallucination)",
            model,
            language,
            {LanguageEnum.EN: _Faithfulness, LanguageEnum.ZH: _FaithfulnessZH},
        )

    async def aevaluate(self, response: str, context: str | Sequence[str], query: str | None = None) -> GraderScore:
        item = DatasetItem(
            query=None if query is None else _text("query", query),
            actual_output=_text("response", response),
            retrieved_content=_passages(context),
        )
        return await self._score(item)


def _passages(context: Any) -> list[str]:
    """The context as a non-empty list of passages; a GraderInputError for anything else."""
    passages = [context] if isinstance(context, str) else context
    if isinstance(passages, (bytes, Mapping)) or not isinstance(passages, Sequence):
        raise GraderInputError(f"context: expected a passage or a list of passages, got {type(context).__name__}")
    for index, passage in enumerate(passages):
        _text(f"context[{index}]", passage)
    if not any(p.strip() for p in passages):
        raise GraderInputError("context: empty; hallucination is judged against a context")
    return list(passages)
