"""Import Ragas and DeepEval on first use, quietly: telemetry off, nothing written to the cwd."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterator
from types import ModuleType

from axionlike._exceptions import MissingDependencyError

_LOCK = threading.Lock()
_DEEPEVAL_HOME: str | None = None

_RAGAS_ENV = {"RAGAS_DO_NOT_TRACK": "true"}
_DEEPEVAL_ENV = {
    "DEEPEVAL_TELEMETRY_OPT_OUT": "YES",
    "DEEPEVAL_UPDATE_WARNING_OPT_IN": "NO",
    "DEEPEVAL_DISABLE_DOTENV": "1",
}


@contextlib.contextmanager
def _without_widget_warning() -> Iterator[None]:
    """Import without tqdm's "IProgress not found" warning: Ragas and DeepEval import ``tqdm.auto``,
    which warns in Jupyter when ipywidgets is absent, and then falls back to text bars anyway."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="IProgress not found")
        yield


def load_ragas(purpose: str) -> ModuleType:
    """``ragas``, imported with its usage tracking off (unless the user set it)."""
    for key, value in _RAGAS_ENV.items():
        os.environ.setdefault(key, value)
    try:
        with _without_widget_warning():
            import ragas
    except ImportError as exc:
        raise MissingDependencyError("ragas", "ragas", purpose) from exc
    return sys.modules[ragas.__name__]


def deepeval_home() -> str:
    """A private folder standing in for the working directory while DeepEval is imported."""
    global _DEEPEVAL_HOME
    if _DEEPEVAL_HOME is None:
        _DEEPEVAL_HOME = tempfile.mkdtemp(prefix="axionlike-deepeval-")
    return _DEEPEVAL_HOME


def load_deepeval(purpose: str) -> ModuleType:
    """``deepeval``, imported with telemetry off and without touching the working directory.

    DeepEval 2.x creates a ``.deepeval`` folder in the current directory when it is
    first imported. If axionlike is the first to import it, the import runs with a
    private temporary folder as the working directory, so the user's stays clean. A
    user who imported DeepEval first has already had that folder made by their import.
    """
    for key, value in _DEEPEVAL_ENV.items():
        os.environ.setdefault(key, value)
    with _LOCK:
        if "deepeval.metrics" not in sys.modules:
            cwd = os.getcwd()
            try:
                os.chdir(deepeval_home())
                with _without_widget_warning():
                    import deepeval.metrics
                    import deepeval.models
                    import deepeval.test_case
            except ImportError as exc:
                raise MissingDependencyError("deepeval", "deepeval", purpose) from exc
            finally:
                with contextlib.suppress(OSError):
                    os.chdir(cwd)
    import deepeval

    return sys.modules[deepeval.__name__]
