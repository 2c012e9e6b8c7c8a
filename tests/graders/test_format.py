"""Format and text graders: reasoning tags, tool-call blocks, length, n-gram repetition, JSON validity and match."""

import json

import pytest

from axionlike._exceptions import ConfigurationError, GraderInputError
from axionlike.graders._format import (
    JsonMatchGrader,
    JsonValidityGrader,
    LengthPenaltyGrader,
    NgramRepetitionPenaltyGrader,
    ReasoningFormatGrader,
    ReasoningToolCallFormatGrader,
)
from axionlike.grading import GradingRunner
from axionlike.runners import evaluation_runner

CALL = '<tool_call>{"name": "search", "arguments": {"q": "Paris"}}</tool_call>'


# -- ReasoningFormatGrader -------------------------------------------------------------------


@pytest.mark.parametrize(
    "response",
    [
        "<think>2 + 2 is 4</think>4",
        "  \n<think>\nmulti\nline\n</think>\n\nThe answer is 4.\n",
        "<think>先算二加二</think>答案是四",
    ],
)
async def test_reasoning_format_accepts_thinking_then_an_answer(response):
    result = await ReasoningFormatGrader().aevaluate(response=response)
    assert result.score == 1.0
    assert result.metadata["error"] is None
    assert result.reason.startswith("<think> block")


@pytest.mark.parametrize(
    ("response", "error", "reason"),
    [
        ("", "missing_opening_tag", "no opening <think> tag"),
        ("just an answer", "missing_opening_tag", "no opening <think> tag"),
        ("x</think>4", "missing_opening_tag", "no opening <think> tag"),
        ("<think>never closed 4", "missing_closing_tag", "<think> is never closed by </think>"),
        ("</think>4<think>", "misplaced_closing_tag", "</think> comes before <think>"),
        ("<think>a<think>b</think></think>4", "nested_tags", "a second <think> opens inside"),
        ("<think>a</think><think>b</think>4", "duplicate_tags", "2 <think> and 2 </think> tags"),
        ("<think>a</think>4</think>", "duplicate_tags", "1 <think> and 2 </think> tags"),
        ("Sure! <think>a</think>4", "text_before_thinking", "text before <think>: 'Sure!'"),
        ("<think> \n </think>4", "empty_thinking", "the <think> block is empty"),
        ("<think>a</think>  \n", "missing_answer", "no answer after </think>"),
    ],
)
async def test_reasoning_format_says_what_is_wrong(response, error, reason):
    result = await ReasoningFormatGrader().aevaluate(response=response)
    assert result.score == 0.0
    assert result.metadata["error"] == error
    assert result.reason.startswith("wrong format: ")
    assert reason in result.reason


@pytest.mark.parametrize(
    ("response", "score", "reason"),
    [
        ("<think>x</think>\n<answer>4</answer>\n", 1.0, "then an answer (1 characters)"),
        ("<think>x</think>4", 0.0, "no opening <answer> tag after </think>"),
        ("<think>x<answer>4</answer></think>", 0.0, "no opening <answer> tag after </think>"),
        ("<think>x</think><answer>4", 0.0, "<answer> is never closed by </answer>"),
        ("<think>x</think>so <answer>4</answer>", 0.0, "text between </think> and <answer>: 'so'"),
        ("<think>x</think><answer>4</answer> done", 0.0, "text after </answer>: 'done'"),
        ("<think>x</think><answer> </answer>", 0.0, "the <answer> block is empty"),
        ("<think>x</think><answer>4</answer><answer>5</answer>", 0.0, "2 <answer> and 2 </answer> tags"),
    ],
)
async def test_reasoning_format_with_an_answer_tag(response, score, reason):
    result = await ReasoningFormatGrader(answer_tag="answer").aevaluate(response=response)
    assert (result.score, result.metadata["answer_tag"]) == (score, "answer")
    assert reason in result.reason


