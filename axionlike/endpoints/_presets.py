"""Built-in endpoint presets: defaults an endpoint config starts from.

``simple``: ``POST {"query": ...}`` answering ``{"response": ..., "retrieved_content":
[...]}``. ``openai_chat``: an OpenAI-compatible ``/chat/completions`` endpoint (set
``model``; ``stream: true`` reads server-sent events). Any field given explicitly in
the endpoint config wins over the preset's.
"""

from __future__ import annotations

from typing import Any


def _simple(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "body_template": {"query": "{{query}}"},
        "response_path": "response",
        "retrieved_content_path": "retrieved_content",
        "tools_called_path": "tools_called",
    }


def _openai_chat(config: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": config.get("model") or "default",
        "messages": [{"role": "user", "content": "{{query}}"}],
    }
    if config.get("stream"):
        body["stream"] = True
    return {
        "body_template": body,
        "response_path": "choices.0.message.content",
        "tools_called_path": "choices.0.message.tool_calls",
        "stream_delta_path": "choices.0.delta.content",
        "stream_done": "[DONE]",
    }


PRESETS = {"simple": _simple, "openai_chat": _openai_chat}
"""Preset name -> function of the raw config returning default field values."""


def preset_defaults(name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Default field values of preset ``name`` for ``config``; a clear error if unknown."""
    try:
        return PRESETS[name](config)
    except KeyError:
        raise ValueError(f"unknown preset '{name}'; known presets: {', '.join(sorted(PRESETS))}") from None
