"""Rule-based agent graders: hand-made trajectories with known scores, edge cases, and GradingRunner."""

import json
import pickle
import random
import sys

import pytest

from axionlike._exceptions import ConfigurationError, GraderInputError, MissingDependencyError
from axionlike.graders._agent_rules import (
    ActionLoopDetectionGrader,
    ObservationInformationGainGrader,
    ToolCallPrecisionRecallGrader,
    ToolCallSequenceMatchGrader,
    ToolCallSuccessGrader,
    ToolParameterCheckGrader,
)
from axionlike.grading import GraderError, GraderScore, GradingRunner

WEATHER = "Paris: 18°C, light rain, wind 12 km/h from the south-west; humidity 81%."
NEWS = "Top story: the city council approved the new tram line, opening in 2027."
STOCKS = "ACME closed at 132.40 USD, up 2.1% on the day after strong quarterly results."


def call(name, arguments, call_id):
    """An OpenAI tool call; ``arguments`` as a dict (encoded to JSON) or raw JSON text."""
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": text}}


def trajectory(*steps, answer="Done."):
    """A user question, then one assistant call and its tool result per ``(name, arguments, result)``
    step (``result=None``: the call is never answered), then the final answer."""
    messages = [{"role": "user", "content": "Help me plan the day."}]
    for index, (name, arguments, result) in enumerate(steps):
        messages.append({"role": "assistant", "content": None, "tool_calls": [call(name, arguments, f"c{index}")]})
        if result is not None:
            messages.append({"role": "tool", "tool_call_id": f"c{index}", "content": result})
    messages.append({"role": "assistant", "content": answer})
    return messages


CHAT_ONLY = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]
BAD_JSON = [
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "tool_calls": [call("search", '{"q": "paris"', "c0")]},
]
ORPHAN_RESULT = [{"role": "user", "content": "Hi"}, {"role": "tool", "tool_call_id": "c9", "content": "42"}]

MESSAGE_GRADERS = [
    ActionLoopDetectionGrader(),
    ObservationInformationGainGrader(),
    ToolCallSuccessGrader(),
    ToolParameterCheckGrader({"search": {"type": "object"}}),
]
REFERENCE_GRADERS = [ToolCallSequenceMatchGrader(), ToolCallPrecisionRecallGrader()]


async def grade(grader, messages):
    if grader in REFERENCE_GRADERS:
        return await grader.aevaluate(messages=messages, reference_tool_calls=[])
    return await grader.aevaluate(messages=messages)


# -- every grader: malformed trajectories -----------------------------------------------


@pytest.mark.parametrize("grader", MESSAGE_GRADERS + REFERENCE_GRADERS, ids=lambda g: g.name)
@pytest.mark.parametrize(
    ("messages", "where"),
    [
        ([], r"^messages: the list of messages is empty"),
        (BAD_JSON, r"^messages\[1\]\.tool_calls\[0\]: arguments of 'search' are not valid JSON"),
        (ORPHAN_RESULT, r"^messages\[1\]: a tool result for call 'c9', which no earlier assistant message made"),
        ("not a list", r"^messages: expected a list of chat messages"),
    ],
    ids=["empty", "bad-json", "orphan-result", "not-a-list"],
)
async def test_malformed_trajectory_is_a_grader_input_error_naming_the_message(grader, messages, where):
    with pytest.raises(GraderInputError, match=where):
        await grade(grader, messages)


@pytest.mark.parametrize("grader", MESSAGE_GRADERS, ids=lambda g: g.name)
async def test_nothing_to_judge_scores_one_and_says_why(grader):
    result = await grader.aevaluate(messages=CHAT_ONLY)
    assert result.score == 1.0 and result.name == grader.name
    assert result.reason.startswith("no tool")


# -- ActionLoopDetectionGrader ------------------------------------------------------------


