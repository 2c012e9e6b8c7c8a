"""Listwise and pairwise graders, and group-relative normalisation."""

import asyncio
import statistics

import pytest

from axionlike.grading import (
    GraderError,
    GraderRank,
    GradingRunner,
    ListwiseGrader,
    MeanAggregator,
    PairwiseGrader,
    group_relative,
    ranks_from_scores,
)


def keyword_coverage(query, responses):
    """Score each response by how many of the query's words it repeats."""
    words = set(query.lower().split())
    return [len(words & set(r.lower().split())) for r in responses]


async def judge_by_rank(responses):
    await asyncio.sleep(0)
    order = sorted(range(len(responses)), key=lambda i: len(responses[i]))  # shortest is best
    rank = [0] * len(responses)
    for position, i in enumerate(order, start=1):
        rank[i] = position
    return {"rank": rank, "reason": "shorter is better"}


def prefer_shorter(response_a, response_b):
    if len(response_a) == len(response_b):
        return "tie"
    return "A" if len(response_a) < len(response_b) else "B"


def test_ranks_from_scores_share_ties():
    assert ranks_from_scores([3, 5, 3]) == [2, 1, 2]
    assert ranks_from_scores([0.1, 0.9, 0.5, 0.9]) == [4, 1, 3, 1]


async def test_listwise_graders_return_a_rank_per_response():
    data = [
        {"query": "capital of france", "responses": ["paris is the capital of france", "lyon", "capital paris"]},
        {"query": "two plus two", "responses": ["four", "two plus two is four"]},
        {"query": "just one", "responses": ["one"]},
    ]
    runner = GradingRunner(
        {
            "coverage": {
                "grader": ListwiseGrader(keyword_coverage),
                "mapper": {"query": "query", "responses": "responses"},
            },
            "brevity": {"grader": ListwiseGrader(judge_by_rank), "mapper": {"responses": "responses"}},
        },
        show_progress=False,
    )
    results = await runner.arun(data)
    first = results["coverage"][0]
    assert isinstance(first, GraderRank)
    assert first.rank == [1, 3, 2] and first.metadata["scores"] == [3, 0, 1]
    assert first.score == 1.0  # the first response outranks both others
    assert results["coverage"][1].rank == [2, 1] and results["coverage"][1].score == 0.0
    brevity = results["brevity"][0]
    assert brevity.rank == [3, 1, 2] and brevity.reason == "shorter is better" and brevity.score == 0.0
    assert isinstance(results["coverage"][2], GraderError)
    assert "needs at least 2" in results["coverage"][2].error.message


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        ({"reason": "forgot"}, "without 'rank' or 'scores'"),
        ({"rank": [1, 5]}, "outside 1..2"),
        (["a", "b"], "non-numeric scores"),
        ("first", "expected a list of scores"),
    ],
)
async def test_malformed_listwise_verdicts_are_error_entries(returned, message):
    runner = GradingRunner({"bad": ListwiseGrader(lambda **kw: returned, name="bad")}, show_progress=False)
    [entry] = (await runner.arun([{"responses": ["x", "y"]}]))["bad"]
    assert isinstance(entry, GraderError) and message in entry.error.message


async def test_pairwise_comparison_of_two_responses():
    data = [
        {"q": "hi", "pair": ["hey", "hello there"]},
        {"q": "hi", "pair": ["hello there", "hey"]},
        {"q": "hi", "pair": ["abc", "xyz"]},
    ]
    runner = GradingRunner(
        {
            "shorter": {
                "grader": PairwiseGrader(prefer_shorter),
                "mapper": {"response_a": "pair.0", "response_b": "pair.1"},
            },
            "soft": {
                "grader": PairwiseGrader(lambda response_a, response_b: {"score": 0.8, "reason": "A is clearer"}),
                "mapper": {"response_a": "pair.0", "response_b": "pair.1"},
            },
        },
        aggregators=MeanAggregator(name="a_preference"),
        show_progress=False,
    )
    results = await runner.arun(data)
    assert [r.score for r in results["shorter"]] == [1.0, 0.0, 0.5]
    assert [r.rank for r in results["shorter"]] == [[1, 2], [2, 1], [1, 1]]
    assert [r.metadata["winner"] for r in results["shorter"]] == ["A", "B", "tie"]
    assert (results["soft"][0].score, results["soft"][0].reason) == (0.8, "A is clearer")
    assert results["a_preference"][1].score == pytest.approx(0.4)


async def test_bad_pairwise_verdict_is_an_error_entry():
    runner = GradingRunner({"p": PairwiseGrader(lambda **kw: "C")}, show_progress=False)
    [entry] = (await runner.arun([{"response_a": "x", "response_b": "y"}]))["p"]
    assert isinstance(entry, GraderError) and "expected 'A', 'B' or 'tie'" in entry.error.message


def test_group_relative_mean_centred_and_std_scaled():
    scores = [1.0, 0.0, 0.5, 0.9]
    centred = group_relative(scores)
    assert centred == pytest.approx([s - statistics.fmean(scores) for s in scores])
    assert sum(centred) == pytest.approx(0.0)
    scaled = group_relative(scores, divide_by_std=True, epsilon=0.0)
    assert statistics.stdev(scaled) == pytest.approx(1.0)
    assert group_relative([1.0, 0.0, 0.5], divide_by_std=True) == pytest.approx([1.0, -1.0, 0.0], abs=1e-4)


def test_group_relative_leaves_failed_out_and_handles_degenerate_groups():
    assert group_relative([1.0, None, 0.0]) == [0.5, None, -0.5]
    assert group_relative([None, None]) == [None, None]
    assert group_relative([0.7]) == [0.0]
    assert group_relative([0.7], divide_by_std=True) == [0.0]
    assert group_relative([0.3, 0.3], divide_by_std=True) == [0.0, 0.0]
