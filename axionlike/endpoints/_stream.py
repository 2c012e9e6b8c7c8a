"""Reading an answer streamed as server-sent events (OpenAI style) with httpx-sse."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from axionlike._exceptions import EndpointError
from axionlike.endpoints._failures import excerpt

if TYPE_CHECKING:
    import httpx

#: ``fail(problem, detail, retryable)`` -> the error to raise, naming the endpoint and item.
Fail = Callable[[str, str, bool], EndpointError]


async def read_stream(
    response: httpx.Response,
    *,
    parse_event: Callable[[Any], str | None],
    done: str | None,
    started: float,
    fail: Fail,
) -> tuple[str, float | None]:
    """The assembled text of an event stream and the seconds from ``started`` to its first piece.

    Each event's data is JSON; ``parse_event`` picks its piece of text. A stream must end
    with ``done`` when one is given (else it was cut short: retryable). An event carrying
    an ``error``, data that is not JSON, a reply that is not an event stream, or a stream
    without any text are errors: the answer is never silently empty or partial.
    """
    from httpx_sse import EventSource, SSEError

    first: float | None = None
    pieces: list[str] = []
    finished = done is None
    try:
        async for event in EventSource(response).aiter_sse():
            if event.data == done:
                finished = True
                break
            if not event.data:
                continue
            try:
                data = json.loads(event.data)
            except ValueError:
                raise fail("streamed an event that is not JSON", excerpt(event.data), False) from None
            if isinstance(data, dict) and data.get("error"):
                raise fail("streamed an error", excerpt(json.dumps(data["error"])), False)
            piece = parse_event(data)
            if piece:
                first = time.perf_counter() - started if first is None else first
                pieces.append(piece)
    except SSEError:
        await response.aread()
        kind = response.headers.get("content-type", "no content-type")
        raise fail(f"was asked to stream but answered {kind}", excerpt(response.text), False) from None
    if not finished:
        raise fail(f"stream ended before its end marker {done!r} (cut short)", "", True)
    if not pieces:
        raise fail("streamed no text", "", False)
    return "".join(pieces), first
