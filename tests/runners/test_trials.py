"""Trials: each item's task and metrics run N times, each trial cached on its own; reducers give the
item's score; per-trial scores stay in the result, the DataFrame and the saved JSON; spread in the summary."""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading

import pytest

from axionlike import EvaluationAbortedError
from axionlike._exceptions import ConfigurationError
from axionlike.cache import CacheConfig, MemoryStore
from axionlike.metrics import ExactMatch, MetricResult, named
from axionlike.results import EvaluationResult
from axionlike.runners import ErrorConfig, evaluation_runner

ITEMS = [{"id": f"i{n}", "query": f"q{n}", "expected_output": f"Q{n}"} for n in range(4)]


class Counting:
    """A nondeterministic task: its n-th call (over the run) answers right unless n is odd for item i1."""

    def __init__(self):
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, item):
        with self._lock:
            self.calls += 1
            n = self.calls
        wrong = item.id == "i1" and n % 2 == 0
        return {"actual_output": "nope" if wrong else item.query.upper()}


def judge_of(sequence):
    """A metric whose scores for each item follow ``sequence`` trial after trial."""
    counters: dict[str, itertools.count] = {}

    def judge(item):
        n = next(counters.setdefault(item.id, itertools.count()))
        return MetricResult(score=sequence[n % len(sequence)], explanation=f"call {n}")

    return judge


def test_each_trial_runs_and_the_mean_is_the_item_score():
    result = evaluation_runner(ITEMS, [judge_of([0.0, 0.5, 1.0])], "trials", trials=3, show_progress=False)
    for item in result.results:
        assert item.scores[0].score == pytest.approx(0.5)
        assert [t.trial for t in item.trials] == [0, 1, 2]
        assert sorted(t.scores[0].score for t in item.trials) == [0.0, 0.5, 1.0]
        assert item.scores[0].metadata["reducer"] == "mean"
    assert result.summary["judge"].mean == pytest.approx(0.5)
    assert result.summary["judge"].trial_std == pytest.approx(math.sqrt(1 / 6))
    assert result.metadata["config"]["trials"] == 3


@pytest.mark.parametrize(
    ("reducer", "expected"),
    [("mean", 0.5), ("median", 0.5), ("min", 0.0), ("max", 1.0), ("mode", 1.0), (lambda s: sum(s) * 10, 25.0)],
)
def test_reducers(reducer, expected):
    scores = [0.0, 1.0, 1.0, 0.0, 0.5]  # mean 0.5, median 0.5, mode: 0.0 and 1.0 tie -> their mean 0.5
    if reducer == "mode":
        scores = [0.0, 1.0, 1.0, 0.5, 0.5, 1.0]  # 1.0 three times
        expected = 1.0
    result = evaluation_runner(
        ITEMS[:1],
        [judge_of(scores)],
        "reduce",
        trials=len(scores),
        reducers={"judge": reducer},
        show_progress=False,
    )
    assert result.results[0].scores[0].score == pytest.approx(
        expected if reducer != "mean" else sum(scores) / len(scores)
    )


def test_a_tied_mode_is_the_mean_of_the_tied_scores():
    result = evaluation_runner(
        ITEMS[:1], [judge_of([0.0, 1.0, 1.0, 0.0])], "mode", trials=4, reducers="majority", show_progress=False
    )
    assert result.results[0].scores[0].score == 0.5


@pytest.mark.parametrize(
    ("reducer", "expected"),
    # 4 trials, 1 passes: pass@1 = 1/4, pass@2 = 1 - C(3,2)/C(4,2) = 1/2, pass^1 = 1/4, pass^2 = 0
    [("pass@1", 0.25), ("pass@2", 0.5), ("pass@4", 1.0), ("pass^1", 0.25), ("pass^2", 0.0)],
)
def test_pass_at_k_and_pass_hat_k(reducer, expected):
    result = evaluation_runner(
        ITEMS[:1],
        [judge_of([0.9, 0.1, 0.2, 0.3])],
        "pass",
        trials=4,
        reducers=reducer,
        thresholds={"judge": 0.5},
        show_progress=False,
    )
    score = result.results[0].scores[0]
    assert score.score == pytest.approx(expected)
    assert score.passed is (expected >= 0.5)


def test_reducer_misuse_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="needs 1 <= k <= trials"):
        evaluation_runner(ITEMS, [ExactMatch()], "bad", trials=2, reducers="pass@3", show_progress=False)
    with pytest.raises(ConfigurationError, match="not one of mean"):
        evaluation_runner(ITEMS, [ExactMatch()], "bad", trials=2, reducers="average", show_progress=False)
    with pytest.raises(ConfigurationError, match="has no threshold"):
        evaluation_runner(ITEMS, [judge_of([1.0])], "bad", trials=2, reducers="pass@1", show_progress=False)
    with pytest.raises(ConfigurationError, match="no metric of this run"):
        evaluation_runner(ITEMS, [ExactMatch()], "bad", trials=2, reducers={"exact": "max"}, show_progress=False)


