"""tasks.hashing: the stable hashes of stored ids and partitions."""

from __future__ import annotations

import polars as pl
import xxhash

from tasks.hashing import hash_columns, hash_series, partition_of


def test_partition_of_is_xxh3_of_each_value() -> None:
    """Partitions are stored state: xxh3-64 of the UTF-8 value modulo the partitions, null in 0, the same
    whether the values repeat or not, named like the values."""
    values = [f"site\x1fline {i % 37}" for i in range(500)] + [None, "é", ""]
    expected = [xxhash.xxh3_64_intdigest(v.encode()) % 7 if v is not None else 0 for v in values]
    assert partition_of(pl.Series(values, dtype=pl.String), 7).to_list() == expected
    distinct = [f"id-{i}" for i in range(50)] + [None]
    assert partition_of(pl.Series(distinct), 5).to_list() == [
        xxhash.xxh3_64_intdigest(v.encode()) % 5 if v is not None else 0 for v in distinct]
    assert partition_of(pl.Series(["a", "a", "a"]), 3).dtype == pl.Int32
    assert partition_of(pl.Series("key", [None, "b"], dtype=pl.String), 1000).name == "key"
    assert partition_of(pl.Series("key", [], dtype=pl.String), 4).to_list() == []
    assert partition_of(pl.Series([None, None], dtype=pl.String), 4).to_list() == [0, 0]


def test_hash_series_is_hash_columns_of_one_column() -> None:
    values = pl.Series("v", ["a", None, "ü"], dtype=pl.String)
    assert hash_series(values).to_list() == [xxhash.xxh3_64_hexdigest(v.encode()) for v in ("a", "", "ü")]
    assert hash_series(values).equals(hash_columns(values.to_frame(), ["v"]))
