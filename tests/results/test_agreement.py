"""Judge agreement: each statistic against a hand computation, intervals, label reading, skips,
saved results, the scorecard section."""

import math
import warnings

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, cohen_kappa_score, precision_recall_fscore_support

from axionlike import ConfigurationError, DatasetError, InvalidItemError, MissingDependencyError
from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric, ExactMatch, MetricResult
from axionlike.results import Estimate, EvaluationResult, JudgeAgreement, judge_agreement
from axionlike.results._agreement import table_statistics
from axionlike.results._terminal import render_text
from axionlike.runners import ErrorConfig, evaluation_runner


class _Graded(BaseMetric):
    """Replays a judge's verdict stored on the item: ``judge_score`` and, for classes, ``judge_class``."""

    default_threshold = None  # pass/fail only with an explicit threshold

    async def execute(self, item):
        if item.get("judge_score") is None:
            raise RuntimeError("the judge gave no answer")
        label = item.get("judge_class")
        return MetricResult(score=item.get("judge_score"), metadata={} if label is None else {"label": label})


def graded(rows, *, threshold=0.5, name="judge"):
    """A run of ``_Graded`` over items given as dicts of extra fields (ids q0, q1, ...)."""
    items = [DatasetItem(id=f"q{i}", query=f"question {i}", **row) for i, row in enumerate(rows)]
    return evaluation_runner(
        items,
        [_Graded(name=name, threshold=threshold)],
        "agreement",
        error_config=ErrorConfig(skip_on_missing_params=True),
        show_progress=False,
    )


def binary_rows(true_pass, false_fail, false_pass, true_fail):
    """Items of a 2x2 table: (label, judge) = (pass, pass), (pass, fail), (fail, pass), (fail, fail)."""
    cells = [("pass", 1.0, true_pass), ("pass", 0.0, false_fail), ("fail", 1.0, false_pass), ("fail", 0.0, true_fail)]
    return [{"human_label": label, "judge_score": score} for label, score, count in cells for _ in range(count)]


# -- statistics against hand computations ------------------------------------------------------