async def test_reasoning_format_custom_tags_and_bad_configuration():
    grader = ReasoningFormatGrader(think_tag="reasoning", answer_tag="final")
    assert (await grader.aevaluate(response="<reasoning>r</reasoning><final>1</final>")).score == 1.0
    assert (await grader.aevaluate(response="<think>r</think><final>1</final>")).score == 0.0
    assert grader.identity()["parameters"] == {"answer_tag": "final", "think_tag": "reasoning"}
    for bad in ({"think_tag": "<think>"}, {"think_tag": ""}, {"answer_tag": "think"}, {"answer_tag": "a b"}):
        with pytest.raises(ConfigurationError):
            ReasoningFormatGrader(**bad)
    with pytest.raises(GraderInputError, match="response: expected text"):
        await grader.aevaluate(response=None)


# -- ReasoningToolCallFormatGrader --------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "kind", "calls"),
    [
        ("<think>search first</think>" + CALL, "tool_calls", ["search"]),
        (
            "<think>two</think>\n" + CALL + "\n\n" + CALL.replace("search", "lookup") + "\n",
            "tool_calls",
            ["search", "lookup"],
        ),
        (
            '<think>中文</think><tool_call>{"name": "查询", "arguments": {"城市": "北京"}}</tool_call>',
            "tool_calls",
            ["查询"],
        ),
        ("<think>no tool needed</think>Paris.", "answer", None),
    ],
)
async def test_tool_call_format_accepts_an_answer_or_tool_calls(response, kind, calls):
    result = await ReasoningToolCallFormatGrader().aevaluate(response=response)
    assert result.score == 1.0, result.reason
    assert result.metadata["kind"] == kind
    assert result.metadata.get("tool_calls") == calls


@pytest.mark.parametrize(
    ("response", "error", "reason"),
    [
        (CALL, "missing_opening_tag", "no opening <think> tag"),
        ("<think></think>" + CALL, "empty_thinking", "the <think> block is empty"),
        ("<think>x</think>Let me search. " + CALL, "text_outside_tool_calls", "text before the tool calls"),
        ("<think>x</think>" + CALL + " Done.", "text_outside_tool_calls", "text after tool call 1: 'Done.'"),
        (
            "<think>x</think><tool_call>{'name': 'a'}</tool_call>",
            "invalid_tool_call_json",
            "tool call 1 is not valid JSON",
        ),
        (
            "<think>x</think>" + CALL + "<tool_call>[1, 2]</tool_call>",
            "invalid_tool_call",
            "tool call 2 is a JSON array",
        ),
        ('<think>x</think><tool_call>{"arguments": {}}</tool_call>', "invalid_tool_call", "has no 'name' string"),
        (
            '<think>x</think><tool_call>{"name": "a"}</tool_call>',
            "invalid_tool_call",
            "tool call 1 (a) has no 'arguments'",
        ),
        (
            '<think>x</think><tool_call>{"name": "a", "arguments": "{}"}</tool_call>',
            "invalid_tool_call",
            "'arguments' is a string, not an object",
        ),
        ("<think>x</think><tool_call>{}", "missing_closing_tag", "<tool_call> is never closed"),
        ("<think>x</think><tool_call><tool_call>{}</tool_call>", "nested_tags", "a second <tool_call> opens inside"),
        (
            "<think>x</think>" + CALL + "</tool_call>",
            "missing_opening_tag",
            "</tool_call> without a matching <tool_call>",
        ),
        ("<think>x</think>   ", "missing_answer", "no answer after </think>"),
    ],
)
async def test_tool_call_format_says_what_is_wrong(response, error, reason):
    result = await ReasoningToolCallFormatGrader().aevaluate(response=response)
    assert result.score == 0.0
    assert result.metadata["error"] == error
    assert reason in result.reason


async def test_tool_call_format_with_an_answer_tag():
    grader = ReasoningToolCallFormatGrader(answer_tag="answer")
    assert (await grader.aevaluate(response="<think>x</think><answer>Paris</answer>")).score == 1.0
    assert (await grader.aevaluate(response="<think>x</think>" + CALL)).score == 1.0
    both = await grader.aevaluate(response="<think>x</think><answer>Paris</answer>" + CALL)
    assert both.score == 0.0 and "text before the tool calls" in both.reason
    with pytest.raises(ConfigurationError):
        ReasoningToolCallFormatGrader(answer_tag="tool_call")


