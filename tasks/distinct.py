"""Pure functions applied once per distinct value of a column.

Stage columns repeat their values (template lines, article ids, author names, date strings), and a
pure Python function need not see a value twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
