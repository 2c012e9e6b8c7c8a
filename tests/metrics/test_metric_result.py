"""MetricResult.from_value: the one reading of what metrics, graders and evaluations return."""

from dataclasses import dataclass, field

import pytest

from axionlike._exceptions import MetricError
from axionlike.dataset import DatasetItem
from axionlike.grading import GradingRunner
from axionlike.metrics import BaseMetric, MetricResult
from axionlike.runners import evaluation_runner


@dataclass
class AxionStyleResult:
    """Shaped like Axion's metric results: ``.score`` and ``.explanation``."""

    score: float
    explanation: str
    metadata: dict = field(default_factory=dict)


@dataclass
class OpenJudgeStyleResult:
    score: float
    reason: str


@pytest.mark.parametrize(
    ("value", "score", "explanation", "metadata"),
    [
        (0.5, 0.5, None, {}),
        (True, 1.0, None, {}),
        ({"score": 1, "reason": "r", "extra": 2}, 1.0, "r", {"extra": 2}),
        ({"score": 1, "explanation": "e", "metadata": {"m": 1}}, 1.0, "e", {"m": 1}),
        (AxionStyleResult(0.25, "why", {"k": "v"}), 0.25, "why", {"k": "v"}),
        (OpenJudgeStyleResult(0.75, "because"), 0.75, "because", {}),
        (MetricResult(score=0.1, explanation="x"), 0.1, "x", {}),
    ],
)
def test_every_shape_reads_the_same_way(value, score, explanation, metadata):
    result = MetricResult.from_value(value, "m")
    assert (result.score, result.explanation, result.metadata) == (score, explanation, metadata)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("high", "metric 'm' returned str 'high'; expected a number"),
        (None, "metric 'm' returned NoneType"),
        ({"reason": "x"}, "metric 'm' returned a mapping without 'score' (keys: reason)"),
        ({"score": "0.5"}, "metric 'm' returned a score of type str"),
        (float("inf"), "metric 'm' returned a non-finite score (inf)"),
    ],
)
def test_anything_else_is_an_error_naming_the_producer(value, message):
    with pytest.raises(MetricError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        MetricResult.from_value(value, "m")


class AxionStyleMetric(BaseMetric):
    required_fields = ("actual_output",)

    async def execute(self, item):
        return AxionStyleResult(1.0, f"saw {item.actual_output}")


def test_an_object_result_keeps_its_explanation_in_every_face():
    native = evaluation_runner(
        [DatasetItem(actual_output="a")], [AxionStyleMetric()], evaluation_name="x", show_progress=False
    )
    assert native.results[0].scores[0].explanation == "saw a"

    def function_metric(item):
        return AxionStyleResult(0.5, "from a function")

    plain = evaluation_runner(
        [DatasetItem(actual_output="a")], [function_metric], evaluation_name="y", show_progress=False
    )
    assert plain.results[0].scores[0].explanation == "from a function"

    graded = GradingRunner({"g": lambda **kw: AxionStyleResult(0.5, "from a grader")}, show_progress=False).run([{}])
    assert graded["g"][0].reason == "from a grader"


@dataclass
class BothNames:
    score: float
    explanation: str | None
    reason: str | None


def test_an_axion_explanation_wins_over_a_reason_and_reaches_the_tables():
    """Axion metric results carry ``.explanation``; it is kept (a ``.reason`` only fills in when it is absent)."""
    assert MetricResult.from_value(BothNames(1.0, "axion's", "openjudge's"), "m").explanation == "axion's"
    assert MetricResult.from_value(BothNames(1.0, None, "openjudge's"), "m").explanation == "openjudge's"

    result = evaluation_runner(
        [DatasetItem(id="a", actual_output="a")],
        [AxionStyleMetric()],
        evaluation_name="x",
        show_progress=False,
        summary_generator=None,
    )
    assert result.to_dataframe().explanation.tolist() == ["saw a"]
    assert result.to_normalized_dataframes().metric_results.explanation.tolist() == ["saw a"]