# -- LengthPenaltyGrader ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "score"),
    [(0, 0.0), (5, 0.5), (10, 1.0), (55, 1.0), (100, 1.0), (150, 0.5), (175, 0.25), (200, 0.0), (1000, 0.0)],
)
async def test_length_penalty_is_one_inside_and_linear_outside(length, score):
    result = await LengthPenaltyGrader(min_length=10, max_length=100).aevaluate(response="x" * length)
    assert result.score == pytest.approx(score)
    assert result.metadata == {"length": length, "unit": "characters", "min_length": 10, "max_length": 100}
    verdict = "too short" if length < 10 else "too long" if length > 100 else "within"
    assert verdict in result.reason


async def test_length_penalty_counts_words_and_chinese_characters():
    grader = LengthPenaltyGrader(max_length=4, unit="words")
    assert (await grader.aevaluate(response="one, two;  three four!")).metadata["length"] == 4
    chinese = await grader.aevaluate(response="我们今天去北京")  # 7 characters, each one word
    assert (chinese.metadata["length"], chinese.score) == (7, pytest.approx(0.25))
    mixed = await grader.aevaluate(response="用 Python 写")
    assert (mixed.metadata["length"], mixed.score) == (3, 1.0)
    empty = await LengthPenaltyGrader(max_length=5).aevaluate(response="")
    assert (empty.score, empty.reason) == (1.0, "0 characters, within 0..5 characters")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_length": 0},
        {"max_length": 10, "min_length": -1},
        {"max_length": 10, "min_length": 11},
        {"max_length": 10.5},
        {"max_length": True},
        {"max_length": 10, "unit": "tokens"},
    ],
)
def test_length_penalty_rejects_bad_configuration(kwargs):
    with pytest.raises(ConfigurationError):
        LengthPenaltyGrader(**kwargs)


def test_length_penalty_requires_max_length_by_keyword():
    with pytest.raises(TypeError):
        LengthPenaltyGrader()
    with pytest.raises(TypeError):
        LengthPenaltyGrader(0, 10)


# -- NgramRepetitionPenaltyGrader ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "response", "total", "repeated"),
    [
        (3, "the quick brown fox jumps over the lazy dog", 7, 0),
        (2, "a b a b a b", 5, 3),
        (3, "The cat sat. THE CAT SAT!", 4, 1),  # case and punctuation do not count
        (1, "go go go go", 4, 3),
        (2, "这是一个测试这是一个测试", 11, 5),  # Chinese: character bigrams
        (2, "我爱 Python 我爱 Python", 5, 2),
    ],
)
async def test_ngram_repetition_known_answers(n, response, total, repeated):
    result = await NgramRepetitionPenaltyGrader(n=n).aevaluate(response=response)
    assert (result.metadata["total_ngrams"], result.metadata["repeated_ngrams"]) == (total, repeated)
    assert result.score == pytest.approx(1 - repeated / total)
    assert f"{repeated} of {total} {n}-grams" in result.reason


async def test_ngram_repetition_reports_the_most_repeated_and_tolerates_some():
    text = "I am sure. " * 4
    result = await NgramRepetitionPenaltyGrader(n=3).aevaluate(response=text)
    assert result.metadata["most_repeated"][0] == {"ngram": "i am sure", "count": 4}
    assert "most repeated: 'i am sure' x4" in result.reason
    # 12 words, 10 trigrams, 3 distinct: 7 repeat
    assert result.metadata["repetition_ratio"] == pytest.approx(0.7)
    assert result.score == pytest.approx(0.3)
    tolerant = await NgramRepetitionPenaltyGrader(n=3, max_repetition_ratio=0.5).aevaluate(response=text)
    assert tolerant.score == pytest.approx(1 - (0.7 - 0.5) / 0.5)
    assert "tolerated up to 0.5" in tolerant.reason
    assert (await NgramRepetitionPenaltyGrader(n=3, max_repetition_ratio=0.7).aevaluate(response=text)).score == 1.0