async def test_loop_counts_calls_that_repeat_an_earlier_call():
    messages = trajectory(
        ("search", {"q": "weather paris", "limit": 3}, WEATHER),
        ("news", {"city": "paris"}, NEWS),
        ("search", {"q": "weather paris", "limit": 3}, WEATHER),
        ("search", {"q": "weather paris", "limit": 3}, WEATHER),
    )
    result = await ActionLoopDetectionGrader(similarity_threshold=1.0).aevaluate(messages=messages)
    assert result.score == pytest.approx(1 - 2 / 4)
    assert result.metadata["call_count"] == 4 and result.metadata["repeated_count"] == 2
    assert [(r["call"], r["repeats_call"], r["message"]) for r in result.metadata["repeats"]] == [(2, 0, 5), (3, 0, 7)]
    assert result.metadata["repeats"][0]["similarity"] == 1.0
    assert result.reason.startswith("2 of 4 tool calls repeat an earlier call (similarity >= 1): call 2 search(")
    assert "at messages[5] repeats call 0 (similarity 1)" in result.reason


async def test_loop_ignores_argument_order():
    messages = trajectory(
        ("search", '{"q": "weather", "limit": 3}', WEATHER),
        ("search", '{"limit": 3, "q": "weather"}', WEATHER),
    )
    result = await ActionLoopDetectionGrader().aevaluate(messages=messages)
    assert result.score == 0.5 and result.metadata["repeated_count"] == 1


async def test_loop_needs_the_same_tool_and_threshold_allows_near_repeats():
    messages = trajectory(
        ("search", {"q": "weather in paris"}, WEATHER),
        ("lookup", {"q": "weather in paris"}, WEATHER),  # same arguments, another tool: no loop
        ("search", {"q": "weather in pariss"}, WEATHER),  # near repeat of call 0
    )
    assert (await ActionLoopDetectionGrader(similarity_threshold=1.0).aevaluate(messages=messages)).score == 1.0
    near = await ActionLoopDetectionGrader(similarity_threshold=0.9).aevaluate(messages=messages)
    assert near.score == pytest.approx(2 / 3)
    repeat = near.metadata["repeats"][0]
    assert (repeat["call"], repeat["repeats_call"]) == (2, 0) and 0.9 <= repeat["similarity"] < 1.0


async def test_loop_without_repeats_scores_one():
    messages = trajectory(("search", {"q": "a"}, WEATHER), ("search", {"q": "b"}, NEWS), ("news", {}, STOCKS))
    result = await ActionLoopDetectionGrader().aevaluate(messages=messages)
    assert result.score == 1.0 and result.reason == "no tool call repeats an earlier one (calls: 3, threshold: 1)"


# -- ObservationInformationGainGrader -----------------------------------------------------


async def test_information_gain_is_the_share_of_novel_observations():
    messages = trajectory(
        ("weather", {"city": "paris"}, WEATHER),
        ("news", {"city": "paris"}, NEWS),
        ("weather", {"city": "Paris"}, WEATHER.replace("18", "19")),  # nearly the same result again
        ("stocks", {"ticker": "ACME"}, STOCKS),
    )
    result = await ObservationInformationGainGrader(similarity_threshold=0.5).aevaluate(messages=messages)
    assert result.score == 0.75
    assert result.metadata["observation_count"] == 4 and result.metadata["novel_count"] == 3
    [redundant] = result.metadata["redundant"]
    assert (redundant["message"], redundant["like_message"]) == (6, 2) and redundant["similarity"] > 0.9
    assert "messages[6] repeats messages[2]" in result.reason
    strict = await ObservationInformationGainGrader(similarity_threshold=1.0).aevaluate(messages=messages)
    assert (
        strict.score == 1.0 and strict.reason == "every tool result brings new information (results: 4, threshold: 1)"
    )


async def test_information_gain_counts_empty_observations_as_not_novel():
    messages = trajectory(("weather", {}, WEATHER), ("news", {}, "  "), ("news", {}, NEWS))
    result = await ObservationInformationGainGrader().aevaluate(messages=messages)
    assert result.score == pytest.approx(2 / 3)
    assert result.metadata["redundant"] == [{"message": 4, "empty": True}]
    assert "messages[4] is empty" in result.reason


