"""GradingRunner: the OpenJudge / RM-Gallery seed examples, mappers, order, errors, loops."""

import asyncio
import contextlib
import random
import threading

import pytest

from axionlike._exceptions import ConfigurationError, DatasetError, UnknownMetricError
from axionlike.grading import (
    GraderConfig,
    GraderError,
    GraderScore,
    GradingRunner,
    MaxAggregator,
    MinAggregator,
    WeightedSumAggregator,
)
from axionlike.metrics import BaseMetric, ExactMatch, LevenshteinSimilarity, MetricResult
from axionlike.tracing import Span, Tracer, set_tracer


# Rule-based stand-ins for the seeds' LLM graders, with the seeds' parameter names.
def helpfulness(question, answer):
    """Share of the question's words (longer than 3 letters) that the answer repeats."""
    words = {w.strip("?.,").lower() for w in question.split() if len(w) > 3}
    said = {w.strip("?.,").lower() for w in answer.split()}
    return {"score": len(words & said) / len(words) if words else 0.0, "reason": f"{len(words & said)} shared words"}


async def relevance(q, a, ref):
    await asyncio.sleep(0)
    return float(ref.lower() in a.lower() or a.lower() in ref.lower())


SEED_DATA = [
    {"query": "What is the capital of France?", "response": "Paris", "reference_answer": "Paris"},
    {"query": "Who wrote Romeo and Juliet?", "response": "Shakespeare", "reference_answer": "William Shakespeare"},
]


async def test_openjudge_seed_example():
    grader_configs = {
        "helpfulness": {"grader": helpfulness, "mapper": {"question": "query", "answer": "response"}},
        "relevance": {"grader": relevance, "mapper": {"q": "query", "a": "response", "ref": "reference_answer"}},
    }
    aggregators = [WeightedSumAggregator(weights={"helpfulness": 0.6, "relevance": 0.4})]
    runner = GradingRunner(grader_configs, aggregators=aggregators, max_concurrency=5, show_progress=False)
    results = await runner.arun(SEED_DATA)

    assert list(results) == ["helpfulness", "relevance", "weighted_sum"]
    assert [r.score for r in results["relevance"]] == [1.0, 1.0]
    assert [r.score for r in results["helpfulness"]] == [0.0, 0.0]
    assert results["helpfulness"][0].reason == "0 shared words"
    assert [r.score for r in results["weighted_sum"]] == pytest.approx([0.4, 0.4])
    assert results["weighted_sum"][0].metadata["weights"] == {"helpfulness": 0.6, "relevance": 0.4}


async def test_grader_configs_in_every_shape_openjudge_accepts():
    """OpenJudge's ``GraderConfig.create``: a GraderConfig, a dict, a (grader, mapper) tuple, a grader alone."""
    mapper = {"question": "query", "answer": "response"}
    runner = GradingRunner(
        {
            "config": GraderConfig(grader=helpfulness, mapper=mapper),
            "dict": {"grader": helpfulness, "mapper": mapper},
            "tuple": (helpfulness, mapper),
            "callable_mapper": (helpfulness, lambda s: {"question": s["query"], "answer": s["response"]}),
            "one_tuple": (lambda **sample: float(sample["response"] == sample["reference_answer"]),),
            "alone": lambda **sample: float(sample["response"] == sample["reference_answer"]),
        },
        show_progress=False,
    )
    results = await runner.arun(SEED_DATA)
    expected = [r.score for r in results["config"]]
    for name in ("dict", "tuple", "callable_mapper"):
        assert [r.score for r in results[name]] == expected
    assert [r.score for r in results["one_tuple"]] == [r.score for r in results["alone"]] == [1.0, 0.0]


