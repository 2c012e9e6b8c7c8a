"""How LLMClient reaches a model: the direct route for the OpenAI protocol, litellm for the rest.

``auto`` sends OpenAI's models (``gpt-4o``, ``openai/...``) and servers that copy its
protocol (``hosted_vllm/...``, any ``openai/<name>`` with an ``api_base``: vLLM, SGLang,
Ollama's ``/v1``) straight over HTTP, and every other provider through litellm. A client
can force either route. The route never changes an answer's shape, its cost or a cache key.
"""

from __future__ import annotations

import os
from typing import Literal

from axionlike._exceptions import ConfigurationError
from axionlike.llm._keys import key_variable, provider_of
from axionlike.llm._transports._base import Completion, Embedding, Route, Transport, TransportError
from axionlike.llm._transports._direct import DirectTransport
from axionlike.llm._transports._litellm import LiteLLMTransport, import_in_background, load_litellm

_DIRECT_PROVIDERS = {
    "openai": ("OPENAI_API_KEY", ("OPENAI_BASE_URL", "OPENAI_API_BASE"), "https://api.openai.com/v1"),
    "hosted_vllm": ("HOSTED_VLLM_API_KEY", ("HOSTED_VLLM_API_BASE",), None),
}
"""Providers that speak the OpenAI protocol: key variable, base-URL variables, default base URL."""


def resolve_route(model_name: str, route: Route) -> Literal["direct", "litellm"]:
    """``'direct'`` or ``'litellm'`` for ``model_name`` (``auto`` picks by provider)."""
    if route not in ("auto", "direct", "litellm"):
        raise ConfigurationError(f"transport must be 'auto', 'direct' or 'litellm'; got {route!r}")
    if route != "auto":
        return route
    return "direct" if provider_of(model_name) in _DIRECT_PROVIDERS else "litellm"


def environment_read(model_name: str) -> tuple[str | None, ...]:
    """The environment values a transport for ``model_name`` is built from (its key and base-URL
    variables): when they change, the transport is built again."""
    provider = provider_of(model_name)
    direct_key, base_variables, _ = _DIRECT_PROVIDERS.get(provider or "", (None, (), None))
    names = (key_variable(model_name), direct_key, *base_variables)
    return tuple(os.environ.get(name) for name in names if name)


def transport_for(model_name: str, *, api_base: str | None, api_key: str | None, route: Route) -> Transport:
    """The transport that sends ``model_name``'s requests (built when the client first calls)."""
    if resolve_route(model_name, route) == "litellm":
        return LiteLLMTransport(model_name, api_base=api_base, api_key=api_key)
    provider = provider_of(model_name)
    direct_key, base_variables, default_base = _DIRECT_PROVIDERS.get(provider or "", (None, (), None))
    base = api_base or next((os.environ[v] for v in base_variables if os.environ.get(v)), None) or default_base
    if base is None:
        raise ConfigurationError(
            f"model '{model_name}' on the direct route needs api_base=... (the server's URL, up to /v1)"
            + (f" or the {base_variables[0]} environment variable" if base_variables else "")
        )
    key = api_key or (os.environ.get(direct_key) if direct_key else None)
    wire_model = model_name.split("/", 1)[1] if provider in _DIRECT_PROVIDERS and "/" in model_name else model_name
    return DirectTransport(model_name, wire_model=wire_model, api_base=base, api_key=key)


__all__ = [
    "Completion",
    "Embedding",
    "Route",
    "Transport",
    "TransportError",
    "environment_read",
    "import_in_background",
    "load_litellm",
    "resolve_route",
    "transport_for",
]