async def test_information_gain_without_observations_scores_one():
    messages = trajectory(("search", {"q": "a"}, None))  # a call never answered: no observation
    result = await ObservationInformationGainGrader().aevaluate(messages=messages)
    assert result.score == 1.0 and result.metadata["observation_count"] == 0


# -- ToolCallSequenceMatchGrader ----------------------------------------------------------

ABC = trajectory(("a", {"x": 1, "y": 2}, "ok"), ("b", {}, "ok"), ("c", {"z": "q"}, "ok"))


async def test_sequence_exact_match_accepts_both_reference_shapes_and_any_argument_order():
    reference = [
        {"name": "a", "arguments": {"y": 2, "x": 1}},
        {"type": "function", "function": {"name": "b", "arguments": ""}},
        {"function": {"name": "c", "arguments": '{"z": "q"}'}},
    ]
    result = await ToolCallSequenceMatchGrader().aevaluate(messages=ABC, reference_tool_calls=reference)
    assert result.score == 1.0 and result.metadata["first_difference"] is None
    assert result.reason == "the tool calls match the reference in order (calls: 3)"


async def test_sequence_strict_order_gives_longest_common_subsequence_credit():
    reference = [{"name": "a", "arguments": {"x": 1, "y": 2}}, {"name": "c", "arguments": {"z": "q"}}, {"name": "b"}]
    strict = await ToolCallSequenceMatchGrader().aevaluate(messages=ABC, reference_tool_calls=reference)
    assert strict.score == pytest.approx(2 / 3)
    assert strict.metadata["in_order"] == 2 and strict.metadata["first_difference"] == 1
    assert 'expected c({"z": "q"}), got b({})' in strict.reason
    loose = await ToolCallSequenceMatchGrader(strict_order=False).aevaluate(
        messages=ABC, reference_tool_calls=reference
    )
    assert loose.score == 1.0 and loose.metadata["missing"] == [] and loose.metadata["extra"] == []


async def test_sequence_extra_missing_and_argument_comparison():
    reference = [{"name": "a", "arguments": {"x": 1, "y": 3}}, {"name": "b", "arguments": {}}]
    with_arguments = await ToolCallSequenceMatchGrader().aevaluate(messages=ABC, reference_tool_calls=reference)
    assert with_arguments.score == pytest.approx(1 / 3)  # only b() matches; 3 calls made
    assert with_arguments.reason.endswith('expected a({"x": 1, "y": 3}), got a({"x": 1, "y": 2})')
    names_only = ToolCallSequenceMatchGrader(compare_arguments=False)
    result = await names_only.aevaluate(messages=ABC, reference_tool_calls=reference)
    assert result.score == pytest.approx(2 / 3) and result.metadata["expected"] == ["a", "b"]
    assert result.reason.endswith("first difference at call 2: expected nothing, got c")
    loose = ToolCallSequenceMatchGrader(strict_order=False, compare_arguments=False)
    result = await loose.aevaluate(messages=ABC, reference_tool_calls=reference)
    assert result.score == pytest.approx(2 / 3) and result.metadata["extra"] == ["c"]


async def test_sequence_empty_sides():
    grader = ToolCallSequenceMatchGrader()
    assert (await grader.aevaluate(messages=CHAT_ONLY, reference_tool_calls=[])).score == 1.0
    assert (await grader.aevaluate(messages=ABC, reference_tool_calls=[])).score == 0.0
    assert (await grader.aevaluate(messages=CHAT_ONLY, reference_tool_calls=[{"name": "a"}])).score == 0.0


@pytest.mark.parametrize("grader", REFERENCE_GRADERS, ids=lambda g: g.name)
@pytest.mark.parametrize(
    ("reference", "where"),
    [
        ("a", r"^reference_tool_calls: expected a list of tool calls, got str"),
        ([{"name": "a"}, {"arguments": {}}], r"^reference_tool_calls\[1\]: expected a tool call with a 'name'"),
        ([{"name": "a"}, {"name": "b", "arguments": "{x"}], r"^reference_tool_calls\[1\]: arguments of 'b' are not"),
        ([{"name": "a", "arguments": [1]}], r"^reference_tool_calls\[0\]: arguments of 'a' must be a JSON object"),
    ],
)
async def test_malformed_reference_is_a_grader_input_error(grader, reference, where):
    with pytest.raises(GraderInputError, match=where):
        await grader.aevaluate(messages=ABC, reference_tool_calls=reference)


