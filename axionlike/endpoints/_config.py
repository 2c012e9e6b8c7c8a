"""Configuration of one HTTP endpoint (a pydantic model, loadable from YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from axionlike._redact import excerpt
from axionlike._retry import RetryPolicy
from axionlike.endpoints._presets import preset_defaults

ENDPOINT_RETRY = RetryPolicy(max_attempts=4, initial_wait=0.5, max_wait=20.0, jitter=0.5, max_retry_after=60.0)
"""Retries of an endpoint call unless its config says otherwise (YAML: ``retry: {attempts: 4, ...}``)."""


class EndpointConfig(BaseModel):
    """One named HTTP endpoint evaluated as the task.

    Fields a ``preset`` fills in (``body_template``, the response paths) can be set
    explicitly to override it. Paths are dot paths into the JSON answer
    (``choices.0.message.content``, ``sources.*.text``); the body template is JSON whose
    strings may hold ``{{ field }}`` placeholders read from the item (``{{query}}``,
    ``{{additional_input.user_id}}``).

    Example:
        ```python
        EndpointConfig(api_url="http://localhost:8000/chat", api_key_env="BOT_KEY",
                       preset="simple", requests_per_second=5)
        ```
    """

    model_config = ConfigDict(extra="forbid")

    api_url: str
    """Full URL of the endpoint."""
    type: str = "http"
    """Registered ``endpoint_type`` of the ``Endpoint`` subclass that calls it (``'http'``: the base class)."""
    preset: Literal["simple", "openai_chat"] | None = "simple"
    """Defaults for the request body and response paths; ``None`` for none."""
    method: Literal["GET", "POST", "PUT", "PATCH"] = "POST"
    """HTTP method; with GET the rendered template is sent as query parameters."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra request headers (values under credential-like names are redacted in spans)."""
    api_key: SecretStr | None = None
    """The API key itself. Prefer ``api_key_env``."""
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (read when the endpoint is built)."""
    api_key_header: str = "Authorization"
    """Header that carries the key."""
    api_key_prefix: str = "Bearer "
    """Text put before the key in that header (``''`` for a bare key, as ``X-API-Key`` wants)."""
    model: str | None = None
    """Model name for the ``openai_chat`` preset's request body."""
    body_template: Any = None
    """JSON request body (or query parameters for GET) with ``{{ field }}`` placeholders."""
    response_path: str = "response"
    """Where the answer text is; a missing or null answer is a task error naming this path."""
    retrieved_content_path: str | None = None
    """Where the retrieved contexts are (optional: left out of the output when absent)."""
    tools_called_path: str | None = None
    """Where the tool calls are (optional: left out of the output when absent)."""
    extra_paths: dict[str, str] = Field(default_factory=dict)
    """More output keys: ``{output_key: path}`` (optional: left out when absent)."""
    stream: bool = False
    """Read the answer as server-sent events, assembling the text and timing the first token.
    Only the text is read from a stream (no contexts, tool calls or extra paths)."""
    stream_delta_path: str = "delta"
    """Where a streamed event's piece of text is."""
    stream_done: str | None = None
    """Event data that ends the stream (``'[DONE]'`` for OpenAI); a stream cut before it is
    a retryable error. ``None``: the stream ends when the connection closes."""
    request_id_header: str = "x-request-id"
    """Response header kept as the request id in the output's metadata."""
    timeout: float = Field(default=60.0, gt=0)
    """Seconds to wait for the answer (for streams: between two chunks)."""
    connect_timeout: float = Field(default=10.0, gt=0)
    """Seconds to wait for the connection."""
    retry: RetryPolicy = ENDPOINT_RETRY
    """Retries of one request: HTTP 429 and 5xx, timeouts, connection errors and streams cut
    short are retried; other 4xx, malformed JSON and a missing answer are not."""
    requests_per_second: float | None = Field(default=None, gt=0)
    """Most requests started per second on this endpoint (on top of ``max_concurrent``)."""
    requests_per_minute: float | None = Field(default=None, gt=0)
    """Most requests started per minute on this endpoint."""
    burst: int = Field(default=1, ge=1)
    """Requests that may start back to back before the rate limit spaces them out."""

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        preset = data.get("preset", "simple")
        if preset is None:
            return data
        return {**preset_defaults(preset, data), **data}

    @field_validator("retry", mode="before")
    @classmethod
    def _endpoint_retry(cls, value: Any) -> Any:
        """Settings given as a mapping start from the endpoint defaults; ``attempts`` means ``max_attempts``."""
        if not isinstance(value, dict):
            return value
        settings = dict(value)
        if "attempts" in settings:
            settings["max_attempts"] = settings.pop("attempts")
        return RetryPolicy.model_validate({**ENDPOINT_RETRY.model_dump(), **settings})

    @model_validator(mode="after")
    def _check(self) -> EndpointConfig:
        if self.api_key is not None and self.api_key_env:
            raise ValueError("give either api_key or api_key_env, not both")
        if self.requests_per_second and self.requests_per_minute:
            raise ValueError("give either requests_per_second or requests_per_minute, not both")
        if not self.api_url.startswith(("http://", "https://")):
            raise ValueError(f"api_url must start with http:// or https://; got {excerpt(repr(self.api_url), 80)}")
        return self

    @property
    def rate(self) -> float | None:
        """The rate limit in requests per second, if any."""
        if self.requests_per_second:
            return self.requests_per_second
        return self.requests_per_minute / 60 if self.requests_per_minute else None


def load_endpoint_configs(data: Any, source: str = "config") -> dict[str, dict[str, Any]]:
    """Raw endpoint configs by name from ``{name: {...}}`` or ``{'endpoints': {name: {...}}}``."""
    if isinstance(data, dict) and set(data) == {"endpoints"} and isinstance(data["endpoints"], dict):
        data = data["endpoints"]
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{source} must map endpoint names to their settings; got {type(data).__name__}")
    bad = [name for name, value in data.items() if not isinstance(value, (dict, EndpointConfig))]
    if bad:
        raise ValueError(f"{source}: endpoint(s) {', '.join(map(str, bad))} must be mappings of settings")
    return data


def read_yaml(path: str | Path) -> Any:
    """The parsed content of a YAML (or JSON) file."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)
