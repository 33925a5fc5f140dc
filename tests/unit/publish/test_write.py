"""write_partitioned: hive layout, declared types on read, and shard files replaced on re-run."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet
import pytest

from schemas.rejects import REJECTS, REJECTS_PARTITION
from schemas.validate import SchemaMismatchError, conform, polars_schema
from tasks.publish.write import read_partitioned, write_partitioned

pytestmark = pytest.mark.write_disk


def _rejects(n: int, stage: str = "ingest") -> pl.DataFrame:
    return pl.DataFrame(
        {"source_path": [f"f{i}.txt" for i in range(n)], "record": [0] * n, "page_id": [None] * n,
         "reason": ["empty"] * n, "detail": ["no text"] * n,
         "ingested_at": [None] * n, "stage": [stage] * n},
    ).with_columns(pl.lit("2024-05-01T00:00:00Z").str.to_datetime(time_zone="UTC").alias("ingested_at")).cast(
        dict(polars_schema(REJECTS))  # type: ignore[arg-type]
    )


def test_round_trip_keeps_declared_types_and_partitions(tmp_path: Path) -> None:
    root = tmp_path / "rejects"
    write_partitioned(_rejects(3, "01"), root, REJECTS, REJECTS_PARTITION, shard_id="s0")
    assert (root / "stage=01" / "part-s0-0.parquet").exists()
    back = read_partitioned(root, REJECTS, REJECTS_PARTITION).collect()
    assert back.columns == REJECTS.names
    assert back["stage"].to_list() == ["01"] * 3  # a string, leading zero kept
    assert back.schema == polars_schema(REJECTS)


def test_rerun_of_a_shard_replaces_its_files_and_keeps_other_shards(tmp_path: Path) -> None:
    root, staging = tmp_path / "rejects", tmp_path / "_work" / "staging"
    write_partitioned(_rejects(2, "ingest"), root, REJECTS, REJECTS_PARTITION, shard_id="s0")
    write_partitioned(_rejects(5, "parse"), root, REJECTS, REJECTS_PARTITION, shard_id="s1")
    write_partitioned(_rejects(1, "parse"), root, REJECTS, REJECTS_PARTITION, shard_id="s0")
    back = read_partitioned(root, REJECTS, REJECTS_PARTITION).collect()
    assert back.height == 6
    assert not list(root.glob("stage=ingest/*.parquet"))
    assert not list(staging.rglob("*.parquet"))


def test_conform_names_missing_and_extra_columns() -> None:
    df = _rejects(1).drop("reason").with_columns(pl.lit(1).alias("bogus"))
    with pytest.raises(SchemaMismatchError, match=r"missing=\['reason'\] extra=\['bogus'\]"):
        conform(df, REJECTS)


def test_conform_rejects_nulls_in_non_nullable_columns() -> None:
    df = _rejects(1).with_columns(pl.lit(None, dtype=pl.String).alias("reason"))
    with pytest.raises(SchemaMismatchError, match="reason"):
        conform(df, REJECTS)


def test_conform_casts_to_declared_types() -> None:
    table = conform(_rejects(2).with_columns(pl.col("record").cast(pl.Int64)), REJECTS)
    assert table.schema.field("record").type == pa.int32()


def test_output_of_another_schema_version_stops_the_build_with_advice(tmp_path: Path) -> None:
    """Issue 8: never a silent mix of schemas in one dataset."""
    from tasks.publish.snapshots import SchemaVersionError, check_schema_versions

    root = tmp_path / "rejects"
    write_partitioned(_rejects(1), root, REJECTS, REJECTS_PARTITION, shard_id="s0")
    check_schema_versions(tmp_path, ["rejects"])
    old = next(root.rglob("*.parquet"))
    table = pa.parquet.read_table(old)
    pa.parquet.write_table(table.replace_schema_metadata({b"corpusflow.schema_version": b"0"}), old)
    with pytest.raises(SchemaVersionError, match="schema version 0; this corpusflow writes version 2"):
        check_schema_versions(tmp_path, ["rejects"])


def test_statistics_are_written_for_keys_and_dates_not_for_free_text(tmp_path: Path) -> None:
    """Issue 10: min/max of free text (up to 8 kB each, in every chunk and page) only inflated the files."""
    root = tmp_path / "rejects"
    write_partitioned(_rejects(3), root, REJECTS, REJECTS_PARTITION, shard_id="s0")
    meta = pyarrow.parquet.ParquetFile(root / "stage=ingest" / "part-s0-0.parquet").metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    with_stats = {name for i, name in enumerate(names) if meta.row_group(0).column(i).is_stats_set}
    assert {"reason", "ingested_at", "record"} <= with_stats
    assert not {"source_path", "detail"} & with_stats
