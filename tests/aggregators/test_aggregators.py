"""Aggregators: edge cases, and the same aggregators inside evaluation_runner."""

import math

import pytest
from pydantic import ValidationError
from rich.console import Console

from axionlike._exceptions import ConfigurationError
from axionlike.aggregators import bind_aggregators
from axionlike.dataset import DatasetItem
from axionlike.grading import (
    CallableAggregator,
    GraderError,
    GradingRunner,
    MaxAggregator,
    MeanAggregator,
    MinAggregator,
    WeightedSumAggregator,
)
from axionlike.metrics import ExactMatch, LevenshteinSimilarity
from axionlike.results import ErrorInfo, MetricScore
from axionlike.runners import evaluation_runner


def aggregate_item(aggregators, scores):
    """What the engine does per item: every aggregator over the item's scores by name."""
    by_name = {s.name: s for s in scores}
    return [aggregator.aggregate(by_name) for aggregator in aggregators]


def scored(name, value):
    return MetricScore(name=name, score=value)


def failed(name, kind="TimeoutError"):
    return MetricScore(name=name, status="error", error=ErrorInfo(type=kind, message="took too long", phase="metric"))


def test_all_inputs_failed_is_an_error_entry_not_zero():
    aggs = bind_aggregators(
        [WeightedSumAggregator(name="overall", weights={"a": 1, "b": 1}), MeanAggregator(), MaxAggregator()],
        ["a", "b"],
    )
    for entry in aggregate_item(aggs, [failed("a"), failed("b", "ValueError")]):
        assert entry.status == "error" and entry.score is None
        assert entry.error.phase == "aggregate"
        assert "every input failed (a: TimeoutError, b: ValueError)" in entry.error.message
        assert entry.metadata["failed"] == ["a", "b"]


def test_partial_failure_renormalises_weights_and_says_so():
    agg = WeightedSumAggregator(name="overall", weights={"a": 0.5, "b": 0.3, "c": 0.2})
    [entry] = aggregate_item([agg], [scored("a", 1.0), failed("b"), scored("c", 0.0)])
    assert entry.score == pytest.approx(0.5 / 0.7)
    assert entry.metadata["weights"] == pytest.approx({"a": 0.5 / 0.7, "c": 0.2 / 0.7})
    assert entry.metadata["renormalised"] is True and entry.metadata["partial"] is True
    assert entry.metadata["used"] == ["a", "c"] and entry.metadata["failed"] == ["b"]
    [full] = aggregate_item([agg], [scored("a", 1.0), scored("b", 1.0), scored("c", 0.0)])
    assert full.score == pytest.approx(0.8) and full.metadata["renormalised"] is False


def test_weighted_sum_ignores_unweighted_scores_and_rejects_zero_weight_only():
    agg = WeightedSumAggregator(weights={"a": 1.0, "b": 0.0})
    [entry] = aggregate_item([agg], [scored("a", 0.2), scored("b", 1.0), scored("other", 1.0)])
    assert entry.score == pytest.approx(0.2)
    [zero] = aggregate_item([agg], [failed("a"), scored("b", 1.0)])
    assert zero.status == "error" and "weight 0" in zero.error.message


@pytest.mark.parametrize("weights", [{"a": -1.0}, {"a": 0.0}, {"a": math.inf}])
def test_invalid_weights_raise(weights):
    with pytest.raises(ValidationError):
        WeightedSumAggregator(weights=weights)


@pytest.mark.parametrize("weights", [None, {}])
def test_weighted_sum_without_weights_weighs_every_grader_the_same(weights):
    """OpenJudge: ``WeightedSumAggregator()`` without weights is the equal-weight mean."""
    kwargs = {} if weights is None else {"weights": weights}
    [agg] = bind_aggregators([WeightedSumAggregator(name="overall", **kwargs)], ["a", "b", "c"])
    [entry] = aggregate_item([agg], [scored("a", 1.0), scored("b", 0.5), scored("c", 0.0)])
    assert entry.score == pytest.approx(0.5)
    assert entry.metadata["weights"] == pytest.approx({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3})
    assert entry.metadata["renormalised"] is False
    [partial] = aggregate_item([agg], [scored("a", 1.0), failed("b"), scored("c", 0.0)])
    assert partial.score == pytest.approx(0.5) and partial.metadata["renormalised"] is True
    assert partial.metadata["failed"] == ["b"]
    [chosen] = aggregate_item(
        [WeightedSumAggregator(name="ab", graders=["a", "b"])], [scored("a", 1.0), scored("b", 0.0), scored("c", 0.0)]
    )
    assert chosen.score == pytest.approx(0.5)


def test_weighted_sum_without_weights_in_a_grading_runner():
    runner = GradingRunner(
        {"one": lambda **_: 1.0, "zero": lambda **_: 0.0},
        aggregators=WeightedSumAggregator(name="overall"),
        show_progress=False,
    )
    assert runner.run([{}])["overall"][0].score == pytest.approx(0.5)


def test_mean_max_min_over_successful_scores_and_subsets():
    scores = [scored("a", 0.2), scored("b", 0.9), failed("c"), scored("d", 0.4)]
    mean, high, low, sub = aggregate_item(
        [MeanAggregator(), MaxAggregator(), MinAggregator(), MeanAggregator(name="ab", graders=["a", "b"])], scores
    )
    assert mean.score == pytest.approx(0.5) and mean.metadata["failed"] == ["c"]
    assert (high.score, high.metadata["from"]) == (0.9, "b")
    assert (low.score, low.metadata["from"]) == (0.2, "a")
    assert sub.score == pytest.approx(0.55) and sub.metadata["partial"] is False


