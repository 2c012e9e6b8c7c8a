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


README = DOCS.parent / "README.md"
_README_BLOCK = re.compile(
    r"^## (.+?)$|(<!-- not run in tests: (.+?) -->\n)?```python\n(.*?)```", re.DOTALL | re.MULTILINE
)


def _readme_blocks() -> list[tuple[str, str, str | None]]:
    """Every Python block of the README: (section, code, why it is not run)."""
    blocks, section = [], ""
    for match in _README_BLOCK.finditer(README.read_text(encoding="utf-8")):
        if match.group(1):
            section = match.group(1)
        else:
            blocks.append((section, match.group(4), match.group(3)))
    return blocks


README_BLOCKS = _readme_blocks()


def test_readme_blocks_are_found_and_exclusions_say_why():
    assert len(README_BLOCKS) >= 10
    assert [section for section, _, why in README_BLOCKS if why] == ["Evaluating a deployed endpoint"]


@pytest.fixture(scope="module")
def offline_services():
    """One fake OpenAI server and one Langfuse collector for all README blocks, reached through the
    environment variables a user sets for the real ones (judge clients are shared process-wide, so
    the base URL stays the same for the module)."""
    from axionlike.testing import FakeLLMServer, TraceCollector

    with FakeLLMServer() as server, TraceCollector() as collector, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_BASE_URL", server.api_base)
        patch.setenv("OPENAI_API_KEY", "not-a-real-key")
        for key, value in collector.langfuse_env().items():
            patch.setenv(key, value)
        yield server


@pytest.mark.parametrize(
    ("section", "code", "why"),
    [pytest.param(*block, id=f"{n}-{block[0]}") for n, block in enumerate(README_BLOCKS)],
)
def test_readme_block_runs_as_pasted(section, code, why, request, tmp_path, monkeypatch, offline_services):
    """Each block alone, in a fresh namespace and folder, offline: OpenAI's models reach a local fake
    server through OPENAI_BASE_URL, Langfuse a local collector."""
    if why:
        pytest.skip(why)
    if "RayBackend" in code:
        pytest.importorskip("ray", reason="the Ray extra is not installed: pip install 'axionlike[ray]'")
        request.getfixturevalue("local_ray")
    from axionlike.tracing import configure_tracing

    monkeypatch.chdir(tmp_path)
    calls = offline_services.calls
    try:
        exec(compile(code, f"{README}:{section}", "exec"), {"__name__": "readme_example"})
    finally:
        configure_tracing("noop")
    if "gpt-4o-mini" in code and "FakeLLMServer" not in code and "evaluation_runner(" in code:
        assert offline_services.calls > calls  # the judges ran, against the local server
