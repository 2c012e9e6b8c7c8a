"""The seed's custom-grader contract: its ResponseLengthGrader and CustomLLMGrader run with only their
imports (and the model class) changed, in GradingRunner, as metrics and in RewardFunction, cached."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from axionlike._exceptions import ConfigurationError
from axionlike.cache import CacheConfig, MemoryStore
from axionlike.graders import (
    ActionLoopDetectionGrader,
    BaseGrader,
    ChatMessage,
    GraderMode,
    GraderScore,
    LanguageEnum,
    LLMGrader,
    PromptTemplate,
)
from axionlike.grading import GradingRunner
from axionlike.integrations.reward import RewardFunction, RewardSample, group_samples
from axionlike.llm import LLMClient
from axionlike.runners import evaluation_runner
from axionlike.tracing import Span, Tracer, set_tracer


# -- the seed's examples, as written there but for the imports --------------------------------
class ResponseLengthGrader(BaseGrader):
    """Penalize responses that are too short or too long."""

    def __init__(self, min_length=50, max_length=500):
        super().__init__(
            name="response_length",
            mode=GraderMode.POINTWISE,
            description="Evaluate response length appropriateness",
        )
        self.min_length = min_length
        self.max_length = max_length

    async def aevaluate(self, messages: list[dict[str, Any]]) -> GraderScore:
        # Extract final response
        final_message = messages[-1]
        response_text = final_message.get("content", "")
        length = len(response_text)

        # Scoring logic
        if length < self.min_length:
            score = length / self.min_length  # Penalize short responses
        elif length > self.max_length:
            score = max(0.0, 1.0 - (length - self.max_length) / self.max_length)
        else:
            score = 1.0  # Optimal length

        return GraderScore(
            name=self.name,
            score=score,
            reason=f"Response length: {length} chars",
            metadata={"length": length},
        )


CUSTOM_PROMPT = """
Evaluate the following response based on:
1. Accuracy (0-10)
2. Completeness (0-10)
3. Clarity (0-10)

Query: {query}
Response: {response}