@pytest.mark.parametrize("response", ["", "   ", "only two", "!!! ???"])
async def test_ngram_repetition_short_text_scores_one(response):
    result = await NgramRepetitionPenaltyGrader(n=3).aevaluate(response=response)
    assert result.score == 1.0
    assert "fewer than n=3: nothing can repeat" in result.reason


@pytest.mark.parametrize(
    "kwargs", [{"n": 0}, {"n": 2.0}, {"max_repetition_ratio": 1.0}, {"max_repetition_ratio": -0.1}]
)
def test_ngram_repetition_rejects_bad_configuration(kwargs):
    with pytest.raises(ConfigurationError):
        NgramRepetitionPenaltyGrader(**kwargs)


# -- JsonValidityGrader -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "kind", "fenced"),
    [
        ('{"a": [1, {"b": null}]}', "object", False),
        ("[1, 2]", "array", False),
        ('"text"', "string", False),
        ("42", "number", False),
        ('```json\n{"a": 1}\n```', "object", True),
        ('  ```JSON\n{"城市": "北京"}\n```  \n', "object", True),
        ("```\n[true]\n```", "array", True),
        ('```json {"a": 1} ```', "object", True),
    ],
)
async def test_json_validity_accepts_json_alone_or_fenced(response, kind, fenced):
    result = await JsonValidityGrader().aevaluate(response=response)
    assert result.score == 1.0
    assert result.metadata == {"fenced": fenced, "type": kind}


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ("", "empty text"),
        ("{", "Expecting property name enclosed in double quotes at line 1 column 2"),
        ('{"a": 1,}', "Expecting property name enclosed in double quotes at line 1 column 9"),
        ("{'a': 1}", "Expecting property name enclosed in double quotes at line 1 column 2"),
        ('{"a": NaN}', "NaN is not standard JSON"),
        ("Infinity", "Infinity is not standard JSON"),
        ('Here it is: {"a": 1}', "Expecting value at line 1 column 1"),
        ('```python\n{"a": 1}\n```', "Expecting value at line 1 column 1"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply to parse"),
    ],
)
async def test_json_validity_gives_the_parse_error(response, error):
    result = await JsonValidityGrader().aevaluate(response=response)
    assert result.score == 0.0
    assert result.reason == f"not JSON: {error}"
    assert result.metadata["error"] == error


# -- JsonMatchGrader ----------------------------------------------------------------------------


async def test_json_match_deep_equality_scores_one():
    reference = {"user": {"name": "Zoë", "tags": ["a", "b"], "meta": {}}, "ok": True, "n": 1}
    response = '```json\n{"ok": true, "n": 1.0, "user": {"tags": ["a", "b"], "meta": {}, "name": "Zoë"}}\n```'
    for ref in (reference, json.dumps(reference)):
        result = await JsonMatchGrader().aevaluate(response=response, reference=ref)
        assert result.score == 1.0
        assert result.reason == "deeply equal (6 leaf path(s))"
        assert result.metadata["fenced"] is True


async def test_json_match_partial_score_names_the_differing_paths():
    reference = '{"a": {"x": [1, 3, {}], "y": null}, "weird key": 1, "same": "s"}'
    response = '{"a": {"x": [1, 2, {}]}, "same": "s", "c": "d"}'
    result = await JsonMatchGrader().aevaluate(response=response, reference=reference)
    # leaf paths: $.a.x[0] $.a.x[1] $.a.x[2] $.a.y $["weird key"] $.same (reference) + $.c (extra): 3 of 7 match
    assert result.score == pytest.approx(3 / 7)
    assert result.metadata["different"] == ["$.a.x[1]"]
    assert result.metadata["missing"] == ["$.a.y", '$["weird key"]']
    assert result.metadata["extra"] == ["$.c"]
    assert (result.metadata["matched_paths"], result.metadata["total_paths"]) == (3, 7)
    assert result.reason == (
        '3 of 7 leaf paths match; different: $.a.x[1] (expected 3, got 2); missing: $.a.y, $["weird key"]; extra: $.c'
    )


