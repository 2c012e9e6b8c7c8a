"""The engine: task phase, metric phase, concurrency, errors, results."""

import asyncio
import functools
import inspect
import threading
import time

import pytest
from pydantic import BaseModel

from axionlike import EvaluationAbortedError, EvaluationResult
from axionlike._exceptions import ConfigurationError, DatasetError, UnknownMetricError
from axionlike.dataset import DatasetItem
from axionlike.metrics import BaseMetric, ExactMatch, Latency, MetricResult, named
from axionlike.runners import CacheConfig, ErrorConfig, EvaluationConfig, EvaluationRunner, evaluation_runner


def run(inputs, metrics, **kw):
    kw.setdefault("show_progress", False)
    return evaluation_runner(inputs, metrics, kw.pop("evaluation_name", "test"), **kw)


ITEMS = [DatasetItem(id=str(i), query=f"q{i}", expected_output=f"a{i}") for i in range(6)]


def test_no_task_scores_items_as_given():
    items = [
        DatasetItem(id="1", actual_output="x", expected_output="x"),
        DatasetItem(id="2", actual_output="y", expected_output="x"),
    ]
    result = run(items, [ExactMatch()])
    assert [r.scores[0].score for r in result.results] == [1.0, 0.0]
    assert [r.scores[0].passed for r in result.results] == [True, False]
    assert result.summary["exact_match"].mean == 0.5
    assert result.summary["exact_match"].pass_rate == 0.5
    assert result.success_rate == 1.0


@pytest.mark.parametrize("kind", ["sync", "async", "pydantic", "partial", "lambda", "callable_object"])
def test_task_kinds_and_key_mapping(kind):
    class Output(BaseModel):
        response: str

    def sync_task(item, suffix=""):
        return {"response": item.expected_output + suffix}

    async def async_task(item):
        await asyncio.sleep(0)
        return {"response": item.expected_output}

    class CallableTask:
        async def __call__(self, item):
            return {"response": item.expected_output}

    task = {
        "sync": sync_task,
        "async": async_task,
        "pydantic": lambda item: Output(response=item.expected_output),
        "partial": functools.partial(sync_task, suffix=""),
        "lambda": lambda item: {"response": item.expected_output},
        "callable_object": CallableTask(),
    }[kind]
    result = run(ITEMS, [ExactMatch()], task=task, scoring_key_mapping={"actual_output": "response"})
    assert all(r.scores[0].score == 1.0 for r in result.results), [r.error for r in result.results]
    assert result.results[0].task_output["response"] == "a0"
    assert result.results[0].item.actual_output == "a0"


def test_task_output_merged_into_a_copy_and_wall_time_is_latency():
    items = [DatasetItem(id="1", query="q", expected_output="a")]
    before = items[0].model_dump()

    def task(item):
        time.sleep(0.05)
        return {"actual_output": "a", "confidence": 0.9}

    result = run(items, [ExactMatch(), Latency(threshold=10)], task=task)
    assert items[0].model_dump() == before
    merged = result.results[0].item
    assert merged.actual_output == "a" and merged.get("confidence") == 0.9
    assert merged.latency >= 0.05
    assert result.results[0].score("latency").score == merged.latency


def test_task_reported_latency_wins_and_can_be_mapped():
    result = run(
        [DatasetItem(id="1", query="q")],
        [Latency(threshold=2)],
        task=lambda item: {"answer": "x", "took": 1.3},
        scoring_key_mapping={"actual_output": "answer", "latency": "took"},
    )
    assert result.results[0].item.latency == 1.3
    assert result.results[0].scores[0].passed is True


def test_mapping_without_task_renames_item_columns():
    result = run(
        [{"id": "1", "answer": "x", "expected_output": "x"}],
        [ExactMatch()],
        scoring_key_mapping={"actual_output": "answer"},
    )
    assert result.results[0].scores[0].score == 1.0