async def test_rm_gallery_seed_example_mixed_configs_and_error_resilience():
    def accuracy(query, response):
        if "2+2" in query:
            return float("4" in response)
        raise RuntimeError("no reference for this query")

    def length_ok(response):
        return len(response) < 40

    dataset = [
        {"query": "What is the capital of France?", "response": "The capital of France is Paris."},
        {"query": "What is 2+2?", "response": "2+2 equals 4."},
    ]
    runner = GradingRunner(
        grader_configs={
            "accuracy": accuracy,  # no mapper: the sample's keys are the keyword arguments
            "helpfulness": GraderConfig(grader=helpfulness, mapper={"question": "query", "answer": "response"}),
            "length": {"grader": length_ok, "mapper": {"response": "response"}},
        },
        max_concurrency=10,
        aggregators=WeightedSumAggregator(weights={"helpfulness": 0.5, "accuracy": 0.3, "length": 0.2}),
        show_progress=False,
    )
    results = await runner.arun(dataset)

    errors, scores = [], []
    for grader_name, grader_results in results.items():
        for i, result in enumerate(grader_results):
            if hasattr(result, "error"):
                errors.append((grader_name, i, result.error.type))
            else:
                scores.append((grader_name, i, result.score))
    assert errors == [("accuracy", 0, "RuntimeError")]
    assert ("accuracy", 1, 1.0) in scores and ("length", 0, 1.0) in scores
    overall = results["weighted_sum"][0]
    assert overall.metadata["failed"] == ["accuracy"] and overall.metadata["renormalised"] is True
    assert overall.metadata["weights"] == pytest.approx({"helpfulness": 0.5 / 0.7, "length": 0.2 / 0.7})
    assert overall.score == pytest.approx((0.5 * results["helpfulness"][0].score + 0.2) / 0.7)
    assert results["weighted_sum"][1].metadata["renormalised"] is False


async def test_custom_and_nested_mappers_and_native_metric_graders():
    dataset = [
        {
            "input": {"question": "What is the capital of France?"},
            "output": {"answer": "The capital of France is Paris."},
            "references": ["The capital of France is Paris.", "Paris"],
        }
    ]

    def custom_mapper(sample):
        return {"question": sample["input"]["question"], "answer": sample["output"]["answer"]}

    runner = GradingRunner(
        {
            "helpfulness": {"grader": helpfulness, "mapper": custom_mapper},
            "exact": {
                "grader": ExactMatch(),
                "mapper": {"actual_output": "output.answer", "expected_output": "references.0"},
            },
            "similar": {
                "grader": LevenshteinSimilarity(),
                "mapper": {"actual_output": "output.answer", "expected_output": "references.1"},
            },
        },
        aggregators=[MaxAggregator(), MinAggregator()],
        show_progress=False,
    )
    results = await runner.arun(dataset)
    assert results["helpfulness"][0].score == pytest.approx(2 / 3)  # "capital", "france" of 3 words
    assert results["exact"][0].score == 1.0
    assert results["exact"][0].metadata["grader_source"] == "native"
    assert 0 < results["similar"][0].score < 1
    assert results["max"][0].score == 1.0 and results["max"][0].metadata["from"] in ("helpfulness", "exact")
    assert results["min"][0].score == results["similar"][0].score
    assert results["min"][0].metadata["from"] == "similar"


@pytest.mark.parametrize(
    ("mapper", "expected"),
    [
        (
            {"answer": "output.answer", "question": "input.text"},
            "sample 1: grader 'g': path 'input.text' not found: 'input' has no 'text'",
        ),
        (
            {"answer": "output.answer", "question": "missing"},
            "sample 1: grader 'g': path 'missing' not found: the top level has no 'missing'",
        ),
        (
            {"answer": "refs.5", "question": "input.question"},
            "sample 1: grader 'g': path 'refs.5' not found: 'refs' has no '5' (a list of 1 there)",
        ),
        (
            {"answer": "meta.v", "question": "input.question"},
            "sample 1: grader 'g': path 'meta.v' not found: 'meta' has no 'v' (a NoneType there)",
        ),
    ],
)
async def test_missing_path_is_an_error_naming_sample_and_path(mapper, expected):
    seen = []

    def g(question, answer):
        seen.append((question, answer))
        return 1.0

    data = [
        {
            "input": {"question": "q", "text": "t"},
            "output": {"answer": "a"},
            "refs": ["r"] * 6,
            "missing": 1,
            "meta": {"v": 1},
        },
        {"input": {"question": "q"}, "output": {"answer": "a"}, "refs": ["r"], "meta": None},
    ]
    results = await GradingRunner({"g": {"grader": g, "mapper": mapper}}, show_progress=False).arun(data)
    assert isinstance(results["g"][0], GraderScore)
    error = results["g"][1]
    assert isinstance(error, GraderError)
    assert error.error.type == "MappingError"
    assert expected in error.error.message
    assert all(v is not None for pair in seen for v in pair)  # never a silent None