def test_skipped_scores_are_left_out():
    skipped = MetricScore(name="b", status="skipped")
    [entry] = aggregate_item([MeanAggregator()], [scored("a", 1.0), skipped])
    assert entry.score == 1.0 and entry.metadata["failed"] == ["b"]


def test_callables_become_named_aggregators():
    def harmonic(scores):
        return len(scores) / sum(1 / s for s in scores.values())

    def explained(scores):
        return {"score": sum(scores.values()), "reason": "sum"}

    def broken(scores):
        raise ZeroDivisionError("bad")

    aggs = bind_aggregators([harmonic, explained, broken], ["a", "b"])
    assert [a.name for a in aggs] == ["harmonic", "explained", "broken"]
    h, e, b = aggregate_item(aggs, [scored("a", 0.5), scored("b", 1.0)])
    assert h.score == pytest.approx(2 / 3)
    assert (e.score, e.explanation) == (1.5, "sum")
    assert b.status == "error" and b.error.type == "ZeroDivisionError"
    named = CallableAggregator(name="first", fn=lambda s: next(iter(s.values())))
    [first] = aggregate_item([named], [scored("a", 0.5)])
    assert first.score == 0.5


def test_threshold_gives_a_verdict():
    [entry] = aggregate_item([MeanAggregator(threshold=0.6)], [scored("a", 0.5), scored("b", 0.6)])
    assert entry.passed is False


@pytest.mark.parametrize(
    ("aggregators", "match"),
    [
        ([MeanAggregator(name="a")], "has the name of a grader"),
        ([MeanAggregator(), MeanAggregator()], "two aggregators share the name 'mean'"),
        ([WeightedSumAggregator(weights={"zzz": 1})], "reads 'zzz', which is no grader"),
        ([MaxAggregator(graders=["a", "nope"])], "reads 'nope'"),
        ([lambda s: 1.0], "needs a name"),
        ([MeanAggregator], "pass an instance"),
        ([42], "expected an Aggregator"),
    ],
)
def test_aggregator_configuration_errors(aggregators, match):
    with pytest.raises(ConfigurationError, match=match):
        bind_aggregators(aggregators, ["a", "b"])


def test_async_aggregator_functions_are_rejected():
    async def later(scores):
        return 1.0

    with pytest.raises(ConfigurationError, match="synchronous"):
        bind_aggregators([later], ["a"])


def test_name_clash_with_grader_raises_in_grading_runner_and_evaluation_runner():
    with pytest.raises(ConfigurationError, match="has the name of a grader"):
        GradingRunner({"exact": ExactMatch()}, aggregators=MeanAggregator(name="exact"))
    with pytest.raises(ConfigurationError, match="has the name of a grader"):
        evaluation_runner(
            [DatasetItem(actual_output="x", expected_output="x")],
            [ExactMatch()],
            "clash",
            aggregators=[MaxAggregator(name="exact_match")],
            show_progress=False,
        )


def test_evaluation_runner_aggregates_per_item_in_results_dataframe_and_summary():
    def flaky(item):
        if item.id == "2":
            raise RuntimeError("scorer down")
        return 0.5

    def spread(scores):
        return max(scores.values()) - min(scores.values())

    items = [
        DatasetItem(id="1", actual_output="Paris", expected_output="Paris"),
        DatasetItem(id="2", actual_output="Lyon", expected_output="Paris"),
    ]
    result = evaluation_runner(
        items,
        [ExactMatch(), LevenshteinSimilarity(), flaky],
        "aggregated",
        aggregators=[
            WeightedSumAggregator(name="overall", weights={"exact_match": 0.5, "flaky": 0.5}),
            spread,
            MeanAggregator(name="broken_only", graders=["flaky"]),
        ],
        show_progress=False,
    )
    first, second = result.results
    assert first.score("overall").score == pytest.approx(0.75)
    assert second.score("overall").score == 0.0
    assert second.score("overall").metadata["renormalised"] is True
    assert first.score("spread").score == pytest.approx(0.5)
    assert second.score("broken_only").status == "error"
    assert [a.name for a in first.aggregates] == ["overall", "spread", "broken_only"]

    summary = result.summary["overall"]
    assert summary.count == 2 and summary.mean == pytest.approx(0.375)
    assert result.summary["broken_only"].errors == 1 and result.summary["broken_only"].count == 1

    long = result.to_dataframe()
    overall_rows = long[long["metric_name"] == "overall"]
    assert list(overall_rows["metric_score"]) == pytest.approx([0.75, 0.0])
    assert set(overall_rows["source"]) == {"aggregate"}
    wide = result.to_dataframe("wide")
    lyon = second.score("levenshtein_similarity").score  # exact 0 and flaky failed: spread is lev - 0
    assert list(wide["spread"]) == pytest.approx([0.5, lyon])
    assert math.isnan(wide["broken_only"][1])

    console = Console(record=True, width=160)
    console.print(result.to_scorecard())
    table = console.export_text()
    assert "overall" in table and "0.375" in table and "aggregate" in table


def test_grading_runner_aggregate_of_all_failed_sample_is_a_grader_error():
    def boom(x):
        raise ValueError("nope")

    runner = GradingRunner(
        {"a": {"grader": boom, "mapper": {"x": "x"}}, "b": {"grader": boom, "mapper": {"x": "x"}}},
        aggregators=[WeightedSumAggregator(name="overall", weights={"a": 1, "b": 1})],
        show_progress=False,
    )
    [entry] = runner.run([{"x": 1}])["overall"]
    assert isinstance(entry, GraderError) and not hasattr(entry, "score")
    assert entry.error.phase == "aggregate"
