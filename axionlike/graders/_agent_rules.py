"""Rule-based agent graders: loops, information gain, tool-call matching, tool success, argument checks.

None calls an LLM. Each reads an OpenAI chat trajectory (``messages``) through
``Trajectory.parse``, so a malformed one (bad JSON arguments, a tool result without its
call) is a ``GraderInputError`` naming the message; an empty list of messages is malformed
too. Scores are in [0, 1], higher is better; a trajectory with nothing to judge (no tool
calls, no observations) scores 1.0 and its reason says so.

Text similarity is rapidfuzz's ``fuzz.ratio`` / 100 (normalised InDel similarity: 1.0 for
identical texts), rounded to six decimals so that a threshold such as 0.9 is met exactly.
"""

from __future__ import annotations

import importlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from rapidfuzz import fuzz, process

from axionlike._exceptions import ConfigurationError, GraderInputError, MissingDependencyError
from axionlike._redact import excerpt
from axionlike.graders._base import BaseGrader, GraderScore
from axionlike.graders._trajectory import ToolCall, Trajectory, call_arguments

_METRICS = ("f1", "precision", "recall")

DEFAULT_ERROR_PATTERNS: tuple[str, ...] = ("error", "exception", "traceback", "failed")
"""Plain words, so they match anywhere: ``Error:``, ``ValueError``, ``Request failed``."""

_REASON_ITEMS = 3
"""How many failures a reason lists; metadata lists them all."""

_NO_PARAMETERS: dict[str, Any] = {"type": "object", "maxProperties": 0}
"""The schema of a function defined without ``parameters``: it takes none."""


class ActionLoopDetectionGrader(BaseGrader):
    """Penalises an agent that repeats itself: the same tool called again with the same arguments.

    Input: ``messages``, an OpenAI chat trajectory. A call *repeats* an earlier one when
    both name the same tool and their canonical arguments (JSON with sorted keys, so the
    order of arguments does not matter) are at least ``similarity_threshold`` similar
    (1.0: identical arguments only). Score = 1 - repeated calls / all calls; 1.0 means no
    call repeats an earlier one, and it falls towards 0 as the agent loops. No tool calls
    scores 1.0.

    Example:
        ```python
        grader = ActionLoopDetectionGrader(similarity_threshold=1.0)
        result = await grader.aevaluate(messages=trajectory)
        ```
    """

    def __init__(self, similarity_threshold: float = 1.0) -> None:
        super().__init__(name="action_loop_detection", description="share of tool calls that repeat no earlier call")
        self.similarity_threshold = _similarity_threshold(similarity_threshold)

    async def aevaluate(self, messages: Sequence[Mapping[str, Any]]) -> GraderScore:
        """Score ``messages``: 1 - repeated calls / calls (1.0 = no loop)."""
        calls = _trajectory(messages).tool_calls
        if not calls:
            return GraderScore(
                name=self.name,
                score=1.0,
                reason="no tool calls, so no loop",
                metadata={"call_count": 0, "repeated_count": 0, "repeats": []},
            )
        repeats: list[dict[str, Any]] = []
        earlier: dict[str, list[tuple[int, str]]] = {}
        for index, call in enumerate(calls):
            arguments = _arguments_text(call)
            same_tool = earlier.setdefault(call.name, [])
            match = _most_similar(arguments, [text for _, text in same_tool])
            if match is not None and match[1] >= self.similarity_threshold:
                original = same_tool[match[0]][0]
                repeats.append(
                    {
                        "call": index,
                        "repeats_call": original,
                        "similarity": match[1],
                        "signature": call.signature,
                        "message": call.step,
                    }
                )
            same_tool.append((index, arguments))
        score = 1.0 - len(repeats) / len(calls)
        if repeats:
            shown = "; ".join(
                f"call {r['call']} {_short(r['signature'])} at messages[{r['message']}] repeats call "
                f"{r['repeats_call']} (similarity {r['similarity']:g})"
                for r in repeats[:_REASON_ITEMS]
            )
            reason = (
                f"{len(repeats)} of {len(calls)} tool calls repeat an earlier call "
                f"(similarity >= {self.similarity_threshold:g}): {shown}"
            )
        else:
            reason = (
                f"no tool call repeats an earlier one (calls: {len(calls)}, threshold: {self.similarity_threshold:g})"
            )
        return GraderScore(
            name=self.name,
            score=score,
            reason=reason,
            metadata={"call_count": len(calls), "repeated_count": len(repeats), "repeats": repeats},
        )


