"""The build's stage tasks: thin Prefect wrappers that read stage files, call pure stage code, write stage files.

The stage code they call lives in ``tasks/``, which imports neither Prefect nor ``flows``: the wrappers
unpack the build's configuration into the stages' keyword tunables. Every wrapper takes and returns paths
(never DataFrames), names its output ``out``, and is keyed by :class:`flows.caching.StageCache`,
so a re-run or a Retry serves finished stages from their persisted results, while a changed
input file, configuration or stage code runs the stage again.
"""

from __future__ import annotations

import functools
import itertools
import logging
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, TypeVar

import polars as pl
from prefect import get_run_logger, task
from prefect.context import TaskRunContext
from prefect.exceptions import MissingContextError
from prefect.runtime import flow_run

from flows.caching import StageCache
from flows.runtime import naming_full_disk, trim_freed_memory
from schemas import OUTPUT_DATASETS
from schemas.dedup import (
    ARTICLE_REFS,
    COMMENT_KEYS,
    COMMENT_ROWS,
    DECISIONS,
    DEDUP_EDGES,
    DEDUP_INDEX,
    DEDUP_KEYS,
    DEDUP_NODES,
    DEDUP_ROWS,
    DUPLICATE_CLUSTERS,
    INDEX_META_NAME,
    MERGED_COMMENT_PARTS,
    TEXT_COUNTS,
    DedupIndexMeta,
)
from schemas.pages import PAGES
from schemas.parsed import (
    LINES,
    PARSED_COMMENTS,
    SCORED_ARTICLES,
    TEMPLATE_COUNTS,
    TEMPLATE_LINES,
    TEMPLATE_PAGES,
    TEMPLATE_ROWS,
)
from schemas.tagged import MERGED_COMMENTS, TAGGED_ARTICLES, TAGGED_COMMENTS
from schemas.work import SHARD_FILES
from tasks import io
from tasks.dedup.clusters import (
    ORD_SHARD_BITS,
    Signatures,
    candidate_ends,
    describe_touched,
    key_rows,
    needs_agreement,
    partition_candidates,
    partition_edges,
    partitioned_index,
    prior_rows_of,
    rank_touched,
    shard_clusters,
    shard_index_rows,
    shard_ords,
)
from tasks.dedup.comments import (
    add_repeat_counts,
    article_refs,
    comment_rows,
    in_piece,
    in_thread_piece,
    merge_partition_comments,
    merge_pieces,
    repeat_pieces,
    shard_numbers,
    shard_text_counts,
    sum_piece_counts,
    thread_article,
)
from tasks.dedup.index import prior_cluster_nodes, prior_signatures, run_node_frames, run_nodes
from tasks.dedup.keys import add_dedup_keys
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.chain import PARSE_PAGE_COLUMNS, parse_shard, readable_pages
from tasks.extract.langid import LANGID_PAGE_COLUMNS, init_detector, tag_languages
from tasks.extract.templates import (
    merge_template_lines,
    site_page_counts,
    template_line_counts,
    template_lines_of,
    template_rows,
)
from tasks.hashing import partition_of
from tasks.ingest import inputs
from tasks.ingest.pages import build_pages
from tasks.ingest.sites import init_sites
from tasks.publish.release import PublishOptions, publish_articles, publish_comments, publish_counts
from tasks.publish.select import PAGE_COLUMNS, crawl_month, select_outputs
from tasks.publish.write import stage_partitioned, staged_shard

P = ParamSpec("P")
R = TypeVar("R")


class ParsedFiles(NamedTuple):
    """What parse writes for one shard."""

    articles: Path
    """SCORED_ARTICLES"""
    comments: Path
    """PARSED_COMMENTS"""


class TaggedFiles(NamedTuple):
    """What detect-language writes for one shard."""

    articles: Path
    """TAGGED_ARTICLES"""
    comments: Path
    """TAGGED_COMMENTS"""


class IndexFolders(NamedTuple):
    """The dedup index and the comment keys, each a folder of partition files (migrate-state writes both)."""

    dedup_index: Path
    """``nodes/`` and ``rows/`` (DEDUP_NODES, DEDUP_ROWS by partition) and ``meta.json``"""
    comment_keys: Path
    """COMMENT_KEYS by partition"""


class AppliedFiles(NamedTuple):
    """What apply-duplicates writes for one shard."""

    clusters: Path
    """DUPLICATE_CLUSTERS of the shard's pages"""
    spread: Path
    """a folder: the shard's new index rows (nodes, rows), its comments and article refs, by partition"""


