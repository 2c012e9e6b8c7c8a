"""Readers that turn files and frames into rows (plain dicts)."""

from __future__ import annotations

import contextlib
import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from axionlike._exceptions import DatasetLoadError

_LIST_COLUMNS = ("retrieved_content", "tools_called", "expected_tools")
_DICT_COLUMNS = ("additional_input", "additional_output", "metadata")


def rows_from_path(path: Path) -> Iterator[Any]:
    """Rows of a CSV or JSONL (or JSON list) file."""
    if not path.exists():
        raise DatasetLoadError(f"dataset file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _rows_from_csv(path)
    if suffix in (".jsonl", ".ndjson"):
        return _rows_from_jsonl(path)
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise DatasetLoadError(f"{path}: expected a JSON list of items, got {type(data).__name__}")
        return iter(data)
    raise DatasetLoadError(f"{path}: unsupported file type '{suffix}'; use .csv, .jsonl or .json")


def _rows_from_jsonl(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetLoadError(f"{path}, line {line_no}: not valid JSON ({exc.msg})") from exc


def _rows_from_csv(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield _decode_cells({k: (v if v != "" else None) for k, v in row.items()})


def rows_from_dataframe(frame: Any) -> Iterator[dict[str, Any]]:
    """Rows of a pandas DataFrame; empty cells (NaN) become ``None``."""
    for record in frame.to_dict(orient="records"):
        yield _decode_cells(record)


def _decode_cells(row: dict[str, Any]) -> dict[str, Any]:
    """Decode JSON text in list- and dict-typed columns (as CSV stores them)."""
    for key in _LIST_COLUMNS + _DICT_COLUMNS:
        value = row.get(key)
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                row[key] = json.loads(value)
    return row
