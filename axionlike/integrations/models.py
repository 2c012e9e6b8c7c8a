"""Model adapters that let Ragas and DeepEval metrics call LLMs through axionlike.

``LiteLLMRagas`` (a Ragas LLM) and ``LiteLLMDeepEval`` (a DeepEval model) wrap the
axionlike ``LLMClient``, so retries, tokens and cost on the MetricScore, prompt
caching and tracing apply to those libraries' metrics too. ``LiteLLMRagasEmbeddings``
serves Ragas metrics that need embeddings, with usage and spans recorded the same way. Importing this module is
cheap; each class imports its library on first access.

Example:
    ```python
    from deepeval.metrics import AnswerRelevancyMetric
    from ragas.metrics import Faithfulness

    from axionlike.integrations.models import LiteLLMDeepEval, LiteLLMRagas

    metrics = [Faithfulness(llm=LiteLLMRagas("gpt-4o-mini")), AnswerRelevancyMetric(model=LiteLLMDeepEval("gpt-4o-mini"))]
    ```
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axionlike._libraries import load_deepeval, load_ragas

if TYPE_CHECKING:
    from axionlike.integrations._deepeval_llm import LiteLLMDeepEval
    from axionlike.integrations._ragas_embeddings import LiteLLMRagasEmbeddings
    from axionlike.integrations._ragas_llm import LiteLLMRagas

__all__ = ["LiteLLMDeepEval", "LiteLLMRagas", "LiteLLMRagasEmbeddings"]


def __getattr__(name: str) -> Any:
    if name == "LiteLLMRagas":
        load_ragas("LiteLLMRagas")
        from axionlike.integrations._ragas_llm import LiteLLMRagas

        return LiteLLMRagas
    if name == "LiteLLMRagasEmbeddings":
        load_ragas("LiteLLMRagasEmbeddings")
        from axionlike.integrations._ragas_embeddings import LiteLLMRagasEmbeddings

        return LiteLLMRagasEmbeddings
    if name == "LiteLLMDeepEval":
        load_deepeval("LiteLLMDeepEval")
        from axionlike.integrations._deepeval_llm import LiteLLMDeepEval

        return LiteLLMDeepEval
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
