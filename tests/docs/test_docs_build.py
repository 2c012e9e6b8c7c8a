"""The documentation site builds with ``mkdocs build --strict``, offline."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    reference = (site / "reference" / "results" / "index.html").read_text(encoding="utf-8")
    for name in ("EvaluationResult", "to_scorecard", "Scorecard", "Comparison"):
        assert name in reference, name
    for page in (
        "evaluation-runner",
        "metrics",
        "integrations",
        "caching",
        "tracing",
        "api-runner",
        "grading",
        "pytest-plugin",
        "cli",
        "notebooks",
    ):
        assert (site / page / "index.html").exists(), page
    for package, names in {
        "llm": ("LLMClient",),
        "grading": ("GradingRunner", "WeightedSumAggregator"),
        "integrations": ("RewardFunction", "foreach", "LiteLLMRagas"),
        "testing": ("FakeLLMServer", "TraceCollector"),
    }.items():
        page = (site / "reference" / package / "index.html").read_text(encoding="utf-8")
        for name in names:
            assert name in page, (package, name)
    for page in site.rglob("*.html"):
        assert "Being integrated" not in page.read_text(encoding="utf-8"), page
    assert "fonts.googleapis.com" not in (site / "index.html").read_text(encoding="utf-8")
