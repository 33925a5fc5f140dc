"""The parse step over one shard (``parse_shard``: the markup and text paths joined), and the build's
per-shard chain over one batch of pages in one process (``parse_pages``, for ``corpus inspect`` and
``corpus eval``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import polars as pl

from schemas.parsed import PARSED_ARTICLES, PARSED_COMMENTS, SCORED_ARTICLES
from schemas.validate import cast_to
from tasks.extract.authors import reconcile_authors, unnamed_pages
from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.confidence import add_parse_confidence, chrome_lines, fallback_bodies, fill_empty_bodies
from tasks.extract.dates import resolve_posted_at
from tasks.extract.html import drop_comment_lines, extract_html_pages, replace_partial_bodies
from tasks.extract.langid import LANGID_PAGE_COLUMNS, tag_languages
from tasks.extract.parse import BODY, parse_articles, parse_comments, segment_pages
from tasks.extract.profiles import SiteProfile
from tasks.extract.templates import learn_template_lines, merge_template_lines, tag_template_lines


def _without(frame: pl.DataFrame, pages: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``frame`` whose ``page_id`` is not one of ``pages``' (an anti join; ``frame`` itself when
    ``pages`` is empty, as it is for a shard of text pages, where the join would still hash every row)."""
    return frame if pages.height == 0 else frame.join(pages, on="page_id", how="anti")


PARSE_SLICE_PAGES = 1_250
"""Pages ``parse_shard`` parses at a time. The text path's frames (the lines with their features, the
segmented lines) follow the pages parsed together, not the shard. On a 2,500-page shard of real-size pages
(one polars thread), one pass took the parse task 340-370 MB above the worker's imports, two slices 270-300
MB and three 240-260 MB; each slice also pays the parse's fixed cost again (its polars queries planned and
built: a call on 5 pages takes about 0.16 CPU s), so two slices cost about 2% more parse CPU and three about 7%."""


