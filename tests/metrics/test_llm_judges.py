"""Native LLM-judge metrics through the engine, litellm and real HTTP to FakeLLMServer."""

import json
import re

import pytest

from axionlike._exceptions import ConfigurationError
from axionlike.dataset import DatasetItem
from axionlike.metrics import (
    AnswerCompleteness,
    AnswerCorrectness,
    AnswerRelevancy,
    ContextualRelevancy,
    Faithfulness,
    LLMJudge,
    LLMMetric,
)
from axionlike.runners import evaluation_runner
from axionlike.testing import FakeLLMServer, Fault

pytestmark = pytest.mark.usefixtures("fast_llm_retries")
SECRET = "sk-judge-0a1b2c3d4e5f60718293"


def _item_text(body):
    return body["messages"][-1]["content"] if isinstance(body["messages"][-1]["content"], str) else ""


def judge(body):
    """A deterministic judge: verdicts follow simple rules on the item text."""
    text = _item_text(body)
    schema = body.get("response_format", {}).get("json_schema", {}).get("name")
    answer = re.search(r"Answer: (.*)", text)
    sentences = [s.strip() for s in (answer.group(1) if answer else "").split(".") if s.strip()]
    if schema == "FaithfulnessVerdict":
        context = text.split("Context:")[1].split("Answer:")[0]
        return {"claims": [{"claim": s, "supported": s in context, "reason": "r"} for s in sentences]}
    if schema == "RelevancyVerdict":
        return {"statements": [{"statement": s, "relevant": "off" not in s, "reason": "r"} for s in sentences]}
    if schema == "CompletenessVerdict":
        return {
            "aspects": [
                {"aspect": a, "covered": a in text.split("Answer:")[1], "reason": "r"} for a in ("alpha", "beta")
            ]
        }
    if schema == "CorrectnessVerdict":
        facts = [f.strip() for f in re.search(r"Reference answer: (.*)", text).group(1).split(".") if f.strip()]
        return {"facts": [{"fact": f, "correct": f in answer.group(1), "reason": "r"} for f in facts]}
    if schema == "ContextRelevancyVerdict":
        passages = re.findall(r"\[(\d+)\] (.*)", text)
        return {"passages": [{"index": int(i), "relevant": "cat" in p.lower(), "reason": "r"} for i, p in passages]}
    if schema == "JudgeVerdict":
        return {"reasoning": "counted exclamation marks", "score": min(5, 1 + text.count("!"))}
    return None


@pytest.fixture
def server():
    with FakeLLMServer(judge) as running:
        yield running


def _kw(server, **extra):
    return {"model_name": "openai/gpt-4o-mini", "api_base": server.api_base, "api_key": SECRET, **extra}


ITEM = DatasetItem(
    id="i1",
    query="Tell me about cats. Cover alpha and beta!",
    actual_output="Cats purr. Cats fly. Something off topic. alpha",
    expected_output="Cats purr. Cats have whiskers",
    retrieved_content=["Cats purr.", "Dogs bark.", "A cat sleeps a lot."],
)


@pytest.mark.parametrize(
    ("metric_cls", "expected"),
    [
        (Faithfulness, 1 / 4),
        (AnswerRelevancy, 3 / 4),
        (AnswerCompleteness, 1 / 2),
        (AnswerCorrectness, 1 / 2),
        (ContextualRelevancy, 2 / 3),
    ],
)
async def test_each_metric_scores_from_the_verdicts(server, metric_cls, expected):
    metric = metric_cls(**_kw(server))
    result = await metric.execute(ITEM)
    assert result.score == pytest.approx(expected)
    assert result.explanation and result.metadata["verdicts"]
    assert result.usage.calls == 1 and result.usage.prompt_tokens > 0 and result.usage.cost > 0
    assert set(metric.required_fields) <= set(ITEM.fields())


async def test_llm_judge_normalises_the_rubric_scale(server):
    metric = LLMJudge(criteria="Is it enthusiastic?", rubric={1: "flat", 3: "some", 5: "very"}, **_kw(server))
    result = await metric.execute(DatasetItem(query="q", actual_output="Wow!!"))
    assert result.score == pytest.approx((3 - 1) / 4)  # two '!' -> 3 on 1..5
    assert result.explanation == "counted exclamation marks"
    assert result.metadata == {"raw_score": 3, "scale": [1, 5]}
    custom = LLMJudge(criteria="c", scale=(0, 10), evaluation_fields=("actual_output",), **_kw(server))
    assert custom.required_fields == ("actual_output",)
    assert "from 0 to 10" in custom.render_system()
    with pytest.raises(ValueError, match="criteria"):
        LLMJudge(criteria="  ")
    with pytest.raises(ValueError, match="two distinct scores"):
        LLMJudge(criteria="c", rubric={3: "only one"})


def test_prompts_are_readable_and_show_the_item():
    metric = Faithfulness()
    assert "faithful to its context" in metric.prompt and "JSON schema" in metric.prompt
    messages = metric.render_messages(ITEM)
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "[2] Dogs bark." in messages[-1]["content"] and "Cats fly" in messages[-1]["content"]
    judge_metric = LLMJudge(criteria="Is it polite?", evaluation_steps=["Read it", "Score it"])
    assert "Is it polite?" in judge_metric.prompt and "- Read it" in judge_metric.prompt