async def test_mapper_paths_read_list_indexes_in_brackets():
    def g(text, texts):
        return {"score": 1.0, "reason": f"{text}|{','.join(texts)}"}

    data = [{"choices": [{"text": "a"}, {"text": "b"}]}]
    mapper = {"text": "choices[0].text", "texts": "choices.*.text"}
    results = await GradingRunner({"g": {"grader": g, "mapper": mapper}}, show_progress=False).arun(data)
    assert results["g"][0].reason == "a|a,b"


async def test_mapper_paths_read_through_lists_as_openjudge_does():
    def g(names, first):
        return {"score": 1.0, "reason": f"{first}|{','.join(names)}"}

    data = [
        {"items": [{"name": "tea"}, {"name": "ice"}]},
        {"items": [{"name": "tea"}, {"title": "ice"}]},  # the second item has no name: an error, not None
    ]
    mapper = {"names": "items.name", "first": "items[0].name"}
    results = await GradingRunner({"g": (g, mapper)}, show_progress=False).arun(data)
    assert results["g"][0].reason == "tea|tea,ice"
    error = results["g"][1]
    assert isinstance(error, GraderError) and error.error.type == "MappingError"
    assert "path 'items.name' not found: 'items.1' has no 'name'" in error.error.message


async def test_callable_mapper_failures_and_unmapped_non_dict_samples_are_error_entries():
    runner = GradingRunner(
        {
            "raises": {"grader": helpfulness, "mapper": lambda s: {"question": s["q"], "answer": s["a"]}},
            "not_dict": {"grader": helpfulness, "mapper": lambda s: [s]},
            "no_mapper": lambda **kw: 1.0,
        },
        show_progress=False,
    )
    results = await runner.arun([{"q": "x"}, "plain string sample"])
    assert results["raises"][0].error.type == "MappingError"
    assert "sample 0" in results["raises"][0].error.message and "KeyError" in results["raises"][0].error.message
    assert "returned list, not a dict" in results["not_dict"][0].error.message
    assert results["no_mapper"][0].score == 1.0
    assert "sample must be a dict" in results["no_mapper"][1].error.message


async def test_grader_return_shapes():
    class JudgeVerdict:  # an OpenJudge-like score object
        def __init__(self, score, reason):
            self.score, self.reason = score, reason

    class AevaluateGrader:  # an OpenJudge-like grader object
        async def aevaluate(self, response):
            return JudgeVerdict(len(response) / 10, "by length")

    graders = {
        "as_bool": lambda response: response == "hello",
        "as_int": lambda response: len(response),
        "as_dict": lambda response: {"score": 0.25, "reason": "quarter", "tokens": 3},
        "as_result": lambda response: MetricResult(score=0.5, explanation="half"),
        "as_object": AevaluateGrader(),
        "as_text": lambda response: "great",
        "as_nan": lambda response: float("nan"),
        "dict_without_score": lambda response: {"reason": "forgot"},
    }
    configs = {name: {"grader": g, "mapper": {"response": "r"}} for name, g in graders.items()}
    results = await GradingRunner(configs, show_progress=False).arun([{"r": "hello"}])
    assert results["as_bool"][0].score == 1.0
    assert results["as_int"][0].score == 5.0
    assert (results["as_dict"][0].score, results["as_dict"][0].reason) == (0.25, "quarter")
    assert results["as_dict"][0].metadata == {"tokens": 3}
    assert (results["as_result"][0].score, results["as_result"][0].reason) == (0.5, "half")
    assert (results["as_object"][0].score, results["as_object"][0].reason) == (0.5, "by length")
    for bad in ("as_text", "as_nan", "dict_without_score"):
        assert results[bad][0].error.type == "MetricError", bad


