"""A growable table of NumPy columns (append rows in batches, read columns as arrays)."""

from __future__ import annotations

import numpy as np


class ColumnTable:
    """Columns of equal length that grow by appending batches of rows.

    Used for the enrolment ledger and the claims queue: rows are appended in vector batches
    once a month and read back as NumPy views, so no Python object exists per row.
    """

    def __init__(self, dtypes: dict[str, np.dtype | type], capacity: int = 1024):
        self._dtypes = {name: np.dtype(dt) for name, dt in dtypes.items()}
        self._data = {name: np.zeros(capacity, dtype=dt) for name, dt in self._dtypes.items()}
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def __getattr__(self, name: str) -> np.ndarray:
        data = self.__dict__.get("_data")
        if data is not None and name in data:
            return data[name][: self.size]
        raise AttributeError(name)

    def append(self, **columns: np.ndarray) -> np.ndarray:
        """Append rows; unspecified columns start at zero (False). Returns the new row indices."""
        n = len(next(iter(columns.values()))) if columns else 0
        unknown = set(columns) - set(self._dtypes)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)}")
        self._reserve(self.size + n)
        start, stop = self.size, self.size + n
        for name, values in columns.items():
            self._data[name][start:stop] = values
        self.size = stop
        return np.arange(start, stop)

    def _reserve(self, needed: int) -> None:
        capacity = len(next(iter(self._data.values())))
        if needed <= capacity:
            return
        new_capacity = max(needed, capacity * 2)
        for name, old in self._data.items():
            grown = np.zeros(new_capacity, dtype=old.dtype)
            grown[: len(old)] = old
            self._data[name] = grown
