"""LLM-judge metrics of retrieval-augmented answers: faithfulness, contextual relevancy."""

from __future__ import annotations

from pydantic import BaseModel, Field

from axionlike.dataset import DatasetItem
from axionlike.metrics._base import MetricResult
from axionlike.metrics._llm_base import LLMMetric, share_of_verdicts


class ClaimVerdict(BaseModel):
    claim: str = Field(description="One factual claim made by the answer.")
    supported: bool = Field(description="Whether the context supports the claim.")
    reason: str = Field(description="Why, in one sentence.")


class FaithfulnessVerdict(BaseModel):
    claims: list[ClaimVerdict] = Field(min_length=1)


class ChunkVerdict(BaseModel):
    index: int = Field(ge=1, description="1-based number of the context passage.")
    relevant: bool = Field(description="Whether the passage helps answer the question.")
    reason: str = Field(description="Why, in one sentence.")


class ContextRelevancyVerdict(BaseModel):
    passages: list[ChunkVerdict] = Field(min_length=1)


def _numbered(passages: list[str]) -> str:
    return "\n".join(f"[{i}] {p}" for i, p in enumerate(passages, 1))


class Faithfulness(LLMMetric):
    """Share of the answer's factual claims that the retrieved context supports.

    1.0 means the answer says nothing the context does not back. Required fields:
    ``actual_output``, ``retrieved_content``; optional: ``query``.
    """

    required_fields = ("actual_output", "retrieved_content")
    optional_fields = ("query",)
    system_prompt = (
        "You judge whether an answer is faithful to its context. Split the answer into "
        "its factual claims. For each claim, decide whether the context passages "
        "support it. A claim the context does not mention is not supported, even if true."
    )
    examples = (
        (
            "Context:\n[1] The Eiffel Tower was completed in 1889.\n"
            "Answer: The Eiffel Tower was finished in 1889 and is 330 m tall.",
            '{"claims": [{"claim": "The Eiffel Tower was finished in 1889.", "supported": true, '
            '"reason": "Passage 1 gives 1889."}, {"claim": "The Eiffel Tower is 330 m tall.", '
            '"supported": false, "reason": "No passage mentions its height."}]}',
        ),
    )
    verdict_model = FaithfulnessVerdict

    def render_input(self, item: DatasetItem) -> str:
        question = f"Question: {item.query}\n" if item.query else ""
        return f"{question}Context:\n{_numbered(item.retrieved_content or [])}\nAnswer: {item.actual_output}"

    def score_verdict(self, verdict: FaithfulnessVerdict, item: DatasetItem) -> MetricResult:
        return share_of_verdicts(
            verdict.claims,
            lambda c: c.supported,
            counted="claims supported by the context",
            failed_label="Unsupported",
            describe=lambda c: c.claim,
        )


class ContextualRelevancy(LLMMetric):
    """Share of the retrieved passages that are relevant to the query.

    Passages the judge leaves out count as not relevant. Required fields: ``query``,
    ``retrieved_content``.
    """

    required_fields = ("query", "retrieved_content")
    system_prompt = (
        "You judge retrieval quality. For every numbered context passage, decide whether "
        "it contains information that helps answer the question. Give one verdict per "
        "passage, using its number."
    )
    examples = (
        (
            "Question: When was the Eiffel Tower completed?\n"
            "Context:\n[1] The Eiffel Tower was completed in 1889.\n[2] Paris has many bakeries.",
            '{"passages": [{"index": 1, "relevant": true, "reason": "It gives the completion year."}, '
            '{"index": 2, "relevant": false, "reason": "Bakeries do not answer the question."}]}',
        ),
    )
    verdict_model = ContextRelevancyVerdict

    def render_input(self, item: DatasetItem) -> str:
        return f"Question: {item.query}\nContext:\n{_numbered(item.retrieved_content or [])}"

    def score_verdict(self, verdict: ContextRelevancyVerdict, item: DatasetItem) -> MetricResult:
        passages = item.retrieved_content or []
        relevant = {v.index for v in verdict.passages if v.relevant and v.index <= len(passages)}
        judged = {v.index for v in verdict.passages if v.index <= len(passages)}
        explanation = f"{len(relevant)} of {len(passages)} retrieved passages are relevant to the query."
        unjudged = len(passages) - len(judged)
        if unjudged:
            explanation += f" ({unjudged} passage{'s' if unjudged != 1 else ''} not judged, counted as not relevant.)"
        return MetricResult(
            score=len(relevant) / len(passages) if passages else 0.0,
            explanation=explanation,
            metadata={"verdicts": [v.model_dump() for v in verdict.passages]},
        )
