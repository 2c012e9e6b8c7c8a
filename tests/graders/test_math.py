"""MathVerifyGrader: mathematical equality by math-verify, its timeouts in and out of the main thread, its errors."""

import asyncio
import math
import sys
import threading

import math_verify
import pytest
from math_verify.errors import TimeoutException

from axionlike._exceptions import ConfigurationError, GraderInputError, MissingDependencyError
from axionlike.graders._math import MathVerifyGrader
from axionlike.grading import GradingRunner
from axionlike.runners import evaluation_runner


@pytest.mark.parametrize(
    ("response", "reference"),
    [
        ("So the answer is $\\boxed{\\frac{1}{2}}$.", "0.5"),
        ("1/2", "\\frac{1}{2}"),
        ("0.5", "1/2"),
        ("$\\frac12$", 0.5),
        ("答案是 \\boxed{42}", 42),
        ("答案是 42", "42"),
        ("<think>maybe 3?</think> It is \\boxed{\\sqrt{2}}", "\\sqrt{2}"),
        ("\\boxed{\\{2, 1\\}}", "\\{1,2\\}"),
        ("$(x+1)^2$", "x^2 + 2x + 1"),
        ("The total is 1,000 apples.", "1000"),
        ("\\boxed{7}", "The solution: $x = \\boxed{7}$"),
        ("x = 0.0000001", 1e-07),
    ],
)
async def test_equal_answers_score_one(response, reference):
    result = await MathVerifyGrader().aevaluate(response=response, reference=reference)
    assert result.score == 1.0, result.reason
    assert result.reason.endswith("are equal")
    assert result.metadata["response_parsed"] and result.metadata["reference_parsed"]


async def test_different_answers_score_zero_and_show_what_was_read():
    result = await MathVerifyGrader().aevaluate(response="I think it is \\boxed{\\frac{1}{3}}", reference="0.5")
    assert result.score == 0.0
    assert result.reason == "response 1/3 (read from \\frac{1}{3}) and reference 1/2 (read from 0.5) differ"
    assert result.metadata["response_parsed"] == ["1/3", "\\frac{1}{3}"]
    assert result.metadata["reference_parsed"] == ["1/2", "\\frac{1}{2}"]


@pytest.mark.parametrize("response", ["", "I don't know", "\\boxed{}", "没有答案"])
async def test_a_response_without_an_answer_scores_zero(response):
    result = await MathVerifyGrader().aevaluate(response=response, reference="1/2")
    assert result.score == 0.0
    assert result.reason == "response: no mathematical answer found in it (reference 1/2)"
    assert result.metadata["response_parsed"] == []


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        ("", "reference: empty"),
        ("   ", "reference: empty"),
        ("\\frac{", "reference: no mathematical answer in it"),
        (None, "reference: expected text or a number, got NoneType"),
        (True, "reference: expected text or a number, got bool"),
        (math.nan, "reference: nan is not a finite number"),
    ],
)
async def test_an_unreadable_reference_is_an_input_error(reference, message):
    with pytest.raises(GraderInputError, match="^" + message.replace("\\", "\\\\")):
        await MathVerifyGrader().aevaluate(response="\\boxed{1}", reference=reference)


async def test_a_non_text_response_is_an_input_error():
    with pytest.raises(GraderInputError, match="response: expected text"):
        await MathVerifyGrader().aevaluate(response=0.5, reference="0.5")


async def test_timeouts_apply_in_the_main_thread_and_are_off_in_other_threads():
    grader = MathVerifyGrader(timeout_seconds=3)
    assert threading.current_thread() is threading.main_thread()
    main = await grader.aevaluate(response="\\boxed{0.5}", reference="1/2")
    assert (main.score, main.metadata["timeout_seconds"]) == (1.0, 3)

    def in_a_worker_thread():
        assert threading.current_thread() is not threading.main_thread()
        return asyncio.run(grader.aevaluate(response="\\boxed{0.5}", reference="1/2"))

    worker = await asyncio.to_thread(in_a_worker_thread)
    assert (worker.score, worker.metadata["timeout_seconds"]) == (1.0, None)
    never = MathVerifyGrader(timeout_seconds=None)
    assert (await never.aevaluate(response="1", reference="1")).metadata["timeout_seconds"] is None


async def test_math_verify_timeouts_and_failures_are_reported(monkeypatch):
    real_parse = math_verify.parse

    def slow_on_responses(text, **kwargs):
        if "boxed{1}" not in text:  # the reference is read as \boxed{1}
            raise TimeoutException("Operation timed out!")
        return real_parse(text, **kwargs)

    monkeypatch.setattr(math_verify, "parse", slow_on_responses)
    result = await MathVerifyGrader().aevaluate(response="2", reference="1")
    assert result.score == 0.0
    assert result.reason == "response: math-verify timed out after 5 s (reference 1)"
    assert result.metadata["error"] == "math-verify timed out after 5 s"
    with pytest.raises(GraderInputError, match="reference: math-verify timed out after 5 s"):
        await MathVerifyGrader().aevaluate(response="1", reference="2")

    monkeypatch.setattr(math_verify, "parse", real_parse)

    def broken_verify(*args, **kwargs):
        raise ValueError("cannot compare")

    monkeypatch.setattr(math_verify, "verify", broken_verify)
    result = await MathVerifyGrader().aevaluate(response="1", reference="1")
    assert result.score == 0.0
    assert result.reason == "comparing response 1 and reference 1: math-verify failed (ValueError: cannot compare)"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout_seconds": 0},
        {"timeout_seconds": 1.5},
        {"timeout_seconds": True},
        {"float_rounding": -1},
        {"numeric_precision": 0},
        {"strict": "yes"},
    ],
)
def test_bad_configuration_is_rejected(kwargs):
    with pytest.raises(ConfigurationError):
        MathVerifyGrader(**kwargs)


def test_identity_holds_the_parameters():
    assert MathVerifyGrader(strict=False).identity()["parameters"] == {
        "float_rounding": 6,
        "numeric_precision": 15,
        "strict": False,
        "timeout_seconds": 5,
    }


def test_without_math_verify_the_grader_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "math_verify", None)
    monkeypatch.setitem(sys.modules, "math_verify.errors", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'axionlike\[graders\]'") as raised:
        MathVerifyGrader()
    assert (raised.value.package, raised.value.extra) == ("math-verify", "graders")


async def test_math_verify_runs_in_grading_runner_and_evaluation_runner_inside_a_loop():
    samples = [
        {"response": "\\boxed{\\frac{1}{2}}", "answer": "0.5"},
        {"response": "\\boxed{3}", "answer": "0.5"},
        {"response": "no idea", "answer": "0.5"},
    ]
    graded = await GradingRunner(
        {"math": {"grader": MathVerifyGrader(), "mapper": {"response": "response", "reference": "answer"}}},
        show_progress=False,
    ).arun(samples)
    assert [r.score for r in graded["math"]] == [1.0, 0.0, 0.0]

    # Inside a running loop, evaluation_runner runs its engine on a worker thread: no signal timeouts there.
    items = [
        {"id": str(i), "query": "q", "response": s["response"], "reference": s["answer"]} for i, s in enumerate(samples)
    ]
    result = evaluation_runner(items, [MathVerifyGrader()], evaluation_name="math", show_progress=False)
    scores = [r.scores[0] for r in result.results]
    assert [s.score for s in scores] == [1.0, 0.0, 0.0]
    assert scores[0].source == "grader" and scores[0].metadata["timeout_seconds"] is None
