"""Evaluation inputs: DatasetItem, Dataset, and ItemStream for sources read as the run goes."""

from axionlike.dataset._dataset import Dataset, load_inputs
from axionlike.dataset._item import DatasetItem
from axionlike.dataset._stream import ItemStream

__all__ = ["Dataset", "DatasetItem", "ItemStream", "load_inputs"]
