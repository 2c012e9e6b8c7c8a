"""The runnable examples of docs/scaling-out.md run, on the session's local Ray."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("ray", reason="the Ray extra is not installed: pip install 'axionlike[ray]'")
PAGE = Path(__file__).parents[2] / "docs" / "scaling-out.md"
EXAMPLES = re.findall(r"<!-- runs in tests -->\n```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


def test_the_page_has_runnable_examples():
    assert len(EXAMPLES) == 2


@pytest.mark.usefixtures("local_ray")
@pytest.mark.parametrize("code", EXAMPLES, ids=["all-cores", "streamed"])
def test_example_runs(code):
    # a module name Ray's pickler cannot import, so the example's functions travel by value
    exec(compile(code, str(PAGE), "exec"), {"__name__": "scaling_out_example"})
