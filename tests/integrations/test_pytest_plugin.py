"""The pytest face: @foreach evaluations run by pytest, through the engine."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from axionlike import foreach
from axionlike._exceptions import ConfigurationError
from axionlike.cli import main
from axionlike.dataset import DatasetItem
from axionlike.integrations import pytest_plugin
from axionlike.metrics import ExactMatch
from axionlike.runners import evaluation_runner

pytest_plugins = ["pytester"]

SYNC_EVAL = """
import threading
import pytest
from axionlike import foreach

@pytest.fixture
def offset():
    return 1

@foreach("x,y", [(0, 1), (1, 2), (2, 9), (3, 4), (4, 5)])
def eval_add(x, y, offset):
    if x == 3:
        raise ValueError("cannot add three")
    assert threading.current_thread() is not threading.main_thread()
    return x + offset == y

@foreach("x", [1, 2, "three"])
def eval_bad_return(x):
    return "not a score" if x == "three" else 0.5

def test_regular():
    assert 2 + 2 == 4

def test_regular_failure():
    assert 2 + 2 == 5
"""


def _shape(value):
    """The nested keys of a result's metadata (values left out)."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k != "config"}
    return None


def test_a_plugin_result_has_the_shape_of_an_evaluation_runner_result(pytester, evals, stored):
    pytester.makepyfile(
        test_shape="""
from dataclasses import dataclass
from axionlike import foreach

@dataclass
class AxionStyle:
    score: float
    explanation: str

@foreach("x", [1, 2])
def eval_shape(x):
    return AxionStyle(x / 2, f"half of {x}")
"""
    )
    evals("--experiment", "shape").assert_outcomes(passed=1)
    plugin = stored("shape", "test_shape.eval_shape")
    engine = evaluation_runner(
        [DatasetItem(actual_output="a")], [ExactMatch()], evaluation_name="e", show_progress=False
    )
    expected = _shape(engine.metadata)
    assert _shape(plugin.metadata) == {**expected, "experiment": None, "evaluation": None}
    assert plugin.results[1].scores[0].explanation == "half of 2"  # an object result keeps .explanation
    evals("--experiment", "shape").assert_outcomes(passed=1)  # resumed: every row from the journal
    resumed = stored("shape", "test_shape.eval_shape")
    assert _shape(resumed.metadata) == _shape(plugin.metadata)
    assert resumed.metadata["durations"]["total_seconds"] == 0.0 and resumed.metadata["usage"]["calls"] == 0


def test_sync_evaluation_fixtures_errors_and_regular_tests(pytester, evals, stored):
    pytester.makepyfile(test_sync=SYNC_EVAL)
    result = evals("--experiment", "s1")
    # the regular tests keep their own outcomes; evaluations with row errors still pass
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["FAILED test_sync.py::test_regular_failure*"])

    add = stored("s1", "test_sync.eval_add")
    assert [r.index for r in add.results] == [0, 1, 2, 3, 4]
    assert [r.scores[0].score for r in add.results] == [1.0, 1.0, 0.0, None, 1.0]
    assert [r.scores[0].passed for r in add.results] == [True, True, False, None, True]
    error = add.results[3].scores[0].error
    assert error.type == "ValueError" and error.message == "cannot add three" and error.phase == "metric"
    assert add.results[0].item.get("x") == 0 and add.results[0].item.get("y") == 1
    summary = add.summary["eval_add"]
    assert (summary.count, summary.mean, summary.pass_rate, summary.errors) == (4, 0.75, 0.75, 1)
    assert add.metadata["counts"] == {
        "items": 5,
        "evaluated": 5,
        "invalid_rows": 0,
        "task_errors": 0,
        "metric_errors": 1,
        "skipped": 0,
        "duplicate_ids": [],
    }

    bad = stored("s1", "test_sync.eval_bad_return")
    message = bad.results[2].scores[0].error.message
    assert "eval_bad_return" in message and "'not a score'" in message and "expected a number" in message
    assert bad.summary["eval_bad_return"].mean == 0.5


