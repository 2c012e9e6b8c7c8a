"""LLM-judge metrics of the answer itself: relevancy, completeness, correctness."""

from __future__ import annotations

from pydantic import BaseModel, Field

from axionlike.dataset import DatasetItem
from axionlike.metrics._base import MetricResult
from axionlike.metrics._llm_base import LLMMetric, share_of_verdicts


class StatementVerdict(BaseModel):
    statement: str = Field(description="One statement made by the answer.")
    relevant: bool = Field(description="Whether the statement helps answer the question.")
    reason: str = Field(description="Why, in one sentence.")


class RelevancyVerdict(BaseModel):
    statements: list[StatementVerdict] = Field(min_length=1)


class AspectVerdict(BaseModel):
    aspect: str = Field(description="One thing a complete answer must cover.")
    covered: bool = Field(description="Whether the answer covers it.")
    reason: str = Field(description="Why, in one sentence.")


class CompletenessVerdict(BaseModel):
    aspects: list[AspectVerdict] = Field(min_length=1)


class FactVerdict(BaseModel):
    fact: str = Field(description="One fact stated by the reference answer.")
    correct: bool = Field(description="Whether the answer states it without contradicting it.")
    reason: str = Field(description="Why, in one sentence.")


class CorrectnessVerdict(BaseModel):
    facts: list[FactVerdict] = Field(min_length=1)


class AnswerRelevancy(LLMMetric):
    """Share of the answer's statements that address the query (1.0: all on topic).

    Required fields: ``query``, ``actual_output``.

    Example:
        ```python
        AnswerRelevancy(model_name="gpt-4o-mini", threshold=0.7)
        ```
    """

    required_fields = ("query", "actual_output")
    system_prompt = (
        "You judge whether an answer stays on the question. Split the answer into its "
        "individual statements. For each, decide whether it helps answer the question "
        "(relevant) or is off-topic, filler or about something else (not relevant)."
    )
    examples = (
        (
            "Question: What is the boiling point of water at sea level?\n"
            "Answer: Water boils at 100 °C at sea level. I like tea.",
            '{"statements": [{"statement": "Water boils at 100 °C at sea level.", "relevant": true, '
            '"reason": "It gives the boiling point asked for."}, {"statement": "I like tea.", '
            '"relevant": false, "reason": "A personal remark that does not answer the question."}]}',
        ),
    )
    verdict_model = RelevancyVerdict

    def render_input(self, item: DatasetItem) -> str:
        return f"Question: {item.query}\nAnswer: {item.actual_output}"

    def score_verdict(self, verdict: RelevancyVerdict, item: DatasetItem) -> MetricResult:
        return share_of_verdicts(
            verdict.statements,
            lambda s: s.relevant,
            counted="statements address the query",
            failed_label="Off-topic",
            describe=lambda s: s.statement,
        )


class AnswerCompleteness(LLMMetric):
    """Share of what a complete answer must cover that the answer covers.

    What must be covered comes from ``expected_output`` when the item has one, else
    from the ``query``. Required fields: ``query``, ``actual_output``; optional:
    ``expected_output``.
    """

    required_fields = ("query", "actual_output")
    optional_fields = ("expected_output",)
    system_prompt = (
        "You judge whether an answer is complete. List the distinct aspects a complete "
        "answer must cover: the points of the reference answer when one is given, "
        "otherwise every part of the question. For each aspect, decide whether the "
        "answer covers it."
    )
    examples = (
        (
            "Question: How do I reset my password and how long is the link valid?\n"
            "Answer: Click 'Forgot password' on the login page.",
            '{"aspects": [{"aspect": "How to start a password reset", "covered": true, '
            '"reason": "It says to click Forgot password."}, {"aspect": "How long the reset link is valid", '
            '"covered": false, "reason": "The answer does not mention the link lifetime."}]}',
        ),
    )
    verdict_model = CompletenessVerdict

    def render_input(self, item: DatasetItem) -> str:
        reference = f"\nReference answer: {item.expected_output}" if item.expected_output else ""
        return f"Question: {item.query}{reference}\nAnswer: {item.actual_output}"

    def score_verdict(self, verdict: CompletenessVerdict, item: DatasetItem) -> MetricResult:
        return share_of_verdicts(
            verdict.aspects,
            lambda a: a.covered,
            counted="aspects covered",
            failed_label="Missing",
            describe=lambda a: a.aspect,
        )


class AnswerCorrectness(LLMMetric):
    """Share of the reference answer's facts that the answer states correctly.

    Required fields: ``actual_output``, ``expected_output``; optional: ``query``.
    """

    required_fields = ("actual_output", "expected_output")
    optional_fields = ("query",)
    system_prompt = (
        "You judge whether an answer is correct against a reference answer. List the "
        "distinct facts the reference answer states. For each, decide whether the "
        "answer states it correctly (true) or omits or contradicts it (false)."
    )
    examples = (
        (
            "Reference answer: Paris is the capital of France; it has about 2.1 million inhabitants.\n"
            "Answer: The capital of France is Paris, with roughly 5 million people.",
            '{"facts": [{"fact": "Paris is the capital of France", "correct": true, '
            '"reason": "The answer names Paris."}, {"fact": "Paris has about 2.1 million inhabitants", '
            '"correct": false, "reason": "The answer says about 5 million."}]}',
        ),
    )
    verdict_model = CorrectnessVerdict

    def render_input(self, item: DatasetItem) -> str:
        question = f"Question: {item.query}\n" if item.query else ""
        return f"{question}Reference answer: {item.expected_output}\nAnswer: {item.actual_output}"

    def score_verdict(self, verdict: CorrectnessVerdict, item: DatasetItem) -> MetricResult:
        return share_of_verdicts(
            verdict.facts,
            lambda f: f.correct,
            counted="reference facts stated correctly",
            failed_label="Omitted or wrong",
            describe=lambda f: f"{f.fact} ({f.reason})",
        )
