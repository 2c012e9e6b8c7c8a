import json
import math

import pandas as pd
import pytest

from axionlike._exceptions import DatasetError, DatasetLoadError, InvalidItemError
from axionlike.dataset import Dataset, DatasetItem

ROWS = [
    {"id": "a", "query": "q1", "expected_output": "x", "topic": "geo"},
    {"query": "q2", "expected_output": "y", "retrieved_content": ["c1", "c2"]},
]


def test_from_dicts_keeps_unknown_columns_and_derives_ids():
    ds = Dataset.load(ROWS)
    assert [i.id for i in ds][0] == "a"
    assert ds[0].get("topic") == "geo"
    assert ds[0].model_extra == {"topic": "geo"}
    assert len(ds[1].id) == 16
    assert Dataset.load(ROWS)[1].id == ds[1].id  # stable across loads


def test_content_id_changes_with_content():
    a = DatasetItem(query="q", expected_output="x")
    b = DatasetItem(query="q", expected_output="y")
    assert a.id != b.id
    assert DatasetItem(query="q", expected_output="x").id == a.id


def test_from_items_dataframe_csv_jsonl_agree(tmp_path):
    items = [DatasetItem(**row) for row in ROWS]
    frame = pd.DataFrame(ROWS)
    csv_path = tmp_path / "d.csv"
    pd.DataFrame([{**r, "retrieved_content": json.dumps(r.get("retrieved_content"))} for r in ROWS]).to_csv(
        csv_path, index=False
    )
    jsonl_path = tmp_path / "d.jsonl"
    jsonl_path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n")
    loaded = [Dataset.load(src) for src in (items, frame, csv_path, str(jsonl_path))]
    for ds in loaded:
        assert [i.id for i in ds] == [i.id for i in loaded[0]]
        assert ds[1].retrieved_content == ["c1", "c2"]
        assert ds[0].get("topic") == "geo"
    assert loaded[2].name == "d"


def test_nan_cells_become_none():
    frame = pd.DataFrame([{"query": "q", "expected_output": float("nan"), "latency": math.nan}])
    item = Dataset.load(frame)[0]
    assert item.expected_output is None and item.latency is None


def test_row_that_is_not_a_mapping_is_named():
    with pytest.raises(InvalidItemError, match=r"row 1: expected a mapping or DatasetItem, got str"):
        Dataset([{"query": "ok"}, "not a row"])
    ds = Dataset.load([{"query": "ok"}, "not a row"])
    assert len(ds) == 1 and ds.invalid_rows[0].row == 1


def test_bad_field_type_names_row_and_field():
    with pytest.raises(InvalidItemError, match=r"row 0 \(id 'x'\): field 'latency'"):
        Dataset([{"id": "x", "latency": "fast"}])


def test_duplicate_ids_are_kept_and_reported():
    ds = Dataset.load([{"id": "1", "query": "a"}, {"id": "1", "query": "b"}])
    assert len(ds) == 2 and ds.duplicate_ids == ["1"]


def test_unsupported_sources(tmp_path):
    with pytest.raises(DatasetLoadError, match="not found"):
        Dataset.load(tmp_path / "missing.csv")
    (tmp_path / "d.txt").write_text("x")
    with pytest.raises(DatasetLoadError, match="unsupported file type"):
        Dataset.load(tmp_path / "d.txt")
    with pytest.raises(DatasetError, match="got dict"):
        Dataset.load({"query": "q"})
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "a"}\n{oops\n')
    with pytest.raises(DatasetLoadError, match="line 2"):
        Dataset.load(bad)


def test_items_are_immutable_and_merged_copies_keep_the_id():
    item = DatasetItem(id="i", query="q")
    with pytest.raises(Exception):
        item.query = "changed"  # type: ignore[misc]
    merged = item.merged({"actual_output": "a", "extra_key": 1})
    assert merged.id == "i" and merged.actual_output == "a" and merged.get("extra_key") == 1
    assert item.actual_output is None


def test_missing_fields_follow_one_rule():
    item = DatasetItem(query="q", actual_output="", retrieved_content=[], tools_called=[{}], extra=None, other={})
    assert item.missing(["query", "actual_output", "tools_called"]) == []
    assert item.missing(["expected_output", "retrieved_content", "extra", "other", "never_given"]) == [
        "expected_output",
        "retrieved_content",
        "extra",
        "other",
        "never_given",
    ]