class ObservationInformationGainGrader(BaseGrader):
    """Rewards tool results that bring new information rather than repeating earlier ones.

    Input: ``messages``, an OpenAI chat trajectory; its observations are the contents of
    the ``role: "tool"`` messages, in order. An observation is *novel* unless it is at least
    ``similarity_threshold`` similar to an earlier observation; an empty (or blank)
    observation is never novel. Score = novel observations / observations; 1.0 means every
    tool result told the agent something new. No observations scores 1.0.

    Example:
        ```python
        grader = ObservationInformationGainGrader(similarity_threshold=0.5)
        result = await grader.aevaluate(messages=trajectory)
        ```
    """

    def __init__(self, similarity_threshold: float = 0.5) -> None:
        super().__init__(
            name="observation_information_gain", description="share of tool results that repeat no earlier result"
        )
        self.similarity_threshold = _similarity_threshold(similarity_threshold)

    async def aevaluate(self, messages: Sequence[Mapping[str, Any]]) -> GraderScore:
        """Score ``messages``: novel observations / observations (1.0 = all new)."""
        trajectory = _trajectory(messages)
        observations = trajectory.observations
        if not observations:
            return GraderScore(
                name=self.name,
                score=1.0,
                reason="no tool results, so nothing redundant",
                metadata={"observation_count": 0, "novel_count": 0, "redundant": []},
            )
        positions = [index for index, message in enumerate(trajectory.messages) if message["role"] == "tool"]
        redundant: list[dict[str, Any]] = []
        for index, observation in enumerate(observations):
            if not observation.strip():
                redundant.append({"message": positions[index], "empty": True})
                continue
            match = _most_similar(observation, observations[:index])
            if match is not None and match[1] >= self.similarity_threshold:
                redundant.append(
                    {"message": positions[index], "like_message": positions[match[0]], "similarity": match[1]}
                )
        novel = len(observations) - len(redundant)
        if redundant:
            shown = "; ".join(
                f"messages[{r['message']}] is empty"
                if r.get("empty")
                else f"messages[{r['message']}] repeats messages[{r['like_message']}] (similarity {r['similarity']:g})"
                for r in redundant[:_REASON_ITEMS]
            )
            reason = (
                f"{novel} of {len(observations)} tool results bring new information "
                f"(similarity >= {self.similarity_threshold:g} is a repeat); {shown}"
            )
        else:
            reason = (
                f"every tool result brings new information "
                f"(results: {len(observations)}, threshold: {self.similarity_threshold:g})"
            )
        return GraderScore(
            name=self.name,
            score=novel / len(observations),
            reason=reason,
            metadata={"observation_count": len(observations), "novel_count": novel, "redundant": redundant},
        )


