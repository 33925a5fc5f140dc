"""Pure functions applied once per distinct value of a column.

Stage columns repeat their values (template lines, article ids, author names, date strings), and a
pure Python function need not see a value twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl


def map_distinct(values: pl.Series, fn: Callable[[Any], Any], dtype: pl.DataType, *, null: Any = None) -> pl.Series:
    """``fn`` (a pure function) of each non-null value of ``values``, called once per distinct value;
    ``null`` where a value is null. Returns a ``dtype`` Series named like ``values``.

    When most values are distinct, ``fn`` is called per value: the lookup would cost more than it saves.
    """
    distinct = values.drop_nulls().unique()
    if 2 * distinct.len() > values.len():
        return pl.Series(values.name, [null if v is None else fn(v) for v in values], dtype=dtype)
    mapped = pl.Series([fn(v) for v in distinct], dtype=dtype)
    return values.replace_strict(distinct, mapped, default=null, return_dtype=dtype).alias(values.name)


def distinct_values(values: pl.Series) -> tuple[pl.Series, np.ndarray]:
    """The distinct values of ``values`` in the order of their first occurrence (null, where there is one,
    is one of them), and per value of ``values`` the index of its value among them (UInt32): ``distinct.gather(at)``
    gives ``values`` back. For vectorised work that reads each value alone: run it on the distinct values
    and gather its results.

    In that order the distinct strings' bytes lie as the values' do, which string searches over them read
    faster than the hash order of a plain group-by.
    """
    groups = values.to_frame("_v").with_columns(_at=pl.int_range(pl.len(), dtype=pl.UInt32)).group_by(
        "_v", maintain_order=True).agg("_at")
    at = np.empty(values.len(), dtype=np.uint32)
    rows = groups["_at"]
    at[rows.explode().to_numpy()] = np.repeat(np.arange(groups.height, dtype=np.uint32), rows.list.len().to_numpy())
    return groups["_v"].alias(values.name), at
