"""The task phase: call the system under test, map its keys, merge into a copy of the item."""

from __future__ import annotations

import functools
import inspect
import logging
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from axionlike._exceptions import PathError, TaskError
from axionlike._invoke import invoke
from axionlike._paths import resolve
from axionlike._redact import excerpt, redact
from axionlike.dataset import DatasetItem

logger = logging.getLogger(__name__)


def task_identity(task: Any) -> dict[str, Any]:
    """What identifies a task for the cache.

    In order: an explicit ``cache_identity()`` method (the API runner's name, URL and
    request template), an explicit ``cache_key`` attribute (a version string the user
    bumps), then the module and qualified name. A ``functools.partial`` is identified
    by its function plus its bound arguments; a lambda by its module, qualified name
    (``<lambda>`` with its enclosing scope) and the line it starts on.
    """
    if hasattr(task, "cache_identity"):
        return {"task": task.cache_identity()}
    explicit = getattr(task, "cache_key", None)
    if explicit is not None:
        return {"task": str(explicit)}
    if isinstance(task, functools.partial):
        return {
            "task": task_identity(task.func)["task"],
            "args": repr(task.args),
            "kwargs": repr(sorted(task.keywords.items())),
        }
    target = task if inspect.isfunction(task) or inspect.ismethod(task) else type(task)
    identity: dict[str, Any] = {
        "task": f"{getattr(target, '__module__', '')}.{getattr(target, '__qualname__', repr(target))}"
    }
    if getattr(target, "__name__", "") == "<lambda>":
        identity["line"] = target.__code__.co_firstlineno
    return identity


def task_name(task: Any) -> str:
    """A readable name for spans and messages."""
    func = task.func if isinstance(task, functools.partial) else task
    return getattr(func, "__name__", None) or type(func).__name__


def _as_dict(output: Any, item_id: str) -> dict[str, Any]:
    if isinstance(output, dict):
        return dict(output)
    if isinstance(output, BaseModel):
        return output.model_dump()
    raise TaskError(f"task returned {type(output).__name__} for item '{item_id}'; expected a dict or a pydantic model")


def apply_mapping(values: dict[str, Any], mapping: dict[str, str] | None, item_id: str, what: str) -> dict[str, Any]:
    """Rename ``values`` keys per ``{item_field: source_path}``; a path that does not resolve is an error.

    A top-level source key moves to its target; a dotted path (``answer.text``) is copied.
    """
    if not mapping:
        return values
    renamed = dict(values)
    for target, source in mapping.items():
        try:
            value = resolve(values, source)
        except PathError as exc:
            raise TaskError(f"{what} for item '{item_id}' cannot fill scoring_key_mapping['{target}']: {exc}") from None
        if source in renamed and source != target:
            del renamed[source]
        renamed[target] = value
    return renamed


def merge_output(item: DatasetItem, output: dict[str, Any]) -> DatasetItem:
    """A validated copy of ``item`` with ``output`` merged in; bad fields name the item."""
    output = {k: v for k, v in output.items() if k != "id"}
    try:
        return item.merged(output)
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{'.'.join(map(str, e['loc']))}': {e['msg']} (got {excerpt(repr(e.get('input')), 60)})"
            for e in exc.errors()
        )
        raise TaskError(f"task output for item '{item.id}' does not fit the item: {problems}") from None


class TaskCaller:
    """Calls a task on one item and returns the merged item and the raw output.

    Sync tasks run in the run's threads (``in_thread``), with the caller's context
    variables (so trace spans nest correctly).
    """

    def __init__(self, task: Callable[..., Any], mapping: dict[str, str] | None) -> None:
        self.task = task
        self.mapping = mapping

    async def call(self, item: DatasetItem) -> dict[str, Any]:
        """The task's output for ``item`` as a dict, with ``latency`` filled in."""
        started = time.perf_counter()
        output = await invoke(self.task, item)
        elapsed = time.perf_counter() - started
        output = _as_dict(output, item.id)
        output.setdefault("latency", elapsed)
        return output

    async def aclose(self) -> None:
        """Let a task holding per-loop resources release them when the run ends.

        A task with an ``aclose()`` method (the API runner's HTTP clients) has it awaited
        on the run's own loop; a failure there is logged, never raised.
        """
        close = getattr(self.task, "aclose", None)
        if close is None:
            return
        try:
            result = close()
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            logger.warning("closing the task failed: %s", redact(f"{type(exc).__name__}: {exc}"))

    def merge(self, item: DatasetItem, output: dict[str, Any]) -> DatasetItem:
        """Map the output's keys and merge them into a copy of ``item``."""
        return merge_output(item, apply_mapping(output, self.mapping, item.id, "task output"))