class ToolCallSequenceMatchGrader(BaseGrader):
    """How closely the agent's tool calls follow a reference sequence.

    Inputs: ``messages``, an OpenAI chat trajectory, and ``reference_tool_calls``, the
    expected calls in order: ``{"name", "arguments"}`` or the OpenAI ``{"function": {"name",
    "arguments"}}`` shape, arguments as a dict or JSON text. Calls are compared by name and,
    with ``compare_arguments``, by canonical arguments (JSON with sorted keys).

    With ``strict_order``, score = longest common subsequence / length of the longer
    sequence: 1.0 exactly when the sequences match, and each call missing, extra or out of
    order costs credit. Without it, order is ignored: score = calls matched one-to-one
    (as multisets) / length of the longer sequence, 1.0 exactly when both hold the same
    calls. Two empty sequences score 1.0; one empty sequence scores 0.0.

    Example:
        ```python
        grader = ToolCallSequenceMatchGrader(strict_order=True, compare_arguments=True)
        reference = [{"name": "search", "arguments": {"query": "tram"}}, {"name": "fetch", "arguments": {"id": 3}}]
        result = await grader.aevaluate(messages=trajectory, reference_tool_calls=reference)
        ```
    """

    def __init__(self, strict_order: bool = True, compare_arguments: bool = True) -> None:
        super().__init__(name="tool_call_sequence_match", description="agreement with a reference tool-call sequence")
        self.strict_order = _flag(strict_order, "strict_order")
        self.compare_arguments = _flag(compare_arguments, "compare_arguments")

    async def aevaluate(
        self, messages: Sequence[Mapping[str, Any]], reference_tool_calls: Sequence[Mapping[str, Any]]
    ) -> GraderScore:
        """Score ``messages`` against ``reference_tool_calls`` (1.0 = the same calls, in order if strict)."""
        actual = [_call_key(c, self.compare_arguments) for c in _trajectory(messages).tool_calls]
        expected = [_call_key(c, self.compare_arguments) for c in _reference_calls(reference_tool_calls)]
        longer = max(len(actual), len(expected))
        metadata: dict[str, Any] = {"expected": expected, "actual": actual}
        if self.strict_order:
            matched = _common_subsequence_length(actual, expected)
            difference = next(
                (i for i in range(longer) if i >= len(actual) or i >= len(expected) or actual[i] != expected[i]), None
            )
            metadata |= {"in_order": matched, "first_difference": difference}
            if difference is None:
                reason = f"the tool calls match the reference in order (calls: {len(actual)})"
            else:
                reason = (
                    f"{matched} calls in the reference order (longest common subsequence) of {longer}; "
                    f"first difference at call {difference}: expected {_at(expected, difference)}, "
                    f"got {_at(actual, difference)}"
                )
        else:
            common, missing, extra = _match_multisets(actual, expected)
            matched = len(common)
            metadata |= {"matched": common, "missing": missing, "extra": extra}
            if not missing and not extra:
                reason = f"the tool calls match the reference, order ignored (calls: {len(actual)})"
            else:
                reason = (
                    f"{matched} calls match the reference of {longer} (order ignored); {_missing_extra(missing, extra)}"
                )
        return GraderScore(name=self.name, score=matched / longer if longer else 1.0, reason=reason, metadata=metadata)


