"""A run killed part-way (SIGKILL) and started again runs only the rows not finished."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import axionlike
from axionlike.integrations.experiments import Journal
from axionlike.results import EvaluationResult

pytest_plugins = ["pytester"]

ROWS = 30

SLOW_EVAL = f"""
import os
import time
from pathlib import Path
from axionlike import foreach

@foreach("n,label", [(n, "even" if n % 2 == 0 else "odd") for n in range({ROWS})])
def eval_slow(n, label):
    with Path(os.environ["CALLS_FILE"]).open("a") as out:
        out.write(f"{{n}}\\n")
    time.sleep(0.05)
    if n % 7 == 3:
        raise ValueError(f"row {{n}} is bad")
    return {{"parity": (n % 2 == 0) == (label == "even"), "size": n / {ROWS}}}
"""


def _pytest(workdir: Path, results_dir: Path, experiment: str, calls: Path) -> subprocess.Popen:
    # only this plugin: other installed plugins (DeepEval's, ...) can take half a minute to load
    command = [sys.executable, "-m", "pytest", "eval_slow.py", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "axionlike.integrations.pytest_plugin"]
    command += ["--experiment", experiment, "--results-dir", str(results_dir), "--max-concurrent", "2"]
    # the subprocess imports the same axionlike as this test process
    source_root = str(Path(axionlike.__file__).parents[1])
    pythonpath = os.pathsep.join(filter(None, [source_root, os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "CALLS_FILE": str(calls), "PYTHONPATH": pythonpath, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _calls(path: Path) -> list[int]:
    return sorted(int(line) for line in path.read_text().split()) if path.exists() else []


def _comparable(result: EvaluationResult) -> dict:
    """Everything but what differs between any two runs (ids, times, latencies, experiment name)."""
    rows = [r.model_dump(exclude={"scores": {"__all__": {"latency"}}}) for r in result.results]
    metadata = {k: v for k, v in result.metadata.items() if k not in ("experiment", "durations")}
    return {"rows": rows, "summary": {k: v.model_dump() for k, v in result.summary.items()}, "metadata": metadata}


def test_killed_run_resumes_where_it_stopped(pytester, evals, monkeypatch):
    tmp_path = pytester.path
    (tmp_path / "eval_slow.py").write_text(SLOW_EVAL)
    results = tmp_path / "results"
    journal = Journal(results / "exp" / "eval_slow.eval_slow.journal.jsonl")

    first_calls = tmp_path / "calls-1.txt"
    process = _pytest(tmp_path, results, "exp", first_calls)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(journal.read()[1]) < 8:
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = set(journal.read()[1])
    assert 8 <= len(finished) < ROWS, "the run must be killed part-way"
    assert not (results / "exp" / "eval_slow.eval_slow.json").exists()

    second_calls = tmp_path / "calls-2.txt"
    resumed = _pytest(tmp_path, results, "exp", second_calls)
    output = resumed.communicate(timeout=120)[0]
    assert resumed.returncode == 0, output
    # only the rows the journal lacked ran, once each; finished and errored rows were kept
    assert _calls(second_calls) == sorted(set(range(ROWS)) - finished)
    assert f"resumed, {len(finished)} rows from the journal, {ROWS - len(finished)} run now" in output

    # an uninterrupted run of the same file, for comparison (in-process: quicker)
    monkeypatch.setenv("CALLS_FILE", str(tmp_path / "calls-fresh.txt"))
    fresh = evals("eval_slow.py", "--experiment", "fresh", "--results-dir", str(results), "--max-concurrent", "2")
    fresh.assert_outcomes(passed=1)
    assert _calls(tmp_path / "calls-fresh.txt") == list(range(ROWS))

    resumed_result = EvaluationResult.load(results / "exp" / "eval_slow.eval_slow.json")
    fresh_result = EvaluationResult.load(results / "fresh" / "eval_slow.eval_slow.json")
    assert _comparable(resumed_result) == _comparable(fresh_result)
    assert resumed_result.summary["parity"].errors == len([n for n in range(ROWS) if n % 7 == 3])
    assert [r.index for r in resumed_result.results] == list(range(ROWS))
