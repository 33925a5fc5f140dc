"""One-process reference implementations: the oracles that tests and benchmarks check the build against.

The build never imports this module. Each function here decides in one process, with everything in
memory, what the build decides in steps over shards and partitions; the tests show that both give the
same rows (``tests/unit/test_reference.py`` tests these functions themselves,
``tests/unit/dedup/test_dedup_partitioned.py`` and ``tests/unit/dedup/test_dedup_steps.py`` compare), and the dedup
benchmark measures them as the simple way to do it.

- ``find_duplicate_clusters`` (and ``decide_touched``): article dedup over the run's ``DEDUP_KEYS`` and
  the whole ``DEDUP_INDEX`` of earlier runs; the rules are in ``tasks.dedup``'s docstring, the exact key
  is ``tasks.dedup.clusters.exact_key``. The build: ``key_rows``, ``partition_candidates``, ``partition_edges``,
  ``rank_touched``, ``describe_touched`` (``flows.stage_tasks`` find-duplicates and cluster-duplicates).
- ``merge_comments``, ``merge_run_comments``: every comment of the run on its canonical article, repeats
  counted over the corpus. The build: ``tasks.dedup.comments.merge_partition_comments`` per partition of the
  article id, then ``tasks.dedup.comments.add_repeat_counts``.
- ``learn_templates``, ``template_lines_at_once``, ``count_template_lines``: template lines in one
  group-by. The build: ``tasks.extract.templates.template_rows`` per shard, ``template_line_counts`` per partition,
  ``template_lines_of`` and ``merge_template_lines`` over the run.

The oracles share the building blocks the build's steps use (``tasks.dedup``'s canonical rule ``_rank`` and
``_describe``, bucket pairs, components, signature agreement; ``merge_threads``; ``merge_template_lines``), so
each rule has one owner; what they do at once is how the pairs and counts are gathered.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from schemas.dedup import DUPLICATE_CLUSTERS
from schemas.parsed import TEMPLATE_LINES
from schemas.tagged import MERGED_COMMENTS
from schemas.validate import cast_to, empty_frame, polars_schema
from tasks.dedup.clusters import (
    MAX_BUCKET,
    RESCRAPE_THRESHOLD,
    _agreement,
    _bucket_pairs,
    _components,
    _describe,
    _rank,
    _signature_matrix,
    describe_touched,
    exact_key,
    rank_touched,
)
from tasks.dedup.comments import add_repeat_counts, comment_keys, merge_threads, text_counts
from tasks.dedup.keys import _band_keys
from tasks.extract.langid import UND
from tasks.extract.templates import (
    TEMPLATE_MIN_PAGES,
    TEMPLATE_MIN_SHARE,
    merge_template_lines,
    site_page_counts,
    template_line_counts,
    template_lines_of,
)

logger = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# Article dedup: find_duplicate_clusters (the build: tasks.dedup "Phase 2, partitioned")
# ----------------------------------------------------------------------------------------------


def _load_signatures(sources: list[pl.LazyFrame], n_signed: int, *, chunk: int = 262_144) -> np.ndarray:
    """Read the non-null signatures of ``sources`` (in order) into one ``(n_signed, num_perm)`` array.

    Reads ``chunk`` rows at a time, so the list column never exists whole next to the array.
    """
    sig: np.ndarray | None = None
    pos = 0
    for source in sources:
        total = int(source.select(pl.len()).collect().item())
        for offset in range(0, total, chunk):
            part = source.slice(offset, chunk).select("signature").collect().get_column("signature").drop_nulls()
            if part.len() == 0:
                continue
            if sig is None:
                num_perm = int(part.list.len().first())  # type: ignore[arg-type]
                sig = np.empty((n_signed, num_perm), dtype=np.uint32)
            sig[pos : pos + part.len()] = _signature_matrix(part, sig.shape[1])
            pos += part.len()
    if sig is None or pos != n_signed:
        raise ValueError("signatures changed while they were read")
    return sig


def _nodes(keys: pl.LazyFrame, index: pl.LazyFrame | None) -> pl.DataFrame:
    """Stack the index of earlier runs (first) and this run's keys into one node frame with ``nid``.

    Signatures stay out (``has_sig`` tells which nodes have one); ``_load_signatures`` reads them.
    """
    cols = [pl.col(c) for c in ("page_id", "article_id", "url_key", "fetched_at", "body_len", "content_hash",
                                "minhash_config", "title_hash")]
    has_sig = pl.col("signature").is_not_null().alias("has_sig")
    new = keys.select(
        *cols,
        has_sig,
        pl.lit(value=True).alias("is_new"),
        pl.lit(value=False).alias("is_written"),
        pl.lit(None, pl.String).alias("prior_cluster_id"),
        pl.lit(None, pl.String).alias("prior_canonical_id"),
    ).collect()
    if index is None:
        stacked = new
    else:
        old = index.select(
            *cols,
            has_sig,
            pl.lit(value=False).alias("is_new"),
            pl.col("is_canonical").alias("is_written"),
            pl.col("cluster_id").alias("prior_cluster_id"),
            pl.col("canonical_article_id").alias("prior_canonical_id"),
        ).collect()
        stacked = pl.concat([old, new.cast(old.schema)])
    return stacked.with_row_index("nid").with_columns(pl.col("nid").cast(pl.Int64))


def _exact_edges(nodes: pl.DataFrame) -> list[pl.DataFrame]:
    """Edges between nodes of equal ``tasks.dedup.clusters.exact_key``, and within clusters of earlier runs.

    Bodies without signature (short) must have equal titles too: two paywall stubs or 'Photo gallery'
    pages of different stories share a body but not a title.
    """
    exact = (
        nodes.with_columns(exact_key(pl.col("has_sig")).alias("_key"))
        .filter(pl.col("_key").is_not_null())
        .with_columns(pl.col("nid").min().over("_key").alias("a"))
        .filter(pl.col("a") != pl.col("nid"))
        .select("a", pl.col("nid").alias("b"))
    )
    prior = (
        nodes.filter(pl.col("prior_cluster_id").is_not_null())
        .with_columns(pl.col("nid").min().over("prior_cluster_id").alias("a"))
        .filter(pl.col("a") != pl.col("nid"))
        .select("a", pl.col("nid").alias("b"))
    )
    return [exact, prior]


def _near_edges(
    nodes: pl.DataFrame,
    sig: np.ndarray,
    sig_row: np.ndarray,
    *,
    bands: int,
    rows: int,
    threshold: float,
    rescrape_threshold: float,
    max_bucket: int,
    band_rows: int = 4_000_000,
) -> list[pl.DataFrame]:
    """Edges of verified LSH candidates and of same-URL pages, each touching a page of this run."""
    signed = nodes.filter(pl.col("has_sig"))
    # One representative per content hash: exact copies are linked already.
    rep_nid = signed.filter(pl.col("nid") == pl.col("nid").min().over("content_hash")).get_column("nid").to_numpy()
    is_new = nodes.get_column("is_new").to_numpy()
    rep_sig = sig[sig_row[rep_nid]]
    rep_is_new = is_new[rep_nid]
    lsh_parts = []
    all_new = bool(rep_is_new.all())
    # A few bands at a time bound the memory of the joins (about band_rows rows per block).
    band_block = max(1, min(bands, band_rows // max(rep_nid.size, 1)))
    for first in range(0, bands, band_block):
        n_bands = min(band_block, bands - first)
        bkeys = _band_keys(rep_sig[:, first * rows : (first + n_bands) * rows], bands=n_bands, rows=rows)
        band_frame = pl.DataFrame(
            {
                "nid": np.repeat(rep_nid, n_bands),
                "band": np.tile(np.arange(first, first + n_bands, dtype=np.int16), rep_nid.size),
                "bkey": bkeys.reshape(-1),
            }
        )
        if not all_new:  # only buckets holding a page of this run matter: earlier pairs are settled
            new_buckets = band_frame.filter(pl.Series(np.repeat(rep_is_new, n_bands))).select("band", "bkey")
            band_frame = band_frame.join(new_buckets.unique(), on=["band", "bkey"], how="semi")
        lsh_parts.append(_bucket_pairs(band_frame, ["band", "bkey"], max_bucket=max_bucket))
    lsh_pairs = pl.concat(lsh_parts).unique()
    url_members = signed.filter(pl.col("url_key").is_not_null()).select("nid", "url_key", "is_new")
    url_members = url_members.join(
        url_members.filter(pl.col("is_new")).select("url_key").unique(), on="url_key", how="semi"
    ).select("nid", "url_key")
    url_pairs = _bucket_pairs(url_members, ["url_key"], max_bucket=max_bucket)
    edges = []
    for pairs, floor in ((lsh_pairs, threshold), (url_pairs, rescrape_threshold)):
        a = pairs.get_column("a").to_numpy()
        b = pairs.get_column("b").to_numpy()
        keep = is_new[a] | is_new[b]
        a, b = a[keep], b[keep]
        ok = _agreement(sig, sig_row[a], sig_row[b]) >= floor
        edges.append(pl.DataFrame({"a": a[ok], "b": b[ok]}))
        logger.info("dedup: %d candidate pairs, %d at or above %.2f", a.size, int(ok.sum()), floor)
    return edges


def _decide(nodes: pl.DataFrame, labels: np.ndarray, sig: np.ndarray, sig_row: np.ndarray) -> pl.DataFrame:
    """Pick the canonical node of every component and describe each page of this run against it."""
    out = _rank(nodes, labels)
    a = out.get_column("nid").to_numpy()
    b = out.get_column("canon_nid").to_numpy()
    both = (sig_row[a] >= 0) & (sig_row[b] >= 0)
    est = np.full(a.size, np.nan)
    if both.any():
        est[both] = _agreement(sig, sig_row[a[both]], sig_row[b[both]])
    return _describe(out, est)


def find_duplicate_clusters(
    keys: pl.DataFrame | pl.LazyFrame,
    *,
    index: pl.DataFrame | pl.LazyFrame | None = None,
    bands: int = 40,
    rows: int = 3,
    threshold: float = 0.6,
    rescrape_threshold: float = RESCRAPE_THRESHOLD,
    max_bucket: int = MAX_BUCKET,
) -> pl.DataFrame:
    """Cluster the pages of this run with each other and with the pages of earlier runs.

    Pages are linked by equal ``content_hash`` (non-empty bodies), by LSH candidates (pages sharing
    one of ``bands`` band keys) whose signatures agree on at least ``threshold`` of their values, and by
    equal ``url_key`` when the signatures agree on at least ``rescrape_threshold``; clusters are the
    connected components. The canonical rule is in the module docstring.

    Args:
        keys: ``DEDUP_KEYS`` rows of every shard of this run (reads all their columns but ``site``,
            ``ingested_at`` and ``n_tokens``).
        index: ``DEDUP_INDEX`` of earlier runs (None on the first run); a LazyFrame (``scan_parquet``)
            keeps memory low, as signatures are then read in chunks straight into one numpy array.
        bands: LSH bands; ``bands * rows`` must not exceed the signature length.
        rows: signature values per band.
        threshold: a candidate pair is a near duplicate when its signatures agree on at least this share.
        rescrape_threshold: pages with the same ``url_key`` fold when their signatures agree on at least
            this share (a re-scrape with changed widgets or a corrected paragraph).
        max_bucket: buckets with more pages are linked to their first page only (linear pair count).

    Returns:
        One row per row of ``keys`` (same order) with the ``DUPLICATE_CLUSTERS`` columns: ``page_id``,
        ``article_id``, ``cluster_id``, ``canonical_article_id``, ``is_duplicate``, ``duplicate_kind``,
        ``similarity``.

    Raises:
        ValueError: when signatures of different settings meet, or ``bands * rows`` is too large.
    """
    keys_lf = keys.lazy()
    index_lf = None if index is None else index.lazy()
    nodes = _nodes(keys_lf, index_lf)
    configs = nodes.get_column("minhash_config").unique().to_list()
    if len(configs) > 1:
        raise ValueError(f"signatures made with different settings cannot be compared: {sorted(configs)}")
    n = nodes.height
    if n == 0:
        return pl.DataFrame(schema=polars_schema(DUPLICATE_CLUSTERS))
    edges = _exact_edges(nodes)
    sig_row = np.full(n, -1, dtype=np.int64)
    sig = np.zeros((0, 0), dtype=np.uint32)
    signed_nid = nodes.filter(pl.col("has_sig")).get_column("nid").to_numpy()
    if signed_nid.size:
        sources = [keys_lf] if index_lf is None else [index_lf, keys_lf]
        sig = _load_signatures(sources, signed_nid.size)
        if bands * rows > sig.shape[1]:
            raise ValueError(f"bands * rows = {bands * rows} exceeds the signature length {sig.shape[1]}")
        sig_row[signed_nid] = np.arange(signed_nid.size)
        edges += _near_edges(nodes, sig, sig_row, bands=bands, rows=rows, threshold=threshold,
                             rescrape_threshold=rescrape_threshold, max_bucket=max_bucket)
    edge_frame = pl.concat([e.cast({"a": pl.Int64, "b": pl.Int64}) for e in edges])
    labels = _components(n, edge_frame.get_column("a").to_numpy(), edge_frame.get_column("b").to_numpy())
    result = _decide(nodes, labels, sig, sig_row)
    logger.info(
        "dedup: %d pages of this run, %d folded (%s)",
        result.height,
        int(result.get_column("is_duplicate").sum()),
        dict(result.get_column("duplicate_kind").drop_nulls().value_counts().iter_rows()),
    )
    return cast_to(result, DUPLICATE_CLUSTERS)


def decide_touched(edges: pl.DataFrame, new_nodes: pl.DataFrame, prior_nodes: pl.DataFrame) -> pl.DataFrame:
    """``rank_touched`` and ``describe_touched`` over nodes that carry their ``signature`` (in memory)."""
    has_sig = pl.col("signature").is_not_null().alias("has_sig")
    ranked = rank_touched(edges, new_nodes.with_columns(has_sig), prior_nodes.with_columns(has_sig))
    signatures = pl.concat([new_nodes.select("ord", "signature"), prior_nodes.select("ord", "signature")])
    return describe_touched(ranked, signatures.filter(pl.col("signature").is_not_null()))


# ----------------------------------------------------------------------------------------------
# Comment merge: merge_comments, merge_run_comments (the build: tasks.dedup.comments.merge_partition_comments)
# ----------------------------------------------------------------------------------------------


def merge_comments(
    comments: pl.DataFrame,
    clusters: pl.DataFrame,
    *,
    prior_comment_keys: pl.DataFrame | None = None,
    min_articles_repeated: int = 2,
) -> pl.DataFrame:
    """Attach comments to their canonical article and tag repeats (nothing is dropped).

    Args:
        comments: reads ``page_id``, ``position``, ``author``, ``text`` (other columns such as ``site``
            are kept as they are).
        clusters: ``DUPLICATE_CLUSTERS`` (reads ``page_id``, ``canonical_article_id``, ``is_duplicate``).
        prior_comment_keys: ``COMMENT_KEYS`` of comments written by earlier runs.
        min_articles_repeated: a text standing under at least this many articles is ``is_repeated``.

    Returns:
        The comments (pages missing from ``clusters`` keep their own page as article) with ``article_id``
        set to the canonical article, plus ``comment_id`` (xxh3-64 of article_id, author and normalised
        text), ``text_hash``, ``is_duplicate`` (the same author and text already in the merged thread:
        an earlier comment of the canonical page, of another page of the cluster, or of an earlier run),
        ``repeat_count`` (comments of the corpus, earlier runs included, with this normalised text, each
        merged-thread comment counted once) and ``is_repeated``. Within a thread the canonical page's
        comments come first, then the other pages by ``page_id``, each in ``position`` order.
    """
    threads = merge_threads(comments, clusters, prior_comment_keys=prior_comment_keys)
    return add_repeat_counts(threads, text_counts(threads, prior_comment_keys),
                             min_articles_repeated=min_articles_repeated)


def merge_run_comments(
    comments: pl.DataFrame,
    pages: pl.DataFrame,
    clusters: pl.DataFrame,
    articles: pl.DataFrame,
    prior_keys: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Re-attach this run's comments to their canonical articles and tag repeats.

    Args:
        comments: TAGGED_COMMENTS of the run.
        pages: page_id, site, source_path, shard_id, crawl_month of the run's pages.
        clusters: DUPLICATE_CLUSTERS of the run.
        articles: page_id, article_id, language of the run's tagged articles.
        prior_keys: COMMENT_KEYS written by earlier runs (or None).

    Returns:
        MERGED_COMMENTS rows and the COMMENT_KEYS to keep for later runs.
    """
    with_site = comments.join(pages.select("page_id", "site", "source_path", "crawl_month",
                                           pl.col("shard_id").alias("_own_shard")), on="page_id", how="left")
    merged = merge_comments(with_site, clusters, prior_comment_keys=prior_keys)
    canon_page = (
        clusters.filter(~pl.col("is_duplicate"))
        .select(pl.col("canonical_article_id").alias("article_id"), "page_id")
        .join(pages.select("page_id", "shard_id"), on="page_id", how="left")
        .join(articles.select("page_id", pl.col("language").alias("_article_language")), on="page_id", how="left")
        .drop("page_id")
        .unique(subset=["article_id"], keep="first")
    )
    merged = merged.join(canon_page, on="article_id", how="left").with_columns(
        language_inferred=pl.when(pl.col("language") != UND)
        .then(pl.col("language"))
        .otherwise(pl.col("_article_language")),
        shard_id=pl.coalesce("shard_id", "_own_shard"),
    )
    keys = comment_keys(merged)
    if prior_keys is not None:
        keys = pl.concat([prior_keys, keys.select(prior_keys.columns)]).unique("comment_id", keep="first",
                                                                              maintain_order=True)
    return cast_to(merged, MERGED_COMMENTS), keys


