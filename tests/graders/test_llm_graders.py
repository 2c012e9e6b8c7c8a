"""LLM agent graders and common judges against the fake judge server: prompts, verdicts, errors, runner."""

from __future__ import annotations

import json
import re

import pytest

from axionlike._exceptions import GraderInputError, StructuredOutputError
from axionlike.graders import GraderScore, LanguageEnum
from axionlike.graders._agent_llm import (
    PlanFeasibilityGrader,
    ToolCallAccuracyGrader,
    ToolSelectionGrader,
    TrajectoryComprehensiveGrader,
)
from axionlike.graders._common import (
    AccuracyGrader,
    CorrectnessGrader,
    HallucinationGrader,
    HarmfulnessGrader,
    HelpfulnessGrader,
    InstructionFollowingGrader,
    RelevanceGrader,
)
from axionlike.grading import GraderError, GradingRunner
from axionlike.llm import LLMClient
from axionlike.testing import Fault

SECRET = "sk-test-5f4e3d2c1b0a99887766"
CHINESE = re.compile(r"[\u4e00-\u9fff]")

TRAJECTORY = [
    {"role": "user", "content": "What is the weather in Paris today?"},
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "c1", "content": "18°C, sunny"},
    {"role": "assistant", "content": "It is 18°C and sunny in Paris."},
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather of a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    },
    {"name": "search_web", "description": "Search the web"},
    "send_email",
]


@pytest.fixture
def model(fake_llm):
    return LLMClient("openai/judge", api_base=fake_llm.api_base, api_key=SECRET)


def _prompt(fake_llm) -> str:
    (request,) = fake_llm.chat_requests
    return request.text()


# -- agent graders: prompts -----------------------------------------------------------------------


async def test_trajectory_prompt_shows_the_calls_and_their_results(fake_llm, model):
    score = await TrajectoryComprehensiveGrader(model=model).aevaluate(messages=TRAJECTORY)
    assert 0.0 <= score.score <= 1.0 and score.name == "trajectory_comprehensive"
    text = _prompt(fake_llm)
    assert '-> call get_weather({"city": "Paris"})' in text
    assert "[2] tool: 18°C, sunny" in text and "[3] assistant: It is 18°C and sunny in Paris." in text
    assert "tool-using AI agent" in text and not CHINESE.search(text.replace("18°C", ""))


@pytest.mark.parametrize("language", [LanguageEnum.ZH, "zh"])
async def test_chinese_prompt_by_language(fake_llm, model, language):
    await TrajectoryComprehensiveGrader(model=model, language=language).aevaluate(messages=TRAJECTORY)
    text = _prompt(fake_llm)
    assert "智能体" in text and "tool-using AI agent" not in text
    assert "get_weather" in text and "18°C, sunny" in text


@pytest.mark.parametrize("grader_cls", [ToolSelectionGrader, ToolCallAccuracyGrader])
async def test_tool_graders_show_the_available_tools(fake_llm, model, grader_cls):
    grader = grader_cls(model=model)
    assert grader.required_fields == ("messages",) and grader.optional_fields == ("available_tools",)
    score = await grader.aevaluate(messages=TRAJECTORY, available_tools=TOOLS)
    assert 0.0 <= score.score <= 1.0
    text = _prompt(fake_llm)
    assert "- get_weather: Current weather of a city" in text and '"city": {"type": "string"}' in text
    assert "- search_web: Search the web" in text and "- send_email" in text
    assert 'get_weather({"city": "Paris"})' in text and "18°C, sunny" in text

    fake_llm.reset()
    await grader_cls(model=model, language=LanguageEnum.ZH).aevaluate(messages=TRAJECTORY)
    assert "（未提供）" in _prompt(fake_llm)


async def test_plan_feasibility_reads_a_plan_text_or_messages(fake_llm, model):
    grader = PlanFeasibilityGrader(model=model)
    assert grader.required_fields == ("plan",) and set(grader.optional_fields) == {"query", "available_tools"}
    plan = "1. Look up the flight. 2. Book the hotel near the airport."
    score = await grader.aevaluate(plan=plan, query="Plan my trip to Rome", available_tools=["search_flights"])
    assert 0.0 <= score.score <= 1.0
    text = _prompt(fake_llm)
    assert plan in text and "Plan my trip to Rome" in text and "- search_flights" in text

    fake_llm.reset()
    await grader.aevaluate(plan=TRAJECTORY)
    text = _prompt(fake_llm)
    assert "get_weather" in text and text.count("(not given)") == 2


# -- agent graders: verdicts and errors ------------------------------------------------------------


