"""Helpers the Ragas and DeepEval executors share: class detection, identity, error text."""

from __future__ import annotations

import enum
import importlib.metadata
from typing import Any

from axionlike._redact import excerpt, redact, redact_value

_SCALARS = (str, int, float, bool, type(None))


def from_library(obj: Any, package: str) -> bool:
    """Whether ``obj``'s class or one of its bases comes from ``package`` (no import needed)."""
    return any(cls.__module__.split(".")[0] == package for cls in type(obj).__mro__)


def has_base(obj: Any, module: str, name: str) -> bool:
    """Whether ``obj``'s class derives from ``module.name``, checked by name without importing it."""
    return any(cls.__module__ == module and cls.__name__ == name for cls in type(obj).__mro__)


def library_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def class_path(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def identity_value(value: Any) -> Any:
    """A stable, JSON-ready stand-in for a metric attribute (never a memory address or a key)."""
    if isinstance(value, enum.Enum):
        return identity_value(value.value)
    if isinstance(value, _SCALARS):
        return value
    identity = getattr(value, "cache_identity", None)
    if callable(identity) and not isinstance(value, type):
        return redact_value(identity())
    if isinstance(value, (list, tuple)):
        return [identity_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): identity_value(v) for k, v in value.items()}
    instruction = getattr(value, "instruction", None)
    if isinstance(instruction, str):  # a library prompt: its wording changes the scores
        return {"prompt": class_path(value), "instruction": instruction}
    return class_path(value)


def attribute_identity(attributes: dict[str, Any], skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The identity of a metric's public attributes (private and per-call state left out)."""
    return {
        key: identity_value(value)
        for key, value in sorted(attributes.items())
        if not key.startswith("_") and key not in skip and (not callable(value) or isinstance(value, type))
    }


def failure_text(library: str, name: str, item_id: str, exc: BaseException) -> str:
    """The message of an ExternalMetricError: which metric, which item, what the library said."""
    detail = excerpt(str(exc) or type(exc).__name__, 500)
    return redact(f"{library} metric '{name}' failed on item '{item_id}': {type(exc).__name__}: {detail}")
