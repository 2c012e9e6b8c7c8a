"""The LLM client every LLM call in axionlike goes through (litellm underneath).

Structured output into pydantic models with repair, retries (tenacity: exponential
backoff + jitter, Retry-After honoured) on 429 / timeouts / connection errors / 5xx,
a per-call timeout, per-model adaptive concurrency and RPM pacing, tokens and cost
summed into usage scopes, ``litellm_structured`` / ``llm_call`` spans, and provider
prompt caching markers. litellm itself is imported on the first call.
"""

from axionlike._retry import RetryPolicy
from axionlike.llm._caching import mark_cacheable, prompt_caching_enabled, use_prompt_caching
from axionlike.llm._client import EmbeddingResponse, LLMClient, LLMResponse, StructuredResponse
from axionlike.llm._keys import check_api_key, is_local, key_variable
from axionlike.llm._limits import (
    AdaptiveLimiter,
    ModelLimits,
    RequestPacer,
    model_limits,
    reset_model_limits,
    set_model_limits,
)
from axionlike.llm._litellm import litellm_loaded, load_litellm
from axionlike.llm._retry import default_retry_policy, is_retryable, retry_after, set_default_retry_policy
from axionlike.llm._structured import parse_structured, repair_json, response_format, schema_json
from axionlike.llm._usage import UsageScope, collect_usage, current_usage_scope, record_usage

__all__ = [
    "AdaptiveLimiter",
    "EmbeddingResponse",
    "LLMClient",
    "LLMResponse",
    "ModelLimits",
    "RequestPacer",
    "RetryPolicy",
    "StructuredResponse",
    "UsageScope",
    "check_api_key",
    "collect_usage",
    "current_usage_scope",
    "default_retry_policy",
    "is_local",
    "is_retryable",
    "key_variable",
    "litellm_loaded",
    "load_litellm",
    "mark_cacheable",
    "model_limits",
    "parse_structured",
    "prompt_caching_enabled",
    "record_usage",
    "repair_json",
    "reset_model_limits",
    "response_format",
    "retry_after",
    "schema_json",
    "set_default_retry_policy",
    "set_model_limits",
    "use_prompt_caching",
]