async def test_order_preserved_under_random_delays_and_injected_errors_500_samples():
    rng = random.Random(7)
    delays = [rng.random() / 500 for _ in range(500)]
    in_flight, peak = 0, 0
    lock = threading.Lock()

    async def slow_double(value, index):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(delays[index])
        in_flight -= 1
        if index % 7 == 0:
            raise ValueError(f"injected failure at {index}")
        return {"score": value * 2, "reason": f"doubled {index}"}

    def sync_negate(value, index):
        with lock:
            if index % 11 == 0:
                raise KeyError(f"sync failure at {index}")
        return -value

    data = [{"payload": {"value": float(i)}, "index": i} for i in range(500)]
    rng.shuffle(data)
    mapper = {"value": "payload.value", "index": "index"}
    runner = GradingRunner(
        {"double": {"grader": slow_double, "mapper": mapper}, "negate": {"grader": sync_negate, "mapper": mapper}},
        aggregators=[MaxAggregator()],
        max_concurrency=16,
        show_progress=False,
    )
    results = await runner.arun(data)

    assert peak <= 16
    for position, sample in enumerate(data):
        i = sample["index"]
        double, negate, best = results["double"][position], results["negate"][position], results["max"][position]
        if i % 7 == 0:
            assert isinstance(double, GraderError) and f"at {i}" in double.error.message
        else:
            assert (double.score, double.reason) == (2.0 * i, f"doubled {i}")
        if i % 11 == 0:
            assert isinstance(negate, GraderError) and negate.error.type == "KeyError"
        else:
            assert negate.score == -float(i)
        if i % 77 == 0:
            assert isinstance(best, GraderError) and best.error.phase == "aggregate"
        elif i % 7 == 0:
            assert best.score == -float(i) and best.metadata["failed"] == ["double"]
        else:
            assert best.score == 2.0 * i and best.metadata["from"] == "double"
            assert best.metadata["partial"] is (i % 11 == 0)


async def test_multiple_datasets_in_one_run_keep_their_order_and_labels():
    async def parity(n):
        if n < 0:
            raise ValueError("negative")
        return n % 2

    datasets = [[{"n": 1}, {"n": 2}], [], [{"n": 3}, {"n": -1}, {"n": 4}]]
    runner = GradingRunner(
        {"parity": {"grader": parity, "mapper": {"n": "n"}}, "bad": {"grader": parity, "mapper": {"n": "m"}}},
        show_progress=False,
    )
    out = await runner.arun_multiple_datasets(datasets)
    assert len(out) == 3
    assert [r.score for r in out[0]["parity"]] == [1.0, 0.0]
    assert out[1] == {"parity": [], "bad": []}
    assert [getattr(r, "score", None) for r in out[2]["parity"]] == [1.0, None, 0.0]
    assert "dataset 2, sample 1" in out[2]["bad"][1].error.message


def test_sync_run_works_in_plain_code_and_inside_a_running_loop():
    runner = GradingRunner(
        {"rel": {"grader": relevance, "mapper": {"q": "query", "a": "response", "ref": "reference_answer"}}},
        show_progress=False,
    )
    assert [r.score for r in runner.run(SEED_DATA)["rel"]] == [1.0, 1.0]

    async def inside_loop():
        return runner.run(SEED_DATA)

    assert [r.score for r in asyncio.run(inside_loop())["rel"]] == [1.0, 1.0]


def test_one_runner_serves_successive_event_loops():
    runner = GradingRunner(
        {"rel": {"grader": relevance, "mapper": {"q": "query", "a": "response", "ref": "reference_answer"}}},
        max_concurrency=2,
        show_progress=False,
    )
    first = asyncio.run(runner.arun(SEED_DATA))
    second = asyncio.run(runner.arun(SEED_DATA))
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(third=asyncio.run(runner.arun(SEED_DATA))))
    thread.start()
    thread.join()
    assert first == second == outcome["third"]


def test_grader_errors_carry_no_secrets():
    def leaky(response):
        raise RuntimeError("upstream said: Authorization: Bearer abcdefghijklmnop")

    results = GradingRunner({"leaky": {"grader": leaky, "mapper": {"response": "r"}}}, show_progress=False).run(
        [{"r": "x"}]
    )
    assert "abcdefghijklmnop" not in results["leaky"][0].error.message


