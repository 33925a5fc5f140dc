"""Planning a build: cutting the input files into shards, and how many partitions the global steps use.

Pure functions over the input file table (``SHARD_FILES`` columns); the flow's plan task calls them.
"""

from __future__ import annotations

import polars as pl

from schemas.validate import cast_to, polars_schema
from schemas.work import SHARD_FILES
from tasks.hashing import xxh3_hex

MIN_SHARD_FILES, MAX_SHARD_FILES, SHARDS_WANTED = 500, 2_500, 8


def auto_shard_size(n_files: int) -> int:
    """Files per shard when the user sets none: about ``SHARDS_WANTED`` shards, 500 to 2,500 files each.

    A per-shard step holds its shard in memory (parse: about 140 kB a text page of 13 kB, 355 MB for
    2,500 pages) and the flow runs two at a time, so the cap bounds the build's memory at any size:
    5,000-file shards took the flow to 2.6 GB at 100,000 pages. With one polars thread per task the
    build's peak RSS while parse ran was 1.10 GB with 2,500-file shards and 1.61 GB with 5,000 (20,000
    pages): a 1,000,000-page build, whose global steps reach about 1.9 GB, keeps the cap. Each shard
    costs a task run per stage (about 17 ms of the API server's CPU and 11 ms of the flow process's,
    measured at 2,000 pages): at 1,000,000 pages 400 shards are about 3,600 runs.
    """
    return min(MAX_SHARD_FILES, max(MIN_SHARD_FILES, -(-n_files // SHARDS_WANTED)))


FILES_PER_PARTITION, MAX_PARTITIONS = 20_000, 64


def dedup_partitions(n_files: int) -> int:
    """Partitions of the dedup index and comment keys (``dedup.partitions`` unset) for a first build of ``n_files``.

    One per ``FILES_PER_PARTITION`` input files, 2 to ``MAX_PARTITIONS``: a find-duplicates partition reads
    the signatures of its candidate pages from every shard, so partitions follow the pages, not the shards.
    """
    return min(MAX_PARTITIONS, max(2, -(-n_files // FILES_PER_PARTITION)))


FILES_PER_TEMPLATE_PART = 5_000


def template_partitions(n_files: int) -> int:
    """Partitions of ``hash(site, line)`` for learn-templates: one per ``FILES_PER_TEMPLATE_PART`` input files (>= 2).

    A partition holds every distinct (site, line, page) of its share of the run's pages (about a hundred
    lines a page), so its memory stays flat as the run grows; 5,000 real pages are about 720,000 rows.
    With 10,000 files a partition (1.44 million rows), a learn-templates task reached 824-869 MB in a worker
    process and two of them at once were the build's highest memory (20,000 real pages, all processes
    2.3 GB); a partition holds half as many rows now, for one more task run per 5,000 files.
    """
    return max(2, -(-n_files // FILES_PER_TEMPLATE_PART))


def assign_shards(files: pl.DataFrame, *, shard_size: int) -> list[tuple[str, pl.DataFrame]]:
    """Split the input file table (SHARD_FILES columns, sorted by path) into shards of ``shard_size`` files.

    A shard's id is the xxh3 of its rows (paths, sizes, modification times and manifest fields), so
    the same input gives the same shards (and the same output file names) on every run, and changed
    input new ones.
    """
    out: list[tuple[str, pl.DataFrame]] = []
    files = files.sort("path")
    for start in range(0, files.height, shard_size):
        chunk = files.slice(start, shard_size)
        key = "\n".join("\t".join(str(v) for v in row) for row in chunk.select(SHARD_FILES.names).iter_rows())
        out.append((xxh3_hex(key), cast_to(chunk, SHARD_FILES)))
    return out



def attach_manifest(files: pl.DataFrame, manifest: pl.DataFrame | None) -> pl.DataFrame:
    """Add the manifest's url, site and fetched_at to the input files (SHARD_FILES columns).

    A manifest row matches a file by its path as given, else by its file name. Only the files no path
    matched are looked up by name: a manifest that names every file's path (1,000,000 rows) is joined
    once, without a second table of file names beside it.
    """
    dtypes = polars_schema(SHARD_FILES)
    if manifest is None or manifest.is_empty():
        return files.with_columns(
            pl.lit(None, dtype=dtypes["url"]).alias("url"),
            pl.lit(None, dtype=dtypes["site"]).alias("site"),
            pl.lit(None, dtype=dtypes["fetched_at"]).alias("fetched_at"),
        )
    fields = ("url", "site", "fetched_at")
    man = manifest.select("path", *fields).unique("path", keep="first")
    out = files.select("path", "size", "mtime_ns").with_row_index("_row").join(
        man.with_columns(pl.lit(value=True).alias("_by_path")), on="path", how="left")
    unmatched = out["_by_path"].is_null()
    if unmatched.any():
        name = pl.col("path").str.extract(r"([^/]*)$").alias("_name")
        by_name = man.with_columns(name).drop("path").unique("_name", keep="first")
        named = (out.filter(unmatched).drop(*fields).with_columns(name)
                 .join(by_name, on="_name", how="left").drop("_name"))
        out = pl.concat([out.filter(~unmatched), named.select(out.columns)])
    return cast_to(out.sort("_row").drop("_row", "_by_path"), SHARD_FILES)
