"""Stable hashes for ids and keys that are stored.

Python's ``hash()`` changes per process and polars' ``Series.hash`` changes across polars
versions, so every stored id comes from xxh3, which is stable everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
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
    return hash_series(joined)


def hash_series(values: pl.Series) -> pl.Series:
    """Return the xxh3-64 hex digests of a string Series (nulls hash as the empty string), unnamed."""
    return pl.Series(list(map(xxhash.xxh3_64_hexdigest, _utf8(values.fill_null("")))), dtype=pl.String)


def _utf8(values: pl.Series) -> list[bytes]:
    """The values of a string Series without nulls as UTF-8 bytes (polars encodes them; no ``str.encode`` per
    value)."""
    encoded: list[bytes] = values.cast(pl.Binary).to_list()
    return encoded


def partition_of(values: pl.Series, parts: int) -> pl.Series:
    """Return the partition (xxh3-64 of the UTF-8 string, modulo ``parts``) of each value; null goes to 0.

    The one partition hash of the build's partitioned state (dedup lookup rows, index nodes, comment
    threads, template lines).

    Stable across processes, versions and platforms, so partitioned state stays readable. Every value is
    hashed by one ``map`` of the C hash over the UTF-8 bytes (cheaper than finding the distinct values first).
    """
    if values.null_count():
        return partition_of(values.fill_null(""), parts).set(values.is_null(), 0).alias(values.name)
    digests = np.fromiter(map(xxhash.xxh3_64_intdigest, _utf8(values)), dtype=np.uint64, count=values.len())
    return pl.Series(values.name, (digests % np.uint64(parts)).astype(np.int32), dtype=pl.Int32)

