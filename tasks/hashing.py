"""Stable hashes for ids and keys that are stored.

Python's ``hash()`` changes per process and polars' ``Series.hash`` changes across polars
versions, so every stored id comes from xxh3, which is stable everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import xxhash

from tasks.distinct import map_distinct


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
    return hash_series(joined)


def hash_series(values: pl.Series) -> pl.Series:
    """Return the xxh3-64 hex digests of a string Series (nulls hash as the empty string), unnamed."""
    return pl.Series([xxhash.xxh3_64_hexdigest(v.encode()) for v in values.fill_null("")], dtype=pl.String)


def partition_of(values: pl.Series, parts: int) -> pl.Series:
    """Return the partition (xxh3-64 of the UTF-8 string, modulo ``parts``) of each value; null goes to 0.

    The one partition hash of the build's partitioned state (dedup lookup rows, index nodes, comment
    threads, template lines).

    Stable across processes, versions and platforms, so partitioned state stays readable. Each distinct
    value is hashed once (template lines and article ids repeat).
    """
    return map_distinct(values, lambda v: xxhash.xxh3_64_intdigest(v.encode()) % parts, pl.Int32(), null=0)

