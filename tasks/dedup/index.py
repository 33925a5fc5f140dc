"""Reading the dedup index and this run's key files by ``ord``: the on-disk side of phase 2.

The find-duplicates and cluster-duplicates steps hold only the pages their links touch: the rows of
this run's ``DEDUP_KEYS`` files at given ords (a shard's pages get ords ``base + shard_no * 2**26 + row``,
``clusters.ORD_SHARD_BITS``), and the ``DEDUP_NODES`` of earlier runs from the index partitions that hold
them. The reads go through ``tasks.io``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl

from schemas.dedup import DEDUP_KEYS, DEDUP_NODES
from schemas.validate import empty_frame
from tasks import io
from tasks.dedup.clusters import ORD_SHARD_BITS, ord_locations


def run_node_frames(keys: list[Path], ords: np.ndarray, base: int, columns: list[str], *,
                     has_sig: bool = False) -> Iterator[pl.DataFrame]:
    """Columns of this run's key rows at ``ords`` (read from their shards' key files) plus ``ord``, and
    ``has_sig`` (whether the row has a signature) when asked: one frame per shard, in shard and row order."""
    shard_no, row = ord_locations(ords, base)
    read = [*columns, "signature"] if has_sig and "signature" not in columns else columns
    for s in sorted({int(x) for x in shard_no}):
        got = io.read_rows(keys[s], row[shard_no == s].tolist(), read)
        got = got.with_columns((pl.col("_row") + base + (s << ORD_SHARD_BITS)).alias("ord")).drop("_row")
        if has_sig:
            got = got.with_columns(pl.col("signature").is_not_null().alias("has_sig")).select(*columns, "ord",
                                                                                            "has_sig")
        yield got


def run_nodes(keys: list[Path], ords: np.ndarray, base: int, columns: list[str], *,
               has_sig: bool = False) -> pl.DataFrame:
    """The frames of :func:`run_node_frames` as one frame (typed as ``DEDUP_KEYS`` when empty)."""
    empty = empty_frame(DEDUP_KEYS).select(columns).with_columns(pl.lit(0, pl.Int64).alias("ord")).clear()
    if has_sig:
        empty = empty.with_columns(pl.lit(value=True).alias("has_sig")).clear()
    frames = [f.cast(empty.schema) for f in run_node_frames(keys, ords, base, columns, has_sig=has_sig)]
    return pl.concat([empty, *frames]) if frames else empty


def prior_signatures(index: Path, ends: pl.DataFrame) -> pl.DataFrame:
    """``ord``, ``signature`` of index pages (``ord``, ``node_part``), reading only their partitions."""
    frames = [io.scan_batches([io.part_path(index / "nodes", int(part))], DEDUP_NODES)
              .filter(pl.col("ord").is_in(group.get_column("ord").implode())).select("ord", "signature").collect()
              for (part,), group in ends.partition_by("node_part", as_dict=True).items()]
    return pl.concat(frames) if frames else pl.DataFrame(schema={"ord": pl.Int64, "signature": pl.List(pl.UInt32)})


def prior_cluster_nodes(index: Path, ends: pl.DataFrame) -> pl.DataFrame:
    """The ``DEDUP_NODES`` of earlier runs in the clusters of the index pages ``ends`` (``ord``, ``node_part``),
    without their signatures but with ``has_sig`` and ``node_part``; reads only the partitions that hold them."""
    prior = []
    for (part,), group in ends.partition_by("node_part", as_dict=True).items():
        nodes = io.scan_batches([io.part_path(index / "nodes", int(part))], DEDUP_NODES)
        touched = nodes.filter(pl.col("ord").is_in(group.get_column("ord").implode())).select("cluster_id")
        prior.append(nodes.join(touched.unique(), on="cluster_id", how="semi").select(
            pl.exclude("signature"), pl.col("signature").is_not_null().alias("has_sig"),
            pl.lit(int(part), pl.Int32).alias("node_part")).collect())
    empty_prior = empty_frame(DEDUP_NODES).select(pl.exclude("signature"), pl.lit(value=True).alias("has_sig"),
                                                  pl.lit(0, pl.Int32).alias("node_part"))
    return pl.concat(prior) if prior else empty_prior
