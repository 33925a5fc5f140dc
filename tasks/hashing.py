"""Stable hashes for ids and keys that are stored.

Python's ``hash()`` changes per process and polars' ``Series.hash`` changes across polars
versions, so every stored id comes from xxh3, which is stable everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import xxhash


def xxh3_hex(value: str | bytes) -> str:
    """Return the 16-digit hex xxh3-64 digest of a string (UTF-8) or bytes."""
    return xxhash.xxh3_64_hexdigest(value.encode() if isinstance(value, str) else value)


def hash_columns(df: pl.DataFrame, columns: Iterable[str], *, separator: str = "\x1f") -> pl.Series:
    """Return a string Series with the xxh3-64 hex of the given columns joined by ``separator``.

    Nulls hash as the empty string. Reads ``columns``; the caller names the result.
    """
    cols = list(columns)
    joined = df.select(
        pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in cols], separator=separator)
    ).to_series()
    return pl.Series([xxhash.xxh3_64_hexdigest(v.encode()) for v in joined], dtype=pl.String)