Output JSON:
{{"accuracy": <int>, "completeness": <int>, "clarity": <int>}}
"""


class CustomLLMGrader(LLMGrader):
    def __init__(self, model):
        template = PromptTemplate(messages={LanguageEnum.EN: [ChatMessage(role="user", content=CUSTOM_PROMPT)]})
        super().__init__(
            name="custom_llm_grader",
            mode=GraderMode.POINTWISE,
            description="Custom LLM evaluation",
            model=model,
            template=template,
        )


# ------------------------------------------------------------------------------------------------
def _conversation(answer: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": "Tell me about Paris."}, {"role": "assistant", "content": answer}]


SAMPLES = [{"messages": _conversation("x" * n)} for n in (25, 100, 750)]


def test_the_seed_rule_grader_runs_in_grading_runner_and_as_a_metric():
    results = GradingRunner({"length": {"grader": ResponseLengthGrader(), "mapper": {"messages": "messages"}}}).run(
        SAMPLES
    )
    assert [r.score for r in results["length"]] == [0.5, 1.0, 0.5]
    assert results["length"][0].reason == "Response length: 25 chars"

    store = MemoryStore()
    items = [{"id": str(i), **sample} for i, sample in enumerate(SAMPLES)]
    first = evaluation_runner(
        items, [ResponseLengthGrader()], "lengths", cache_config=CacheConfig(store=store), show_progress=False
    )
    assert [r.scores[0].score for r in first.results] == [0.5, 1.0, 0.5]
    assert first.results[2].scores[0].metadata == {"length": 750}
    again = evaluation_runner(
        items, [ResponseLengthGrader()], "lengths", cache_config=CacheConfig(store=store), show_progress=False
    )
    assert again.metadata["cache"]["metric"]["hits"] == 3
    stricter = evaluation_runner(
        items, [ResponseLengthGrader(max_length=100)], "lengths", cache_config=CacheConfig(store=store)
    )
    assert stricter.metadata["cache"]["metric"]["hits"] == 0  # parameters are part of the identity
    assert [r.scores[0].score for r in stricter.results] == [0.5, 1.0, 0.0]


def test_a_grader_as_a_metric_names_the_fields_an_item_lacks():
    items = [{"id": "1", "query": "q"}]
    score = evaluation_runner(items, [ResponseLengthGrader()], "lacks", show_progress=False).results[0].scores[0]
    assert score.status == "error" and "messages" in score.error.message and "'1'" in score.error.message
    skipping = evaluation_runner(
        items, [ResponseLengthGrader()], "skips", show_progress=False, error_config={"skip_on_missing_params": True}
    )
    assert skipping.results[0].scores[0].status == "skipped"


def test_the_seed_rule_grader_runs_in_reward_function():
    samples = [RewardSample(original_index=i, messages=s["messages"]) for i, s in enumerate(SAMPLES)]
    reward = RewardFunction({"length": {"grader": ResponseLengthGrader(), "mapper": {"messages": "messages"}}})
    results = reward.compute_rewards(group_samples(samples))
    assert results.rewards == [0.5, 1.0, 0.5]


def test_the_seed_llm_grader_runs_against_a_judge(fake_llm):
    model = LLMClient("openai/qwen3-max", api_base=fake_llm.api_base, api_key="sk-judge", temperature=0.0)
    grader = CustomLLMGrader(model)
    assert grader.required_fields == ("query", "response")
    score = asyncio.run(grader.aevaluate(query="What is the capital of France?", response="Paris."))
    assert 0.0 <= score.score <= 1.0 and score.reason and score.metadata["raw_score"] == score.score
    prompt = fake_llm.chat_requests[0].text()
    assert "Query: What is the capital of France?" in prompt and '{"accuracy": <int>' in prompt
    assert "sk-judge" not in str(grader.identity())

    results = GradingRunner(
        {"custom": {"grader": grader, "mapper": {"query": "q", "response": "a"}}}, show_progress=False
    ).run([{"q": "2+2?", "a": "4"}, {"q": "Capital of Italy?"}])
    assert 0.0 <= results["custom"][0].score <= 1.0
    assert "a" in results["custom"][1].error.message  # the mapper's missing path, on that sample only


def test_llm_grader_configuration_is_checked_up_front():
    template = PromptTemplate(messages={LanguageEnum.EN: [ChatMessage(role="user", content="{response}")]})
    with pytest.raises(ConfigurationError, match="no prompt in 'zh'"):
        LLMGrader(name="g", model="openai/m", template=template, language=LanguageEnum.ZH)
    with pytest.raises(ConfigurationError, match="score_range needs low < high"):
        LLMGrader(name="g", model="openai/m", template=template, score_range=(5, 1))


class SpanNames(Tracer):
    """Records the names of the spans opened through the tracing port."""

    enabled = True

    def __init__(self):
        self.names = []

    @contextlib.contextmanager
    def span(self, name, *, kind="span", input=None, metadata=None, new_trace=False):
        self.names.append(name)
        yield Span()


def test_a_built_in_grader_as_a_metric_is_traced_and_cached():
    loop = [
        {"role": "user", "content": "go"},
        *[
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [{"id": str(n), "function": {"name": "f", "arguments": "{}"}}],
            }
            for n in range(2)
        ],
        {"role": "tool", "tool_call_id": "0", "content": "a"},
        {"role": "tool", "tool_call_id": "1", "content": "a"},
    ]
    items = [{"id": "loop", "messages": loop}, {"id": "broken", "messages": [{"role": "tool", "content": "x"}]}]
    store, tracer = MemoryStore(), SpanNames()
    previous = set_tracer(tracer)
    try:
        first = evaluation_runner(
            items, [ActionLoopDetectionGrader()], "traced", cache_config=CacheConfig(store=store), show_progress=False
        )
    finally:
        set_tracer(previous)
    assert first.results[0].scores[0].score == 0.5
    assert first.results[1].scores[0].status == "error"
    assert first.results[1].scores[0].error.type == "GraderInputError"
    assert "ActionLoopDetectionGrader.aevaluate" in tracer.names
    again = evaluation_runner(
        items, [ActionLoopDetectionGrader()], "traced", cache_config=CacheConfig(store=store), show_progress=False
    )
    assert again.metadata["cache"]["metric"]["hits"] == 1  # the score; the error is computed again
