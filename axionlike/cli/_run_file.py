"""Evaluations described in a YAML or JSON file, for ``axionlike run CONFIG``."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from axionlike._exceptions import ConfigurationError
from axionlike.cache import CacheConfig
from axionlike.metrics import metric_from_name
from axionlike.runners import ErrorConfig, EvaluationConfig

_FILE_ONLY_KEYS = {"dataset", "metrics", "output", "cache", "errors"}


def import_object(reference: str, near: Path | None = None) -> Any:
    """``'package.module:attribute'`` -> the attribute.

    ``near`` (the config file's folder) goes first on ``sys.path``, as a script's folder
    does for ``python script.py``, so a task module beside the config imports.
    """
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise ConfigurationError(f"expected 'module:attribute', got {reference!r}")
    if near is not None and str(near.resolve()) not in sys.path:
        sys.path.insert(0, str(near.resolve()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"cannot import module '{module_name}' for {reference!r}: {exc}") from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ConfigurationError(f"module '{module_name}' has no attribute '{attribute}'") from None


def _metric(spec: Any, index: int) -> Any:
    """A metric from ``'name'``, ``{'name': ..., **params}`` or ``{name: {params}}``."""
    if isinstance(spec, str):
        return metric_from_name(spec)
    if isinstance(spec, dict) and "name" in spec:
        params = {k: v for k, v in spec.items() if k != "name"}
        return metric_from_name(spec["name"], **params)
    if isinstance(spec, dict) and len(spec) == 1:
        ((name, params),) = spec.items()
        return metric_from_name(name, **(params or {}))
    raise ConfigurationError(f"metrics[{index}]: expected a name or a mapping with 'name', got {spec!r}")


def _api_task(spec: dict[str, Any], base: Path) -> Any:
    """``task: {api_runner: endpoints.yaml, endpoint: name}`` -> that API runner (endpoint)."""
    from axionlike.endpoints import APIRunner

    if "api_runner" not in spec or set(spec) - {"api_runner", "endpoint"}:
        raise ConfigurationError(
            "task: expected 'module:function' or {api_runner: <endpoints YAML>, endpoint: <name>}; "
            f"got keys {sorted(spec)}"
        )
    runner = APIRunner.from_yaml(base / spec["api_runner"])
    return runner[spec["endpoint"]] if spec.get("endpoint") else runner


def read_config_file(path: str | Path) -> tuple[EvaluationConfig, Path | None]:
    """Build an EvaluationConfig from a file; also return where to write the result."""
    path = Path(path)
    if not path.exists():
        raise ConfigurationError(f"config file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
    else:
        import yaml

        data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: expected a mapping at the top level")
    base = path.parent
    settings = {k: v for k, v in data.items() if k not in _FILE_ONLY_KEYS}
    if "dataset" not in data:
        raise ConfigurationError(f"{path}: 'dataset' (a CSV or JSONL path) is required")
    settings["evaluation_inputs"] = str(base / data["dataset"])
    settings["scoring_metrics"] = [_metric(spec, i) for i, spec in enumerate(data.get("metrics") or [])]
    settings.setdefault("evaluation_name", path.stem)
    if isinstance(settings.get("task"), str):
        settings["task"] = import_object(settings["task"], near=base)
    elif isinstance(settings.get("task"), dict):
        settings["task"] = _api_task(settings["task"], base)
    if data.get("cache"):
        cache = dict(data["cache"])
        if "cache_dir" in cache:
            cache["cache_dir"] = base / cache["cache_dir"]
        settings["cache_config"] = CacheConfig(**cache)
    if data.get("errors"):
        settings["error_config"] = ErrorConfig(**data["errors"])
    output = base / data["output"] if data.get("output") else None
    try:
        return EvaluationConfig(**settings), output
    except ValueError as exc:
        raise ConfigurationError(f"{path}: {exc}") from None
