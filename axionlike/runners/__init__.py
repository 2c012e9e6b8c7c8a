"""Runners: the evaluation engine, its faces and their configuration.

``evaluation_runner(...)`` (synchronous) and ``EvaluationRunner(config).execute()``
(async) run the evaluation an ``EvaluationConfig`` describes. ``APIRunner`` (from
``axionlike.endpoints``) is importable here too, as the Axion API shows it.
"""

from axionlike.cache import CacheConfig
from axionlike.endpoints import APIRunner
from axionlike.runners._config import ErrorConfig, EvaluationConfig
from axionlike.runners._executors import MetricDescription, MetricExecutor, Scorer, executor_for
from axionlike.runners._ray import RayBackend
from axionlike.runners._runner import EvaluationRunner, evaluation_runner

__all__ = [
    "APIRunner",
    "CacheConfig",
    "ErrorConfig",
    "EvaluationConfig",
    "EvaluationRunner",
    "MetricDescription",
    "MetricExecutor",
    "RayBackend",
    "Scorer",
    "evaluation_runner",
    "executor_for",
]