def test_a_returned_metric_score_is_validated_and_a_bad_one_is_a_row_error(pytester, evals, stored):
    pytester.makepyfile(
        test_scores="""
from axionlike import foreach
from axionlike.results import MetricScore

@foreach("x", ["0.5", "high"])
def eval_score(x):
    return MetricScore(name="eval_score", score=x, explanation=f"read {x}")
"""
    )
    evals("--experiment", "scores").assert_outcomes(passed=1)
    result = stored("scores", "test_scores.eval_score")
    good, bad = (r.scores[0] for r in result.results)
    assert good.score == 0.5 and good.explanation == "read 0.5"
    assert bad.status == "error" and bad.error.phase == "metric"
    assert "MetricScore" in bad.error.message and "valid number" in bad.error.message and "'high'" in bad.error.message


ASYNC_EVAL = """
import asyncio
import pytest
from axionlike import foreach
from axionlike.metrics import MetricResult
from axionlike.results import MetricScore

IN_FLIGHT = {"now": 0, "max": 0}

@pytest.fixture
def log_path(tmp_path_factory):
    return tmp_path_factory.getbasetemp() / "max_in_flight.txt"

@foreach("question,answer", [{"question": f"q{i}", "answer": str(i)} for i in range(8)], threshold=0.5)
async def eval_named(question, answer, log_path):
    IN_FLIGHT["now"] += 1
    IN_FLIGHT["max"] = max(IN_FLIGHT["max"], IN_FLIGHT["now"])
    await asyncio.sleep(0.05)
    IN_FLIGHT["now"] -= 1
    log_path.write_text(str(IN_FLIGHT["max"]))
    n = int(answer)
    return {
        "exact": n % 2 == 0,
        "graded": MetricResult(score=n / 10, explanation=f"{question} graded"),
        "judge": MetricScore(name="ignored", score=1.0, passed=True, explanation="fine"),
    }
"""


def test_async_evaluation_runs_rows_concurrently_with_named_scores(pytester, evals, stored):
    pytester.makepyfile(test_async=ASYNC_EVAL)
    result = evals("--experiment", "a1", "--max-concurrent", "4", "--basetemp", str(pytester.path / "base"))
    result.assert_outcomes(passed=1)
    in_flight = int((pytester.path / "base" / "max_in_flight.txt").read_text())
    assert 1 < in_flight <= 4

    named = stored("a1", "test_async.eval_named")
    assert list(named.summary) == ["exact", "graded", "judge"]
    assert named.summary["exact"].mean == 0.5 and named.summary["exact"].pass_rate == 0.5
    graded = [r.score("graded") for r in named.results]
    assert [s.score for s in graded] == [n / 10 for n in range(8)]
    # numbers get the foreach threshold; explanations are kept
    assert [s.passed for s in graded] == [n / 10 >= 0.5 for n in range(8)]
    assert graded[3].explanation == "q3 graded" and graded[3].threshold == 0.5
    assert all(r.score("judge").explanation == "fine" for r in named.results)
    assert {s.source for r in named.results for s in r.scores} == {"pytest"}


def test_sync_rows_run_in_as_many_threads_as_max_concurrent(pytester, evals, stored):
    pytester.makepyfile(
        test_threads="""
import threading
from axionlike import foreach

ALL_AT_ONCE = threading.Barrier(8, timeout=20)

@foreach("n", range(8))
def eval_barrier(n):
    # passes only if all 8 rows are in flight together, each in a worker thread
    ALL_AT_ONCE.wait()
    return threading.current_thread() is not threading.main_thread()
"""
    )
    evals("--experiment", "t1", "--max-concurrent", "8").assert_outcomes(passed=1)
    summary = stored("t1", "test_threads.eval_barrier").summary["eval_barrier"]
    assert (summary.count, summary.mean, summary.errors) == (8, 1.0, 0)


SAMPLES_EVAL = """
import os
from pathlib import Path
from axionlike import foreach

@foreach("n", range(20))
def eval_count(n):
    with Path(os.environ["CALLS_FILE"]).open("a") as out:
        out.write(f"{n}\\n")
    return n < 10
"""


def test_samples_takes_the_first_rows(pytester, evals, stored, monkeypatch):
    calls = pytester.path / "calls.txt"
    monkeypatch.setenv("CALLS_FILE", str(calls))
    pytester.makepyfile(test_samples=SAMPLES_EVAL)
    evals("--experiment", "n1", "--samples", "5").assert_outcomes(passed=1)
    assert sorted(int(x) for x in calls.read_text().split()) == [0, 1, 2, 3, 4]
    assert [r.index for r in stored("n1", "test_samples.eval_count").results] == [0, 1, 2, 3, 4]


