"""How the engine runs one metric on one item: the executor protocol, and ``Scorer`` for faces."""

from __future__ import annotations

from abc import ABC, abstractmethod
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
    source: str
    """Where the score comes from (``native``, ``ragas``, ``deepeval``, ``function``, ``grader``, ...)."""


class MetricExecutor(Protocol):
    """Runs metrics of one library. Routing picks the first whose ``accepts`` is true.

    An executor may also define ``preflight(metric) -> None``, called when the run is
    set up, to raise a ConfigurationError (e.g. a missing API key) before any scoring;
    without it, the metric's own ``preflight()`` is called when it has one.
    """

    def accepts(self, metric: Any) -> bool:
        """Whether this executor runs ``metric``; must not import optional libraries."""

    def describe(self, metric: Any) -> MetricDescription:
        """Name, fields, threshold and identity of ``metric``."""

    async def execute(self, metric: Any, item: DatasetItem) -> MetricResult:
        """Score ``item``; translate library errors, keeping the original as ``__cause__``."""


class Scorer(ABC):
    """A scoring step that describes itself: how a face puts its own callables on the engine.

    ``GradingRunner`` wraps each grader and its mapper in one, the pytest plugin each
    evaluation function. The engine runs a Scorer as it runs any metric (cache keys from
    its description, spans, timeouts, usage, errors recorded on the item), through the
    one executor that accepts Scorers; no routing table changes.
    """

    @abstractmethod
    def describe(self) -> MetricDescription:
        """Name, fields read, threshold, identity (for the cache), span name and source."""

    @abstractmethod
    async def score(self, item: DatasetItem) -> MetricResult:
        """Score one item."""
