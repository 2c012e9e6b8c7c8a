"""Parse a model's answer into a pydantic model, repairing the usual JSON slips."""

from __future__ import annotations

import functools
import json
import re
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from axionlike._exceptions import StructuredOutputError
from axionlike._redact import excerpt

T = TypeVar("T", bound=BaseModel)
_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")


@functools.lru_cache(maxsize=256)
def schema_json(schema: type[BaseModel]) -> str:
    """``schema``'s JSON schema as text (computed once per model class)."""
    return json.dumps(schema.model_json_schema())


def response_format(schema: type[BaseModel]) -> dict[str, Any]:
    """The OpenAI ``response_format`` asking for JSON that fits ``schema``.

    The schema dict is built once per model class and shared: treat it as read-only.
    """
    return {"type": "json_schema", "json_schema": {"name": schema.__name__, "schema": _schema(schema), "strict": False}}


@functools.lru_cache(maxsize=256)
def _schema(schema: type[BaseModel]) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(schema_json(schema))
    return parsed


def tool_format(schema: type[BaseModel]) -> dict[str, Any]:
    """Request parameters asking for ``schema`` as the arguments of one forced tool call.

    For models without JSON-schema output that do call tools (what instructor's tool mode does).
    """
    name = schema.__name__
    function = {
        "name": name,
        "description": f"Give the answer as a {name}.",
        "parameters": _schema(schema),
    }
    return {
        "tools": [{"type": "function", "function": function}],
        "tool_choice": {"type": "function", "function": {"name": name}},
    }


def repair_json(text: str) -> Any | None:
    """Best-effort JSON from an answer with prose, code fences or trailing commas; None if hopeless."""
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        start = min((i for i in (candidate.find("{"), candidate.find("[")) if i >= 0), default=-1)
        end = max(candidate.rfind("}"), candidate.rfind("]"))
        if start < 0 or end < start:
            continue
        snippet = _TRAILING_COMMA.sub(r"\1", candidate[start : end + 1])
        try:
            return json.loads(snippet)
        except ValueError:
            continue
    return None


def _describe(error: ValidationError) -> str:
    parts = []
    for err in error.errors()[:5]:
        where = ".".join(str(p) for p in err.get("loc", ())) or "<root>"
        parts.append(f"{where}: {err.get('msg')}")
    return "; ".join(parts)


def parse_structured(content: str | None, schema: type[T], *, model_name: str = "") -> T:
    """``content`` as a ``schema`` instance; repairs fences/prose/trailing commas first.

    Raises:
        StructuredOutputError: the answer is not JSON or does not fit the schema; the
            message says which fields are wrong and shows the start of the answer.
    """
    text = content or ""
    try:
        return schema.model_validate_json(text)
    except ValidationError as strict_error:
        data = repair_json(text)
        if data is None:
            problem = "is not JSON" if text.strip() else "is empty"
            error_text = problem if not text.strip() else f"{problem} ({_describe(strict_error)})"
        else:
            try:
                return schema.model_validate(data)
            except ValidationError as exc:
                error_text = f"does not fit {schema.__name__}: {_describe(exc)}"
    who = f"model '{model_name}'" if model_name else "the model"
    raise StructuredOutputError(f"the answer of {who} {error_text}; answer began: {excerpt(text, 200)!r}")
