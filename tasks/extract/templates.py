"""Template learning: the lines that repeat across many pages of one site are site template, not content.

The build learns them in four steps (``template_rows`` per shard, ``template_line_counts`` per partition
of ``hash(site, text)``, ``site_page_counts`` and ``template_lines_of`` over the run, then
``merge_template_lines`` with earlier runs'); ``learn_template_lines`` runs the same steps over one batch.
``tag_template_lines`` strips the learned lines of a shard before the text parser reads it. The
one-process oracle is ``tasks.reference.learn_templates``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from schemas.parsed import TEMPLATE_COUNTS, TEMPLATE_LINES
from schemas.validate import cast_to
from tasks.hashing import hash_columns, partition_of

TEMPLATE_MIN_PAGES = 3
"""A template line occurs on at least this many distinct pages (by content) of its site..."""
TEMPLATE_MIN_SHARE = 0.5
"""...and on at least this share of the site's distinct pages in the run."""


def template_rows(lines: pl.DataFrame, pages: pl.DataFrame, *, parts: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Template learning, per shard: what the shard adds to the counts, without counting.

    Template lines (site template, not content) are lines on at least ``TEMPLATE_MIN_PAGES`` distinct pages
    of their site and at least ``TEMPLATE_MIN_SHARE`` of them. The build learns them in four steps:
    ``template_rows`` per shard, ``template_line_counts`` per partition of ``hash(site, text)``,
    ``site_page_counts`` and ``template_lines_of`` over the run, then ``merge_template_lines`` with earlier
    runs' (``learn_template_lines`` runs the same steps over one batch).

    Pages are counted by content (the page's longest line, ties broken by text), so re-fetches of one
    article in different shards are one page when the partitions count. Lines of pages of an unknown
    site are never template and are left out.

    Args:
        lines: ``LINES`` rows of the shard (reads ``page_id``, ``text``).
        pages: ``page_id``, ``site`` of the shard's pages.
        parts: partitions of ``hash(site, text)``.

    Returns:
        ``TEMPLATE_ROWS`` plus ``part`` (distinct site, line, page content) and ``TEMPLATE_PAGES`` rows.
    """
    site_of = pages.select("page_id", pl.col("site").fill_null("unknown")).unique(subset="page_id")
    length = pl.col("text").str.len_chars()
    content = (  # the longest lines of each page, then the first of them by text: no sort of every line
        lines.select("page_id", "text")
        .filter(length == length.max().over("page_id"))
        .group_by("page_id")
        .agg(content=pl.col("text").min())
    )
    content = content.with_columns(hash_columns(content, ["content"]).alias("content_hash")).drop("content")
    site_of = site_of.join(content, on="page_id", how="inner")
    page_rows = site_of.select("site", "content_hash").unique(maintain_order=True)
    # one distinct step: (site, content) follows from the page, so a line repeated on its page is dropped by the
    # distinct (site, text, content) rows as by a distinct (page, text) step before the join
    rows = (lines.select("page_id", "text")
            .join(site_of.filter(pl.col("site") != "unknown"), on="page_id", how="inner", maintain_order="left")
            .select("site", "text", "content_hash").unique(maintain_order=True))
    key = rows.select(pl.concat_str("site", "text", separator="\x1f")).to_series()
    return rows.with_columns(partition_of(key, parts).alias("part")), page_rows


def template_line_counts(rows: pl.DataFrame, *, min_pages: int = TEMPLATE_MIN_PAGES) -> pl.DataFrame:
    """Distinct pages per line of one partition, for the lines on at least ``min_pages`` of them (per partition).

    Reads ``TEMPLATE_ROWS`` of every shard for one partition of ``hash(site, text)``; returns
    ``TEMPLATE_COUNTS`` rows (site, text, n_pages), sorted by site and text. Pages of an unknown site are left out.
    """
    counts = (
        rows.filter(pl.col("site") != "unknown")
        .group_by("site", "text")
        .agg(n_pages=pl.col("content_hash").n_unique())
        .filter(pl.col("n_pages") >= min_pages)
        .sort("site", "text")
    )
    return cast_to(counts, TEMPLATE_COUNTS)


def site_page_counts(pages: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """Distinct pages per site (``site``, ``n_site_pages``) of ``TEMPLATE_PAGES`` rows of every shard (global).

    Counted once per run, in polars' streaming engine: a site's share of pages is over all of its pages.
    """
    return (pages.lazy().group_by("site").agg(n_site_pages=pl.col("content_hash").n_unique())
            .collect(engine="streaming"))


def template_lines_of(counts: pl.DataFrame, site_pages: pl.DataFrame, *,
                      min_share: float = TEMPLATE_MIN_SHARE) -> pl.DataFrame:
    """``TEMPLATE_LINES`` rows of the counted lines (``TEMPLATE_COUNTS``) on at least ``min_share`` of their
    site's distinct pages (``site_page_counts``), sorted by site and text."""
    lines = (
        counts.join(site_pages, on="site", how="inner")
        .with_columns(share=pl.col("n_pages") / pl.col("n_site_pages"))
        .filter(pl.col("share") >= min_share)
        .sort("site", "text")
    )
    return cast_to(lines, TEMPLATE_LINES)


def merge_template_lines(learned: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """This run's template lines (``TEMPLATE_LINES``, any order) merged with earlier runs' (``previous``).

    One row per (site, text), the larger page count winning.
    """
    learned = learned.sort("site", "text")
    both = pl.concat([previous, learned.select(previous.columns)], how="vertical_relaxed")
    if both.is_empty():
        return previous
    return cast_to(
        both.sort("n_pages", descending=True).unique(subset=["site", "text"], keep="first", maintain_order=True),
        TEMPLATE_LINES,
    )


def learn_template_lines(lines: pl.DataFrame, pages: pl.DataFrame, *, min_pages: int = TEMPLATE_MIN_PAGES,
                         min_share: float = TEMPLATE_MIN_SHARE) -> pl.DataFrame:
    """The build's template learning over one batch of pages (one shard, one partition): the lines that
    repeat across many pages of one site, site template rather than content.

    Pages are counted by content, not by fetch (see ``template_rows``), so three fetches of one article
    never turn its paragraphs into template.

    Args:
        lines: ``LINES`` rows (reads ``page_id`` and ``text``).
        pages: ``page_id`` and ``site`` of the same pages (``PAGES`` columns).
        min_pages: a line must occur on at least this many distinct pages of the site.
        min_share: and on at least this share of the site's distinct pages in the batch.

    Returns:
        ``TEMPLATE_LINES`` rows (``site``, ``text``, ``n_pages``, ``n_site_pages``, ``share``), sorted by site
        and text.
    """
    rows, page_rows = template_rows(lines, pages, parts=1)
    return template_lines_of(template_line_counts(rows.drop("part"), min_pages=min_pages),
                             site_page_counts(page_rows), min_share=min_share)


def tag_template_lines(lines: pl.DataFrame, pages: pl.DataFrame, templates: pl.DataFrame) -> pl.DataFrame:
    """Strip as ``template`` the lines that the learned templates name (same site, same text) and no
    general rule stripped. Reads LINES rows, ``page_id`` and ``site`` of PAGES, TEMPLATE_LINES rows."""
    if templates.is_empty():
        return lines
    tmpl = templates.select("site", "text").unique()
    # only kept lines whose text some site's template holds can be one: the site is looked up for those
    maybe = lines.select(pl.col("strip_rule").is_null() & pl.col("text").is_in(tmpl["text"].implode())).to_series()
    rows = maybe.arg_true()
    hits = (
        lines.select("page_id", "text")[rows]
        .with_columns(_r=rows)
        .join(pages.select("page_id", "site"), on="page_id", how="inner")
        .join(tmpl, on=["site", "text"], how="semi")
    )
    is_template = np.zeros(lines.height, dtype=bool)
    is_template[hits["_r"].to_numpy()] = True
    return lines.with_columns(
        strip_rule=pl.when(pl.Series(is_template)).then(pl.lit("template")).otherwise(pl.col("strip_rule"))
    )
