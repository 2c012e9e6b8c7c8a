"""Ctrl-C stops a run of fast native metrics at once, in a script, the CLI and a notebook kernel.

Native metrics complete without suspending, so the engine must give the event loop a turn
now and then for SIGINT's cancellation to land. Each test starts a real process on a large
run, sends SIGINT once the run is scoring, and reads what it printed and what the cache kept.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from axionlike.metrics import ExactMatch
from axionlike.runners import CacheConfig, evaluation_runner

ITEMS = 200_000
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
LINE = re.compile(r"interrupted: ([\d,]+) of 200,000 items done; ([\d,]+) scores and 0 task outputs were written")

SCRIPT = """
import sys
from axionlike.metrics import ExactMatch
from axionlike.runners import CacheConfig, evaluation_runner

items = [{"id": str(i), "actual_output": f"a{i}", "expected_output": "a1"} for i in range(200_000)]
evaluation_runner(
    items, [ExactMatch()], "big", cache_config=CacheConfig(cache_type="disk", cache_dir=sys.argv[1]),
    show_progress=False,
)
print("finished")
"""


def _rows(cache_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{cache_dir / 'cache.db'}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM Cache").fetchone()[0])
    except sqlite3.Error:
        return 0


def _interrupt_once_scoring(proc: subprocess.Popen[str], cache_dir: Path) -> tuple[str, str]:
    """SIGINT as soon as the run has written scores to its cache; what the process printed."""
    deadline = time.monotonic() + 120
    while _rows(cache_dir) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    return proc.communicate(timeout=60)  # generous: a run that ignores Ctrl-C takes far longer than this


def _assert_kept(line: str, cache_dir: Path) -> None:
    """The line's counts match the cache, and a re-run of the first items hits it."""
    match = LINE.search(line)
    assert match, line
    done, written = (int(g.replace(",", "")) for g in match.groups())
    assert 0 < done < ITEMS and written == done == _rows(cache_dir)
    first = min(done // 2, 200)
    again = evaluation_runner(
        [{"id": str(i), "actual_output": f"a{i}", "expected_output": "a1"} for i in range(first)],
        [ExactMatch()],
        "again",
        cache_config=CacheConfig(cache_type="disk", cache_dir=cache_dir, write_cache=False),
        show_progress=False,
    )
    assert again.metadata["cache"]["metric"]["hits"] == first


def test_ctrl_c_stops_a_script(tmp_path):
    script = tmp_path / "big.py"
    script.write_text(SCRIPT)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "cache")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    out, err = _interrupt_once_scoring(proc, tmp_path / "cache")
    assert "finished" not in out
    assert proc.returncode == 1  # an uncaught exception, like any other
    assert "During handling" not in err and "RuntimeError" not in err and "CancelledError" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("axionlike._exceptions.EvaluationInterrupted: interrupted: ")
    assert len(err.splitlines()) < 15  # the script's own call, not asyncio's chain
    _assert_kept(last, tmp_path / "cache")


def test_ctrl_c_stops_the_cli_with_one_line_and_status_130(tmp_path):
    with (tmp_path / "data.jsonl").open("w") as out:
        for i in range(ITEMS):
            out.write(json.dumps({"id": str(i), "actual_output": f"a{i}", "expected_output": "a1"}) + "\n")
    (tmp_path / "eval.yaml").write_text(
        textwrap.dedent(
            """
            evaluation_name: big
            dataset: data.jsonl
            metrics: [exact_match]
            cache: {cache_type: disk, cache_dir: cache}
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "axionlike", "run", str(tmp_path / "eval.yaml"), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        cwd=tmp_path,
    )
    out, err = _interrupt_once_scoring(proc, tmp_path / "cache")
    assert proc.returncode == 130
    assert out == "" and not (tmp_path / "big.json").exists()
    assert len(err.splitlines()) == 1 and err.startswith("interrupted: "), err
    _assert_kept(err, tmp_path / "cache")


def test_ctrl_c_stops_a_notebook_cell(tmp_path):
    """A real Jupyter kernel: there the run goes through the sync bridge's worker thread."""
    manager = pytest.importorskip("jupyter_client").KernelManager(kernel_name="python3")
    manager.kernel_cmd = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    manager.start_kernel(env=ENV, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    outputs: list[str] = []
    try:
        client.wait_for_ready(timeout=60)
        code = SCRIPT.replace("import sys\n", "").replace("sys.argv[1]", repr(str(tmp_path / "cache")))
        msg_id = client.execute(code)
        deadline = time.monotonic() + 120
        while _rows(tmp_path / "cache") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=60)  # generous, as above
        while reply["parent_header"]["msg_id"] != msg_id:  # the reply to wait_for_ready's request
            reply = client.get_shell_msg(timeout=60)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "EvaluationInterrupted"
        line = reply["content"]["evalue"]
        traceback = "\n".join(reply["content"]["traceback"])
        assert "During handling" not in traceback and "RuntimeError" not in traceback
        _assert_kept(line, tmp_path / "cache")
        shown = client.execute_interactive(
            "import sys; partial = sys.last_value.partial_result; print(len(partial.results), partial.success_rate)",
            timeout=60,
            output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
        )
        assert shown["content"]["status"] == "ok"
        done = LINE.search(line).group(1).replace(",", "")
        assert "".join(outputs).split() == [done, "1.0"]  # the items done, each with its score
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
