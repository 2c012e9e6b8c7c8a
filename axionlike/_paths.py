"""Dot paths into data: the one resolver of mappers, ``scoring_key_mapping`` and endpoint answers.

A path such as ``choices.0.message.content`` (or ``choices[0].message.content``) walks
mappings by key, lists by index (negative counts from the end) and other objects by
attribute; ``*`` maps the rest of the path over a list (``sources.*.text``), and so does
a name step on a list (``items.name`` is the list of the items' names, as OpenJudge's
``get_value_by_path`` reads it; ``items[0].name`` is the first one's). A mapping key that
itself contains dots wins over the dotted reading. A step that does not exist (a key
missing from any one of the dicts, too) raises ``PathError`` naming the path and the
step; it never yields ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from axionlike._exceptions import PathError

_MISSING = object()
_SCALARS = (str, bytes, int, float, bool, type(None))


def split_path(path: str) -> list[str]:
    """``'a[0].b'`` -> ``['a', '0', 'b']``."""
    return [p for p in path.replace("[", ".").replace("]", "").split(".") if p]


def resolve(data: Any, path: str) -> Any:
    """The value at ``path`` in ``data``; raises PathError naming the step that failed."""
    if isinstance(data, Mapping) and path in data:
        return data[path]
    return _walk(data, split_path(path), path, [])


def _is_list(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def _step(value: Any, part: str) -> Any:
    if isinstance(value, Mapping):
        return value.get(part, _MISSING)
    if _is_list(value):
        if part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
            return value[int(part)]
        return _MISSING
    if isinstance(value, _SCALARS) or part.startswith("_"):
        return _MISSING
    return getattr(value, part, _MISSING)


def _walk(data: Any, parts: list[str], path: str, walked: list[str]) -> Any:
    for i, part in enumerate(parts):
        if part == "*" and _is_list(data):
            return [_walk(x, parts[i + 1 :], path, [*walked, str(n)]) for n, x in enumerate(data)]
        if _is_list(data) and not part.lstrip("-").isdigit():  # a name on a list: each element's
            return [_walk(x, parts[i:], path, [*walked, str(n)]) for n, x in enumerate(data)]
        found = _step(data, part)
        if found is _MISSING:
            raise PathError(
                f"path '{path}' not found: {_where(walked)} has no '{part}' ({_describe(data)})", path=path, at=part
            )
        data, walked = found, [*walked, part]
    return data


def _where(walked: list[str]) -> str:
    return f"'{'.'.join(walked)}'" if walked else "the top level"


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"keys there: {', '.join(map(str, list(value)[:12])) or 'none'}"
    if _is_list(value):
        return f"a list of {len(value)} there"
    return f"a {type(value).__name__} there"
