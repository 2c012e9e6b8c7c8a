"""LiteLLMRagasEmbeddings: Ragas embeddings over litellm, with usage and spans (imports Ragas)."""

from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from ragas.embeddings.litellm_provider import LiteLLMEmbeddings
from ragas.embeddings.utils import batch_texts, validate_texts

from axionlike._redact import register_secret
from axionlike._sync import run_sync
from axionlike.llm import check_api_key, record_usage
from axionlike.results import Usage
from axionlike.tracing import get_tracer


class LiteLLMRagasEmbeddings(LiteLLMEmbeddings):
    """Embeddings for Ragas metrics that need them (``SemanticSimilarity``, ``AnswerRelevancy``).

    Ragas' own litellm embeddings, with each request's tokens and cost recorded in the
    metric's usage scope and an ``embedding`` span per request. The sync faces (which
    Ragas calls from inside its async metrics) go through ``run_sync``.

    Args:
        model_name: any embedding model litellm accepts (``'text-embedding-3-small'``,
            ``'openai/<name>'`` with ``api_base``).
        api_base: endpoint override.
        api_key: key override; otherwise the provider's environment variable.
        timeout: seconds one request may take.
        max_retries: litellm's retries per request.
        params: further litellm ``embedding`` parameters (``dimensions``, ...).
    """

    def __init__(
        self,
        model_name: str = "text-embedding-3-small",
        *,
        api_base: str | None = None,
        api_key: str | SecretStr | None = None,
        timeout: float = 60.0,
        max_retries: int = 3,
        **params: Any,
    ) -> None:
        key = api_key.get_secret_value() if isinstance(api_key, SecretStr) else api_key
        register_secret(key)
        super().__init__(model_name, api_key=key, api_base=api_base, timeout=timeout, max_retries=max_retries, **params)

    def cache_identity(self) -> dict[str, Any]:
        """The model and parameters (never the key): part of the metric's cache key."""
        return {"adapter": "LiteLLMRagasEmbeddings", "model_name": self.model, "params": dict(self.litellm_params)}

    def preflight(self) -> None:
        """Raise ConfigurationError before scoring if the model needs a key that is not set."""
        check_api_key(self.model, api_base=self.api_base, api_key=self.api_key, who="LiteLLMRagasEmbeddings")

    async def _embed(self, batch: list[str], **kwargs: Any) -> list[list[float]]:
        with get_tracer().span("embedding", kind="embedding", metadata={"model": self.model}) as span:
            response = await self.litellm.aembedding(input=batch, **self._prepare_kwargs(**kwargs))
            tokens = getattr(getattr(response, "usage", None), "prompt_tokens", 0) or 0
            try:
                cost = float(self.litellm.completion_cost(completion_response=response) or 0.0)
            except Exception:  # models missing from the price map cost 0
                cost = 0.0
            record_usage(Usage(prompt_tokens=tokens, cost=cost, calls=1))
            span.set_attributes(model=self.model, prompt_tokens=tokens, cost=cost, texts=len(batch))
        return [row["embedding"] for row in response.data]

    async def aembed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        vectors: list[list[float]] = []
        for batch in batch_texts(validate_texts(texts), self.batch_size):
            vectors.extend(await self._embed(batch, **kwargs))
        return vectors

    async def aembed_text(self, text: str, **kwargs: Any) -> list[float]:
        return (await self._embed([text], **kwargs))[0]

    def embed_texts(self, texts: list[str], **kwargs: Any) -> list[list[float]]:
        return run_sync(self.aembed_texts(texts, **kwargs))

    def embed_text(self, text: str, **kwargs: Any) -> list[float]:
        return run_sync(self.aembed_text(text, **kwargs))
