"""LLMMetric: the base of native LLM-judge metrics (one structured call per item)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, Field, SecretStr

from axionlike.dataset import DatasetItem
from axionlike.llm import (
    LLMClient,
    RetryPolicy,
    collect_usage,
    mark_cacheable,
    prompt_caching_enabled,
    schema_json,
)
from axionlike.metrics._base import BaseMetric, MetricResult

V = TypeVar("V", bound=BaseModel)

_OPERATIONAL = {"api_base", "api_key", "enable_prompt_caching", "timeout", "retry", "requests_per_minute", "transport"}
"""Fields that change how the judge is reached, not what it answers: outside the identity."""


class LLMMetric(BaseMetric):
    """Base class of LLM-judge metrics: a prompt, a verdict schema, a score from the verdict.

    Subclasses set ``system_prompt``, optionally ``examples`` (few-shot
    ``(user, assistant)`` pairs), ``verdict_model`` (the pydantic schema the judge
    answers in), implement ``render_input(item)`` (the item part of the prompt) and
    ``score_verdict(verdict, item)``. The judge's model is part of the metric's identity
    (and so of its cache key); the API key, endpoint, timeout and retry settings are not.
    Nothing per call is stored on the instance, so one instance serves concurrent items.
    """

    abstract = True
    system_prompt: ClassVar[str] = ""
    examples: ClassVar[tuple[tuple[str, str], ...]] = ()
    verdict_model: ClassVar[type[BaseModel]]

    model_name: str = "gpt-4o"
    """The judge model, as litellm names it (``'gpt-4o'``, ``'anthropic/...'``, ``'openai/<name>'``)."""
    api_base: str | None = None
    """Endpoint override (an OpenAI-compatible server, a proxy)."""
    api_key: SecretStr | None = Field(default=None, exclude=True, repr=False)
    """Key override; by default the provider's environment variable. Never part of identity."""
    temperature: float = 0.0
    enable_prompt_caching: bool | None = None
    """Mark the system prompt and examples cacheable; ``None`` follows the runner's setting."""
    timeout: float = Field(default=60.0, gt=0)
    """Seconds one judge call may take (per attempt)."""
    retry: RetryPolicy | None = None
    """Retry policy of the judge calls; the process default when ``None``."""
    requests_per_minute: float | None = None
    """Pace calls to this model (process-wide)."""
    transport: Literal["auto", "direct", "litellm"] = "auto"
    """How the judge is reached: directly over the OpenAI protocol, through litellm, or by provider
    (``auto``). Not part of the identity: a score cached through one route is found through the other."""

    def parameters(self) -> dict[str, Any]:
        """Parameters that change the score: the judge model and settings, never the key."""
        return {k: v for k, v in super().parameters().items() if k not in _OPERATIONAL}

    # -- prompt -------------------------------------------------------------------------

    def render_input(self, item: DatasetItem) -> str:
        """The item part of the prompt (the last user message)."""
        raise NotImplementedError

    def render_messages(self, item: DatasetItem) -> list[dict[str, Any]]:
        """The chat messages sent to the judge for ``item`` (without caching markers)."""
        messages: list[dict[str, Any]] = [{"role": "system", "content": self.render_system()}]
        for user, assistant in self.examples:
            messages.append({"role": "user", "content": user})
            messages.append({"role": "assistant", "content": assistant})
        messages.append({"role": "user", "content": self.render_input(item)})
        return messages

    def instructions(self) -> str:
        """What the judge is told to do (the system prompt without the answer format)."""
        return self.system_prompt.strip()

    def render_system(self) -> str:
        """The system prompt: the instructions and the JSON shape the judge must answer in."""
        schema = schema_json(self.verdict_schema())
        return f"{self.instructions()}\n\nAnswer with only a JSON object fitting this JSON schema:\n{schema}"

    @property
    def prompt(self) -> str:
        """The judge's instructions and examples, readable: what the judge is asked."""
        parts = [f"[system]\n{self.render_system()}"]
        for user, assistant in self.examples:
            parts += [f"[user]\n{user}", f"[assistant]\n{assistant}"]
        parts.append("[user]\n<the item, see render_messages(item)>")
        return "\n\n".join(parts)

    # -- scoring ------------------------------------------------------------------------

    def verdict_schema(self) -> type[BaseModel]:
        """The pydantic model the judge answers in (``verdict_model`` unless overridden)."""
        return self.verdict_model

    def client(self) -> LLMClient:
        """The LLM client for this metric's judge calls (shared by metrics with the same settings)."""
        return _judge_client(
            self.model_name,
            self.api_base,
            self.api_key,
            self.timeout,
            self.retry,
            self.temperature,
            self.requests_per_minute,
            self.transport,
        )

    def preflight(self) -> None:
        """Raise ConfigurationError now if the judge model needs an API key that is not set."""
        self.client().preflight(who=f"metric '{self.name}'")

    def score_verdict(self, verdict: Any, item: DatasetItem) -> MetricResult:
        """Turn the judge's verdict into a score in [0, 1] with an explanation."""
        raise NotImplementedError

    async def execute(self, item: DatasetItem) -> MetricResult:
        messages = self.render_messages(item)
        if prompt_caching_enabled(self.enable_prompt_caching):
            messages = mark_cacheable(messages, prefix_length=len(messages) - 1)
        with collect_usage() as scope:
            answer = await self.client().structured(messages, self.verdict_schema())
        result = self.score_verdict(answer.value, item)
        return result.model_copy(update={"usage": scope.usage})


@functools.lru_cache(maxsize=1024)
def _judge_client(
    model_name: str,
    api_base: str | None,
    api_key: SecretStr | None,
    timeout: float,
    retry: RetryPolicy | None,
    temperature: float,
    requests_per_minute: float | None,
    transport: Literal["auto", "direct", "litellm"],
) -> LLMClient:
    """One client per judge setting: built once, not on every call (a client holds no per-call state)."""
    return LLMClient(
        model_name,
        api_base=api_base,
        api_key=api_key,
        timeout=timeout,
        retry=retry,
        temperature=temperature,
        requests_per_minute=requests_per_minute,
        transport=transport,
    )


def share_of_verdicts(
    verdicts: Sequence[V],
    passed: Callable[[V], bool],
    *,
    counted: str,
    failed_label: str,
    describe: Callable[[V], str],
) -> MetricResult:
    """The share of verdicts that pass (0.0 for none), explained as ``k of n <counted>.``
    with the failures listed under ``failed_label``; the verdicts go in the metadata."""
    flags = [passed(v) for v in verdicts]
    failures = [describe(v) for v, ok in zip(verdicts, flags, strict=True) if not ok]
    explanation = f"{sum(flags)} of {len(flags)} {counted}."
    if failures:
        explanation += f"\n{failed_label}:\n{bullet_list(failures)}"
    return MetricResult(
        score=sum(flags) / len(flags) if flags else 0.0,
        explanation=explanation,
        metadata={"verdicts": [v.model_dump() for v in verdicts]},
    )


def bullet_list(values: list[str]) -> str:
    return "\n".join(f"- {v}" for v in values)
