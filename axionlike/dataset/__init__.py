"""Evaluation inputs: DatasetItem and Dataset."""

from axionlike.dataset._dataset import Dataset
from axionlike.dataset._item import DatasetItem

__all__ = ["Dataset", "DatasetItem"]
