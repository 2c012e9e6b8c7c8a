"""Mappers: turn one sample into the keyword arguments a grader takes."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from axionlike._exceptions import MappingError
from axionlike._redact import redact

Mapper = Mapping[str, str] | Callable[[Any], Mapping[str, Any]]

_MISSING = object()


def _step(value: Any, part: str) -> Any:
    """One path step: a mapping key, a list index, or an attribute; ``_MISSING`` if absent."""
    if isinstance(value, Mapping):
        return value.get(part, _MISSING)
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        try:
            return value[int(part)]
        except (ValueError, IndexError):
            return _MISSING
    return getattr(value, part, _MISSING)


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"keys: {', '.join(map(str, value)) or 'none'}"
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return f"a list of {len(value)}"
    return f"a {type(value).__name__}"


def resolve_path(sample: Any, path: str, *, label: str, grader: str) -> Any:
    """The value at dot ``path`` (``"input.question"``, ``"responses.0"``) in ``sample``.

    A top-level key that itself contains dots wins over the dotted reading. A path
    that does not exist raises MappingError naming the sample, the grader and the
    step that failed; it never yields ``None``.
    """
    if isinstance(sample, Mapping) and path in sample:
        return sample[path]
    value, walked = sample, []
    for part in path.split("."):
        found = _step(value, part)
        if found is _MISSING:
            where = f"'{'.'.join(walked)}'" if walked else "the sample"
            raise MappingError(
                f"{label}: grader '{grader}' reads '{path}', but {where} has no '{part}' ({_describe(value)})"
            )
        value, walked = found, [*walked, part]
    return value


def apply_mapper(sample: Any, mapper: Mapper | None, *, label: str, grader: str) -> dict[str, Any]:
    """Keyword arguments for ``grader`` from ``sample``: by dict of paths, by callable, or as is."""
    if mapper is None:
        if not isinstance(sample, Mapping):
            raise MappingError(
                f"{label}: grader '{grader}' has no mapper, so the sample must be a dict; got {type(sample).__name__}"
            )
        return dict(sample)
    if isinstance(mapper, Mapping):
        return {param: resolve_path(sample, path, label=label, grader=grader) for param, path in mapper.items()}
    try:
        mapped = mapper(sample)
    except Exception as exc:
        raise MappingError(
            f"{label}: the mapper of grader '{grader}' raised {type(exc).__name__}: {redact(str(exc))}"
        ) from exc
    if not isinstance(mapped, Mapping):
        raise MappingError(f"{label}: the mapper of grader '{grader}' returned {type(mapped).__name__}, not a dict")
    return dict(mapped)
