"""API-key preflight: a missing key is a configuration error raised before scoring starts."""

from __future__ import annotations

import os
from urllib.parse import urlparse

from axionlike._exceptions import ConfigurationError

_PROVIDER_ENV = {
    "openai": "OPENAI_API_KEY",
    "text-completion-openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "azure": "AZURE_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "cohere": "COHERE_API_KEY",
    "cohere_chat": "COHERE_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "xai": "XAI_API_KEY",
    "fireworks_ai": "FIREWORKS_AI_API_KEY",
    "perplexity": "PERPLEXITYAI_API_KEY",
}
_BARE_PREFIXES = {
    "gpt-": "openai",
    "o1": "openai",
    "o3": "openai",
    "o4": "openai",
    "chatgpt": "openai",
    "claude": "anthropic",
    "gemini": "gemini",
}
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "0.0.0.0", "::1", "host.docker.internal"}


def provider_of(model_name: str) -> str | None:
    """The litellm provider prefix of ``model_name`` (``'gpt-4o'`` -> ``'openai'``), if known."""
    if "/" in model_name:
        return model_name.split("/", 1)[0]
    for prefix, provider in _BARE_PREFIXES.items():
        if model_name.startswith(prefix):
            return provider
    return None


def is_local(api_base: str | None) -> bool:
    """Whether ``api_base`` points at this machine (a local server needs no real key)."""
    return bool(api_base) and (urlparse(api_base).hostname or "") in _LOCAL_HOSTS


def key_variable(model_name: str) -> str | None:
    """The environment variable that holds the key for ``model_name``'s provider, if known."""
    provider = provider_of(model_name)
    return _PROVIDER_ENV.get(provider) if provider else None


def check_api_key(model_name: str, *, api_base: str | None = None, api_key: str | None = None, who: str = "") -> None:
    """Raise ConfigurationError when ``model_name`` will need a key that is nowhere to be found.

    A key passed explicitly, or a local ``api_base``, needs nothing more. Providers
    whose credentials are not one environment variable (Bedrock, Vertex, Ollama, ...)
    are left to the provider to check.
    """
    if api_key or is_local(api_base):
        return
    variable = key_variable(model_name)
    if variable is None or os.environ.get(variable):
        return
    subject = f"{who} uses model '{model_name}'" if who else f"model '{model_name}'"
    raise ConfigurationError(
        f"{subject}, which needs an API key: set the {variable} environment variable, "
        "or pass api_key=... (or api_base=... for a local OpenAI-compatible server)"
    )