def test_task_exception_is_recorded_and_run_continues():
    def task(item):
        if item.id == "2":
            raise RuntimeError("model exploded")
        return {"actual_output": item.expected_output}

    result = run(ITEMS, [ExactMatch()], task=task)
    failed = result.results[2]
    assert failed.error.type == "RuntimeError" and failed.error.phase == "task"
    assert "model exploded" in failed.error.message and failed.scores == []
    assert sum(r.error is None for r in result.results) == 5
    assert result.metadata["counts"]["task_errors"] == 1
    assert result.success_rate == pytest.approx(5 / 6)


def test_task_returning_wrong_type_names_item():
    result = run(ITEMS[:1], [ExactMatch()], task=lambda item: 42)
    assert result.results[0].error.message == "task returned int for item '0'; expected a dict or a pydantic model"


def test_missing_mapped_key_is_an_error_not_none():
    result = run(
        ITEMS[:1], [ExactMatch()], task=lambda item: {"text": "x"}, scoring_key_mapping={"actual_output": "response"}
    )
    assert (
        "cannot fill scoring_key_mapping['actual_output']: path 'response' not found: the top level has no 'response' (keys there: text, latency)"
        in result.results[0].error.message
    )


def test_scoring_key_mapping_reads_dot_paths_into_the_task_output():
    result = run(
        ITEMS[:1],
        [ExactMatch()],
        task=lambda item: {"answer": {"text": "a0"}},
        scoring_key_mapping={"actual_output": "answer.text"},
    )
    assert result.results[0].item.actual_output == "a0"
    assert result.results[0].scores[0].score == 1.0


def test_task_output_with_wrong_field_type_names_field():
    result = run(ITEMS[:1], [ExactMatch()], task=lambda item: {"actual_output": "x", "retrieved_content": 5})
    message = result.results[0].error.message
    assert "item '0'" in message and "field 'retrieved_content'" in message


def test_hanging_task_times_out_per_call():
    async def task(item):
        if item.id == "1":
            await asyncio.sleep(30)
        return {"actual_output": item.expected_output}

    result = run(ITEMS[:3], [ExactMatch()], task=task, timeout=0.2)
    assert result.results[1].error.type == "TimeoutError"
    assert "task on item '1' took longer than 0.2s" in result.results[1].error.message
    assert result.results[0].scores[0].score == 1.0


class Flaky(BaseMetric):
    required_fields = ("actual_output",)
    mode: str = "raise"

    async def execute(self, item):
        if item.id != "0":
            return 1.0
        if self.mode == "raise":
            raise ValueError("bad metric")
        if self.mode == "string":
            return "high"
        if self.mode == "nan":
            return float("nan")
        return None


@pytest.mark.parametrize(
    ("mode", "error_type", "fragment"),
    [
        ("raise", "ValueError", "bad metric"),
        ("string", "MetricError", "metric 'flaky' returned str 'high'; expected a number"),
        ("nan", "MetricError", "non-finite score (nan)"),
        ("none", "MetricError", "returned NoneType"),
    ],
)
def test_metric_failures_are_recorded(mode, error_type, fragment):
    items = [DatasetItem(id=str(i), actual_output="x") for i in range(3)]
    result = run(items, [Flaky(mode=mode)])
    bad = result.results[0].scores[0]
    assert bad.status == "error" and bad.error.type == error_type and fragment in bad.error.message
    assert bad.score is None and bad.passed is None
    assert [r.scores[0].score for r in result.results[1:]] == [1.0, 1.0]
    assert result.summary["flaky"].errors == 1 and result.summary["flaky"].count == 2


def test_missing_fields_error_or_skip():
    items = [DatasetItem(id="1", actual_output="x"), DatasetItem(id="2", actual_output="x", expected_output="x")]
    errored = run(items, [ExactMatch()])
    score = errored.results[0].scores[0]
    assert score.status == "error" and score.missing_fields == ["expected_output"]
    assert "requires expected_output, which item '1' lacks" in score.error.message
    skipped = run(items, [ExactMatch()], error_config=ErrorConfig(skip_on_missing_params=True))
    score = skipped.results[0].scores[0]
    assert score.status == "skipped" and score.error is None and score.missing_fields == ["expected_output"]
    assert skipped.summary["exact_match"].skipped == 1 and skipped.summary["exact_match"].count == 1


