"""Mappers: turn one sample into the keyword arguments a grader takes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from axionlike._exceptions import MappingError, PathError
from axionlike._paths import resolve
from axionlike._redact import redact

Mapper = Mapping[str, str] | Callable[[Any], Mapping[str, Any]]


def resolve_path(sample: Any, path: str, *, label: str, grader: str) -> Any:
    """The value at dot ``path`` (``"input.question"``, ``"responses[0]"``) in ``sample``.

    Paths read as everywhere in axionlike (see ``axionlike._paths``). A path that does
    not exist raises MappingError naming the sample, the grader and the step that
    failed; it never yields ``None``.
    """
    try:
        return resolve(sample, path)
    except PathError as exc:
        raise MappingError(f"{label}: grader '{grader}': {exc}") from None


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