def parse_shard(
    lines: pl.DataFrame, pages: pl.DataFrame, templates: pl.DataFrame, *, header_model: dict[str, Any] | None = None,
    slice_pages: int | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Parse one shard into articles and comments.

    HTML pages are parsed from their markup where it is reliable (``tasks.extract.html``); where the markup
    gives an article but no comment and holds a comment section, the page's rendered lines still go
    through the text path's comment finder (its comments are kept, its article is not); where the
    markup's authors do not look like names, it reads them too, and its authors replace those of the
    same comments that fail the test (``tasks.extract.authors``). Every other
    page goes through the text path: lines that the learned templates name (same site, same text) and no
    general rule stripped are stripped as ``template``, then the text parser segments the page. A text
    page without a body gets its best other text (``tasks.extract.confidence.fallback_bodies``); every article
    gets ``parse_confidence`` and ``is_suspect``, in which paragraphs that are template or rule-stripped
    lines of their page (an HTML body taken from a sidebar) count for nothing.
    Comment dates of both paths are read again with their page's fetch time and day/month evidence
    (``tasks.extract.dates.resolve_posted_at``). Reads LINES rows and PAGES (page_id, site, text, html,
    fetched_at, url; fetched_at and url may be missing: the URL's slug is a title cue). Returns
    SCORED_ARTICLES (one row per readable page) and PARSED_COMMENTS. A page whose markup gives no
    reliable comment thread at all takes title and body from its markup and the rest from the text path
    (``tasks.extract.html.replace_partial_bodies``); text-path comments found on pages of either kind are left
    out of their markup bodies. ``header_model``: the text path's comment-header classifier
    (``tasks.extract.comment_headers``; None: the shipped one), as ``segment_pages`` takes it.

    Everything but the comment dates is read page by page, so the pages are parsed ``slice_pages`` at a time
    (default ``PARSE_SLICE_PAGES``; ranges of ``page_id``) and the slices' rows put back in the order one pass
    gives: text-path rows by ``page_id``, then markup rows in the order of ``pages``. The comment dates
    are resolved once over the shard: their day/month evidence is counted over each site's pages.
    """
    for optional in ("text", "html"):  # frames of text-only or HTML-only pages may lack one of them
        if optional not in pages.columns:
            pages = pages.with_columns(pl.lit(None, dtype=pl.String).alias(optional))
    bounds = _slice_bounds(pages, slice_pages or PARSE_SLICE_PAGES)
    if not bounds:
        text_arts, html_arts, text_coms, html_coms = _parse_slice(lines, pages, templates, header_model)
    else:
        parts = [_parse_slice(lines.filter(_in_range(lo, hi)), pages.filter(_in_range(lo, hi)), templates, header_model)
                 for lo, hi in itertools.pairwise([None, *bounds, None])]
        text_arts, html_arts, text_coms, html_coms = (pl.concat([part[i] for part in parts]) for i in range(4))
        del parts
        html_arts, html_coms = _in_page_order(html_arts, pages), _in_page_order(html_coms, pages)
    articles = pl.concat([text_arts, html_arts])
    comments = pl.concat([text_coms, html_coms])
    # the text path's comments read their written dates with parse_date already: not read again
    read = text_coms.select("posted_at_text", "posted_at")
    return articles, resolve_posted_at(comments, pages, read=read)


def _slice_bounds(pages: pl.DataFrame, slice_pages: int) -> list[str]:
    """The ``page_id`` at which each slice after the first begins: every ``slice_pages``-th of the distinct
    ``page_id`` of ``pages`` in sorted order; none when the pages make one slice."""
    if pages.height <= slice_pages:
        return []
    ids = pages.get_column("page_id").unique().sort()
    return ids.gather(list(range(slice_pages, ids.len(), slice_pages))).to_list()


def _in_range(lo: str | None, hi: str | None) -> pl.Expr:
    """``page_id`` from ``lo`` (included) to ``hi`` (left out); None: open on that side."""
    page = pl.col("page_id")
    if lo is None:
        return page < hi
    return page >= lo if hi is None else (page >= lo) & (page < hi)


def _in_page_order(frame: pl.DataFrame, pages: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s rows ordered by their page's first row in ``pages`` (a stable sort: a page's rows keep theirs)."""
    at = pages.select("page_id").with_row_index("_at").unique("page_id", keep="first")
    return frame.join(at, on="page_id", how="left", maintain_order="left").sort("_at", maintain_order=True).drop("_at")


def _parse_slice(
    lines: pl.DataFrame, pages: pl.DataFrame, templates: pl.DataFrame, header_model: dict[str, Any] | None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``parse_shard`` over one set of pages, the comment dates aside: SCORED_ARTICLES of the text path and of
    the markup path, PARSED_COMMENTS of the text path and of the markup path (each in the order one pass gives)."""
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
    lines = _without(lines, _without(html_arts, second).select("page_id"))
    urls = pages.select("page_id", "url") if "url" in pages.columns else None
    segmented = segment_pages(lines, urls, features=True, header_model=header_model)
    del lines
    text_comments = parse_comments(segmented)
    is_unnamed = pl.col("page_id").is_in(unnamed["page_id"].implode())
    html_coms = reconcile_authors(html_coms, text_comments.filter(is_unnamed))
    text_comments = text_comments.filter(~is_unnamed)
    text_segmented = _without(segmented, second)
    del segmented
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
    del text_segmented
    articles = cast_to(add_parse_confidence(parsed, chrome=chrome, known_words=known_words), SCORED_ARTICLES)
    n_text = text_arts.height
    return (articles.head(n_text), articles.slice(n_text), cast_to(text_comments, PARSED_COMMENTS),
            cast_to(html_coms, PARSED_COMMENTS))


PARSE_PAGE_COLUMNS = ("page_id", "site", "url", "text", "html", "fetched_at")
"""The ``PAGES`` columns ``parse_shard`` reads."""


def readable_pages(pages: pl.DataFrame) -> pl.DataFrame:
    """The pages ingest did not reject (``reject_reason`` null): the ones strip-boilerplate and parse read.

    Frames without ``reject_reason`` (pages read for an evaluation) are readable as they are.
    """
    return pages.filter(pl.col("reject_reason").is_null()) if "reject_reason" in pages.columns else pages


def batch_lines(pages: pl.DataFrame, *, templates: pl.DataFrame | None = None,
                profiles: Mapping[str, SiteProfile] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The lines of one batch of pages and the template lines learned over it, as the build's
    strip-boilerplate and learn-templates steps make them (the batch as one shard and one partition).

    Args:
        pages: ``PAGES`` rows (reads ``page_id``, ``site``, ``text``, ``html``).
        templates: ``TEMPLATE_LINES`` of earlier runs to merge the learned ones with, or None.
        profiles: site profiles for strip-boilerplate (the build passes none).

    Returns:
        ``LINES`` and ``TEMPLATE_LINES``.
    """
    lines = strip_boilerplate(pages, profiles=profiles)
    learned = learn_template_lines(lines, pages.select("page_id", "site"))
    return lines, learned if templates is None else merge_template_lines(learned, templates)


def tagged_batch(pages: pl.DataFrame) -> pl.DataFrame:
    """The lines of one batch of ``pages`` (``PAGES`` rows) tagged with the template lines learned over it
    (``batch_lines``, ``tag_template_lines``): what the parse stage's text path reads; for the trainers."""
    lines, learned = batch_lines(pages)
    return tag_template_lines(lines, pages, learned)


def parse_pages(pages: pl.DataFrame, *, templates: pl.DataFrame | None = None,
                profiles: Mapping[str, SiteProfile] | None = None, header_model: dict[str, Any] | None = None
                ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The build's per-shard chain over one batch of pages, in one process (``corpus inspect``, ``corpus eval``).

    The same stage functions as the build's tasks, in their order: strip-boilerplate, template learning
    over the batch (``learn_template_lines``: the batch as one shard and one partition, merged with
    ``templates`` of earlier runs when given), parse, detect-language (with the build's default settings).
    Rejected pages are left out (``readable_pages``). No dedup, nothing written.

    Args:
        pages: ``PAGES`` rows (reads ``page_id``, ``site``, ``text``, ``html``, and ``url``, ``fetched_at``,
            ``reject_reason`` where present).
        templates: ``TEMPLATE_LINES`` of earlier runs, or None.
        profiles: site profiles for strip-boilerplate (the build passes none).
        header_model: the text path's comment-header classifier (None: the shipped one); ``flows.comment_check``
            passes one trained without the pages it parses.

    Returns:
        The ``TEMPLATE_LINES`` the parse used, ``TAGGED_ARTICLES`` and ``TAGGED_COMMENTS``.
    """
    readable = readable_pages(pages)
    lines, learned = batch_lines(readable, templates=templates, profiles=profiles)
    articles, comments = parse_shard(lines, readable.select([c for c in PARSE_PAGE_COLUMNS if c in readable.columns]),
                                     learned, header_model=header_model)
    articles, comments = tag_languages(articles, comments, readable.select(LANGID_PAGE_COLUMNS))
    return learned, articles, comments
