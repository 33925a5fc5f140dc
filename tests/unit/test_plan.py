"""Build planning: shards with content-derived ids, manifests attached to files, partition counts."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from tasks.plan import assign_shards, attach_manifest, auto_shard_size, dedup_partitions


def _files(n: int, mtime: int = 1) -> pl.DataFrame:
    return pl.DataFrame({"path": [f"in/p{i:02d}.txt" for i in range(n)], "size": [10] * n, "mtime_ns": [mtime] * n})


def test_shards_are_stable_and_follow_the_files() -> None:
    a = assign_shards(attach_manifest(_files(5), None), shard_size=2)
    b = assign_shards(attach_manifest(_files(5).reverse(), None), shard_size=2)
    assert [sid for sid, _ in a] == [sid for sid, _ in b]
    assert [f.height for _, f in a] == [2, 2, 1]
    changed = assign_shards(attach_manifest(_files(5, mtime=2), None), shard_size=2)
    assert {sid for sid, _ in changed}.isdisjoint({sid for sid, _ in a})


def test_manifest_matches_by_path_then_by_file_name() -> None:
    manifest = pl.DataFrame({
        "path": ["in/p00.txt", "p01.txt"],
        "url": ["https://a.org/1", "https://b.org/2"],
        "site": [None, "b.org"],
        "fetched_at": [datetime(2024, 1, 2, tzinfo=UTC), None],
    })
    out = attach_manifest(_files(3), manifest)
    assert out["url"].to_list() == ["https://a.org/1", "https://b.org/2", None]
    assert out["site"].to_list() == [None, "b.org", None]
    assert out["fetched_at"].to_list()[0] == datetime(2024, 1, 2, tzinfo=UTC)


def test_default_shards_grow_with_the_input_within_bounds() -> None:
    """Issue 10: a large build gets few large shards (Prefect pays per task run), a small one several."""
    assert auto_shard_size(8) == 500
    assert auto_shard_size(4_000) == 500
    assert auto_shard_size(20_000) == 2_500
    assert auto_shard_size(100_000) == 2_500
    assert auto_shard_size(10_000_000) == 2_500


def test_default_partitions_follow_the_input_files() -> None:
    """Partitions follow the pages (one per 20,000 files, 2 to 64), not the shards."""
    assert [dedup_partitions(n) for n in (0, 2_000, 20_000, 100_000, 1_000_000, 10_000_000)] == [2, 2, 2, 5, 50, 64]


def test_a_file_matched_by_its_path_keeps_that_row() -> None:
    """A manifest row of the file's own path decides its fields, null ones too; only files no path matched
    are looked up by file name (another folder's file of the same name lends nothing to a matched file)."""
    manifest = pl.DataFrame({
        "path": ["in/p00.txt", "old/p00.txt", "old/p01.txt"],
        "url": [None, "https://a.org/old", "https://a.org/1"],
        "site": ["a.org", None, None],
        "fetched_at": [None, None, None],
    }, schema_overrides={"fetched_at": pl.Datetime("us", "UTC")})
    out = attach_manifest(_files(3), manifest)
    assert out["path"].to_list() == ["in/p00.txt", "in/p01.txt", "in/p02.txt"]
    assert out["url"].to_list() == [None, "https://a.org/1", None]
    assert out["site"].to_list() == ["a.org", None, None]