FLAKY_EVAL = """
import os
from pathlib import Path
from axionlike import foreach

@foreach("n", range(4))
def eval_flaky(n):
    calls = Path(os.environ["CALLS_FILE"])
    with calls.open("a") as out:
        out.write(f"{n}\\n")
    tries = calls.read_text().split().count(str(n))
    return {"right": n != 1 or tries % 2 == 1, "size": n / 10}
"""


def test_trials_run_each_row_n_times_and_resume_only_with_as_many(pytester, evals, stored, monkeypatch):
    calls = pytester.path / "calls.txt"
    monkeypatch.setenv("CALLS_FILE", str(calls))
    pytester.makepyfile(test_flaky=FLAKY_EVAL)
    evals("--experiment", "t1", "--trials", "4", "--max-concurrent", "1").assert_outcomes(passed=1)
    assert len(calls.read_text().split()) == 16
    result = stored("t1", "test_flaky.eval_flaky")
    right = [r.score("right") for r in result.results]
    assert [s.score for s in right] == [1.0, 0.5, 1.0, 1.0]  # row 1 is right on every other try
    assert right[1].passed is False and right[0].passed is True  # pass/fail: most trials must pass
    assert [len(r.trials) for r in result.results] == [4] * 4
    trial_latencies = [next(s.latency for s in t.scores if s.name == "right") for t in result.results[0].trials]
    assert right[0].latency == pytest.approx(sum(trial_latencies))  # the row's calls, summed as the engine does
    assert result.summary["right"].flip_rate == 0.25 and result.summary["size"].mean == pytest.approx(0.15)
    evals("--experiment", "t1", "--trials", "4").assert_outcomes(passed=1)
    assert len(calls.read_text().split()) == 16  # resumed: nothing ran again
    evals("--experiment", "t1", "--trials", "2").assert_outcomes(passed=1)
    assert len(calls.read_text().split()) == 16 + 8  # other trials: every row runs again


def test_summary_and_min_score_gate(pytester, evals):
    pytester.makepyfile(test_sync=SYNC_EVAL.replace("def test_regular_failure", "def _unused"))
    passing = evals("--experiment", "g1", "--min-score", "0.5")
    passing.assert_outcomes(passed=3)
    assert passing.ret == 0
    passing.stdout.fnmatch_lines(
        [
            "*= axionlike evaluations =*",
            f"experiment g1 * stored in {pytester.path}/.axionlike/g1",
            "evaluation*score*rows*mean*pass rate*errors*min 0.5",
            "test_sync.py::eval_add*eval_add*5*0.750*75%*1*ok",
            "test_sync.py::eval_bad_return*eval_bad_return*3*0.500*-*1*ok",
        ]
    )

    failing = evals("--experiment", "g2", "--min-score", "0.6")
    assert failing.ret == pytest.ExitCode.TESTS_FAILED
    failing.assert_outcomes(passed=2, failed=1)
    failing.stdout.fnmatch_lines(
        [
            "*eval_bad_return: mean eval_bad_return 0.500 is under --min-score 0.6*",
            "test_sync.py::eval_bad_return*0.500*FAIL",
        ]
    )


def test_retry_errors_reruns_only_errored_rows(pytester, evals, stored, monkeypatch):
    calls, broken = pytester.path / "calls.txt", pytester.path / "broken"
    monkeypatch.setenv("CALLS_FILE", str(calls))
    monkeypatch.setenv("BROKEN_FILE", str(broken))
    pytester.makepyfile(
        test_flaky="""
import os
from pathlib import Path
from axionlike import foreach

@foreach("n", range(6))
def eval_flaky(n):
    with Path(os.environ["CALLS_FILE"]).open("a") as out:
        out.write(f"{n}\\n")
    if n % 3 == 0 and Path(os.environ["BROKEN_FILE"]).exists():
        raise RuntimeError("service down")
    return 1.0
"""
    )
    broken.touch()
    evals("--experiment", "r1").assert_outcomes(passed=1)
    assert stored("r1", "test_flaky.eval_flaky").summary["eval_flaky"].errors == 2
    broken.unlink()
    calls.unlink()

    again = evals("--experiment", "r1")
    again.stdout.fnmatch_lines(["*eval_flaky: resumed, 6 rows from the journal, 0 run now"])
    assert not calls.exists()  # finished rows and errored rows alike are kept
    assert stored("r1", "test_flaky.eval_flaky").summary["eval_flaky"].errors == 2

    evals("--experiment", "r1", "--retry-errors").assert_outcomes(passed=1)
    assert sorted(int(x) for x in calls.read_text().split()) == [0, 3]
    retried = stored("r1", "test_flaky.eval_flaky")
    assert retried.summary["eval_flaky"].errors == 0 and retried.summary["eval_flaky"].mean == 1.0