def test_each_trial_is_cached_on_its_own_and_more_trials_compute_only_the_new_ones():
    store = MemoryStore()
    task = Counting()

    def run(trials):
        return evaluation_runner(
            ITEMS,
            [ExactMatch()],
            "cached",
            task=task,
            trials=trials,
            cache_config=CacheConfig(store=store),
            show_progress=False,
        )

    plain = run(1)
    assert task.calls == 4
    three = run(3)
    assert task.calls == 4 + 2 * 4  # trial 0 reuses the plain run's entries
    five = run(5)
    assert task.calls == 12 + 2 * 4  # N then N+2: two new calls per item
    warm = run(5)
    assert task.calls == 20 and warm.metadata["cache"]["task"]["misses"] == 0
    assert warm.metadata["cache"]["metric"]["misses"] == 0
    assert [r.scores[0].score for r in warm.results] == [r.scores[0].score for r in five.results]
    assert plain.results[0].trials == [] and len(three.results[0].trials) == 3


def test_pass_fail_flips_between_trials_are_counted():
    result = evaluation_runner(ITEMS, [ExactMatch()], "flips", task=Counting(), trials=4, show_progress=False)
    summary = result.summary["exact_match"]
    assert summary.flip_rate == 0.25  # only i1 is sometimes wrong
    i1 = result.results[1]
    assert 0.0 < i1.scores[0].score < 1.0 and {t.scores[0].passed for t in i1.trials} == {True, False}


def test_trials_reach_the_dataframe_and_the_saved_json(tmp_path):
    result = evaluation_runner(ITEMS[:2], [judge_of([0.0, 1.0])], "frame", trials=2, show_progress=False)
    frame = result.to_dataframe()
    assert sorted(frame["trial"].dropna().unique()) == [0, 1]
    reduced = frame[frame["trial"].isna()]
    assert list(reduced["metric_score"]) == [0.5, 0.5]
    path = result.save(tmp_path / "trials.json")
    loaded = EvaluationResult.load(path)
    assert [t.scores[0].score for t in loaded.results[0].trials] == [0.0, 1.0]
    assert loaded.summary["judge"].trial_std == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("failing_call", "errors", "explanation"),
    [
        (1, [False, True, False], "mean of 2 trials; 1 trial(s) failed; trial 0: call 0"),
        (0, [True, False, False], "mean of 2 trials; 1 trial(s) failed; trial 1: call 0"),
    ],
    ids=["second", "first"],
)
def test_a_trial_whose_task_fails_is_left_out_of_the_reduction_and_counted(failing_call, errors, explanation):
    calls = itertools.count()

    def flaky(item):
        if next(calls) == failing_call:
            raise RuntimeError("flaky task")
        return {"actual_output": item.query.upper()}

    result = evaluation_runner(
        ITEMS[:1], [judge_of([0.25, 0.75])], "flaky", task=flaky, trials=3, max_concurrent=1, show_progress=False
    )
    item = result.results[0]
    assert item.error is None
    assert [t.error is not None for t in item.trials] == errors
    assert item.scores[0].score == pytest.approx(0.5)
    assert item.scores[0].explanation == explanation  # names the trial its text is from
    assert item.scores[0].metadata["failed_trials"] == 1


def test_grading_runner_takes_trials_and_reducers():
    from axionlike.grading import GradingRunner

    counters: dict[str, itertools.count] = {}

    def noisy(answer):
        n = next(counters.setdefault(answer, itertools.count()))
        return [0.2, 0.4, 0.9][n % 3]

    runner = GradingRunner(
        {"noisy": {"grader": noisy, "mapper": {"answer": "a"}}}, trials=3, reducers="median", show_progress=False
    )
    entries = runner.run([{"a": "x"}, {"a": "y"}])["noisy"]
    assert [e.score for e in entries] == [0.4, 0.4]
    assert sorted(entries[0].metadata["trial_scores"]) == [0.2, 0.4, 0.9]


def test_compare_with_trials_on_both_sides_carries_the_trial_noise():
    items = [{"id": f"i{n}", "query": f"q{n}"} for n in range(20)]
    noisy = evaluation_runner(items, [judge_of([0.0, 1.0, 0.0, 1.0])], "noisy", trials=4, show_progress=False)
    steady = evaluation_runner(items, [judge_of([0.4])], "steady", trials=4, show_progress=False)
    paired = noisy.compare(steady).metrics["judge"].paired
    assert paired.mean_difference == pytest.approx(0.1)  # every item: 0.5 against 0.4
    # item by item the difference never varies, but each 0.5 is a mean of four coin flips
    assert paired.ci_low < 0.0 < paired.ci_high and paired.within_noise
    once = evaluation_runner(items, [judge_of([0.5])], "once", show_progress=False)
    plain = once.compare(steady).metrics["judge"].paired  # one side without trials: items only
    assert plain.ci_low == pytest.approx(0.1) == plain.ci_high