def test_binary_statistics_match_the_formulas_on_a_2x2_table():
    tp, fn, fp, tn = 6, 2, 1, 3  # rows: human pass, human fail; columns: judge pass, judge fail
    report = judge_agreement(graded(binary_rows(tp, fn, fp, tn)), "judge")
    n = tp + fn + fp + tn
    accuracy = (tp + tn) / n  # 9/12
    precision = tp / (tp + fp)  # 6/7
    recall = tp / (tp + fn)  # 6/8
    f1 = 2 * precision * recall / (precision + recall)  # 0.8
    observed = accuracy
    chance = ((tp + fn) / n) * ((tp + fp) / n) + ((fp + tn) / n) * ((fn + tn) / n)  # 76/144
    kappa = (observed - chance) / (1 - chance)  # 8/17

    assert report.kind == "binary" and report.n == 12 and report.skipped == 0
    assert report.classes == ["pass", "fail"] and report.confusion_matrix == [[tp, fn], [fp, tn]]
    values = {name: estimate.value for name, estimate in report.statistics.items()}
    assert values == pytest.approx({"accuracy": 0.75, "precision": 6 / 7, "recall": 0.75, "f1": 0.8, "kappa": 8 / 17})
    assert values == pytest.approx(
        {"accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1, "kappa": kappa}
    )
    assert len(report.disagreements) == fn + fp and report.disagreements[0] == "q6"  # items in result order


def test_categorical_statistics_match_the_formulas_on_a_3x3_table():
    table = {"a": {"a": 2, "b": 1, "c": 0}, "b": {"a": 0, "b": 1, "c": 1}, "c": {"a": 2, "b": 0, "c": 3}}
    rows = [
        {"human_label": human, "judge_score": 0.0, "judge_class": judged}
        for human, row in table.items()
        for judged, count in row.items()
        for _ in range(count)
    ]
    report = judge_agreement(graded(rows), "judge")
    # by class: true positives, labelled (row sums), judged (column sums)
    hits, labelled, judged = {"a": 2, "b": 1, "c": 3}, {"a": 3, "b": 2, "c": 5}, {"a": 4, "b": 2, "c": 4}
    n = 10
    precision = sum(hits[c] / judged[c] for c in "abc") / 3  # (1/2 + 1/2 + 3/4) / 3 = 7/12
    recall = sum(hits[c] / labelled[c] for c in "abc") / 3  # (2/3 + 1/2 + 3/5) / 3 = 53/90
    f1 = sum(2 * hits[c] / (labelled[c] + judged[c]) for c in "abc") / 3  # (4/7 + 1/2 + 2/3) / 3 = 73/126
    chance = sum(labelled[c] * judged[c] for c in "abc") / n**2  # 0.36
    kappa = (sum(hits.values()) / n - chance) / (1 - chance)  # 0.375

    assert report.kind == "categorical" and report.classes == ["a", "b", "c"]
    assert report.confusion_matrix == [[2, 1, 0], [0, 1, 1], [2, 0, 3]]
    values = {name: estimate.value for name, estimate in report.statistics.items()}
    assert values == pytest.approx(
        {"accuracy": 0.6, "precision": 7 / 12, "recall": 53 / 90, "f1": 73 / 126, "kappa": 0.375}
    )
    assert values == pytest.approx(
        {"accuracy": 0.6, "precision": precision, "recall": recall, "f1": f1, "kappa": kappa}
    )


def test_categorical_prediction_is_the_score_when_the_metric_reports_no_label():
    rows = [
        {"human_label": grade, "judge_score": score} for grade, score in [("1", 1.0), ("2", 2.0), ("3", 2.0), ("3", 3)]
    ]
    report = judge_agreement(graded(rows, threshold=None), "judge", kind="categorical")
    assert report.classes == ["1", "2", "3"] and report.confusion_matrix == [[1, 0, 0], [0, 1, 0], [0, 1, 1]]
    assert report.statistics["accuracy"].value == 0.75 and report.disagreements == ["q2"]


def test_continuous_statistics_match_the_formulas_on_a_tiny_case():
    labels = [1, 2, 3, 4, 5]
    scores = [2.5, 1.5, 4.5, 3.5, 9.5]
    report = judge_agreement(
        graded([{"human_label": x, "judge_score": y} for x, y in zip(labels, scores, strict=True)]), "judge"
    )
    # Pearson: deviations from the means 3 and 4.3
    dx = [x - 3 for x in labels]
    dy = [y - 4.3 for y in scores]
    pearson = sum(a * b for a, b in zip(dx, dy, strict=True)) / math.sqrt(
        sum(a * a for a in dx) * sum(b * b for b in dy)
    )
    # Spearman: ranks of the scores are 2, 1, 4, 3, 5 (no ties): 1 - 6 Σd² / (n (n² - 1))
    rank_gaps = [1 - 2, 2 - 1, 3 - 4, 4 - 3, 5 - 5]
    spearman = 1 - 6 * sum(d * d for d in rank_gaps) / (5 * (25 - 1))
    # Kendall: of the 10 pairs, (q0, q1) and (q2, q3) are discordant, the other 8 concordant
    kendall = (8 - 2) / 10
    mae = (1.5 + 0.5 + 1.5 + 0.5 + 4.5) / 5

    assert report.kind == "continuous" and report.confusion_matrix == [] and report.classes == []
    values = {name: estimate.value for name, estimate in report.statistics.items()}
    assert pearson == pytest.approx(16 / math.sqrt(388)) and spearman == 0.8
    assert values == pytest.approx({"pearson": pearson, "spearman": spearman, "kendall": kendall, "mae": 1.7})
    assert mae == pytest.approx(1.7)


def test_kendall_is_tau_b_with_ties():
    labels, scores = [1, 1, 2, 2, 3], [0.1, 0.2, 0.2, 0.4, 0.9]
    report = judge_agreement(
        graded([{"human_label": x, "judge_score": y} for x, y in zip(labels, scores, strict=True)]), "judge"
    )
    # pairs: 10; tied in labels: (q0,q1), (q2,q3); tied in scores: (q1,q2); the other 7 concordant
    concordant, discordant, label_ties, score_ties = 7, 0, 2, 1
    tau_b = (concordant - discordant) / math.sqrt((10 - label_ties) * (10 - score_ties))
    assert report.statistics["kendall"].value == pytest.approx(tau_b)


@pytest.mark.parametrize("k", [2, 3, 4])
def test_resampled_statistics_agree_with_scikit_learn(k):
    """The bootstrap reads statistics off resampled confusion tables; they equal scikit-learn's."""
    rng = np.random.default_rng(k)
    tables = rng.integers(0, 6, size=(40, k, k))
    tables[0] = 0
    tables[0, 0, 0] = 5  # one class only: precision defined, kappa not
    tables[1, :, 0] = 0  # one class never predicted
    positive = 0 if k == 2 else None
    got = table_statistics(tables, positive)
    classes = list(range(k))
    for r, table in enumerate(tables):
        truth = np.repeat(np.repeat(classes, k), table.ravel())
        predicted = np.repeat(np.tile(classes, k), table.ravel())
        averaging = {"average": "binary", "pos_label": 0} if positive == 0 else {"average": "macro"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            precision, recall, f1, _ = precision_recall_fscore_support(
                truth, predicted, labels=classes, zero_division=np.nan, **averaging
            )
            kappa = cohen_kappa_score(truth, predicted, labels=classes)
        expected = [accuracy_score(truth, predicted), precision, recall, f1, kappa]
        actual = [got[name][r] for name in ("accuracy", "precision", "recall", "f1", "kappa")]
        np.testing.assert_allclose(actual, expected, equal_nan=True, err_msg=f"table {r}")


# -- intervals --------------------------------------------------------------------------------


def test_intervals_contain_the_estimate_and_are_seeded():
    rows = binary_rows(40, 8, 6, 30)
    result = graded(rows)
    report = judge_agreement(result, "judge", resamples=500)
    for name, estimate in report.statistics.items():
        low, high = estimate.ci
        assert low <= estimate.value <= high, name
        assert high - low > 0.01, name  # 84 items leave real uncertainty
    assert judge_agreement(result, "judge", resamples=500) == report
    other = judge_agreement(result, "judge", resamples=500, seed=1)
    assert other.statistics["kappa"].value == report.statistics["kappa"].value
    assert other.statistics["kappa"].ci != report.statistics["kappa"].ci
    wide = judge_agreement(result, "judge", resamples=500, confidence=0.99).statistics["kappa"].ci
    narrow = judge_agreement(result, "judge", resamples=500, confidence=0.5).statistics["kappa"].ci
    assert wide[0] < narrow[0] < narrow[1] < wide[1]
    assert report.confidence == 0.95 and report.resamples == 500 and report.seed == 0


def test_continuous_intervals_contain_the_estimate_and_are_seeded():
    rng = np.random.default_rng(7)
    labels = rng.integers(1, 6, size=60)
    scores = labels / 5 + rng.normal(0, 0.2, size=60)
    rows = [{"human_label": int(x), "judge_score": float(y)} for x, y in zip(labels, scores, strict=True)]
    result = graded(rows)
    report = judge_agreement(result, "judge", resamples=300)
    for name, estimate in report.statistics.items():
        low, high = estimate.ci
        assert low < estimate.value < high, name
    assert judge_agreement(result, "judge", resamples=300) == report


def test_one_class_only_gives_undefined_statistics_without_warnings():
    result = graded(binary_rows(5, 0, 0, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = judge_agreement(result, "judge")
    assert report.statistics["accuracy"] == Estimate(value=1.0, ci=(1.0, 1.0))
    assert report.statistics["precision"].value == 1.0 and report.statistics["kappa"] == Estimate(value=None)
    constant = graded([{"human_label": 3, "judge_score": s} for s in (0.1, 0.5, 0.9)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = judge_agreement(constant, "judge")
    assert report.statistics["pearson"].value is None and report.statistics["mae"].value == pytest.approx(2.5)


def test_degenerate_resamples_are_left_out_of_the_interval():
    result = graded(binary_rows(1, 0, 0, 9))  # many resamples hold no judged pass: precision undefined there
    report = judge_agreement(result, "judge", resamples=400)
    assert report.statistics["precision"] == Estimate(value=1.0, ci=(1.0, 1.0))
    assert report.statistics["kappa"].ci[0] <= report.statistics["kappa"].value == 1.0


# -- reading labels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("passing", "failing"),
    [(True, False), (1, 0), (1.0, 0.0), ("pass", "fail"), ("PASS", "Fail"), ("yes", "No"), (" true ", "FALSE")],
)
def test_binary_labels_in_every_accepted_form(passing, failing):
    rows = [
        {"human_label": label, "judge_score": s}
        for label, s in [(passing, 1.0), (passing, 0.0), (failing, 0.0), (failing, 0.0)]
    ]
    report = judge_agreement(graded(rows), "judge")
    assert report.kind == "binary" and report.confusion_matrix == [[1, 1], [0, 2]]


def test_a_label_outside_pass_fail_names_the_item_and_the_value():
    rows = [{"human_label": "pass", "judge_score": 1.0}, {"human_label": "maybe", "judge_score": 0.0}]
    with pytest.raises(InvalidItemError, match=r"item 'q1': label human_label='maybe' is not pass/fail") as caught:
        judge_agreement(graded(rows), "judge")
    assert caught.value.item_id == "q1" and caught.value.row == 1
    rows = [{"human_label": 1, "judge_score": 1.0}, {"human_label": 2, "judge_score": 0.0}]
    with pytest.raises(InvalidItemError, match=r"label human_label=2 is not pass/fail"):
        judge_agreement(graded(rows), "judge", kind="binary")
    rows = [{"human_label": 4, "judge_score": 1.0}, {"human_label": "high", "judge_score": 0.0}]
    with pytest.raises(InvalidItemError, match=r"item 'q1': label human_label='high' is not a number"):
        judge_agreement(graded(rows), "judge", kind="continuous")


@pytest.mark.parametrize(
    ("labels", "kind"),
    [
        ([True, False, True], "binary"),
        ([0, 1, 1], "binary"),
        (["no", "yes", "yes"], "binary"),
        ([1, 3, 5], "continuous"),
        ([0.2, 0.9, 1.0], "continuous"),
        (["2", "4", "5"], "continuous"),
        (["good", "bad", "ugly"], "categorical"),
    ],
)
def test_auto_reads_the_kind_from_the_labels(labels, kind):
    rows = [{"human_label": label, "judge_score": s} for label, s in zip(labels, (0.0, 1.0, 0.5), strict=True)]
    assert judge_agreement(graded(rows), "judge", resamples=10).kind == kind


def test_items_without_a_label_or_a_score_are_skipped_and_counted():
    rows = [
        *binary_rows(2, 1, 1, 2),
        {"judge_score": 1.0},  # no label field
        {"human_label": None, "judge_score": 1.0},
        {"human_label": "  ", "judge_score": 0.0},
        {"human_label": "pass"},  # the judge errored
        {"human_label": "fail", "judge_score": None},
    ]
    result = graded(rows)
    assert result.summary["judge"].errors == 2
    report = judge_agreement(result, "judge")
    assert (report.n, report.without_label, report.without_score, report.skipped) == (6, 3, 2, 5)
    assert report.confusion_matrix == [[2, 1], [1, 2]]


def test_a_custom_label_field():
    rows = [{"verdict": label, "judge_score": s} for label, s in [("pass", 1.0), ("fail", 0.0), ("pass", 0.0)]]
    report = judge_agreement(graded(rows), "judge", label="verdict")
    assert report.label == "verdict" and report.n == 3 and report.statistics["accuracy"].value == pytest.approx(2 / 3)


# -- misuse -------------------------------------------------------------------------------------


def test_misuse_is_reported_clearly():
    result = graded(binary_rows(2, 1, 1, 2))
    with pytest.raises(ConfigurationError, match=r"the result has no metric 'judje'; its metrics: judge"):
        judge_agreement(result, "judje")
    rows = [{"human_label": label, "judge_score": score} for label, score in [(1, 1.0), (0, 0.0), (1, 0.0), (0, 0.0)]]
    unthresholded = graded(rows, threshold=None)
    assert unthresholded.results[0].scores[0].passed is None
    with pytest.raises(ConfigurationError, match=r"metric 'judge' has no threshold.*kind='continuous'"):
        judge_agreement(unthresholded, "judge")
    pearson = judge_agreement(unthresholded, "judge", kind="continuous").statistics["pearson"].value
    assert pearson == pytest.approx(0.5 / math.sqrt(0.75))  # Σ dx dy = 0.5, Σ dx² = 1, Σ dy² = 0.75
    with pytest.raises(DatasetError, match=r"at least 2 items .* found 1 \(3 without a label, 0 without a score\)"):
        judge_agreement(graded([{"human_label": "pass", "judge_score": 1.0}, *[{"judge_score": 1.0}] * 3]), "judge")
    with pytest.raises(ValueError, match="kind must be one of"):
        judge_agreement(result, "judge", kind="ordinal")
    with pytest.raises(ValueError, match="confidence"):
        judge_agreement(result, "judge", confidence=95)
    with pytest.raises(ValueError, match="resamples"):
        judge_agreement(result, "judge", resamples=0)


def test_missing_libraries_name_the_extra(monkeypatch):
    import sys

    result = graded(binary_rows(2, 1, 1, 2))
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(MissingDependencyError, match=r"judge_agreement needs the 'scikit-learn' package.*validation"):
        judge_agreement(result, "judge")
    monkeypatch.setitem(sys.modules, "scipy", None)
    with pytest.raises(MissingDependencyError, match=r"'scipy' package: pip install 'axionlike\[validation\]'"):
        judge_agreement(result, "judge")


# -- saved results and views ---------------------------------------------------------------------


def labelled_run():
    answers = [
        ("Paris", "Paris", "pass"),
        ("Lyon", "Paris", "fail"),
        ("paris", "Paris", "pass"),
        ("Rome", "Rome", "pass"),
    ]
    answers += [("Madrid", "Rome", "fail"), ("Berlin", "Berlin", "pass"), ("It is Berlin", "Berlin", "pass")]
    items = [
        DatasetItem(id=f"a{i}", query="capital?", actual_output=out, expected_output=ref, human_label=label)
        for i, (out, ref, label) in enumerate(answers)
    ]
    return evaluation_runner(items, [ExactMatch()], "labelled <run>", show_progress=False)


def test_a_saved_and_loaded_result_gives_the_same_report(tmp_path):
    result = labelled_run()
    report = judge_agreement(result, "exact_match")
    assert report.confusion_matrix == [[3, 2], [0, 2]] and report.disagreements == ["a2", "a6"]
    loaded = EvaluationResult.load(result.save(tmp_path / "run.json"))
    assert judge_agreement(loaded, "exact_match") == report
    assert JudgeAgreement.model_validate_json(report.model_dump_json()) == report


def test_the_report_renders_in_a_terminal_and_as_html():
    report = judge_agreement(labelled_run(), "exact_match")
    text = str(report)
    assert "exact_match vs human_label (binary)" in text and "Cohen's κ" in text
    assert "7 items compared · 0 without a label · 0 without a score" in text
    assert "2 disagreements: a2, a6" in text
    html = report._repr_html_()
    assert html.startswith('<div class="axl axl-agreement">') and "<h2>Confusion matrix</h2>" in html
    assert f"<td>{report.statistics['kappa'].value:.3f}</td>" in html


def test_the_scorecard_shows_agreement_when_items_carry_labels():
    card = labelled_run().to_scorecard()
    assert list(card.agreement) == ["exact_match"] and isinstance(card.agreement["exact_match"], JudgeAgreement)
    html, text = card.to_html(), render_text(card)
    assert "<h2>Agreement with human labels</h2>" in html and "Label <code>human_label</code> (binary)" in html
    assert "agreement with human labels (human_label, binary)" in text and "Cohen's κ" in text
    assert "<script" not in html and "labelled &lt;run&gt;" in html


def test_the_scorecard_says_why_a_metric_has_no_agreement():
    rows = binary_rows(2, 1, 1, 2)
    result = evaluation_runner(
        [DatasetItem(id=f"q{i}", actual_output="x", expected_output="x", **row) for i, row in enumerate(rows)],
        [ExactMatch(), _Graded(name="judge", threshold=None)],
        "mixed",
        show_progress=False,
    )
    card = result.to_scorecard()
    assert isinstance(card.agreement["exact_match"], JudgeAgreement)
    assert "has no threshold" in card.agreement["judge"]
    assert "No agreement for judge: metric &#x27;judge&#x27; has no threshold" in card.to_html()
    assert "no agreement for judge: metric 'judge' has no threshold" in render_text(card)


def test_the_scorecard_has_no_agreement_section_without_labels():
    items = [DatasetItem(id="a", actual_output="x", expected_output="x")]
    card = evaluation_runner(items, [ExactMatch()], "unlabelled", show_progress=False).to_scorecard()
    assert card.agreement == {}
    assert "Agreement with human labels" not in card.to_html()
    assert "agreement with human labels" not in render_text(card)
