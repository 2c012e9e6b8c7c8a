"""``@foreach``: a function evaluated once per dataset row, collected by pytest.

This module stays light (no pydantic, no engine): the pytest plugin imports it in
every pytest session where axionlike is installed.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from axionlike._exceptions import ConfigurationError

#: Attribute marking a collected function as an evaluation; holds its EvaluationSpec.
SPEC_ATTRIBUTE = "__axionlike_evaluation__"


@dataclass(frozen=True)
class EvaluationSpec:
    """What ``@foreach`` records about an evaluation function."""

    fn: Callable[..., Any]
    fields: tuple[str, ...]
    """Row fields passed to ``fn`` as keyword arguments."""
    dataset: Any
    """Rows: a list of tuples, dicts or DatasetItems, a Dataset, a DataFrame or a file path."""
    fixture_names: tuple[str, ...]
    """The other parameters of ``fn``: pytest fixtures (or parametrize arguments)."""
    threshold: float | None = None
    """Pass mark of numeric scores (``score >= threshold``); bools pass when true."""
    max_concurrent: int | None = None
    """Rows of this evaluation in flight at once; ``None`` takes ``--max-concurrent``."""

    @property
    def name(self) -> str:
        return self.fn.__name__


def _field_names(fields: str | Sequence[str]) -> tuple[str, ...]:
    names = tuple(f.strip() for f in fields.split(",")) if isinstance(fields, str) else tuple(fields)
    bad = [n for n in names if not isinstance(n, str) or not n.isidentifier()]
    if not names or bad:
        raise ConfigurationError(
            f"foreach fields must be identifiers separated by commas, like 'question,answer'; got {fields!r}"
        )
    if len(set(names)) != len(names):
        raise ConfigurationError(f"foreach fields name a field twice: {fields!r}")
    return names


def foreach(
    fields: str | Sequence[str], dataset: Any, *, threshold: float | None = None, max_concurrent: int | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Evaluate the decorated function once per row of ``dataset``.

    The function (sync or async) receives the row's ``fields`` as keyword arguments
    and any other parameter as a pytest fixture. It returns a score, a bool, a
    ``MetricResult`` / ``MetricScore``, or a dict of named scores; an exception is
    recorded as that row's error. Under pytest the rows run through the axionlike
    engine (see ``axionlike.integrations.pytest_plugin``); called directly, the
    decorated function runs the evaluation with default options and returns its
    ``EvaluationResult``. ``max_concurrent`` is this evaluation's own limit on rows in
    flight (by default ``--max-concurrent``); it holds also when evaluations run
    concurrently (``--concurrent-evaluations``).

    Example:
        ```python
        from axionlike import foreach

        @foreach("question,answer", [("2+2?", "4"), ("3+3?", "6")])
        async def eval_math(question, answer, model):  # model: a pytest fixture
            return (await model.ask(question)).strip() == answer
        ```
    """
    names = _field_names(fields)
    if max_concurrent is not None and (not isinstance(max_concurrent, int) or max_concurrent < 1):
        raise ConfigurationError(f"foreach max_concurrent must be an int of at least 1; got {max_concurrent!r}")

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(fn)
        missing = [n for n in names if n not in signature.parameters]
        if missing:
            raise ConfigurationError(
                f"foreach on {fn.__qualname__}: the function has no parameter for field(s) {', '.join(missing)}"
            )
        others = [p for p in signature.parameters.values() if p.name not in names]
        spec = EvaluationSpec(fn, names, dataset, tuple(p.name for p in others), threshold, max_concurrent)

        def evaluation(**fixtures: Any) -> Any:
            from axionlike.integrations._session import EvaluationOptions, run_evaluation

            return run_evaluation(spec, fixtures, EvaluationOptions()).result

        for attr in ("__name__", "__qualname__", "__module__", "__doc__"):
            setattr(evaluation, attr, getattr(fn, attr, None))
        # pytest reads the signature to inject fixtures: only the non-field parameters.
        evaluation.__signature__ = signature.replace(parameters=others)  # type: ignore[attr-defined]
        setattr(evaluation, SPEC_ATTRIBUTE, spec)
        return evaluation

    return decorate
