"""Stored runs: one directory per experiment, a result file and a row journal per evaluation.

Layout under the results directory (default ``.axionlike/``)::

    <experiment>/<evaluation key>.json           the EvaluationResult
    <experiment>/<evaluation key>.journal.jsonl  one line per finished row

The journal is what makes a run resumable: each row's result is appended and
flushed as soon as the row finishes, so a run killed part-way keeps every finished
row. A torn last line (killed mid-write) is ignored. ``axionlike runs list`` and
``axionlike runs show`` print ``list_runs_text`` and ``show_run_text``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from axionlike._exceptions import ConfigurationError
from axionlike._text import model_from_json, model_json
from axionlike.integrations._report import result_rows, table
from axionlike.results import EvaluationResult, TestResult

__all__ = [
    "ExperimentStore",
    "Journal",
    "JournalEntry",
    "JournalHeader",
    "evaluation_key",
    "list_experiments",
    "list_runs_text",
    "show_run_text",
]

_RESULT_SUFFIX = ".json"
_MAX_ERRORS_SHOWN = 20
"""Row errors listed by ``show_run_text`` before it only counts the rest."""
_JOURNAL_SUFFIX = ".journal.jsonl"


def evaluation_key(nodeid: str) -> str:
    """A file name for an evaluation from its pytest node id (``evals/test_x.py::eval_y[a]``)."""
    path, _, name = nodeid.partition("::")
    stem = path.removesuffix(".py").replace("/", ".").replace("\\", ".")
    key = f"{stem}.{name}" if name else stem
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-.")


class JournalHeader(BaseModel):
    """First line of a journal: what makes re-runs of the experiment one run."""

    run_id: str
    evaluation: str
    started: str
    """ISO 8601 start of the first session."""


class JournalEntry(BaseModel):
    """One finished row."""

    index: int
    id: str
    result: TestResult


class Journal:
    """The append-only record of an evaluation's finished rows."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[JournalHeader | None, dict[int, JournalEntry]]:
        """The header and the latest entry per row index (later lines win)."""
        if not self.path.exists():
            return None, {}
        header: JournalHeader | None = None
        entries: dict[int, JournalEntry] = {}
        with self.path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines):
                if not line.endswith("\n"):
                    break  # torn write of a killed process
                if number == 0:
                    header = JournalHeader.model_validate_json(line)
                    continue
                entry = model_from_json(JournalEntry, line)
                entries[entry.index] = entry
        return header, entries

    def start(self, header: JournalHeader) -> None:
        """Create the journal with its header (a new run)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(header.model_dump_json() + "\n", encoding="utf-8")

    def append(self, index: int, result: TestResult) -> None:
        """Record a finished row; flushed at once so a killed process keeps it."""
        entry = JournalEntry(index=index, id=result.id or "", result=result)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(model_json(entry) + "\n")
            out.flush()


class ExperimentStore:
    """The directory of one experiment under the results directory."""

    def __init__(self, results_dir: str | Path, experiment: str) -> None:
        if not experiment or re.search(r"[/\\]", experiment) or experiment in (".", ".."):
            raise ConfigurationError(f"experiment name {experiment!r} must be a plain directory name")
        self.directory = Path(results_dir) / experiment
        self.experiment = experiment

    def journal(self, key: str) -> Journal:
        return Journal(self.directory / f"{key}{_JOURNAL_SUFFIX}")

    def result_path(self, key: str) -> Path:
        return self.directory / f"{key}{_RESULT_SUFFIX}"

    def results(self) -> list[EvaluationResult]:
        """The stored results of the experiment, by file name."""
        files = sorted(p for p in self.directory.glob(f"*{_RESULT_SUFFIX}") if not p.name.endswith(_JOURNAL_SUFFIX))
        return [EvaluationResult.load(p) for p in files]

    def pending(self) -> list[str]:
        """Evaluations with a journal but no result file: interrupted, resumable."""
        keys = {p.name.removesuffix(_JOURNAL_SUFFIX) for p in self.directory.glob(f"*{_JOURNAL_SUFFIX}")}
        return sorted(k for k in keys if not self.result_path(k).exists())


def list_experiments(results_dir: str | Path) -> list[dict[str, Any]]:
    """One summary dict per experiment directory, newest first."""
    root = Path(results_dir)
    if not root.is_dir():
        return []
    rows: list[tuple[float, dict[str, Any]]] = []
    for directory in root.iterdir():
        if not directory.is_dir() or not any(directory.glob(f"*{_JOURNAL_SUFFIX}")):
            continue
        store = ExperimentStore(root, directory.name)
        results = store.results()
        modified = max(p.stat().st_mtime for p in directory.iterdir())
        summary = {
            "name": directory.name,
            "evaluations": len(results),
            "interrupted": len(store.pending()),
            "rows": sum(len(r.results) for r in results),
            "errors": sum(not t.succeeded for r in results for t in r.results),
            "modified": datetime.fromtimestamp(modified, UTC).strftime("%Y-%m-%d %H:%M:%S"),
        }
        rows.append((modified, summary))
    rows.sort(key=lambda row: row[0], reverse=True)
    return [summary for _, summary in rows]


def list_runs_text(results_dir: str | Path) -> list[str]:
    """The lines of ``axionlike runs list``: the stored experiments, newest first."""
    runs = list_experiments(results_dir)
    if not runs:
        return [f"no runs in {results_dir}"]
    header = ["run", "evaluations", "interrupted", "rows", "errors", "modified (UTC)"]
    return table(
        header, ([r[k] for k in ("name", "evaluations", "interrupted", "rows", "errors", "modified")] for r in runs)
    )


def show_run_text(results_dir: str | Path, name: str) -> list[str]:
    """The lines of ``axionlike runs show NAME``: per evaluation and score, rows, mean, pass rate, errors."""
    store = ExperimentStore(results_dir, name)
    if not store.directory.is_dir():
        raise ConfigurationError(f"no run named {name!r} in {results_dir} (see 'axionlike runs list')")
    results = store.results()
    lines = [f"run {name} · {store.directory}"]
    header = ["evaluation", "score", "rows", "mean", "pass rate", "errors"]
    lines += table(
        header, (row for r in results for row in result_rows(r, r.metadata.get("evaluation", r.evaluation_name)))
    )
    errors = [
        f"  {r.evaluation_name} row {t.index} (id {t.id}): {error}"
        for r in results
        for t in r.results
        if (error := t.error or next((s.error for s in t.scores if s.error is not None), None)) is not None
    ]
    lines += errors[:_MAX_ERRORS_SHOWN]
    if len(errors) > _MAX_ERRORS_SHOWN:
        lines.append(f"  ... and {len(errors) - _MAX_ERRORS_SHOWN} more errors")
    lines += [f"interrupted: {key} (run again with --experiment {name} to resume)" for key in store.pending()]
    return lines
