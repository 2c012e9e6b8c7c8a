"""The pytest face: ``@foreach`` evaluations run as tests, stored, resumable.

Registered through the ``pytest11`` entry point, so installing axionlike enables it.
An evaluation is one pytest item; its rows run through the axionlike engine. Other
tests in the session are left alone.

Options: ``--experiment NAME`` (started again with the same name, a run resumes),
``--results-dir DIR`` (default ``.axionlike`` in the rootdir), ``--max-concurrent N``, ``--samples N``,
``--retry-errors``, ``--min-score X`` (fail an evaluation whose mean score is under X),
``--concurrent-evaluations`` (run a module's async evaluations at once, as dotevals'
concurrent mode does; opt-in, because they then share their fixtures while they run).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest

from axionlike.integrations._foreach import SPEC_ATTRIBUTE, foreach

__all__ = ["foreach"]

_OPTIONS = pytest.StashKey[Any]()
_OUTCOMES = pytest.StashKey[list[Any]]()
_AHEAD = pytest.StashKey[dict[str, Any]]()
"""Outcomes (or the exception) of evaluations already run with an earlier one, by node id."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("axionlike", "axionlike evaluations (@foreach)")
    group.addoption("--experiment", help="name of the evaluation run; the same name resumes it")
    group.addoption(
        "--results-dir",
        default=".axionlike",
        help="where runs are stored, relative to the rootdir (default: .axionlike)",
    )
    group.addoption("--max-concurrent", type=int, default=10, help="rows evaluated at once (default: 10)")
    group.addoption("--samples", type=int, default=None, help="evaluate only the first N rows")
    group.addoption("--trials", type=int, default=None, help="run each row N times; its score is the mean (default: 1)")
    group.addoption("--retry-errors", action="store_true", help="on resume, run again the rows that errored")
    group.addoption("--min-score", type=float, default=None, help="fail an evaluation whose mean score is under X")
    group.addoption(
        "--concurrent-evaluations",
        action="store_true",
        help="run the async evaluations of a module (or class) at once, each with its own limit; only those "
        "whose fixtures all outlive a test (session, package, module or class scope) and that are not parametrized",
    )


def pytest_configure(config: pytest.Config) -> None:
    for option in ("max_concurrent", "samples", "trials"):
        value = config.getoption(option)
        if value is not None and value < 1:
            raise pytest.UsageError(f"--{option.replace('_', '-')} must be at least 1; got {value}")
    config.stash[_OUTCOMES] = []
    config.stash[_AHEAD] = {}
    config.addinivalue_line("markers", "axionlike_evaluation: an @foreach evaluation (set by axionlike)")


def _options(config: pytest.Config) -> Any:
    """The evaluation options, built on first use so plain test sessions import nothing heavy."""
    if _OPTIONS not in config.stash:
        from axionlike.integrations._session import EvaluationOptions

        given = {
            "experiment": config.getoption("experiment"),
            # relative to the rootdir, like .pytest_cache: the same place from any working directory
            "results_dir": config.rootpath / config.getoption("results_dir"),
            "max_concurrent": config.getoption("max_concurrent"),
            "samples": config.getoption("samples"),
            "trials": config.getoption("trials"),
            "retry_errors": config.getoption("retry_errors"),
        }
        config.stash[_OPTIONS] = EvaluationOptions(**{k: v for k, v in given.items() if v is not None})
    return config.stash[_OPTIONS]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    """Collect ``eval_*.py`` files too, so ``pytest evals/`` finds them."""
    if file_path.suffix != ".py" or not file_path.name.startswith("eval_"):
        return None
    if parent.session.isinitpath(file_path) or any(file_path.match(p) for p in parent.config.getini("python_files")):
        return None  # pytest's own collector takes it
    return pytest.Module.from_parent(parent, path=file_path)


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> Any:
    """Collect ``@foreach`` functions whatever their name (``eval_math`` as well as ``test_math``)."""
    if getattr(obj, SPEC_ATTRIBUTE, None) is None or not isinstance(collector, pytest.Module | pytest.Class):
        return None
    items = list(collector._genfunctions(name, obj))
    for item in items:
        item.add_marker("axionlike_evaluation")
    return items


def _fixtures(item: pytest.Function, spec: Any) -> dict[str, Any]:
    """The evaluation's fixture values: the item's own once set up, else asked of pytest for it."""
    names = list(spec.fixture_names)
    instance = getattr(item.obj, "__self__", None)  # an evaluation method of a test class
    fixtures = {names.pop(0): instance} if instance is not None else {}
    for name in names:
        fixtures[name] = item.funcargs[name] if name in item.funcargs else item._request.getfixturevalue(name)
    return fixtures


def _failure(item: pytest.Function, exc: Exception) -> str:
    return f"{item.name}: {type(exc).__name__}: {exc}"


