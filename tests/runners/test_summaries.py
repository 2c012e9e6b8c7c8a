"""Axion's ``summary_generator``: what a run shows when it ends, pluggable, the scorecard by default."""

import io
import logging

import pytest

from axionlike._exceptions import ConfigurationError
from axionlike.dataset import DatasetItem
from axionlike.grading import GradingRunner
from axionlike.metrics import ExactMatch, Latency
from axionlike.results import EvaluationResult, LineSummary, MetricTableSummary, ScorecardSummary, TestResult
from axionlike.runners import EvaluationConfig, EvaluationRunner, evaluation_runner

ITEMS = [
    DatasetItem(id="1", actual_output="Paris", expected_output="Paris", latency=0.5),
    DatasetItem(id="2", actual_output="Lyon", expected_output="Paris", latency=3.0),
]
METRICS = [ExactMatch(), Latency(threshold=1.0)]


def run(**kwargs):
    return evaluation_runner(ITEMS, METRICS, "capitals", show_progress=False, **kwargs)


def test_the_scorecard_is_the_default_summary(capsys):
    result = run()
    out = capsys.readouterr().out
    assert "capitals" in out and "exact_match" in out and "latency" in out
    assert "success rate" in out and "worst items · exact_match" in out  # the scorecard's terminal tables
    assert "worst items · exact_match" in ScorecardSummary().render(result)  # the same, as text


def test_no_summary_prints_nothing(capsys):
    result = run(summary_generator=None)
    assert capsys.readouterr().out == ""
    assert result.summary["exact_match"].mean == 0.5


def test_a_terse_line_and_a_per_metric_table(capsys):
    result = run(summary_generator=LineSummary())
    line = capsys.readouterr().out.strip()
    assert "\n" not in line
    assert line.startswith("capitals · 2 items · success 100% · pass 50% · exact_match 0.500 · latency 1.750 · ")
    assert LineSummary.line(result) == line

    run(summary_generator=MetricTableSummary())
    table = capsys.readouterr().out
    assert "exact_match" in table and "latency" in table and "worst items" not in table


def test_a_users_callable_receives_the_result_it_returns_and_can_print_where_it_likes():
    seen = []
    result = run(summary_generator=seen.append)
    assert seen == [result] and isinstance(seen[0], EvaluationResult)

    buffer = io.StringIO()
    run(summary_generator=LineSummary(file=buffer))
    assert buffer.getvalue().startswith("capitals · 2 items")


async def test_evaluation_config_takes_it_too_and_an_async_generator_is_awaited():
    seen = []

    async def publish(result):
        seen.append(result)

    config = EvaluationConfig(
        evaluation_inputs=ITEMS,
        scoring_metrics=METRICS,
        evaluation_name="capitals",
        show_progress=False,
        summary_generator=publish,
    )
    result = await EvaluationRunner(config).execute()
    assert seen == [result]


def test_an_axion_style_summary_object_gets_the_results_and_the_time():
    class AxionSummary:  # Axion's BaseSummary: execute(results, total_time)
        def __init__(self):
            self.calls = []

        def execute(self, results, total_time):
            self.calls.append((results, total_time))
            return {}

    summary = AxionSummary()
    result = run(summary_generator=summary)
    [(results, total_time)] = summary.calls
    assert results == result.results and all(isinstance(r, TestResult) for r in results)
    assert total_time == result.metadata["durations"]["total_seconds"] > 0


def test_a_failing_summary_is_logged_and_the_result_kept(caplog):
    def broken(result):
        raise RuntimeError("no terminal here (key sk-abcdefghijklmnop1234)")

    with caplog.at_level(logging.WARNING):
        result = run(summary_generator=broken)
    assert len(result.results) == 2 and result.summary["exact_match"].count == 2
    [record] = [r for r in caplog.records if "summary_generator" in r.getMessage()]
    assert "broken" in record.getMessage() and "RuntimeError: no terminal here" in record.getMessage()
    assert "abcdefghijklmnop1234" not in record.getMessage()


def test_a_summary_generator_of_the_wrong_type_raises_before_the_run():
    with pytest.raises(ConfigurationError, match="summary_generator must be a callable .* got str"):
        run(summary_generator="table")


def test_faces_that_report_on_their_own_print_no_summary(capsys):
    GradingRunner({"g": lambda **_: 1.0}, show_progress=False).run([{}])
    assert capsys.readouterr().out == ""
