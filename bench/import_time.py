"""Benchmark: how long a new user waits, in a fresh process, for ``import axionlike`` and the first judge call.

Each figure comes from a new interpreter (nothing cached in memory): ``import axionlike``;
and, for an OpenAI-compatible judge on the direct route, the time from the start of the
script to the first request arriving at the server (target < 1.5 s), and to the end of a
one-item evaluation. The same first call on the litellm route is shown beside it.

Run from the repository root:
    python bench/import_time.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

FIRST_CALL = """
import time
started = time.perf_counter()
from axionlike.dataset import DatasetItem
from axionlike.metrics import Faithfulness
from axionlike.runners import evaluation_runner
metric = Faithfulness(model_name="openai/judge", api_base="{api_base}", api_key="bench-dummy-key", transport="{route}")
result = evaluation_runner([DatasetItem(actual_output="a", retrieved_content=["c"])], [metric], "first", show_progress=False, summary_generator=None)
assert result.results[0].scores[0].status == "scored", result.results[0].scores[0]
print(started, time.perf_counter() - started)
"""


def _fresh(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from axionlike.testing import FakeLLMServer

    imports = []
    for _ in range(args.repeat):
        out = _fresh("import time; t = time.perf_counter(); import axionlike; print(time.perf_counter() - t)")
        imports.append(float(out))
    print(f"import axionlike: {min(imports):.3f} s (best of {args.repeat})")

    arrivals: list[float] = []

    def record(body: dict) -> None:
        arrivals.append(time.time())  # wall clock: comparable across processes

    with FakeLLMServer(record) as server:
        for route in ("direct", "litellm"):
            firsts, totals = [], []
            for _ in range(args.repeat):
                arrivals.clear()
                begun = time.time()
                out = _fresh(FIRST_CALL.format(api_base=server.api_base, route=route))
                total = float(out.split()[1])
                startup = time.time() - begun - total  # the interpreter's own start before the script ran
                firsts.append(arrivals[0] - begun - startup)
                totals.append(total)
            print(
                f"route {route:8s}: first request on the wire {min(firsts):.2f} s after the script starts "
                f"(target < 1.5 s on the direct route); one-item evaluation done in {min(totals):.2f} s"
            )


if __name__ == "__main__":
    main()