# -- ToolCallPrecisionRecallGrader --------------------------------------------------------


async def test_precision_recall_match_calls_as_multisets():
    messages = trajectory(("a", {"x": 1}, "ok"), ("a", {"x": 1}, "ok"), ("b", {}, "ok"))
    reference = [{"name": "c"}, {"name": "a", "arguments": {"x": 1}}]
    result = await ToolCallPrecisionRecallGrader().aevaluate(messages=messages, reference_tool_calls=reference)
    assert result.metadata["precision"] == pytest.approx(1 / 3) and result.metadata["recall"] == 0.5
    assert result.score == result.metadata["f1"] == pytest.approx(0.4)
    assert result.metadata["matched"] == ['a({"x": 1})']
    assert result.metadata["missing"] == ["c({})"] and result.metadata["extra"] == ['a({"x": 1})', "b({})"]
    assert result.reason.startswith("f1 0.400: 1 of 3 calls made match the 2 expected; missing c({}); extra a(")
    for metric in ("precision", "recall"):
        grader = ToolCallPrecisionRecallGrader(metric=metric)
        scored = await grader.aevaluate(messages=messages, reference_tool_calls=reference)
        assert scored.score == result.metadata[metric]


async def test_precision_recall_names_only():
    messages = trajectory(("a", {"x": 1}, "ok"), ("b", {}, "ok"))
    reference = [{"name": "b", "arguments": {"y": 2}}, {"name": "a", "arguments": {"x": 9}}]
    result = await ToolCallPrecisionRecallGrader(compare_arguments=False).aevaluate(
        messages=messages, reference_tool_calls=reference
    )
    assert result.score == 1.0 and result.metadata["missing"] == [] and result.metadata["extra"] == []


@pytest.mark.parametrize(
    ("messages", "reference", "score", "reason"),
    [
        (CHAT_ONLY, [], 1.0, "no tool calls expected and none made"),
        (CHAT_ONLY, [{"name": "a"}], 0.0, "no tool calls made; some were expected"),
        (ABC, [], 0.0, "tool calls made; none were expected"),
    ],
)
@pytest.mark.parametrize("metric", ["f1", "precision", "recall"])
async def test_precision_recall_empty_sides(messages, reference, score, reason, metric):
    result = await ToolCallPrecisionRecallGrader(metric=metric).aevaluate(
        messages=messages, reference_tool_calls=reference
    )
    assert result.score == score and reason in result.reason


# -- ToolCallSuccessGrader ----------------------------------------------------------------


async def test_success_share_of_calls_without_errors():
    messages = trajectory(
        ("weather", {}, WEATHER),
        ("search", {}, "Error: upstream returned 503"),
        ("fetch", {}, '{"error": {"code": 404}}'),
        ("news", {}, '{"error": null, "items": ["tram line"]}'),  # an explicit null error: success
        ("run", {}, "TRACEBACK (most recent call last): ..."),
        ("stocks", {}, None),  # never answered
    )
    result = await ToolCallSuccessGrader().aevaluate(messages=messages)
    assert result.score == pytest.approx(2 / 6)
    whys = {f["name"]: f["why"] for f in result.metadata["failures"]}
    assert whys == {
        "search": "result matches 'error': Error: upstream returned 503",
        "fetch": 'error field {"code": 404}',
        "run": "result matches 'traceback': TRACEBACK (most recent call last): ...",
        "stocks": "no result",
    }
    assert result.reason.startswith("2 of 6 tool calls succeeded; call 1 search at messages[3]: result matches")
    custom = await ToolCallSuccessGrader(error_patterns=(r"^\d{3} ", "upstream")).aevaluate(messages=messages)
    assert custom.score == 0.5  # "TRACEBACK" no longer counts; "upstream", the error field and no result do
    assert custom.metadata["failures"][0]["why"].startswith("result matches 'upstream'")


