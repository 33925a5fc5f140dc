"""Writing the output datasets: hive-partitioned Parquet, conformed to the declared schemas.

Each shard writes its rows into every partition it touches with file names
``part-{shard_id}-{i}.parquet``. The write step only stages them (``stage_partitioned``); the
build's commit step publishes every shard (``publish_shard``: the shard's older files removed, the
new ones moved into place with ``os.replace``) right before it commits the run, so a re-run replaces
a shard's output instead of adding to it, a reader never sees a half-written file, and the
dataset changes only in the moments of the commit.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds

from schemas.common import SCHEMA_VERSION
from schemas.validate import conform

ROWS_PER_GROUP = 64_000
ZSTD_LEVEL = 3


def _file_options() -> ds.FileWriteOptions:
    return ds.ParquetFileFormat().make_write_options(
        compression="zstd", compression_level=ZSTD_LEVEL, write_statistics=True
    )


def stage_partitioned(
    df: pl.DataFrame,
    stage_dir: Path,
    schema: pa.Schema,
    partition: pa.Schema,
    *,
    shard_id: str,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write ``df`` as hive partitions of ``partition`` into ``stage_dir`` (emptied first); returns it.

    Nothing is visible in the dataset until :func:`publish_shard` moves the files into place.
    """
    table = conform(df, schema)
    meta = {b"corpusflow.schema_version": SCHEMA_VERSION.encode()}
    meta.update({f"corpusflow.{k}".encode(): v.encode() for k, v in (metadata or {}).items()})
    table = table.replace_schema_metadata(meta)
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    if table.num_rows:
        ds.write_dataset(
            table,
            stage_dir,
            format="parquet",
            partitioning=ds.partitioning(partition, flavor="hive"),
            basename_template=f"part-{shard_id}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            file_options=_file_options(),
            min_rows_per_group=min(ROWS_PER_GROUP, table.num_rows),
            max_rows_per_group=ROWS_PER_GROUP,
        )
    (stage_dir / ".complete").touch()
    return stage_dir


def publish_shard(stage_dir: Path, root: Path, *, shard_id: str) -> list[Path]:
    """Replace the shard's files under ``root`` with the staged ones (removes the shard's older files).

    A no-op when the stage folder is gone (already published). Returns the files now in place.
    """
    if not (stage_dir / ".complete").exists():
        return []
    root.mkdir(parents=True, exist_ok=True)
    for old in root.rglob(f"part-{shard_id}-*.parquet"):
        old.unlink()
    placed: list[Path] = []
    for new in sorted(stage_dir.rglob("*.parquet")):
        target = root / new.relative_to(stage_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(new, target)
        placed.append(target)
    shutil.rmtree(stage_dir, ignore_errors=True)
    return placed


def write_partitioned(
    df: pl.DataFrame,
    root: Path,
    schema: pa.Schema,
    partition: pa.Schema,
    *,
    shard_id: str,
    staging: Path,
    metadata: dict[str, str] | None = None,
) -> list[Path]:
    """Stage and publish at once: write ``df`` under ``root``, replacing the shard's older files."""
    stage_dir = stage_partitioned(df, staging / root.name / shard_id, schema, partition, shard_id=shard_id,
                                  metadata=metadata)
    return publish_shard(stage_dir, root, shard_id=shard_id)


def staged_shard(root: Path, dataset: str, shard_id: str) -> Path:
    """Where the write step stages a shard's files of one dataset before the commit publishes them."""
    return root / "_work" / "staging" / dataset / shard_id


def read_partitioned(root: Path, schema: pa.Schema, partition: pa.Schema) -> pl.LazyFrame:
    """Scan a written dataset with its declared hive partition types (never inferred)."""
    files = sorted(root.rglob("*.parquet")) if root.exists() else []
    if not files:
        frame = pl.from_arrow(schema.empty_table())
        assert isinstance(frame, pl.DataFrame)
        return frame.lazy()
    hive = pl.from_arrow(partition.empty_table()).schema  # type: ignore[union-attr]
    return pl.scan_parquet(
        str(root / "**" / "*.parquet"), hive_partitioning=True, hive_schema=hive
    ).select(schema.names)