async def test_json_match_types_ignored_keys_and_scalars():
    strict, loose = JsonMatchGrader(), JsonMatchGrader(strict_types=False)
    response = '{"a": "2", "b": "True", "c": 1, "d": "null"}'
    reference = {"a": 2.0, "b": True, "c": True, "d": None}
    assert (await strict.aevaluate(response=response, reference=reference)).score == 0.0
    result = await loose.aevaluate(response=response, reference=reference)
    assert result.score == 0.75 and result.metadata["different"] == ["$.c"]  # a boolean is not a number
    ignoring = JsonMatchGrader(ignore_keys=("id", "ts"))
    result = await ignoring.aevaluate(response='[{"id": 1, "v": 2}, {"ts": 5}]', reference=[{"id": 9, "v": 2}, {}])
    assert result.score == 1.0
    assert ignoring.identity()["parameters"] == {"ignore_keys": ["id", "ts"], "strict_types": True}
    assert (await strict.aevaluate(response="3", reference=3)).score == 1.0
    assert (await strict.aevaluate(response="[]", reference={})).score == 0.0
    assert (await strict.aevaluate(response='"x"', reference='"x"')).score == 1.0


async def test_json_match_bad_response_scores_zero_and_bad_reference_raises():
    result = await JsonMatchGrader().aevaluate(response="not json", reference={"a": 1})
    assert (result.score, result.reason) == (0.0, "response is not JSON: Expecting value at line 1 column 1")
    with pytest.raises(GraderInputError, match="reference: not JSON"):
        await JsonMatchGrader().aevaluate(response="{}", reference="{oops")
    for bad in ({"ignore_keys": "id"}, {"ignore_keys": (1,)}, {"strict_types": "yes"}):
        with pytest.raises(ConfigurationError):
            JsonMatchGrader(**bad)


# -- in the runners ----------------------------------------------------------------------------


def test_a_format_grader_runs_in_grading_runner():
    samples = [
        {"response": "<think>2 + 2</think>4"},
        {"response": "4"},
        {"response": "<think>2 + 2</think>" + CALL},
    ]
    results = GradingRunner(
        grader_configs={
            "fmt": {"grader": ReasoningFormatGrader(), "mapper": {"response": "response"}},
            "tools": {"grader": ReasoningToolCallFormatGrader(), "mapper": {"response": "response"}},
        },
        show_progress=False,
    ).run(samples)
    assert [r.score for r in results["fmt"]] == [1.0, 0.0, 1.0]
    assert results["fmt"][1].reason == "wrong format: no opening <think> tag"
    assert results["fmt"][1].metadata["error"] == "missing_opening_tag"
    assert [r.score for r in results["tools"]] == [1.0, 0.0, 1.0]


def test_format_graders_run_as_metrics_in_evaluation_runner():
    items = [
        {"id": "1", "query": "q", "response": "<think>x</think>4", "reference": {"answer": 4}},
        {"id": "2", "query": "q", "response": '{"answer": 4, "extra": 1}', "reference": '{"answer": 4}'},
    ]
    graders = [ReasoningFormatGrader(), JsonMatchGrader(), LengthPenaltyGrader(max_length=20)]
    result = evaluation_runner(items, graders, evaluation_name="format graders", show_progress=False)
    first, second = ({s.name: s for s in r.scores} for r in result.results)
    assert (first["reasoning_format"].score, first["reasoning_format"].source) == (1.0, "grader")
    assert first["reasoning_format"].explanation == "<think> block (1 characters) then an answer (1 characters)"
    assert second["reasoning_format"].score == 0.0
    assert first["json_match"].score == 0.0
    assert first["json_match"].explanation.startswith("response is not JSON")
    assert second["json_match"].score == 0.5
    assert second["json_match"].metadata["extra"] == ["$.extra"]
    assert (first["length_penalty"].score, second["length_penalty"].score) == (1.0, pytest.approx(0.75))
