import pandas as pd

from axionlike.dataset import DatasetItem
from axionlike.metrics import ExactMatch, Latency
from axionlike.results import EvaluationResult
from axionlike.runners import evaluation_runner


def make_result():
    items = [
        DatasetItem(id="1", actual_output="a", expected_output="a", latency=0.5, topic="x"),
        DatasetItem(id="2", actual_output="b", expected_output="a"),
    ]
    return evaluation_runner(
        items, [ExactMatch(), Latency(threshold=1)], "res", show_progress=False, evaluation_metadata={"v": 1}
    )


def test_long_dataframe_one_row_per_item_and_metric():
    frame = make_result().to_dataframe()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == 4
    assert {
        "id",
        "query",
        "topic",
        "metric_name",
        "metric_score",
        "passed",
        "threshold",
        "explanation",
        "error",
    } <= set(frame.columns)
    assert "index" not in frame.columns and list(frame.columns[:2]) == ["id", "query"]
    row = frame[(frame.id == "2") & (frame.metric_name == "latency")].iloc[0]
    assert row.status == "error" and "requires latency" in row.error


def test_wide_dataframe_one_row_per_item():
    frame = make_result().to_dataframe("wide")
    assert list(frame.id) == ["1", "2"] and "index" not in frame.columns
    assert list(frame.exact_match) == [1.0, 0.0]
    assert list(frame.exact_match_passed) == [True, False]


def test_save_and_load_lose_nothing(tmp_path):
    result = make_result()
    path = result.save(tmp_path / "out" / "run.json")
    loaded = EvaluationResult.load(path)
    assert loaded == result
    assert loaded.results[0].item.get("topic") == "x"
    assert loaded.metadata["v"] == 1
    assert loaded.to_dataframe().equals(result.to_dataframe())