async def test_trajectory_verdict_is_normalised_with_step_notes_in_the_reason(fake_llm, model):
    verdict = {
        "reason": "overall solid",
        "step_notes": [{"step": 1, "note": "right tool, right city"}, {"step": 3, "note": "answer matches"}],
        "score": 4,
    }
    fake_llm.fail_next(Fault.content(json.dumps(verdict)))
    score = await TrajectoryComprehensiveGrader(model=model).aevaluate(messages=TRAJECTORY)
    assert score.score == pytest.approx(0.75)
    assert score.reason == "overall solid; step 1: right tool, right city; step 3: answer matches"
    assert score.metadata["raw_score"] == 4
    assert score.metadata["step_notes"] == verdict["step_notes"]


async def test_an_out_of_range_judge_score_is_an_error(fake_llm, model):
    fake_llm.responder = lambda body: {"reason": "great", "step_notes": [], "score": 9}
    with pytest.raises(StructuredOutputError, match="score"):
        await TrajectoryComprehensiveGrader(model=model).aevaluate(messages=TRAJECTORY)


MALFORMED = [
    pytest.param(42, id="not-a-list"),
    pytest.param({"role": "user", "content": "one message, not a list"}, id="a-dict"),
    pytest.param([], id="empty"),
    pytest.param([{"role": "robot", "content": "hi"}], id="bad-role"),
    pytest.param([{"role": "tool", "tool_call_id": "x", "content": "orphan"}], id="result-without-call"),
    pytest.param(
        [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{oops"}}]}], id="bad-json"
    ),
]


@pytest.mark.parametrize("messages", MALFORMED)
@pytest.mark.parametrize(
    "grader_cls", [TrajectoryComprehensiveGrader, ToolSelectionGrader, ToolCallAccuracyGrader, PlanFeasibilityGrader]
)
async def test_a_malformed_trajectory_raises_before_any_request(fake_llm, model, grader_cls, messages):
    grader = grader_cls(model=model)
    field = "plan" if grader_cls is PlanFeasibilityGrader else "messages"
    with pytest.raises(GraderInputError):
        await grader.aevaluate(**{field: messages})
    assert fake_llm.chat_requests == []


@pytest.mark.parametrize("tools", ["get_weather", {"name": "x"}, [{"description": "no name"}], [42]])
async def test_malformed_available_tools_raise_before_any_request(fake_llm, model, tools):
    with pytest.raises(GraderInputError, match="available_tools"):
        await ToolSelectionGrader(model=model).aevaluate(messages=TRAJECTORY, available_tools=tools)
    assert fake_llm.chat_requests == []


async def test_trajectory_grader_in_the_grading_runner(fake_llm, model):
    def judge(body):
        text = "\n".join(m["content"] for m in body["messages"])
        score = 9 if "loop forever" in text else 5
        return {"reason": "judged", "step_notes": [{"step": 0, "note": "clear request"}], "score": score}

    fake_llm.responder = judge
    grader = TrajectoryComprehensiveGrader(model=model, language=LanguageEnum.EN)
    runner = GradingRunner(
        {"trajectory": {"grader": grader, "mapper": {"messages": "messages"}}}, max_concurrency=4, show_progress=False
    )
    data = [
        {"messages": TRAJECTORY},
        {"messages": [{"role": "user", "content": "loop forever"}]},
        {"messages": [{"role": "tool", "content": "orphan"}]},
    ]
    results = await runner.arun(data)
    good, out_of_range, malformed = results["trajectory"]
    assert isinstance(good, GraderScore) and good.score == 1.0
    assert good.reason == "judged; step 0: clear request"
    assert isinstance(out_of_range, GraderError) and out_of_range.error.type == "StructuredOutputError"
    assert isinstance(malformed, GraderError) and malformed.error.type == "GraderInputError"
    assert len(fake_llm.chat_requests) == 3  # the good sample once, the out-of-range one with its repair request


# -- common judges -----------------------------------------------------------------------------------

COMMON = [
    (HelpfulnessGrader, {"query": "How do I boil an egg?", "response": "Boil it for 9 minutes."}),
    (RelevanceGrader, {"query": "How do I boil an egg?", "response": "Boil it for 9 minutes."}),
    (
        CorrectnessGrader,
        {"query": "Capital of France?", "response": "Paris.", "reference": "Paris is the capital of France."},
    ),
    (HallucinationGrader, {"response": "Paris is in France.", "context": ["Paris is the capital of France."]}),
    (HarmfulnessGrader, {"query": "Tell me a joke", "response": "Why did the egg cross the road?"}),
    (InstructionFollowingGrader, {"instruction": "Answer in one word.", "response": "Paris"}),
]


@pytest.mark.parametrize("language", [LanguageEnum.EN, LanguageEnum.ZH])
@pytest.mark.parametrize(("grader_cls", "fields"), COMMON, ids=[c[0].__name__ for c in COMMON])
async def test_each_common_judge_scores_in_the_unit_interval(fake_llm, model, grader_cls, fields, language):
    grader = grader_cls(model=model, language=language)
    score = await grader.aevaluate(**fields)
    assert 0.0 <= score.score <= 1.0 and score.name == grader.name and score.reason
    assert set(grader.required_fields) <= set(fields)
    (request,) = fake_llm.chat_requests
    assert request.headers["authorization"] == f"Bearer {SECRET}"  # the grader's own client makes the call
    text = request.text()
    assert all(value in text for value in fields.values() if isinstance(value, str))
    assert bool(CHINESE.search(text.split("JSON schema")[0])) == (language is LanguageEnum.ZH)


async def test_rubric_judges_normalise_the_judge_score(fake_llm, model):
    fake_llm.fail_next(Fault.content('{"reason": "no harm at all", "score": 5}'))
    safe = await HarmfulnessGrader(model=model).aevaluate(query="q", response="a kind answer")
    assert safe.score == 1.0 and safe.reason == "no harm at all"  # 1 = harmless
    fake_llm.fail_next(Fault.content('{"reason": "half done", "score": 3}'))
    partial = await InstructionFollowingGrader(model=model).aevaluate(instruction="Two bullets", response="- one")
    assert partial.score == 0.5 and partial.metadata["raw_score"] == 3


async def test_relevance_carries_the_metric_explanation(fake_llm, model):
    verdict = {
        "statements": [
            {"statement": "Boil it for 9 minutes.", "relevant": True, "reason": "answers"},
            {"statement": "I like ducks.", "relevant": False, "reason": "off topic"},
        ]
    }
    fake_llm.fail_next(Fault.content(json.dumps(verdict)))
    score = await RelevanceGrader(model=model).aevaluate(query="How do I boil an egg?", response="...")
    assert score.score == 0.5
    assert score.reason.startswith("1 of 2 statements address the query.") and "I like ducks." in score.reason
    assert score.metadata["verdicts"] == verdict["statements"]


async def test_hallucination_is_faithfulness_to_the_context(fake_llm, model):
    verdict = {"claims": [{"claim": "Paris is in France.", "supported": True, "reason": "passage 1"}]}
    fake_llm.fail_next(Fault.content(json.dumps(verdict)))
    grader = HallucinationGrader(model=model)
    assert grader.required_fields == ("response", "context") and grader.optional_fields == ("query",)
    score = await grader.aevaluate(response="Paris is in France.", context="Paris is a city in France.", query="Q?")
    assert score.score == 1.0  # 1 = no hallucination
    assert "[1] Paris is a city in France." in _prompt(fake_llm) and "Question: Q?" in _prompt(fake_llm)
    for context in ("  ", [], {"a": "b"}, [1]):
        with pytest.raises(GraderInputError, match="context"):
            await grader.aevaluate(response="r", context=context)
    assert len(fake_llm.chat_requests) == 1


async def test_correctness_has_the_rm_gallery_alias_and_shows_the_reference(fake_llm, model):
    assert AccuracyGrader is CorrectnessGrader
    grader = AccuracyGrader(model=model)
    assert grader.required_fields == ("query", "response", "reference")
    await grader.aevaluate(query="Capital?", response="Lyon", reference="Paris")
    assert "Reference answer: Paris" in _prompt(fake_llm)
    with pytest.raises(GraderInputError, match="reference"):
        await grader.aevaluate(query="Capital?", response="Lyon", reference=None)


@pytest.mark.parametrize(
    "grader_cls", [RelevanceGrader, CorrectnessGrader, HallucinationGrader, HelpfulnessGrader, ToolSelectionGrader]
)
def test_identity_has_the_model_but_never_the_key(fake_llm, grader_cls):
    grader = grader_cls(model=LLMClient("openai/judge", api_base=fake_llm.api_base, api_key=SECRET))
    other = grader_cls(model=LLMClient("openai/other-judge", api_base=fake_llm.api_base, api_key=SECRET))
    chinese = grader_cls(model=LLMClient("openai/judge", api_base=fake_llm.api_base), language=LanguageEnum.ZH)
    identity = json.dumps(grader.identity())
    assert "openai/judge" in identity and SECRET not in identity and SECRET not in repr(grader)
    assert grader.identity() != other.identity() and grader.identity() != chinese.identity()
    by_name = grader_cls(model="openai/judge")  # a model name builds its client
    assert by_name.model.model_name == "openai/judge"


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        HelpfulnessGrader(model="openai/judge", language="fr")
    with pytest.raises(ValueError):
        RelevanceGrader(model="openai/judge", language="fr")
