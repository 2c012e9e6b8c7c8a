"""Provider prompt caching: the run-wide default and the ``cache_control`` markers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_default: ContextVar[bool] = ContextVar("axionlike_prompt_caching", default=False)

CACHE_CONTROL = {"type": "ephemeral"}


def prompt_caching_enabled(override: bool | None = None) -> bool:
    """``override`` when given (a metric's own flag), else the run-wide default."""
    return _default.get() if override is None else override


@contextlib.contextmanager
def use_prompt_caching(enabled: bool) -> Iterator[None]:
    """Set the run-wide default for code running inside the block (the engine does this)."""
    token = _default.set(enabled)
    try:
        yield
    finally:
        _default.reset(token)


def cacheable_text(text: str) -> dict[str, Any]:
    """A text content block marked cacheable (``cache_control: {"type": "ephemeral"}``)."""
    return {"type": "text", "text": text, "cache_control": dict(CACHE_CONTROL)}


def mark_cacheable(messages: list[dict[str, Any]], prefix_length: int) -> list[dict[str, Any]]:
    """A copy of ``messages`` whose first ``prefix_length`` messages are marked cacheable.

    The system prompt and the last message of the few-shot prefix get their content as
    a text block carrying ``cache_control: {"type": "ephemeral"}``, the form litellm
    passes to Anthropic (and that OpenAI-compatible providers ignore). Caching a
    prefix needs a marker at its end; marking the system prompt too lets metrics that
    share it reuse it when their examples differ.
    """
    marked = [dict(m) for m in messages]
    last = min(prefix_length, len(marked)) - 1
    for index in sorted({0, last}) if last >= 0 else ():
        message = marked[index]
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = [cacheable_text(content)]
        elif isinstance(content, list) and content:
            blocks = [dict(b) for b in content]
            blocks[-1]["cache_control"] = dict(CACHE_CONTROL)
            message["content"] = blocks
    return marked