def test_thresholds_by_name_and_lower_is_better():
    items = [
        DatasetItem(id="1", latency=1.0, actual_output="a", expected_output="a"),
        DatasetItem(id="2", latency=3.0, actual_output="a", expected_output="b"),
    ]
    result = run(items, [Latency(threshold=5), ExactMatch()], thresholds={"latency": 2.0, "exact_match": 1.0})
    assert [r.score("latency").passed for r in result.results] == [True, False]
    assert result.summary["latency"].threshold == 2.0
    assert result.summary["exact_match"].pass_rate == 0.5


def test_configuration_errors_raise_at_once():
    with pytest.raises(
        ConfigurationError,
        match="thresholds name 'faithfulness', which is no metric of this run; metric names: exact_match",
    ):
        run(ITEMS, [ExactMatch()], thresholds={"faithfulness": 0.8})
    with pytest.raises(ConfigurationError, match="share the name exact_match"):
        run(ITEMS, [ExactMatch(), ExactMatch(case_sensitive=False)])
    with pytest.raises(ConfigurationError, match="pass an instance: ExactMatch"):
        run(ITEMS, [ExactMatch])
    with pytest.raises(UnknownMetricError, match="no executor accepts builtins.int"):
        run(ITEMS, [3])
    with pytest.raises(DatasetError, match="empty"):
        run([], [ExactMatch()])
    with pytest.raises(ConfigurationError, match="reserved keys"):
        run(ITEMS, [ExactMatch()], evaluation_metadata={"counts": 1})


def test_invalid_rows_become_errored_results_and_the_run_goes_on():
    result = run(
        [{"id": "1", "actual_output": "x", "expected_output": "x"}, "garbage", {"id": "3", "latency": "slow"}],
        [ExactMatch()],
    )
    assert [r.index for r in result.results] == [0, 1, 2]
    assert result.results[0].scores[0].score == 1.0
    assert result.results[1].error.phase == "input" and "row 1: expected a mapping" in result.results[1].error.message
    assert "row 2 (id '3'): field 'latency'" in result.results[2].error.message
    assert result.metadata["counts"]["invalid_rows"] == 2


def test_duplicate_ids_are_kept_and_reported_in_metadata():
    items = [
        {"id": "d", "actual_output": "a", "expected_output": "a"},
        {"id": "d", "actual_output": "b", "expected_output": "a"},
    ]
    result = run(items, [ExactMatch()])
    assert [r.scores[0].score for r in result.results] == [1.0, 0.0]
    assert result.metadata["counts"]["duplicate_ids"] == ["d"]


def test_fail_fast_raises_with_partial_result():
    def task(item):
        if item.id == "0":
            raise RuntimeError("stop here")
        return {"actual_output": "x"}

    with pytest.raises(EvaluationAbortedError, match="stop here") as info:
        run(ITEMS, [ExactMatch()], task=task, max_concurrent=1, error_config=ErrorConfig(fail_fast=True))
    assert info.value.partial_result.results[0].error.message == "stop here"


class Recorder:
    """Shared by a test and its probe metrics (an object, so pydantic keeps it by identity)."""

    def __init__(self):
        self.now = 0
        self.peak = 0
        self.metric_starts: list[float] = []

    def enter(self):
        self.now += 1
        self.peak = max(self.peak, self.now)

    def leave(self):
        self.now -= 1


class Probe(BaseMetric):
    """Counts calls in flight and records when each metric call started."""

    delay: float = 0.01
    recorder: Recorder

    async def execute(self, item):
        self.recorder.enter()
        self.recorder.metric_starts.append(time.perf_counter())
        await asyncio.sleep(self.delay)
        self.recorder.leave()
        return 1.0


def test_global_limit_bounds_calls_in_flight():
    recorder = Recorder()

    async def task(item):
        recorder.enter()
        await asyncio.sleep(0.01)
        recorder.leave()
        return {"actual_output": "x"}

    items = [DatasetItem(id=str(i)) for i in range(60)]
    run(items, [Probe(recorder=recorder, name="p1"), Probe(recorder=recorder, name="p2")], task=task, max_concurrent=7)
    assert recorder.peak == 7