class IndexPart(NamedTuple):
    """One partition of the dedup index after this run (update-index)."""

    nodes: Path
    """DEDUP_NODES"""
    rows: Path
    """DEDUP_ROWS"""


class MergedFiles(NamedTuple):
    """What merge-comments writes for one partition."""

    merged: Path
    """MERGED_COMMENT_PARTS, by the number of the shard that ships them"""
    comment_keys: Path
    """COMMENT_KEYS of the partition after this run"""
    text_counts: Path
    """TEXT_COUNTS of the partition"""


def _run_logger() -> logging.Logger | logging.LoggerAdapter[Any]:
    """The task run's logger (its lines go to the run's log in the UI); the module's outside a run (``.fn()``)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def recorded(fn: Callable[P, R]) -> Callable[P, R]:
    """Record in ``_work/executions.jsonl`` each time a stage's body runs (served from cache: no record),
    and give the memory the body freed back to the system (``flows.runtime.trim_freed_memory``)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        out = kwargs["out"]
        first = out[0] if isinstance(out, tuple) else out
        assert isinstance(first, Path)
        work = next(p for p in first.parents if p.name == "_work")
        started, clock, ok = time.time(), time.perf_counter(), False
        try:
            with naming_full_disk(work.parent):  # a full disk: say which folder filled up
                result = fn(*args, **kwargs)
            ok = True
            return result
        finally:
            seconds = time.perf_counter() - clock
            trim_freed_memory()  # a build's low point otherwise rises with what finished tasks freed
            context = TaskRunContext.get()
            try:
                io.record_execution(work, fn.__name__.removesuffix("_task"), first.name, started=started,
                                    seconds=seconds, ok=ok, run=str(flow_run.id or ""),
                                    task=context.task.name if context else None)
            except OSError as exc:  # a full disk: the stage's own error (raised above) is the one to report
                logging.getLogger(__name__).warning("could not record the execution of %s: %s", fn.__name__, exc)

    return wrapper


def warm_up() -> None:
    """Build now what the stages build once per process (the public-suffix table of ingest, langdetect's
    profiles and sparse matrices of detect-language): a worker process that calls this when it starts,
    while the flow plans, pays for them before its first task instead of in it."""
    init_sites()
    init_detector()


INGEST_BATCH_FILES = 500
"""Input files read and decoded at a time: a file's bytes and its Python objects (about ten times the text)
live only while its batch is decoded, so the step's memory follows the shard's pages, not ten times them."""


