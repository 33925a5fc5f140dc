"""Compaction plan: which small Parquet files of a partition are merged into which new file.

Many small runs leave one file per shard in every partition they touch. The plan groups the
files of each partition (with the same schema and key-value metadata, so that what a file records
about how it was made stays true) into output files of about ``target_bytes``; ``tasks/publish/compaction.py``
writes them and commits them in one new snapshot of the output.

Columns read (one row per Parquet file): ``dataset``, ``partition`` (the hive folder relative to the
dataset root, '' when unpartitioned), ``file`` (file name), ``n_rows``, ``n_bytes`` and ``schema_key``
(a fingerprint of the file's arrow schema and metadata). Columns added: ``group`` (the output file
within its partition) and ``target`` (the output file name).
"""

from __future__ import annotations

import logging

import polars as pl

from tasks.hashing import xxh3_hex

logger = logging.getLogger(__name__)

COMPACTED_PREFIX = "part-compact-"
"""Compacted files are named ``part-compact-{digest}-0.parquet``: never a shard's ``part-{shard_id}-*`` name."""

TARGET_BYTES = 256 * 1024 * 1024
"""Default size of a compacted file: large enough for few files, small enough to read in parallel."""


def compacted_name(sources: list[str]) -> str:
    """The output file name for merging ``sources``: a digest of their sorted names (stable on re-runs)."""
    return f"{COMPACTED_PREFIX}{xxh3_hex(chr(10).join(sorted(sources)))}-0.parquet"


def plan_compaction(files: pl.DataFrame, *, target_bytes: int = TARGET_BYTES, min_files: int = 2) -> pl.DataFrame:
    """Assign the files worth merging to output files; files left alone are not in the result.

    Within one (``dataset``, ``partition``, ``schema_key``), files smaller than ``target_bytes``
    are taken in name order and packed greedily into groups whose sizes add up to about
    ``target_bytes`` (a group closes once it reaches it). Groups of fewer than ``min_files`` files
    would only rewrite a file, so they are dropped, as are files already at the target size.

    Args:
        files: one row per Parquet file (see the module docstring).
        target_bytes: size at which a group is closed.
        min_files: the fewest files worth merging into one.

    Returns:
        The planned files with ``group`` (0-based within the partition and schema) and ``target``
        (output file name), sorted by dataset, partition, group and file.
    """
    keys = ["dataset", "partition", "schema_key"]
    small = files.filter(pl.col("n_bytes") < target_bytes).sort([*keys, "file"])
    before = pl.col("n_bytes").cum_sum().over(keys) - pl.col("n_bytes")
    grouped = small.with_columns(group=(before // target_bytes).cast(pl.Int64))
    sized = grouped.with_columns(n_in_group=pl.len().over([*keys, "group"]))
    planned = sized.filter(pl.col("n_in_group") >= min_files).drop("n_in_group")
    names = planned.group_by([*keys, "group"]).agg(pl.col("file").sort())
    targets = names.with_columns(
        target=pl.Series([compacted_name(list(f)) for f in names["file"].to_list()], dtype=pl.String)
    ).drop("file")
    result = planned.join(targets, on=[*keys, "group"], how="left").sort(["dataset", "partition", "group", "file"])
    logger.debug("compaction plan: %d of %d files into %d files", result.height, files.height, targets.height)
    return result