async def test_success_all_calls_fine():
    messages = trajectory(("weather", {}, WEATHER), ("news", {}, NEWS))
    result = await ToolCallSuccessGrader().aevaluate(messages=messages)
    assert result.score == 1.0 and result.reason == "every tool call succeeded (calls: 2)"


# -- ToolParameterCheckGrader -------------------------------------------------------------

SEARCH_PARAMETERS = {
    "type": "object",
    "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}},
    "required": ["query"],
    "additionalProperties": False,
}
OPENAI_TOOLS = [
    {"type": "function", "function": {"name": "search", "description": "Web search", "parameters": SEARCH_PARAMETERS}},
    {"type": "function", "function": {"name": "now"}},  # no parameters: takes none
]


async def test_parameter_check_validates_every_call_against_its_schema():
    messages = trajectory(
        ("search", {"limit": 3, "query": "tram"}, "ok"),
        ("search", {"limit": 3}, "ok"),
        ("search", {"query": "tram", "limit": "ten"}, "ok"),
        ("now", {}, "09:00"),
        ("now", {"tz": "UTC"}, "09:00"),
        ("translate", {"text": "hi"}, "salut"),
    )
    result = await ToolParameterCheckGrader(OPENAI_TOOLS).aevaluate(messages=messages)
    assert result.score == pytest.approx(2 / 6)
    problems = [(i["call"], i["problem"]) for i in result.metadata["invalid"]]
    assert problems == [
        (1, "'query' is a required property"),
        (2, "$.limit: 'ten' is not of type 'integer'"),
        (4, "{'tz': 'UTC'} is expected to be empty"),
        (5, "unknown tool (defined: now, search)"),
    ]
    assert result.reason.startswith(
        "2 of 6 tool calls have valid arguments; call 1 search at messages[3]: 'query' is a required property; "
    )


async def test_parameter_check_dict_form_is_the_same_grader():
    as_dict = ToolParameterCheckGrader({"search": SEARCH_PARAMETERS, "now": {"type": "object", "maxProperties": 0}})
    assert as_dict.identity() == ToolParameterCheckGrader(OPENAI_TOOLS).identity()
    function_only = ToolParameterCheckGrader([{"name": "search", "parameters": SEARCH_PARAMETERS}])
    messages = trajectory(("search", {"query": "tram"}, "ok"))
    assert (await function_only.aevaluate(messages=messages)).score == 1.0


async def test_parameter_check_survives_pickling():
    grader = pickle.loads(pickle.dumps(ToolParameterCheckGrader(OPENAI_TOOLS)))
    result = await grader.aevaluate(messages=trajectory(("search", {"limit": 0, "query": "x"}, "ok")))
    assert (
        result.score == 0.0 and result.metadata["invalid"][0]["problem"] == "$.limit: 0 is less than the minimum of 1"
    )


def test_parameter_check_without_jsonschema_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "jsonschema", None)
    with pytest.raises(
        MissingDependencyError, match=r"ToolParameterCheckGrader needs the 'jsonschema' package.*graders"
    ):
        ToolParameterCheckGrader(OPENAI_TOOLS)


