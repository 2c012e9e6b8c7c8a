"""What models cost and can do, from the price map litellm ships, read without importing litellm.

Importing litellm takes seconds; its price list is one JSON file in the package, found
with ``importlib.util.find_spec`` (which does not run the package) and parsed once. Both
transports price calls from it, so a call costs the same whichever route served it.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from typing import Any

_PRICE_FILE = "model_prices_and_context_window_backup.json"


@functools.cache
def _price_map() -> dict[str, dict[str, Any]]:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        return {}
    try:
        prices: dict[str, dict[str, Any]] = json.loads(
            (Path(spec.submodule_search_locations[0]) / _PRICE_FILE).read_bytes()
        )
    except (OSError, ValueError):
        return {}
    return prices


def model_info(model_name: str) -> dict[str, Any]:
    """The price-map entry of ``model_name`` (``'gpt-4o-mini'``, ``'openai/gpt-4o-mini'``), or ``{}``.

    A provider-prefixed name is looked up as it is, then without its prefix when the entry
    belongs to that provider (``openai/gpt-4o-mini`` is OpenAI's ``gpt-4o-mini``).
    """
    prices = _price_map()
    entry = prices.get(model_name)
    if entry is None and "/" in model_name:
        provider, bare = model_name.split("/", 1)
        candidate = prices.get(bare)
        if candidate is not None and candidate.get("litellm_provider") == provider:
            entry = candidate
    return entry if isinstance(entry, dict) else {}


def completion_cost(model_name: str, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0) -> float:
    """USD of one chat call: uncached and cached prompt tokens and completion tokens at the model's rates."""
    info = model_info(model_name)
    if not info:
        return 0.0
    per_input = float(info.get("input_cost_per_token") or 0.0)
    per_cached = info.get("cache_read_input_token_cost")
    per_cached = per_input if per_cached is None else float(per_cached)
    per_output = float(info.get("output_cost_per_token") or 0.0)
    uncached = max(prompt_tokens - cached_tokens, 0)
    return uncached * per_input + cached_tokens * per_cached + completion_tokens * per_output


def embedding_cost(model_name: str, tokens: int) -> float:
    """USD of one embeddings call."""
    return tokens * float(model_info(model_name).get("input_cost_per_token") or 0.0)


def supports(model_name: str, capability: str) -> bool | None:
    """Whether the model has ``capability`` (``'response_schema'``, ``'function_calling'``); None if unknown."""
    value = model_info(model_name).get(f"supports_{capability}")
    return value if isinstance(value, bool) else None
