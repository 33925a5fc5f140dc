"""The compaction plan: which files of a partition are merged into which output file."""

from __future__ import annotations

import re

import polars as pl
import pytest

from tasks.publish.compaction_plan import COMPACTED_PREFIX, compacted_name, plan_compaction


def _files(rows: list[tuple[str, str, str, int]], schema_key: str = "k") -> pl.DataFrame:
    return pl.DataFrame(
        [{"dataset": d, "partition": p, "file": f, "n_rows": 10, "n_bytes": b, "schema_key": schema_key}
         for d, p, f, b in rows],
        schema={"dataset": pl.String, "partition": pl.String, "file": pl.String, "n_rows": pl.Int64,
                "n_bytes": pl.Int64, "schema_key": pl.String},
    )


def test_small_files_of_a_partition_go_into_one_file() -> None:
    files = _files([("articles", "language=en/crawl_month=2024-05", f"part-s{i}-0.parquet", 100) for i in range(4)]
                   + [("articles", "language=de/crawl_month=2024-05", "part-s0-0.parquet", 100)])
    plan = plan_compaction(files, target_bytes=10_000)
    assert plan["partition"].unique().to_list() == ["language=en/crawl_month=2024-05"]  # one file: left alone
    assert plan["group"].unique().to_list() == [0]
    assert plan["target"].unique().to_list() == [compacted_name([f"part-s{i}-0.parquet" for i in range(4)])]


def test_groups_close_at_the_target_size_and_lone_files_stay() -> None:
    files = _files([("comments", "p", f"f{i}.parquet", 60) for i in range(5)])
    plan = plan_compaction(files, target_bytes=100)
    # cumulative sizes before each file: 0, 60, 120, 180, 240 -> groups 0, 0, 1, 1, 2; group 2 holds one file
    assert plan.select("file", "group").rows() == [("f0.parquet", 0), ("f1.parquet", 0), ("f2.parquet", 1),
                                                   ("f3.parquet", 1)]
    assert plan["target"].n_unique() == 2


def test_files_at_the_target_size_are_not_rewritten() -> None:
    files = _files([("articles", "p", "big.parquet", 500), ("articles", "p", "a.parquet", 10),
                    ("articles", "p", "b.parquet", 10)])
    plan = plan_compaction(files, target_bytes=500)
    assert sorted(plan["file"].to_list()) == ["a.parquet", "b.parquet"]


def test_files_of_different_schemas_are_never_merged() -> None:
    files = pl.concat([_files([("articles", "p", "a.parquet", 10)], "v1"),
                       _files([("articles", "p", "b.parquet", 10)], "v2")])
    assert plan_compaction(files).height == 0
    both = pl.concat([files, _files([("articles", "p", "c.parquet", 10)], "v1")])
    assert sorted(plan_compaction(both)["file"].to_list()) == ["a.parquet", "c.parquet"]


@pytest.mark.parametrize("min_files", [2, 3])
def test_min_files(min_files: int) -> None:
    files = _files([("rejects", "stage=ingest", f"f{i}.parquet", 1) for i in range(2)])
    assert plan_compaction(files, min_files=min_files).height == (2 if min_files == 2 else 0)


def test_empty_listing() -> None:
    assert plan_compaction(_files([])).height == 0


def test_compacted_names_are_stable_and_never_a_shard_name() -> None:
    name = compacted_name(["b.parquet", "a.parquet"])
    assert name == compacted_name(["a.parquet", "b.parquet"])
    assert name != compacted_name(["a.parquet", "c.parquet"])
    assert name.startswith(COMPACTED_PREFIX)
    assert name.endswith("-0.parquet")
    # a shard writes "part-{16 hex digits}-{i}.parquet" and removes only such names
    assert re.fullmatch(r"part-[0-9a-f]{16}-\d+\.parquet", name) is None
