"""Content-addressed cache keys."""

from __future__ import annotations

from typing import Any

from axionlike._digest import digest
from axionlike.dataset import DatasetItem

#: Item fields that are outputs or references, not inputs of the task.
_NOT_TASK_INPUTS = frozenset(
    {"id", "actual_output", "expected_output", "latency", "additional_output", "tools_called", "expected_tools"}
)


def task_inputs(item: DatasetItem) -> dict[str, Any]:
    """What a task may read: every field but the outputs, references and the id."""
    return {k: v for k, v in item.model_dump().items() if k not in _NOT_TASK_INPUTS}


def task_key(identity_digest: str, item: DatasetItem) -> str:
    """Key of a task output: the task's identity (its ``digest``) and the item's input fields."""
    return "task:" + digest([identity_digest, task_inputs(item)])


def metric_key(identity_digest: str, fields: tuple[str, ...], item: DatasetItem) -> str:
    """Key of a score: the metric's identity (its ``digest``) and exactly the item fields it reads.

    A metric that declares no fields (a plain function) reads the whole item but its id.
    """
    if fields:
        inputs = {f: item.get(f) for f in fields}
    else:
        inputs = {k: v for k, v in item.model_dump().items() if k != "id"}
    return "metric:" + digest([identity_digest, inputs])
