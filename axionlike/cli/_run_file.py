"""Evaluations described in a YAML or JSON file, for ``axionlike run CONFIG``."""

from __future__ import annotations

import difflib
import importlib
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from axionlike._exceptions import ConfigurationError
from axionlike.cache import CacheConfig
from axionlike.metrics import metric_from_name, registered_metrics
from axionlike.results import LineSummary, MetricTableSummary, ScorecardSummary
from axionlike.runners import ErrorConfig, EvaluationConfig, RayBackend

_FILE_ONLY_KEYS = {"dataset", "metrics", "output", "cache", "errors", "summary"}
_FILE_REPLACED_FIELDS = {"evaluation_inputs", "scoring_metrics", "cache_config", "error_config", "summary_generator"}
"""EvaluationConfig fields a config file sets through its own keys (``dataset``, ``metrics``, ...)."""
_SUMMARIES: dict[str, Any] = {"scorecard": ScorecardSummary, "table": MetricTableSummary, "line": LineSummary}


def _unknown_key(where: str, key: str, valid: Iterable[str]) -> ConfigurationError:
    """``where: unknown key 'patern' (did you mean 'pattern'?); valid keys: ...``."""
    valid = sorted(valid)
    close = difflib.get_close_matches(key, valid, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return ConfigurationError(f"{where}: unknown key '{key}'{hint}; valid keys: {', '.join(valid)}")


def _explain(where: str, exc: ValidationError, valid: Iterable[str]) -> ConfigurationError:
    """A pydantic error in one line: a misspelt key with the closest valid one, else each field and
    what was expected (no URL)."""
    errors = exc.errors()
    extra = [e for e in errors if e["type"] == "extra_forbidden" and e["loc"]]
    if extra:
        return _unknown_key(where, str(extra[0]["loc"][0]), valid)
    problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in errors)
    return ConfigurationError(f"{where}: {problems}")


def _build(model: type[BaseModel], where: str, params: dict[str, Any]) -> Any:
    """``model(**params)``, its errors said in one line."""
    try:
        return model(**params)
    except ValidationError as exc:
        raise _explain(where, exc, model.model_fields) from None


def _summary(where: str, name: Any) -> Any:
    """The summary a run ends with, by name: ``scorecard`` (the default), ``table``, ``line`` or ``none``."""
    if name is None or name == "none":
        return None
    if name not in _SUMMARIES:
        raise ConfigurationError(f"{where}: summary: expected scorecard, table, line or none; got {name!r}")
    return _SUMMARIES[name]()


def _backend(where: str, spec: Any) -> RayBackend | None:
    """Where the work runs: ``local`` (this process), ``ray``, or ``{ray: {address: ..., workers: ...}}``
    with ``RayBackend``'s settings."""
    if spec is None or spec == "local":
        return None
    if spec == "ray":
        spec = {"ray": {}}
    if not isinstance(spec, dict) or set(spec) != {"ray"}:
        raise ConfigurationError(
            f"{where}: backend: expected local, ray or {{ray: {{address: ..., workers: ...}}}}; got {spec!r}"
        )
    backend: RayBackend = _build(RayBackend, f"{where}: backend.ray", dict(spec["ray"] or {}))
    return backend


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
        name, params = spec, {}
    elif isinstance(spec, dict) and "name" in spec:
        name, params = spec["name"], {k: v for k, v in spec.items() if k != "name"}
    elif isinstance(spec, dict) and len(spec) == 1:
        ((name, params),) = spec.items()
        if not isinstance(params or {}, dict):
            raise ConfigurationError(f"metrics[{index}] ({name}): expected a mapping of parameters, got {params!r}")
    else:
        raise ConfigurationError(f"metrics[{index}]: expected a name or a mapping with 'name', got {spec!r}")
    try:
        return metric_from_name(name, **(params or {}))
    except ValidationError as exc:  # the class exists (an unknown name raises UnknownMetricError)
        fields = next((cls.model_fields for cls in registered_metrics().values() if cls.__name__ == exc.title), {})
        raise _explain(f"metrics[{index}] ({name})", exc, fields) from None


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
    data = _parse(path)
    if not isinstance(data, dict):
        raise ConfigurationError(f"{path}: expected a mapping at the top level")
    valid = (set(EvaluationConfig.model_fields) - _FILE_REPLACED_FIELDS) | _FILE_ONLY_KEYS
    unknown = [key for key in data if key not in valid]
    if unknown:
        raise _unknown_key(str(path), str(unknown[0]), valid)
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
        settings["cache_config"] = _build(CacheConfig, f"{path}: cache", cache)
    if data.get("errors"):
        settings["error_config"] = _build(ErrorConfig, f"{path}: errors", dict(data["errors"]))
    if "summary" in data:
        settings["summary_generator"] = _summary(str(path), data["summary"])
    if "backend" in data:
        settings["backend"] = _backend(str(path), data["backend"])
    output = base / data["output"] if data.get("output") else None
    return _build(EvaluationConfig, str(path), settings), output


def _parse(path: Path) -> Any:
    """The file's YAML or JSON content; a syntax error is one line with its position."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{path}: not valid JSON: {exc}") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigurationError(f"{path}: not valid YAML: {at}{problem}") from None