class ToolCallPrecisionRecallGrader(BaseGrader):
    """Precision, recall or F1 of the agent's tool calls against the expected calls, order ignored.

    Inputs: ``messages``, an OpenAI chat trajectory, and ``reference_tool_calls``, the
    expected calls (shapes as for ``ToolCallSequenceMatchGrader``). Calls are matched one to
    one as multisets, by name and, with ``compare_arguments``, by canonical arguments.
    Precision = matched / calls made, recall = matched / calls expected, F1 their harmonic
    mean; the score is ``metric``, and metadata carries all three with the matched, missing
    and extra calls. No calls expected and none made scores 1.0; calls made when none were
    expected, or none made when some were, scores 0.0 on every metric.

    Example:
        ```python
        grader = ToolCallPrecisionRecallGrader(metric="recall", compare_arguments=False)
        result = await grader.aevaluate(messages=trajectory, reference_tool_calls=[{"name": "search"}])
        ```
    """

    def __init__(self, metric: Literal["f1", "precision", "recall"] = "f1", compare_arguments: bool = True) -> None:
        super().__init__(name="tool_call_precision_recall", description="precision/recall/F1 of tool calls")
        if metric not in _METRICS:
            raise ConfigurationError(f"metric must be one of {', '.join(_METRICS)}, got {metric!r}")
        self.metric = metric
        self.compare_arguments = _flag(compare_arguments, "compare_arguments")

    async def aevaluate(
        self, messages: Sequence[Mapping[str, Any]], reference_tool_calls: Sequence[Mapping[str, Any]]
    ) -> GraderScore:
        """Score ``messages`` against ``reference_tool_calls``: the chosen metric (1.0 = the same calls)."""
        actual = [_call_key(c, self.compare_arguments) for c in _trajectory(messages).tool_calls]
        expected = [_call_key(c, self.compare_arguments) for c in _reference_calls(reference_tool_calls)]
        matched, missing, extra = _match_multisets(actual, expected)
        if not actual and not expected:
            precision = recall = f1 = 1.0
            reason = "no tool calls expected and none made"
        elif not actual or not expected:
            precision = recall = f1 = 0.0
            reason = "no tool calls made; some were expected" if expected else "tool calls made; none were expected"
        else:
            precision, recall = len(matched) / len(actual), len(matched) / len(expected)
            f1 = 2 * precision * recall / (precision + recall) if matched else 0.0
            reason = f"{len(matched)} of {len(actual)} calls made match the {len(expected)} expected"
        scores = {"precision": precision, "recall": recall, "f1": f1}
        if missing or extra:
            reason += f"; {_missing_extra(missing, extra)}"
        return GraderScore(
            name=self.name,
            score=scores[self.metric],
            reason=f"{self.metric} {scores[self.metric]:.3f}: {reason}",
            metadata={**scores, "matched": matched, "missing": missing, "extra": extra},
        )


class ToolCallSuccessGrader(BaseGrader):
    """Share of the agent's tool calls that succeeded.

    Input: ``messages``, an OpenAI chat trajectory. A call failed when it got no result;
    when its result is a JSON object with an ``"error"`` field that is set (not null, false
    or empty; a null ``"error"`` means success, whatever the text says); or, for any other
    result, when one of ``error_patterns`` (regular expressions, searched case-insensitively)
    matches it. Score = successful calls / calls; 1.0 means no call failed. No tool calls
    scores 1.0.

    Example:
        ```python
        grader = ToolCallSuccessGrader(error_patterns=(*DEFAULT_ERROR_PATTERNS, "permission denied"))
        result = await grader.aevaluate(messages=trajectory)
        ```
    """

    def __init__(self, error_patterns: tuple[str, ...] = DEFAULT_ERROR_PATTERNS) -> None:
        super().__init__(name="tool_call_success", description="share of tool calls that did not fail")
        self._error_regexes = _error_regexes(error_patterns)
        self.error_patterns = tuple(regex.pattern for regex in self._error_regexes)

    async def aevaluate(self, messages: Sequence[Mapping[str, Any]]) -> GraderScore:
        """Score ``messages``: successful calls / calls (1.0 = none failed)."""
        return _share_of_calls(
            self.name,
            _trajectory(messages).tool_calls,
            lambda call: self._failure(call.result),
            _SUCCESS_REPORT,
        )

    def _failure(self, result: str | None) -> str | None:
        """Why a call with this result failed, or None if it succeeded."""
        if result is None:
            return "no result"
        decoded = _json_object(result)
        if decoded is not None and "error" in decoded:
            error = decoded["error"]
            return f"error field {_short(json.dumps(error, ensure_ascii=False))}" if error else None
        for regex in self._error_regexes:
            found = regex.search(result)
            if found:
                return f"result matches {regex.pattern!r}: {_short(_around(result, found.start()))}"
        return None