def test_judge_agreement_reports_the_judges_self_agreement_across_trials():
    from axionlike.results import judge_agreement

    labelled = [{**item, "human_label": "pass" if n % 2 else "fail"} for n, item in enumerate(ITEMS * 3)]
    for n, item in enumerate(labelled):
        item["id"] = f"i{n}"
    steady = evaluation_runner(
        labelled,
        [named("parity", lambda item: float(int(item.id[1:]) % 2))],  # the same verdict every trial
        "steady",
        trials=3,
        thresholds={"parity": 0.5},
        show_progress=False,
    )
    report = judge_agreement(steady, "parity", resamples=200)
    assert report.statistics["accuracy"].value == 1.0
    assert report.self_agreement == 1.0 and "3 trials, 12 items" in report.self_agreement_measure
    assert "self-agreement 1.000" in str(report)
    once = evaluation_runner(
        labelled, [named("one", lambda item: 1.0)], "once", thresholds={"one": 0.5}, show_progress=False
    )
    assert judge_agreement(once, "one", resamples=200).self_agreement is None


def test_the_scorecard_shows_the_spread_across_trials():
    result = evaluation_runner(ITEMS, [ExactMatch()], "card", task=Counting(), trials=4, show_progress=False)
    card = result.to_scorecard()
    assert "trial std" in card.columns() and "flips" in card.columns()
    assert card.metrics["exact_match"].cells()["flips"] == "25%"
    plain = evaluation_runner(ITEMS, [ExactMatch()], "card", task=Counting(), show_progress=False)
    assert "trial std" not in plain.to_scorecard().columns()


def test_an_items_trials_run_concurrently():
    import asyncio

    in_flight = {"now": 0, "most": 0}

    async def slow(item):
        in_flight["now"] += 1
        in_flight["most"] = max(in_flight["most"], in_flight["now"])
        await asyncio.sleep(0.05)
        in_flight["now"] -= 1
        return 1.0

    evaluation_runner(ITEMS[:1], [slow], "together", trials=4, max_concurrent=10, show_progress=False)
    assert in_flight["most"] == 4


def test_without_a_task_every_trial_scores_the_item_as_mapped_once():
    rows = [{"id": "ok", "answer": "x", "expected_output": "x"}, {"id": "bad", "expected_output": "x"}]
    result = evaluation_runner(
        rows,
        [judge_of([0.0, 1.0]), ExactMatch()],
        "mapped",
        scoring_key_mapping={"actual_output": "answer"},
        trials=2,
        show_progress=False,
    )
    ok, bad = result.results
    assert ok.error is None and ok.item.actual_output == "x"
    assert [t.trial for t in ok.trials] == [0, 1]
    assert sorted(t.scores[0].score for t in ok.trials) == [0.0, 1.0] and ok.score("exact_match").score == 1.0
    # a row the mapping cannot fill fails every trial with the same error, named for the item
    assert bad.error is not None and "answer" in bad.error.message and bad.scores == []
    assert [t.error == bad.error for t in bad.trials] == [True, True]


def test_a_trial_result_is_copied_as_a_dataclass():
    result = evaluation_runner(ITEMS[:1], [judge_of([0.0, 1.0])], "copy", trials=2, show_progress=False)
    first = result.results[0].trials[0]
    copy = dataclasses.replace(first, task_cached=True)
    assert copy.task_cached and copy.scores == first.scores and not first.task_cached


def test_fail_fast_stops_a_metric_only_trials_run_with_every_trial_of_the_failing_item():
    def strict(item):
        if item.id == "i1":
            raise ValueError("strict judge refuses i1")
        return 1.0

    rows = [{**row, "actual_output": row["expected_output"]} for row in ITEMS]
    with pytest.raises(EvaluationAbortedError, match="refuses i1") as info:
        evaluation_runner(
            rows,
            [strict],
            "strict",
            trials=3,
            max_concurrent=1,
            error_config=ErrorConfig(fail_fast=True),
            show_progress=False,
        )
    done = {r.id: r for r in info.value.partial_result.results}
    assert done["i0"].scores[0].score == 1.0 and len(done["i0"].trials) == 3
    failed = done["i1"]
    assert failed.scores[0].status == "error" and [t.scores[0].status for t in failed.trials] == ["error"] * 3
    assert "i3" not in done  # nothing was admitted after the failure
