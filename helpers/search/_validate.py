"""Argument checks shared by several helpers.search modules, with the same message everywhere.

Private to the search layer (no notebook imports it); introduced with notebooks/07_keywords_hybrid.ipynb,
where fusion and chunking both check (n_queries, k) id arrays.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def check_int(value: Any, name: str, low: int = 1) -> int:
    """`value` as an int if it is an integer >= `low` (bools refused); else a ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    return int(value)


def check_ids(ids: Any, name: str, nq: int | None = None) -> np.ndarray:
    """`ids` as an int64 (n_queries, k) array as search() returns: ids >= 0 or -1 (empty), none twice in a row."""
    arr = np.asarray(ids)
    if arr.ndim != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be an integer (n_queries, k) id array as search() returns, "
                         f"got shape {arr.shape}, dtype {arr.dtype}")
    if nq is not None and len(arr) != nq:
        raise ValueError(f"{name} has {len(arr)} rows but the first system has {nq}: every system must "
                         "answer the same queries, in the same order")
    if (arr < -1).any():
        raise ValueError(f"{name} holds ids below -1; ids are row numbers (>= 0), or -1 for an empty slot")
    for row, line in enumerate(arr):
        real = line[line >= 0]
        if len(np.unique(real)) != len(real):
            raise ValueError(f"{name}[{row}] repeats an id; each system must list a document at most once")
    return arr.astype(np.int64)
