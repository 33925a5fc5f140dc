"""Writing and reading the output datasets: hive-partitioned Parquet, conformed to the declared schemas.

Each shard writes its rows into every partition it touches with file names
``part-{shard_id}-{i}.parquet``. The write step only stages them (``stage_partitioned``); the
build's commit (``commit_run``) makes one new snapshot of the whole output current at once
(``tasks.publish.snapshots.commit_snapshot``): the run's shards' older files are left out of it, their staged
files linked in, every other file linked from the snapshot before. So a re-run replaces a shard's
output instead of adding to it, and a reader sees either all of a run (every shard, every
dataset, its build state) or none of it.

Readers: :func:`dataset_roots` resolves the committed snapshot once, :func:`scan_corpus` scans the
four datasets of that one snapshot, :func:`read_partitioned` scans one dataset folder.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds

from schemas import OUTPUT_DATASETS
from schemas.common import SCHEMA_VERSION, statistics_columns
from schemas.validate import conform
from tasks.publish import snapshots

ROWS_PER_GROUP = 64_000
ZSTD_LEVEL = 5
"""zstd level of the published datasets. On the articles and comments of 5,000 real pages (``bench.gen_real``,
one polars thread): level 3 13.23 MB in 0.46 CPU s, 6 12.43 MB in 0.77 s, 9 12.06 MB in 1.19 s, 12 11.80 MB
in 2.60 s, against 13.10 MB for the same columns as one zstd-3 file each. Level 5 costs a quarter less
CPU than 6 for about 2% more bytes: on the articles and comments
of another 5,000 real pages written as one file each, level 4 13.07 MB in 0.35 CPU s, 5 12.87 MB in 0.43 s,
6 12.57 MB in 0.59 s, against 13.35 MB for one zstd-3 file each (level 5 stays 3.6% below it; 4 only 2.1%).
As the build writes them (hive partitions, so more and smaller files) the same pages' articles and comments
take 13.97 MB at level 5 and 13.67 MB at level 6, against 13.35 MB as one zstd-3 file each; the write step of a
2,500-page shard, interleaved in one process, 1.074 -> 0.969 CPU s (median of 6) from 6 to 5.
(On the synthetic pages of ``bench.gen_corpus``, 20,000: 3 18.76 MB, 9 17.06, 12 16.69, one zstd-3 file
16.96.) Reading is as fast at any level."""


def _file_options(schema: pa.Schema) -> ds.FileWriteOptions:
    return ds.ParquetFileFormat().make_write_options(
        compression="zstd", compression_level=ZSTD_LEVEL, write_statistics=statistics_columns(schema)
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

    Nothing is visible in the dataset until :func:`commit_run` links the files into a new snapshot.
    """
    table = conform(df, schema)
    meta = {b"corpusflow.schema_version": SCHEMA_VERSION.encode()}
    meta.update({f"corpusflow.{k}".encode(): v.encode() for k, v in (metadata or {}).items()})
    table = table.replace_schema_metadata(meta)
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    try:
        if table.num_rows:
            ds.write_dataset(
                table,
                stage_dir,
                format="parquet",
                partitioning=ds.partitioning(partition, flavor="hive"),
                basename_template=f"part-{shard_id}-{{i}}.parquet",
                existing_data_behavior="overwrite_or_ignore",
                file_options=_file_options(schema),
                min_rows_per_group=min(ROWS_PER_GROUP, table.num_rows),
                max_rows_per_group=ROWS_PER_GROUP,
            )
        (stage_dir / ".complete").touch()
    except BaseException:  # a failed write (a full disk) leaves no partial files behind
        shutil.rmtree(stage_dir, ignore_errors=True)
        raise
    return stage_dir


def _shard_of(file_name: str) -> str:
    """The shard id in a dataset file name ``part-{shard_id}-{i}.parquet``."""
    return file_name.removeprefix("part-").rsplit("-", 1)[0]


