import dataclasses
import json

import pandas as pd
import pytest
from pydantic import ValidationError

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


def test_a_saved_score_is_validated_when_the_result_is_read():
    data = json.loads(make_result().to_json())
    data["results"][0]["scores"][0]["score"] = "0.25"
    assert EvaluationResult.from_json(json.dumps(data)).results[0].scores[0].score == 0.25
    data["results"][0]["scores"][0]["score"] = "high"
    with pytest.raises(ValidationError, match=r"results\.0\.scores\.0\.score"):
        EvaluationResult.from_json(json.dumps(data))


def test_a_score_is_copied_with_dataclasses_replace():
    score = make_result().results[0].scores[0]
    copy = dataclasses.replace(score, metadata={"note": "copied"})
    assert copy.name == score.name and copy.score == score.score
    assert copy.metadata == {"note": "copied"} and score.metadata == {}


def _judge_verdict(body):
    return {"reasoning": "looked at it", "score": 4}


def test_normalized_dataframes_store_each_item_once_keyed_by_id(tmp_path):
    """Axion's ``to_normalized_dataframes``: an items table and a scores table joined by item id."""
    from axionlike.metrics import LevenshteinSimilarity, LLMJudge
    from axionlike.testing import FakeLLMServer

    big = "x" * 200_000  # a large item field: stored once, not once per metric
    items = [
        DatasetItem(id="1", query="q", actual_output="a", expected_output="a", retrieved_content=[big], topic="t"),
        DatasetItem(id="2", query="q", actual_output="b", expected_output="a", retrieved_content=[big]),
    ]
    with FakeLLMServer(_judge_verdict) as server:
        judge = LLMJudge(
            criteria="Is it right?", model_name="openai/gpt-4o-mini", api_base=server.api_base, api_key="sk-test-1"
        )
        result = evaluation_runner(
            items,
            [ExactMatch(), LevenshteinSimilarity(), Latency(threshold=1), judge],
            "normalised",
            show_progress=False,
        )
    dataset_items, metric_results = result.to_normalized_dataframes()
    assert list(dataset_items.id) == ["1", "2"] and dataset_items.id.is_unique
    assert dataset_items.set_index("id").loc["1", "topic"] == "t"
    assert len(metric_results) == 2 * 4
    assert {"retrieved_content", "actual_output", "topic"}.isdisjoint(metric_results.columns)
    assert {"id", "metric_name", "metric_score", "passed", "explanation", "cost", "prompt_tokens"} <= set(
        metric_results.columns
    )
    judged = metric_results[metric_results.metric_name == judge.name].set_index("id")
    assert (judged.prompt_tokens > 0).all() and (judged.completion_tokens > 0).all() and (judged.cost > 0).all()
    assert judged.loc["1", "explanation"] == "looked at it"
    exact = metric_results[metric_results.metric_name == "exact_match"].set_index("id")
    assert list(exact.metric_score) == [1.0, 0.0] and list(exact.passed) == [True, False]
    assert metric_results.set_index(["id", "metric_name"]).loc[("2", "latency"), "status"] == "error"

    long = result.to_dataframe()
    joined = metric_results.merge(dataset_items, on="id", how="left")
    assert len(joined) == len(long) and set(long.columns) <= set(joined.columns)
    normalised_size = len(dataset_items.to_csv()) + len(metric_results.to_csv())
    assert normalised_size < len(long.to_csv()) / 3  # the large field is written twice, not eight times


def test_normalized_dataframes_keep_task_failures_and_trials():
    def task(item):
        if item.query == "boom":
            raise RuntimeError("task broke")
        return {"actual_output": "a"}

    items = [DatasetItem(id="ok", query="q", expected_output="a"), DatasetItem(id="bad", query="boom")]
    result = evaluation_runner(items, [ExactMatch()], "trials", task=task, trials=2, show_progress=False)
    dataset_items, metric_results = result.to_normalized_dataframes()
    assert list(dataset_items.id) == ["ok", "bad"]
    assert "task broke" in dataset_items.set_index("id").loc["bad", "task_error"]
    assert set(metric_results.id) == {"ok"}  # the failed item has no score rows, only its item row
    assert sorted(metric_results.trial.fillna(-1)) == [-1, 0, 1]  # the reduced score and each trial


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
