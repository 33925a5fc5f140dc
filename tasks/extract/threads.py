"""Thread acceptance on the text path: does a comment thread that a finder found read as readers' writing?

The finders of ``tasks.extract.parse`` (anchored runs, the stated count's name lines, name lines alone,
the learned headers) find a thread by its shape: header lines repeating with text blocks between them. A
comment-less page has that shape too, below its article: a related-stories list (headline, teaser,
date), a sidebar of widgets (label, a few lines), a closed comment section (a count line, then the
login and the comment form's lines), or a thread whose texts are not in the page (a count and headers
only, the texts loaded later). A spurious comment is worse than a missed one, so a found thread ships
only with evidence that its texts are readers' writing, in any language (line shapes, never word lists):

- ``reader_sentences``: a comment's text holds a line that reads as a sentence (``_Page.sentence``) and
  is not itself a header line (a "NAME says:" line ends like a sentence, yet a thread whose "texts" are
  the next comments' headers is a skeleton without texts); at least ``THREAD_SENTENCE_SHARE`` of the
  comments must hold one, whatever finder found them.
- ``accept_thread``: a small thread (at most ``SMALL_THREAD`` comments) in which no comment is headed by
  a header line (a name with a date, "says", "by"; ``_Page.headers``) has nothing but its line shapes
  for it; it needs at least half of its comments to hold prose (``_Page.prose``: the writing of a
  paragraph, not a headline or a teaser's one-line summary).
- ``accept_thread``: no comment holds an article's worth of prose (more than ``MAX_COMMENT_PROSE``
  prose lines: a "thread" of related-story headers whose last "comment" runs on into the article) or
  a list of dates (more than ``MAX_COMMENT_DATES`` date lines: a sidebar's archive of months).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tasks.extract.parse import _Comment, _Page

THREAD_SENTENCE_SHARE = 0.5
"""The share of a thread's comments whose text must hold a sentence that is not a header line."""
SMALL_THREAD = 5
"""A thread of at most this many comments, none headed by a header line, needs prose in most of them."""
SMALL_PROSE_SHARE = 0.5
"""At least this share of a small header-less thread's comments must hold a prose line."""
MAX_COMMENT_PROSE = 30
"""A comment holds at most this many prose lines (the longest readers' comments of the labelled pages
hold 15)."""
MAX_COMMENT_DATES = 8
"""A comment holds at most this many date lines, in its header, meta and text (the labelled pages'
comments hold at most 3)."""


def reader_sentences(p: _Page, comments: Sequence[_Comment]) -> int:
    """How many of ``comments`` hold a text line that reads as a sentence and is not a header line."""
    return sum(any(p.sentence[i] and i not in p.headers for i in c.text) for c in comments)


def accept_thread(p: _Page, comments: Sequence[_Comment]) -> bool:
    """Does the thread ``comments`` (found on page ``p``) ship? An empty thread does (nothing to ship);
    see the module docstring for what a found one needs."""
    n = len(comments)
    if n == 0:
        return True
    if reader_sentences(p, comments) < THREAD_SENTENCE_SHARE * n:
        return False
    for c in comments:
        if (sum(p.prose[i] for i in c.text) > MAX_COMMENT_PROSE
                or sum(p.date[i] for i in (*c.meta, *c.text)) > MAX_COMMENT_DATES):
            return False
    headed = any(c.author is not None and c.author in p.headers for c in comments)
    if n <= SMALL_THREAD and not headed:
        with_prose = sum(any(p.prose[i] for i in c.text) for c in comments)
        if with_prose < SMALL_PROSE_SHARE * n:
            return False
    return True
