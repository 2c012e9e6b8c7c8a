"""HTTP endpoints as the task of an evaluation: ``APIRunner`` and what it is made of.

An ``APIRunner`` holds named endpoints (``EndpointConfig``: URL, key, request
template, answer paths, retries, rate limit, streaming); each is an ``Endpoint``,
callable on a ``DatasetItem``. Subclass ``Endpoint`` for an endpoint that needs code.
"""

from axionlike._exceptions import EndpointError
from axionlike._retry import RetryPolicy
from axionlike.endpoints._api_runner import APIRunner
from axionlike.endpoints._config import EndpointConfig
from axionlike.endpoints._endpoint import Endpoint, EndpointAnswer, EndpointRequest

__all__ = [
    "APIRunner",
    "Endpoint",
    "EndpointAnswer",
    "EndpointConfig",
    "EndpointError",
    "EndpointRequest",
    "RetryPolicy",
]
