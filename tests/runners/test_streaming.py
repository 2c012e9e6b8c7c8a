"""Inputs read as the run goes (an ItemStream): same results as the whole list, bounded read-ahead,
invalid rows on their index, an empty stream refused."""

from __future__ import annotations

import asyncio

import pytest

from axionlike import EvaluationConfig, EvaluationRunner
from axionlike._exceptions import DatasetError
from axionlike.dataset import ItemStream
from axionlike.metrics import ExactMatch
from axionlike.runners import evaluation_runner

ROWS = [{"id": f"r{i}", "query": f"q{i}", "expected_output": f"Q{i}"} for i in range(1000)]


def shout(item):
    return {"actual_output": item.query.upper() if item.id != "r7" else item.query}


def _scores(result):
    return [
        (r.index, r.id, r.error and str(r.error), [(s.name, s.score, s.status) for s in r.scores])
        for r in result.results
    ]


def test_a_stream_gives_what_the_list_gives():
    rows = [*ROWS[:10], {"id": "bad", "query": 5}, *ROWS[10:20]]
    listed = evaluation_runner(rows, [ExactMatch()], "list", task=shout, show_progress=False)
    streamed = evaluation_runner(ItemStream(iter(rows)), [ExactMatch()], "stream", task=shout, show_progress=False)
    assert _scores(streamed) == _scores(listed)
    assert streamed.results[10].item is None and "row 10 (id 'bad')" in str(streamed.results[10].error)
    assert streamed.metadata["counts"]["items"] == 21 == listed.metadata["counts"]["items"]


def test_a_stream_is_read_as_the_run_goes_not_up_front():
    read = 0
    read_when_first_done: list[int] = []

    def rows():
        nonlocal read
        for row in ROWS:
            read += 1
            yield row

    async def slow(item):
        await asyncio.sleep(0.001)
        return {"actual_output": item.query.upper()}

    config = EvaluationConfig(
        evaluation_inputs=ItemStream(rows(), name="big"),
        scoring_metrics=[ExactMatch()],
        evaluation_name="streamed",
        task=slow,
        max_concurrent=8,
        show_progress=True,  # a bar without a known length
    )
    runner = EvaluationRunner(config, on_result=lambda _: read_when_first_done.append(read))
    result = asyncio.run(runner.execute())
    assert len(result.results) == 1000 and result.summary["exact_match"].pass_rate == 1.0
    assert result.metadata["dataset_name"] == "big"
    assert read_when_first_done[0] <= 2 * 256  # one read-ahead chunk, maybe a second: never the whole source


def test_duplicate_ids_in_a_stream_are_reported():
    rows = [ROWS[0], ROWS[1], ROWS[0]]
    result = evaluation_runner(ItemStream(rows), [ExactMatch()], "dupes", task=shout, show_progress=False)
    assert result.metadata["counts"]["duplicate_ids"] == ["r0"]


def test_an_empty_stream_is_refused():
    with pytest.raises(DatasetError, match="evaluation_inputs is empty"):
        evaluation_runner(ItemStream(iter(())), [ExactMatch()], "empty", task=shout, show_progress=False)


def test_a_stream_over_a_generator_is_read_once():
    again = ItemStream(ROWS[:3], name="list")  # a list is read again from its start
    evaluation_runner(again, [ExactMatch()], "first", task=shout, show_progress=False)
    assert len(evaluation_runner(again, [ExactMatch()], "again", task=shout, show_progress=False).results) == 3
    stream = ItemStream(iter(ROWS[:3]), name="once")
    evaluation_runner(stream, [ExactMatch()], "first", task=shout, show_progress=False)
    with pytest.raises(DatasetError, match="already read by a run"):
        evaluation_runner(stream, [ExactMatch()], "second", task=shout, show_progress=False)
