"""Exceptions raised by axionlike.

Misuse raises at once; failures of a task or metric on one item are recorded as data
(`ErrorInfo` on the result) and only raise when `ErrorConfig(fail_fast=True)` asks.

```
AxionlikeError
├── ConfigurationError        bad configuration, raised before any work starts
│   ├── UnknownMetricError    a metric name or object no executor accepts
│   └── MissingDependencyError  an optional extra is not installed
├── DatasetError
│   ├── DatasetLoadError      a file or frame that cannot be read
│   └── InvalidItemError      a row that is not a valid DatasetItem
├── TaskError                 the task failed or returned the wrong shape
│   └── EndpointError         an HTTP endpoint (the APIRunner task) failed or answered unusably
├── MetricError
│   ├── MissingFieldsError    an item lacks fields a metric requires
│   ├── MappingError          a grader's mapper cannot find a path in a sample
│   ├── GraderInputError      a grader's input has the wrong shape (a malformed trajectory)
│   └── ExternalMetricError   a Ragas or DeepEval metric failed
├── LLMError
│   ├── LLMTimeoutError
│   ├── RateLimitError
│   └── StructuredOutputError
├── PathError                a dot path that does not resolve in the data it reads
├── CacheError
├── TracingError
└── EvaluationAbortedError    fail-fast stopped the run; carries the partial result

KeyboardInterrupt
└── EvaluationInterrupted     Ctrl-C stopped the run; says what was done and kept, carries the partial result
```

``EvaluationInterrupted`` is a ``KeyboardInterrupt``, not an ``AxionlikeError``: an
``except Exception`` never swallows a Ctrl-C.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from axionlike._redact import redact

__all__ = [
    "AxionlikeError",
    "CacheError",
    "ConfigurationError",
    "DatasetError",
    "DatasetLoadError",
    "EndpointError",
    "EvaluationAbortedError",
    "EvaluationInterrupted",
    "ExternalMetricError",
    "GraderInputError",
    "InvalidItemError",
    "LLMError",
    "LLMTimeoutError",
    "MappingError",
    "MetricError",
    "MissingDependencyError",
    "MissingFieldsError",
    "PathError",
    "RateLimitError",
    "StructuredOutputError",
    "TaskError",
    "TracingError",
    "UnknownMetricError",
]


class AxionlikeError(Exception):
    """Root of every exception axionlike raises on purpose."""


class ConfigurationError(AxionlikeError):
    """The evaluation is configured wrongly; raised before any work starts."""


class UnknownMetricError(ConfigurationError):
    """A metric name or object that no executor accepts."""


class MissingDependencyError(ConfigurationError):
    """An optional dependency is needed; the message names the extra to install."""

    def __init__(self, package: str, extra: str, purpose: str) -> None:
        super().__init__(f"{purpose} needs the '{package}' package: pip install 'axionlike[{extra}]'")
        self.package = package
        self.extra = extra


class DatasetError(AxionlikeError):
    """The dataset cannot be used."""


class DatasetLoadError(DatasetError):
    """A dataset source (file, frame) cannot be read."""


class InvalidItemError(DatasetError):
    """One row is not a valid DatasetItem; the message names the row and field."""

    def __init__(self, message: str, *, row: int, item_id: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.item_id = item_id


class TaskError(AxionlikeError):
    """The task failed on an item or returned something unusable."""


class EndpointError(TaskError):
    """An endpoint call failed: HTTP status, timeout, connection, or an unusable answer.

    Attributes:
        status: HTTP status, when the server answered.
        request_id: the server's request id header, when it sent one.
        retryable: whether another attempt may succeed (429, 5xx, timeouts, connection
            errors, a stream cut short).
        retry_after: seconds the server asked to wait (Retry-After), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        request_id: str | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.status = status
        self.request_id = request_id
        self.retryable = retryable
        self.retry_after = retry_after


class MetricError(AxionlikeError):
    """A metric failed on an item or returned something unusable."""


class MissingFieldsError(MetricError):
    """An item lacks fields that a metric requires."""

    def __init__(self, metric: str, fields: list[str], item_id: str | None = None) -> None:
        which = f"item '{item_id}'" if item_id is not None else "the item"
        super().__init__(f"metric '{metric}' requires {', '.join(fields)}, which {which} lacks")
        self.metric = metric
        self.fields = fields
        self.item_id = item_id


class MappingError(MetricError):
    """A grader's mapper cannot read a sample; the message names the sample and the path."""


class GraderInputError(MetricError, ValueError):
    """A grader's input does not have the shape the grader reads: a malformed trajectory, bad JSON
    arguments, a tool result without its call. The message names the field and the position."""


class ExternalMetricError(MetricError):
    """A Ragas or DeepEval metric raised; the original is the ``__cause__``."""


class LLMError(AxionlikeError):
    """An LLM call failed after its retries."""


class LLMTimeoutError(LLMError):
    """An LLM call timed out."""


class RateLimitError(LLMError):
    """The provider kept answering 429 after the last retry."""


class StructuredOutputError(LLMError):
    """The model's answer did not fit the requested schema, even after repair."""


class PathError(AxionlikeError, LookupError):
    """A dot path (a mapper's, ``scoring_key_mapping``'s, an endpoint's) does not resolve.

    Attributes:
        path: the whole path.
        at: the step that failed.
    """

    def __init__(self, message: str, *, path: str, at: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.at = at


class CacheError(AxionlikeError):
    """The cache cannot be opened or used."""


class TracingError(AxionlikeError):
    """A tracing backend cannot be configured."""


class EvaluationAbortedError(AxionlikeError):
    """Fail-fast stopped the run; ``partial_result`` holds what was computed (an ``EvaluationResult``)."""

    def __init__(self, message: str, partial_result: Any = None) -> None:
        super().__init__(message)
        self.partial_result = partial_result


class EvaluationInterrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT) stopped the run. The message is one line: the items done and what the
    cache kept (a re-run computes only the rest). ``partial_result`` is the ``EvaluationResult``
    of the items done, built when first read."""

    def __init__(self, message: str, partial_result: Callable[[], Any]) -> None:
        super().__init__(message)
        self._build = partial_result
        self._partial: Any = None

    @property
    def partial_result(self) -> Any:
        """The ``EvaluationResult`` of the items finished before the interruption."""
        if self._partial is None:
            self._partial = self._build()
        return self._partial
