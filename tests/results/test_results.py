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
    row = frame[(frame.id == "2") & (frame.metric_name == "latency")].iloc[0]
    assert row.status == "error" and "requires latency" in row.error


def test_wide_dataframe_one_row_per_item():
    frame = make_result().to_dataframe("wide")
    assert list(frame.id) == ["1", "2"]
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


def test_text_with_a_lone_surrogate_is_savable_and_renderable(tmp_path):
    """Text decoded with ``surrogateescape`` (or a sliced emoji) holds lone surrogates, which UTF-8 refuses."""
    odd = "caf\udcc3\udca9 \udfff"
    items = [
        DatasetItem(id="odd\udfff", query=odd, actual_output=odd, expected_output="other", note=[odd]),
        DatasetItem(id="plain", actual_output="a", expected_output="a"),
    ]
    result = evaluation_runner(items, [ExactMatch(threshold=0.5)], "surrogates", show_progress=False)
    assert [r.succeeded for r in result.results] == [True, True]

    loaded = EvaluationResult.load(result.save(tmp_path / "run.json"))
    assert loaded.results[0].item.query == odd and loaded.results[0].id == "odd\udfff"
    assert loaded.results[0].item.model_extra["note"] == [odd]
    assert loaded.model_dump() == result.model_dump()

    frame = result.to_dataframe()
    assert list(frame.id) == ["odd\\udfff", "plain"]  # shown as escapes in a DataFrame
    assert frame["query"][0] == "caf\\udcc3\\udca9 \\udfff"
    frame.to_csv(tmp_path / "run.csv")
    assert list(result.to_dataframe("wide").id) == ["odd\\udfff", "plain"]

    card = result.to_scorecard(tmp_path / "card.html")
    assert "odd\\udfff" in (tmp_path / "card.html").read_text(encoding="utf-8")
    assert "odd\\udfff" in str(card) and "odd\\udfff" in card._repr_html_()
