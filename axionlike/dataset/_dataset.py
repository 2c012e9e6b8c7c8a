"""Dataset: an ordered collection of DatasetItems loaded from any supported source."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from axionlike._exceptions import DatasetError, InvalidItemError
from axionlike.dataset._item import DatasetItem
from axionlike.dataset._sources import rows_from_dataframe, rows_from_path
from axionlike.dataset._stream import ItemStream


class Dataset:
    """An ordered, immutable collection of DatasetItems.

    Load from a list of items or dicts, a pandas DataFrame, or a CSV / JSONL / JSON
    file. Rows that are not valid items are collected in ``invalid_rows`` (the runner
    reports each one as an errored result) unless ``strict=True``, which raises at the
    first. Duplicate ids are kept and listed in ``duplicate_ids``.

    Example:
        ```python
        ds = Dataset.load("eval.jsonl", name="support-faq")
        len(ds), ds[0].query
        ```
    """

    def __init__(
        self,
        items: Iterable[Any] = (),
        *,
        name: str | None = None,
        strict: bool = True,
    ) -> None:
        self.name = name
        self.items: list[DatasetItem] = []
        self.positions: list[int] = []
        self.invalid_rows: list[InvalidItemError] = []
        for index, row in enumerate(items):
            try:
                self.items.append(DatasetItem.from_row(row, index))
                self.positions.append(index)
            except InvalidItemError as exc:
                if strict:
                    raise
                self.invalid_rows.append(exc)
        counts = Counter(item.id for item in self.items)
        self.duplicate_ids: list[str] = sorted(i for i, n in counts.items() if n > 1)

    @classmethod
    def load(cls, source: Any, *, name: str | None = None, strict: bool = False) -> Dataset:
        """Build a Dataset from a list, a DataFrame, a Dataset or a file path."""
        if isinstance(source, Dataset):
            return source
        if isinstance(source, (str, Path)):
            path = Path(source)
            return cls(rows_from_path(path), name=name or path.stem, strict=strict)
        if type(source).__name__ == "DataFrame" and hasattr(source, "to_dict"):
            return cls(rows_from_dataframe(source), name=name, strict=strict)
        if isinstance(source, (Mapping, str, bytes)) or not isinstance(source, Iterable):
            raise DatasetError(
                "evaluation_inputs must be a list of items or dicts, a pandas DataFrame, "
                f"a Dataset or a path to a CSV/JSONL file; got {type(source).__name__}"
            )
        return cls(source, name=name, strict=strict)

    @property
    def total(self) -> int:
        """Rows in the source, valid or not."""
        return len(self.items) + len(self.invalid_rows)

    def rows(self) -> Iterator[tuple[int, DatasetItem | InvalidItemError]]:
        """Every row in source order: its index and its item, or the error that made it invalid."""
        by_index: dict[int, DatasetItem | InvalidItemError] = dict(zip(self.positions, self.items, strict=True))
        by_index.update((exc.row or 0, exc) for exc in self.invalid_rows)
        return iter(sorted(by_index.items()))

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[DatasetItem]:
        return iter(self.items)

    def __getitem__(self, index: int) -> DatasetItem:
        return self.items[index]

    def __repr__(self) -> str:
        return f"Dataset(name={self.name!r}, items={len(self.items)})"

    def to_dataframe(self) -> Any:
        """The items as a pandas DataFrame, one row per item."""
        import pandas as pd

        return pd.DataFrame([item.model_dump() for item in self.items])


def load_inputs(source: Any, *, name: str | None = None) -> Dataset | ItemStream:
    """A run's ``evaluation_inputs`` as items: an ItemStream (given, or over a ``ray.data.Dataset``)
    is read as the run goes; anything else is loaded whole into a Dataset."""
    if isinstance(source, ItemStream):
        return source
    if type(source).__module__.startswith("ray.data"):
        return ItemStream.from_ray(source, name=name)
    return Dataset.load(source, name=name)
