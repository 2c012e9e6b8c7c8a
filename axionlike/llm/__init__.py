"""The LLM client every LLM call in axionlike goes through (litellm underneath).

Structured output into pydantic models with repair, retries (exponential backoff +
jitter, Retry-After honoured) on 429 / timeouts / connection errors / 5xx, a per-call
timeout, per-model adaptive concurrency and RPM pacing, tokens and cost summed into
usage scopes, ``litellm_structured`` / ``llm_call`` spans, and provider prompt caching
markers. litellm itself is imported on the first call.
"""

from axionlike._retry import RetryPolicy
from axionlike.llm._caching import cacheable_text, mark_cacheable, prompt_caching_enabled, use_prompt_caching
from axionlike.llm._client import EmbeddingResponse, LLMClient, LLMResponse, StructuredResponse
from axionlike.llm._keys import check_api_key
from axionlike.llm._limits import reset_model_limits, set_model_limits
from axionlike.llm._retry import set_default_retry_policy
from axionlike.llm._structured import schema_json
from axionlike.llm._usage import UsageScope, collect_usage, record_usage

__all__ = [
    "EmbeddingResponse",
    "LLMClient",
    "LLMResponse",
    "RetryPolicy",
    "StructuredResponse",
    "UsageScope",
    "cacheable_text",
    "check_api_key",
    "collect_usage",
    "mark_cacheable",
    "prompt_caching_enabled",
    "record_usage",
    "reset_model_limits",
    "schema_json",
    "set_default_retry_policy",
    "set_model_limits",
    "use_prompt_caching",
]
