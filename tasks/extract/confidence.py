"""How sure the parser is that a page's body is its article, and the best body of a page with none.

Tag, don't drop: a readable page on which the parser finds no article window still becomes an article
row, with the page's best text as its body and ``is_suspect`` set. Only a page without any readable text
is rejected (``no_article``).

``parse_confidence`` reads the body as the body window does (``tasks.extract.parse``): prose paragraphs that
are not template or rule-stripped lines of their page (learned per site, or general rule families: an
HTML body taken from a sidebar is made of them) earn their word count (``tasks.extract.words.count_words``, so
Chinese or Japanese prose counts too), at half weight when the body holds a single prose paragraph (a
profile box, a blog's tagline or one teaser is one paragraph; an article rarely is); the sum over
``CONFIDENT_EVIDENCE`` is the confidence, capped at 1.
A fallback body (no window was found) scores 0. ``is_suspect``: confidence under ``SUSPECT_BELOW``.
Deduplication does not take a suspect body as evidence that two pages tell the same story
(``tasks.dedup``).
"""

from __future__ import annotations

import polars as pl

from tasks.extract.boilerplate import EMPTY_PAGE, PROSE_MIN_CHARS, ends_like_sentence, is_prose
from tasks.extract.words import with_word_counts

CONFIDENT_EVIDENCE = 60.0
"""Weighted prose words of a body the parser is sure of (two paragraphs of 30 words)."""
SUSPECT_BELOW = 0.5
"""Bodies with a lower ``parse_confidence`` are tagged ``is_suspect``."""
SINGLE_PARAGRAPH_FACTOR = 0.5
"""Weight of the prose of a body with one prose paragraph (the window's isolated-prose factor)."""


EMPTY_BODY = pl.col("body").fill_null("").str.strip_chars() == ""
"""An article whose body is empty or blank (the pages that take a fallback body)."""


def fallback_bodies(segmented: pl.DataFrame, *, articles: pl.DataFrame | None = None) -> pl.DataFrame:
    """The best text of each page outside its comments, for pages whose parse found no body.

    Args:
        segmented: ``LINES`` rows after ``tasks.extract.parse.segment_pages`` (reads ``page_id``, ``text``,
            ``strip_rule``, ``region``, ``comment_position``).
        articles: ``page_id``, ``body`` of the parsed articles: where given, only the pages among them
            with an empty body (``EMPTY_BODY``) get a fallback (the others never use theirs).

    Returns:
        ``page_id``, ``fallback_body``: the kept lines (no rule stripped them) outside the title and the
        comments, joined by a blank line; when none is kept, every non-blank line outside the comments.
        Pages without any non-blank line outside their comments have no row.
    """
    if articles is not None:
        segmented = segmented.filter(pl.col("page_id").is_in(articles.filter(EMPTY_BODY)["page_id"].implode()))
    outside = segmented.filter(
        pl.col("comment_position").is_null() & (pl.col("text").str.strip_chars() != "")
        & (pl.col("strip_rule").fill_null("") != EMPTY_PAGE) & (pl.col("region").fill_null("") != "title")
    )
    kept = pl.col("text").filter(pl.col("strip_rule").is_null())
    return outside.group_by("page_id", maintain_order=True).agg(
        _kept=kept.str.join("\n\n"), _all=pl.col("text").str.join("\n\n")
    ).select("page_id", fallback_body=pl.when(pl.col("_kept") != "").then("_kept").otherwise("_all"))


def fill_empty_bodies(articles: pl.DataFrame, fallback: pl.DataFrame) -> pl.DataFrame:
    """Give pages with an empty body their ``fallback_body`` (see ``fallback_bodies``).

    Reads ``page_id``, ``body``; adds ``_fallback`` (the body is the fallback) and replaces ``body``.
    """
    empty = EMPTY_BODY
    out = articles.join(fallback, on="page_id", how="left", maintain_order="left")
    use = empty & pl.col("fallback_body").is_not_null()
    return out.with_columns(
        body=pl.when(use).then("fallback_body").otherwise("body"), _fallback=use
    ).drop("fallback_body")


def chrome_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """The ``page_id``, ``text`` of the lines a rule stripped (a learned ``template`` line of the page's site,
    or a general rule family), from ``LINES`` rows (reads ``page_id``, ``text``, ``strip_rule``). A line a page
    repeats is listed as often: ``add_parse_confidence`` reads them as a set (an anti join), so no distinct step
    (a hash of every stripped line's text) is spent on them."""
    tagged = pl.col("strip_rule").is_not_null() & (pl.col("strip_rule") != EMPTY_PAGE)
    return lines.filter(tagged).select("page_id", "text")


def add_parse_confidence(articles: pl.DataFrame, *, chrome: pl.DataFrame | None = None,
                         known_words: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add ``parse_confidence`` and ``is_suspect`` (see the module docstring).

    Args:
        articles: reads ``page_id``, ``body`` and, when present, ``_fallback`` (dropped).
        chrome: ``page_id``, ``text`` of lines stripped on each page (``chrome_lines``): body paragraphs
            equal to one of them (a body made of the site's template lines) earn no confidence.
        known_words: distinct ``text``, ``words`` (``tasks.extract.words.count_words`` of the text, as the parser
            counted its lines): paragraphs with one of these texts are not counted again.

    Returns:
        The same rows plus ``parse_confidence`` and ``is_suspect``.
    """
    fallback = pl.col("_fallback") if "_fallback" in articles.columns else pl.lit(value=False)
    body = pl.col("body")
    paragraphs = articles.select(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"), "page_id", body.fill_null("").str.split("\n\n"),
    ).explode("body").with_columns(body.str.strip_chars())
    # words are counted (once) only where a paragraph can be prose: it ends like a sentence or is long
    paragraphs = paragraphs.filter(ends_like_sentence(body) | (body.str.len_chars() >= PROSE_MIN_CHARS))
    if known_words is not None:
        paragraphs = paragraphs.join(known_words.select(body=pl.col("text"), _w=pl.col("words").cast(pl.UInt32)),
                                     on="body", how="left")
        known = pl.col("_w").is_not_null()
        paragraphs = pl.concat([paragraphs.filter(known),
                                with_word_counts(paragraphs.filter(~known).drop("_w"), "body", "_w")])
    else:
        paragraphs = with_word_counts(paragraphs, "body", "_w")
    paragraphs = paragraphs.filter(is_prose(body, n_words=pl.col("_w")))
    if chrome is not None and chrome.height:
        paragraphs = paragraphs.join(chrome.rename({"text": "body"}), on=["page_id", "body"], how="anti")
    evidence = paragraphs.group_by("_row").agg(
        _words=pl.col("_w").sum().cast(pl.Float64), _n=pl.len()
    ).select("_row", _evidence=pl.col("_words") * pl.when(pl.col("_n") > 1).then(1.0).otherwise(
        SINGLE_PARAGRAPH_FACTOR))
    scored = articles.with_row_index("_row").join(evidence, on="_row", how="left", maintain_order="left")
    confidence = pl.when(fallback).then(0.0).otherwise(
        (pl.col("_evidence").fill_null(0.0) / CONFIDENT_EVIDENCE).clip(0.0, 1.0))
    return scored.with_columns(parse_confidence=confidence).with_columns(
        is_suspect=pl.col("parse_confidence") < SUSPECT_BELOW
    ).drop("_row", "_evidence", "_fallback", strict=False)