# ----------------------------------------------------------------------------------------------
# Template learning: learn_templates (the build: tasks.extract.templates template_rows ... merge_template_lines)
# ----------------------------------------------------------------------------------------------


def template_lines_at_once(
    lines: pl.DataFrame,
    sites: pl.DataFrame,
    *,
    min_pages: int = TEMPLATE_MIN_PAGES,
    min_share: float = TEMPLATE_MIN_SHARE,
) -> pl.DataFrame:
    """Find lines that repeat across many pages of one site: site template, not content (one group-by).

    Pages are counted by content, not by fetch: pages of a site that share their longest line are
    one page here, so three fetches of the same article never turn its paragraphs into template.

    Args:
        lines: ``LINES`` rows (reads ``page_id`` and ``text``).
        sites: ``page_id`` and ``site`` of the same pages (``PAGES`` columns).
        min_pages: a line must occur on at least this many distinct pages of the site.
        min_share: and on at least this share of the site's distinct pages in the batch.

    Returns:
        ``TEMPLATE_LINES`` rows: ``site``, ``text``, ``n_pages``, ``n_site_pages``, ``share``, sorted by site
        and text.
    """
    if lines.height == 0 or sites.height == 0:
        return empty_frame(TEMPLATE_LINES)
    site_of = sites.select("page_id", pl.col("site").fill_null("unknown")).unique(subset="page_id")
    # a page's content key: its longest line (ties broken by text), shared by re-fetches of one article
    length = pl.col("text").str.len_chars()
    content_key = (
        lines.select("page_id", "text")
        .filter(length == length.max().over("page_id"))
        .group_by("page_id")
        .agg(content=pl.col("text").min())
    )
    site_of = site_of.join(content_key, on="page_id", how="inner")
    per_site = site_of.group_by("site").agg(n_site_pages=pl.col("content").n_unique())
    counts = (
        lines.select("page_id", "text")  # a line twice on one page has one content key: n_unique counts it once
        .join(site_of, on="page_id", how="inner")
        .group_by("site", "text")
        .agg(n_pages=pl.col("content").n_unique())
        .join(per_site, on="site", how="inner")
        .with_columns(share=pl.col("n_pages") / pl.col("n_site_pages"))
        .filter(
            (pl.col("site") != "unknown")
            & (pl.col("n_pages") >= min_pages)
            & (pl.col("share") >= min_share)
        )
        .sort("site", "text")
    )
    return cast_to(counts, TEMPLATE_LINES)


