import pytest
from pydantic import ValidationError

from axionlike._exceptions import UnknownMetricError
from axionlike.dataset import DatasetItem
from axionlike.metrics import (
    Contains,
    ExactMatch,
    Faithfulness,
    JsonValidity,
    Latency,
    LengthConstraint,
    LevenshteinSimilarity,
    MetricResult,
    RegexMatch,
    metric_from_name,
)


def item(**kw):
    return DatasetItem(**kw)


async def score(metric, **kw):
    value = await metric.execute(item(**kw))
    return value.score if isinstance(value, MetricResult) else value


async def test_exact_match():
    assert await score(ExactMatch(), actual_output=" Paris ", expected_output="Paris") == 1.0
    assert await score(ExactMatch(), actual_output="paris", expected_output="Paris") == 0.0
    assert await score(ExactMatch(case_sensitive=False), actual_output="paris", expected_output="Paris") == 1.0


async def test_contains():
    assert await score(Contains(), actual_output="It is Paris.", expected_output="paris") == 1.0
    assert await score(Contains(substring="London"), actual_output="It is Paris.") == 0.0


async def test_regex_match_and_invalid_pattern():
    assert await score(RegexMatch(pattern=r"\d{3}"), actual_output="call 555 now") == 1.0
    assert await score(RegexMatch(pattern=r"\d{3}", full_match=True), actual_output="call 555") == 0.0
    with pytest.raises(ValidationError, match="invalid regular expression"):
        RegexMatch(pattern="(")


async def test_levenshtein_similarity():
    assert await score(LevenshteinSimilarity(), actual_output="kitten", expected_output="kitten") == 1.0
    value = await score(LevenshteinSimilarity(), actual_output="kitten", expected_output="sitting")
    assert value == pytest.approx(1 - 3 / 7)


async def test_latency_is_lower_is_better():
    metric = Latency(threshold=1.5)
    assert metric.higher_is_better is False and metric.effective_threshold == 1.5
    assert await score(metric, latency=0.7) == 0.7
    assert (await metric.execute(item(latency=0.7))).explanation == "took 0.700 s"


async def test_json_validity():
    assert await score(JsonValidity(), actual_output='{"a": 1}') == 1.0
    assert await score(JsonValidity(), actual_output="{a: 1}") == 0.0
    result = await JsonValidity(required_keys=["a", "b"]).execute(item(actual_output='{"a": 1}'))
    assert result.score == 0.0 and "missing keys: b" in result.explanation


async def test_length_constraint():
    assert await score(LengthConstraint(max_length=5), actual_output="short") == 1.0
    assert await score(LengthConstraint(min_length=3, unit="words"), actual_output="two words") == 0.0


def test_names_identity_and_registry():
    assert ExactMatch().name == "exact_match"
    assert JsonValidity().name == "json_validity"
    assert ExactMatch(name="em").name == "em"
    assert ExactMatch(threshold=0.9).identity() == ExactMatch().identity()
    assert ExactMatch(case_sensitive=False).identity() != ExactMatch().identity()
    assert isinstance(metric_from_name("regex_match", pattern="x"), RegexMatch)
    assert isinstance(metric_from_name("ExactMatch"), ExactMatch)
    with pytest.raises(UnknownMetricError, match="unknown metric 'nope'; known metrics: .*exact_match"):
        metric_from_name("nope")
    with pytest.raises(UnknownMetricError):
        metric_from_name("llm_metric")  # a base class to subclass, not a metric
    assert isinstance(metric_from_name("faithfulness"), Faithfulness)
    with pytest.raises(ValidationError):
        ExactMatch(no_such_param=1)


def test_exact_and_regex_match_explain_their_scores():
    import asyncio

    from axionlike.metrics import RegexMatch

    miss = asyncio.run(ExactMatch().execute(DatasetItem(actual_output="Paris!", expected_output="Paris")))
    assert miss.score == 0.0 and miss.explanation == "output 'Paris!' differs from expected 'Paris' at character 5"
    hit = asyncio.run(ExactMatch().execute(DatasetItem(actual_output=" Paris ", expected_output="Paris")))
    assert hit.score == 1.0 and hit.explanation == "output equals the expected output"
    long = asyncio.run(ExactMatch().execute(DatasetItem(actual_output="x" * 500, expected_output="y")))
    assert len(long.explanation) < 120
    found = asyncio.run(RegexMatch(pattern=r"\d+").execute(DatasetItem(actual_output="it is 42")))
    assert found.score == 1.0 and found.explanation == "matched '42'"
    whole = asyncio.run(RegexMatch(pattern=r"\d+", full_match=True).execute(DatasetItem(actual_output="it is 42")))
    assert whole.score == 0.0 and whole.explanation == "output does not match '\\\\d+'"


def test_the_dataframe_has_exact_matchs_explanation():
    from axionlike.runners import evaluation_runner

    items = [
        {"query": "q", "actual_output": "4", "expected_output": "4"},
        {"actual_output": "5", "expected_output": "4"},
    ]
    frame = evaluation_runner(items, [ExactMatch()], "explained", show_progress=False).to_dataframe()
    assert frame.explanation.notna().all()
