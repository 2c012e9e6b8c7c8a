"""axionlike: run evaluation experiments for LLM applications.

The most used names and every exception are importable from here; they load on
first access, so ``import axionlike`` stays light (no litellm, pandas, ragas, deepeval, langfuse, opik).
"""

from __future__ import annotations

import importlib
from typing import Any

from axionlike import _exceptions

__version__ = "0.1.0"

_EXPORTS = {
    "evaluation_runner": "axionlike.runners",
    "EvaluationRunner": "axionlike.runners",
    "EvaluationConfig": "axionlike.runners",
    "CacheConfig": "axionlike.runners",
    "ErrorConfig": "axionlike.runners",
    "APIRunner": "axionlike.runners",
    "Dataset": "axionlike.dataset",
    "DatasetItem": "axionlike.dataset",
    "ItemStream": "axionlike.dataset",
    "BaseMetric": "axionlike.metrics",
    "MetricResult": "axionlike.metrics",
    "EvaluationResult": "axionlike.results",
    "MetricScore": "axionlike.results",
    "TestResult": "axionlike.results",
    "configure_tracing": "axionlike.tracing",
    "register_secret": "axionlike._redact",
    "foreach": "axionlike.integrations._foreach",
    **dict.fromkeys(_exceptions.__all__, "axionlike._exceptions"),
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'axionlike' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
