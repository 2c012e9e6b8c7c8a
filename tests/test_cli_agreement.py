"""``axionlike agreement``: a metric against the human labels of a saved result."""

import subprocess
import sys

import pytest

from axionlike.cli import main
from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch, LevenshteinSimilarity
from axionlike.runners import evaluation_runner

ANSWERS = [
    ("Paris", "Paris", "pass", 5),
    ("Lyon", "Paris", "fail", 1),
    ("paris", "Paris", "pass", 4),
    ("Rome", "Rome", "pass", 5),
    ("Madrid", "Rome", "fail", 2),
    ("It is Berlin", "Berlin", "pass", 4),
]


@pytest.fixture
def saved(tmp_path):
    """A saved run whose items carry a pass/fail ``human_label`` and a 1-5 ``grade``."""
    items = [
        DatasetItem(
            id=f"a{i}", query="capital?", actual_output=out, expected_output=ref, human_label=label, grade=grade
        )
        for i, (out, ref, label, grade) in enumerate(ANSWERS)
    ]
    items.append(DatasetItem(id="unlabelled", query="capital?", actual_output="Oslo", expected_output="Oslo"))
    metrics = [ExactMatch(), LevenshteinSimilarity(case_sensitive=False, threshold=0.8)]
    result = evaluation_runner(items, metrics, "labelled", show_progress=False)
    return result.save(tmp_path / "run.json")


def test_agreement_prints_the_report(saved, capsys):
    assert main(["agreement", str(saved), "--metric", "exact_match"]) == 0
    out = capsys.readouterr().out
    assert "exact_match vs human_label (binary)" in out
    for name in ("accuracy", "precision", "recall", "F1", "Cohen's κ", "95% interval"):
        assert name in out, name
    assert "6 items compared · 1 without a label · 0 without a score" in out
    assert "2 disagreements: a2, a5" in out


def test_agreement_with_another_label_kind_and_level(saved, capsys):
    args = ["agreement", str(saved), "--metric", "levenshtein_similarity", "--label", "grade", "--kind", "continuous"]
    assert main([*args, "--confidence", "0.9", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "levenshtein_similarity vs grade (continuous)" in out and "90% interval" in out
    for name in ("Pearson r", "Spearman ρ", "Kendall τ", "mean abs. error"):
        assert name in out, name


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--metric", "no_such_metric"], "error: the result has no metric 'no_such_metric'; its metrics: exact_match"),
        (["--metric", "exact_match", "--label", "grade", "--kind", "binary"], "label grade=5 is not pass/fail"),
        (["--metric", "exact_match", "--label", "missing"], "needs at least 2 items with both a 'missing' label"),
    ],
)
def test_bad_input_exits_2_with_one_line(saved, capsys, args, message):
    assert main(["agreement", str(saved), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and captured.err.count("\n") == 1


def test_an_unreadable_result_exits_2_with_one_line(tmp_path, capsys):
    assert main(["agreement", str(tmp_path / "absent.json"), "--metric", "m"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: no result file at {tmp_path / 'absent.json'}\n"
    (tmp_path / "other.json").write_text('{"not": "a result"}')
    assert main(["agreement", str(tmp_path / "other.json"), "--metric", "m"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {tmp_path / 'other.json'} is not a result saved by axionlike (missing ")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    "args", [["--kind", "ordinal"], ["--confidence", "95"], []], ids=["bad kind", "bad confidence", "no metric"]
)
def test_bad_arguments_exit_2(saved, capsys, args):
    metric = [] if not args else ["--metric", "exact_match"]
    with pytest.raises(SystemExit) as exit_info:
        main(["agreement", str(saved), *metric, *args])
    assert exit_info.value.code == 2
    assert "usage: axionlike agreement" in capsys.readouterr().err


def test_agreement_as_a_command(saved):
    command = [sys.executable, "-m", "axionlike", "agreement", str(saved), "--metric", "exact_match"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Cohen's κ" in done.stdout