class ToolParameterCheckGrader(BaseGrader):
    """Share of the agent's tool calls whose arguments fit the tool's JSON schema.

    ``tool_schemas`` defines the tools: a list of OpenAI tool definitions
    (``{"type": "function", "function": {"name", "parameters"}}``, or just the ``function``
    part), or a dict of tool name -> parameters schema. A function defined without
    ``parameters`` takes none. Every schema is checked when the grader is built.

    Input: ``messages``, an OpenAI chat trajectory. A call is valid when its tool is defined
    and its arguments validate (``jsonschema``, the schema's own draft or the latest); a call
    to an unknown tool is invalid. Score = valid calls / calls; 1.0 means every call was
    well formed. No tool calls scores 1.0. Needs the ``graders`` extra (``jsonschema``).

    Example:
        ```python
        grader = ToolParameterCheckGrader(tools)  # the tool definitions the agent was given
        result = await grader.aevaluate(messages=trajectory)
        ```
    """

    def __init__(self, tool_schemas: Mapping[str, Mapping[str, Any]] | Sequence[Mapping[str, Any]]) -> None:
        super().__init__(name="tool_parameter_check", description="share of tool calls with valid arguments")
        self.tool_schemas = _schemas_by_name(tool_schemas)
        self._validators = _validators(self.tool_schemas)

    def __getstate__(self) -> dict[str, Any]:
        """The grader without its compiled validators, which do not pickle (Ray ships graders to workers)."""
        return {key: value for key, value in vars(self).items() if key != "_validators"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._validators = _validators(self.tool_schemas)

    async def aevaluate(self, messages: Sequence[Mapping[str, Any]]) -> GraderScore:
        """Score ``messages``: calls with valid arguments / calls (1.0 = all valid)."""
        return _share_of_calls(
            self.name,
            _trajectory(messages).tool_calls,
            self._problem,
            _PARAMETER_REPORT,
        )

    def _problem(self, call: ToolCall) -> str | None:
        """What is wrong with the call's arguments, or None if they fit the schema."""
        validator = self._validators.get(call.name)
        if validator is None:
            return f"unknown tool (defined: {', '.join(sorted(self._validators))})"
        error = _load_jsonschema().exceptions.best_match(validator.iter_errors(call.arguments))
        if error is None:
            return None
        return error.message if error.json_path == "$" else f"{error.json_path}: {error.message}"


@dataclass(frozen=True)
class _CallReport:
    """How a grader that checks each tool call reports: its metadata keys and its reason's words."""

    count_key: str
    list_key: str
    why_key: str
    passed: str
    every: str
    none: str


_SUCCESS_REPORT = _CallReport(
    count_key="failed_count",
    list_key="failures",
    why_key="why",
    passed="tool calls succeeded",
    every="every tool call succeeded",
    none="no tool calls, so none failed",
)
_PARAMETER_REPORT = _CallReport(
    count_key="invalid_count",
    list_key="invalid",
    why_key="problem",
    passed="tool calls have valid arguments",
    every="every tool call has valid arguments",
    none="no tool calls to check",
)


def _share_of_calls(
    name: str, calls: Sequence[ToolCall], problem_of: Callable[[ToolCall], str | None], report: _CallReport
) -> GraderScore:
    """Share of ``calls`` without a problem (1.0 with no calls), the reason naming the first few with one."""
    if not calls:
        return GraderScore(
            name=name,
            score=1.0,
            reason=report.none,
            metadata={"call_count": 0, report.count_key: 0, report.list_key: []},
        )
    found: list[dict[str, Any]] = []
    for index, call in enumerate(calls):
        problem = problem_of(call)
        if problem is not None:
            found.append({"call": index, "name": call.name, "message": call.step, report.why_key: problem})
    passed = len(calls) - len(found)
    if found:
        shown = "; ".join(
            f"call {f['call']} {f['name']} at messages[{f['message']}]: {f[report.why_key]}"
            for f in found[:_REASON_ITEMS]
        )
        reason = f"{passed} of {len(calls)} {report.passed}; {shown}"
    else:
        reason = f"{report.every} (calls: {len(calls)})"
    return GraderScore(
        name=name,
        score=passed / len(calls),
        reason=reason,
        metadata={"call_count": len(calls), report.count_key: len(found), report.list_key: found},
    )


def _trajectory(messages: Any) -> Trajectory:
    """The parsed trajectory; an empty list of messages is malformed input, not an empty success."""
    if isinstance(messages, Sequence) and not isinstance(messages, (str, bytes)) and not messages:
        raise GraderInputError("messages: the list of messages is empty; a trajectory has at least one message")
    return Trajectory.parse(messages)


def _similarity_threshold(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ConfigurationError(f"similarity_threshold must be a number from 0 to 1, got {value!r}")
    return float(value)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False, got {value!r}")
    return value


def _most_similar(text: str, earlier: Sequence[str]) -> tuple[int, float] | None:
    """The index of the earlier text most like ``text`` and their similarity; None if there is none."""
    if not earlier:
        return None
    _, score, index = process.extractOne(text, earlier, scorer=fuzz.ratio)
    return index, round(score / 100, 6)


def _arguments_text(call: ToolCall) -> str:
    """A call's arguments as canonical JSON: sorted keys, so argument order does not matter."""
    return json.dumps(call.arguments, sort_keys=True, ensure_ascii=False)


def _call_key(call: ToolCall, compare_arguments: bool) -> str:
    """What two calls must share to match: the canonical signature, or just the tool name."""
    return call.signature if compare_arguments else call.name


def _reference_calls(value: Any, field_name: str = "reference_tool_calls") -> list[ToolCall]:
    """The expected calls, from ``{"name", "arguments"}`` or OpenAI ``{"function": {...}}`` items."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise GraderInputError(f"{field_name}: expected a list of tool calls, got {type(value).__name__}")
    calls = []
    for index, item in enumerate(value):
        where = f"{field_name}[{index}]"
        definition = item.get("function", item) if isinstance(item, Mapping) else None
        if not isinstance(definition, Mapping) or not isinstance(definition.get("name"), str) or not definition["name"]:
            raise GraderInputError(f"{where}: expected a tool call with a 'name' (or a 'function' with one)")
        arguments = call_arguments(definition.get("arguments", {}), definition["name"], where)
        calls.append(ToolCall(definition["name"], arguments))
    return calls


def _common_subsequence_length(first: Sequence[str], second: Sequence[str]) -> int:
    """Length of the longest common subsequence: the shared prefix and suffix, then dynamic programming
    on what lies between, one row at a time (sequences that match cost no table at all)."""
    shared = min(len(first), len(second))
    prefix = next((i for i in range(shared) if first[i] != second[i]), shared)
    suffix = next((i for i in range(shared - prefix) if first[-1 - i] != second[-1 - i]), shared - prefix)
    rest_of_second = second[prefix : len(second) - suffix]
    previous = [0] * (len(rest_of_second) + 1)
    for item in first[prefix : len(first) - suffix]:
        current = [0]
        for j, other in enumerate(rest_of_second):
            current.append(previous[j] + 1 if item == other else max(previous[j + 1], current[j]))
        previous = current
    return prefix + suffix + previous[-1]


def _match_multisets(actual: Sequence[str], expected: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """Match calls one to one, order ignored: (matched, missing from actual, extra in actual), in order."""
    available = Counter(actual)
    matched, missing = [], []
    for key in expected:
        if available[key]:
            available[key] -= 1
            matched.append(key)
        else:
            missing.append(key)
    unclaimed = Counter(matched)
    extra = []
    for key in actual:
        if unclaimed[key]:
            unclaimed[key] -= 1
        else:
            extra.append(key)
    return matched, missing, extra


def _missing_extra(missing: Sequence[str], extra: Sequence[str]) -> str:
    parts = []
    if missing:
        parts.append(f"missing {', '.join(_short(k) for k in missing[:_REASON_ITEMS])}")
    if extra:
        parts.append(f"extra {', '.join(_short(k) for k in extra[:_REASON_ITEMS])}")
    return "; ".join(parts)


def _at(keys: Sequence[str], index: int) -> str:
    return _short(keys[index]) if index < len(keys) else "nothing"


def _short(text: str, limit: int = 120) -> str:
    return excerpt(text, limit)


def _around(text: str, start: int, width: int = 60) -> str:
    """The part of ``text`` near ``start``, on one line."""
    return " ".join(text[max(0, start - 20) : start + width].split())


def _error_regexes(patterns: Any) -> list[re.Pattern[str]]:
    """``patterns`` compiled case-insensitively; anything but a collection of regular expressions is refused."""
    if isinstance(patterns, (str, bytes)) or not isinstance(patterns, Iterable):
        raise ConfigurationError(f"error_patterns must be a tuple of regular expressions, got {patterns!r}")
    regexes = []
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            raise ConfigurationError(f"error_patterns: each pattern must be a non-empty string, got {pattern!r}")
        try:
            regexes.append(re.compile(pattern, re.IGNORECASE))
        except re.error as exc:
            raise ConfigurationError(f"error_patterns: {pattern!r} is not a regular expression ({exc})") from None
    return regexes


def _json_object(text: str) -> dict[str, Any] | None:
    """``text`` decoded, if it is a JSON object."""
    if not text.lstrip().startswith("{"):
        return None
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError:
        return None
    return decoded if isinstance(decoded, dict) else None


def _load_jsonschema() -> ModuleType:
    try:
        return importlib.import_module("jsonschema")
    except ImportError as exc:
        raise MissingDependencyError("jsonschema", "graders", "ToolParameterCheckGrader") from exc


def _schemas_by_name(tool_schemas: Any) -> dict[str, dict[str, Any]]:
    """``{tool name: parameters schema}`` from OpenAI tool definitions or such a dict already."""
    schemas: dict[str, dict[str, Any]] = {}
    if isinstance(tool_schemas, Mapping):
        for name, schema in tool_schemas.items():
            if not isinstance(name, str) or not name:
                raise ConfigurationError(f"tool_schemas: tool names must be non-empty strings, got {name!r}")
            if not isinstance(schema, Mapping):
                raise ConfigurationError(f"tool_schemas: the schema of {name!r} must be a dict, got {schema!r}")
            schemas[name] = dict(schema)
    elif isinstance(tool_schemas, Sequence) and not isinstance(tool_schemas, (str, bytes)):
        for index, tool in enumerate(tool_schemas):
            definition = tool.get("function", tool) if isinstance(tool, Mapping) else None
            name = definition.get("name") if isinstance(definition, Mapping) else None
            if not isinstance(definition, Mapping) or not isinstance(name, str) or not name:
                raise ConfigurationError(f"tool_schemas[{index}]: expected a tool definition with a 'name'")
            if name in schemas:
                raise ConfigurationError(f"tool_schemas[{index}]: tool {name!r} is defined twice")
            parameters = definition.get("parameters", _NO_PARAMETERS)
            if not isinstance(parameters, Mapping):
                raise ConfigurationError(f"tool_schemas[{index}]: the parameters of {name!r} must be a dict")
            schemas[name] = dict(parameters)
    else:
        raise ConfigurationError(
            f"tool_schemas must be a list of tool definitions or a dict of name -> schema, got {tool_schemas!r}"
        )
    if not schemas:
        raise ConfigurationError("tool_schemas defines no tool; every call would be invalid")
    return schemas


def _validators(schemas: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """A jsonschema validator per tool; a schema that is not valid JSON Schema is a ConfigurationError."""
    jsonschema = _load_jsonschema()
    validators = {}
    for name, schema in schemas.items():
        validator_class = jsonschema.validators.validator_for(schema)
        try:
            validator_class.check_schema(schema)
        except jsonschema.exceptions.SchemaError as exc:
            raise ConfigurationError(
                f"tool_schemas: the schema of {name!r} is not valid JSON Schema: {exc.message}"
            ) from None
        validators[name] = validator_class(schema)
    return validators
