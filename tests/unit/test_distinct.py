"""``tasks.distinct``: a pure function once per distinct value, and the distinct values of a column."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from tasks.distinct import distinct_values, map_distinct


def _counting(calls: list[str]) -> Callable[[str], int]:
    def fn(value: str) -> int:
        calls.append(value)
        return len(value)
    return fn


@pytest.mark.parametrize("values", [
    ["ab", "ab", "abc", None, "ab", "abc"],  # repeated: looked up
    ["a", "bb", None, "ccc"],  # mostly distinct: called per value
])
def test_each_value_maps_as_the_function_says_and_null_to_the_default(values: list[str | None]) -> None:
    calls: list[str] = []
    got = map_distinct(pl.Series("s", values), _counting(calls), pl.Int64, null=-1)
    assert got.name == "s"
    assert got.dtype == pl.Int64
    assert got.to_list() == [-1 if v is None else len(v) for v in values]
    assert sorted(calls) == sorted({v for v in values if v is not None})


def test_repeated_values_call_the_function_once_each() -> None:
    calls: list[str] = []
    map_distinct(pl.Series(["x"] * 50 + ["y"] * 50), _counting(calls), pl.Int64)
    assert sorted(calls) == ["x", "y"]


def test_empty_and_all_null() -> None:
    assert map_distinct(pl.Series([], dtype=pl.String), len, pl.Int64).to_list() == []
    assert map_distinct(pl.Series([None, None], dtype=pl.String), len, pl.Int64).to_list() == [None, None]


@pytest.mark.parametrize("values", [
    ["b", "a", "b", None, "c", "a", None],
    ["x"] * 5,
    [],
])
def test_distinct_values_in_first_order_and_gathered_back(values: list[str | None]) -> None:
    series = pl.Series("s", values, dtype=pl.String)
    distinct, at = distinct_values(series)
    assert distinct.name == "s"
    assert distinct.to_list() == list(dict.fromkeys(values))
    assert distinct.gather(at).to_list() == values
