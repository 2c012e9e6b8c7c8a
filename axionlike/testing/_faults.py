"""Faults the fake LLM server can inject into one chat-completions call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["delay", "status", "content", "malformed_json", "malformed_body", "hang", "drop"]


@dataclass(frozen=True)
class Fault:
    """What to do instead of (or before) a normal answer. Build one with the class methods.

    Example:
        ```python
        server.fail_next(Fault.status(429, retry_after=0.05), Fault.status(500))
        server.fail_on({3: Fault.hang(), 5: Fault.drop()})
        ```
    """

    kind: FaultKind
    seconds: float = 0.0
    """Added latency (``delay``) or how long to hang (``hang``)."""
    status_code: int = 0
    retry_after: float | str | None = None
    """``Retry-After`` header for ``status`` faults: seconds, or a text sent as it is (an HTTP date)."""
    text: str | None = None
    """Message content (``content``) or error message (``status``)."""

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Answer normally, ``seconds`` later."""
        return cls("delay", seconds=seconds)

    @classmethod
    def status(cls, code: int, *, retry_after: float | str | None = None, message: str | None = None) -> Fault:
        """Answer with HTTP ``code`` and an OpenAI-style error body (429, 500, 400, 401, ...)."""
        return cls("status", status_code=code, retry_after=retry_after, text=message)

    @classmethod
    def content(cls, text: str) -> Fault:
        """Answer 200 with exactly ``text`` as the message content (e.g. JSON that fits no schema)."""
        return cls("content", text=text)

    @classmethod
    def malformed_json(cls) -> Fault:
        """Answer 200 with the normal JSON, wrapped in prose and a code fence, with a trailing comma.

        A tolerant parser can repair it; a strict ``json.loads`` cannot.
        """
        return cls("malformed_json")

    @classmethod
    def malformed_body(cls) -> Fault:
        """Answer 200 with a response body that is not JSON at all."""
        return cls("malformed_body")

    @classmethod
    def hang(cls, seconds: float = 30.0) -> Fault:
        """Send nothing for ``seconds`` (until the server stops), then close the connection."""
        return cls("hang", seconds=seconds)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without answering."""
        return cls("drop")
