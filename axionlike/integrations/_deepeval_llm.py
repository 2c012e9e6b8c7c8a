"""LiteLLMDeepEval: a DeepEval model that calls through axionlike's LLMClient (imports DeepEval)."""

from __future__ import annotations

from typing import Any

from deepeval.models import DeepEvalBaseLLM
from pydantic import BaseModel

from axionlike._sync import run_sync
from axionlike.integrations._adapter import LiteLLMAdapter


class LiteLLMDeepEval(LiteLLMAdapter, DeepEvalBaseLLM):
    """The model of DeepEval metrics, through axionlike's LLM client.

    A ``DeepEvalBaseLLM``: ``a_generate(prompt, schema=...)`` returns a parsed
    ``schema`` instance (DeepEval's structured-output path for custom models) or the
    text when no schema is given; ``generate`` is its sync face. Retries, usage,
    prompt caching and spans are the LLMClient's.

    Args:
        model_name: the model as litellm names it (``'gpt-4o'``, ``'openai/<name>'``, ...).
        api_base: endpoint override.
        api_key: key override; otherwise the provider's environment variable.
        temperature: sampling temperature.
        max_tokens: completion length cap.
        timeout: seconds one attempt may take.
        retry: retry policy; the process default when None.
        requests_per_minute: pace calls to this model.
        enable_prompt_caching: mark prompts cacheable; ``None`` follows the runner.
        transport: ``'auto'``, ``'direct'`` or ``'litellm'``: how the model is reached
            (see ``LLMClient``); OpenAI-compatible models go direct by default.
        params: further request parameters.

    Example:
        ```python
        from deepeval.metrics import AnswerRelevancyMetric
        from axionlike.integrations.models import LiteLLMDeepEval

        metric = AnswerRelevancyMetric(model=LiteLLMDeepEval("gpt-4o-mini"))
        ```
    """

    adapter_name = "LiteLLMDeepEval"

    def _init_library(self) -> None:
        DeepEvalBaseLLM.__init__(self, self.client.model_name)

    def load_model(self, *args: Any, **kwargs: Any) -> Any:
        """DeepEval's hook for the underlying model: the LLMClient."""
        return self.client

    async def a_generate(self, prompt: str, schema: type[BaseModel] | None = None, **kwargs: Any) -> Any:
        """The answer to ``prompt``: a ``schema`` instance when a schema is given, else the text."""
        if schema is not None:
            return (await self.client.structured(self.messages(prompt), schema)).value
        return (await self.client.complete(self.messages(prompt))).content or ""

    def generate(self, prompt: str, schema: type[BaseModel] | None = None, **kwargs: Any) -> Any:
        """The sync face of ``a_generate`` (works inside a running loop too)."""
        return run_sync(self.a_generate(prompt, schema, **kwargs))

    def get_model_name(self, *args: Any, **kwargs: Any) -> str:
        return self.client.model_name
