"""The run store: journals that survive a killed process, experiment listing."""

from __future__ import annotations

import pytest

from axionlike._exceptions import ConfigurationError
from axionlike.dataset import DatasetItem
from axionlike.integrations.experiments import ExperimentStore, Journal, JournalHeader, evaluation_key, list_experiments
from axionlike.results import MetricScore, TestResult


def _result(index: int, score: float) -> TestResult:
    item = DatasetItem(query=f"q{index}")
    return TestResult(index=index, item=item, scores=[MetricScore(name="s", score=score)])


def test_journal_keeps_finished_rows_and_ignores_a_torn_last_line(tmp_path):
    journal = Journal(tmp_path / "exp" / "e.journal.jsonl")
    assert journal.read() == (None, {})
    header = JournalHeader(run_id="r1", evaluation="evals/test_a.py::eval_a", started="2026-01-01T00:00:00+00:00")
    journal.start(header)
    journal.append(0, _result(0, 0.5))
    journal.append(1, _result(1, 0.1))
    journal.append(1, _result(1, 0.9))  # a retried row: the later line wins
    with journal.path.open("a") as out:
        out.write('{"index": 2, "id": "x", "res')  # killed mid-write
    read_header, entries = journal.read()
    assert read_header == header
    assert sorted(entries) == [0, 1]
    assert entries[1].result.scores[0].score == 0.9
    assert entries[0].id == DatasetItem(query="q0").id


def test_journal_keeps_text_with_a_lone_surrogate(tmp_path):
    journal = Journal(tmp_path / "e.journal.jsonl")
    journal.start(JournalHeader(run_id="r1", evaluation="e", started="2026-01-01T00:00:00+00:00"))
    odd = TestResult(index=0, item=DatasetItem(id="odd", query="caf\udcc3 \udfff"))
    journal.append(0, odd)
    journal.append(1, _result(1, 0.5))
    _, entries = journal.read()
    assert entries[0].result == odd and entries[1].result.scores[0].score == 0.5


def test_evaluation_keys_are_file_names():
    assert evaluation_key("evals/test_math.py::eval_add") == "evals.test_math.eval_add"
    assert evaluation_key("test_x.py::TestA::eval_b[gpt-4o]") == "test_x.TestA-eval_b-gpt-4o"


def test_experiment_names_are_plain_directory_names(tmp_path):
    for bad in ("", "..", "a/b"):
        with pytest.raises(ConfigurationError, match="plain directory name"):
            ExperimentStore(tmp_path, bad)


def test_an_interrupted_experiment_is_listed_as_such(tmp_path):
    store = ExperimentStore(tmp_path, "half")
    store.journal("e").start(JournalHeader(run_id="r", evaluation="e", started="2026-01-01T00:00:00+00:00"))
    assert store.pending() == ["e"]
    [row] = list_experiments(tmp_path)
    assert (row["name"], row["evaluations"], row["interrupted"], row["rows"]) == ("half", 0, 1, 0)
    assert list_experiments(tmp_path / "missing") == []
