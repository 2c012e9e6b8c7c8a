"""APIRunner: one or more named HTTP endpoints, passed as the task of an evaluation."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from axionlike._exceptions import ConfigurationError
from axionlike.dataset import DatasetItem
from axionlike.endpoints._config import EndpointConfig, load_endpoint_configs, read_yaml
from axionlike.endpoints._endpoint import Endpoint, endpoint_class


class APIRunner:
    """Evaluate deployed HTTP endpoints as the task.

    Each named endpoint has a URL, method, headers, an API key (or the name of the
    environment variable holding it), a request body template filled from the item and
    dot paths to the answer, retrieved contexts, tool calls and extra fields of the JSON
    answer (see ``EndpointConfig``). Presets: ``'simple'`` (the default:
    ``{"query": ...} -> {"response": ...}``) and ``'openai_chat'``. Calls are retried
    on 429, 5xx, timeouts and connection errors (honouring Retry-After), can be rate
    limited per endpoint, and can stream (server-sent events). The key never appears in
    results, cache entries, spans, logs or errors.

    Pass the runner as ``task=`` when it has one endpoint, or pick one with
    ``api_runner['name']``. The task output holds ``response`` (map it with
    ``scoring_key_mapping={'actual_output': 'response'}``), ``latency``,
    ``retrieved_content`` / ``tools_called`` when found, ``time_to_first_token`` when
    streaming, and ``metadata['api']`` (HTTP status, request id, attempts).

    Example:
        ```python
        from axionlike.runners import APIRunner, evaluation_runner
        from axionlike.metrics import ExactMatch, Latency

        api_runner = APIRunner(config={"my_chatbot": {
            "api_url": "http://localhost:8000/ask",
            "api_key_env": "CHATBOT_KEY",
            "requests_per_second": 5,
        }})
        results = evaluation_runner(
            evaluation_inputs=dataset,
            task=api_runner,
            scoring_metrics=[ExactMatch(), Latency(threshold=2.0)],
            scoring_key_mapping={"actual_output": "response"},
            evaluation_name="API Evaluation",
        )

        # several endpoints: choose one per run
        runner = APIRunner.from_yaml("endpoints.yaml")
        evaluation_runner(..., task=runner["staging"])
        ```
    """

    def __init__(self, config: Mapping[str, EndpointConfig | Mapping[str, Any]]) -> None:
        try:
            raw = load_endpoint_configs(dict(config) if isinstance(config, Mapping) else config)
        except ValueError as exc:
            raise ConfigurationError(f"APIRunner: {exc}") from None
        self.endpoints: dict[str, Endpoint] = {name: _build(name, cfg) for name, cfg in raw.items()}
        self.__name__ = next(iter(self.endpoints)) if len(self.endpoints) == 1 else "APIRunner"

    @classmethod
    def from_yaml(cls, path: str | Path) -> APIRunner:
        """Build from a YAML file mapping endpoint names (optionally under ``endpoints:``) to settings."""
        try:
            data = read_yaml(path)
        except OSError as exc:
            raise ConfigurationError(f"APIRunner: cannot read {path}: {exc.strerror}") from None
        try:
            raw = load_endpoint_configs(data, source=str(path))
        except ValueError as exc:
            raise ConfigurationError(f"APIRunner: {exc}") from None
        return cls(raw)

    def __getitem__(self, name: str) -> Endpoint:
        try:
            return self.endpoints[name]
        except KeyError:
            raise ConfigurationError(
                f"APIRunner has no endpoint '{name}'; it has: {', '.join(self.endpoints)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.endpoints)

    def __len__(self) -> int:
        return len(self.endpoints)

    def __repr__(self) -> str:
        return f"APIRunner(endpoints={list(self.endpoints)})"

    @property
    def endpoint(self) -> Endpoint:
        """The only endpoint; an error naming them all when there are several."""
        if len(self.endpoints) != 1:
            names = ", ".join(f"'{n}'" for n in self.endpoints)
            raise ConfigurationError(
                f"APIRunner has {len(self.endpoints)} endpoints ({names}); pick one as the task with api_runner['name']"
            )
        return next(iter(self.endpoints.values()))

    async def __call__(self, item: DatasetItem) -> dict[str, Any]:
        """Call the only endpoint for ``item`` (see ``Endpoint.__call__``)."""
        return await self.endpoint(item)

    def cache_identity(self) -> dict[str, Any]:
        """The only endpoint's cache identity: name, URL and request template, never the key."""
        return self.endpoint.cache_identity()

    async def aclose(self) -> None:
        """Close the HTTP clients of the running event loop."""
        for endpoint in self.endpoints.values():
            await endpoint.aclose()

    async def __aenter__(self) -> APIRunner:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _build(name: str, config: EndpointConfig | Mapping[str, Any]) -> Endpoint:
    try:
        cfg = config if isinstance(config, EndpointConfig) else EndpointConfig.model_validate(dict(config))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in exc.errors(include_input=False)
        )
        raise ConfigurationError(f"APIRunner endpoint '{name}': {problems}") from None
    return endpoint_class(cfg.type)(name, cfg)
