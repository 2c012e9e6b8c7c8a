"""Rule-based format and text graders, for RL rewards: reasoning tags, tool-call blocks, length,
repetition and JSON.

Each reads one response (and, for ``JsonMatchGrader``, a reference) and scores it in [0, 1],
higher is better; a penalty is expressed as 1.0 for no penalty. None calls a model: they
cost microseconds to a fraction of a millisecond per response, so a trainer can score every
rollout. Each takes a keyword-only ``name``, the name of its scores (by default its kind).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from axionlike._exceptions import ConfigurationError, GraderInputError
from axionlike._redact import excerpt
from axionlike.graders._base import BaseGrader, GraderScore

_TAG_NAME = re.compile(r"[A-Za-z_][\w.-]*")
_TOOL_CALL = "tool_call"

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
"""A word: a run of letters and digits, or a single Chinese or Japanese character (scripts
written without spaces), so Chinese text is counted and compared character by character."""

_FENCE = re.compile(r"\A\s*```(?:json)?(?![A-Za-z])(.*?)```\s*\Z", re.DOTALL | re.IGNORECASE)
"""A response that is one Markdown code fence, ```json or bare (a fence in another language is not JSON)."""
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SHOWN = 5
"""How many differing paths a reason lists (metadata lists them all)."""


# -- shared helpers ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Flaw:
    """What is wrong with a response's format: a stable code (for metadata) and a sentence (for the reason)."""

    code: str
    message: str


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise GraderInputError(f"{field}: expected text (a str), got {type(value).__name__}")
    return value


def _excerpt(text: str, limit: int = 40) -> str:
    return repr(excerpt(text.strip(), limit))


def _tag(parameter: str, tag: Any) -> str:
    if not isinstance(tag, str) or not _TAG_NAME.fullmatch(tag):
        raise ConfigurationError(f"{parameter} must be a tag name such as 'think' (no brackets), got {tag!r}")
    return tag


def _answer_tag(think_tag: str, answer_tag: Any) -> str | None:
    if answer_tag is None:
        return None
    tag = _tag("answer_tag", answer_tag)
    if tag == think_tag:
        raise ConfigurationError(f"answer_tag must differ from think_tag, both are {think_tag!r}")
    return tag


def _whole_number(parameter: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{parameter} must be an integer >= {minimum}, got {value!r}")
    return value


def _words(text: str) -> list[str]:
    """The words of ``text`` (see ``_TOKEN``): each Chinese or Japanese character is a word of its own."""
    return _TOKEN.findall(text)


def _one_block(text: str, tag: str) -> tuple[str, str, str] | _Flaw:
    """``text`` split around its only ``<tag>...</tag>`` block: (before, inside, after)."""
    opening, closing = f"<{tag}>", f"</{tag}>"
    start, end = text.find(opening), text.find(closing)
    if start == -1:
        return _Flaw("missing_opening_tag", f"no opening {opening} tag")
    if end == -1:
        return _Flaw("missing_closing_tag", f"{opening} is never closed by {closing}")
    if end < start:
        return _Flaw("misplaced_closing_tag", f"{closing} comes before {opening}")
    second = text.find(opening, start + len(opening))
    if second != -1 and second < end:
        return _Flaw("nested_tags", f"a second {opening} opens inside the first {opening} block")
    if second != -1 or text.count(closing) > 1:
        counts = f"{text.count(opening)} {opening} and {text.count(closing)} {closing} tags"
        return _Flaw("duplicate_tags", f"{counts}; expected a single block")
    return text[:start], text[start + len(opening) : end], text[end + len(closing) :]


def _reasoning(response: str, think_tag: str) -> tuple[str, str] | _Flaw:
    """The thinking and the rest of a response that opens with its one non-empty ``<think>`` block."""
    split = _one_block(response, think_tag)
    if isinstance(split, _Flaw):
        return split
    before, thinking, after = split
    if before.strip():
        return _Flaw("text_before_thinking", f"text before <{think_tag}>: {_excerpt(before)}")
    if not thinking.strip():
        return _Flaw("empty_thinking", f"the <{think_tag}> block is empty")
    return thinking, after


def _answer(rest: str, think_tag: str, answer_tag: str | None) -> str | _Flaw:
    """The answer after the thinking: the text itself, or the inside of its one ``<answer>`` block."""
    if answer_tag is None:
        return rest.strip() or _Flaw("missing_answer", f"no answer after </{think_tag}>")
    split = _one_block(rest, answer_tag)
    if isinstance(split, _Flaw):
        return _Flaw(split.code, f"{split.message} after </{think_tag}>")
    before, inside, after = split
    if before.strip():
        return _Flaw("text_outside_answer", f"text between </{think_tag}> and <{answer_tag}>: {_excerpt(before)}")
    if after.strip():
        return _Flaw("text_outside_answer", f"text after </{answer_tag}>: {_excerpt(after)}")
    return inside.strip() or _Flaw("empty_answer", f"the <{answer_tag}> block is empty")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not standard JSON")


def _parse_json(text: str) -> tuple[Any, str | None]:
    """``text`` parsed as standard JSON (NaN and Infinity are not), or None and why it is not JSON."""
    if not text.strip():
        return None, "empty text"
    try:
        return json.loads(text, parse_constant=_reject_constant), None
    except json.JSONDecodeError as exc:
        return None, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    except ValueError as exc:
        return None, str(exc)
    except RecursionError:
        return None, "nested too deeply to parse"


def _unfence(text: str) -> tuple[str, bool]:
    """The inside of a response that is one Markdown code fence (```json or bare ```), and whether it was."""
    fence = _FENCE.fullmatch(text)
    return (fence.group(1), True) if fence else (text, False)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    return type(value).__name__


def _shown(value: Any) -> str:
    """A JSON value as it would be written, cut to 60 characters."""
    return excerpt(json.dumps(value, ensure_ascii=False, default=str), 60)


# -- reasoning and tool-call format --------------------------------------------------------


class ReasoningFormatGrader(BaseGrader):
    """Whether a response is ``<think>...</think>`` followed by its answer: 1.0 if so, else 0.0.

    Input: ``response``. The response (leading and trailing whitespace aside) must open with
    exactly one non-empty ``<think>`` block, and a non-empty answer must follow it: any text,
    or, when ``answer_tag`` is set, exactly one non-empty ``<answer>...</answer>`` block with
    nothing else around it. Tags are matched literally and case-sensitively. Higher is better.

    The reason says what is wrong (a missing opening or closing tag, nested or duplicate
    tags, text before the thinking, empty thinking, no answer after it); ``metadata['error']``
    gives it as a stable code (None when the format is right), with the lengths of the parts.

    Example:
        ```python
        await ReasoningFormatGrader().aevaluate(response="<think>2+2 is 4</think>4")  # score 1.0
        await ReasoningFormatGrader(answer_tag="answer").aevaluate(response="<think>x</think>4")  # 0.0
        ```
    """

    def __init__(self, think_tag: str = "think", answer_tag: str | None = None, *, name: str = "reasoning_format"):
        super().__init__(name=name, description="the response is <think>...</think> followed by an answer")
        self.think_tag = _tag("think_tag", think_tag)
        self.answer_tag = _answer_tag(self.think_tag, answer_tag)

    async def aevaluate(self, response: str) -> GraderScore:
        """1.0 when ``response`` has the reasoning format, else 0.0 with what is wrong."""
        metadata, rest = _after_thinking(response, self.think_tag, self.answer_tag)
        if isinstance(rest, _Flaw):
            return _flawed(self.name, rest, metadata)
        answer = _answer(rest, self.think_tag, self.answer_tag)
        if isinstance(answer, _Flaw):
            return _flawed(self.name, answer, metadata)
        metadata.update(answer_chars=len(answer), error=None)
        return GraderScore(
            name=self.name,
            score=1.0,
            reason=f"<{self.think_tag}> block ({metadata['thinking_chars']} characters) then an answer ({len(answer)} characters)",
            metadata=metadata,
        )


class ReasoningToolCallFormatGrader(BaseGrader):
    """Whether a response is ``<think>...</think>`` followed by an answer or by tool calls: 1.0 or 0.0.

    Input: ``response``. It must open with exactly one non-empty ``<think>`` block (as in
    ``ReasoningFormatGrader``), followed by either an answer (any non-empty text, or one
    ``<answer>`` block when ``answer_tag`` is set) or one or more
    ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks separated only by
    whitespace, never both. Each tool call must be a JSON object with a non-empty string
    ``name`` and an object ``arguments``. Higher is better.

    The reason says what is wrong, naming the tool call by its position; ``metadata`` has the
    error code (None when right), whether the response answered or called tools, and the
    names of the tools called.

    Example:
        ```python
        grader = ReasoningToolCallFormatGrader()
        call = '<tool_call>{"name": "search", "arguments": {"q": "Paris"}}</tool_call>'
        await grader.aevaluate(response="<think>I should search.</think>" + call)  # score 1.0
        ```
    """

    def __init__(
        self, think_tag: str = "think", answer_tag: str | None = None, *, name: str = "reasoning_tool_call_format"
    ):
        super().__init__(name=name, description="<think>...</think> followed by an answer or <tool_call> blocks")
        self.think_tag = _tag("think_tag", think_tag)
        self.answer_tag = _answer_tag(self.think_tag, answer_tag)
        if _TOOL_CALL in (self.think_tag, self.answer_tag):
            raise ConfigurationError(f"think_tag and answer_tag must differ from {_TOOL_CALL!r}")

    async def aevaluate(self, response: str) -> GraderScore:
        """1.0 when ``response`` has the reasoning format with an answer or valid tool calls, else 0.0."""
        metadata, rest = _after_thinking(response, self.think_tag, self.answer_tag)
        if isinstance(rest, _Flaw):
            return _flawed(self.name, rest, metadata)
        if f"<{_TOOL_CALL}>" in rest or f"</{_TOOL_CALL}>" in rest:
            metadata["kind"] = "tool_calls"
            calls = _tool_calls(rest)
            if isinstance(calls, _Flaw):
                return _flawed(self.name, calls, metadata)
            names = [call["name"] for call in calls]
            metadata.update(tool_calls=names, error=None)
            reason = f"<{self.think_tag}> block then {len(calls)} valid tool call(s): {', '.join(names)}"
            return GraderScore(name=self.name, score=1.0, reason=reason, metadata=metadata)
        metadata["kind"] = "answer"
        answer = _answer(rest, self.think_tag, self.answer_tag)
        if isinstance(answer, _Flaw):
            return _flawed(self.name, answer, metadata)
        metadata.update(answer_chars=len(answer), error=None)
        reason = f"<{self.think_tag}> block then an answer ({len(answer)} characters)"
        return GraderScore(name=self.name, score=1.0, reason=reason, metadata=metadata)


def _tool_calls(rest: str) -> list[dict[str, Any]] | _Flaw:
    """The decoded ``<tool_call>`` blocks that make up ``rest`` (whitespace between them only)."""
    opening, closing = f"<{_TOOL_CALL}>", f"</{_TOOL_CALL}>"
    calls: list[dict[str, Any]] = []
    position = 0
    while rest[position:].strip():
        start = rest.find(opening, position)
        gap = rest[position : len(rest) if start == -1 else start]
        if gap.strip():
            if closing in gap:
                return _Flaw("missing_opening_tag", f"{closing} without a matching {opening}")
            where = "before the tool calls" if not calls else f"after tool call {len(calls)}"
            return _Flaw("text_outside_tool_calls", f"text {where}: {_excerpt(gap)} (answer or call tools, not both)")
        end = rest.find(closing, start)
        if end == -1:
            return _Flaw("missing_closing_tag", f"tool call {len(calls) + 1}: {opening} is never closed by {closing}")
        inside = rest[start + len(opening) : end]
        if opening in inside:
            return _Flaw("nested_tags", f"tool call {len(calls) + 1}: a second {opening} opens inside it")
        call = _tool_call(inside, len(calls) + 1)
        if isinstance(call, _Flaw):
            return call
        calls.append(call)
        position = end + len(closing)
    return calls


def _tool_call(text: str, number: int) -> dict[str, Any] | _Flaw:
    value, error = _parse_json(text)
    if error is not None:
        return _Flaw("invalid_tool_call_json", f"tool call {number} is not valid JSON: {error}")
    if not isinstance(value, dict):
        return _Flaw("invalid_tool_call", f"tool call {number} is a JSON {_json_type(value)}, not an object")
    name = value.get("name")
    if not isinstance(name, str) or not name.strip():
        return _Flaw("invalid_tool_call", f"tool call {number} has no 'name' string")
    if "arguments" not in value:
        return _Flaw("invalid_tool_call", f"tool call {number} ({name}) has no 'arguments'")
    if not isinstance(value["arguments"], dict):
        kind = _json_type(value["arguments"])
        return _Flaw("invalid_tool_call", f"tool call {number} ({name}): 'arguments' is a {kind}, not an object")
    return value


def _after_thinking(response: Any, think_tag: str, answer_tag: str | None) -> tuple[dict[str, Any], str | _Flaw]:
    """The metadata so far, and what follows the response's thinking block (or what is wrong with it)."""
    response = _text(response, "response")
    metadata: dict[str, Any] = {"think_tag": think_tag, "answer_tag": answer_tag}
    reasoning = _reasoning(response, think_tag)
    if isinstance(reasoning, _Flaw):
        return metadata, reasoning
    thinking, rest = reasoning
    metadata["thinking_chars"] = len(thinking.strip())
    return metadata, rest


def _flawed(name: str, flaw: _Flaw, metadata: dict[str, Any]) -> GraderScore:
    return GraderScore(
        name=name, score=0.0, reason=f"wrong format: {flaw.message}", metadata={**metadata, "error": flaw.code}
    )


# -- length and repetition ---------------------------------------------------------------------


class LengthPenaltyGrader(BaseGrader):
    """How well a response keeps to a length range: 1.0 inside it, falling linearly outside.

    Input: ``response``. Its length is counted in ``unit``: ``"characters"``, or
    ``"words"`` (runs of letters and digits; each Chinese or Japanese character counts as a
    word). With ``length`` L, higher is better:

    - ``min_length <= L <= max_length``: 1.0;
    - ``L < min_length``: ``L / min_length`` (0.0 for an empty response);
    - ``L > max_length``: ``max(0, 1 - (L - max_length) / max_length)``, so 0.0 from twice
      ``max_length`` on.

    Example:
        ```python
        grader = LengthPenaltyGrader(min_length=10, max_length=100)
        await grader.aevaluate(response="x" * 150)  # score 0.5
        ```
    """

    def __init__(
        self,
        *,
        max_length: int,
        min_length: int = 0,
        unit: Literal["characters", "words"] = "characters",
        name: str = "length_penalty",
    ):
        super().__init__(name=name, description=f"the response's length in {unit}, penalised outside a range")
        self.max_length = _whole_number("max_length", max_length, 1)
        self.min_length = _whole_number("min_length", min_length, 0)
        if self.min_length > self.max_length:
            raise ConfigurationError(f"min_length ({min_length}) must not exceed max_length ({max_length})")
        if unit not in ("characters", "words"):
            raise ConfigurationError(f"unit must be 'characters' or 'words', got {unit!r}")
        self.unit = unit

    async def aevaluate(self, response: str) -> GraderScore:
        """1.0 when the length is in range, less the further outside it (see the class)."""
        response = _text(response, "response")
        length = len(_words(response)) if self.unit == "words" else len(response)
        bounds = f"{self.min_length}..{self.max_length} {self.unit}"
        if length < self.min_length:
            score, verdict = length / self.min_length, f"too short: {length} {self.unit}, below {bounds}"
        elif length > self.max_length:
            score = max(0.0, 1.0 - (length - self.max_length) / self.max_length)
            verdict = f"too long: {length} {self.unit}, above {bounds}"
        else:
            score, verdict = 1.0, f"{length} {self.unit}, within {bounds}"
        metadata = {"length": length, "unit": self.unit, "min_length": self.min_length, "max_length": self.max_length}
        return GraderScore(name=self.name, score=score, reason=verdict, metadata=metadata)


class NgramRepetitionPenaltyGrader(BaseGrader):
    """How little a response repeats itself, by word n-grams: 1.0 for no repetition, lower for more.

    Input: ``response``. The text is case-folded and split into words: runs of letters and
    digits, and each Chinese or Japanese character on its own (so Chinese, written without
    spaces, gets character n-grams, and mixed text works too). With ``total`` n-grams of
    which ``unique`` are distinct, ``ratio = (total - unique) / total`` is the share of
    n-grams that repeat an earlier one. Higher is better:

    - ``ratio <= max_repetition_ratio`` (the repetition tolerated): 1.0;
    - above it: ``1 - (ratio - max_repetition_ratio) / (1 - max_repetition_ratio)``, which
      with the default tolerance of 0 is ``1 - ratio``.

    A response with fewer than ``n`` words has nothing to repeat and scores 1.0. ``metadata``
    has the counts and the most repeated n-grams.

    Example:
        ```python
        await NgramRepetitionPenaltyGrader(n=2).aevaluate(response="a b a b a b")  # 2 of 5 distinct: 0.4
        ```
    """

    def __init__(self, n: int = 3, max_repetition_ratio: float = 0.0, *, name: str = "ngram_repetition_penalty"):
        super().__init__(name=name, description=f"share of repeated word {n}-grams, as a penalty")
        self.n = _whole_number("n", n, 1)
        if isinstance(max_repetition_ratio, bool) or not isinstance(max_repetition_ratio, (int, float)):
            raise ConfigurationError(f"max_repetition_ratio must be a number, got {max_repetition_ratio!r}")
        if not 0.0 <= max_repetition_ratio < 1.0:
            raise ConfigurationError(f"max_repetition_ratio must be in [0, 1), got {max_repetition_ratio}")
        self.max_repetition_ratio = float(max_repetition_ratio)

    async def aevaluate(self, response: str) -> GraderScore:
        """1.0 when no n-gram repeats (or within the tolerance), lower the more of them repeat."""
        words = _words(_text(response, "response").casefold())
        metadata: dict[str, Any] = {"n": self.n, "words": len(words)}
        if len(words) < self.n:
            reason = f"{len(words)} word(s), fewer than n={self.n}: nothing can repeat"
            return GraderScore(name=self.name, score=1.0, reason=reason, metadata=metadata)
        counts = Counter(zip(*(words[i:] for i in range(self.n)), strict=False))  # the shorter tails end it
        total = len(words) - self.n + 1
        repeated = total - len(counts)
        ratio = repeated / total
        tolerance = self.max_repetition_ratio
        score = 1.0 if ratio <= tolerance else 1.0 - (ratio - tolerance) / (1.0 - tolerance)
        top = [{"ngram": " ".join(gram), "count": count} for gram, count in counts.most_common(_SHOWN) if count > 1]
        metadata.update(total_ngrams=total, repeated_ngrams=repeated, repetition_ratio=ratio, most_repeated=top)
        reason = f"{repeated} of {total} {self.n}-grams repeat an earlier one (ratio {ratio:.3f}"
        reason += f", tolerated up to {tolerance:g})" if tolerance else ")"
        if top:
            reason += f"; most repeated: {top[0]['ngram']!r} x{top[0]['count']}"
        return GraderScore(name=self.name, score=score, reason=reason, metadata=metadata)


# -- JSON ----------------------------------------------------------------------------------


class JsonValidityGrader(BaseGrader):
    """Whether a response is JSON: 1.0 if it parses, else 0.0 with the parse error.

    Input: ``response``: the JSON text, alone or as the only content of a Markdown code fence
    (```json or a bare ```). Standard JSON only: ``NaN`` and ``Infinity`` are rejected. Higher
    is better. ``metadata`` says whether the JSON was fenced and its top-level type.

    Example:
        ```python
        await JsonValidityGrader().aevaluate(response='```json\\n{"a": 1}\\n```')  # score 1.0
        ```
    """

    def __init__(self, *, name: str = "json_validity"):
        super().__init__(name=name, description="the response parses as JSON")

    async def aevaluate(self, response: str) -> GraderScore:
        """1.0 when ``response`` (or its fenced content) is JSON, else 0.0 with the parse error."""
        text, fenced = _unfence(_text(response, "response"))
        value, error = _parse_json(text)
        metadata: dict[str, Any] = {"fenced": fenced}
        if error is not None:
            return GraderScore(
                name=self.name, score=0.0, reason=f"not JSON: {error}", metadata={**metadata, "error": error}
            )
        kind = _json_type(value)
        reason = f"valid JSON ({kind}{', in a code fence' if fenced else ''})"
        return GraderScore(name=self.name, score=1.0, reason=reason, metadata={**metadata, "type": kind})


class JsonMatchGrader(BaseGrader):
    """How much of a reference JSON value a response reproduces: the share of leaf paths that match.

    Inputs: ``response``, JSON text (alone or in a code fence, as in ``JsonValidityGrader``),
    and ``reference``, JSON text or an already-parsed value (dicts, lists, strings, numbers,
    booleans, None); a ``str`` reference is always read as JSON text.

    Both values are flattened to their leaves, each under a path such as ``$.user.tags[0]``
    (an empty object or array is a leaf itself; arrays compare by position). With ``union``
    the paths found on either side and ``matched`` those present on both with equal values,
    the score is ``matched / union``: 1.0 exactly when the values are deeply equal. Object
    keys named in ``ignore_keys`` are dropped at every depth on both sides. With
    ``strict_types`` values match only when their JSON types agree (``1`` and ``1.0`` are
    one number; ``"1"``, ``1`` and ``true`` all differ); without it, a string matches the
    number, boolean or null it spells (``"2"`` matches ``2.0``, ``"True"`` matches ``true``).
    Higher is better. A response that is not JSON scores 0.0; a reference that is not JSON is
    a ``GraderInputError``. The reason and ``metadata`` name the differing, missing and extra paths.

    Example:
        ```python
        grader = JsonMatchGrader(ignore_keys=("id",))
        await grader.aevaluate(response='{"id": 7, "a": 1, "b": 3}', reference={"a": 1, "b": 2})  # 0.5
        ```
    """

    def __init__(self, strict_types: bool = True, ignore_keys: tuple[str, ...] = (), *, name: str = "json_match"):
        super().__init__(name=name, description="share of the reference JSON's leaf paths the response matches")
        if not isinstance(strict_types, bool):
            raise ConfigurationError(f"strict_types must be True or False, got {strict_types!r}")
        if not isinstance(ignore_keys, (tuple, list, set, frozenset)) or not all(
            isinstance(k, str) for k in ignore_keys
        ):
            raise ConfigurationError(f"ignore_keys must be a tuple of key names, got {ignore_keys!r}")
        self.strict_types = strict_types
        self.ignore_keys = tuple(sorted(set(ignore_keys)))

    async def aevaluate(self, response: str, reference: Any) -> GraderScore:
        """The share of leaf paths on which ``response`` and ``reference`` agree (see the class)."""
        text, fenced = _unfence(_text(response, "response"))
        actual, error = _parse_json(text)
        if error is not None:
            reason = f"response is not JSON: {error}"
            return GraderScore(name=self.name, score=0.0, reason=reason, metadata={"fenced": fenced, "error": error})
        expected = reference
        if isinstance(reference, str):
            expected, error = _parse_json(_unfence(reference)[0])
            if error is not None:
                raise GraderInputError(f"reference: not JSON ({error}): {_excerpt(reference)}")
        ignored = frozenset(self.ignore_keys)
        want, got = _leaves(expected, ignored), _leaves(actual, ignored)
        missing = [path for path in want if path not in got]
        extra = [path for path in got if path not in want]
        different = [path for path in want if path in got and not _same(want[path], got[path], self.strict_types)]
        total = len(want) + len(extra)
        matched = total - len(missing) - len(extra) - len(different)
        metadata = {
            "fenced": fenced,
            "matched_paths": matched,
            "total_paths": total,
            "different": different,
            "missing": missing,
            "extra": extra,
        }
        if matched == total:
            reason = f"deeply equal ({total} leaf path(s))"
        else:
            parts = [f"{matched} of {total} leaf paths match"]
            if different:
                shown = [f"{p} (expected {_shown(want[p])}, got {_shown(got[p])})" for p in different[:_SHOWN]]
                parts.append("different: " + _listed(shown, len(different)))
            if missing:
                parts.append("missing: " + _listed(missing[:_SHOWN], len(missing)))
            if extra:
                parts.append("extra: " + _listed(extra[:_SHOWN], len(extra)))
            reason = "; ".join(parts)
        return GraderScore(name=self.name, score=matched / total, reason=reason, metadata=metadata)


def _listed(shown: list[str], count: int) -> str:
    more = f" and {count - len(shown)} more" if count > len(shown) else ""
    return ", ".join(shown) + more


def _leaves(value: Any, ignored: frozenset[str]) -> dict[str, Any]:
    """Every leaf of a JSON value by its path (``$.a[0]``); empty objects and arrays are leaves."""
    leaves: dict[str, Any] = {}
    stack: list[tuple[str, Any]] = [("$", value)]
    while stack:
        path, node = stack.pop()
        if node is None or isinstance(node, (str, int, float)):  # most nodes; checked first, it is cheap
            leaves[path] = node
        elif isinstance(node, Mapping):
            children = [(_key_path(path, str(k)), v) for k, v in node.items() if str(k) not in ignored]
            if not children:
                leaves[path] = {}
            stack.extend(reversed(children))
        elif isinstance(node, (list, tuple)):
            if not node:
                leaves[path] = []
            stack.extend((f"{path}[{i}]", node[i]) for i in range(len(node) - 1, -1, -1))
        else:
            leaves[path] = node
    return leaves


def _key_path(path: str, key: str) -> str:
    return f"{path}.{key}" if _IDENTIFIER.fullmatch(key) else f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _loose(value: Any) -> Any:
    """A scalar as the value it spells: ``"2"`` and ``2`` both become ``2.0``, ``"true"`` becomes True."""
    if isinstance(value, str):
        text = value.strip()
        lowered = text.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if lowered == "null":
            return None
        try:
            return float(text)
        except ValueError:
            return text
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _same(expected: Any, actual: Any, strict_types: bool) -> bool:
    if not strict_types:
        expected, actual = _loose(expected), _loose(actual)
    return _json_type(expected) == _json_type(actual) and bool(expected == actual)
