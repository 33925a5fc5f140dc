"""The partitioned global steps give exactly the decisions of the one-process functions.

Issues 6, 7 and 10: find-duplicates, merge-comments and learn-templates run as P partition tasks plus
small global steps; these tests run the same pure functions in memory, partition by partition, and
compare with ``find_duplicate_clusters``, ``merge_run_comments`` and ``learn_templates`` on the planted
set, across shards and across runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from bench.gen_dedup import generate_planted, pair_scores
from flows import stage_tasks
from flows.stage_tasks import MergedFiles, merge_comments_task
from schemas.dedup import ARTICLE_REFS, COMMENT_KEYS, COMMENT_ROWS, DEDUP_NODES, MERGED_COMMENT_PARTS, TEXT_COUNTS
from schemas.validate import cast_to, empty_frame
from tasks import io
from tasks.dedup import comments as comments_module
from tasks.dedup.clusters import (
    ORD_SHARD_BITS,
    PAIR_PIECE_ROWS,
    RESCRAPE_THRESHOLD,
    Signatures,
    candidate_ends,
    key_rows,
    lsh_pair_pieces,
    partition_candidates,
    partition_edges,
    prior_rows_of,
    shard_clusters,
    shard_index_rows,
    shard_ords,
    update_index,
    url_pairs,
)
from tasks.dedup.comments import (
    REPEAT_PIECE_ROWS,
    add_repeat_counts,
    article_refs,
    comment_rows,
    in_piece,
    merge_partition_comments,
    repeat_pieces,
    shard_numbers,
    shard_text_counts,
    sum_text_counts,
)
from tasks.dedup.keys import add_dedup_keys
from tasks.extract.templates import (
    merge_template_lines,
    site_page_counts,
    template_line_counts,
    template_lines_of,
    template_rows,
)
from tasks.hashing import partition_of
from tasks.plan import template_partitions
from tasks.reference import (
    count_template_lines,
    decide_touched,
    find_duplicate_clusters,
    learn_templates,
    merge_run_comments,
)
from tests.unit.dedup.test_dedup_keys import OTHER, PARAS, _article, _frame

T0 = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)


@dataclass
class State:
    """The partitioned dedup index in memory: nodes and lookup rows, each with its ``part``."""

    nodes: pl.DataFrame
    rows: pl.DataFrame
    next_ord: int


def _partitioned_run(shards: list[pl.DataFrame], state: State | None, *, parts: int,
                     piece_rows: int = PAIR_PIECE_ROWS) -> tuple[pl.DataFrame, State, list[pl.DataFrame]]:
    """What the flow's steps do, in memory: rows per shard, P candidate tasks, decide, apply, index update."""
    base = state.next_ord if state else 0
    keys = [k.with_columns(shard_ords(base, i, k.height)) for i, k in enumerate(shards)]
    run_rows = pl.concat([key_rows(k.with_columns(pl.lit(None, pl.Int32).alias("node_part")), parts=parts,
                                   bands=40, rows=3) for k in keys])
    prior_nodes = state.nodes if state else empty_frame(DEDUP_NODES).with_columns(pl.lit(0, pl.Int32).alias("part"))
    prior_rows = state.rows if state else run_rows.clear()
    all_sigs = pl.concat([pl.concat(keys).select("ord", "signature"),
                          prior_nodes.select("ord", "signature")]).filter(pl.col("signature").is_not_null())
    edges = []
    for p in range(parts):
        new = run_rows.filter(pl.col("part") == p).drop("part")
        prior = prior_rows_of(new.lazy(), prior_rows.filter(pl.col("part") == p).drop("part").lazy())
        exact, buckets, urls = partition_candidates(pl.concat([new, prior]), base=base)
        edges.append(partition_edges(exact, buckets, urls, Signatures.of(all_sigs), base=base, threshold=0.6,
                                     piece_rows=piece_rows, part=p))
    edge_frame = pl.concat([e.cast({"a": pl.Int64, "b": pl.Int64}) for e in edges]).unique()
    ends = pl.concat([edge_frame.get_column("a"), edge_frame.get_column("b")]).unique()
    new_nodes = pl.concat(keys).filter(pl.col("ord").is_in(ends.implode()))
    live = prior_nodes
    touched = live.filter(pl.col("ord").is_in(ends.implode())).get_column("cluster_id")
    decided = decide_touched(edge_frame, new_nodes, live.filter(pl.col("cluster_id").is_in(touched.implode())))
    clusters = [shard_clusters(k, decided.filter((pl.col("ord") - base) // (1 << ORD_SHARD_BITS) == i))
                for i, k in enumerate(keys)]
    added = [shard_index_rows(k, c, parts=parts, bands=40, rows=3) for k, c in zip(keys, clusters, strict=True)]
    nodes = pl.concat([live, *[a[0].select(live.columns) for a in added]])
    rows = pl.concat([prior_rows, *[a[1] for a in added]])
    return pl.concat(clusters), State(nodes, rows, base + (len(shards) << ORD_SHARD_BITS)), keys


def _reference_index(state: State) -> pl.DataFrame:
    return state.nodes.sort("ord").drop("ord", "part")


@pytest.mark.parametrize(("parts", "piece_rows"), [(1, PAIR_PIECE_ROWS), (3, PAIR_PIECE_ROWS), (8, PAIR_PIECE_ROWS),
                                                  (1, 64), (3, 300)])
def test_planted_set_same_decisions_in_every_partitioning(parts: int, piece_rows: int) -> None:
    """Issue 6: the planted set over three shards, clustered partition by partition, equals the one-process
    answer; also when each partition's LSH pairs are made and checked in many small pieces (issue 10)."""
    planted = generate_planted(400, seed=3, copy_rate=0.6)
    articles = planted.articles
    cut = [0, articles.height // 3, 2 * articles.height // 3, articles.height]
    shards = [add_dedup_keys(articles[a:b]) for a, b in itertools.pairwise(cut)]
    expected = find_duplicate_clusters(pl.concat(shards))
    got, state, _ = _partitioned_run(shards, None, parts=parts, piece_rows=piece_rows)
    assert got.equals(expected)
    scores = pair_scores(got, articles)
    assert scores["precision"] >= 0.99
    assert scores["recall"] >= 0.98
    assert _reference_index(state).equals(update_index(None, pl.concat(shards), expected))


def test_partition_edges_log_candidate_and_verified_counts(caplog: pytest.LogCaptureFixture) -> None:
    """Issue 22: a find-duplicates partition logs its candidate and verified pair counts, summed over its
    pieces, as ``find_duplicate_clusters`` logs the run's."""
    planted = generate_planted(300, seed=5, copy_rate=0.6)
    keys = add_dedup_keys(planted.articles)
    keys = keys.with_columns(shard_ords(0, 0, keys.height))
    rows = key_rows(keys.with_columns(pl.lit(None, pl.Int32).alias("node_part")), parts=1, bands=40, rows=3)
    exact, buckets, urls = partition_candidates(rows.drop("part"), base=0)
    signatures = Signatures.of(keys.select("ord", "signature").filter(pl.col("signature").is_not_null()))
    lsh = pl.concat(list(lsh_pair_pieces(buckets, base=0)))
    same_url = url_pairs(urls, base=0)
    with caplog.at_level("INFO", logger="tasks.dedup.clusters"):
        partition_edges(exact, buckets, urls, signatures, base=0, threshold=0.6, piece_rows=64, part=7)
    verified = signatures.verified(lsh, floor=0.6).height
    assert [r.getMessage() for r in caplog.records if r.name == "tasks.dedup.clusters"] == [
        f"dedup partition 7: {exact.height} exact links",
        f"dedup partition 7: {lsh.height} LSH candidate pairs, {verified} at or above 0.60",
        f"dedup partition 7: {same_url.height} same-URL candidate pairs, "
        f"{signatures.verified(same_url, floor=RESCRAPE_THRESHOLD).height} at or above {RESCRAPE_THRESHOLD:.2f}",
    ]
    assert lsh.height >= verified > 0
    assert exact.height > 0


@pytest.mark.parametrize("max_bucket", [64, 3])
def test_lsh_pairs_in_pieces_are_every_pair_once(max_bucket: int) -> None:
    """Issue 10: the pieces of a partition's LSH pairs are disjoint and together are every pair, and
    ``candidate_ends`` names exactly the pages of the pairs, with pages of an earlier run among them."""
    planted = generate_planted(400, seed=3, copy_rate=0.6).articles
    keys = add_dedup_keys(planted).with_columns(shard_ords(0, 0, planted.height))
    base = planted.height // 2  # the first half counts as an earlier run's pages
    rows = key_rows(keys.with_columns(pl.lit(None, pl.Int32).alias("node_part")), parts=1, bands=40, rows=3)
    _, buckets, urls = partition_candidates(rows.drop("part"), base=base)
    whole = list(lsh_pair_pieces(buckets, base=base, max_bucket=max_bucket, piece_rows=10**12))
    pieces = list(lsh_pair_pieces(buckets, base=base, max_bucket=max_bucket, piece_rows=200))
    assert len(whole) == 1
    assert len(pieces) > 5
    joined = pl.concat(pieces)
    assert joined.height == joined.unique().height == whole[0].height > 100
    assert joined.sort("a", "b").equals(whole[0].sort("a", "b"))
    assert joined.filter((pl.col("a") < base) & (pl.col("b") < base)).is_empty()
    assert joined.filter(pl.col("a") < base).height > 0
    same_url = url_pairs(urls, base=base, max_bucket=max_bucket)
    ends = pl.concat([joined.get_column("a"), joined.get_column("b"), same_url.get_column("a"),
                      same_url.get_column("b")]).unique().sort()
    assert candidate_ends(buckets, urls, base=base, max_bucket=max_bucket).to_list() == ends.to_list()


def test_signatures_verify_pairs_by_ord() -> None:
    """Pairs are checked on the signatures of their own ords, whatever the order of the rows given."""
    sigs = pl.DataFrame({"ord": [30, 10, 20, 40],
                         "signature": [[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 9, 9], None]},
                        schema={"ord": pl.Int64, "signature": pl.List(pl.UInt32)})
    table = Signatures.of(sigs)
    assert table.ords.tolist() == [10, 20, 30]
    pairs = pl.DataFrame({"a": [10, 10, 20], "b": [30, 20, 30]})
    assert table.verified(pairs, floor=0.75).rows() == [(10, 30)]
    assert table.verified(pairs, floor=0.5).sort("a", "b").rows() == [(10, 20), (10, 30), (20, 30)]


@pytest.mark.parametrize("parts", [1, 4])
def test_incremental_runs_read_the_partitioned_index(parts: int) -> None:
    """Issue 7: a later run folds into earlier articles exactly as find_duplicate_clusters with the whole index."""
    body = "\n\n".join(PARAS)
    planted = generate_planted(150, seed=5, copy_rate=0.6).articles
    run1 = [add_dedup_keys(planted[:150]), add_dedup_keys(_frame([
        _article("r1-tram", body, url="https://a.example/tram"),
        _article("r1-comet", "\n\n".join(OTHER), url="https://a.example/comet")]))]
    clusters1, state1, _ = _partitioned_run(run1, None, parts=parts)
    index1 = update_index(None, pl.concat(run1), find_duplicate_clusters(pl.concat(run1)))
    assert clusters1.equals(find_duplicate_clusters(pl.concat(run1)))
    run2 = [add_dedup_keys(planted[150:])[:40], add_dedup_keys(_frame([
        _article("r2-tram", body + "\n\nDonate: 99 raised.", url="https://a.example/tram", hours=48),
        _article("r2-syn", body, url="https://b.example/tram", site="b.example", hours=-5),
        _article("r2-new", "\n\n".join(reversed(PARAS[:2] + OTHER[:1])), url="https://a.example/new")])),
        add_dedup_keys(planted[190:])]
    clusters2, state2, _ = _partitioned_run(run2, state1, parts=parts)
    expected2 = find_duplicate_clusters(pl.concat(run2), index=index1)
    assert clusters2.equals(expected2)
    by = {r["page_id"]: r for r in clusters2.iter_rows(named=True)}
    assert by["r2-tram"]["canonical_article_id"] == "art-r1-tram"
    assert by["r2-syn"]["duplicate_kind"] == "exact"
    index2 = update_index(index1, pl.concat(run2), expected2)
    assert _reference_index(state2).equals(index2)
    # Issue 19: a run reading some of the same pages again decides them against the whole index: each
    # folds into the article written for it before (the earlier canonical wins), none ships twice.
    again = [pl.concat(run2)[:25], add_dedup_keys(planted[175:190])]
    clusters3, state3, _ = _partitioned_run(again, state2, parts=parts)
    expected3 = find_duplicate_clusters(pl.concat(again), index=index2)
    assert clusters3.equals(expected3)
    assert clusters3.get_column("is_duplicate").all()
    written = index2.filter(pl.col("is_canonical")).get_column("article_id")
    assert clusters3.get_column("canonical_article_id").is_in(written.implode()).all()
    before = index2.join(pl.concat(again).select("page_id"), on="page_id", how="semi")
    assert clusters3.join(before.select("page_id", pl.col("canonical_article_id").alias("was")), on="page_id").select(
        (pl.col("canonical_article_id") == pl.col("was")).all()).item()
    assert _reference_index(state3).equals(update_index(index2, pl.concat(again), expected3))


@pytest.mark.parametrize("parts", [1, 5])
def test_comment_merge_per_partition_equals_the_whole_run(parts: int, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 7: threads merged per partition of hash(canonical article), repeats summed, equal the one-process merge;
    issue 18: the merge-comments task merging a partition in pieces of hash(article) writes the same rows."""
    planted = generate_planted(200, seed=4, copy_rate=0.6)
    articles = planted.articles.with_columns(language=pl.lit("en"))
    cut = [0, articles.height // 2, articles.height]
    shards = [add_dedup_keys(articles[a:b]) for a, b in itertools.pairwise(cut)]
    clusters, _, keys = _partitioned_run(shards, None, parts=parts)
    comments = planted.comments.with_columns(
        pl.lit(None, pl.Int32).alias("parent_position"), pl.lit(None, pl.String).alias("posted_at_text"),
        pl.lit(None, pl.Datetime("us", "UTC")).alias("posted_at"),
        pl.when(pl.int_range(pl.len()) % 7 == 0).then(pl.lit("und")).otherwise(pl.lit("en")).alias("language"),
        pl.lit(0.9).alias("language_score"))
    pages = articles.select("page_id", pl.col("site").fill_null("s"), pl.col("page_id").alias("source_path"),
                            pl.lit("2024-05").alias("crawl_month"))
    shard_of = pl.concat([k.select("page_id").with_columns(pl.lit(f"s{i}").alias("shard_id"))
                          for i, k in enumerate(keys)])
    page_shard = pages.join(shard_of, on="page_id")
    # Comment keys of an earlier run: some are repeated now (their texts count towards the repeats).
    old_page = comments.head(3).with_columns(pl.lit("old-page").alias("page_id"))
    prior = merge_run_comments(old_page, page_shard, clusters, articles.select("page_id", "article_id",
                                                                                "language"), None)[1]
    assert prior.height == 3
    expected, expected_keys = merge_run_comments(
        comments, page_shard, clusters, articles.select("page_id", "article_id", "language"), prior)
    ordered = comments.join(shard_of, on="page_id", how="left", maintain_order="left")
    rows, refs = [], []
    for i, k in enumerate(keys):
        sid = f"s{i}"
        own = ordered.filter(pl.col("shard_id") == sid).drop("shard_id")
        shard_clusters_ = clusters.join(k.select("page_id"), on="page_id", how="semi", maintain_order="left")
        rows.append(comment_rows(own.select(comments.columns), pages, shard_clusters_, shard_id=sid, shard_no=i,
                                 parts=parts))
        refs.append(article_refs(shard_clusters_, articles.select("page_id", "article_id", "language"),
                                 k.select("page_id", "ord"), shard_id=sid, parts=parts))
    prior_parts = prior.with_columns(partition_of(prior.get_column("article_id"), parts).alias("part"))
    merged, new_keys, counts = [], [], []
    for p in range(parts):
        m, kk, c = merge_partition_comments(
            pl.concat(rows).filter(pl.col("part") == p).drop("part"),
            pl.concat(refs).filter(pl.col("part") == p).drop("part"),
            prior_parts.filter(pl.col("part") == p).drop("part"))
        merged.append(m)
        new_keys.append(kk)
        counts.append(c)
    got = pl.concat(merged).sort("comment_row")
    totals = sum_text_counts(pl.concat(counts).lazy(), got.lazy())
    got = add_repeat_counts(got, totals).select(expected.columns).cast(expected.schema)
    for sid in ("s0", "s1"):  # what each shard's write step reads, in the same order
        assert got.filter(pl.col("shard_id") == sid).equals(expected.filter(pl.col("shard_id") == sid)), sid
    # the write step of a shard reads only its own part of the merged comments and of the counts
    shards = [f"s{i}" for i in range(len(keys))]
    by_shard = pl.concat(merged).with_columns(shard_numbers(pl.col("shard_id"), shards).alias("part"))
    per_shard = shard_text_counts(pl.concat(counts).lazy(), by_shard.lazy())
    assert per_shard.select("part", "text_hash").is_unique().all()
    for pieces in (2, 3):  # count-repeats cuts the texts into pieces of hash(text): the same rows, each once
        cut = [shard_text_counts(pl.concat(counts).lazy().filter(in_piece(k, pieces)),
                                 by_shard.lazy().filter(in_piece(k, pieces))) for k in range(pieces)]
        assert all(c.height for c in cut)
        assert pl.concat(cut).sort("part", "text_hash").equals(per_shard.sort("part", "text_hash"))
    for no, sid in enumerate(shards):
        threads = by_shard.filter(pl.col("part") == no).drop("part").sort("comment_row")
        own = add_repeat_counts(threads, per_shard.filter(pl.col("part") == no).drop("part"))
        assert own.select(expected.columns).cast(expected.schema).equals(
            expected.filter(pl.col("shard_id") == sid)), sid
    assert got.sort("comment_id", "page_id", "position").equals(expected.sort("comment_id", "page_id", "position"))
    assert pl.concat(new_keys).sort("comment_id").equals(expected_keys.sort("comment_id"))
    _merge_task_in_pieces(tmp_path, monkeypatch, (rows, refs, prior_parts), shards, (merged, new_keys, counts))


def _merge_task_in_pieces(tmp: Path, monkeypatch: pytest.MonkeyPatch,
                          spread: tuple[list[pl.DataFrame], list[pl.DataFrame], pl.DataFrame], shards: list[str],
                          whole: tuple[list[pl.DataFrame], list[pl.DataFrame], list[pl.DataFrame]]) -> None:
    """The merge-comments task on the spread files (each shard's comment rows and refs, the earlier run's keys
    by partition), in one piece and in pieces of a few rows: each partition's merged rows (by shard number),
    comment keys and text counts equal ``merge_partition_comments`` of the partition whole (``whole``)."""
    rows, refs, prior_parts = spread
    merged, new_keys, counts = whole
    parts = len(merged)
    applied = [tmp / "_work" / "applied" / sid for sid in shards]
    for a, r, f in zip(applied, rows, refs, strict=True):
        io.write_parts(r.select(*COMMENT_ROWS.names, "part"), a / "comments.parquet", COMMENT_ROWS)
        io.write_parts(f, a / "refs.parquet", ARTICLE_REFS)
    prior_dir = tmp / "_state" / "comment_keys"
    for p in range(parts):
        io.write_batch(prior_parts.filter(pl.col("part") == p).drop("part"), io.part_path(prior_dir, p), COMMENT_KEYS)
    calls: list[int] = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return merge_partition_comments(*args, **kwargs)

    monkeypatch.setattr(stage_tasks, "merge_partition_comments", counted)
    for piece_rows in (1_000_000, 7):
        monkeypatch.setattr(comments_module, "MERGE_PIECE_ROWS", piece_rows)
        for p in range(parts):
            out = tmp / "_work" / f"merged-{piece_rows}"
            calls.clear()
            got = merge_comments_task.fn(p, applied, prior_dir, shards=shards, out=MergedFiles(
                io.part_path(out / "merged", p), io.part_path(out / "keys", p), io.part_path(out / "counts", p)))
            assert (len(calls) > 1) == (piece_rows == 7)  # merged in pieces
            assert pq.ParquetFile(got.merged).num_row_groups <= len(shards)  # one row group per shard, pieces or not
            want = cast_to(merged[p], MERGED_COMMENT_PARTS).with_columns(
                shard_numbers(pl.col("shard_id"), shards).alias("part"))
            assert pl.read_parquet(got.merged).sort("comment_row").equals(want.sort("comment_row"))
            assert io.read_batch(got.comment_keys, COMMENT_KEYS).sort("comment_id").equals(
                cast_to(new_keys[p], COMMENT_KEYS).sort("comment_id"))
            assert io.read_batch(got.text_counts, TEXT_COUNTS).sort("text_hash").equals(
                cast_to(counts[p], TEXT_COUNTS).sort("text_hash"))


@pytest.mark.parametrize("parts", [1, 4])
def test_template_lines_learned_per_partition_equal_the_whole_run(parts: int) -> None:
    """Issue 10: learn-templates counts per shard and partition; the lines equal learn_templates over the run."""
    rows = []
    for page in range(90):
        site = f"s{page % 3}.example" if page % 10 else None
        story = page % 37  # pages 37 apart are re-fetches of one story, often in another shard
        lines = [f"Story {story} paragraph {k} with enough words to be the longest line." for k in range(3)]
        lines += [f"Menu of {site}", "Share this"] if page % 4 else [f"Footer of {site}"]
        lines += [f"Sidebar {page % 5}"]
        rows += [{"page_id": f"p{page}", "line_no": i, "text": t, "site": site} for i, t in enumerate(lines)]
    frame = pl.DataFrame(rows)
    lines, pages = frame.select("page_id", "line_no", "text"), frame.select("page_id", "site").unique("page_id")
    previous = pl.DataFrame({"site": ["s1.example", "s9.example"], "text": ["Menu of s1.example", "Old line"],
                             "n_pages": [99, 5], "n_site_pages": [120, 6], "share": [0.8, 0.8]}).cast(
        {"n_pages": pl.Int32, "n_site_pages": pl.Int32})
    expected = learn_templates(lines, pages, previous)
    assert expected.height >= 4
    shard_rows, shard_pages = [], []
    for shard in range(3):
        own = pages.filter(pl.col("page_id").str.slice(1).cast(pl.Int32) % 3 == shard)
        got_rows, got_pages = template_rows(lines.join(own, on="page_id", how="semi"), own, parts=parts)
        shard_rows.append(got_rows)
        shard_pages.append(got_pages)
    learned = [count_template_lines(pl.concat(shard_rows).filter(pl.col("part") == p).drop("part"),
                                    pl.concat(shard_pages)) for p in range(parts)]
    assert merge_template_lines(pl.concat(learned), previous).equals(expected)
    # as the flow runs it: lines counted per partition, the sites' pages counted once in the merge
    counted = [template_line_counts(pl.concat(shard_rows).filter(pl.col("part") == p).drop("part"))
               for p in range(parts)]
    site_pages = site_page_counts(pl.concat(shard_pages).lazy())
    assert merge_template_lines(template_lines_of(pl.concat(counted), site_pages), previous).equals(expected)


def test_template_partitions_grow_with_the_run() -> None:
    """learn-templates' partitions follow the input, so a partition holds about the same rows at any size."""
    assert [template_partitions(n) for n in (0, 1, 20_000, 100_000, 1_000_000)] == [2, 2, 4, 20, 200]


def test_repeat_pieces_follow_the_comment_rows() -> None:
    assert [repeat_pieces(n) for n in (0, 1, REPEAT_PIECE_ROWS, REPEAT_PIECE_ROWS + 1, 10 * REPEAT_PIECE_ROWS)] == \
        [1, 1, 1, 2, 10]