def test_identity_has_the_model_but_never_the_key():
    a = AnswerRelevancy(model_name="gpt-4o", api_key=SECRET, api_base="http://proxy:1/v1", timeout=5)
    b = AnswerRelevancy(model_name="gpt-4o")
    c = AnswerRelevancy(model_name="gpt-4o-mini")
    assert a.identity() == b.identity() != c.identity()
    assert a.identity()["parameters"]["model_name"] == "gpt-4o"
    for text in (repr(a), str(a), json.dumps(a.identity()), a.model_dump_json()):
        assert SECRET not in text


async def test_one_instance_serves_concurrent_items(server):
    import asyncio

    metric = ContextualRelevancy(**_kw(server))
    items = [DatasetItem(query="q", retrieved_content=["cat"] * n + ["dog"] * (4 - n)) for n in range(5)]
    results = await asyncio.gather(*(metric.execute(i) for i in items))
    assert [r.score for r in results] == [0, 0.25, 0.5, 0.75, 1.0]
    assert all(r.usage.calls == 1 for r in results)


def _items(n):
    return [
        DatasetItem(id=f"item-{i}", query=f"Tell me about cats {i}", actual_output="Cats purr. Something off",
                    retrieved_content=["Cats purr.", "cats again"])
        for i in range(n)
    ]  # fmt: skip


def test_run_accounts_usage_and_survives_a_failing_item(server, caplog):
    import logging

    caplog.set_level(logging.DEBUG)

    def responder(body):
        if "cats 3" in _item_text(body):
            return Fault.status(500, message=f"boom with {SECRET}")
        return judge(body)

    server.responder = responder
    server.fail_next(Fault.status(429, retry_after=0.01), Fault.status(500), Fault.malformed_json())
    result = evaluation_runner(
        _items(8),
        [Faithfulness(**_kw(server)), AnswerRelevancy(**_kw(server))],
        "llm-judges",
        max_concurrent=4,
        show_progress=False,
    )
    failed = result.results[3].score("faithfulness")
    assert failed.status == "error" and failed.error.type == "LLMError"
    assert "after 4 attempts" in failed.error.message and "[REDACTED]" in failed.error.message
    scored = [s for r in result.results for s in r.scores if s.status == "scored"]
    assert len(scored) == 14
    assert all(s.score == 0.5 for s in scored)
    assert all(s.usage.calls == 1 and s.usage.cost > 0 for s in scored)
    usage = result.metadata["usage"]
    assert usage["calls"] == 14
    assert usage["prompt_tokens"] == sum(s.usage.prompt_tokens for s in scored)
    assert usage["cost"] == pytest.approx(sum(s.usage.cost for s in scored))
    assert result.summary["faithfulness"].errors == 1
    for text in (result.to_json(), caplog.text, str(result.to_dataframe())):
        assert SECRET not in text


@pytest.mark.parametrize(
    ("runner_flag", "metric_flag", "marked"),
    [(True, None, True), (True, False, False), (False, True, True), (False, None, False)],
)
def test_prompt_caching_runner_flag_and_metric_override(server, runner_flag, metric_flag, marked):
    metric = AnswerRelevancy(**_kw(server, enable_prompt_caching=metric_flag))
    result = evaluation_runner(
        _items(3), [metric], "caching", enable_prompt_caching=runner_flag, max_concurrent=1, show_progress=False
    )
    messages = [r.messages for r in server.chat_requests]
    system_blocks = [m[0]["content"] for m in messages]
    if marked:
        assert all(b[0]["cache_control"] == {"type": "ephemeral"} for b in system_blocks)
        assert all(m[2]["content"][0]["cache_control"] == {"type": "ephemeral"} for m in messages)  # few-shot end
        assert isinstance(messages[0][-1]["content"], str)  # the item itself is not marked
        assert result.metadata["usage"]["cached_tokens"] > 0
    else:
        assert all(isinstance(b, str) for b in system_blocks)
        assert result.metadata["usage"]["cached_tokens"] == 0


def test_missing_api_key_raises_before_scoring(monkeypatch, server):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match=r"metric 'faithfulness' uses model 'gpt-4o'.*OPENAI_API_KEY"):
        evaluation_runner(_items(2), [Faithfulness()], "no-key", show_progress=False)
    local = evaluation_runner(
        _items(2),
        [Faithfulness(model_name="openai/gpt-4o-mini", api_base=server.api_base)],
        "local",
        show_progress=False,
    )
    assert local.summary["faithfulness"].count == 2 and server.calls == 2


def test_llm_metric_is_the_extension_point(server):
    from pydantic import BaseModel

    class Verdict(BaseModel):
        polite: bool

    class Politeness(LLMMetric):
        required_fields = ("actual_output",)
        system_prompt = "Decide whether the reply is polite."
        verdict_model = Verdict

        def render_input(self, item):
            return f"Reply: {item.actual_output}"

        def score_verdict(self, verdict, item):
            from axionlike.metrics import MetricResult

            return MetricResult(score=float(verdict.polite), explanation="polite" if verdict.polite else "rude")

    server.responder = lambda body: {"polite": "please" in _item_text(body)}
    result = evaluation_runner(
        [{"actual_output": "please sit"}, {"actual_output": "sit"}],
        [Politeness(**_kw(server))],
        "custom",
        show_progress=False,
    )
    assert [r.scores[0].score for r in result.results] == [1.0, 0.0]