def test_datasets_from_files_and_invalid_rows(pytester, evals, stored):
    rows = [{"id": f"r{i}", "query": f"q{i}", "expected_output": str(i)} for i in range(3)]
    (pytester.path / "data.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    pytester.makepyfile(
        eval_files="""
from axionlike import foreach
from axionlike.dataset import Dataset

@foreach("query,expected_output", "data.jsonl")
def eval_from_path(query, expected_output):
    return query[1:] == expected_output

@foreach("query", Dataset.load("data.jsonl"))
def eval_from_dataset(query):
    return 1.0

@foreach("a,b", [(1, 2), (1, 2, 3), {"a": 1}, (object(), 2), {"a": 1, "b": None}, {"a": 1, "b": []}])
def eval_invalid_rows(a, b):
    return 1.0
"""
    )
    # an eval_*.py file is collected when its directory is given
    evals("--experiment", "f1", str(pytester.path)).assert_outcomes(passed=3)
    from_path = stored("f1", "eval_files.eval_from_path")
    assert [r.id for r in from_path.results] == ["r0", "r1", "r2"]
    assert from_path.summary["eval_from_path"].mean == 1.0
    assert stored("f1", "eval_files.eval_from_dataset").summary["eval_from_dataset"].count == 3

    invalid = stored("f1", "eval_files.eval_invalid_rows")
    assert invalid.results[0].scores[0].score == 1.0
    assert invalid.results[1].error.phase == "input"
    assert invalid.results[1].error.message == "row 1: has 3 values but foreach names 2 fields (a, b)"
    assert "row 2" in invalid.results[2].error.message and "no value for field b" in invalid.results[2].error.message
    assert invalid.results[3].error.message.endswith(
        "field 'a' (object) cannot be stored as JSON; give rows strings, numbers, bools, lists or dicts"
    )
    for row in (4, 5):  # the same "no value" rule as metrics' required fields
        assert f"row {row}" in invalid.results[row].error.message
        assert "no value for field b" in invalid.results[row].error.message
    assert invalid.metadata["counts"]["invalid_rows"] == 5


