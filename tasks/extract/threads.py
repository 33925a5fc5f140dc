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
  comments must hold one, whatever finder found them, unless the page states a comment count equal to
  the thread's size (``count_agrees``: "45 Comments" over 45 one-word answers).
- ``accept_thread``: a small thread (at most ``SMALL_THREAD`` comments) of which fewer than half of the
  comments are headed (``_headed``: by a header line, a name with a date, "says", "by", ``_Page.headers``;
  or with a date line in their meta) has nothing but its line shapes for it; it is refused when fewer
  than half of its comments hold prose (``_Page.prose``: the writing of a paragraph) and one of them
  reads as a list (``_list_like``: ``LIST_MIN_LINES`` text lines or more, none of them prose: a poll's
  options, a widget's links, a closed section's login controls), where readers' short remarks are a
  line or two each.
- ``accept_thread``: a thread of which fewer than half of the comments have a header line or a comment
  control (``_evidenced``: ``_Page.headers``, "Reply" and its kin in the meta; a date alone is no evidence,
  teasers are dated) and whose page states no count equal to its size has only its header lines for it;
  it is refused when ``TITLE_SHARE`` of its comments are headed by a line that reads as a title
  (``_Page.titled``, see ``titled_lines``: ``TITLE_MIN_WORDS`` words or more, or a phrase's case, a
  capital first and a word in lower case after it) and heads no other comment of the thread (a name
  repeats, a headline does not): a story-teaser list (headline, date, one-sentence summary) or a
  sub-headed article below a share bar's "Comments", where readers' names are a word or two (2% of the
  labelled pages' commenters' names have four words or more) and, written with capitals, are
  capitalised throughout.
- ``accept_thread``: a thread of ``MIN_REPEATED_THREAD`` comments or more of which fewer than ``OWN_TEXT_SHARE``
  hold a text line of their own (``own_texts``: a line whose text no comment by another author repeats)
  is refused, whatever its count: readers write different texts, while a thread whose texts are not in the
  page (loaded later) leaves the same widget lines ("Reply", "Delete", "Replies" in any language) under
  each header.
- ``accept_thread``: a thread of which fewer than half of the comments are headed (``_headed``) or have a
  comment control (``_evidenced``), in which no header line
  heads two comments and ``SECTION_SHARE`` of the comments hold ``SECTION_PROSE_LINES`` prose lines or more
  (``sectioned_article``) is refused: a sub-headed article (a short heading over every few paragraphs) reads
  so, whatever its headings' case, while readers' threads hold mostly a line or two a comment and a name
  that comes back (a reader answering another); of the labelled threads found without header lines, dates
  or controls (the ``dates`` perturbation makes dozens), none has half of its comments of two prose lines or
  more and no name heading two of them. A stated count equal to the number of sections is no evidence here:
  a page whose thread is not printed keeps its count over whatever stands below it.
- ``layout_votes`` (read by ``tasks.extract.parse._build_anchored``, before any of the above): whether a run of
  header lines heads its comments (the name above the text) or foots them (the name under the text) is read
  from the whole run, not per comment: readers answer the comment above theirs by its author's name ("Danke
  Gitta!", "Eric, cool."). Where the name of a header line comes back in the text block just below it, that
  block answers it, so it is the next comment's text (a footer layout); where it comes back in the block
  below the next header line, the next comment answers it (a header layout). The side with
  ``LAYOUT_VOTES_MIN`` such names or more, and more than twice the other side's, decides.