def commit_run(out: Path, shard_ids: Iterable[str], *, state: Mapping[str, Path] | None = None,
               datasets: Iterable[str] = tuple(OUTPUT_DATASETS)) -> str:
    """Commit a run: one new snapshot with the shards' staged files and the new build state; return its version.

    For each dataset and shard whose staging is complete, the shard's older files are replaced by
    the staged ones; a shard without complete staging keeps its files. ``state`` maps build state
    names (``inputs.parquet``, the folder ``dedup_index`` ...) to their new versions; a folder
    replaces the old folder whole (and the one file ``NAME.parquet`` of the older layout); other
    state is kept.
    The staging folders are removed once the snapshot is current.
    """
    names = list(datasets)
    staged = {(name, sid): staged_shard(out, name, sid) for sid in shard_ids for name in names}
    staged = {key: folder for key, folder in staged.items() if (folder / ".complete").exists()}
    add = {f"{name}/{path.relative_to(folder).as_posix()}": path
           for (name, _), folder in staged.items() for path in sorted(folder.rglob("*.parquet"))}
    folders: list[str] = []
    for name, path in (state or {}).items():
        if path.is_dir():  # a partitioned state folder replaces the old folder, or the older layout's one file
            add |= {f"{snapshots.SNAPSHOT_STATE}/{name}/{f.relative_to(path).as_posix()}": f
                    for f in sorted(path.rglob("*")) if f.is_file() and not f.name.startswith(".")}
            folders.append(f"{snapshots.SNAPSHOT_STATE}/{name}/")
            folders.append(f"{snapshots.SNAPSHOT_STATE}/{name}.parquet")
        elif path.exists():
            add[f"{snapshots.SNAPSHOT_STATE}/{name}"] = path

    def replaced(rel: str) -> bool:
        if rel.startswith(tuple(folders)):
            return True
        parts = rel.split("/")
        return (parts[0], _shard_of(parts[-1])) in staged

    version = snapshots.commit_snapshot(out, add=add, drop=replaced, datasets=names)
    for folder in staged.values():
        shutil.rmtree(folder, ignore_errors=True)
    return version


def write_partitioned(
    df: pl.DataFrame,
    root: Path,
    schema: pa.Schema,
    partition: pa.Schema,
    *,
    shard_id: str,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Stage and commit at once: ``df`` replaces the shard's files of the dataset ``root`` (``OUT/<name>``).

    One commit of its own (a new snapshot of ``root.parent``); returns the snapshot folder of the dataset.
    """
    out, name = root.parent, root.name
    stage_partitioned(df, staged_shard(out, name, shard_id), schema, partition, shard_id=shard_id, metadata=metadata)
    version = commit_run(out, [shard_id], datasets=[name])
    return out / snapshots.SNAPSHOTS / version / name


def staged_shard(root: Path, dataset: str, shard_id: str) -> Path:
    """Where the write step stages a shard's files of one dataset before the commit links them in."""
    return root / "_work" / "staging" / dataset / shard_id


def dataset_roots(out: Path, datasets: Iterable[str] = tuple(OUTPUT_DATASETS)) -> dict[str, Path]:
    """The dataset folders of the committed snapshot of ``out``, resolved once: a consistent read.

    A read that spans a commit through ``OUT/articles`` and ``OUT/comments`` may meet the snapshot
    before the commit in one and the one after it in the other; these folders belong to one
    snapshot, which stays on disk until the commit after the next. Before any commit: the plain
    ``OUT/<dataset>`` folders of an output of the earlier layout, else missing paths (empty
    datasets), never the links a first commit is about to make.
    """
    snap = snapshots.current_snapshot(out)
    if snap is not None:
        return {name: snap / name for name in datasets}
    return {name: out / name if (out / name).is_dir() and not (out / name).is_symlink()
            else out / snapshots.SNAPSHOTS / "none" / name for name in datasets}


def scan_corpus(out: Path, datasets: Iterable[str] = tuple(OUTPUT_DATASETS)) -> dict[str, pl.LazyFrame]:
    """Lazy scans of the datasets of ``out``, all of one committed snapshot, with their declared types."""
    roots = dataset_roots(out, datasets)
    return {name: read_partitioned(root, *OUTPUT_DATASETS[name]) for name, root in roots.items()}


def read_partitioned(root: Path, schema: pa.Schema, partition: pa.Schema) -> pl.LazyFrame:
    """Scan a written dataset with its declared hive partition types (never inferred).

    ``OUT/<dataset>`` is resolved once to the snapshot it shows now, so the scan reads one snapshot
    even when a commit happens before it is collected.

    Raises:
        tasks.publish.snapshots.SnapshotGoneError: the snapshot was removed (two commits happened since it was
            resolved).
    """
    root = root.resolve() if root.exists() else root
    files = sorted(root.rglob("*.parquet")) if root.exists() else []
    snapshots.check_snapshot_kept(root)
    if not files:
        frame = pl.from_arrow(schema.empty_table())
        assert isinstance(frame, pl.DataFrame)
        return frame.lazy()
    hive = pl.from_arrow(partition.empty_table()).schema  # type: ignore[union-attr]
    return pl.scan_parquet(
        str(root / "**" / "*.parquet"), hive_partitioning=True, hive_schema=hive
    ).select(schema.names)