def _evaluate(pyfuncitem: pytest.Function, spec: Any) -> Any:
    """Run the evaluation with the item's fixtures; misconfiguration fails the item with its message."""
    from axionlike._exceptions import AxionlikeError
    from axionlike.integrations._session import run_evaluation

    try:
        return run_evaluation(
            spec,
            _fixtures(pyfuncitem, spec),
            _options(pyfuncitem.config),
            nodeid=pyfuncitem.nodeid,
            name=pyfuncitem.name,
        )
    except AxionlikeError as exc:  # an unreadable dataset, a bad experiment name, ...
        message = _failure(pyfuncitem, exc)
    pytest.fail(message, pytrace=False)


def _runs_concurrently(item: pytest.Item) -> bool:
    """Whether the item is an async evaluation that may run beside others: not parametrized, and
    every fixture it uses outlives one test, so it is alive for the whole of a concurrent run."""
    if not isinstance(item, pytest.Function) or hasattr(item, "callspec"):
        return False
    spec = getattr(item.obj, SPEC_ATTRIBUTE, None)
    if spec is None or not inspect.iscoroutinefunction(spec.fn):
        return False
    definitions = item._fixtureinfo.name2fixturedefs
    return all(definitions[name][-1].scope != "function" for name in item.fixturenames if name in definitions)


def _companions(item: pytest.Function) -> list[pytest.Function]:
    """The async evaluations right after ``item`` under the same parent that can run with it."""
    config = item.config
    if not config.getoption("concurrent_evaluations") or hasattr(config, "workerinput"):  # xdist splits items
        return []
    if not _runs_concurrently(item):
        return []
    items = item.session.items
    found = []
    for other in items[items.index(item) + 1 :]:
        if other.parent is not item.parent or not _runs_concurrently(other):
            break
        found.append(other)
    return [f for f in found if isinstance(f, pytest.Function) and f.nodeid not in config.stash[_AHEAD]]


def _evaluate_together(pyfuncitem: pytest.Function, spec: Any, companions: list[pytest.Function]) -> Any:
    """Run ``pyfuncitem``'s evaluation and its companions' at once, on one loop, each with its own
    engine and limit; the companions' outcomes wait in the stash for their own items to report them."""
    import asyncio

    from axionlike._exceptions import AxionlikeError
    from axionlike._sync import run_sync
    from axionlike.integrations._session import arun_evaluation

    options = _options(pyfuncitem.config)
    runs = [(pyfuncitem, spec, _fixtures(pyfuncitem, spec))]
    for other in companions:
        other_spec = getattr(other.obj, SPEC_ATTRIBUTE)
        try:
            runs.append((other, other_spec, _fixtures(other, other_spec)))
        except Exception:  # a fixture that fails: that item runs on its own, where pytest reports it
            continue

    async def together() -> list[Any]:
        calls = [arun_evaluation(s, f, options, nodeid=i.nodeid, name=i.name) for i, s, f in runs]
        return await asyncio.gather(*calls, return_exceptions=True)

    outcomes = run_sync(together())
    for (other, _, _), outcome in zip(runs[1:], outcomes[1:], strict=True):
        pyfuncitem.config.stash[_AHEAD][other.nodeid] = outcome
    first = outcomes[0]
    if isinstance(first, AxionlikeError):
        pytest.fail(_failure(pyfuncitem, first), pytrace=False)
    if isinstance(first, BaseException):
        raise first
    return first


def _ran_ahead(pyfuncitem: pytest.Function, outcome: Any) -> Any:
    """The outcome of an evaluation that ran beside an earlier one (its failure raised here)."""
    from axionlike._exceptions import AxionlikeError

    if isinstance(outcome, AxionlikeError):
        pytest.fail(_failure(pyfuncitem, outcome), pytrace=False)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an evaluation through the engine instead of calling the function once."""
    spec = getattr(pyfuncitem.obj, SPEC_ATTRIBUTE, None)
    if spec is None:
        return None
    ahead = pyfuncitem.config.stash[_AHEAD]
    if pyfuncitem.nodeid in ahead:
        outcome = _ran_ahead(pyfuncitem, ahead.pop(pyfuncitem.nodeid))
    elif companions := _companions(pyfuncitem):
        outcome = _evaluate_together(pyfuncitem, spec, companions)
    else:
        outcome = _evaluate(pyfuncitem, spec)
    pyfuncitem.config.stash[_OUTCOMES].append(outcome)
    min_score = pyfuncitem.config.getoption("min_score")
    if min_score is not None:
        from axionlike.integrations._report import below

        failing = below(outcome.result, min_score)
        if failing:
            pytest.fail(f"{pyfuncitem.name}: {'; '.join(failing)}", pytrace=False)
    return True


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    outcomes = config.stash.get(_OUTCOMES, [])
    if not outcomes:
        return
    from axionlike.integrations._report import summary_lines

    terminalreporter.section("axionlike evaluations")
    for line in summary_lines(outcomes, _options(config), config.getoption("min_score")):
        terminalreporter.write_line(line)
