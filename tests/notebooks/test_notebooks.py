"""Every notebook in notebooks/ runs top to bottom on a real Jupyter kernel, offline.

The kernel is this interpreter (a kernelspec written into a temporary JUPYTER_PATH that
runs ``sys.executable -m ipykernel_launcher``) and imports this checkout of axionlike.
Notebooks added to notebooks/ are picked up automatically.
"""

import json
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "axionlike-test"
#: The offline environment tests/conftest.py sets, handed to the kernel explicitly.
OFFLINE_ENV = (
    "LITELLM_LOCAL_MODEL_COST_MAP",
    "DEEPEVAL_TELEMETRY_OPT_OUT",
    "DEEPEVAL_DISABLE_DOTENV",
    "DEEPEVAL_CACHE_FOLDER",
    "RAGAS_DO_NOT_TRACK",
    "HOME",
    "OPIK_SENTRY_ENABLE",
    "OPIK_ANALYTICS_ENABLE",
    "TRACING_MODE",
)

#: Text some notebooks must show once executed (beyond the checks every notebook gets).
EXPECTED = {
    "01_quickstart.ipynb": ["success rate: 100%", "support bot quickstart", "written: quickstart_scorecard.html"],
    "02_task_and_mapping.ipynb": [
        "task calls: 20\n",
        "'task': {'hits': 20, 'misses': 0",
        "exact_match              better",
        "latency                  worse",
    ],
    "03_multi_library.ipynb": [
        "errors: 0, judge calls: 18",
        "calls: 18, prompt tokens:",
        "Some statements are off topic or wrong.",
        "'hits': 0, 'misses': 12",
    ],
    "04_caching_and_tracing.ipynb": [
        "LLM calls made by the warm run: 0\n",
        "same scores: True",
        "'metric': {'hits': 12, 'misses': 0",
        "llm_call  trace",
        "q3  answer_completeness  0.00  trace ",
    ],
    "05_agent_rewards.ipynb": [
        "action_loop      [0.25, 1.0, 1.0]",
        "tool_parameters  [1.0, 1.0, 0.0]",
        "[0.25, 0.833, 0.833]",
    ],
    "06_trust_your_judge.ipynb": [
        "judge calls: 300",
        "Cohen's κ   0.740   [0.660, 0.807]",
        "hard: 100 items, accuracy 0.61, kappa 0.21 [0.02, 0.40]",
        "share labelled pass per score bin: {0.1: 0.0, 0.3: 0.25, 0.5: 0.0, 0.7: 0.85, 0.9: 1.0}",
        "same report after loading: True",
        "<h2>Agreement with human labels</h2>",
        "0 without a label · 0 without a score",
    ],
}


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "axionlike tests",
                "language": "python",
                "env": {"PYTHONPATH": str(ROOT), **{key: os.environ[key] for key in OFFLINE_ENV}},
            }
        )
    )
    return root


def outputs_text(book) -> str:
    parts = []
    for cell in book.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for kind in ("text/plain", "text/html"):
                parts.append(output.get("data", {}).get(kind, ""))
    return "\n".join(parts)


def test_there_are_notebooks():
    assert {
        "01_quickstart.ipynb",
        "02_task_and_mapping.ipynb",
        "03_multi_library.ipynb",
        "04_caching_and_tracing.ipynb",
    } <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip the outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, kernel_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    book = nbformat.read(path, as_version=4)
    book.cells.append(nbformat.v4.new_code_cell("import sys, axionlike\nprint(sys.executable)\nprint(axionlike.__file__)"))
    NotebookClient(
        book, kernel_name=KERNEL, timeout=300, startup_timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    ).execute()

    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    interpreter, package = code[-1].outputs[0]["text"].split()
    assert Path(interpreter) == Path(sys.executable) and Path(package) == ROOT / "axionlike" / "__init__.py"

    assert not (tmp_path / ".deepeval").exists()  # axionlike's adapters are imported before DeepEval

    text = outputs_text(book)
    assert "IProgress not found" not in text and "TqdmWarning" not in text  # progress works without ipywidgets
    source = "\n".join(c.source for c in code)
    if "to_scorecard(" in source:
        assert 'class="axl axl-scorecard"' in text
    if ".compare(" in source:
        assert 'class="axl axl-compare"' in text
    for expected in EXPECTED.get(path.name, []):  # whitespace-insensitive: IPython wraps long reprs
        assert _squash(expected) in _squash(text), f"{path.name}: {expected!r} not in the outputs"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_a_progress_bar_in_jupyter_without_ipywidgets_gives_no_warning(kernel_dir, tmp_path, monkeypatch):
    """tqdm.auto warns "IProgress not found" in Jupyter without ipywidgets; the run's bar (and the
    Ragas and DeepEval imports axionlike makes) do not."""
    import importlib.util

    if importlib.util.find_spec("ipywidgets") is not None:
        pytest.skip("ipywidgets is installed: the bar is tqdm's widget")
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    book = nbformat.v4.new_notebook()
    book.cells = [
        nbformat.v4.new_code_cell(
            "from axionlike.integrations.models import LiteLLMDeepEval, LiteLLMRagas\n"
            "from axionlike.metrics import ExactMatch\n"
            "from axionlike.runners import evaluation_runner\n"
            "items = [{'query': 'q', 'actual_output': 'a', 'expected_output': 'a'}] * 3\n"
            "evaluation_runner(items, [ExactMatch()], 'with-a-bar', show_progress=True).summary['exact_match'].mean"
        )
    ]
    NotebookClient(book, kernel_name=KERNEL, timeout=300, startup_timeout=120).execute()
    outputs = book.cells[0].outputs
    stderr = "".join(o.get("text", "") for o in outputs if o.get("name") == "stderr")
    assert "with-a-bar: 100%" in stderr and "3/3" in stderr
    assert "IProgress" not in outputs_text(book) and "Warning" not in stderr
    assert "1.0" in outputs_text(book)
