"""Offline test helpers: a fake OpenAI-compatible LLM server and a Langfuse/Opik trace collector.

Example:
    ```python
    from axionlike.testing import Fault, FakeLLMServer

    with FakeLLMServer(latency=0.01) as server:
        server.fail_next(Fault.status(429, retry_after=0.05))
        ...  # point litellm at server.api_base with model "openai/<name>"
    ```
"""

from axionlike.testing._faults import Fault
from axionlike.testing._process import FakeLLMProcess
from axionlike.testing._schema import fill_schema, unit_value
from axionlike.testing._server import (
    FakeLLMServer,
    RecordedRequest,
    Responder,
    count_tokens,
    default_answer,
    message_text,
    requested_schema,
    requested_tool,
)
from axionlike.testing._trace_collector import TraceCollector

__all__ = [
    "FakeLLMProcess",
    "FakeLLMServer",
    "Fault",
    "RecordedRequest",
    "Responder",
    "TraceCollector",
    "count_tokens",
    "default_answer",
    "fill_schema",
    "message_text",
    "requested_schema",
    "requested_tool",
    "unit_value",
]
