"""Comment authors read twice: where the markup's author names do not look like names, the text path's.

The markup finder (``tasks.extract.html``) takes a comment's author from the element its selectors name; on a
layout they do not know, that element may hold an avatar's initials, a date, a role or a control's
label instead. The text finder (``tasks.extract.parse``) reads the same comments from the rendered lines. Both
are right most of the time and wrong in different ways, so a page's markup authors are checked by a
name-likeness test that needs no word list (``name_like``), and only the pages that fail it
(``unnamed_pages``) go through the text finder too; where both give the same comment (text overlap)
and the markup's author fails the test while the text finder's passes, the text finder's is taken
(``reconcile_authors``).
"""

from __future__ import annotations

import polars as pl

from tasks.extract import selectors
from tasks.extract.parse import NAME_MAX_CHARS, NAME_MAX_WORDS
from tasks.extract.words import count_words
from tasks.text_match import align_comments

UNNAMED_SHARE = 1 / 3
"""A page's markup authors are checked against the text finder's when at least this share of its
comments have an author that is not name-like."""
UI_WORD_SHARE = 2 / 3
UI_WORD_MIN_COMMENTS = 4
"""An author string heading more than ``UI_WORD_SHARE`` of a page's comments (with at least
``UI_WORD_MIN_COMMENTS`` of them) is a control's or a section's label repeated on every header, not a
name (threads where one reader writes most comments are rare at that size)."""
MIN_OVERLAP = 0.5
"""Two comments are the same when their texts' token F1 reaches this (``tasks.text_match.align_comments``)."""
MIN_AGREEMENT = 2 / 3
"""The text finder's authors are taken on a page only when it found at least this share of the markup's
comments (the two readings agree on the thread): a text pass that read the page's chrome as a thread
lines up with a comment now and then, and its "authors" are then labels."""

_SENTENCE_END = r"[.!?:;]$"
_INITIAL_END = r"(?:^|\s)[^\W\d_]{1,2}\.$"
_INITIALS_ONLY = r"^[\p{Lu}\d]{1,3}$"


def name_like(author: pl.Expr) -> pl.Expr:
    """Does an author string look like a name? Not empty, at most ``NAME_MAX_CHARS`` characters and
    ``NAME_MAX_WORDS`` words, no date or time in it, no sentence end (an initial such as "Anna K." is
    fine), and not one to three capitals or digits only (an avatar's initials). No word list: a one-letter
    name or a digits-only name fails only the last test, and so only sends the page to the second reading."""
    text = author.str.strip_chars()
    return (
        author.is_not_null()
        & (text.str.len_chars() > 0)
        & (text.str.len_chars() <= NAME_MAX_CHARS)
        & (count_words(text) <= NAME_MAX_WORDS)
        & ~text.str.contains(rf"(?i){selectors.DATE_RE}")
        & ~text.str.contains(rf"(?i){selectors.TIME_RE}")
        & ~(text.str.contains(_SENTENCE_END) & ~text.str.contains(_INITIAL_END))
        & ~text.str.contains(_INITIALS_ONLY)
    ).fill_null(value=False)


def _ui_word() -> pl.Expr:
    """Is the author string a label repeated on most headers of its page (see ``UI_WORD_SHARE``)?"""
    n = pl.len().over("page_id")
    return (n >= UI_WORD_MIN_COMMENTS) & (pl.len().over("page_id", "author") > UI_WORD_SHARE * n)


def named(comments: pl.DataFrame) -> pl.DataFrame:
    """``comments`` (``page_id``, ``author``) with ``_named``: the author is name-like and not a label its
    page repeats on most headers."""
    return comments.with_columns(_named=name_like(pl.col("author")) & ~_ui_word().fill_null(value=False))


def unnamed_pages(comments: pl.DataFrame) -> pl.DataFrame:
    """``page_id`` of the pages where at least ``UNNAMED_SHARE`` of the comments have an author that is not
    name-like (see ``named``). Reads ``page_id`` and ``author`` of PARSED_COMMENTS rows."""
    if comments.is_empty():
        return comments.select("page_id")
    return (
        named(comments.select("page_id", "author"))
        .group_by("page_id", maintain_order=True)
        .agg(_unnamed=(~pl.col("_named")).mean())
        .filter(pl.col("_unnamed") >= UNNAMED_SHARE)
        .select("page_id")
    )


def reconcile_authors(markup: pl.DataFrame, text: pl.DataFrame) -> pl.DataFrame:
    """``markup`` comments with the author of the same comment in ``text`` where the markup's author is not
    name-like and the text finder's is (see ``named``).

    Reads ``page_id``, ``position``, ``author``, ``text`` of both (PARSED_COMMENTS rows of one set of
    pages: the markup finder's and the text finder's); comments are the same when their texts align
    (``tasks.text_match.align_comments``, in page order), and a page's authors are replaced only where at
    least ``MIN_AGREEMENT`` of its markup comments align. Returns ``markup`` with ``author`` replaced.
    """
    if markup.is_empty() or text.is_empty():
        return markup
    pages = set(text["page_id"].to_list())
    checked = named(markup.with_row_index("_r").filter(pl.col("page_id").is_in(list(pages))))
    if checked.is_empty() or checked["_named"].all():
        return markup
    theirs = named(text.select("page_id", "position", "author", "text")).sort("page_id", "position")
    by_page: dict[str, list[tuple[str, str | None, bool]]] = {}
    for pid, body, author, ok in theirs.select("page_id", "text", "author", "_named").iter_rows():
        by_page.setdefault(pid, []).append((body or "", author, ok))
    authors = markup["author"].to_list()
    for pid, rows in checked.sort("page_id", "position").group_by("page_id", maintain_order=True):
        other = by_page.get(str(pid[0]), [])
        mine = rows.select("_r", "text", "_named").rows()
        pairs = align_comments([body or "" for _, body, _ in mine], [body for body, _, _ in other], min_f1=MIN_OVERLAP)
        if len(pairs) < MIN_AGREEMENT * len(mine):
            continue
        for i, j, _ in pairs:
            row, _, ok = mine[i]
            if not ok and other[j][2]:
                authors[row] = other[j][1]
    return markup.with_columns(pl.Series("author", authors, dtype=markup.schema["author"]))
