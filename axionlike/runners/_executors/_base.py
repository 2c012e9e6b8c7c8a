"""The executor protocol: how the engine runs one metric on one item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from axionlike.dataset import DatasetItem
from axionlike.metrics import MetricResult


@dataclass(frozen=True)
class MetricDescription:
    """What an executor knows about a metric before running it."""

    name: str
    required_fields: tuple[str, ...]
    optional_fields: tuple[str, ...]
    higher_is_better: bool
    threshold: float | None
    identity: dict[str, Any]
    """Class, parameters, model and version: the metric part of its cache key."""
    span_name: str


class MetricExecutor(Protocol):
    """Runs metrics of one library. Routing picks the first whose ``accepts`` is true.

    An executor may also define ``preflight(metric) -> None``, called when the run is
    set up, to raise a ConfigurationError (e.g. a missing API key) before any scoring;
    without it, the metric's own ``preflight()`` is called when it has one.
    """

    source: str

    def accepts(self, metric: Any) -> bool:
        """Whether this executor runs ``metric``; must not import optional libraries."""

    def describe(self, metric: Any) -> MetricDescription:
        """Name, fields, threshold and identity of ``metric``."""

    async def execute(self, metric: Any, item: DatasetItem) -> MetricResult:
        """Score ``item``; translate library errors, keeping the original as ``__cause__``."""