def test_sync_tasks_and_metric_functions_get_the_runs_concurrency():
    # 16 sync calls must be in flight together to pass the barrier: more than the
    # event loop's default thread pool holds on a small machine.
    tasks_meet, metrics_meet = threading.Barrier(16, timeout=10), threading.Barrier(16, timeout=10)

    def task(item):
        tasks_meet.wait()
        return {"actual_output": "x"}

    def together(item):
        metrics_meet.wait()
        return 1.0

    items = [DatasetItem(id=str(i)) for i in range(16)]
    result = run(items, [together], task=task, max_concurrent=16)
    assert result.metadata["counts"]["task_errors"] == 0
    assert [s.score for r in result.results for s in r.scores] == [1.0] * 16


def test_pipeline_per_item_metrics_start_before_all_tasks_end():
    recorder = Recorder()
    task_ends: list[float] = []

    async def task(item):
        await asyncio.sleep(0.005 * (int(item.id) % 5 + 1))
        task_ends.append(time.perf_counter())
        return {"actual_output": "x"}

    items = [DatasetItem(id=str(i)) for i in range(40)]
    run(items, [Probe(recorder=recorder, delay=0.001)], task=task, max_concurrent=4)
    assert min(recorder.metric_starts) < max(task_ends)


def test_items_are_admitted_as_slots_free_up():
    """Never more item pipelines alive than max_concurrent: tasks start in bounded waves."""
    started: list[str] = []
    alive = {"now": 0, "peak": 0}

    async def task(item):
        alive["now"] += 1
        alive["peak"] = max(alive["peak"], alive["now"])
        started.append(item.id)
        await asyncio.sleep(0.002)
        return {"actual_output": "x"}

    class Done(BaseMetric):
        async def execute(self, item):
            alive["now"] -= 1
            return 1.0

    run([DatasetItem(id=str(i)) for i in range(200)], [Done()], task=task, max_concurrent=5)
    assert alive["peak"] <= 5 and len(started) == 200


def a0_runner() -> EvaluationRunner:
    """A runner whose task always answers 'a0' (right for the first of ITEMS only)."""
    config = EvaluationConfig(
        evaluation_inputs=ITEMS,
        scoring_metrics=[ExactMatch()],
        evaluation_name="x",
        task=lambda i: {"actual_output": "a0"},
        show_progress=False,
    )
    return EvaluationRunner(config)


def test_execute_is_async_and_runs_on_any_loop():
    runner = a0_runner()
    assert inspect.iscoroutinefunction(runner.execute)
    first = asyncio.run(runner.execute())
    second = asyncio.run(runner.execute())
    assert first.summary["exact_match"].mean == second.summary["exact_match"].mean == pytest.approx(1 / 6)
    assert first.run_id != second.run_id


async def test_one_runner_runs_one_evaluation_at_a_time():
    runner = a0_runner()
    first = asyncio.ensure_future(runner.execute())
    await asyncio.sleep(0)
    with pytest.raises(ConfigurationError, match="already executing"):
        await runner.execute()
    assert len((await first).results) == 6


async def test_one_liner_inside_a_running_loop():
    asyncio.get_running_loop()  # we are inside a loop, as in Jupyter
    result = run(ITEMS, [ExactMatch()], task=lambda i: {"actual_output": i.expected_output})
    assert result.summary["exact_match"].mean == 1.0


def test_one_liner_parameters_match_config_fields():
    params = set(inspect.signature(evaluation_runner).parameters)
    assert params == set(EvaluationConfig.model_fields)


def test_metadata_description_dataset_and_user_keys():
    result = run(
        ITEMS,
        [ExactMatch()],
        task=lambda i: {"actual_output": "a0"},
        evaluation_metadata={"model_version": "v2.1"},
        evaluation_description="desc",
        dataset_name="ds",
        run_id="run-1",
    )
    assert result.metadata["model_version"] == "v2.1"
    assert result.metadata["evaluation_description"] == "desc"
    assert result.metadata["dataset_name"] == "ds"
    assert result.run_id == "run-1"
    assert result.metadata["counts"]["items"] == 6
    assert result.metadata["durations"]["total_seconds"] > 0


