"""The examples the docs mark ``<!-- runs in tests -->`` run, each page's in order in one namespace
(a page's later examples use what its earlier ones defined)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).parents[2] / "docs"
MARKED = re.compile(r"<!-- runs in tests -->\n```python\n(.*?)```", re.DOTALL)
PAGES = {page.name: MARKED.findall(page.read_text(encoding="utf-8")) for page in sorted(DOCS.glob("*.md"))}
NEEDS_RAY = {"scaling-out.md"}


def test_pages_have_their_runnable_examples():
    assert len(PAGES["scaling-out.md"]) == 2 and len(PAGES["agent-rewards.md"]) == 3 and len(PAGES["trials.md"]) == 1


@pytest.mark.parametrize("page", [name for name, examples in PAGES.items() if examples])
def test_examples_run(page, request):
    if page in NEEDS_RAY:
        pytest.importorskip("ray", reason="the Ray extra is not installed: pip install 'axionlike[ray]'")
        request.getfixturevalue("local_ray")
    # a module name Ray's pickler cannot import, so the examples' functions travel by value
    namespace = {"__name__": "docs_example"}
    for example in PAGES[page]:
        exec(compile(example, str(DOCS / page), "exec"), namespace)
