"""Build a JSON value that fits a JSON schema, deterministically from a seed."""

from __future__ import annotations

import hashlib
from typing import Any


def unit_value(seed: str) -> float:
    """A number in [0, 1) derived from ``seed`` (same seed, same number)."""
    digest = hashlib.sha256(seed.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def fill_schema(schema: dict[str, Any], seed: str) -> Any:
    """A value conforming to ``schema`` (objects, arrays, enums, $ref/$defs, anyOf, bounds).

    Numbers are derived from ``seed`` and lie within ``minimum``/``maximum`` (``[0, 1]``
    when unbounded), so the same prompt always gets the same scores.
    """
    return _fill(schema, schema.get("$defs") or schema.get("definitions") or {}, seed, "$")


def _fill(schema: dict[str, Any], defs: dict[str, Any], seed: str, path: str) -> Any:
    if "$ref" in schema:
        return _fill(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs, seed, path)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _fill(options[0], defs, seed, path)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind is None:
        kind = "object" if "properties" in schema else "string"
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _fill(sub, defs, seed, f"{path}.{name}") for name, sub in props.items()}
    if kind == "array":
        count = max(schema.get("minItems", 1), 1)
        return [_fill(schema.get("items", {}), defs, seed, f"{path}[{i}]") for i in range(count)]
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum", 0))
        high = schema.get("maximum", schema.get("exclusiveMaximum", max(low, 0) + 1))
        value = low + (high - low) * unit_value(f"{seed}|{path}")
        return round(value) if kind == "integer" else round(value, 4)
    if kind == "boolean":
        return unit_value(f"{seed}|{path}") >= 0.5
    if kind == "null":
        return None
    return f"fake {path.rsplit('.', 1)[-1]}"
