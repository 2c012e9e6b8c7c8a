"""Progress bar (tqdm), silent when disabled."""

from __future__ import annotations

from typing import Any


class Progress:
    """A tqdm bar over the run's items; a no-op when ``enabled`` is false."""

    def __init__(self, total: int | None, description: str, *, enabled: bool) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=description, unit="item", mininterval=0.2)

    def update(self, n: int) -> None:
        if self._bar is not None and n:
            self._bar.update(n)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()