# -- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ActionLoopDetectionGrader(similarity_threshold=1.5), "similarity_threshold must be a number from 0"),
        (lambda: ActionLoopDetectionGrader(similarity_threshold=True), "similarity_threshold must be a number"),
        (lambda: ObservationInformationGainGrader(similarity_threshold=-0.1), "similarity_threshold must be"),
        (lambda: ObservationInformationGainGrader(similarity_threshold=float("nan")), "similarity_threshold must be"),
        (lambda: ObservationInformationGainGrader(similarity_threshold="0.5"), "similarity_threshold must be"),
        (lambda: ToolCallSequenceMatchGrader(strict_order="yes"), "strict_order must be True or False"),
        (lambda: ToolCallPrecisionRecallGrader(compare_arguments=1), "compare_arguments must be True or False"),
        (lambda: ToolCallPrecisionRecallGrader(metric="accuracy"), "metric must be one of f1, precision, recall"),
        (lambda: ToolCallSuccessGrader(error_patterns="error"), "error_patterns must be a tuple"),
        (lambda: ToolCallSuccessGrader(error_patterns=("error", "")), "each pattern must be a non-empty string"),
        (lambda: ToolCallSuccessGrader(error_patterns=("(",)), r"'\(' is not a regular expression"),
        (lambda: ToolParameterCheckGrader({}), "tool_schemas defines no tool"),
        (lambda: ToolParameterCheckGrader("search"), "tool_schemas must be a list of tool definitions or a dict"),
        (lambda: ToolParameterCheckGrader({"search": "object"}), "the schema of 'search' must be a dict"),
        (lambda: ToolParameterCheckGrader([{"parameters": {}}]), r"tool_schemas\[0\]: expected a tool definition"),
        (lambda: ToolParameterCheckGrader(OPENAI_TOOLS + OPENAI_TOOLS[:1]), r"tool 'search' is defined twice"),
        (
            lambda: ToolParameterCheckGrader({"search": {"type": "objekt"}}),
            "the schema of 'search' is not valid JSON Schema",
        ),
    ],
)
def test_bad_parameters_raise_at_construction(build, message):
    with pytest.raises(ConfigurationError, match=message):
        build()


def test_parameters_make_the_identity():
    assert ActionLoopDetectionGrader(0.8).identity()["parameters"] == {"similarity_threshold": 0.8}
    assert ToolCallSuccessGrader().identity()["parameters"] == {
        "error_patterns": ["error", "exception", "traceback", "failed"]
    }
    assert ToolCallSuccessGrader(["error"]).identity() == ToolCallSuccessGrader(("error",)).identity()
    assert ToolCallPrecisionRecallGrader().identity()["parameters"] == {"compare_arguments": True, "metric": "f1"}
    assert ToolCallSequenceMatchGrader().required_fields == ("messages", "reference_tool_calls")


# -- GradingRunner ------------------------------------------------------------------------


def test_grader_runs_in_grading_runner_and_a_malformed_sample_is_an_error_entry():
    samples = [
        {"messages": trajectory(("search", {"q": "a"}, WEATHER), ("search", {"q": "b"}, NEWS))},
        {"messages": BAD_JSON},
        {"messages": trajectory(("search", {"q": "a"}, WEATHER), ("search", {"q": "a"}, WEATHER))},
    ]
    runner = GradingRunner(
        grader_configs={"loop": {"grader": ActionLoopDetectionGrader(), "mapper": {"messages": "messages"}}},
        show_progress=False,
    )
    results = runner.run(samples)["loop"]
    assert isinstance(results[0], GraderScore) and results[0].score == 1.0
    assert isinstance(results[2], GraderScore) and results[2].score == 0.5
    assert results[2].metadata["repeated_count"] == 1
    assert isinstance(results[1], GraderError) and results[1].error.type == "GraderInputError"
    assert "messages[1].tool_calls[0]: arguments of 'search' are not valid JSON" in results[1].error.message


def test_common_subsequence_length_agrees_with_the_textbook_table():
    from axionlike.graders._agent_rules import _common_subsequence_length

    def textbook(first, second):
        table = [[0] * (len(second) + 1) for _ in range(len(first) + 1)]
        for i, a in enumerate(first):
            for j, b in enumerate(second):
                table[i + 1][j + 1] = table[i][j] + 1 if a == b else max(table[i][j + 1], table[i + 1][j])
        return table[-1][-1]

    rng = random.Random(7)
    for _ in range(500):
        first = rng.choices("abc", k=rng.randint(0, 8))
        second = rng.choices("abc", k=rng.randint(0, 8))
        assert _common_subsequence_length(first, second) == textbook(first, second), (first, second)
