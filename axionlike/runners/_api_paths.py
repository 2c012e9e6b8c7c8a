"""Dot paths into JSON and request-body templates for the API runner.

A path such as ``choices.0.message.content`` (or ``choices[0].message.content``) walks
mappings by key and lists by index; ``*`` maps the rest of the path over a list
(``sources.*.text``). A template is any JSON value whose strings may hold
``{{ path }}`` placeholders, read from the item: a string that is only a placeholder
takes the value as it is (a list stays a list), one with text around it is formatted.
"""

from __future__ import annotations

import json
import re
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_.\[\]*-]+)\s*\}\}")
_MISSING = object()


class PathError(LookupError):
    """A dot path does not resolve; ``path`` is the full path, ``at`` the failing step."""

    def __init__(self, path: str, at: str, found: Any, message: str | None = None) -> None:
        if message is None:
            if isinstance(found, dict):
                has = f"keys there: {', '.join(map(str, list(found)[:12])) or 'none'}"
            elif isinstance(found, list):
                has = f"a list of {len(found)} there"
            else:
                has = f"a {type(found).__name__} there"
            message = f"not found: no '{at}' ({has})"
        super().__init__(f"path '{path}' {message}")
        self.path = path
        self.at = at


def split_path(path: str) -> list[str]:
    """``'a[0].b'`` -> ``['a', '0', 'b']``."""
    return [p for p in path.replace("[", ".").replace("]", "").split(".") if p]


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``; raises PathError naming the missing step."""
    return _walk(data, split_path(path), path)


def _walk(data: Any, parts: list[str], path: str) -> Any:
    for i, part in enumerate(parts):
        if part == "*":
            if not isinstance(data, list):
                raise PathError(path, part, data)
            return [_walk(x, parts[i + 1 :], path) for x in data]
        parent = data
        if isinstance(data, dict):
            data = data.get(part, _MISSING)
        elif isinstance(data, list) and part.lstrip("-").isdigit() and -len(data) <= int(part) < len(data):
            data = data[int(part)]
        else:
            data = _MISSING
        if data is _MISSING:
            raise PathError(path, part, parent)
    return data


def render(template: Any, values: dict[str, Any]) -> Any:
    """``template`` with every ``{{ path }}`` replaced from ``values`` (a PathError if absent)."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template.strip())
        if whole:
            return resolve(values, whole.group(1))
        return _PLACEHOLDER.sub(lambda m: _as_text(resolve(values, m.group(1))), template)
    if isinstance(template, dict):
        return {k: render(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [render(v, values) for v in template]
    return template


def _as_text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)
