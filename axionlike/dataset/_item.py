"""DatasetItem: one evaluation input, immutable, with a stable content-derived id."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from axionlike._exceptions import InvalidItemError
from axionlike._redact import excerpt

#: Fields every item has; anything else a row carries is kept as an extra field.
ITEM_FIELDS = (
    "id",
    "query",
    "expected_output",
    "actual_output",
    "retrieved_content",
    "latency",
    "additional_input",
    "additional_output",
    "metadata",
    "tools_called",
    "expected_tools",
)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "(item)"
        parts.append(f"field '{field}': {err['msg']} (got {excerpt(repr(err.get('input')), 80)})")
    return "; ".join(parts)


def _no_value(value: Any) -> bool:
    return value is None or (isinstance(value, (list, dict)) and not value)


def content_id(content: dict[str, Any]) -> str:
    """A short, stable id derived from an item's content (its fields other than ``id``)."""
    payload = json.dumps(content, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class DatasetItem(BaseModel):
    """One evaluation input: a query, the outputs to score and their context.

    Items are immutable: the engine merges task outputs into a copy, never into the
    caller's item. Columns beyond the named fields are kept as extra fields and can be
    read by metrics and tasks (``item.model_extra``). An item given no ``id`` gets one
    derived from its content, so a re-run of the same data finds its cache entries.
    Missing values (``None`` or a float NaN, as pandas gives for an empty cell) are
    stored as ``None``.

    Example:
        ```python
        item = DatasetItem(query="2+2?", expected_output="4", actual_output="4")
        item.id  # stable across runs, e.g. '5b1c0e...'
        ```
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = ""
    """Identifier; derived from the content when not given."""
    query: str | None = None
    """The input sent to the system under test."""
    expected_output: str | None = None
    """The reference answer."""
    actual_output: str | None = None
    """The answer of the system under test (given, or produced by the task)."""
    retrieved_content: list[str] | None = None
    """Context passages the system retrieved."""
    latency: float | None = None
    """Seconds the system took to answer (reported by the task, or its wall time)."""
    additional_input: dict[str, Any] = Field(default_factory=dict)
    """Further inputs for the task."""
    additional_output: dict[str, Any] = Field(default_factory=dict)
    """Further outputs of the system."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form data about the item; not read by metrics."""
    tools_called: list[Any] | None = None
    """Tool calls the system made."""
    expected_tools: list[Any] | None = None
    """Tool calls the system should have made."""

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = {k: None if _is_missing(v) else v for k, v in data.items()}
        for key in ("additional_input", "additional_output", "metadata"):
            if data.get(key, ...) is None:
                data.pop(key)
        if isinstance(data.get("retrieved_content"), str):
            data["retrieved_content"] = [data["retrieved_content"]]
        if data.get("id") is not None:
            data["id"] = str(data["id"])
        else:
            content = {k: v for k, v in data.items() if k != "id" and v not in (None, {}, [])}
            data["id"] = content_id(content)
        return data

    @classmethod
    def from_row(cls, row: Any, index: int) -> DatasetItem:
        """Validate one row (a mapping, a pydantic model or an item) into a DatasetItem.

        Raises InvalidItemError naming the row, its id when it has one, and each field
        that does not fit.
        """
        if isinstance(row, DatasetItem):
            return row
        if isinstance(row, BaseModel):
            row = row.model_dump()
        if not isinstance(row, Mapping):
            raise InvalidItemError(
                f"row {index}: expected a mapping or DatasetItem, got {type(row).__name__}", row=index
            )
        try:
            return cls.model_validate(dict(row))
        except ValidationError as exc:
            item_id = row.get("id")
            label = f"row {index}" + (f" (id {item_id!r})" if item_id is not None else "")
            raise InvalidItemError(f"{label}: {_describe(exc)}", row=index, item_id=item_id) from None

    def get(self, field: str, default: Any = None) -> Any:
        """The value of a named or extra field, or ``default`` when absent."""
        if field in type(self).__pydantic_fields__:  # not .model_fields: a property, 4x slower, on the hot path
            return getattr(self, field)
        return (self.model_extra or {}).get(field, default)

    def text(self, field: str) -> str:
        """The text in ``field``, for a metric that requires it (the engine has checked it has a value).

        Raises TypeError naming the item and the field when the value is not a string.
        """
        value = self.get(field)
        if not isinstance(value, str):
            raise TypeError(f"field '{field}' of item '{self.id}' holds {type(value).__name__}, not text")
        return value

    def missing(self, fields: Iterable[str]) -> list[str]:
        """The names among ``fields`` that have no value here: absent, ``None``, or an empty list or dict.

        The one rule of "this value is absent", wherever a metric, grader or evaluation
        requires fields (an empty string is a value: an empty answer is still an answer).
        """
        return [f for f in fields if _no_value(self.get(f))]

    def fields(self) -> dict[str, Any]:
        """All fields, named and extra, as a plain dict."""
        return self.model_dump()

    def merged(self, updates: dict[str, Any]) -> DatasetItem:
        """A validated copy with ``updates`` applied; the id is kept."""
        return type(self).model_validate({**self.model_dump(), **updates, "id": self.id})
