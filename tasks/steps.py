"""The Prefect tasks: thin wrappers that read stage files, call pure stage code, write stage files.

This is the only Prefect-aware module of ``tasks/``. Every wrapper takes and returns paths
(never DataFrames), names its output ``out``, and is keyed by :class:`tasks.caching.StageCache`,
so a re-run or a Retry serves finished stages from their persisted results, while a changed
input file, configuration or stage code runs the stage again.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

import polars as pl
from prefect import task

from flows.config import DedupConfig, LangIdConfig
from schemas import OUTPUT_DATASETS
from schemas.dedup import COMMENT_KEYS, DEDUP_INDEX, DEDUP_KEYS, DUPLICATE_CLUSTERS
from schemas.pages import PAGES
from schemas.parsed import LINES, PARSED_ARTICLES, PARSED_COMMENTS, TEMPLATE_LINES
from schemas.tagged import MERGED_COMMENTS, TAGGED_ARTICLES, TAGGED_COMMENTS
from schemas.work import SHARD_FILES
from tasks import io
from tasks.boilerplate import strip_boilerplate
from tasks.caching import StageCache, code_version
from tasks.dedup import add_dedup_keys, find_duplicate_clusters, update_index
from tasks.ingest import build_pages
from tasks.select import PAGE_COLUMNS, crawl_month, select_outputs
from tasks.stages import learn_templates, merge_run_comments, parse_shard, tag_languages
from tasks.write import stage_partitioned, staged_shard

_COMMON = ("tasks.io", "tasks.steps", "tasks.stages", "schemas.validate")
P = ParamSpec("P")
R = TypeVar("R")


def _cache(*modules: str) -> StageCache:
    return StageCache(version=code_version(*_COMMON, *modules))


def recorded(fn: Callable[P, R]) -> Callable[P, R]:
    """Record in ``_work/executions.jsonl`` each time a stage's body runs (served from cache: no record)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        out = kwargs["out"]
        first = out[0] if isinstance(out, tuple) else out
        assert isinstance(first, Path)
        work = next(p for p in first.parents if p.name == "_work")
        started, clock, ok = time.time(), time.perf_counter(), False
        try:
            result = fn(*args, **kwargs)
            ok = True
            return result
        finally:
            io.record_execution(work, fn.__name__.removesuffix("_task"), first.name, started=started,
                                seconds=time.perf_counter() - clock, ok=ok)

    return wrapper


_INGEST = ("tasks.ingest", "tasks.readers", "tasks.encoding", "tasks.sites", "tasks.html")
_STRIP = ("tasks.boilerplate", "tasks.selectors", "tasks.profiles")


@task(name="ingest", retries=1, persist_result=True, cache_policy=_cache(*_INGEST))
@recorded
def ingest_task(shard: Path, *, max_page_bytes: int, out: Path) -> Path:
    """Read the shard's input files into PAGES rows."""
    raw = io.read_raw_records(io.read_batch(shard, SHARD_FILES), max_bytes=max_page_bytes)
    return io.write_batch(build_pages(raw, ingested_at=datetime.now(UTC)), out, PAGES)


@task(name="strip-boilerplate", retries=1, persist_result=True, cache_policy=_cache(*_STRIP))
@recorded
def strip_task(pages: Path, *, out: Path) -> Path:
    """Tag every line of every readable page with the rule that strips it (LINES)."""
    frame = io.read_batch(pages, PAGES).filter(pl.col("reject_reason").is_null())
    return io.write_batch(strip_boilerplate(frame), out, LINES)


@task(name="learn-templates", persist_result=True, cache_policy=_cache(*_STRIP))
@recorded
def learn_templates_task(lines: list[Path], pages: list[Path], previous: Path, *, out: Path) -> Path:
    """Learn each site's template lines from this run's pages, merged with earlier runs' (global)."""
    learned = learn_templates(io.scan_batches(lines, LINES).collect(),
                              io.scan_batches(pages, PAGES).select("page_id", "site").collect(),
                              io.read_batch(previous, TEMPLATE_LINES))
    return io.write_batch(learned, out, TEMPLATE_LINES)


@task(name="parse", retries=1, persist_result=True, cache_policy=_cache("tasks.parse", "tasks.html", *_STRIP))
@recorded
def parse_task(lines: Path, pages: Path, templates: Path, *, out: tuple[Path, Path]) -> tuple[Path, Path]:
    """Split each page into one article and its comments (PARSED_ARTICLES, PARSED_COMMENTS)."""
    page_frame = io.read_batch(pages, PAGES).filter(pl.col("reject_reason").is_null()).select(
        "page_id", "site", "text", "html")
    arts, coms = parse_shard(io.read_batch(lines, LINES), page_frame, io.read_batch(templates, TEMPLATE_LINES))
    return io.write_batch(arts, out[0], PARSED_ARTICLES), io.write_batch(coms, out[1], PARSED_COMMENTS)


