"""What a transport is: one chat or embeddings request in, one normalised answer or error out.

``LLMClient`` owns everything around the request (flow control, retries, timeouts,
spans, usage scopes, structured output); a transport only sends it and reads the
answer. Both transports return the same ``Completion`` and raise the same
``TransportError``, so the client behaves the same whichever route served a call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from axionlike.results import Usage

Route = Literal["auto", "direct", "litellm"]
"""How a client reaches its model: ``direct`` (the OpenAI protocol over aiohttp), ``litellm``, or ``auto``."""

FailureKind = Literal["status", "timeout", "connection", "response"]


@dataclass(frozen=True)
class Completion:
    """One chat answer: the first choice's content and tool calls, usage (with cost), the raw body."""

    content: str | None
    tool_calls: list[dict[str, Any]]
    """OpenAI-shaped: ``[{"id", "type": "function", "function": {"name", "arguments"}}]``."""
    usage: Usage
    raw: dict[str, Any] = field(repr=False, compare=False)
    """The whole response as a dict in the OpenAI shape (several choices, logprobs, ...)."""


@dataclass(frozen=True)
class Embedding:
    """Vectors in input order, and the call's usage."""

    vectors: list[list[float]]
    usage: Usage


class TransportError(Exception):
    """A request that failed, described the same way by every transport.

    Attributes:
        kind: ``status`` (an HTTP error answer), ``timeout``, ``connection`` (refused,
            reset, dropped) or ``response`` (an answer that is not a usable completion).
        status: the HTTP status, for ``status`` errors.
        retry_after: seconds the provider asked to wait (``Retry-After``), if any.
    """

    def __init__(
        self, message: str, *, kind: FailureKind, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        """Rate limits, timeouts, connection errors, 5xx and unreadable answers; never another 4xx."""
        if self.kind == "status":
            return self.status in (408, 429) or (self.status or 0) >= 500
        return True


class Transport(Protocol):
    """Sends one request for one model; ``LLMClient`` does the rest."""

    route: str
    """``'direct'`` or ``'litellm'``."""

    async def complete(self, body: dict[str, Any], timeout: float) -> Completion:
        """One chat completion. ``body`` is an OpenAI request body without ``model``."""
        ...

    async def embed(self, body: dict[str, Any], timeout: float) -> Embedding:
        """One embeddings call. ``body`` holds ``input`` and parameters, without ``model``."""
        ...