def test_runs_list_and_show(pytester, evals, capsys):
    pytester.makepyfile(test_sync=SYNC_EVAL)
    evals("--experiment", "shown")
    results_dir = str(pytester.path / ".axionlike")
    capsys.readouterr()

    assert main(["runs", "list", "--results-dir", results_dir]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert listing[0].split() == ["run", "evaluations", "interrupted", "rows", "errors", "modified", "(UTC)"]
    assert listing[1].split()[:5] == ["shown", "2", "0", "8", "2"]

    assert main(["runs", "show", "shown", "--results-dir", results_dir]) == 0
    shown = capsys.readouterr().out
    assert "test_sync.py::eval_add" in shown and "0.750" in shown
    assert "eval_add row 3" in shown and "ValueError: cannot add three" in shown

    assert main(["runs", "show", "missing", "--results-dir", results_dir]) == 2
    assert "no run named 'missing'" in capsys.readouterr().err


def test_direct_call_runs_the_evaluation(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    @foreach("a,b", [(1, 1), (2, 3)])
    def eval_equal(a, b, weight):
        return (a == b) * weight

    result = eval_equal(weight=2.0)
    assert [r.scores[0].score for r in result.results] == [2.0, 0.0]
    assert list((tmp_path / ".axionlike").glob("run-*/*eval_equal.json"))


def test_misuse_raises_at_decoration():
    with pytest.raises(ConfigurationError, match="no parameter for field"):
        foreach("question,answer", [])(lambda question: 1.0)
    with pytest.raises(ConfigurationError, match="identifiers separated by commas"):
        foreach("question answer", [])


def test_plugin_is_registered_and_exports_foreach():
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert pyproject["project"]["entry-points"]["pytest11"]["axionlike"] == pytest_plugin.__name__
    assert pytest_plugin.foreach is foreach


def test_evaluations_can_be_deselected_by_marker(pytester, evals):
    pytester.makepyfile(test_sync=SYNC_EVAL)
    result = evals("-m", "not axionlike_evaluation")
    result.assert_outcomes(passed=1, failed=1, deselected=2)
    assert "axionlike evaluations" not in result.stdout.str()
    assert not (pytester.path / ".axionlike").exists()


def test_plugin_import_stays_light():
    code = (
        "import sys, axionlike.integrations.pytest_plugin; "
        "print(','.join(m for m in ('pydantic', 'axionlike.runners', 'pandas', 'litellm') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_parametrized_async_fixture_class_method_and_bad_dataset(pytester, evals, stored):
    pytester.makepyfile(
        test_more="""
import asyncio
import pytest
import pytest_asyncio
from axionlike import foreach

@pytest_asyncio.fixture
async def client():
    await asyncio.sleep(0)
    return {"factor": 2}

@pytest.mark.parametrize("model", ["small", "large"])
@foreach("x", [1, 2, 3])
async def eval_param(x, model, client):
    return x * client["factor"] / (10 if model == "large" else 100)

class TestGroup:
    @foreach("x", [1, 2])
    def eval_in_class(self, x):
        return x > 1 and isinstance(self, TestGroup)

@foreach("x", "missing.jsonl")
def eval_missing(x):
    return 1.0
"""
    )
    result = evals("--experiment", "p1")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["eval_missing: DatasetLoadError: dataset file not found: missing.jsonl"])
    assert stored("p1", "test_more.eval_param-small").summary["eval_param"].mean == pytest.approx(0.04)
    assert stored("p1", "test_more.eval_param-large").summary["eval_param"].mean == pytest.approx(0.4)
    assert stored("p1", "test_more.TestGroup-eval_in_class").summary["eval_in_class"].mean == 0.5
    assert evals("--max-concurrent", "0").ret == pytest.ExitCode.USAGE_ERROR


CONCURRENT_EVALS = """
import asyncio
import time
import pytest
from axionlike import foreach
from axionlike.metrics import MetricResult

EVENTS = {}
IN_FLIGHT = {"narrow": 0, "wide": 0}


def event(name):
    return EVENTS.setdefault(name, asyncio.Event())


@pytest.fixture(scope="module")
def patience():
    return 30.0  # seconds a row waits for the other evaluation before giving up


async def row(evaluation, x, wait_for, patience):
    started = time.monotonic()
    IN_FLIGHT[evaluation] += 1
    seen = IN_FLIGHT[evaluation]
    event(f"{evaluation}-{x}").set()
    if IN_FLIGHT["wide"] == 3:
        event("wide-full").set()
    try:
        await asyncio.wait_for(event(wait_for).wait(), patience)
        met = 1.0
    except (TimeoutError, RuntimeError):  # never set, or set on another evaluation's loop
        met = 0.0
    IN_FLIGHT[evaluation] -= 1
    return MetricResult(score=met, metadata={"start": started, "end": time.monotonic(), "in_flight": seen})


@foreach("x", [0, 1, 2], max_concurrent=1)
async def eval_narrow(x, patience):
    # its rows wait until all three rows of eval_wide are in flight at once
    return await row("narrow", x, "wide-full", patience)


@foreach("x", [0, 1, 2], max_concurrent=3)
async def eval_wide(x, patience):
    # its rows wait for eval_narrow's first row, and for each other (all three at once)
    await row("wide", x, "narrow-0", patience)
    return await row("wide", x, "wide-full", patience)


@foreach("x", [0, 1])
def eval_sync(x):  # sync evaluations run on their own, as before
    return 1.0
"""


def _spans(result):
    return [(s.metadata["start"], s.metadata["end"]) for r in result.results for s in r.scores]


def test_concurrent_evaluations_overlap_each_with_its_own_limit(pytester, evals, stored):
    """dotevals' concurrent mode: async evaluations of one session run at once, each with its own limit."""
    pytester.makepyfile(test_together=CONCURRENT_EVALS)
    evals("--experiment", "c1", "--concurrent-evaluations").assert_outcomes(passed=3)
    narrow = stored("c1", "test_together.eval_narrow")
    wide = stored("c1", "test_together.eval_wide")
    assert narrow.summary["eval_narrow"].mean == 1.0 and wide.summary["eval_wide"].mean == 1.0  # each met the other
    assert narrow.metadata["config"]["max_concurrent"] == 1 and wide.metadata["config"]["max_concurrent"] == 3
    assert max(s.metadata["in_flight"] for r in narrow.results for s in r.scores) == 1
    assert max(s.metadata["in_flight"] for r in wide.results for s in r.scores) == 3
    narrow_start = min(start for start, _ in _spans(narrow))
    wide_start = min(start for start, _ in _spans(wide))
    assert narrow_start < max(end for _, end in _spans(wide)) and wide_start < max(end for _, end in _spans(narrow))


def test_without_the_option_evaluations_run_one_after_another(pytester, evals, stored):
    pytester.makepyfile(
        test_apart=CONCURRENT_EVALS.replace("return 30.0", "return 0.2")  # nobody comes: do not wait long
    )
    evals("--experiment", "c2").assert_outcomes(passed=3)
    narrow = stored("c2", "test_apart.eval_narrow")
    wide = stored("c2", "test_apart.eval_wide")
    assert narrow.summary["eval_narrow"].mean == 0.0  # eval_wide had not started: nobody set its event
    assert max(end for _, end in _spans(narrow)) < min(start for start, _ in _spans(wide))


def test_function_scoped_fixtures_and_parametrized_evaluations_never_run_concurrently(pytester, evals, stored):
    pytester.makepyfile(
        test_scoped="""
import pytest
from axionlike import foreach

ORDER = []

@pytest.fixture
def per_test():
    ORDER.append("set up")
    yield "value"
    ORDER.append("torn down")

@foreach("x", [1])
async def eval_first(x, per_test):
    ORDER.append("first ran")
    return 1.0

@foreach("x", [1])
async def eval_second(x, per_test):
    assert ORDER == ["set up", "first ran", "torn down", "set up"]
    return 1.0
"""
    )
    evals("--experiment", "c3", "--concurrent-evaluations").assert_outcomes(passed=2)
    assert stored("c3", "test_scoped.eval_second").summary["eval_second"].errors == 0


NEIGHBOUR_PLUGINS = {"deepeval": "deepeval", "opik": "opik", "langsmith": "langsmith"}
"""Distributions whose pytest plugins docs/pytest-plugin.md says how to switch off, by their top-level module."""


def test_the_docs_name_the_neighbour_plugins_by_their_entry_points():
    from importlib.metadata import distribution

    page = (Path(__file__).parents[2] / "docs" / "pytest-plugin.md").read_text(encoding="utf-8")
    command = "pytest evals/ -p no:plugins -p no:opik -p no:langsmith_plugin"
    assert command in page and 'addopts = "-p no:plugins -p no:opik -p no:langsmith_plugin"' in page
    for dist in NEIGHBOUR_PLUGINS:
        try:
            points = [ep for ep in distribution(dist).entry_points if ep.group == "pytest11"]
        except ModuleNotFoundError:
            continue  # the extra is not installed
        assert points and all(f"-p no:{ep.name}" in command for ep in points), (dist, points)


def test_with_the_neighbour_plugins_off_the_run_is_clean(tmp_path):
    """The documented switches keep DeepEval, Opik and LangSmith out of a pytest run: none imported,
    no .deepeval/ folder, no warnings; axionlike's summary is the only addition to pytest's output."""
    (tmp_path / "eval_sum.py").write_text(
        "import sys\nfrom axionlike import foreach\n\n\n"
        "@foreach('x', [1, 2])\ndef eval_positive(x):\n    return x > 0\n\n\n"
        "def test_nothing_else_loaded():\n"
        "    assert not [m for m in ('deepeval', 'opik', 'langsmith') if m in sys.modules]\n"
    )
    (tmp_path / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "-p no:plugins -p no:opik -p no:langsmith_plugin"\n'
        'asyncio_default_fixture_loop_scope = "function"\n'
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "eval_sum.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "warning" not in (done.stdout + done.stderr).lower()
    assert not (tmp_path / ".deepeval").exists()
    summary = done.stdout.split("axionlike evaluations")[1]
    assert "eval_sum.py::eval_positive" in summary and "2 passed in" in summary
