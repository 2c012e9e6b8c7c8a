"""Runners: the evaluation engine's public faces and their configuration."""

from axionlike.runners._api import EvaluationRunner, evaluation_runner
from axionlike.runners._config import CacheConfig, ErrorConfig, EvaluationConfig

__all__ = ["CacheConfig", "ErrorConfig", "EvaluationConfig", "EvaluationRunner", "evaluation_runner"]