@task(name="ingest", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def ingest_task(shard: Path, *, max_page_bytes: int, out: Path) -> Path:
    """Read the shard's input files into PAGES rows, ``INGEST_BATCH_FILES`` at a time (rows are per record)."""
    files, ingested_at = io.read_batch(shard, SHARD_FILES), datetime.now(UTC)
    pages = [build_pages(inputs.read_raw_records(files.slice(start, INGEST_BATCH_FILES), max_bytes=max_page_bytes),
                         ingested_at=ingested_at) for start in range(0, max(files.height, 1), INGEST_BATCH_FILES)]
    return io.write_batch(pl.concat(pages), out, PAGES)


@task(name="strip-boilerplate", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def strip_boilerplate_task(pages: Path, *, out: Path) -> Path:
    """Tag every line of every readable page with the rule that strips it (LINES)."""
    frame = io.read_batch(pages, PAGES, columns=["page_id", "site", "text", "reject_reason"])  # no other column
    return io.write_batch(strip_boilerplate(readable_pages(frame)), out, LINES)


@task(name="template-rows", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def template_rows_task(lines: Path, pages: Path, *, parts: int, out: Path) -> Path:
    """What a shard adds to the template counts: distinct (site, line, page content) by partition, and its pages."""
    rows, page_rows = template_rows(io.read_batch(lines, LINES, columns=["page_id", "text"]),
                                    io.read_batch(pages, PAGES, columns=["page_id", "site"]), parts=parts)
    io.write_parts(rows, out / "rows.parquet", TEMPLATE_ROWS)
    io.write_batch(page_rows, out / "pages.parquet", TEMPLATE_PAGES)
    return out


@task(name="learn-templates", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def learn_templates_task(part: int, shards: list[Path], *, out: Path) -> Path:
    """Lines of one partition of hash(site, line) on enough distinct pages of their site, over every shard."""
    rows = io.read_part([s / "rows.parquet" for s in shards], TEMPLATE_ROWS, part).collect()
    return io.write_batch(template_line_counts(rows), out, TEMPLATE_COUNTS)


@task(name="merge-templates", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def merge_templates_task(learned: list[Path], shards: list[Path], previous: Path, *, out: Path) -> Path:
    """This run's template lines (the counted lines on enough of their site's pages, counted once over every
    shard) merged with earlier runs' (global, small)."""
    site_pages = site_page_counts(io.scan_batches([s / "pages.parquet" for s in shards], TEMPLATE_PAGES))
    learned_lines = template_lines_of(io.scan_batches(learned, TEMPLATE_COUNTS).collect(), site_pages)
    return io.write_batch(merge_template_lines(learned_lines, io.read_batch(previous, TEMPLATE_LINES)), out,
                          TEMPLATE_LINES)


@task(name="parse", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def parse_task(lines: Path, pages: Path, templates: Path, *, out: ParsedFiles) -> ParsedFiles:
    """Split each page into one article and its comments (PARSED_ARTICLES, PARSED_COMMENTS)."""
    page_frame = readable_pages(io.read_batch(pages, PAGES, columns=[*PARSE_PAGE_COLUMNS, "reject_reason"])
                                ).select(PARSE_PAGE_COLUMNS)
    arts, coms = parse_shard(io.read_batch(lines, LINES), page_frame, io.read_batch(templates, TEMPLATE_LINES))
    return ParsedFiles(io.write_batch(arts, out.articles, SCORED_ARTICLES),
                       io.write_batch(coms, out.comments, PARSED_COMMENTS))


@task(name="detect-language", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def detect_language_task(parsed: ParsedFiles, pages: Path, *, min_chars: int, min_words: int, min_score: float,
                         max_chars: int, out: TaggedFiles) -> TaggedFiles:
    """Language of every article (title + body) and of every comment."""
    arts, coms = tag_languages(io.read_batch(parsed.articles, SCORED_ARTICLES),
                               io.read_batch(parsed.comments, PARSED_COMMENTS),
                               io.read_batch(pages, PAGES, columns=LANGID_PAGE_COLUMNS), min_chars=min_chars,
                               min_words=min_words, min_score=min_score, max_chars=max_chars)
    return TaggedFiles(io.write_batch(arts, out.articles, TAGGED_ARTICLES),
                       io.write_batch(coms, out.comments, TAGGED_COMMENTS))


@task(name="dedup-keys", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def dedup_keys_task(tagged: TaggedFiles, pages: Path, *, shingle_size: int, num_perm: int, out: Path) -> Path:
    """Exact and MinHash keys of every article body of a shard (``tagged``: the shard's detect-language
    output, articles and comments, so that the flow hands it on as the future it is).

    Only the articles file is read. The cache key also covers the comments file, but one detect-language
    run writes both, so the key changes only when the articles file is written again too.
    """
    meta = io.read_batch(pages, PAGES, columns=["page_id", "site", "url", "fetched_at", "ingested_at"])
    frame = io.read_batch(tagged.articles, TAGGED_ARTICLES).join(meta, on="page_id", how="left")
    return io.write_batch(add_dedup_keys(frame, shingle_size=shingle_size, num_perm=num_perm), out, DEDUP_KEYS)


# The global dedup and comment steps, partitioned (docs/SCALING.md): per shard, the lookup rows of its
# pages by partition; per partition, candidate pairs verified on the signatures of just their pages;
# one small step clusters the linked pages; per shard, the decisions applied and the shard's index
# rows and comments spread by partition; per partition, the index updated and the threads merged.


@task(name="migrate-state", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def migrate_state_task(index: Path, comment_keys: Path, *, bands: int, rows: int, parts: int,
                       out: IndexFolders) -> IndexFolders:
    """The one-file dedup index and comment keys of an output built before they were partitioned, partitioned."""
    old = io.read_batch(index, DEDUP_INDEX)
    nodes, lookups = partitioned_index(old, parts=parts, bands=bands, rows=rows)
    for name, frame, schema in (("nodes", nodes, DEDUP_NODES), ("rows", lookups, DEDUP_ROWS)):
        for p in range(parts):
            io.write_batch(frame.filter(pl.col("part") == p).drop("part"), io.part_path(out.dedup_index / name, p),
                           schema)
    keys = io.read_batch(comment_keys, COMMENT_KEYS)
    keys = keys.with_columns(partition_of(keys.get_column("article_id"), parts).alias("part"))
    for p in range(parts):
        io.write_batch(keys.filter(pl.col("part") == p).drop("part"), io.part_path(out.comment_keys, p), COMMENT_KEYS)
    configs = sorted(set(old.get_column("minhash_config").unique().to_list()))
    io.write_index_meta(DedupIndexMeta(partitions=parts, next_ord=old.height, minhash_configs=tuple(configs),
                                       bands=bands, rows=rows), out.dedup_index / INDEX_META_NAME)
    return out


@task(name="dedup-rows", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def dedup_rows_task(keys: Path, *, bands: int, rows: int, shard_no: int, base: int, parts: int, out: Path) -> Path:
    """The lookup rows (exact, URL, LSH band keys) of a shard's pages, one file per partition."""
    frame = io.read_batch(keys, DEDUP_KEYS)
    nodes = frame.with_columns(shard_ords(base, shard_no, frame.height), pl.lit(None, pl.Int32).alias("node_part"))
    return io.write_parts(key_rows(nodes, parts=parts, bands=bands, rows=rows), out, DEDUP_ROWS)


@task(name="dedup-prior", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def dedup_prior_task(keys: list[Path], index: Path, *, bands: int, rows: int, base: int, parts: int, out: Path
                     ) -> Path:
    """The dedup index's settings after this run, checked against the run's (global, small).

    Every page of the run is decided against the whole index: a page read again (the same file
    touched, copied or rewritten) meets its earlier self there and folds into the article written
    then, never a second copy of it.
    """
    meta = io.read_index_meta(index)
    if meta is not None and (meta.bands, meta.rows) != (bands, rows):
        raise ValueError(f"the dedup index of this output keeps LSH keys of {meta.bands} bands x "
                         f"{meta.rows} rows; build it with those settings (or into a new output folder)")
    run_keys = io.scan_batches(keys, DEDUP_KEYS)
    configs = sorted(set(meta.minhash_configs if meta else ()) | set(
        run_keys.select(pl.col("minhash_config").unique()).collect().get_column("minhash_config").to_list()))
    if len(configs) > 1:
        raise ValueError(f"signatures made with different settings cannot be compared: {configs}")
    return io.write_index_meta(DedupIndexMeta(partitions=parts, next_ord=base + (len(keys) << ORD_SHARD_BITS),
                                              minhash_configs=tuple(configs), bands=bands, rows=rows), out)


@task(name="find-duplicates", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def find_duplicates_task(part: int, rows: list[Path], keys: list[Path], *, index: Path, threshold: float, base: int,
               out: Path) -> Path:
    """Verified links of one partition: exact groups, LSH buckets and same-URL pages touching this run."""
    new = io.read_part(rows, DEDUP_ROWS, part)
    prior_file = io.part_path(index / "rows", part)
    prior = new.clear().collect() if not prior_file.exists() else prior_rows_of(
        new, io.scan_batches([prior_file], DEDUP_ROWS))
    exact, buckets, urls = partition_candidates(pl.concat([new, prior.lazy()]), base=base)
    ends = candidate_ends(buckets, urls, base=base).to_frame()
    node_part = prior.select("ord", "node_part").unique("ord")
    old = ends.filter(pl.col("ord") < base).join(node_part, on="ord", how="left")
    run_ends = ends.filter(pl.col("ord") >= base).get_column("ord").to_numpy()
    signatures = Signatures.stacked(itertools.chain([prior_signatures(index, old)], run_node_frames(
        keys, run_ends, base, ["signature"])), capacity=ends.height)
    edges = partition_edges(exact, buckets, urls, signatures, base=base, threshold=threshold, part=part,
                            log=_run_logger())
    edges = (edges.join(node_part.rename({"ord": "a", "node_part": "a_part"}), on="a", how="left")
             .join(node_part.rename({"ord": "b", "node_part": "b_part"}), on="b", how="left"))
    return io.write_batch(edges, out, DEDUP_EDGES)


@task(name="cluster-duplicates", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def cluster_duplicates_task(edges: list[Path], keys: list[Path], index: Path, *, base: int, out: Path) -> Path:
    """Clusters and canonicals of the linked pages (global, over the few links); one decisions file per shard.

    Holds the links and the ranking columns of the linked pages; signatures only of near copies and
    their canonicals.
    """
    links = io.scan_batches(edges, DEDUP_EDGES).unique(["a", "b"]).collect()
    ends = pl.concat([links.select(pl.col("a").alias("ord"), pl.col("a_part").alias("node_part")),
                      links.select(pl.col("b").alias("ord"), pl.col("b_part").alias("node_part"))]).unique("ord")
    columns = [c for c in DEDUP_KEYS.names if c != "signature"]
    new_nodes = run_nodes(keys, ends.filter(pl.col("ord") >= base).get_column("ord").to_numpy(), base, columns,
                           has_sig=True)
    prior_nodes = prior_cluster_nodes(index, ends.filter(pl.col("ord") < base))
    ranked = rank_touched(links.select("a", "b"), new_nodes, prior_nodes)
    need = needs_agreement(ranked)
    ords = pl.concat([need.get_column("ord"), need.get_column("canon_ord")]).unique().alias("ord").to_frame()
    signatures = pl.concat([
        run_nodes(keys, ords.filter(pl.col("ord") >= base).get_column("ord").to_numpy(), base,
                   ["signature"]).select("ord", "signature"),
        prior_signatures(index, ords.filter(pl.col("ord") < base).join(
            prior_nodes.select("ord", "node_part"), on="ord", how="left"))])
    decided = describe_touched(ranked, signatures)
    shard_of = ((decided.get_column("ord") - base) // (1 << ORD_SHARD_BITS)).alias("part")
    return io.write_parts(decided.with_columns(shard_of), out, DECISIONS)


@task(name="apply-duplicates", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def apply_duplicates_task(shard_id: str, keys: Path, *, decided: Path, comments: Path, pages: Path, tagged: Path,
               bands: int, rows: int, shard_no: int, base: int, parts: int, out: AppliedFiles
               ) -> AppliedFiles:
    """A shard's decisions (DUPLICATE_CLUSTERS), its new index rows and its comments, spread by partition."""
    frame = io.read_batch(keys, DEDUP_KEYS)
    frame = frame.with_columns(shard_ords(base, shard_no, frame.height))
    clusters = shard_clusters(frame, io.read_part([decided], DECISIONS, shard_no).collect())
    nodes, lookups = shard_index_rows(frame, clusters, parts=parts, bands=bands, rows=rows)
    io.write_parts(nodes, out.spread / "nodes.parquet", DEDUP_NODES)
    io.write_parts(lookups, out.spread / "rows.parquet", DEDUP_ROWS)
    page_frame = io.read_batch(pages, PAGES, columns=["page_id", "site", "source_path", "fetched_at", "ingested_at"]
                               ).select("page_id", "site", "source_path", crawl_month())
    io.write_parts(comment_rows(io.read_batch(comments, TAGGED_COMMENTS), page_frame, clusters, shard_id=shard_id,
                                shard_no=shard_no, parts=parts), out.spread / "comments.parquet", COMMENT_ROWS)
    articles = io.read_batch(tagged, TAGGED_ARTICLES).select("page_id", "language")
    io.write_parts(article_refs(clusters, articles, frame.select("page_id", "ord"), shard_id=shard_id, parts=parts),
                   out.spread / "refs.parquet", ARTICLE_REFS)
    return AppliedFiles(io.write_batch(clusters, out.clusters, DUPLICATE_CLUSTERS), out.spread)


@task(name="update-index", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def update_index_task(part: int, applied: list[Path], index: Path, *, out: IndexPart) -> IndexPart:
    """One partition of the dedup index after this run: earlier rows, then this run's."""
    written = []
    for name, schema, dest in (("nodes", DEDUP_NODES, out.nodes), ("rows", DEDUP_ROWS, out.rows)):
        prior = io.scan_batches([io.part_path(index / name, part)], schema)
        added = io.read_part([a / f"{name}.parquet" for a in applied], schema, part)
        written.append(io.write_batch(pl.concat([prior, added]).collect(), dest, schema))
    return IndexPart(*written)


@task(name="merge-comments", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def merge_comments_task(part: int, applied: list[Path], prior_keys: Path, *, shards: list[str],
                        out: MergedFiles) -> MergedFiles:
    """Merge the comment threads of one partition of hash(canonical article id); its text counts.

    The merged comments are written by the number (in ``shards``) of the shard that ships them. A partition
    of more than ``MERGE_PIECE_ROWS`` comments is merged in pieces of hash(article), each read, merged and
    written before the next, so memory holds one piece however many pages the partition has.
    """
    prior_file = io.part_path(prior_keys, part)
    comments = io.read_part([a / "comments.parquet" for a in applied], COMMENT_ROWS, part)
    refs = io.read_part([a / "refs.parquet" for a in applied], ARTICLE_REFS, part)
    prior = io.scan_batches([prior_file], COMMENT_KEYS) if prior_file.exists() else None
    pieces = merge_pieces(comments.select(pl.len()).collect().item())
    keys: list[pl.DataFrame] = []
    counts: list[pl.DataFrame] = []

    def piece(frame: pl.LazyFrame, article: pl.Expr, k: int) -> pl.DataFrame:
        return frame.collect() if pieces == 1 else frame.filter(in_thread_piece(article, k, pieces)).collect()

    def merged_pieces() -> Iterator[pl.DataFrame]:
        for k in range(pieces):
            merged, piece_keys, piece_counts = merge_partition_comments(
                piece(comments, thread_article(), k), piece(refs, pl.col("article_id"), k),
                None if prior is None else piece(prior, pl.col("article_id"), k))
            keys.append(piece_keys)
            counts.append(piece_counts)
            yield merged.with_columns(shard_numbers(pl.col("shard_id"), shards).alias("part"))

    merged_file = io.write_parts_pieces(merged_pieces(), out.merged, MERGED_COMMENT_PARTS)
    return MergedFiles(merged_file, io.write_batch(pl.concat(keys), out.comment_keys, COMMENT_KEYS),
                       io.write_batch(sum_piece_counts(counts), out.text_counts, TEXT_COUNTS))


@task(name="count-repeats", retries=1, persist_result=True, cache_policy=StageCache())
@recorded
def count_repeats_task(merged: list[Path], counts: list[Path], *, out: Path) -> list[Path]:
    """Comments per text over the corpus, for the texts of this run, by the shard that ships them.

    Done in pieces of hash(text), one file each, so memory holds one piece's texts, not the run's.
    """
    texts = io.scan_batches(merged, MERGED_COMMENT_PARTS).select("part", "text_hash")  # written by write_parts
    totals = io.scan_batches(counts, TEXT_COUNTS)
    pieces = repeat_pieces(io.row_count(merged))
    return [io.write_parts(shard_text_counts(totals.filter(in_piece(k, pieces)), texts.filter(in_piece(k, pieces))),
                           io.part_path(out, k), TEXT_COUNTS) for k in range(pieces)]


@task(name="write", retries=1, persist_result=True,
      cache_policy=StageCache(exclude=["root"]))
@recorded
def write_task(shard_id: str, pages: Path, *, shard_no: int, tagged: Path, keys: Path, clusters: Path,
               merged: list[Path], repeats: list[Path], root: Path, languages: tuple[str, ...] | None,
               pseudonymize: bool, redact_pii: bool, key_file: Path, out: Path) -> Path:
    """Decide what ships for one shard, add its PII tags, commenter ids and signals (``tasks.publish.release``), and
    stage it for the four datasets; returns the shard's counts (JSON).

    Reads only the shard's own rows of the merged comments and of the repeat counts (``shard_no``).
    """
    page_frame = io.read_batch(pages, PAGES, columns=PAGE_COLUMNS)
    shard_clusters_ = (io.read_batch(clusters, DUPLICATE_CLUSTERS).drop("article_id")
                       .join(io.read_batch(keys, DEDUP_KEYS, columns=["page_id", "content_hash"]), on="page_id"))
    threads = io.read_part(merged, MERGED_COMMENT_PARTS, shard_no).collect().sort("comment_row")
    counts = io.read_part(repeats, TEXT_COUNTS, shard_no).collect()
    shard_comments = add_repeat_counts(threads, counts).select(MERGED_COMMENTS.names)
    sel = select_outputs(page_frame, io.read_batch(tagged, TAGGED_ARTICLES), shard_clusters_, shard_comments,
                         languages=languages)
    options = PublishOptions(key=io.read_pseudonym_key(key_file), pseudonymize=pseudonymize,
                             redact_pii=redact_pii)
    sel.articles, sel.comments = publish_articles(sel.articles, options), publish_comments(sel.comments, options)
    sel.counts |= publish_counts(sel.articles, sel.comments)
    for name, (schema, part) in OUTPUT_DATASETS.items():  # published by the flow's commit step
        stage_partitioned(getattr(sel, name), staged_shard(root, name, shard_id), schema, part, shard_id=shard_id)
    return io.write_json({"shard_id": shard_id, **sel.counts}, out)
