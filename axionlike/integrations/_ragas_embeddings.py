"""LiteLLMRagasEmbeddings: Ragas embeddings through axionlike's LLMClient (imports Ragas)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import SecretStr
from ragas.embeddings.base import BaseRagasEmbedding
from ragas.embeddings.utils import batch_texts, get_optimal_batch_size, validate_texts

from axionlike._retry import RetryPolicy
from axionlike._sync import run_sync
from axionlike.llm import LLMClient


class LiteLLMRagasEmbeddings(BaseRagasEmbedding):
    """Embeddings for Ragas metrics that need them (``SemanticSimilarity``, ``AnswerRelevancy``).

    Every request goes through ``LLMClient.embed``: retries, flow control, the direct
    route for OpenAI-compatible endpoints, tokens and cost in the metric's usage scope,
    an ``llm_embedding`` span per request. The sync faces (which Ragas calls from inside
    its async metrics) go through ``run_sync``.

    Args:
        model_name: the embedding model as litellm names it (``'text-embedding-3-small'``,
            ``'openai/<name>'`` with ``api_base``).
        api_base: endpoint override.
        api_key: key override; otherwise the provider's environment variable.
        timeout: seconds one request may take.
        retry: retry policy; the process default when None.
        requests_per_minute: pace requests to this model.
        transport: ``'auto'``, ``'direct'`` or ``'litellm'`` (see ``LLMClient``).
        batch_size: texts per request (Ragas' default for the model when None).
        params: further request parameters (``dimensions``, ...).
    """

    def __init__(
        self,
        model_name: str = "text-embedding-3-small",
        *,
        api_base: str | None = None,
        api_key: str | SecretStr | None = None,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        requests_per_minute: float | None = None,
        transport: Literal["auto", "direct", "litellm"] = "auto",
        batch_size: int | None = None,
        **params: Any,
    ) -> None:
        self.client = LLMClient(
            model_name,
            api_base=api_base,
            api_key=api_key,
            timeout=timeout,
            retry=retry,
            temperature=None,
            requests_per_minute=requests_per_minute,
            transport=transport,
            **params,
        )
        self.model = model_name
        self.batch_size = batch_size or get_optimal_batch_size("litellm", model_name)

    def __repr__(self) -> str:
        return f"LiteLLMRagasEmbeddings(model_name={self.model!r}, api_base={self.client.api_base!r})"

    def cache_identity(self) -> dict[str, Any]:
        """The model and parameters (never the key): part of the metric's cache key."""
        return {"adapter": "LiteLLMRagasEmbeddings", **self.client.cache_identity()}

    def preflight(self) -> None:
        """Raise ConfigurationError before scoring if the model needs a key that is not set."""
        self.client.preflight(who="LiteLLMRagasEmbeddings")

    async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in batch_texts(validate_texts(texts), self.batch_size):
            vectors.extend((await self.client.embed(batch, **kwargs)).vectors)
        return vectors

    async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
        return (await self.client.embed([text], **kwargs)).vectors[0]

    def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        return run_sync(self.aembed_texts(texts, **kwargs))

    def embed_text(self, text: str, **kwargs: Any) -> list[float]:
        return run_sync(self.aembed_text(text, **kwargs))
