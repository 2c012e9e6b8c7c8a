"""LiteLLMRagas: a Ragas LLM that calls through axionlike's LLMClient (imports Ragas)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from ragas.llms.base import InstructorBaseRagasLLM

from axionlike._sync import run_sync
from axionlike.integrations._adapter import LiteLLMAdapter

T = TypeVar("T", bound=BaseModel)


class LiteLLMRagas(LiteLLMAdapter, InstructorBaseRagasLLM):
    """The LLM of Ragas metrics, through axionlike's LLM client.

    It is a Ragas ``InstructorBaseRagasLLM`` (prompt + response model -> parsed model),
    the interface both the ``ragas.metrics.collections`` classes and the older
    ``ragas.metrics`` ones (through their ``PydanticPrompt``) accept. Structured output,
    repair, retries, usage and spans are the LLMClient's.

    Args:
        model_name: the model as litellm names it (``'gpt-4o'``, ``'openai/<name>'``, ...).
        api_base: endpoint override.
        api_key: key override; otherwise the provider's environment variable.
        temperature: sampling temperature.
        max_tokens: completion length cap.
        timeout: seconds one attempt may take.
        retry: retry policy; the process default when None.
        requests_per_minute: pace calls to this model.
        enable_prompt_caching: mark the fixed part of Ragas prompts cacheable; ``None``
            follows the runner's ``enable_prompt_caching``.
        transport: ``'auto'``, ``'direct'`` or ``'litellm'``: how the model is reached
            (see ``LLMClient``); OpenAI-compatible models go direct by default.
        params: further request parameters.

    Example:
        ```python
        from ragas.metrics import Faithfulness
        from axionlike.integrations.models import LiteLLMRagas

        metric = Faithfulness(llm=LiteLLMRagas("gpt-4o-mini"))
        ```
    """

    adapter_name = "LiteLLMRagas"
    prompt_separator = "\n-----------------------------\n"
    is_async = True
    """Ragas awaits ``agenerate`` when this is true."""

    @property
    def model_name(self) -> str:
        return self.client.model_name

    async def agenerate(self, prompt: str, response_model: type[T]) -> T:
        """Ask the model and parse its answer into ``response_model``."""
        response = await self.client.structured(self.messages(prompt), response_model)
        return response.value

    def generate(self, prompt: str, response_model: type[T]) -> T:
        """The sync face of ``agenerate`` (works inside a running loop too)."""
        return run_sync(self.agenerate(prompt, response_model))