@task(name="detect-language", retries=1, persist_result=True, cache_policy=_cache("tasks.langid"))
@recorded
def langid_task(parsed: tuple[Path, Path], pages: Path, cfg: LangIdConfig, *,
                out: tuple[Path, Path]) -> tuple[Path, Path]:
    """Language of every article (title + body) and of every comment."""
    arts, coms = tag_languages(io.read_batch(parsed[0], PARSED_ARTICLES), io.read_batch(parsed[1], PARSED_COMMENTS),
                               io.read_batch(pages, PAGES).select("page_id", "text", "html"), cfg)
    return io.write_batch(arts, out[0], TAGGED_ARTICLES), io.write_batch(coms, out[1], TAGGED_COMMENTS)


@task(name="dedup-keys", retries=1, persist_result=True, cache_policy=_cache("tasks.dedup"))
@recorded
def dedup_keys_task(tagged: Path, pages: Path, cfg: DedupConfig, *, out: Path) -> Path:
    """Exact and MinHash keys of every article body of a shard."""
    meta = io.read_batch(pages, PAGES).select("page_id", "site", "url", "fetched_at", "ingested_at")
    frame = io.read_batch(tagged, TAGGED_ARTICLES).join(meta, on="page_id", how="left")
    return io.write_batch(add_dedup_keys(frame, shingle_size=cfg.shingle_size, num_perm=cfg.num_perm), out, DEDUP_KEYS)


@task(name="find-duplicates", retries=1, persist_result=True, cache_policy=_cache("tasks.dedup"))
@recorded
def dedup_task(keys: list[Path], index: Path, cfg: DedupConfig, *, out: tuple[Path, Path]) -> tuple[Path, Path]:
    """Cluster this run's pages with each other and with earlier runs' (global); the updated index."""
    run_keys = io.scan_batches(keys, DEDUP_KEYS).collect()
    prior = io.read_batch(index, DEDUP_INDEX) if index.exists() else None
    if prior is not None:  # pages of this run already in the index: a re-run after a stop before the commit
        prior = prior.filter(~pl.col("page_id").is_in(run_keys["page_id"].implode()))
    clusters = find_duplicate_clusters(run_keys, index=prior, bands=cfg.bands, rows=cfg.rows, threshold=cfg.threshold)
    return (io.write_batch(clusters, out[0], DUPLICATE_CLUSTERS),
            io.write_batch(update_index(prior, run_keys, clusters), out[1], DEDUP_INDEX))


@task(name="merge-comments", retries=1, persist_result=True, cache_policy=_cache("tasks.dedup"))
@recorded
def merge_comments_task(comments: list[Path], pages: list[Path], *, shard_ids: list[str], tagged: list[Path],
                        clusters: Path, prior_keys: Path, out: tuple[Path, Path]) -> tuple[Path, Path]:
    """Re-attach comments to their canonical articles and count repeats (global)."""
    page_frame = pl.concat([io.read_batch(p, PAGES).select("page_id", "site", "source_path", crawl_month())
                            .with_columns(shard_id=pl.lit(s)) for p, s in zip(pages, shard_ids, strict=True)])
    run_articles = io.scan_batches(tagged, TAGGED_ARTICLES).select("page_id", "article_id", "language").collect()
    prior = io.read_batch(prior_keys, COMMENT_KEYS).filter(  # keys of this run's own articles: a re-run
        ~pl.col("article_id").is_in(run_articles["article_id"].implode())) if prior_keys.exists() else None
    merged, keys = merge_run_comments(io.scan_batches(comments, TAGGED_COMMENTS).collect(), page_frame,
                                      io.read_batch(clusters, DUPLICATE_CLUSTERS), run_articles, prior)
    return io.write_batch(merged, out[0], MERGED_COMMENTS), io.write_batch(keys, out[1], COMMENT_KEYS)


@task(name="write", retries=1, persist_result=True,
      cache_policy=StageCache(version=code_version(*_COMMON, "tasks.select", "tasks.write"), exclude=["root"]))
@recorded
def write_task(shard_id: str, pages: Path, *, tagged: Path, keys: Path, clusters: Path, merged: Path, root: Path,
               languages: tuple[str, ...] | None, out: Path) -> Path:
    """Decide what ships for one shard and stage it for the four datasets; returns the shard's counts (JSON)."""
    page_frame = io.read_batch(pages, PAGES, columns=PAGE_COLUMNS)
    shard_clusters = (io.read_batch(clusters, DUPLICATE_CLUSTERS).drop("article_id")
                      .join(io.read_batch(keys, DEDUP_KEYS, columns=["page_id", "content_hash"]), on="page_id"))
    shard_comments = io.read_batch(merged, MERGED_COMMENTS, where=pl.col("shard_id") == shard_id)
    sel = select_outputs(page_frame, io.read_batch(tagged, TAGGED_ARTICLES), shard_clusters, shard_comments,
                         languages=languages)
    for name, (schema, part) in OUTPUT_DATASETS.items():  # published by the flow's commit step
        stage_partitioned(getattr(sel, name), staged_shard(root, name, shard_id), schema, part, shard_id=shard_id)
    return io.write_json({"shard_id": shard_id, **sel.counts}, out)