@pytest.mark.parametrize(
    ("configs", "error", "match"),
    [
        ({}, ConfigurationError, "non-empty"),
        ({"m": ExactMatch}, ConfigurationError, "pass an instance"),
        ({"m": {"mapper": {}}}, ConfigurationError, "without a 'grader' key"),
        ({"m": {"grader": helpfulness, "mapping": {}}}, ConfigurationError, "unknown keys"),
        ({"m": {"grader": helpfulness, "mapper": 3}}, ConfigurationError, "expected a dict of paths"),
        ({"m": {"grader": helpfulness, "mapper": {"a": 1}}}, ConfigurationError, "dot paths"),
        ({"m": object()}, UnknownMetricError, "no executor accepts"),
        ({"m": (helpfulness, {}, "extra")}, ConfigurationError, r"tuple of 3; expected \(grader, mapper\)"),
        ({"m": (helpfulness, 3)}, ConfigurationError, "expected a dict of paths"),
    ],
)
def test_configuration_errors_raise_at_construction(configs, error, match):
    with pytest.raises(error, match=match):
        GradingRunner(configs)


def test_bad_data_shapes_raise():
    runner = GradingRunner({"g": lambda **kw: 1.0}, show_progress=False)
    with pytest.raises(DatasetError, match="list of samples"):
        runner.run({"not": "a list"})
    with pytest.raises(DatasetError, match="dataset 0 must be a list"):
        runner.run_multiple_datasets([{"a": 1}])


class Overlap(BaseMetric):
    """A metric with required fields: the grader's mapper must fill them."""

    required_fields = ("actual_output", "expected_output")

    async def execute(self, item):
        words = set(item.expected_output.split())
        return MetricResult(score=len(set(item.actual_output.split()) & words) / len(words), explanation="overlap")


async def test_metric_graders_run_through_their_executor_with_mapped_fields():
    runner = GradingRunner(
        {
            "overlap": {"grader": Overlap(), "mapper": {"actual_output": "answer.text", "expected_output": "gold"}},
            "overlap_unmapped": Overlap(),  # the sample's keys must be item fields then
        },
        show_progress=False,
    )
    results = await runner.arun(
        [{"answer": {"text": "paris is nice"}, "gold": "paris"}, {"answer": {"text": "lyon"}, "gold": None}]
    )
    first = results["overlap"][0]
    assert (first.score, first.reason, first.metadata["grader_source"]) == (1.0, "overlap", "native")
    missing = results["overlap"][1]
    assert missing.error.type == "MissingFieldsError" and "expected_output" in missing.error.message
    assert "sample 1" in missing.error.message
    assert results["overlap_unmapped"][0].error.type == "MissingFieldsError"


class RecordingTracer(Tracer):
    """Records spans through the tracing port (the real backends are tested with their SDKs)."""

    enabled = True

    def __init__(self):
        self.spans, self.scores = [], []

    @contextlib.contextmanager
    def span(self, name, *, kind="span", input=None, metadata=None, new_trace=False):
        tracer = self

        class Recorded(Span):
            def record_score(self, score_name, value, comment=None):
                tracer.scores.append((score_name, value))

        self.spans.append((name, kind))
        yield Recorded()


def test_grading_runs_are_traced_by_the_engine():
    tracer = RecordingTracer()
    previous = set_tracer(tracer)
    try:
        GradingRunner(
            {
                "helpfulness": {"grader": helpfulness, "mapper": {"question": "query", "answer": "response"}},
                "exact": {
                    "grader": ExactMatch(),
                    "mapper": {"actual_output": "response", "expected_output": "reference_answer"},
                },
            },
            show_progress=False,
            name="seed-grading",
        ).run(SEED_DATA)
    finally:
        set_tracer(previous)
    assert tracer.spans[0] == ("seed-grading", "evaluation")
    assert sorted(tracer.spans[1:]) == sorted([("helpfulness.execute", "metric"), ("ExactMatch.execute", "metric")] * 2)
    assert sorted(tracer.scores) == [("exact", 0.0), ("exact", 1.0), ("helpfulness", 0.0), ("helpfulness", 0.0)]


def test_sync_graders_get_the_runners_concurrency():
    meet = threading.Barrier(12, timeout=10)

    def together(response):
        meet.wait()
        return 1.0

    runner = GradingRunner(
        {"g": {"grader": together, "mapper": {"response": "r"}}}, max_concurrency=12, show_progress=False
    )
    results = runner.run([{"r": str(i)} for i in range(12)])
    assert [entry.score for entry in results["g"]] == [1.0] * 12
