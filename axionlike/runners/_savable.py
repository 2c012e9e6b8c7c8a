"""Every finished item's result can be saved: a value that is not data is kept as its text form.

A task may return, and an item or a metric's metadata may hold, any Python object; the
metrics see it as it is. When the item is final, a value that JSON cannot hold (an
``object()``, an open file, a client) is replaced by its ``repr`` (secrets masked, at
most 300 characters), once, with a warning naming the item and the field, so that
``save()``, the cache and the journal never fail on it. Plain data, pydantic models,
dataclasses, dates and the like are kept as they are (pydantic writes them).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from pydantic_core import to_json

from axionlike._redact import excerpt
from axionlike.dataset import DatasetItem
from axionlike.results import MetricScore, TestResult

logger = logging.getLogger("axionlike.runners")

_PLAIN = frozenset({str, int, float, bool, type(None)})
_ANY_TYPED_FIELDS = ("additional_input", "additional_output", "metadata", "tools_called", "expected_tools")
"""Item fields that may hold anything; the others are validated text and numbers."""
_TEXT_LIMIT = 300


def text_form(value: Any) -> str:
    """What a value JSON cannot hold is saved as: its ``repr``, secrets masked, cut to 300 characters."""
    return excerpt(repr(value), _TEXT_LIMIT)


def _plain(value: Any) -> bool:
    """Whether ``value`` is JSON data as it is: the quick check every finished item passes."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    if kind is dict:
        value = value.values()
    elif kind is not list and kind is not tuple:
        return False
    for item in value:  # noqa: SIM110 - a loop, not all(...): this runs on every finished item
        if type(item) not in _PLAIN and not _plain(item):
            return False
    return True


def _savable(value: Any, path: str, replaced: list[str]) -> Any:
    """``value`` itself when it can be written as JSON, else a copy with each part that cannot
    replaced by its text form (the paths of those parts appended to ``replaced``)."""
    if _plain(value):
        return value
    if isinstance(value, dict):
        copy: dict[Any, Any] | None = None
        for key, item in value.items():
            kept = _savable(item, f"{path}.{key}", replaced)
            if kept is not item:
                copy = copy if copy is not None else dict(value)
                copy[key] = kept
        return value if copy is None else copy
    if isinstance(value, (list, tuple)):
        kept_items = [_savable(item, f"{path}[{i}]", replaced) for i, item in enumerate(value)]
        return value if all(a is b for a, b in zip(kept_items, value, strict=True)) else kept_items
    try:
        to_json(value)  # pydantic writes models, dataclasses, dates, enums, paths, ...
    except Exception:
        replaced.append(path)
        return text_form(value)
    return value


def _savable_item(item: DatasetItem | None, replaced: list[str]) -> DatasetItem | None:
    if item is None:
        return None
    fields = {name: getattr(item, name) for name in _ANY_TYPED_FIELDS} | (item.model_extra or {})
    changes = {}
    for name, value in fields.items():
        kept = _savable(value, f"item.{name}", replaced)
        if kept is not value:
            changes[name] = kept
    return item.model_copy(update=changes) if changes else item


def _savable_scores(scores: list[MetricScore], replaced: list[str]) -> list[MetricScore]:
    kept = []
    for score in scores:
        metadata = _savable(score.metadata, f"metric '{score.name}' metadata", replaced)
        kept.append(score if metadata is score.metadata else dataclasses.replace(score, metadata=metadata))
    return kept


def _plain_result(result: TestResult) -> bool:
    item = result.item
    if not _plain(result.task_output) or (item is not None and not _plain(item.model_extra)):
        return False
    if item is not None:
        for name in _ANY_TYPED_FIELDS:
            if not _plain(getattr(item, name)):
                return False
    for trial in result.trials:
        if not _plain(trial.task_output):
            return False
    for scores in (result.scores, result.aggregates, *(trial.scores for trial in result.trials)):
        for score in scores:
            if score.metadata and not _plain(score.metadata):
                return False
    return True


def savable(result: TestResult, warned: set[str]) -> TestResult:
    """``result`` with every value JSON cannot hold replaced by its text form; a warning names the
    item and the field, once per field in ``warned`` (the run's set)."""
    if _plain_result(result):
        return result
    replaced: list[str] = []
    update: dict[str, Any] = {
        "task_output": _savable(result.task_output, "task_output", replaced),
        "item": _savable_item(result.item, replaced),
        "scores": _savable_scores(result.scores, replaced),
        "aggregates": _savable_scores(result.aggregates, replaced),
    }
    if result.trials:
        update["trials"] = [
            dataclasses.replace(
                trial,
                task_output=_savable(trial.task_output, f"trials[{trial.trial}].task_output", replaced),
                scores=_savable_scores(trial.scores, replaced),
            )
            for trial in result.trials
        ]
    if not replaced:
        return result
    item_id = result.id if result.id is not None else f"#{result.index}"
    from_task = {path.replace("task_output", "item", 1) for path in replaced if path.startswith("task_output")}
    for path in dict.fromkeys(replaced):
        if path not in warned and path not in from_task:  # a task output's field is named once, as the task's
            warned.add(path)
            logger.warning(
                "item '%s': %s is not data JSON can hold; the result keeps its text form (repr) so it can be "
                "saved (said once per field)",
                item_id,
                path,
            )
    return result.model_copy(update=update)
