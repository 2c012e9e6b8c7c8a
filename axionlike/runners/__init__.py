"""Runners: the evaluation engine's public faces and their configuration."""

from axionlike.runners._api import EvaluationRunner, evaluation_runner
from axionlike.runners._api_config import EndpointConfig
from axionlike.runners._api_endpoint import APIAnswer, BaseAPIRunner, RequestSpec
from axionlike.runners._api_retry import EndpointError
from axionlike.runners._api_runner import APIRunner
from axionlike.runners._config import CacheConfig, ErrorConfig, EvaluationConfig

__all__ = [
    "APIAnswer",
    "APIRunner",
    "BaseAPIRunner",
    "CacheConfig",
    "EndpointConfig",
    "EndpointError",
    "ErrorConfig",
    "EvaluationConfig",
    "EvaluationRunner",
    "RequestSpec",
    "evaluation_runner",
]
