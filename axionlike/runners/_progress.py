"""Progress bar (tqdm), silent when disabled."""

from __future__ import annotations

import importlib.util
from typing import Any


def _bar_class() -> Any:
    """tqdm's notebook widget when ipywidgets is installed, else its text bar.

    ``tqdm.auto`` picks the widget in Jupyter and, without ipywidgets, warns "IProgress not
    found" before falling back to text; the text bar renders in Jupyter as in a terminal.
    """
    if importlib.util.find_spec("ipywidgets") is not None:
        import tqdm.auto

        return tqdm.auto.tqdm
    import tqdm

    return tqdm.tqdm


class Progress:
    """A tqdm bar over the run's items; a no-op when ``enabled`` is false."""

    def __init__(self, total: int | None, description: str, *, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            self._bar = _bar_class()(total=total, desc=description, unit="item", mininterval=0.2)

    def update(self, n: int) -> None:
        if self._bar is not None and n:
            self._bar.update(n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
