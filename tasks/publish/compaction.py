"""``corpus compact``: merge the many small files that many runs left in each partition into few.

Every row is kept: a partition's files are streamed, row group by row group, into new zstd files
with statistics and ``ROWS_PER_GROUP``-row groups, written beside the output (``OUT/_compact/``),
and each partition's row count is checked against the files it replaces. The merged files then go
in through the same commit as a build's (``tasks.publish.snapshots.commit_snapshot``): one new snapshot, hard links
of every file left alone plus the merged ones, made current by one rename of ``OUT/_current``. A
reader sees the corpus before or after the compaction, never a partition twice or half merged, and
a compaction stopped before its commit leaves the corpus as it was (what it had merged is removed
by the next ``compact`` or build).

Compaction holds the output's build lock and refuses to run while a build has not committed. One of the
modules that touch disk (it writes the merged files; the plan is the pure ``compaction_plan``).
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from schemas.common import statistics_columns
from tasks.hashing import xxh3_hex
from tasks.publish import snapshots
from tasks.publish.compaction_plan import TARGET_BYTES, plan_compaction
from tasks.publish.write import ROWS_PER_GROUP, ZSTD_LEVEL

logger = logging.getLogger(__name__)

DATASETS = ("articles", "comments", "duplicates", "rejects")
STAGING = "_compact"


class CompactionError(RuntimeError):
    """Compaction cannot run on this output now, or a merged partition failed its check."""


def _schema_key(schema: pa.Schema) -> str:
    meta = sorted((schema.metadata or {}).items())
    return xxh3_hex(schema.remove_metadata().to_string(show_field_metadata=False) + "\n" + repr(meta))


def list_files(out: Path, datasets: Sequence[str] = DATASETS) -> pl.DataFrame:
    """One row per Parquet file of the datasets: dataset, partition, file, n_rows, n_bytes, schema_key.

    The files of the committed snapshot (of ``out`` itself when nothing is committed).
    """
    snap = snapshots.current_snapshot(out) or out
    rows = []
    for name in datasets:
        root = snap / name
        for path in sorted(root.rglob("*.parquet")) if root.exists() else []:
            meta = pq.read_metadata(path)
            rel = path.parent.relative_to(root).as_posix()
            rows.append({
                "dataset": name,
                "partition": "" if rel == "." else rel,
                "file": path.name,
                "n_rows": meta.num_rows,
                "n_bytes": path.stat().st_size,
                "schema_key": _schema_key(meta.schema.to_arrow_schema()),
            })
    return pl.DataFrame(rows, schema={"dataset": pl.String, "partition": pl.String, "file": pl.String,
                                      "n_rows": pl.Int64, "n_bytes": pl.Int64, "schema_key": pl.String})


def merge_files(sources: Sequence[Path], dest: Path) -> int:
    """Stream ``sources`` (same schema) into one Parquet file ``dest``; return the rows written."""
    schema = pq.read_schema(sources[0])
    written = 0
    with pq.ParquetWriter(dest, schema, compression="zstd", compression_level=ZSTD_LEVEL,
                          write_statistics=statistics_columns(schema)) as writer:
        buffer: list[pa.RecordBatch] = []
        buffered = 0
        for src in sources:
            for batch in pq.ParquetFile(src).iter_batches(batch_size=ROWS_PER_GROUP):
                buffer.append(batch)
                buffered += batch.num_rows
                if buffered >= ROWS_PER_GROUP:
                    table = pa.Table.from_batches(buffer, schema=schema)
                    writer.write_table(table, row_group_size=ROWS_PER_GROUP)
                    written += table.num_rows
                    buffer, buffered = [], 0
        if buffer:
            table = pa.Table.from_batches(buffer, schema=schema)
            writer.write_table(table, row_group_size=ROWS_PER_GROUP)
            written += table.num_rows
    return written


def merge_partition(folder: Path, plan: pl.DataFrame, dest: Path) -> dict[str, int]:
    """Merge the files of one partition ``folder`` per ``plan`` into ``dest``; check that no row is lost.

    Returns the partition's ``rows``, ``files_before`` and ``files_after``.

    Raises:
        CompactionError: the merged files do not hold the rows of the files they replace.
    """
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for (name,), group in plan.group_by(["target"], maintain_order=True):
        sources = [folder / f for f in sorted(group["file"].to_list())]
        tmp = dest / f".{name}.tmp"
        merge_files(sources, tmp)
        os.rename(tmp, dest / str(name))
    merged_rows = sum(pq.read_metadata(p).num_rows for p in dest.glob("*.parquet"))
    replaced_rows = sum(pq.read_metadata(folder / f).num_rows for f in plan["file"].to_list())
    if merged_rows != replaced_rows:
        raise CompactionError(f"{folder}: merged files hold {merged_rows} rows, the files they replace "
                              f"{replaced_rows}; nothing changed")
    files = len(list(folder.glob("*.parquet")))
    return {"rows": sum(pq.read_metadata(p).num_rows for p in folder.glob("*.parquet")), "files_before": files,
            "files_after": files - plan.height + plan["target"].n_unique()}


def compact(out: Path, *, target_bytes: int = TARGET_BYTES, datasets: Sequence[str] = DATASETS) -> dict[str, Any]:
    """Merge the small files of every partition of the corpus in ``out`` into few; keep every row.

    Returns a summary: ``files_before``, ``files_after``, ``rows``, ``bytes_before``, ``bytes_after``,
    ``partitions_compacted``, ``snapshot`` (the version committed, None when nothing was worth merging),
    ``seconds`` and ``datasets`` (the same counts per dataset).

    Raises:
        CompactionError: when a build has not committed yet, or a merged partition fails its row check.
        tasks.publish.snapshots.OutputLockedError: when a build is running on ``out``.
    """
    if not out.is_dir():
        raise FileNotFoundError(f"no corpus folder at {out}")
    started = time.perf_counter()
    snapshots.acquire_lock(out)
    try:
        pending = snapshots.read_pointer(out / "_state").get("pending")
        if pending:
            raise CompactionError(f"a build of {out} has not finished (shards {pending}); run the build again first")
        shutil.rmtree(out / STAGING, ignore_errors=True)  # what a compaction stopped before its commit merged
        snapshots.open_output(out)
        snap = snapshots.current_snapshot(out) or out
        files = list_files(out, datasets)
        plan = plan_compaction(files, target_bytes=target_bytes)
        add: dict[str, Path] = {}
        for (dataset, partition), part_plan in plan.group_by(["dataset", "partition"], maintain_order=True):
            rel = Path(str(dataset)) / str(partition)
            if any(p.is_dir() for p in (snap / rel).iterdir()):  # not a layout a build writes: left as it is
                logger.warning("not compacting %s: it holds files and folders side by side", out / rel)
                plan = plan.filter((pl.col("dataset") != dataset) | (pl.col("partition") != partition))
                continue
            merge_partition(snap / rel, part_plan, out / STAGING / rel)
            add |= {(rel / f.name).as_posix(): f for f in sorted((out / STAGING / rel).glob("*.parquet"))}
        version = None
        if add:
            replaced = {(Path(d) / p / f).as_posix() for d, p, f in plan.select("dataset", "partition", "file").rows()}
            version = snapshots.commit_snapshot(out, add=add, drop=replaced.__contains__)
        after = list_files(out, datasets)
    finally:
        shutil.rmtree(out / STAGING, ignore_errors=True)
        snapshots.release_lock(out)
    per = {
        name: {
            "files_before": files.filter(pl.col("dataset") == name).height,
            "files_after": after.filter(pl.col("dataset") == name).height,
            "rows": int(after.filter(pl.col("dataset") == name)["n_rows"].sum()),
            "partitions_compacted": plan.filter(pl.col("dataset") == name)["partition"].n_unique(),
        }
        for name in datasets
    }
    summary = {
        "files_before": files.height,
        "files_after": after.height,
        "rows": int(after["n_rows"].sum()),
        "bytes_before": int(files["n_bytes"].sum()),
        "bytes_after": int(after["n_bytes"].sum()),
        "partitions_compacted": sum(d["partitions_compacted"] for d in per.values()),
        "snapshot": version,
        "seconds": round(time.perf_counter() - started, 2),
        "datasets": per,
    }
    if int(files["n_rows"].sum()) != summary["rows"]:
        raise CompactionError(f"row count changed from {int(files['n_rows'].sum())} to {summary['rows']}")
    logger.info("compacted %s: %d files -> %d", out, summary["files_before"], summary["files_after"])
    return summary
