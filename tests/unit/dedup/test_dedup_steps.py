"""The partitioned find-duplicates tasks (their plain functions, stage files on disk) over two runs.

Issues 6 and 7: the tasks read the index of earlier runs partition by partition and fetch signatures
by row; their decisions (similarities of near copies of earlier pages included) equal
``find_duplicate_clusters`` with the whole index in memory.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from bench.gen_dedup import generate_planted
from flows.config import DedupConfig
from flows.stage_tasks import (
    IndexPart,
    cluster_duplicates_task,
    dedup_prior_task,
    dedup_rows_task,
    find_duplicates_task,
    update_index_task,
)
from schemas.dedup import DECISIONS, DEDUP_KEYS, DEDUP_NODES, DEDUP_ROWS, INDEX_META_NAME, DedupIndexMeta
from tasks import io
from tasks.dedup.clusters import ORD_SHARD_BITS, shard_clusters, shard_index_rows, shard_ords, update_index
from tasks.dedup.keys import add_dedup_keys
from tasks.reference import find_duplicate_clusters


def _run(shards: list[pl.DataFrame], work: Path, index: Path, *, parts: int, base: int,
         next_index: Path) -> pl.DataFrame:
    """One run's find-duplicates tasks, then its index update; returns the run's DUPLICATE_CLUSTERS."""
    cfg = DedupConfig(partitions=parts)
    keys = [io.write_batch(k, work / "dedup" / f"{i}-keys.parquet", DEDUP_KEYS) for i, k in enumerate(shards)]
    lsh = {"bands": cfg.bands, "rows": cfg.rows}
    rows = [dedup_rows_task.fn(k, **lsh, shard_no=i, base=base, parts=parts,
                               out=work / "dedup" / "rows" / f"{i}.parquet") for i, k in enumerate(keys)]
    dedup_prior_task.fn(keys, index, **lsh, base=base, parts=parts, out=next_index / "meta.json")
    edges = [find_duplicates_task.fn(p, rows, keys, index=index, threshold=cfg.threshold, base=base,
                           out=io.part_path(work / "dedup" / "edges", p)) for p in range(parts)]
    decided = cluster_duplicates_task.fn(edges, keys, index, base=base, out=work / "dedup" / "decided.parquet")
    clusters, applied = [], []
    for i, k in enumerate(shards):
        frame = k.with_columns(shard_ords(base, i, k.height))
        c = shard_clusters(frame, io.read_part([decided], DECISIONS, i).collect())
        nodes, lookups = shard_index_rows(frame, c, parts=parts, bands=cfg.bands, rows=cfg.rows)
        io.write_parts(nodes, work / "dedup" / "applied" / str(i) / "nodes.parquet", DEDUP_NODES)
        io.write_parts(lookups, work / "dedup" / "applied" / str(i) / "rows.parquet", DEDUP_ROWS)
        clusters.append(c)
        applied.append(work / "dedup" / "applied" / str(i))
    for p in range(parts):
        update_index_task.fn(p, applied, index, out=IndexPart(io.part_path(next_index / "nodes", p),
                                                             io.part_path(next_index / "rows", p)))
    return pl.concat(clusters)


@pytest.mark.parametrize("parts", [2, 5])
def test_tasks_over_two_runs_equal_the_one_process_clustering(tmp_path: Path, parts: int) -> None:
    """Issue 7: the second run folds near copies of first-run pages with the same similarities."""
    articles = generate_planted(220, seed=11, copy_rate=0.7).articles
    first = articles.filter((pl.col("planted_kind") == "original") | (pl.col("story_id") % 4 == 0))
    later = articles.join(first, on="page_id", how="anti")  # copies of stories written by the first run
    run1 = [add_dedup_keys(first[: first.height // 2]), add_dedup_keys(first[first.height // 2 :])]
    run2 = [add_dedup_keys(later[:60]), add_dedup_keys(later[60:])]
    state1, state2 = tmp_path / "w1" / "_work" / "state", tmp_path / "w2" / "_work" / "state"
    got1 = _run(run1, tmp_path / "w1" / "_work", tmp_path / "none", parts=parts, base=0, next_index=state1)
    want1 = find_duplicate_clusters(pl.concat(run1))
    assert got1.equals(want1)
    got2 = _run(run2, tmp_path / "w2" / "_work", state1, parts=parts, base=len(run1) << ORD_SHARD_BITS,
                next_index=state2)
    index1 = update_index(None, pl.concat(run1), want1)
    want2 = find_duplicate_clusters(pl.concat(run2), index=index1)
    assert got2.equals(want2)
    near_of_old = want2.filter(pl.col("is_duplicate") & (pl.col("duplicate_kind") == "near")
                               & pl.col("canonical_article_id").is_in(index1.get_column("article_id").implode()))
    assert near_of_old.height > 0
    index2 = pl.read_parquet(state2 / "nodes" / "*.parquet").sort("ord").drop("ord")
    assert index2.equals(update_index(index1, pl.concat(run2), want2))


def test_index_meta_is_read_and_written_in_its_declared_shape(tmp_path: Path) -> None:
    """Issue 22: the dedup index's meta.json has one shape (DedupIndexMeta), one reader and one writer."""
    assert io.read_index_meta(tmp_path) is None  # no index yet
    meta = DedupIndexMeta(partitions=3, next_ord=5 << 26, minhash_configs=("oph1-k5-p128-s0",), bands=40, rows=3)
    io.write_index_meta(meta, tmp_path / INDEX_META_NAME)
    assert io.read_index_meta(tmp_path) == meta
    assert set(io.read_json(tmp_path / INDEX_META_NAME)) == {"partitions", "next_ord", "minhash_configs", "bands",
                                                              "rows"}
    io.write_json({"partitions": 3, "next_ord": 0, "bands": 40, "rows": 3}, tmp_path / INDEX_META_NAME)
    with pytest.raises(KeyError):
        io.read_index_meta(tmp_path)