- ``accept_thread``: no comment holds an article's worth of prose (more than ``MAX_COMMENT_PROSE``
  prose lines: a "thread" of related-story headers whose last "comment" runs on into the article) or
  a list of dates (more than ``MAX_COMMENT_DATES`` date lines: a sidebar's archive of months).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tasks.extract.parse import _Comment, _Page

THREAD_SENTENCE_SHARE = 0.5
"""The share of a thread's comments whose text must hold a sentence that is not a header line."""
SMALL_THREAD = 5
"""A thread of at most this many comments, most of them not headed (``_headed``), is refused when fewer than
half hold prose and one reads as a list (``_list_like``)."""
LIST_MIN_LINES = 3
"""A comment of this many text lines or more, none of them prose, reads as a list (``_list_like``)."""
MAX_COMMENT_PROSE = 30
"""A comment holds at most this many prose lines (the longest readers' comments of the labelled pages
hold 15)."""
TITLE_MIN_WORDS = 4
"""A name-like line of this many words or more reads as a title (``titled_lines``)."""
TITLE_SHARE = 0.5
"""A thread with little evidence (``_evidenced``) is refused when this share of its comments are headed by a
line that reads as a title (``_Page.titled``) and heads no other comment."""
_PHRASE_CASE = r"^\p{Lu}\S*\s(?:.*\s)?\p{Ll}"
"""A phrase's case: a capital first, then a word in lower case ("How to make it", "Le projet de loi")."""
OWN_TEXT_SHARE = 0.5
MIN_REPEATED_THREAD = 3
"""A thread of ``MIN_REPEATED_THREAD`` comments or more is refused when fewer than ``OWN_TEXT_SHARE`` of them hold
a text line of their own (``own_texts``)."""
SECTION_PROSE_LINES = 2
"""A comment of this many prose lines or more reads as an article's section (``sectioned_article``)."""
SECTION_SHARE = 0.5
"""A thread with little evidence is refused when this share of its comments read as an article's sections and no
header line heads two of them (``sectioned_article``)."""
MAX_COMMENT_DATES = 8
"""A comment holds at most this many date lines, in its header, meta and text (the labelled pages'
comments hold at most 3)."""

LAYOUT_VOTES_MIN = 2
"""Names answered on one side of their header lines (``layout_votes``) that decide a run's layout."""
ADDRESS_CHARS = 80
"""The characters of a text block read for a name it answers: readers address the one they answer first ("Danke
Gitta!", "Eric, cool."), and sign their own text last ("... kisses, Paola")."""
NAME_WORD_MIN = 3
"""A header line's name is its first word of this many letters or more ("Anna K." -> "Anna", "@kpeterlka"), cut
where a capital follows a small letter ("EricTTung" -> "Eric", "IwonaMay 30, 2019" -> "Iwona")."""
NAME_BLOCKS_SHARE = 1 / 4
"""A name word found in more than this share of a run's blocks casts no vote: a word of the language ("The Yum
List"), or the owner's name that every reader writes."""
_NAME_WORD = re.compile(rf"[^\W\d_]{{{NAME_WORD_MIN},}}")


@lru_cache(maxsize=8192)
def name_word(line: str) -> str | None:
    """The word of a header line that a reader answering its author would write (see ``NAME_WORD_MIN``); None if
    it has none."""
    found = _NAME_WORD.search(line)
    if found is None:
        return None
    word = found.group(0)
    cut = next((k for k in range(1, len(word)) if word[k].isupper() and word[k - 1].islower()), len(word))
    return word[:cut] if cut >= NAME_WORD_MIN else None


def _answers(word: str) -> re.Pattern[str]:
    """The pattern of ``word`` answered in a text: as a whole word; written with a capital where the header
    writes one ("Rose" is not "rose"), in any case where the header writes it small ("jeuys" answered "Jeuys")."""
    escaped = re.escape(word)
    return re.compile(rf"(?<!\w){escaped}(?!\w)" if word[0].isupper() else rf"(?i)(?<!\w){escaped}(?!\w)")


def _opening(p: _Page, block: Sequence[int]) -> str:
    """The first ``ADDRESS_CHARS`` characters of the text lines ``block``, joined by a space."""
    parts: list[str] = []
    size = 0
    for i in block:
        parts.append(p.raw[i])
        size += len(p.raw[i]) + 1
        if size > ADDRESS_CHARS:
            break
    return " ".join(parts)[:ADDRESS_CHARS]


def layout_votes(p: _Page, heads: Sequence[int], blocks: Sequence[Sequence[int]]) -> tuple[int, int]:
    """How many header lines of a run read as footers and how many as headers, by the names readers answer.

    Args:
        p: the page (reads ``_Page.raw``, the lines' texts; no vote without them).
        heads: the run's author lines, in order.
        blocks: the text lines of the ``len(heads) + 1`` blocks around them: above the first header, between
            each two, below the last.

    Returns:
        ``(foot, head)``: the header lines whose name (``name_word``) the block just below them names within its
        first ``ADDRESS_CHARS`` characters (that block answers them: a footer layout), and those whose name the
        block below the next header line names (the next comment answers them: a header layout); a name found
        in more than ``NAME_BLOCKS_SHARE`` of the blocks is no vote.
    """
    if len(p.raw) == 0 or len(blocks) != len(heads) + 1:
        return 0, 0
    texts = [_opening(p, block) for block in blocks]
    joined = "\n".join(texts)
    folded = joined.casefold()
    foot = head = 0
    for k, line in enumerate(heads):
        word = name_word(p.raw[line])
        if word is None or (word not in joined if word[0].isupper() else word.casefold() not in folded):
            continue  # most names come back in no block: no pattern to run
        named = _answers(word)
        found = [named.search(text) is not None for text in texts]
        if sum(found) > NAME_BLOCKS_SHARE * len(texts):
            continue
        foot += found[k + 1]
        head += k + 2 < len(texts) and found[k + 2]
    return foot, head


def titled_lines(frame: pl.DataFrame, name_like: pl.Series) -> pl.Series:
    """Which lines of ``frame`` (reads ``text``, ``f_words``) that ``name_like`` marks read as a title rather
    than a name: ``TITLE_MIN_WORDS`` words or more, or a phrase's case (``_PHRASE_CASE``); false on the other
    lines. The case regex runs only on the shorter name-like lines."""
    like = name_like.fill_null(value=False).to_numpy()
    long = frame.select(pl.col("f_words").fill_null(0) >= TITLE_MIN_WORDS).to_series().to_numpy()
    titled = like & long
    short = pl.Series(np.flatnonzero(like & ~long))
    titled[short.to_numpy()] = frame.select("text").gather(short).select(
        pl.col("text").str.contains(_PHRASE_CASE).fill_null(value=False)).to_series().to_numpy()
    return pl.Series("titled", titled)


def reader_sentences(p: _Page, comments: Sequence[_Comment]) -> int:
    """How many of ``comments`` hold a text line that reads as a sentence and is not a header line."""
    return sum(any(p.sentence[i] and i not in p.headers for i in c.text) for c in comments)


def count_agrees(p: _Page, comments: Sequence[_Comment]) -> bool:
    """Does the page state a comment count equal to the number of ``comments`` ("45 Comments" over 45)?

    A thread that the page's own count confirms needs no sentence share: a thread of one-word answers
    (a giveaway's secret word, "+1", names) is still the readers' thread the page says it holds.
    """
    n = len(comments)
    return any(p.count[i] == n for i in p.counts)


def reads_as_writing(p: _Page, comments: Sequence[_Comment]) -> bool:
    """Do ``THREAD_SENTENCE_SHARE`` of ``comments`` hold a reader's sentence (``reader_sentences``), or does the
    page's stated count confirm the thread (``count_agrees``)? The one sentence test of a found thread, read by
    the finders' choice of a thread (``tasks.extract.parse._reads_as_thread``) and by ``accept_thread``."""
    return reader_sentences(p, comments) >= THREAD_SENTENCE_SHARE * len(comments) or count_agrees(p, comments)


def _headed(p: _Page, c: _Comment) -> bool:
    """Is comment ``c`` headed by a header line (``_Page.headers``) or dated (a date line in its meta)?"""
    return (c.author is not None and c.author in p.headers) or any(p.date[i] for i in c.meta)


def _evidenced(p: _Page, c: _Comment) -> bool:
    """Is comment ``c`` headed by a header line (``_Page.headers``: "NAME says", "by NAME", "NAME DATE"), or
    does its meta hold a comment control ("Reply", "Like")? A date alone is no evidence: teasers are dated."""
    return (c.author is not None and c.author in p.headers) or any(p.rule[i] == "comment_chrome" for i in c.meta)


def titled_headers(p: _Page, comments: Sequence[_Comment], *, counted: bool = True) -> bool:
    """Do fewer than half of ``comments`` have evidence of a thread (``_evidenced``, or the page's count equal
    to their number), and ``TITLE_SHARE`` of them a header line that reads as a title (``_Page.titled``) and
    heads no other of them? With ``counted`` False the page's count is no evidence: a finder that chose
    as many comments as the count states (``tasks.extract.parse._alternating``) cannot be confirmed by it."""
    n = len(comments)
    if 2 * sum(_evidenced(p, c) for c in comments) >= n or (counted and count_agrees(p, comments)):
        return False
    heads = Counter(p.text[c.author] for c in comments if c.author is not None)
    return sum(c.author is not None and p.titled[c.author] and heads[p.text[c.author]] == 1
               for c in comments) >= TITLE_SHARE * n


def _list_like(p: _Page, c: _Comment) -> bool:
    """Does comment ``c`` read as a list: ``LIST_MIN_LINES`` text lines or more, none of them prose?"""
    return len(c.text) >= LIST_MIN_LINES and not any(p.prose[i] for i in c.text)


def sectioned_article(p: _Page, comments: Sequence[_Comment]) -> bool:
    """Do ``comments`` read as a sub-headed article: fewer than half of them headed (``_headed``) or with a comment
    control (``_evidenced``), no header line heading two of them (a stated count equal to their number is no
    evidence: it may count a thread the page does not print), and ``SECTION_SHARE`` of them holding
    ``SECTION_PROSE_LINES`` prose lines or more?"""
    n = len(comments)
    if (2 * sum(_headed(p, c) or _evidenced(p, c) for c in comments) >= n
            or sum(sum(p.prose[i] for i in c.text) >= SECTION_PROSE_LINES for c in comments) < SECTION_SHARE * n):
        return False
    heads = Counter(p.text[c.author] for c in comments if c.author is not None)
    return not heads or heads.most_common(1)[0][1] == 1


def own_texts(p: _Page, comments: Sequence[_Comment]) -> int:
    """How many of ``comments`` hold a text line of their own: a line whose text no comment by another author
    repeats. A reader who posts the same text twice (a double post, printed twice under one name) keeps it as
    their own; widget lines repeat under every name. A comment without an author line is its own author."""
    writers: dict[int, set[object]] = {}
    for k, c in enumerate(comments):
        writer: object = ("comment", k) if c.author is None else p.text[c.author]
        for i in c.text:
            writers.setdefault(p.text[i], set()).add(writer)
    return sum(any(len(writers[p.text[i]]) == 1 for i in c.text) for c in comments)


def accept_thread(p: _Page, comments: Sequence[_Comment]) -> bool:
    """Does the thread ``comments`` (found on page ``p``) ship? An empty thread does (nothing to ship);
    see the module docstring for what a found one needs."""
    n = len(comments)
    if n == 0:
        return True
    if not reads_as_writing(p, comments) or titled_headers(p, comments) or sectioned_article(p, comments):
        return False
    if n >= MIN_REPEATED_THREAD and OWN_TEXT_SHARE * n > own_texts(p, comments):
        return False
    for c in comments:
        if (sum(p.prose[i] for i in c.text) > MAX_COMMENT_PROSE
                or sum(p.date[i] for i in (*c.meta, *c.text)) > MAX_COMMENT_DATES):
            return False
    if n <= SMALL_THREAD and 2 * sum(_headed(p, c) for c in comments) < n:
        with_prose = sum(any(p.prose[i] for i in c.text) for c in comments)
        return 2 * with_prose >= n or not any(_list_like(p, c) for c in comments)
    return True
