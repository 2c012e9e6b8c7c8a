"""What LiteLLMRagas and LiteLLMDeepEval share: one LLMClient, its identity and messages."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import SecretStr

from axionlike.llm import LLMClient, RetryPolicy, cacheable_text, mark_cacheable, prompt_caching_enabled


class LiteLLMAdapter:
    """Holds the axionlike LLMClient a library's metrics call through.

    Every call goes through ``LLMClient``, so retries, timeouts, flow control, tokens
    and cost (summed into the metric's usage scope), prompt caching markers and
    ``llm_call`` spans apply to Ragas and DeepEval metrics as to native ones.
    """

    adapter_name = "LiteLLMAdapter"
    prompt_separator: str | None = None
    """Where a library's prompt ends its fixed part (instructions, examples); cached when enabled."""

    def __init__(
        self,
        model_name: str = "gpt-4o",
        *,
        api_base: str | None = None,
        api_key: str | SecretStr | None = None,
        temperature: float | None = 0.0,
        max_tokens: int | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        requests_per_minute: float | None = None,
        enable_prompt_caching: bool | None = None,
        transport: Literal["auto", "direct", "litellm"] = "auto",
        **params: Any,
    ) -> None:
        self.client = LLMClient(
            model_name,
            api_base=api_base,
            api_key=api_key,
            temperature=temperature,
            max_tokens=max_tokens,
            timeout=timeout,
            retry=retry,
            requests_per_minute=requests_per_minute,
            transport=transport,
            **params,
        )
        self.enable_prompt_caching = enable_prompt_caching
        self._init_library()

    def _init_library(self) -> None:
        """Initialise the library's own base class, once ``client`` exists (none by default)."""

    def cache_identity(self) -> dict[str, Any]:
        """The model and sampling settings (never the key): part of the metric's cache key."""
        return {"adapter": self.adapter_name, **self.client.cache_identity()}

    def preflight(self) -> None:
        """Raise ConfigurationError before scoring if the model needs a key that is not set."""
        self.client.preflight(who=self.adapter_name)

    def messages(self, prompt: str) -> list[dict[str, Any]]:
        """``prompt`` as one user message; its fixed part marked cacheable when caching is on."""
        if not prompt_caching_enabled(self.enable_prompt_caching):
            return [{"role": "user", "content": prompt}]
        head, sep, tail = prompt.rpartition(self.prompt_separator) if self.prompt_separator else ("", "", prompt)
        if not sep:
            return mark_cacheable([{"role": "user", "content": prompt}], 1)
        blocks = [
            cacheable_text(head + sep),
            {"type": "text", "text": tail},
        ]
        return [{"role": "user", "content": blocks}]

    def __repr__(self) -> str:
        return f"{self.adapter_name}(model_name={self.client.model_name!r}, api_base={self.client.api_base!r})"
