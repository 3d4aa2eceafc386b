"""Columnar agent state: declared columns, and a growable table of NumPy columns.

A :class:`Column` declares one state variable of an agent type (its dtype, start value and
meaning) in the module that owns it; :func:`allocate` builds the arrays from the declarations,
and the ODD model description (``docs/odd.md``) lists them. :class:`ColumnTable` appends rows in
batches and reads columns back as arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from sim.model.arrays.allocator import map_ahead

DRAWN = "drawn"  # a start value drawn for each agent (the owner's code says from what)
NEVER = -10_000  # month marker for "never happened"


class Column(NamedTuple):
    """One state variable of an agent type, one value per agent.

    ``start`` is the value every agent starts with, or text naming the rule that sets it
    (:data:`DRAWN` for a random draw); ``description`` is its meaning, as the docs show it.
    """

    dtype: Any
    start: Any
    description: str

    @property
    def shared_start(self) -> bool:
        """Every agent starts at the same declared value (not set by a rule)."""
        return not isinstance(self.start, str)


def allocate(owner: object, columns: Mapping[str, Column], n: int) -> None:
    """Give ``owner`` one array of ``n`` values per declared column: its shared start value,
    or zeros where a rule sets it."""
    for name, column in columns.items():
        start = column.start if column.shared_start else 0
        setattr(owner, name, np.full(n, start, dtype=column.dtype))


class ColumnTable:
    """Columns of equal length that grow by appending batches of rows.

    Used for the enrolment ledger and the claims queue: rows are appended in vector batches
    once a month and read back as NumPy views, so no Python object exists per row.

    A table reserved with at least ``MAP_AHEAD_FROM`` rows has, after each append, the pages
    of as many rows again mapped in the background (:func:`~sim.model.arrays.allocator.map_ahead`):
    the next batch is written to memory the kernel has already mapped. ``mapping`` is the
    thread doing it, if any.
    """

    # Measured: no gain with the 1.2M rows the 100k economy reserves, a second at full scale
    # (18.7M rows).
    MAP_AHEAD_FROM = 4_000_000

    def __init__(self, dtypes: dict[str, np.dtype | type], capacity: int = 1024):
        self._dtypes = {name: np.dtype(dt) for name, dt in dtypes.items()}
        self._data = {name: np.zeros(capacity, dtype=dt) for name, dt in self._dtypes.items()}
        self.size = 0
        self._mapped = 0  # rows whose pages have been mapped ahead
        self.mapping = None
        taken = set(self.__dict__) | set(dir(type(self)))
        if taken & set(self._dtypes):
            raise ValueError(f"column names {sorted(taken & set(self._dtypes))} are taken")
        self._show_rows()

    def __len__(self) -> int:
        return self.size

    def _show_rows(self) -> None:
        """Each column's rows so far as an attribute (a view): read as plain attributes, some
        14,000 times a default run, instead of through ``__getattr__``."""
        size = self.size
        self.__dict__.update({name: data[:size] for name, data in self._data.items()})

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
        self._show_rows()
        if self.capacity >= self.MAP_AHEAD_FROM:  # map_ahead: nothing if no row is new
            ahead = min(stop + n, self.capacity)
            mapping = map_ahead(list(self._data.values()), max(stop, self._mapped), ahead)
            if mapping is not None:
                self.mapping, self._mapped = mapping, ahead
        return np.arange(start, stop)

    @property
    def capacity(self) -> int:
        """Rows the table has room for before it grows."""
        return len(next(iter(self._data.values())))

    def first_from(self, name: str, value: int) -> int:
        """The first row whose column ``name`` (sorted ascending) is at least ``value``. The
        value is cast to the column's type first: NumPy would otherwise cast the whole column
        to the scalar's type (a copy of the column on every search)."""
        column = getattr(self, name)
        return int(np.searchsorted(column, column.dtype.type(value)))

    def _reserve(self, needed: int) -> None:
        if needed <= self.capacity:
            return
        new_capacity = max(needed, self.capacity * 2)
        for name, old in self._data.items():
            grown = np.zeros(new_capacity, dtype=old.dtype)
            grown[: len(old)] = old
            self._data[name] = grown
        self._mapped = 0
