"""ItemStream: items read one at a time from a source too large, or too far away, to hold."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from axionlike._exceptions import DatasetError, InvalidItemError
from axionlike.dataset._item import DatasetItem


class ItemStream:
    """Rows validated into items as the run reaches them, never all in memory at once.

    A ``ray.data.Dataset`` given as ``evaluation_inputs`` becomes one (its rows are read
    with ``iter_rows``, block by block, as the run admits them); wrap any other iterable
    of rows, a generator over a large file for instance, to stream it the same way.
    The run keeps each item's result, but never more rows than it has in flight.
    A row that is not a valid item becomes that row's error, as in a Dataset.

    Example:
        ```python
        def rows():
            with open("huge.jsonl") as lines:
                yield from map(json.loads, lines)

        evaluation_runner(ItemStream(rows(), name="huge"), metrics, "huge-run")
        ```
    """

    blocking = True
    """Reading the next row may wait on I/O or a cluster, so the engine reads in a thread."""

    def __init__(self, rows: Iterable[Any], *, name: str | None = None, total: int | None = None) -> None:
        self.name = name
        self.total = total
        """Rows in the source, when known up front (the progress bar's length)."""
        self._source = rows
        self._ids: Counter[str] = Counter()
        self._read = False

    @classmethod
    def from_ray(cls, dataset: Any, *, name: str | None = None) -> ItemStream:
        """Stream a ``ray.data.Dataset``: its rows as plain Python values (no numpy arrays), in the
        dataset's order. Ray Data may hand out blocks as they finish, so this turns on
        ``preserve_order`` in the dataset's context (shared with the datasets it derives from)."""
        dataset.context.execution_options.preserve_order = True
        return cls(_RayRows(dataset), name=name or getattr(dataset, "name", None))

    def rows(self) -> Iterator[tuple[int, DatasetItem | InvalidItemError]]:
        """Every row in source order: its index and its item, or the error that made it invalid.

        A stream over an iterator (a generator) is read once: a second run over it raises
        DatasetError; one over a list or a Ray dataset is read again from its start."""
        if self._read and iter(self._source) is self._source:
            raise DatasetError(f"{self!r} was already read by a run; a stream is read once, so make a new one")
        self._read = True
        self._ids.clear()
        return self._validated()

    def _validated(self) -> Iterator[tuple[int, DatasetItem | InvalidItemError]]:
        for index, row in enumerate(self._source):
            try:
                item = DatasetItem.from_row(row, index)
            except InvalidItemError as exc:
                yield index, exc
                continue
            self._ids[item.id] += 1
            yield index, item

    @property
    def duplicate_ids(self) -> list[str]:
        """Ids that more than one of the rows read so far carry."""
        return sorted(i for i, n in self._ids.items() if n > 1)

    def __repr__(self) -> str:
        return f"ItemStream(name={self.name!r}, total={self.total})"


class _RayRows:
    """A Ray dataset's rows as plain dicts, read from the start each time it is iterated."""

    def __init__(self, dataset: Any) -> None:
        self._dataset = dataset

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self._dataset.iter_rows():
            yield {key: _plain(value) for key, value in row.items()}


def _plain(value: Any) -> Any:
    """A numpy scalar or array (as Ray Data hands out list and number columns) as Python values."""
    if isinstance(value, Mapping):
        return {key: _plain(inner) for key, inner in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _plain_list(value.tolist())
    return value


def _plain_list(value: Any) -> Any:
    return [_plain(inner) for inner in value] if isinstance(value, list) else value
