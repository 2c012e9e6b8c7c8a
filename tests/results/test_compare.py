"""Comparing two runs: side-by-side statistics, pairing by item id, bootstrap noise flag, CLI."""

import numpy as np
import pytest

from axionlike.cli import main
from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch, Latency
from axionlike.results import Comparison, EvaluationResult
from axionlike.results._compare import bootstrap_interval
from axionlike.results._terminal import comparison_renderable, render_text
from axionlike.runners import evaluation_runner


def run(name, answers, *, latencies=None, ids=None, metrics=None):
    ids = ids or [f"q{i}" for i in range(len(answers))]
    items = [
        DatasetItem(
            id=item_id,
            query=f"question {item_id}",
            expected_output="yes",
            actual_output=answer,
            latency=None if latencies is None else latencies[i],
        )
        for i, (item_id, answer) in enumerate(zip(ids, answers, strict=True))
    ]
    metrics = metrics or [ExactMatch()]
    return evaluation_runner(items, metrics, name, show_progress=False)


def test_a_clear_improvement_is_flagged_better():
    baseline = run("v1", ["yes"] * 10 + ["no"] * 20)
    current = run("v2", ["yes"] * 27 + ["no"] * 3)
    comparison = current.compare(baseline)
    assert isinstance(comparison, Comparison)
    exact = comparison.metrics["exact_match"]
    assert exact.baseline.mean == pytest.approx(1 / 3) and exact.current.mean == pytest.approx(0.9)
    assert exact.mean_difference == pytest.approx(0.9 - 1 / 3)
    assert exact.pass_rate_difference == pytest.approx(0.9 - 1 / 3)
    assert exact.paired.n == 30 and exact.paired.mean_difference == pytest.approx(17 / 30)
    assert 0 < exact.paired.ci_low < 17 / 30 < exact.paired.ci_high <= 1
    assert not exact.paired.within_noise and exact.verdict == "better"
    assert (comparison.shared_items, comparison.only_current, comparison.only_baseline) == (30, 0, 0)
    worse = baseline.compare(current).metrics["exact_match"]
    assert worse.verdict == "worse" and worse.paired.mean_difference == pytest.approx(-17 / 30)


def test_a_small_difference_is_within_noise_and_the_interval_is_seeded():
    baseline = run("v1", ["yes", "no"] * 15)
    current = run("v2", ["no", "yes"] * 15)  # same mean, every item flipped
    exact = current.compare(baseline).metrics["exact_match"]
    assert exact.mean_difference == 0 and exact.paired.n == 30
    assert exact.paired.ci_low < 0 < exact.paired.ci_high and exact.paired.within_noise
    assert exact.verdict == "within noise"
    again = current.compare(baseline).metrics["exact_match"].paired
    assert (again.ci_low, again.ci_high) == (exact.paired.ci_low, exact.paired.ci_high)


def test_lower_is_better_metrics_improve_when_they_fall():
    slow = run("slow", ["yes"] * 12, latencies=[2.0 + i / 10 for i in range(12)], metrics=[Latency(threshold=2.5)])
    fast = run("fast", ["yes"] * 12, latencies=[1.0 + i / 10 for i in range(12)], metrics=[Latency(threshold=2.5)])
    latency = fast.compare(slow).metrics["latency"]
    assert latency.paired.mean_difference == pytest.approx(-1.0)
    assert latency.paired.ci_high < 0 and latency.verdict == "better"
    assert fast.summary["latency"].pass_rate == 1.0 and latency.pass_rate_difference == pytest.approx(
        0.5
    )  # 2.0 .. 2.5 of 2.0 .. 3.1 passed
    assert slow.compare(fast).metrics["latency"].verdict == "worse"


def test_pairs_only_shared_ids_and_duplicates_by_occurrence():
    baseline = run("v1", ["no", "no", "yes", "no"], ids=["a", "b", "a", "c"])
    current = run("v2", ["yes", "yes", "yes", "no"], ids=["a", "a", "b", "d"])
    comparison = current.compare(baseline)
    paired = comparison.metrics["exact_match"].paired
    # a#0: yes - no, a#1: yes - yes, b#0: yes - no  ->  differences 1, 0, 1
    assert paired.n == 3 and paired.mean_difference == pytest.approx(2 / 3)
    assert (comparison.shared_items, comparison.only_current, comparison.only_baseline) == (2, 1, 1)


def test_metrics_in_one_run_only_and_single_pairs_are_not_judged():
    baseline = run("v1", ["yes"], metrics=[ExactMatch()])
    current = run("v2", ["no"], latencies=[1.0], metrics=[ExactMatch(), Latency(threshold=2)])
    comparison = current.compare(baseline)
    assert comparison.metrics["latency"].baseline is None and comparison.metrics["latency"].verdict == "not comparable"
    assert comparison.metrics["latency"].cells()["baseline mean"] == "-"
    single = comparison.metrics["exact_match"].paired
    assert single.n == 1 and single.ci_low is None and single.within_noise
    with pytest.raises(ValueError, match="confidence"):
        current.compare(baseline, confidence=1.5)


def test_bootstrap_interval_matches_a_direct_resampling():
    differences = np.random.default_rng(1).normal(0.2, 1.0, size=500)
    low, high = bootstrap_interval(differences, confidence=0.9, resamples=400, seed=3)
    rng = np.random.default_rng(3)
    means = differences[rng.integers(0, 500, size=(400, 500), dtype=np.int32)].mean(axis=1)
    assert (low, high) == tuple(np.percentile(means, [5, 95]))
    assert bootstrap_interval([0.25] * 40, confidence=0.95, resamples=100, seed=0) == (0.25, 0.25)


def test_views_and_the_cli(tmp_path, capsys):
    baseline = run("v1 <old>", ["yes"] * 10 + ["no"] * 20)
    current = run("v2", ["yes"] * 27 + ["no"] * 3)
    comparison = current.compare(baseline)
    html = comparison._repr_html_()
    assert "v1 &lt;old&gt;" in html and "<old>" not in html and "exact_match" in html and "better" in html
    wide = render_text(comparison_renderable(comparison, 140), width=140)
    assert "exact_match" in wide and "better" in wide and "Δ mean" in wide
    assert "better" in render_text(comparison, width=80)

    a, b = baseline.save(tmp_path / "a.json"), current.save(tmp_path / "b.json")
    assert main(["compare", str(a), str(b), "--html", str(tmp_path / "cmp.html")]) == 0
    out = capsys.readouterr().out
    assert "exact_match" in out and "better" in out and "30 item ids in both runs" in out
    page = (tmp_path / "cmp.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "better" in page

    assert main(["scorecard", str(b), "--html", str(tmp_path / "card.html")]) == 0
    assert "exact_match" in capsys.readouterr().out
    assert "exact_match" in (tmp_path / "card.html").read_text(encoding="utf-8")
    assert EvaluationResult.load(b).to_scorecard().metrics["exact_match"].summary.mean == pytest.approx(0.9)


def test_bootstrap_over_few_distinct_values_matches_item_resampling():
    differences = np.array([1.0] * 300 + [-1.0] * 100 + [0.0] * 600)
    low, high = bootstrap_interval(differences, confidence=0.95, resamples=4000, seed=5)
    rng = np.random.default_rng(11)
    means = differences[rng.integers(0, 1000, size=(4000, 1000))].mean(axis=1)
    direct_low, direct_high = np.percentile(means, [2.5, 97.5])
    assert low < 0.2 < high
    assert abs(low - direct_low) < 0.006 and abs(high - direct_high) < 0.006