def test_progress_bar_when_asked(capsys):
    run(ITEMS, [ExactMatch()], task=lambda i: {"actual_output": "x"}, show_progress=True, evaluation_name="bar")
    assert "bar" in capsys.readouterr().err


def test_scoring_functions_are_metrics():
    async def starts_with_a(item):
        return float(item.actual_output.startswith("a"))

    result = run(
        [DatasetItem(id="1", actual_output="abc")],
        [starts_with_a, named("half", lambda item: MetricResult(score=0.5, explanation="half"))],
    )
    assert result.results[0].score("starts_with_a").score == 1.0
    assert result.results[0].score("half").explanation == "half"
    assert result.results[0].scores[0].source == "function"


def test_a_lambda_metric_must_be_named():
    item = DatasetItem(id="1", actual_output="abc")
    with pytest.raises(
        ConfigurationError, match=r"a lambda in scoring_metrics has no name .*metrics\.named\('my_score'"
    ):
        run([item], [lambda item: 1.0])
    asynchronous = named("async_half", _async_half)
    result = run([item], [named("short", lambda item: len(item.actual_output) < 5), asynchronous])
    assert result.results[0].score("short").score == 1.0 and result.results[0].score("async_half").score == 0.5
    assert asyncio.iscoroutinefunction(asynchronous)
    with pytest.raises(ValueError, match="non-empty string"):
        named("", lambda item: 1.0)


async def _async_half(item):
    return 0.5


def test_two_named_lambdas_do_not_share_cached_scores():
    item = DatasetItem(id="1", actual_output="abc")
    cache = CacheConfig(cache_type="memory")
    metrics = [named("one", lambda item: 1.0), named("zero", lambda item: 0.0)]
    result = evaluation_runner([item], metrics, "cached", cache_config=cache, show_progress=False)
    assert [s.score for s in result.results[0].scores] == [1.0, 0.0]


class Opaque:
    """A value JSON cannot hold (no pydantic serializer either)."""

    def __repr__(self):
        return "Opaque(handle=7)"


class Tagging(BaseMetric):
    """Scores 1.0 and reports an object in its metadata; reads the task's object as it is."""

    required_fields = ("actual_output",)

    async def execute(self, item):
        assert isinstance(item.model_extra["client"], Opaque)  # metrics see the real object
        return MetricResult(score=1.0, metadata={"raw": Opaque(), "fine": [1, {"d": "x"}]})


def test_values_json_cannot_hold_are_kept_as_text_so_the_result_saves(tmp_path, caplog):
    from datetime import date

    items = [DatasetItem(id=str(i), query=f"q{i}", context_obj=Opaque(), day=date(2026, 1, i + 1)) for i in range(3)]
    with caplog.at_level("WARNING", logger="axionlike.runners"):
        result = run(
            items,
            [Tagging()],
            task=lambda item: {"actual_output": "a", "client": Opaque(), "plain": {"n": [1, 2]}},
            trials=2,
        )
    assert result.success_rate == 1.0 and result.summary["tagging"].mean == 1.0
    first = result.results[0]
    assert first.task_output["client"] == "Opaque(handle=7)" and first.task_output["plain"] == {"n": [1, 2]}
    assert first.item.model_extra["context_obj"] == "Opaque(handle=7)"
    assert first.item.model_extra["day"] == date(2026, 1, 1)  # pydantic writes dates: kept as they are
    assert first.trials[1].scores[0].metadata == {"raw": "Opaque(handle=7)", "fine": [1, {"d": "x"}]}
    warnings = [r.getMessage() for r in caplog.records]
    assert any("item '0': task_output.client is not data JSON can hold" in w for w in warnings)
    assert any("item '0': item.context_obj" in w for w in warnings)
    assert not any("item.client" in w for w in warnings)  # the task's field is named once, as the task's
    assert len(warnings) == len(set(w.split(": ", 1)[1] for w in warnings))  # once per field, not per item

    loaded = EvaluationResult.load(result.save(tmp_path / "run.json"))
    assert loaded.results[0].task_output == first.task_output
    assert loaded.results[2].trials[0].scores[0].metadata["raw"] == "Opaque(handle=7)"
