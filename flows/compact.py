"""``corpus compact``: merge the many small files that many runs left in each partition into few.

Every row is kept: a partition's files are streamed, row group by row group, into new zstd files
with statistics and ``ROWS_PER_GROUP``-row groups. A reader never sees a partition twice or half
merged: the new partition folder is built beside the output (``OUT/_compact/``: the merged files
plus hard links of the files left alone), its row count is checked against the old one, and the
two folders are then exchanged in one ``renameat2(RENAME_EXCHANGE)`` call. Where the platform
lacks it, the old folder is renamed away before the new one is renamed in: a reader may then
briefly miss the partition but never sees its rows doubled, and a crash between the two renames
is repaired by the next ``compact`` (the checked new folder is still in ``OUT/_compact/``).

Compaction holds the output's build lock and refuses to run while a build has not committed,
because rolling back an unfinished run deletes files by their shard names.
"""

from __future__ import annotations

import ctypes
import errno
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

from tasks import io
from tasks.compact import TARGET_BYTES, plan_compaction
from tasks.hashing import xxh3_hex
from tasks.write import ROWS_PER_GROUP, ZSTD_LEVEL

logger = logging.getLogger(__name__)

DATASETS = ("articles", "comments", "duplicates", "rejects")
STAGING = "_compact"

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class CompactionError(RuntimeError):
    """Compaction cannot run on this output now, or a merged partition failed its check."""


def exchange_paths(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Returns False, having changed nothing, when the platform or file system does not support it.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def swap_in(new: Path, target: Path, trash: Path) -> None:
    """Put folder ``new`` at ``target``; the old ``target`` ends at ``trash`` (or ``new`` when exchanged)."""
    if exchange_paths(new, target):
        os.rename(new, trash)
        return
    os.rename(target, trash)
    os.rename(new, target)


def _schema_key(schema: pa.Schema) -> str:
    meta = sorted((schema.metadata or {}).items())
    return xxh3_hex(schema.remove_metadata().to_string() + "\n" + repr(meta))


def list_files(out: Path, datasets: Sequence[str] = DATASETS) -> pl.DataFrame:
    """One row per Parquet file of the datasets: dataset, partition, file, n_rows, n_bytes, schema_key."""
    rows = []
    for name in datasets:
        root = out / name
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
                          write_statistics=True) as writer:
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


def _rows(folder: Path) -> int:
    return sum(pq.read_metadata(p).num_rows for p in folder.glob("*.parquet"))


def _link_or_copy(src: Path, dest: Path) -> None:
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def recover(out: Path) -> int:
    """Finish or discard what an interrupted compaction left in ``OUT/_compact``; return partitions restored."""
    staging = out / STAGING
    restored = 0
    new_root = staging / "new"
    if new_root.exists():
        for marker in sorted(new_root.rglob(".complete")):
            folder = marker.parent
            target = out / folder.relative_to(new_root)
            if not target.exists():  # stopped between the two renames of swap_in: the checked folder goes in
                marker.unlink()
                target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(folder, target)
                restored += 1
                logger.warning("restored partition %s from an interrupted compaction", target)
    shutil.rmtree(staging, ignore_errors=True)
    return restored


def compact_partition(out: Path, dataset: str, partition: str, plan: pl.DataFrame) -> dict[str, int]:
    """Rewrite one partition folder per ``plan`` (its rows of the compaction plan) and swap it in."""
    rel = Path(dataset) / partition
    target = out / rel
    new = out / STAGING / "new" / rel
    trash = out / STAGING / "old" / rel
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    merged = set(plan["file"].to_list())
    for path in sorted(target.iterdir()):
        if path.is_file() and path.name not in merged:
            _link_or_copy(path, new / path.name)
    for (name,), group in plan.group_by(["target"], maintain_order=True):
        sources = [target / f for f in sorted(group["file"].to_list())]
        tmp = new / f".{name}.tmp"
        merge_files(sources, tmp)
        os.rename(tmp, new / str(name))
    files_before = len(list(target.glob("*.parquet")))
    before, after = _rows(target), _rows(new)
    if before != after:
        shutil.rmtree(new, ignore_errors=True)
        raise CompactionError(f"{target}: merged files hold {after} rows, the partition {before}; nothing changed")
    (new / ".complete").touch()
    trash.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(trash, ignore_errors=True)
    swap_in(new, target, trash)
    (target / ".complete").unlink(missing_ok=True)
    shutil.rmtree(trash, ignore_errors=True)
    return {"rows": after, "files_before": files_before, "files_after": len(list(target.glob("*.parquet")))}


def compact(out: Path, *, target_bytes: int = TARGET_BYTES, datasets: Sequence[str] = DATASETS) -> dict[str, Any]:
    """Merge the small files of every partition of the corpus in ``out`` into few; keep every row.

    Returns a summary: ``files_before``, ``files_after``, ``rows``, ``bytes_before``, ``bytes_after``,
    ``partitions_compacted``, ``partitions_restored`` (repaired after an interrupted compaction),
    ``seconds`` and ``datasets`` (the same counts per dataset).

    Raises:
        CompactionError: when a build has not committed yet, or a merged partition fails its row check.
        tasks.io.OutputLockedError: when a build is running on ``out``.
    """
    if not out.is_dir():
        raise FileNotFoundError(f"no corpus folder at {out}")
    started = time.perf_counter()
    io.acquire_lock(out)
    try:
        pending = io.read_pointer(out / "_state").get("pending")
        if pending:
            raise CompactionError(f"a build of {out} has not finished (shards {pending}); run the build again first")
        restored = recover(out)
        files = list_files(out, datasets)
        plan = plan_compaction(files, target_bytes=target_bytes)
        for (dataset, partition), part_plan in plan.group_by(["dataset", "partition"], maintain_order=True):
            folder = out / str(dataset) / str(partition)
            if any(p.is_dir() for p in folder.iterdir()):  # swapping it would move the folders below it too
                logger.warning("not compacting %s: it holds files and folders side by side", folder)
                plan = plan.filter((pl.col("dataset") != dataset) | (pl.col("partition") != partition))
                continue
            compact_partition(out, str(dataset), str(partition), part_plan)
        shutil.rmtree(out / STAGING, ignore_errors=True)
        after = list_files(out, datasets)
    finally:
        io.release_lock(out)
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
        "partitions_restored": restored,
        "seconds": round(time.perf_counter() - started, 2),
        "datasets": per,
    }
    if int(files["n_rows"].sum()) != summary["rows"]:
        raise CompactionError(f"row count changed from {int(files['n_rows'].sum())} to {summary['rows']}")
    logger.info("compacted %s: %d files -> %d", out, summary["files_before"], summary["files_after"])
    return summary
