"""Glue between stages: pure functions that adapt one stage's frames to the next.

The stage modules (``ingest``, ``boilerplate``, ``parse``, ``langid``, ``dedup``, ``select``)
each do one thing; the functions here join their frames, so the Prefect wrappers in
``tasks/steps.py`` stay a few lines each. No I/O here. What they own: shard planning
(``auto_shard_size``, ``assign_shards``, partition counts, ``attach_manifest``); template learning
(``template_rows`` to ``merge_template_lines``, and ``learn_template_lines`` over one batch); the parse
step (``parse_shard``); ``article_id`` and the language step (``tag_languages``); the per-page chain in one
process (``parse_pages``, for ``corpus inspect`` and ``corpus eval``); the comment merge of one partition
(``merge_partition_comments``). The one-process oracles of these steps are in ``tasks.reference``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
import polars as pl

from flows.config import LangIdConfig
from schemas.dedup import MERGED_COMMENT_PARTS
from schemas.parsed import PARSED_ARTICLES, PARSED_COMMENTS, SCORED_ARTICLES, TEMPLATE_COUNTS, TEMPLATE_LINES
from schemas.tagged import TAGGED_ARTICLES, TAGGED_COMMENTS
from schemas.validate import cast_to, polars_schema
from schemas.work import SHARD_FILES
from tasks.authors import reconcile_authors, unnamed_pages
from tasks.boilerplate import strip_boilerplate
from tasks.confidence import add_parse_confidence, chrome_lines, fallback_bodies, fill_empty_bodies
from tasks.dates import resolve_posted_at
from tasks.dedup import comment_keys, merge_threads, text_counts
from tasks.hashing import hash_columns, partition_of, xxh3_hex
from tasks.html import drop_comment_lines, extract_html_pages, replace_partial_bodies
from tasks.langid import UND, detect_language
from tasks.parse import BODY, parse_articles, parse_comments, segment_pages
from tasks.profiles import SiteProfile

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


FILES_PER_TEMPLATE_PART = 10_000


def template_partitions(n_files: int) -> int:
    """Partitions of ``hash(site, line)`` for learn-templates: one per ``FILES_PER_TEMPLATE_PART`` input files (>= 2).

    A partition holds every distinct (site, line, page) of its share of the run's pages (about a hundred
    lines a page), so its memory stays flat as the run grows; 10,000 pages are about a million rows.
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
    rows = (lines.select("page_id", "text").unique(maintain_order=True)
            .join(site_of.filter(pl.col("site") != "unknown"), on="page_id", how="inner")
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


def parse_shard(
    lines: pl.DataFrame, pages: pl.DataFrame, templates: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse one shard into articles and comments.

    HTML pages are parsed from their markup where it is reliable (``tasks.html``); where the markup
    gives an article but no comment and holds a comment section, the page's rendered lines still go
    through the text path's comment finder (its comments are kept, its article is not); where the
    markup's authors do not look like names, it reads them too, and its authors replace those of the
    same comments that fail the test (``tasks.authors``). Every other
    page goes through the text path: lines that the learned templates name (same site, same text) and no
    general rule stripped are stripped as ``template``, then the text parser segments the page. A text
    page without a body gets its best other text (``tasks.confidence.fallback_bodies``); every article
    gets ``parse_confidence`` and ``is_suspect``, in which paragraphs that are template or rule-stripped
    lines of their page (an HTML body taken from a sidebar) count for nothing.
    Comment dates of both paths are read again with their page's fetch time and day/month evidence
    (``tasks.dates.resolve_posted_at``). Reads LINES rows and PAGES (page_id, site, text, html,
    fetched_at, url; fetched_at and url may be missing: the URL's slug is a title cue). Returns
    SCORED_ARTICLES (one row per readable page) and PARSED_COMMENTS. A page whose markup gives no
    reliable comment thread at all takes title and body from its markup and the rest from the text path
    (``tasks.html.replace_partial_bodies``); text-path comments found on pages of either kind are left
    out of their markup bodies.
    """
    for optional in ("text", "html"):  # frames of text-only or HTML-only pages may lack one of them
        if optional not in pages.columns:
            pages = pages.with_columns(pl.lit(None, dtype=pl.String).alias(optional))
    html_pages = pages.filter(pl.col("html").is_not_null())
    html_arts, html_coms, html_bodies, markup_only = extract_html_pages(html_pages.select("page_id", "html", "text"))
    # pages whose markup gave an article but no comment, yet holds a comment section: their rendered text
    # goes through the text path's comment finder too (comment markup the selectors do not know still
    # prints as a thread); a page without a comment section in its markup is not searched for one.
    # Pages whose markup authors do not look like names go through it too, for their authors only.
    unnamed = unnamed_pages(html_coms)
    second = pl.concat([markup_only, unnamed])
    lines = tag_template_lines(lines, pages, templates)
    chrome = chrome_lines(lines)
    lines = lines.join(html_arts.join(second, on="page_id", how="anti").select("page_id"), on="page_id",
                       how="anti")
    urls = pages.select("page_id", "url") if "url" in pages.columns else None
    segmented = segment_pages(lines, urls, words=True)
    text_comments = parse_comments(segmented)
    is_unnamed = pl.col("page_id").is_in(unnamed["page_id"].implode())
    html_coms = reconcile_authors(html_coms, text_comments.filter(is_unnamed))
    text_comments = text_comments.filter(~is_unnamed)
    text_segmented = segmented.join(second, on="page_id", how="anti")
    text_arts = parse_articles(text_segmented)
    text_arts = fill_empty_bodies(text_arts, fallback_bodies(text_segmented, articles=text_arts))
    text_arts = replace_partial_bodies(text_arts, text_comments, html_bodies).with_columns(
        _fallback=pl.col("_fallback") & ~pl.col("page_id").is_in(html_bodies["page_id"].implode()))
    html_arts = drop_comment_lines(html_arts, text_comments)
    names = [*PARSED_ARTICLES.names, "_fallback"]
    parsed = pl.concat([text_arts.select(names),
                        html_arts.with_columns(_fallback=pl.lit(value=False)).select(names)], how="vertical_relaxed")
    # the text path's body paragraphs are its body lines, whose words the parser counted already
    known_words = text_segmented.filter(pl.col("region") == BODY).select("text", words="f_words").unique("text")
    articles = cast_to(add_parse_confidence(parsed, chrome=chrome, known_words=known_words), SCORED_ARTICLES)
    comments = pl.concat([cast_to(text_comments, PARSED_COMMENTS),
                          cast_to(html_coms, PARSED_COMMENTS)])
    # the text path's comments read their written dates with parse_date already: not read again
    read = text_comments.select("posted_at_text", "posted_at")
    return articles, resolve_posted_at(comments, pages, read=read)


def tag_languages(
    articles: pl.DataFrame, comments: pl.DataFrame, pages: pl.DataFrame, cfg: LangIdConfig
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add ``article_id`` and the language of every article (title + body) and every comment.

    Reads SCORED_ARTICLES, PARSED_COMMENTS and PAGES (page_id, text, html); returns TAGGED_ARTICLES
    and TAGGED_COMMENTS. ``article_id`` is the xxh3 of the page text (of the HTML for HTML pages).
    """
    ids = pages.select("page_id", pl.coalesce("text", "html").fill_null("").alias("_content"))
    ids = ids.with_columns(article_id=hash_columns(ids, ["_content"])).select("page_id", "article_id")
    arts = articles.join(ids, on="page_id", how="left").with_columns(
        _lang_text=pl.concat_str([pl.col("title").fill_null(""), pl.col("body")], separator="\n")
    )
    detect = functools.partial(detect_language, min_chars=cfg.min_chars, min_words=cfg.min_words,
                               min_score=cfg.min_score, max_chars=cfg.max_chars)
    arts = detect(arts, text_column="_lang_text").drop("_lang_text")
    coms = detect(comments, text_column="text")
    return (
        cast_to(arts, TAGGED_ARTICLES),
        cast_to(coms, TAGGED_COMMENTS),
    )


PARSE_PAGE_COLUMNS = ("page_id", "site", "url", "text", "html", "fetched_at")
"""The ``PAGES`` columns ``parse_shard`` reads."""
LANGID_PAGE_COLUMNS = ("page_id", "text", "html")
"""The ``PAGES`` columns ``tag_languages`` reads (``article_id`` is made from the page's text or HTML)."""


def readable_pages(pages: pl.DataFrame) -> pl.DataFrame:
    """The pages ingest did not reject (``reject_reason`` null): the ones strip-boilerplate and parse read.

    Frames without ``reject_reason`` (pages read for an evaluation) are readable as they are.
    """
    return pages.filter(pl.col("reject_reason").is_null()) if "reject_reason" in pages.columns else pages


def parse_pages(pages: pl.DataFrame, *, templates: pl.DataFrame | None = None,
                profiles: Mapping[str, SiteProfile] | None = None, langid: LangIdConfig | None = None
                ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The build's per-shard chain over one batch of pages, in one process (``corpus inspect``, ``corpus eval``).

    The same stage functions as the build's tasks, in their order: strip-boilerplate, template learning
    over the batch (``learn_template_lines``: the batch as one shard and one partition, merged with
    ``templates`` of earlier runs when given), parse, detect-language. Rejected pages are left out
    (``readable_pages``). No dedup, nothing written.

    Args:
        pages: ``PAGES`` rows (reads ``page_id``, ``site``, ``text``, ``html``, and ``url``, ``fetched_at``,
            ``reject_reason`` where present).
        templates: ``TEMPLATE_LINES`` of earlier runs, or None.
        profiles: site profiles for strip-boilerplate (the build passes none).
        langid: language detection settings (the build's defaults when None).

    Returns:
        The ``TEMPLATE_LINES`` the parse used, ``TAGGED_ARTICLES`` and ``TAGGED_COMMENTS``.
    """
    readable = readable_pages(pages)
    lines = strip_boilerplate(readable, profiles=profiles)
    learned = learn_template_lines(lines, readable.select("page_id", "site"))
    if templates is not None:
        learned = merge_template_lines(learned, templates)
    articles, comments = parse_shard(lines, readable.select([c for c in PARSE_PAGE_COLUMNS if c in readable.columns]),
                                     learned)
    articles, comments = tag_languages(articles, comments, readable.select(LANGID_PAGE_COLUMNS),
                                       langid or LangIdConfig())
    return learned, articles, comments


def merge_partition_comments(comments: pl.DataFrame, refs: pl.DataFrame, prior_keys: pl.DataFrame | None
                             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Merge the comment threads of one partition of ``hash(canonical article id)``.

    Args:
        comments: ``COMMENT_ROWS`` of the partition (every comment of its threads, from every shard).
        refs: ``ARTICLE_REFS`` of the partition.
        prior_keys: ``COMMENT_KEYS`` of earlier runs in the partition (or None), all of them: a comment
            already written (by an earlier run, of a page now read again) is a duplicate, never a second row.

    Returns:
        ``MERGED_COMMENT_PARTS`` rows (``merge_comments`` and the canonical page's shard and language,
        without the corpus-wide repeat counts), the partition's ``COMMENT_KEYS`` after this run, and its
        ``TEXT_COUNTS``.
    """
    comments = comments.sort("comment_row")
    pages = comments.select("page_id", "canonical_article_id",
                            pl.col("page_is_duplicate").alias("is_duplicate")).unique("page_id", keep="first")
    threads = merge_threads(comments.drop("canonical_article_id", "page_is_duplicate"), pages,
                            prior_comment_keys=prior_keys)
    canon = (refs.sort("ord").unique("article_id", keep="first", maintain_order=True)
             .select("article_id", "shard_id", pl.col("language").alias("_article_language")))
    merged = threads.join(canon, on="article_id", how="left", maintain_order="left").with_columns(
        language_inferred=pl.when(pl.col("language") != UND).then(pl.col("language"))
        .otherwise(pl.col("_article_language")),
        shard_id=pl.coalesce("shard_id", "own_shard"),
    )
    keys = comment_keys(merged)
    if prior_keys is not None:
        keys = pl.concat([prior_keys.select(keys.columns), keys]).unique("comment_id", keep="first",
                                                                         maintain_order=True)
    return (cast_to(merged, MERGED_COMMENT_PARTS), keys,
            text_counts(threads, prior_keys))


def attach_manifest(files: pl.DataFrame, manifest: pl.DataFrame | None) -> pl.DataFrame:
    """Add the manifest's url, site and fetched_at to the input files (SHARD_FILES columns).

    A manifest row matches a file by its path as given, else by its file name.
    """
    dtypes = polars_schema(SHARD_FILES)
    if manifest is None or manifest.is_empty():
        return files.with_columns(
            pl.lit(None, dtype=dtypes["url"]).alias("url"),
            pl.lit(None, dtype=dtypes["site"]).alias("site"),
            pl.lit(None, dtype=dtypes["fetched_at"]).alias("fetched_at"),
        )
    man = manifest.unique("path", keep="first")
    by_name = man.with_columns(pl.col("path").str.split("/").list.last().alias("_name")).drop("path")
    out = files.join(man, on="path", how="left").with_columns(
        pl.col("path").str.split("/").list.last().alias("_name")
    )
    out = out.join(by_name.unique("_name", keep="first"), on="_name", how="left", suffix="_by_name")
    out = out.select(
        "path", "size", "mtime_ns",
        pl.coalesce("url", "url_by_name").alias("url"),
        pl.coalesce("site", "site_by_name").alias("site"),
        pl.coalesce("fetched_at", "fetched_at_by_name").alias("fetched_at"),
    )
    return cast_to(out, SHARD_FILES)
