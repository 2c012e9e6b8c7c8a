"""Throughput of the pytest plugin: rows per second through the engine, with the journal.

Runs pytest in a subprocess on generated evaluation files (trivial sync and async
functions, so the numbers are the plugin's own overhead: engine, journal, result),
then runs the same experiment again (every row comes from the journal).

    python bench/pytest_plugin.py [ROWS]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EVALS = """
from axionlike import foreach

ROWS = [(i, str(i)) for i in range({rows})]

@foreach("n,text", ROWS)
def eval_sync(n, text):
    return str(n) == text

@foreach("n,text", ROWS)
async def eval_async(n, text):
    return {{"same": str(n) == text, "length": len(text) / 10}}
"""


def run(directory: Path, experiment: str, which: str, check: bool = True) -> float:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "axionlike.integrations.pytest_plugin", "eval_bench.py", "-k", which]
    command += ["--experiment", experiment, "--max-concurrent", "16"]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    started = time.perf_counter()
    subprocess.run(command, cwd=directory, env=env, check=check, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "eval_bench.py").write_text(EVALS.format(rows=rows))
        # pytest startup and collection, no evaluation selected (exit code 5)
        baseline = min(run(directory, "none", "nothing_matches", check=False) for _ in range(2))
        for which in ("eval_sync", "eval_async"):
            first = run(directory, which, which)
            again = run(directory, which, which)
            print(
                f"{which}: {rows} rows in {first:.2f} s ({rows / max(first - baseline, 1e-9):.0f} rows/s "
                f"after {baseline:.2f} s pytest startup); resumed from the journal in {again:.2f} s"
            )


if __name__ == "__main__":
    main()
