"""Agent trajectories as trainers produce them: OpenAI chat messages with tool calls and results.

An assistant message may carry ``tool_calls`` (``{"id", "type": "function", "function":
{"name", "arguments": "<JSON text>"}}``); each ``role: "tool"`` message answers one of them
by ``tool_call_id``. ``Trajectory.parse`` checks that shape once and gives the graders
calls with decoded arguments, each paired with its result; anything malformed is a
``GraderInputError`` naming the message, never a crash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from axionlike._exceptions import GraderInputError

_ROLES = ("system", "user", "assistant", "tool")


@dataclass(frozen=True)
class ToolCall:
    """One tool call: its name, its decoded arguments, and the result it got (if any)."""

    name: str
    arguments: dict[str, Any]
    id: str | None = None
    step: int = 0
    """Index of the assistant message that made the call."""
    result: str | None = None
    """Content of the tool message that answered it; None if none did."""

    @property
    def signature(self) -> str:
        """The call as canonical text: name and arguments with sorted keys (argument order does not matter)."""
        return f"{self.name}({json.dumps(self.arguments, sort_keys=True, ensure_ascii=False)})"


@dataclass(frozen=True)
class Trajectory:
    """A parsed conversation: its messages, the tool calls in order, and the final answer."""

    messages: tuple[dict[str, Any], ...]
    tool_calls: tuple[ToolCall, ...] = ()
    final_answer: str | None = None
    """Content of the last assistant message without tool calls."""
    observations: tuple[str, ...] = field(default=())
    """Contents of the tool messages, in order."""

    @classmethod
    def parse(cls, messages: Any, *, field_name: str = "messages") -> Trajectory:
        """Check and parse OpenAI chat messages; raise GraderInputError on anything malformed."""
        if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence):
            raise GraderInputError(f"{field_name}: expected a list of chat messages, got {type(messages).__name__}")
        calls: list[ToolCall] = []
        by_id: dict[str, int] = {}
        observations: list[str] = []
        final_answer: str | None = None
        for index, message in enumerate(messages):
            where = f"{field_name}[{index}]"
            if not isinstance(message, Mapping):
                raise GraderInputError(f"{where}: expected a message (a dict), got {type(message).__name__}")
            role = message.get("role")
            if role not in _ROLES:
                raise GraderInputError(f"{where}: role {role!r} is not one of {', '.join(_ROLES)}")
            if role == "assistant":
                raw_calls = message.get("tool_calls") or []
                for position, raw in enumerate(raw_calls):
                    call = _tool_call(raw, f"{where}.tool_calls[{position}]", index)
                    if call.id is not None:
                        by_id[call.id] = len(calls)
                    calls.append(call)
                if not raw_calls:
                    final_answer = _text(message.get("content"))
            elif role == "tool":
                content = _text(message.get("content")) or ""
                observations.append(content)
                call_id = message.get("tool_call_id")
                answers = by_id.get(call_id) if call_id is not None else _last_unanswered(calls)
                if answers is None or calls[answers].result is not None:
                    raise GraderInputError(
                        f"{where}: a tool result for call {call_id!r}, which no earlier assistant message made"
                    )
                answered = calls[answers]
                calls[answers] = ToolCall(answered.name, answered.arguments, answered.id, answered.step, content)
        return cls(tuple(dict(m) for m in messages), tuple(calls), final_answer, tuple(observations))

    def render(self, max_chars: int = 2000) -> str:
        """The conversation as numbered plain text, for a judge's prompt (long contents are cut)."""
        lines = []
        for index, message in enumerate(self.messages):
            content = _text(message.get("content")) or ""
            if len(content) > max_chars:
                content = content[:max_chars] + f" ... [{len(content) - max_chars} more characters]"
            line = f"[{index}] {message['role']}: {content}".rstrip()
            for raw in message.get("tool_calls") or []:
                function = raw.get("function", {})
                line += f"\n    -> call {function.get('name')}({function.get('arguments')})"
            lines.append(line)
        return "\n".join(lines)


def _tool_call(raw: Any, where: str, step: int) -> ToolCall:
    if not isinstance(raw, Mapping):
        raise GraderInputError(f"{where}: expected a tool call (a dict), got {type(raw).__name__}")
    function = raw.get("function")
    if not isinstance(function, Mapping) or not isinstance(function.get("name"), str) or not function["name"]:
        raise GraderInputError(f"{where}: expected 'function' with a 'name'")
    arguments = call_arguments(function.get("arguments", "{}"), function["name"], where)
    call_id = raw.get("id")
    return ToolCall(function["name"], arguments, str(call_id) if call_id is not None else None, step)


def call_arguments(arguments: Any, name: str, where: str) -> dict[str, Any]:
    """A tool call's arguments as a dict: a JSON object, or its text (empty text is no arguments)."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            raise GraderInputError(
                f"{where}: arguments of {name!r} are not valid JSON ({exc.msg} at {exc.pos})"
            ) from None
    if not isinstance(arguments, Mapping):
        raise GraderInputError(f"{where}: arguments of {name!r} must be a JSON object")
    return dict(arguments)


def _last_unanswered(calls: list[ToolCall]) -> int | None:
    """A tool message without ``tool_call_id`` answers the earliest call still unanswered."""
    return next((i for i, call in enumerate(calls) if call.result is None), None)


def _text(content: Any) -> str | None:
    """A message's content as text: a string, or the text parts of a list of content parts."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, Mapping))
    return str(content)