def learn_templates(lines: pl.DataFrame, pages: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """Template lines learned from this run's pages, merged with those of earlier runs.

    Reads LINES rows and PAGES (page_id, site); returns TEMPLATE_LINES rows, one per (site, text),
    the larger page count winning.
    """
    return merge_template_lines(template_lines_at_once(lines, pages.select("page_id", "site")), previous)


def count_template_lines(rows: pl.DataFrame, pages: pl.DataFrame, *, min_pages: int = TEMPLATE_MIN_PAGES,
                         min_share: float = TEMPLATE_MIN_SHARE) -> pl.DataFrame:
    """The template lines of one partition, from ``template_rows`` output of every shard.

    The same as ``template_lines_of(template_line_counts(rows), site_page_counts(pages))``.

    Args:
        rows: ``TEMPLATE_ROWS`` of every shard for one partition of ``hash(site, text)``.
        pages: ``TEMPLATE_PAGES`` of every shard (each site's page count is over all of them).
        min_pages: a line must occur on at least this many distinct pages of the site.
        min_share: and on at least this share of the site's distinct pages in the run.

    Returns:
        ``TEMPLATE_LINES`` rows, sorted by site and text.
    """
    return template_lines_of(template_line_counts(rows, min_pages=min_pages), site_page_counts(pages),
                             min_share=min_share)
