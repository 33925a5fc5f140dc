"""Page parsing: place each tagged line in the title, the body or a comment, then build the outputs.

``segment_pages`` reads ``LINES`` (as ``tasks.extract.boilerplate.strip_boilerplate`` made them) and fills
``region`` (title, body, comment_author, comment_text, comment_meta) and ``comment_position``.
``parse_articles`` and ``parse_comments`` turn the segmented lines into ``PARSED_ARTICLES`` and
``PARSED_COMMENTS`` rows.

How a page is segmented (per page, linear in its lines):

1. Comments. Header lines are found by pattern: "NAME says:" lines, "NAME DATE" lines, or standalone
   date lines next to a name line (before or after it, whichever the page uses); and by repetition,
   whatever the language: name lines that share their closing word ("NAME said...", "NAME schrieb:",
   "NAME, DATE Reply"), and lines that open with a date in a shape the page repeats ("17.10.2019,
   14:14 Reply Quote #"). A run of headers with text between them is a comment list when the page
   gives evidence for it (a stated count such as "18 Comments", a comments heading, "says" lines, or
   reply buttons) and its texts read as readers' writing (sentence ends, not a teaser list's headlines
   under one repeated label). Headers may be footers ("Posted by: NAME | DATE" under each comment): a
   comments heading followed by text before the first header says so, and each comment is then the
   text above its header. Without dates (wpDiscuz-style widgets print only the name), the stated count
   picks the author lines: a dynamic programme chooses exactly that many name-like lines, never two in
   a row, preferring names that repeat on the page. Where these rules find no thread, a learned
   comment-header classifier (``tasks.extract.comment_headers``, on those pages only) takes over: a run of at
   least ``LEARNED_MIN_COMMENTS`` of its headers at regular distances whose texts read as readers'
   writing is the thread (``_learned_thread``). Authors lose the words
   most headers of the page share ("Posted by:", "said..."), a date glued on, and what follows a
   separator.
2. Body. Above the comments, a maximum-sum window over line weights (prose lines weigh their word count,
   boilerplate and short lines weigh negative, strong breaks such as "Related posts" or a comment form cannot
   be crossed) picks the article text; a stated count or comments heading under the article's prose ends it
   too, whether or not a thread is found under it (``OPENER_PROSE_MIN``). A short tail after the window's last
   gap of short or stripped lines (an author box, tags, a form) is cut; inside the window, short lines the
   page repeats (widget labels), lone headlines (captions, teasers: long lines that are no sentence, with no
   paragraph or list item beside them) and teaser boxes (headlines in a row under a label) are left out; the
   standfirst between the title and a window that starts a little below it is taken in; a window that opens
   above the page's title and holds it starts under it when a byline or date line stands under the title
   (``_under_title``).
3. Title. A learned ranker (``tasks.extract.titles``) scores the kept lines from 30 lines above to 6 below the
   body's first line on shape, position, evidence (breadcrumb, comment-count quote, repetition, the URL's
   slug) and neighbours (teaser runs, a date or byline below); the best one is the title.

Where the time goes: the line patterns run in polars over all lines of the shard (``line_features``),
each on a sub-frame of the lines that can match it (a regex search in polars scans every value of a
column, also those a ``when`` masked to null). Step 1 runs per page in Python over plain lists of those
columns (``_Page``), first the rules on the pages that may hold a comment list (rule evidence), then the
comment-header classifier on the pages where they found none: an upper bound of its scores without its
costly repetition features, then the full scores on the few pages where three lines pass it
(``_learned_candidates``); each from a little above their first header, date or count line;
steps 2 and 3 run in polars over all pages at once (``_body_windows``,
``tasks.extract.titles.candidate_features``; the ranker is one matrix product). Polars releases the GIL, so the
Python part is what keeps two parse tasks on two threads from running side by side.
"""

from __future__ import annotations

import itertools
import logging
import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from schemas.parsed import LINES, PARSED_ARTICLES, PARSED_COMMENTS
from schemas.validate import cast_to, empty_frame, polars_schema
from tasks.distinct import distinct_values, map_distinct
from tasks.extract import selectors
from tasks.extract.authors import NAME_MAX_CHARS, NAME_MAX_WORDS, clean_authors
from tasks.extract.comment_headers import FEATURE_COLUMNS as HEADER_COLUMNS
from tasks.extract.comment_headers import GAP_MAX as HEADER_GAP_MAX
from tasks.extract.comment_headers import header_features, line_scores
from tasks.extract.comment_headers import load_model as load_header_model
from tasks.extract.dates import parse_date
from tasks.extract.threads import (
    LAYOUT_VOTES_MIN,
    LIST_MIN_LINES,
    THREAD_SENTENCE_SHARE,
    accept_thread,
    layout_votes,
    reader_sentences,
    reads_as_writing,
    titled_headers,
    titled_lines,
)
from tasks.extract.titles import candidate_features, load_model, rank_titles
from tasks.extract.words import count_words, with_word_counts

logger = logging.getLogger(__name__)


TITLE = "title"
BODY = "body"
COMMENT_AUTHOR = "comment_author"
COMMENT_TEXT = "comment_text"
COMMENT_META = "comment_meta"

TITLE_MAX_CHARS = 220
EVIDENCE_WINDOW = 20
UNPLACED = "unplaced"
STRIPPED_WEIGHT = -2.0
SHORT_LINE_WEIGHT = -1.5
ISOLATED_PROSE_FACTOR = 0.5
LIST_ITEM_MIN_WORDS = 8
LIST_ITEM_WEIGHT = 0.0
RELATED_LIST_FACTOR = 0.25
RELATED_LIST_REACH = 3
"""Body window weights: boilerplate and short lines cost, long list or table lines are neutral, prose
earns its word count (half when no prose line is next to it, as in teaser lists). All weights are
multiples of 0.5, which keeps the window sums of ``_body_windows`` exact."""
MAX_NAME_ONLY = 1000
MAX_COUNT_LINES_TRIED = 3
"""Bounds on the name-only search (its cost is lines x stated count): the largest count believed and
how many count lines (from the last) are tried."""
MIN_COMMENTS = 2
"""A comment list needs this many comments unless the page states a matching count."""
LEARNED_MIN_COMMENTS = 3
"""A thread found from the learned headers alone (``_learned_thread``) needs this many comments."""
ALTERNATING_TITLED_MIN = 3
"""A thread of a stated count's name lines (``_alternating``) of this many comments or more is refused when its
headers read as titles (``tasks.extract.threads.titled_headers``, the count no evidence: the finder chose as
many comments as it states). Two comments, one of them under a sign-off line that reads as a title, are too
few to tell."""
CHROME_BAR_REACH = 2
"""Lines below a comment control within which another one makes a widget bar (``_chrome_bar``)."""
SAME_HEAD_MIN = 3
"""A thread of this many comments or more, more than two thirds of them under one header line, is a list under a
repeated label (``_reads_as_thread``)."""
NAME_THREAD_MIN = 4
"""Name lines a thread of name lines alone needs (``_name_thread``)."""
BARE_THREAD_MIN = 5
"""Comments a thread of name lines with no comment cue on its page needs (``_bare_name_thread``)."""
BARE_IN_A_ROW_SHARE = 0.25
"""A thread of name lines with no comment cue is refused when more than this share of its neighbouring comments
are under the same name (``_bare_name_thread``)."""
BARE_OPENING_SHARE = 2 / 3
"""A thread of name lines with no comment cue needs this share of its comments to open on a line that reads as
a sentence or is prose (``_bare_name_thread``)."""
BARE_TOP_SHARE = 0.5
"""No name heads more than this share of a thread of name lines with no comment cue (``_bare_name_thread``)."""
BARE_NAMES_MIN = 3
"""Different names a thread of name lines with no comment cue needs (``_bare_name_thread``): two labels in turn
are a list's."""
FINDERS = ("both", "rules", "learned")
"""What finds comments on the text path: the rules, else the learned headers (``both``, the default), or
one of them alone (``rules``, ``learned``: for measuring them)."""
FOOTER_REACH = 80
"""How far above a comment list's first header the finder looks for its heading when the headers may be
footers (the first comment's text lies between them, so the reach is longer than ``EVIDENCE_WINDOW``)."""
FOOTER_BLOCK_MIN = 2
"""Text lines between a comments heading and a run's first header from which they read as the first comment's
text of a footer layout when the run's last header leaves a name line under its text (``_trailing_footer``)."""
SENTENCE_MIN_WORDS = 20
COMMENT_REACH = EVIDENCE_WINDOW + 1
"""The comment finder reads no line more than this many lines above a page's first header, date or count
line (its evidence and stated count are looked for in the ``EVIDENCE_WINDOW`` lines above a comment list,
whose first header may be the name line just above a date)."""

_COMMENT_BREAKS = frozenset({"comment_form", "footer", "related", "newsletter", "cookie", "taxonomy",
                             "pagination", "profile_body_end"})
_SECTION_BREAKS = _COMMENT_BREAKS - {"comment_form"}
"""Breaks that end a comment section's reach upward: evidence above one of them is for another section."""
_SOFT_BREAKS = frozenset({"related", "newsletter", "taxonomy"})
"""Breaks that boxes inside an article also print ("Join our newsletter", "More from ..." above a few
links, "Related Topics" or "Tags:" above a few topic links): crossable when the article goes on right under
them. A tag box printed between two halves of the article (a page that repeats its tag box, or a layout
that places it mid-article) no longer halves the body; the footer, cookie and pagination breaks stay strong
(crossing them took in text under the article on open pages)."""
_BODY_BREAKS = selectors.STRONG_BREAKS | {"profile_body_end", "profile_comments_start"}
SOFT_BREAK_WEIGHT = -20.0
SOFT_BREAK_REACH = 8
"""A soft break is crossable (at ``SOFT_BREAK_WEIGHT``) when two consecutive prose lines start within this
many lines under it; otherwise it ends the body like any strong break."""
OPENER_PROSE_MIN = 40.0
OPENER_PROSE_SHARE = 0.25
"""A comment section's opener (a stated count, "12 Comments", or a comments heading, "Leserkommentare") ends the
body when the best window above it sums to ``OPENER_PROSE_MIN`` or more and to ``OPENER_PROSE_SHARE`` of the
page's best window or more (the article's prose lies above it: an opener in a menu or a share bar over the
article has no more than a standfirst above it), and no two consecutive prose lines start within
``SOFT_BREAK_REACH`` lines under it (the article does not go on under it as under a sub-heading); whether or
not a thread is found under it (``_opener_limits``)."""
TEASER_REACH = 2
TEASER_MIN_ITEMS = 3
"""A teaser run: ``TEASER_MIN_ITEMS`` long lines that are no prose or end in "?" or "!" (headlines: teasers ask
and exclaim, "... are YOU affected?") among a line and its ``TEASER_REACH`` neighbours each side; its items
(those that are no prose) weigh ``TEASER_WEIGHT`` and its prose counts as isolated."""
LONG_TEASER_REACH = 3
LONG_TEASER_MIN_ITEMS = 5
"""A long teaser run (``LONG_TEASER_MIN_ITEMS`` items among ``LONG_TEASER_REACH`` neighbours each side):
its prose lines are teaser texts, weighed by ``TEASER_PROSE_FACTOR``."""
TEASER_WEIGHT = -2.0
TEASER_PROSE_FACTOR = 0.0
TEASER_HEAD_MIN_WORDS = 4
TEASER_BLURB_MAX_WORDS = 30
TEASER_BLURB_REACH = 4
"""A teaser blurb: an isolated prose line under ``TEASER_BLURB_MAX_WORDS`` words right under a non-prose line
of ``TEASER_HEAD_MIN_WORDS``+ words not ending in a full stop (a headline; a short sentence of the article ends
in one), with another blurb two to ``TEASER_BLURB_REACH`` lines above or below (headline, blurb, headline,
blurb; or with a label or a "read more" line per item: label, headline, blurb, link); it weighs by
``TEASER_PROSE_FACTOR``."""
REPEATED_LABEL_MAX_WORDS = 4
"""A line of at most this many words that the page prints more than once ("Article content", "Save",
"View 6 Images" between paragraphs) is a widget label, left out of the body even inside its window;
lines ending in ":" or a bracket (speaker labels of an interview, code) are kept."""
_LONE_HEADLINE_END = tuple('.!?…:;"”»’)]。！？」』')
"""A line of ``LIST_ITEM_MIN_WORDS``+ words that does not end like this, with no prose line and no such long
line right above or below it, is a lone headline: a caption, a teaser or a widget line inside the article,
left out of the body (a list's items have list items next to them; a sub-heading has its paragraph under it)."""
_CREDIT_TAILS = (
    r"\([^()]{0,60}/[^()]{0,60}\)$",  # "… in 2011. (Adel Hana/Associated Press)", "(dpa/picture alliance)"
    r"[.!?][\"”»’]?\s+[^\s\d.!?:;]*[^\s\d.!?:;/]/[^\s\d.!?:;]+(?:\s[^\s\d.!?:;]+){0,3}$",  # "… am Ende. IMAGO/N. N."
    r"©\s*[^.!?©]{2,80}$",  # "… 14 von 75 Kindern © VS Tristach"
    r"\s\|\s[^|]{2,40}\s\|\s[^|]{2,40}$",  # "Francesco Carta Fotografo | Moment | Getty Images"
    r"（[^（）]{1,30}(?:撮影|提供)）$",  # "…霞ケ関で（潟沼義樹撮影）", "…吉田孝太技官（警視庁提供）"
)
"""A line that ends with a picture credit (a name and an agency in brackets with a slash, a "Photo:" or "©"
tail, a slashed credit after the last sentence, three names between bars) is an image caption: left out of the
body even inside its window, like a lone headline. Body sentences end with their own words, not with whose
picture it is."""
_PHOTO_LABEL = r"(?i:foto|photo(?:graph)?|bild|video|kuva)s?\s*:"
"""Labels of a credit at a line's end. Not ``selectors``' bracketed-credit labels: "Quelle:" (source) closes
body lines too, and reading it here dropped one on an open page."""
_PHOTO_CREDITS = (
    rf"{_PHOTO_LABEL}\s*[^.!?:]{{2,80}}$",  # "… am Montag. Foto: Felix Zahn/imago"
    rf"[.!?]\s*{_PHOTO_LABEL}\s*[^!?]{{2,160}}$",  # "… von LOEWE.Foto: N. N. Styling: N. N."
)
"""Credit tails after a photo label, read only on the lines holding the label (the second pattern, which opens
with a sentence end, costs as much as all the others when run on every line)."""
_STORY_LINK_RE = r"^[^|.!?]{2,40}\s\|\s[^|]{10,}[^.!?;|]$"
"""A short label, a bar and a headline with no sentence end ("WATCH | Ceasefire talks stalled as …", "READ ALSO |
…" in any language) is a link to another story printed inside the article: left out of the body like a caption."""
_ASIDE_LINES = (*_CREDIT_TAILS, _STORY_LINK_RE)
"""Run one by one (as one alternation they cost the regex engine some thirty times more), and only on the lines
holding one of ``_ASIDE_CHARS`` (or ending with the full-width bracket), which each of them needs."""
_ASIDE_CHARS = r"[/©|]|）$"
_AGENCY_TAIL_END = r"\p{L}[.!?。][\"”»’]?\s+(?:\p{Lu}[\p{Lu}\d]+|\p{Lo}[\p{Lo}\d]*)$"
_AGENCY_TAIL_RE = rf"^(?:\S+\s+){{7}}.*{_AGENCY_TAIL_END}"
"""A line of ``LIST_ITEM_MIN_WORDS``+ words whose last sentence is followed by one word in capitals or in a script
without letter case ("… in Sweidah. SRF", "… 있다. 연합뉴스"): the agency or broadcaster of a picture, a caption.
A paragraph's own last word is part of its last sentence; a sign-off ("… Thanks. x", "… Grüße. lg") is lower
case, and an initial ("Jennifer L. Armentrout") is one letter before its full stop, not a word."""
_CUT_LINK_RE = r"(?:…|\.\.\.)\s*[^\s.…!?:;\"”»’)\]]+(?:\s+[^\s.…!?:;\"”»’)\]]+){0,3}$"
"""A teaser blurb cut short with a link after it: an ellipsis, then one to four words and no sentence end ("… over
the last few… Read more", "…mehr", "… Lire la suite"). A sentence of the article that trails off ends with the
ellipsis or goes on to a sentence of its own ("… costs money... a lot of money." ends with a full stop)."""
STAMP_MAX_WORDS = 11
_CLOCK_RE = r"\d{1,2}:\d{2}"
"""A clock time with a colon ("12:19"; a dot or an "h" would read dates and scores as times too)."""
_STAMP_RE = _CLOCK_RE + r"|\d{1,2}\s*[時时]\s*\d{1,2}\s*分|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{1,2}\s*월\s*\d{1,2}\s*일"
STAMP_MAX_CHARS = 120
_CJK_DATE_PART = r"\d+\s*[年月日時时分秒월일시분초]"
"""A stamp line: a line of at most ``STAMP_MAX_WORDS`` words (not counting ``_CJK_DATE_PART``s) that
holds a calendar date (``f_has_date``: ``selectors.DATE_RE``) or a clock time or a date written with the
CJK unit signs (``_STAMP_RE``: "12:19", "01時28分", "1月14日", "5월 10일"), with no such line right above or
below it: a date line the date patterns do not read as one ("Publiziert heute um 12:19 Uhr", "2025年1月14日
01時28分 (1月14日 01時40分更新)", "Tobias Mühlbauer24.04.2024, 19:35 Uhr"), a video's duration ("Duration 1:30",
"01:43 min") or a tweet's signature line. It is left out of the body like a caption. Lines of dated
items one under the other (a timeline, a schedule) are a list of the article and stay. The evidence is
digits and unit signs, not words of one language."""
SELF_REPEAT_MAX = 3
SELF_REPEAT_MIN_WORDS = 4
"""A line of ``SELF_REPEAT_MIN_WORDS``+ words that is one phrase printed two to ``SELF_REPEAT_MAX`` times, a space
between ("Jane Doe Jane Doe", a headline three times over: a link's text, its image's alt text and its title), is
a teaser link or an author badge rendered from a widget, left out of the body like a caption. Prose does not
say the same words twice in a row."""
TRUNCATED_MIN_CHARS = 20
TRUNCATED_MIN_LINES = 3
"""Teaser blurbs cut to a fixed width: ``TRUNCATED_MIN_LINES``+ lines of a page that end with "..." or "…" and
have the same length, ``TRUNCATED_MIN_CHARS``+ characters (a list of other stories, each blurb cut at the same
character), are left out of the body, and weigh in the body window as no prose (a list of them under the article,
headline, blurb and date, does not pull the window into it). An author's own trailing-off sentences vary in length."""
TAIL_GAP_LINES = 3
TAIL_MAX_WORDS = 100
TAIL_MAX_SHARE = 4
"""A window's tail: what follows a run of ``TAIL_GAP_LINES``+ lines that are stripped or short and not prose.
When it holds at most ``TAIL_MAX_WORDS`` words and at most 1/``TAIL_MAX_SHARE`` of the window's, it is an
author box, a tag list, a form or a teaser after the article (its few positive weights paid for the gap),
and the window ends above the gap; of several such gaps, above the first (a newsletter form and a teaser
under an author line are two short tails, one after the other)."""
HEAD_MAX_WORDS = 100
HEAD_MAX_SHARE = 4
"""A window's head: what precedes its first run of ``TAIL_GAP_LINES``+ gap lines (stripped or short lines, not
prose). When it holds at most ``HEAD_MAX_WORDS`` words and at most 1/``HEAD_MAX_SHARE`` of the window's, it is
a caption, a byline box, a teaser or a widget above the article, and the window starts under the gap."""
BIO_NAME_MAX_WORDS = 4
BIO_REACH = 8
_NAME_WORDS = r"^\W*(\w+)(?:.*?(\w+))?\W*$"
"""An author box under the article: a line of at most ``BIO_NAME_MAX_WORDS`` words (a name) right above a line of
``LIST_ITEM_MIN_WORDS``+ words that opens with the name's first or last word ("Jane Doe" / "Jane Doe covers the
city council ...", "THOMAS BEAUMONT" / "Beaumont covers ...", "alysha" / "Alysha is ..."): a writer's bio, in any
script that separates its words; or a name of two words or more over a role line of at most ``BIO_NAME_MAX_WORDS``
words and a line of ``LIST_ITEM_MIN_WORDS``+ words ("Jane Doe" / "Reporter" / "Since 2019 at the paper ..."). Either
way the page prints the name in another line too (the byline). Read on the window's last ``BIO_REACH`` lines. Where
what follows the name is a tail (``TAIL_MAX_WORDS``, ``TAIL_MAX_SHARE``), the window ends above the name, as it
does above a gap."""
TEASER_BOX_MIN_ITEMS = 3
"""A teaser box inside the article: this many headlines (lines of ``LIST_ITEM_MIN_WORDS``+ words, not prose, not
ending like a sentence) in a row right under a label ("Editor's picks", "RELATED COVERAGE": a stripped line
or one of at most ``REPEATED_LABEL_MAX_WORDS`` words not ending in ":", ".", "," or ";"); its lines are left
out of the body. A list the article introduces ("Ingredients:", "Here is how:") opens under a colon."""
COPIED_BOX_MIN_LINES = 3
"""A box the page prints twice: this many lines in a row (lines of ``COPIED_LINE_MIN_WORDS``+ words, not stripped),
each of whose text the page prints elsewhere too (a teaser list shown both in the article and in a sidebar, a
menu printed twice): its lines are left out of the body even inside its window. An article's own sentences
quoted once more (a pull quote) are a line or two, not such a run; lines ending in ":" or a bracket (code,
speaker labels: ``_REPEATED_KEPT_END``) are kept."""
COPIED_LINE_MIN_WORDS = 2
LIST_MIN_ITEMS = 2
LIST_MAX_ITEMS = 60
LIST_LONG_SHARE = 3
"""A list the article introduces at its end: where the body's last line, or the kept line right under it, ends
with ":" ("Ingredients for 4 portions:", "Location:", "… a few more tips:"), the run of kept lines under it that
are neither prose nor dates nor stripped (``LIST_MIN_ITEMS`` to ``LIST_MAX_ITEMS`` of them, at most one in
``LIST_LONG_SHARE`` of ``LIST_ITEM_MIN_WORDS``+ words) joins the body: ingredients, an address, names. A run of
headlines under "Related:" or of share links under "Share:" is of long lines, and one under a stripped label
is no candidate."""
LEDE_REACH = 20
_LEDE_END = tuple('.!?…"”»’。！？」』')
"""The standfirst: where the body window starts at most ``LEDE_REACH`` lines under the title, the first kept line of
``LIST_ITEM_MIN_WORDS``+ words between them (bylines, dates and share buttons are shorter or stripped; a line
holding a date and a clock time is a dateline whatever its length) is the article's summary when it ends like a
sentence and no caption line follows it; it joins the body."""


# --------------------------------------------------------------------------------------------------
# Line features (vectorised)
# --------------------------------------------------------------------------------------------------


_TAIL_RE = rf"(?i){selectors.AUTHOR_DATE_TAIL_RE}"
_DATE_BY_RE = rf"(?i){selectors.DATE_BY_RE}\S"
_BY_AUTHOR_HEAD_RE = rf"(?i){selectors.BY_AUTHOR_HEAD_RE}\S"
_SAYS_END_RE = rf"(?i)(?:{selectors.SAYS_ALT})\s*:?\s*$"
_BY_WORD_RE = rf"(?i){selectors.BY_RE}\s+\S"


def _author_end(frame: pl.DataFrame, column: str, start: str, out: str) -> pl.DataFrame:
    """Add ``out``: the end (in characters) of the shortest author of ``AUTHOR_DATE_LINE_RE`` in ``column``
    that starts at column ``start``; null when no author of at most ``AUTHOR_DATE_MAX_AUTHOR`` characters
    (and no line break) is followed by the tail (separator, date, "| Permalink" to the end of the line)."""
    text, first = pl.col(column), pl.col(start)
    # the leftmost match of the tail (which reaches the end of the line) starts where the shortest author ends
    frame = frame.with_columns(_ad_rest=text.str.slice(first + 1)).with_columns(
        _ad_head=pl.col("_ad_rest").str.replace(_TAIL_RE, "").str.len_chars()
    )
    end = first + 1 + pl.col("_ad_head")
    valid = (
        (pl.col("_ad_head") < pl.col("_ad_rest").str.len_chars())
        & (end - first <= selectors.AUTHOR_DATE_MAX_AUTHOR)
        & ~text.str.slice(first, end - first).str.contains("\n", literal=True)
    )
    return frame.with_columns(pl.when(valid).then(end).alias(out)).drop("_ad_rest", "_ad_head")


def author_date(frame: pl.DataFrame, column: str, *, with_date: bool = True) -> pl.DataFrame:
    """Add ``_ad_author`` and (``with_date``) ``_ad_date``: the groups of ``AUTHOR_DATE_LINE_RE`` in
    ``column`` (null where it does not match).

    The same groups as ``str.extract_groups(AUTHOR_DATE_LINE_RE)``, for a fraction of the cost: the
    regex engine cannot run a lazy, bounded author in front of the large date alternation on its fast
    path. The pattern tries the comment number ("12. ") first, then the shortest author that the tail
    can follow; here the tail is searched from one character after the author's start, and its
    leftmost match gives the shortest author. Give it only the rows that can match: polars' regex
    search runs over every row of a column, null or not.
    """
    text = pl.col(column)
    frame = frame.with_columns(
        _ad_number=text.str.extract(rf"^({selectors.LINE_NUMBER_RE})\S", 1).str.len_chars(),
        _ad_zero=pl.when(text.str.contains(r"^\S")).then(pl.lit(0, dtype=pl.UInt32)),
    )
    frame = _author_end(frame, column, "_ad_number", "_ad_end_number")
    frame = _author_end(frame, column, "_ad_zero", "_ad_end_zero")
    numbered = pl.col("_ad_end_number").is_not_null()
    frame = frame.with_columns(
        _ad_start=pl.when(numbered).then(pl.col("_ad_number")).otherwise(pl.col("_ad_zero")),
        _ad_end=pl.when(numbered).then(pl.col("_ad_end_number")).otherwise(pl.col("_ad_end_zero")),
    )
    start, end = pl.col("_ad_start"), pl.col("_ad_end")
    found = pl.when(end.is_not_null()).then(text)
    groups = [found.str.slice(start, end - start).alias("_ad_author")]
    if with_date:
        groups.append(found.str.slice(end).str.extract(rf"(?i)^{selectors.AUTHOR_DATE_TAIL_RE}", 1).alias("_ad_date"))
    return frame.with_columns(groups).drop(
        "_ad_number", "_ad_zero", "_ad_end_number", "_ad_end_zero", "_ad_start", "_ad_end"
    )


def _header_features(short: pl.DataFrame) -> pl.DataFrame:
    """The comment-header features of short lines (``_row``, ``text``, ``_chars``, ``f_has_date``):
    ``_row`` with ``f_says``, ``f_ad_author`` and ``f_by_author``, for the lines that have one."""
    text, chars = pl.col("text"), pl.col("_chars")
    # a "says" line ends with a say-verb and is short (its pattern bounds it under 200 characters)
    says = short.filter((chars <= 200) & text.str.contains(_SAYS_END_RE)).select(
        "_row", f_says=text.str.extract(selectors.SAYS_LINE_RE, 1).str.strip_chars()
    )
    # the author+date patterns need a date: run them only on short lines that hold one
    dated = short.filter(chars <= 160)
    dated = pl.concat([
        dated.filter(pl.col("f_has_date")),
        dated.filter(~pl.col("f_has_date")).filter(text.str.contains(rf"(?i){selectors.RELATIVE_DATE_RE}")),
    ]).select("_row", "text")
    dated = author_date(dated, "text", with_date=False)
    # the date+author and by+author patterns only where their part up to the author matches
    by_lines = dated.filter(text.str.contains(_BY_WORD_RE))
    by_lines = by_lines.select(
        "_row",
        f_by_author=pl.coalesce(
            pl.when(text.str.contains(_DATE_BY_RE)).then(text).str.extract(selectors.DATE_AUTHOR_LINE_RE, 2),
            pl.when(text.str.contains(_BY_AUTHOR_HEAD_RE)).then(text).str.extract(
                selectors.BY_AUTHOR_DATE_LINE_RE, 1),
        ).str.strip_chars(" ·|•,–—-:"),
    )
    dated = dated.select("_row", f_ad_author=pl.col("_ad_author").str.strip_chars_end(" ·|•,–—-"))
    found = dated.join(by_lines, on="_row", how="full", coalesce=True).join(says, on="_row", how="full", coalesce=True)
    return found.filter(pl.any_horizontal(pl.col("f_says", "f_ad_author", "f_by_author").is_not_null()))


_ABBREVIATION_END = r"(?:^|\s)(?:[^\W\d_]{1,2}\.)+$"
"""A name that ends with an initial or a dotted abbreviation ("Anna K.", "Rao Jr.", "Ada Lane, Ph.D.", "M.D."), not
like a clause: the name of a header line ("NAME said...") may end so."""

AFFIX_MIN_LINES = 3
"""How often a page must repeat a header's shape (a closing word, a date line's shape, an author frame)
before it counts as the frame of comment headers."""


def _affix_lines(frame: pl.DataFrame) -> pl.DataFrame:
    """``_row``, ``_last`` (the closing word, lower-cased) and ``_affix_line`` (true) of the header-like lines
    of ``frame``; those that end with the same word as at least ``AFFIX_MIN_LINES - 1`` other such lines of the
    same page are ``f_affix`` (``line_features``): the repeated frame of comment headers in
    any language, found from the repetition itself rather than from a word list. Header-like is a name
    closed by a mark ("NAME said...", "NAME schrieb:", "NAME a écrit :"; at most ``NAME_MAX_WORDS``
    words before the shared word) or a line that opens with a letter and holds a date ("NAME, Do 9 Apr
    2020 / 08:34 Reply"). The part before the shared word must not end like a clause.

    Reads ``_row``, ``text``, ``_chars``, ``f_words``, ``f_has_date``.
    """
    text, name = pl.col("text"), pl.col("_name")
    closed = pl.col("f_words").is_between(2, NAME_MAX_WORDS + 1) & text.str.contains(
        r"\w[^\w\s]*\s+\S*\w\S*[.:…,]$")
    dated = pl.col("f_words").is_between(3, NAME_MAX_WORDS + 8) & pl.col("f_has_date") & text.str.contains(
        r"^[^\W\d_]")
    # each filter reads only the rows the cheaper ones before it kept
    short = (
        frame.select("_row", "text", "_chars", "f_words", "f_has_date")
        .filter((pl.col("_chars") <= NAME_MAX_CHARS + 60) & (pl.col("f_words") <= NAME_MAX_WORDS + 8))
        .filter(pl.col("f_has_date") | text.str.slice(-1).is_in([".", ":", "…", ","]))
        .filter(closed | dated)
        .with_columns(_name=text.str.replace(r"\s+\S+$", ""))  # once: a filter reads it three times
        .filter(name.str.contains(r"[^\W\d_]")
                & ~(name.str.contains(r"[.!?:;,]$") & ~name.str.contains(_ABBREVIATION_END)))
        .select("_row", _last=text.str.extract(r"(\S+)$", 1).str.to_lowercase(), _affix_line=pl.lit(value=True))
    )
    return short


def _digit_rows(frame: pl.DataFrame) -> pl.Series:
    """Whether each ``text`` of ``frame`` holds a digit (the regex ``\\d``, any script's digits); the
    Unicode search runs only on the rows with a non-ASCII character and no ASCII digit (their characters
    are read from ``_chars`` where ``frame`` has it)."""
    text = pl.col("text")
    ascii_digit = frame.select(text.str.contains("[0-9]")).to_series()
    chars = pl.col("_chars") if "_chars" in frame.columns else text.str.len_chars()
    wide = frame.select(~ascii_digit & (text.str.len_bytes() != chars)).to_series().arg_true()
    found = ascii_digit.to_numpy().copy()
    found[wide.to_numpy()] = frame["text"].gather(wide).str.contains(r"\d").to_numpy()
    return pl.Series(found)


def _prose_rows(frame: pl.DataFrame) -> np.ndarray:
    """Per row of ``frame`` (``text``, ``_chars``, ``f_words``), whether the line is prose: 200+ characters,
    or 12+ words ending like a sentence (not with a count in brackets); the end is read only on the
    rows with the words and fewer characters."""
    text = pl.col("text")
    prose = frame.select(pl.col("_chars") >= 200).to_series().to_numpy().copy()
    worded = frame.select((pl.col("f_words") >= 12) & (pl.col("_chars") < 200)).to_series().arg_true()
    ends = frame["text"].gather(worded).to_frame().select(
        text.str.contains(r"[.!?…:;\"”»’)。！？」』]$") & ~text.str.contains(r"\(\d[\d.,]*\)$")).to_series()
    prose[worded.to_numpy()] = ends.to_numpy()
    return prose


def _text_features(texts: pl.DataFrame) -> pl.DataFrame:
    """The ``line_features`` that read a line's text alone, of each row of ``texts`` (``text``): ``f_words``,
    ``_chars``, ``f_has_date``, ``_date_line`` (``DATE_LINE_RE`` matches), ``_count`` (the stated comment count,
    -1: none), ``f_heading``, ``f_numeric``, ``f_prose``, ``f_ad_author``, ``f_by_author``, ``f_says``, and the
    keys of the two page-wide tests: ``_shape`` (a line opening with a date, digits masked; null for the
    others) and ``_last`` (the closing word of a header-like line, lower-cased; ``_affix_line`` marks those
    lines)."""
    text, chars = pl.col("text"), pl.col("_chars")
    count = pl.coalesce(
        text.str.extract(selectors.COMMENT_COUNT_RE, 1),
        text.str.extract(selectors.COMMENT_COUNT_TRAILING_RE, 1),
    ).cast(pl.Int32, strict=False)
    heading = "|".join(re.escape(h) for h in selectors.COMMENT_HEADING)
    frame = with_word_counts(texts.with_row_index("_row"), "text", "f_words").with_columns(
        _chars=text.str.len_chars(), f_words=pl.col("f_words").cast(pl.Int32)
    )
    # the date and count patterns run on the lines short enough to need them and holding a digit (which
    # every date and count pattern needs; a masked column would still be scanned)
    short = frame.filter(chars <= TITLE_MAX_CHARS).select("_row", "text", "_chars")
    numbered = short.filter(_digit_rows(short)).select(
        "_row", "text", f_has_date=text.str.contains(rf"(?i){selectors.DATE_RE}"),
        _count=pl.when(chars <= 200).then(count).fill_null(-1),  # counts are >= 0
    )
    rows = numbered["_row"].to_numpy()
    has_date = np.zeros(frame.height, dtype=bool)
    has_date[rows] = numbered["f_has_date"].to_numpy()
    stated = np.full(frame.height, -1, dtype=np.int32)
    stated[rows] = numbered["_count"].to_numpy()
    short = short.select("_row", "text", "_chars", f_has_date=pl.Series(has_date[short["_row"].to_numpy()]))
    # a line opening with a date (or a relative one: "2 days ago at 07:52 am") is a comment's date line where
    # its page repeats its shape (``line_features``)
    dated = numbered.filter(text.str.contains(r"^\d")).filter(
        pl.col("f_has_date") | text.str.contains(rf"(?i)^(?:{selectors.RELATIVE_DATE_RE})")
    ).select("_row", _shape=text.str.replace_all(r"\d", "0"))
    frame = frame.with_columns(f_has_date=pl.Series(has_date))
    return (
        frame.with_columns(
            _date_line=text.str.contains(selectors.DATE_LINE_RE),
            _count=pl.Series(stated),
            f_heading=text.str.contains(rf"(?i)^(?:{heading})\s*:?$"),
            f_numeric=text.str.contains(r"^[\d\s.,:+\-–()\[\]#%]+$"),
            f_prose=pl.Series(_prose_rows(frame)),
        )
        .join(_header_features(short), on="_row", how="left", maintain_order="left")
        .join(dated, on="_row", how="left", maintain_order="left")
        .join(_affix_lines(frame), on="_row", how="left", maintain_order="left")
        .with_columns(_affix_line=pl.col("_affix_line").fill_null(value=False))
        .drop("_row", "text")
    )


def line_features(lines: pl.DataFrame) -> pl.DataFrame:
    """Add the per-line pattern features the segmenter reads.

    Reads ``text``, ``page_id`` and ``strip_rule``; adds ``f_date`` (the line is a date), ``f_has_date`` (it
    holds a date; computed for lines that can be a title, else false), ``f_says`` (author of a "NAME says:"
    line), ``f_ad_author`` (author of a "NAME DATE" line), ``f_by_author`` (a "DATE by NAME" or "by NAME
    on DATE" line), ``f_count`` (a stated comment count), ``f_heading`` (a comments heading),
    ``f_numeric``, ``f_words``, ``f_prose``, ``f_affix``. The patterns run once per distinct text of
    ``lines`` (``_text_features``); the two tests that compare a line with its page's other lines (a
    repeated date shape, a shared closing word) run on the lines.
    """
    # a site's chrome, bylines, dates and widget lines repeat on its pages: a shard's lines hold about a
    # quarter as many distinct texts as lines
    texts, at = distinct_values(lines["text"])
    per_text = _text_features(texts.to_frame())
    frame = lines.with_columns(per_text.gather(at))
    # a line opening with a date whose shape (digits masked) the page repeats is a comment's date line,
    # widget words after the date and all ("17.10.2019, 14:14 Reply Quote #")
    dated = frame.select("page_id", "_shape", _at=pl.int_range(pl.len(), dtype=pl.UInt32)).filter(
        pl.col("_shape").is_not_null())
    repeated = dated.filter(pl.len().over("page_id", "_shape") >= AFFIX_MIN_LINES)["_at"].to_numpy()
    shaped = np.zeros(frame.height, dtype=bool)
    shaped[repeated] = True
    # a header-like line ending with the same word as at least AFFIX_MIN_LINES - 1 others of its page
    framed = frame.select("page_id", "_last", "_affix_line", _at=pl.int_range(pl.len(), dtype=pl.UInt32)).filter(
        "_affix_line")
    affix = np.zeros(frame.height, dtype=bool)
    affix[framed.filter(pl.len().over("page_id", "_last") >= AFFIX_MIN_LINES)["_at"].to_numpy()] = True
    chars = pl.col("_chars")
    return frame.with_columns(
        f_date=(pl.col("_date_line") | pl.Series(shaped)) & (chars <= 120),
        f_count=pl.when(pl.col("_count") >= 0).then(pl.col("_count")),
        f_affix=pl.Series(affix),
    ).select(*lines.columns, "f_words", "f_has_date", "f_date", "f_count", "f_heading", "f_numeric", "f_prose",
             "f_ad_author", "f_by_author", "f_says", "f_affix")


# --------------------------------------------------------------------------------------------------
# Per-page segmentation
# --------------------------------------------------------------------------------------------------


@dataclass
class _Comment:
    author: int | None
    meta: list[int] = field(default_factory=list)
    text: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Page:
    """One page's lines as parallel lists of the columns the comment finder reads (index = line in the
    page), and the few lines that it starts from."""

    text: list[int]
    """Each line's text as a number, the same for the same text: the finder only compares texts."""
    rule: list[str | None]
    date: list[bool]
    meta: list[bool]
    """Dates, numbers and comment-widget controls: never a comment's text."""
    name_like: list[bool]
    """Lines that can be a commenter's name: kept (or template), not a date, number, count or heading, at
    most ``NAME_MAX_CHARS`` characters and ``NAME_MAX_WORDS`` words, not ending like a clause (",", ":")."""
    count: list[int | None]
    heading: list[bool]
    numeric: list[bool]
    prose: list[bool]
    sentence: list[bool]
    """Lines that read as a sentence (see ``_SENTENCE``)."""
    headers: dict[int, str]
    """Comment header lines, in line order: line -> kind, see ``_HEADER_KIND``."""
    dates: list[int]
    """Lines with ``f_date``."""
    counts: list[int]
    """Lines with a stated comment count."""
    sections: list[int]
    """Lines that open a comment section: a stated count or a comments heading."""
    learned: list[int] = field(default_factory=list)
    """Lines the learned classifier (``tasks.extract.comment_headers``) is sure head a comment."""
    titled: list[bool] = field(default_factory=list)
    """Name-like lines that read as a title rather than a name (``tasks.extract.threads.titled_lines``)."""
    raw: Sequence[str] = ()
    """Each line's text (read where a run's layout is voted on, ``tasks.extract.threads.layout_votes``, and a name
    line's neighbour is read as a remark or a statement: ``_said``, ``_stated``); empty when not given."""

    def __len__(self) -> int:
        return len(self.text)


def _py_words(expr: pl.Expr) -> pl.Expr:
    """Words of a text (``tasks.extract.words.count_words``): Python's ``len(s.split())`` (\\x1c-\\x1f are white
    space to ``str.split`` and not to the regex ``\\s``), letters of scripts without spaces (Chinese,
    Japanese, Thai) counted two to a word."""
    return count_words(expr)


def _sentence_end(expr: pl.Expr) -> pl.Expr:
    """Does the text end a sentence ("." "!" "?" at the end; Python's "$" also matches before a final newline)."""
    return expr.str.contains(r"[.!?]\n?$")


def _name_end(expr: pl.Expr) -> pl.Expr:
    """Does a name end like a sentence? An initial or a short abbreviation ("Anna K.", "Rao Jr.") does not."""
    return _sentence_end(expr) & ~expr.str.contains(r"(?:^|\s)[^\W\d_]{1,2}\.\n?$")


_SAYS, _BY_AUTHOR, _AD_AUTHOR = pl.col("f_says"), pl.col("f_by_author"), pl.col("f_ad_author")
_HEADER_KIND = (
    pl.when((_SAYS.str.len_chars() > 0) & (_SAYS.str.len_chars() <= NAME_MAX_CHARS)
            & (pl.col("f_words") <= NAME_MAX_WORDS + 6))
    .then(pl.lit("says"))
    .when((_BY_AUTHOR.str.len_chars() > 0) & (_py_words(_BY_AUTHOR) <= NAME_MAX_WORDS) & ~_name_end(_BY_AUTHOR))
    .then(pl.lit("by_author"))
    .when((_AD_AUTHOR.str.len_chars() > 0) & (_AD_AUTHOR.str.len_chars() <= NAME_MAX_CHARS) & ~pl.col("f_date")
          & (_py_words(_AD_AUTHOR) <= NAME_MAX_WORDS) & ~_name_end(_AD_AUTHOR))
    .then(pl.lit("author_date"))
    .when(pl.col("f_affix") & ~pl.col("f_date") & pl.col("f_count").is_null() & ~pl.col("f_heading"))
    .then(pl.lit("affix"))
)
"""The kind of comment header a line is ('says', 'by_author' or 'author_date'), null if none; reads the
``f_says``, ``f_by_author`` and ``f_ad_author`` authors (a "says" line may be longer than a name)."""


def _runs(headers: list[tuple[int, int, int]], p: _Page) -> list[list[tuple[int, int, int]]]:
    """Split header spans (first, last, author) into runs not separated by a comment break."""
    runs: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    for h in headers:
        if current:
            gap = range(current[-1][1] + 1, h[0])
            # a comments heading or count line between two headers starts a new section: the header
            # above it belongs to the article (its byline), the ones below to the comments
            broken = (len(gap) > 120 or not _COMMENT_BREAKS.isdisjoint(p.rule[gap.start:gap.stop])
                      or bisect_left(p.sections, gap.start) < bisect_left(p.sections, gap.stop))
            if broken or len(gap) == 0:
                runs.append(current)
                current = []
        current.append(h)
    if current:
        runs.append(current)
    return runs


def _anchored_candidates(p: _Page) -> list[list[tuple[int, int, int]]]:
    """All header runs per header kind: lists of (first_line, last_line, author_line)."""
    n = len(p)
    by_kind: dict[str, list[tuple[int, int, int]]] = {"says": [], "by_author": [], "author_date": [], "affix": []}
    for i, kind in p.headers.items():
        last = i
        while last + 1 < n and (p.date[last + 1] or p.numeric[last + 1]):
            last += 1
        by_kind[kind].append((i, last, i))
    # standalone date lines with a name line next to them, on the side the page uses
    dates = [i for i in p.dates if i not in p.headers]
    before = [i for i in dates if i > 0 and p.name_like[i - 1]]
    after = [i for i in dates if i + 1 < n and p.name_like[i + 1]]
    date_headers = (
        [(i - 1, i, i - 1) for i in before] if len(before) >= len(after) else [(i, i + 1, i + 1) for i in after]
    )
    candidates: list[list[tuple[int, int, int]]] = []
    for headers in (*by_kind.values(), date_headers):
        # a header must be followed by text before the next header
        clean = [h for k, h in enumerate(headers) if k + 1 >= len(headers) or headers[k + 1][0] > h[1] + 1]
        candidates.extend(run for run in _runs(clean, p) if run)
    return candidates


def _chrome_bar(p: _Page, i: int) -> bool:
    """Does line ``i`` open a comment widget bar: a comment control ("Subscribe", "Notify of", "Newest") with
    another one within ``CHROME_BAR_REACH`` lines below it?"""
    return p.rule[i] == "comment_chrome" and "comment_chrome" in p.rule[i + 1:i + 1 + CHROME_BAR_REACH]


def _evidence(p: _Page, first: int, *, says: bool, bar: bool = False) -> bool:
    """Is there evidence that a header run starting at ``first`` is a comment list? A comments heading,
    stated count, comment form or comments-start line within ``EVIDENCE_WINDOW`` lines above it, with no
    other section break (related stories, footer, tags, ...) between: a closed comment section ("Be the
    first to comment") followed by a teaser list is no evidence for the list."""
    if says:
        return True
    for i in range(first - 1, max(0, first - EVIDENCE_WINDOW) - 1, -1):
        count = p.count[i]
        if (count is not None and count > 0) or p.heading[i]:
            return True
        if p.rule[i] in ("profile_comments_start", "comment_form") or (bar and _chrome_bar(p, i)):
            return True
        if p.rule[i] in _SECTION_BREAKS:
            return False
    return False  # reply buttons alone are not enough: forum-like widgets fill sidebars and feeds too


def _form_follows(p: _Page, last: _Comment) -> bool:
    """Does a comment form ("Leave a Reply") follow the last comment closely?"""
    end = max([*last.text, *last.meta, last.author if last.author is not None else 0])
    return "comment_form" in p.rule[end + 1:end + 1 + EVIDENCE_WINDOW // 2]


def _stated_before(p: _Page, first: int) -> int | None:
    """The comment count stated shortly before line ``first``, if any."""
    for i in range(first - 1, max(0, first - EVIDENCE_WINDOW) - 1, -1):
        if p.count[i] is not None:
            return int(p.count[i])  # type: ignore[arg-type]
    return None


def _comment_end(p: _Page, start: int, *, stop_at_chrome: bool) -> int:
    """Index one past the last line of the comment whose text starts at ``start``."""
    i, n, rules, counts, headings = start, len(p), p.rule, p.count, p.heading
    while i < n:
        rule = rules[i]
        if rule in _COMMENT_BREAKS or counts[i] is not None or headings[i]:
            break
        if stop_at_chrome and rule == "comment_chrome" and i > start:
            return i + 1
        i += 1
    return i


_LAST_COMMENT_ENDS = frozenset({"nav", "readmore", "share", "byline", "donation", "appeal", "caption"})
"""Boilerplate families (besides ``_COMMENT_BREAKS``) that no reader's text carries (6 of the labelled pages'
2,334 comment text lines carry a strip rule): below the last comment's text, such a line is the page's own."""
_MORE_COMMENTS = re.compile(selectors.MORE_COMMENTS_RE)


def _last_end(p: _Page, start: int, end: int) -> int:
    """Where the last comment of a header layout, its body the lines ``start`` to ``end - 1``, ends: at the first
    line below its first text line that is boilerplate of ``_LAST_COMMENT_ENDS`` or a link to the whole thread
    ("Read all comments", ``selectors.MORE_COMMENTS_RE``: a preview's end). A thread ends on its last reader's
    text; the page's navigation, teasers and share bars below it are nobody's comment."""
    first = next((i for i in range(start, end) if not p.meta[i] and p.rule[i] in (None, "template")), None)
    if first is None:
        return end
    for i in range(first + 1, end):
        rule = p.rule[i]
        if rule in _LAST_COMMENT_ENDS or (rule == "comment_chrome" and len(p.raw) > 0
                                          and _MORE_COMMENTS.search(str(p.raw[i])) is not None):
            return i
    return end


def _section_start(p: _Page, first: int) -> int | None:
    """The comments heading, count line or comments-start line closest above line ``first``, if one is
    within ``FOOTER_REACH`` lines and no comment break lies between."""
    k = bisect_left(p.sections, first)
    start = p.sections[k - 1] if k else -1
    if "profile_comments_start" in p.rule[max(start + 1, first - FOOTER_REACH):first]:
        start = max(i for i in range(max(start + 1, first - FOOTER_REACH), first)
                    if p.rule[i] == "profile_comments_start")
    if start < 0 or first - start >= FOOTER_REACH or not _COMMENT_BREAKS.isdisjoint(p.rule[start + 1:first]):
        return None
    return start


def _text_lines(p: _Page, lines: range) -> list[int]:
    """The lines of ``lines`` that can be a comment's text (kept, not a date, number or widget control)."""
    return [i for i in lines if not p.meta[i] and p.rule[i] in (None, "template")]


def _footer_texts(p: _Page, run: list[tuple[int, int, int]]) -> tuple[int, list[list[int]]] | None:
    """The section's first line and the comments' text lines when the headers of ``run`` are footers
    ("Posted by: NAME | DATE" printed below each comment), else None.

    A run is read as footers when a comments heading or count line stands above its first header with
    text lines between them (the first comment's text), and the last header is followed by fewer text
    lines than that before the section ends (a header layout ends on a comment's text, a footer layout
    on the header of the last comment). Each comment is then the text between the previous header (or
    the heading) and its own. Two cues together also make footers when the text after the last header
    is as long: prose between the heading and the first header (a comment's text, not a heading's
    subtitle) and a first line after the last header that does not read as a sentence (a form's prompt,
    not the last comment's text).
    """
    start = _section_start(p, run[0][0])
    if start is None:
        return _unheaded_footers(p, run)
    before = _text_lines(p, range(start + 1, run[0][0]))
    if not before:
        return None
    after = _text_lines(p, range(run[-1][1] + 1, _comment_end(p, run[-1][1] + 1, stop_at_chrome=True)))
    footer_cues = any(p.prose[i] for i in before) and not (after and p.sentence[after[0]])
    if len(after) >= len(before) and not footer_cues and not _trailing_footer(p, before, after):
        return None
    bounds = [start, *(last for _, last, _ in run)]
    return start, [_text_lines(p, range(bounds[k] + 1, first)) for k, (first, _, _) in enumerate(run)]


def _trailing_footer(p: _Page, before: list[int], after: list[int]) -> bool:
    """Does a run read as headers leave the text of a footer layout at both ends: ``before`` (the text lines
    between the comments heading and the run's first header) a block of ``FOOTER_BLOCK_MIN`` lines or more
    holding prose (the first comment's text, not a one-line notice), and ``after`` (the text lines
    below the last header) a text block no longer than that, then a line that can be a name and does not
    read as a sentence (the last comment's footer, which the run did not take: the line under it is no
    comment's text)? A header layout starts on a header under its heading and ends on the last comment's
    text. A one-line ``before`` (a short first comment, or a notice under the heading) is enough where that line
    closes the section: it is the last text line before the section ends ("Comments" / text / NAME / ... / text /
    NAME, then the page's navigation), so no comment's text follows the name under it."""
    if not before or not after or p.name_like[after[0]]:
        return False
    closing = len(before) < FOOTER_BLOCK_MIN or not any(p.prose[i] for i in before)
    for i in after[1:len(before) + 1]:
        if p.name_like[i]:
            return not p.sentence[i] and (not closing or i == after[-1])
    return False


def _unheaded_footers(p: _Page, run: list[tuple[int, int, int]]) -> tuple[int, list[list[int]]] | None:
    """``_footer_texts`` of a run of ``LEARNED_MIN_COMMENTS`` headers or more with no comments heading or count
    line above it: its headers are footers when text lines stand just above the first one (the first
    comment's text) and no text line follows the last one before the section ends, or neither of the first
    two that follow reads as a sentence (a form's prompts) while one above the first header does (a header
    layout ends on the last comment's text, or on the reply button under it). "NAME says:" headers are
    never footers. The first comment reaches up over text lines only, no further than the longest distance
    between two headers of the run, and stops at a date, header or widget line (the article's byline or
    the section's chrome)."""
    if len(run) < LEARNED_MIN_COMMENTS or p.headers.get(run[0][2]) == "says":
        return None
    end = _comment_end(p, run[-1][1] + 1, stop_at_chrome=True)
    after = _text_lines(p, range(run[-1][1] + 1, end))
    if after and (any(p.sentence[i] for i in after[:2]) or p.rule[end - 1] == "comment_chrome"):
        return None
    reach = max(b[0] - a[1] for a, b in itertools.pairwise(run))
    start = run[0][0] - 1
    while start >= max(0, run[0][0] - reach) and not p.meta[start] and start not in p.headers and p.rule[
            start] in (None, "template"):
        start -= 1
    if start == run[0][0] - 1 or (after and not any(p.sentence[i] for i in range(start + 1, run[0][0]))):
        return None
    bounds = [start, *(last for _, last, _ in run)]
    return start, [_text_lines(p, range(bounds[k] + 1, first)) for k, (first, _, _) in enumerate(run)]


def _block_start(p: _Page, run: list[tuple[int, int, int]]) -> int:
    """The line above the text block just above the first header of ``run``: the block reaches up over text lines
    only, no further than the longest distance between two headers of the run (one header: ``HEADER_GAP_MAX``),
    and stops at a date, number, header, widget, heading or count line."""
    reach = max((b[0] - a[1] for a, b in itertools.pairwise(run)), default=HEADER_GAP_MAX)
    start = run[0][0] - 1
    while (start >= max(0, run[0][0] - reach) and not p.meta[start] and start not in p.headers
           and p.rule[start] in (None, "template") and not p.heading[start] and p.count[start] is None):
        start -= 1
    return start


def _voted_layout(p: _Page, run: list[tuple[int, int, int]], footers: tuple[int, list[list[int]]] | None
                  ) -> tuple[int, list[list[int]]] | None:
    """``footers`` (``_footer_texts`` of ``run``) as the names readers answer decide them (``layout_votes``): None
    where the run reads as headers, the footer reading (each comment the text block above its header, the first
    from ``_block_start``) where it reads as footers; ``footers`` as they are where the votes decide nothing.
    One side decides with ``LAYOUT_VOTES_MIN`` votes or more and more than twice the other's: a reader may answer
    the comment two above theirs (a head vote in a footer layout) or name themselves (a foot vote in a header
    layout). "NAME says:" runs are headers always."""
    if len(p.raw) == 0 or len(run) < LAYOUT_VOTES_MIN or p.headers.get(run[0][2]) == "says":
        return footers
    start = _block_start(p, run)
    bounds = [start, *(last for _, last, _ in run)]
    blocks = [_text_lines(p, range(bounds[k] + 1, first)) for k, (first, _, _) in enumerate(run)]
    end = _comment_end(p, run[-1][1] + 1, stop_at_chrome=True)
    below = _text_lines(p, range(run[-1][1] + 1, end))
    foot, head = layout_votes(p, [author for _, _, author in run], [*blocks, below])
    if head >= LAYOUT_VOTES_MIN and head > 2 * foot:
        return None
    if foot >= LAYOUT_VOTES_MIN and foot > 2 * head and footers is None:
        return start, blocks
    return footers


_SHAPE: Any = object()
"""``_build_anchored``'s ``footers`` default: read the run's layout from its shape (``_footer_texts``)."""


def _build_anchored(p: _Page, run: list[tuple[int, int, int]], *, vote: bool = True,
                    footers: tuple[int, list[list[int]]] | None = _SHAPE) -> list[_Comment]:
    """The comments headed (or footed) by the header lines of ``run``: footers where ``_footer_texts`` reads them
    so (or as ``footers`` gives them, None for headers), or (``vote``) where the names readers answer say so
    (``_voted_layout``)."""
    if footers is _SHAPE:
        footers = _footer_texts(p, run)
    if vote:
        footers = _voted_layout(p, run, footers)
    if footers is not None:
        start, texts = footers
        footed = [
            _Comment(author=author, meta=[i for i in range(first, last + 1) if i != author]
                     + [i for i in range(bound + 1, first) if p.meta[i]], text=text)
            for (first, last, author), text, bound in zip(run, texts, [start, *(h[1] for h in run[:-1])], strict=True)
        ]
        return [c for c in _names_over_footers(p, footed) if c.text]
    comments: list[_Comment] = []
    ends_with_chrome, flags = 0, p.meta
    for k, (first, last, author) in enumerate(run):
        nxt = run[k + 1][0] if k + 1 < len(run) else None
        meta = [i for i in range(first, last + 1) if i != author]
        end = nxt if nxt is not None else _last_end(
            p, last + 1, _comment_end(p, last + 1, stop_at_chrome=ends_with_chrome * 2 > k))
        body = range(last + 1, end)
        if nxt is not None and "comment_chrome" in p.rule[last + 1:end]:
            ends_with_chrome += 1
        text = [i for i in body if not flags[i]]
        meta += [i for i in body if flags[i]]
        comments.append(_Comment(author=author, meta=meta, text=text))
    return [c for c in comments if c.text]


def _opening_name(p: _Page, c: _Comment, reach: int) -> int | None:
    """The place in ``c.text`` of the first of its first ``reach`` lines that can be a name and does not read as
    a sentence, None if none is."""
    return next((k for k, i in enumerate(c.text[:reach]) if p.name_like[i] and not p.sentence[i]), None)


def _names_over_footers(p: _Page, comments: list[_Comment]) -> list[_Comment]:
    """``comments`` of a footer layout (``_footer_texts``) whose footers hold no name: when there are
    ``LEARNED_MIN_COMMENTS`` of them or more, none of their footer lines can be a name ("March 3, 2012 18:06
    Reply 0 Flag", a date and controls) and each comment's text opens with a line that can be a name and does
    not read as a sentence (the first comment's within its first ``FOOTER_BLOCK_MIN`` lines, under a form's
    prompt), that line is the comment's author and its footer line its meta; the lines above the first
    comment's name are no comment's. Else ``comments`` as they are."""
    if len(comments) < LEARNED_MIN_COMMENTS or any(c.author is None or p.name_like[c.author] for c in comments):
        return comments
    found = [_opening_name(p, comments[0], FOOTER_BLOCK_MIN), *(_opening_name(p, c, 1) for c in comments[1:])]
    opens = [k for k in found if k is not None]
    if len(opens) < len(comments):
        return comments
    return [_Comment(author=c.text[k], meta=sorted([*c.meta, *([] if c.author is None else [c.author])]),
                     text=c.text[k + 1:]) for c, k in zip(comments, opens, strict=True)]


def _alternating(p: _Page) -> list[_Comment]:
    """wpDiscuz-style lists without dates: a stated count N picks N author lines. A list of
    ``ALTERNATING_TITLED_MIN`` or more whose author lines read as titles (``titled_headers``, the count no
    evidence) is a list of headlines over teasers, and a list of which fewer than ``THREAD_SENTENCE_SHARE`` of
    the comments hold a reader's sentence (``tasks.extract.threads.reader_sentences``; the count, which chose
    their number, does not stand for them) is names over headlines: the next count is tried."""
    counts = [i for i in p.counts if 0 < p.count[i] <= MAX_NAME_ONLY]  # type: ignore[operator]
    for c in reversed(counts[-MAX_COUNT_LINES_TRIED:]):
        n_stated: int = p.count[c]  # type: ignore[assignment]
        end = _comment_end(p, c + 1, stop_at_chrome=False)
        idx = [i for i in range(c + 1, end) if not p.meta[i] and p.rule[i] in (None, "template")]
        if len(idx) < 2 * n_stated:
            continue
        chosen = _choose_authors(p, idx, n_stated)
        if chosen is None:
            continue
        comments: list[_Comment] = []
        for k, a in enumerate(chosen):
            stop = chosen[k + 1] if k + 1 < len(chosen) else end
            text = [i for i in idx if a < i < stop]
            meta = [i for i in range(a + 1, stop) if i not in set(text)]
            comments.append(_Comment(author=a, meta=meta, text=text))
        if len(comments) >= ALTERNATING_TITLED_MIN and titled_headers(p, comments, counted=False):
            continue  # headlines over teasers: the count chose their number, it confirms nothing
        if reader_sentences(p, comments) < THREAD_SENTENCE_SHARE * len(comments):
            continue  # nor does it stand for the readers' sentences: names over headlines are a list
        return comments
    return []


_STATED_END = r"(?:^|[^.…])[.!?。！？]\s*$"
_INITIAL_END = r"(?:^|\s)[^\W\d_]{1,2}\.\s*$"


def _stated(p: _Page, i: int) -> bool:
    """Does name-like line ``i`` read as a statement, not a name: a sentence (``_Page.sentence``) that ends with a
    sentence's mark, not an initial or an ellipsis ("Berlin.", "Kein Homeoffice, kein Auto.", "Well this is it
    everyone.", but not "Anna K." nor "martinealison said...")? False without the lines' texts."""
    if not p.sentence[i] or len(p.raw) == 0:
        return False
    line = str(p.raw[i])
    return re.search(_STATED_END, line) is not None and re.search(_INITIAL_END, line) is None


WIDGET_LABEL_MIN = 3
"""A thread of this many comments or more is no thread of one line printed under most of them (``_widget_label``)."""


def _widget_label(repeats: int, n: int) -> bool:
    """Is a line printed ``repeats`` times among a count's ``n`` comments' lines a widget's label ("Rate This: 0 0"
    under each comment) rather than a name: more than half of ``n``, for ``WIDGET_LABEL_MIN`` comments or more? A
    blog's owner answering every reader heads half of them."""
    return n >= WIDGET_LABEL_MIN and 2 * repeats > n


def _choose_authors(p: _Page, idx: list[int], n: int) -> list[int] | None:
    """Choose exactly ``n`` author lines among ``idx``: first line is one, never two adjacent, last is text.

    Maximises the summed author score (name-like lines that do not read as a statement, ``_stated``, nor a
    widget's label, ``_widget_label``; names that repeat score higher).
    """
    m = len(idx)
    freq = Counter(p.text[i] for i in idx)
    score = [(1.0 + (1.0 if freq[p.text[i]] > 1 else 0.0))
             if p.name_like[i] and not _stated(p, i) and not _widget_label(freq[p.text[i]], n) else None for i in idx]
    if score[0] is None:
        return None
    neg = float("-inf")
    # text[k] / author[k]: best score over idx[:j+1] with k authors, idx[j] being text / an author;
    # back_*[j, k]: whether the line before idx[j] was an author (1) or text (0) on that best path
    text, author = np.full(n + 1, neg), np.full(n + 1, neg)
    author[1] = score[0]
    back_text = np.full((m, n + 1), -1, dtype=np.int8)
    back_author = np.full((m, n + 1), -1, dtype=np.int8)
    for j in range(1, m):
        # text line: the previous line may be author or text (text wins ties)
        after_author = author[1:] > text[1:]
        new_text = np.full(n + 1, neg)
        new_text[1:] = np.where(after_author, author[1:], text[1:])
        back_text[j, 1:] = after_author
        new_author = np.full(n + 1, neg)
        s = score[j]
        if s is not None:
            # author line: the previous line must be text
            reachable = text[:-1] > neg
            new_author[1:][reachable] = text[:-1][reachable] + s
            back_author[j, 1:][reachable] = 0
        text, author = new_text, new_author
    if text[n] == neg:
        return None
    chosen: list[int] = []
    k, a = n, 0
    for j in range(m - 1, -1, -1):
        if a == 1:
            chosen.append(idx[j])
        prev = int((back_text if a == 0 else back_author)[j, k]) if j > 0 else -1
        if a == 1:
            k -= 1
        a = prev
    return sorted(chosen)


def _reads_as_thread(p: _Page, comments: list[_Comment]) -> bool:
    """Do the comments' texts read as readers' writing rather than a list of teasers or tags?

    A teaser list ("Politics" / headline / date, repeated) has the shape of a thread, but its "texts"
    are headlines: they do not end like sentences. A thread needs ``THREAD_SENTENCE_SHARE`` of its
    comments to hold at least one line that ends like a sentence or is long and is not a header line,
    unless the page's stated count equals its size (``tasks.extract.threads.reads_as_writing``); and no
    single "author" may head more than two thirds of ``SAME_HEAD_MIN`` or more comments (a repeated "read more" or
    section label over dated teasers: three comments under one label are a section's list, not one reader).
    """
    if not reads_as_writing(p, comments):
        return False
    if len(comments) >= SAME_HEAD_MIN:
        authors = Counter(p.text[c.author] for c in comments if c.author is not None)
        if authors and authors.most_common(1)[0][1] * 3 > len(comments) * 2:
            return False
    return True


def _gap_runs(heads: list[tuple[int, int, int]], p: _Page) -> list[list[tuple[int, int, int]]]:
    """The runs of ``heads`` (``_runs``), each cut where two headers lie more than ``HEADER_GAP_MAX`` lines
    apart."""
    runs: list[list[tuple[int, int, int]]] = []
    for run in _runs(heads, p):
        part = [run[0]]
        for h in run[1:]:
            if h[0] - part[-1][0] > HEADER_GAP_MAX:
                runs.append(part)
                part = []
            part.append(h)
        runs.append(part)
    return runs


def _learned_thread(p: _Page) -> list[_Comment]:
    """The longest thread headed by the learned headers (``_Page.learned``), for pages where the rules
    find none: a run of at least ``LEARNED_MIN_COMMENTS`` headers, each at most ``HEADER_GAP_MAX`` lines
    below the one before and with no comment break between (``_runs``), whose comments read as readers'
    writing (``_reads_as_thread``). A header takes
    the date and number lines under it as its meta; the last comment ends as a rule-found thread's last
    comment does (``_build_anchored``); name lines the classifier was not sure of fill a run of name
    lines (``_fill_name_run``)."""
    n = len(p)
    heads: list[tuple[int, int, int]] = []
    for i in p.learned:
        last = i
        while last + 1 < n and (p.date[last + 1] or p.numeric[last + 1]):
            last += 1
        heads.append((i, last, i))
    clean = [h for k, h in enumerate(heads) if k + 1 >= len(heads) or heads[k + 1][0] > h[1] + 1]
    runs = _gap_runs(clean, p)
    best: list[_Comment] = []
    for run in runs:
        if len(run) < max(LEARNED_MIN_COMMENTS, len(best) + 1):
            continue
        comments = _build_anchored(p, run)
        if len(comments) >= max(LEARNED_MIN_COMMENTS, len(best) + 1) and _reads_as_thread(p, comments):
            best = _fill_name_run(p, run, comments)
    return best


_SAID_END = tuple("!?！？")
"""How a short line that a reader says ends ("Danke!", "Hi, Roberta!", "Really?"), where a name, a label, a
slogan ("Ihre Meinung zählt.") or a control ("Load more...") does not."""


def _said(p: _Page, i: int) -> bool:
    """Does line ``i``, short enough to be a name, read as a reader's short remark: an exclamation or a question
    (``_SAID_END``)? A name line over such a line heads a comment (``_name_heads``). False without the lines'
    texts."""
    return len(p.raw) > 0 and p.sentence[i] and str(p.raw[i]).rstrip().endswith(_SAID_END)


def _name_heads(p: _Page, lines: range) -> list[tuple[int, int, int]]:
    """The lines of ``lines`` that can head a comment by a name alone (as ``_name_thread`` reads them): a
    name-like line that does not read as a sentence and is no header of another kind, followed by a text
    line that is not name-like or is a reader's short remark (``_said``: "Danke!" under "photobix")."""
    n = len(p)
    return [(i, i, i) for i in lines
            if i + 1 < n and p.name_like[i] and not p.sentence[i] and i not in p.headers
            and (not p.name_like[i + 1] or _said(p, i + 1)) and not p.meta[i + 1]
            and p.rule[i + 1] in (None, "template")]


def _fill_name_run(p: _Page, run: list[tuple[int, int, int]], comments: list[_Comment]) -> list[_Comment]:
    """``comments`` (built on the learned headers ``run``) with the headers the classifier was not sure of
    added, where the run is a thread of name lines: when most of its headers are name lines alone
    (``_name_heads``), every name line between its first header and ``HEADER_GAP_MAX`` lines below its
    last (no comment break between, ``_gap_runs``) heads a comment too. The filled thread is kept when
    it reads as readers' writing (``_reads_as_thread``), each of its comments holds a line that reads as
    a sentence and it has more comments than ``comments``; else ``comments`` as they are."""
    first, last = run[0][0], run[-1][1]
    names = {h[0] for h in _name_heads(p, range(first, last + 1))}
    if sum(h[0] in names for h in run) * 2 <= len(run):
        return comments
    heads = sorted({*run, *_name_heads(p, range(first, min(len(p), last + 1 + HEADER_GAP_MAX)))})
    filled = next((part for part in _gap_runs(heads, p) if part[0][0] == first), [])
    if len(filled) <= len(run):
        return comments
    built = _build_anchored(p, filled)
    if (len(built) <= len(comments) or not _reads_as_thread(p, built)
            or not all(any(p.sentence[i] for i in c.text) for c in built)):
        return comments
    return built


Finder = Literal["both", "rules", "learned"]
_Pass = Literal["rules", "learned", "bare"]
"""One pass of the comment finder over a page: the rules, the learned headers, or the name lines alone on a page
without a comment cue (``_bare_name_thread``)."""
"""Which comment finder runs: "both" (the rules, else the classifier's headers on pages where the rules find
no thread; what a build runs), "rules" or "learned" (one of them alone, for evaluation)."""


def _find_comments(p: _Page, finder: Finder | _Pass = "rules") -> list[_Comment]:
    """The comments of one page: by the rules (``finder`` "rules": the longest anchored run with evidence,
    else the stated count's name lines), by the learned headers alone ("learned": ``_learned_thread``), or by
    name lines alone on a page without a comment cue ("bare": ``_bare_name_thread``)."""
    if finder == "learned":
        return _drop_repeats(p, _learned_thread(p)) if p.learned else []
    if finder == "bare":
        return _drop_repeats(p, _bare_name_thread(p))
    if not p.headers and not p.dates and not p.sections and "comment_chrome" not in p.rule:
        return []  # no header line, stated count or comments heading: nothing to anchor a comment list on
    best: list[_Comment] = []
    best_run: list[tuple[int, int, int]] = []
    for run in _anchored_candidates(p):
        if len(run) <= len(best):
            continue  # a run gives at most one comment per header: it cannot beat the best
        comments = _build_anchored(p, run, vote=False)  # the vote runs on a run that would be the best only
        if not comments:
            continue
        kind = p.headers.get(run[0][2])
        # "NAME says:" lines are comment headers on their own only when dates or reply buttons go with
        # them (an interview may print "Smith says:" before a quote)
        n_marked = sum(any(p.date[i] or p.rule[i] == "comment_chrome" for i in c.meta) for c in comments)
        marked = n_marked * 2 >= len(comments)
        says = kind in ("says", "by_author") and marked
        if len(comments) < MIN_COMMENTS and _stated_before(p, run[0][0]) != len(comments):
            continue
        evidence = _evidence(p, run[0][0], says=says) or (marked and _form_follows(p, comments[-1]))
        if evidence and len(comments) > len(best) and _reads_as_thread(p, comments):
            voted = _build_anchored(p, run)
            best = voted if len(voted) > len(best) and _reads_as_thread(p, voted) else comments
            best_run = run
    if best:
        best = _counted_reading(p, best_run, best)
    if not best:
        best = _alternating(p)
    if not best:
        best = _name_thread(p)
    return _drop_repeats(p, best)


def _thread_stated(p: _Page, comments: list[_Comment]) -> int | None:
    """The comment count stated above the thread ``comments``: on the closest comment section opener above its
    first line (``_section_start``), else within ``EVIDENCE_WINDOW`` lines above it (``_stated_before``)."""
    head = comments[0]
    first = min([*([] if head.author is None else [head.author]), *head.meta, *head.text])
    start = _section_start(p, first)
    if start is not None and p.count[start] is not None:
        return int(p.count[start])  # type: ignore[arg-type]
    return _stated_before(p, first)


def _counted_reading(p: _Page, run: list[tuple[int, int, int]], comments: list[_Comment]) -> list[_Comment]:
    """``comments`` (the thread built on the header lines ``run``), or another reading of the same lines that agrees
    with the page's stated count (``_thread_stated``) where ``comments`` does not.

    More comments than the count: the thread ran over into what the page prints below it (a sidebar's headers and
    lists): the comments past the count are dropped when none of them holds a reader's sentence
    (``reader_sentences``), and the last one kept loses its widget tail (``_widget_tail``). The layout stays as it
    was read: a reading of another layout that happens to have the count's size pairs every text with the wrong
    name. Fewer comments than the count: the header layout (each header over the text below it) and the footer
    layout read from the section's shape (``_footer_texts``) or from the text block above each header
    (``_block_start``) are tried in that order, where one of them reads a comment whose text the other leaves
    empty (the first or last header with no text on its side). No reading adds a header line, so none invents a
    comment, and each must still read as readers' writing (``_reads_as_thread``). A count that no reading meets (a
    paged thread's total, a count of trackbacks too) leaves ``comments`` as they are."""
    stated = _thread_stated(p, comments)
    if stated is None or stated <= 0 or stated == len(comments) or not run:
        return comments
    if len(comments) > stated:
        kept = [*comments[:stated - 1], _widget_tail(p, comments[stated - 1])]
        if reader_sentences(p, comments[stated:]) == 0 and kept[-1].text and _reads_as_thread(p, kept):
            return kept
        return comments
    start = _block_start(p, run)
    bounds = [start, *(last for _, last, _ in run)]
    blocks = (start, [_text_lines(p, range(bounds[k] + 1, first)) for k, (first, _, _) in enumerate(run)])
    for footers in (None, _SHAPE, blocks):
        other = _build_anchored(p, run, vote=False, footers=footers)
        if len(other) == stated and _reads_as_thread(p, other):
            return other
    return comments


def _widget_tail(p: _Page, c: _Comment) -> _Comment:
    """Comment ``c`` without the lines below its last line that reads as a sentence or prose, where
    ``LIST_MIN_LINES`` text lines or more follow it and none of them does (a widget's list: "Search the Site",
    "Categories", month names), as the last comment of a thread that ran over into a sidebar carries them; ``c``
    as it is otherwise."""
    said = [k for k, i in enumerate(c.text) if p.sentence[i] or p.prose[i]]
    if not said or len(c.text) - said[-1] - 1 < LIST_MIN_LINES:
        return c
    return _Comment(author=c.author, meta=c.meta, text=c.text[:said[-1] + 1])


def _name_thread(p: _Page) -> list[_Comment]:
    """A thread headed by name lines alone, for pages where no header, date or count makes one: the
    longest run of at least ``NAME_THREAD_MIN`` lines that can be a name and do not read as a sentence,
    each followed by a text line, no comment break between (``_runs``), each at most ``HEADER_GAP_MAX``
    lines below the one before, whose comments read as readers' writing (``_reads_as_thread``, and each
    holding a line that reads as a sentence), below a comments heading, stated count, comment form or a bar
    of comment controls (``_evidence``, ``_chrome_bar``: "Subscribe" / "Notify of" / "Newest" over a thread
    that prints neither heading nor count): a sub-headed article or a list of teasers has the same shape but
    no such line above.
    A name line over a reader's short remark ("Danke!", ``_said``) heads one too.
    Footers ("NAME" under each comment) are read as ``_build_anchored`` reads them."""
    n = len(p)
    # a run needs evidence above it: no line above the first comments heading, count or form can head one
    bar = next((i for i, rule in enumerate(p.rule) if rule == "comment_chrome" and _chrome_bar(p, i)), None)
    starts = [*p.sections[:1], *(p.rule.index(rule) for rule in ("comment_form", "profile_comments_start")
                                 if rule in p.rule), *([] if bar is None else [bar])]
    if not starts:
        return []
    heads = [(i, i, i) for i in range(min(starts) + 1, n - 1)
             if p.name_like[i] and not p.sentence[i] and i not in p.headers
             and (not p.name_like[i + 1] or _said(p, i + 1)) and not p.meta[i + 1]
            and p.rule[i + 1] in (None, "template")]
    runs = _gap_runs(heads, p)
    best: list[_Comment] = []
    for run in runs:
        if len(run) < max(NAME_THREAD_MIN, len(best) + 1) or not _evidence(p, run[0][0], says=False, bar=True):
            continue
        comments = _build_anchored(p, run)
        if len(comments) < max(NAME_THREAD_MIN, len(best) + 1) or not _reads_as_thread(p, comments):
            continue
        if all(any(p.sentence[i] for i in c.text) for c in comments):
            best = comments
    return best


def _bare_name_thread(p: _Page) -> list[_Comment]:
    """A thread headed by name lines alone on a page that prints no comment cue (no comments heading, count,
    control or form, and no thread read from its header lines: ``_bare_pages``), its evidence the names
    themselves: the longest run of at least ``BARE_THREAD_MIN`` name heads (``_name_heads``: a name-like line over
    a text line), no comment break between them (``_runs``) and each at most ``HEADER_GAP_MAX`` lines below the
    one before (``_gap_runs``), whose comments (read as ``_build_anchored`` reads them: headers, or footers under
    each comment)

    - are headed by ``BARE_NAMES_MIN`` different names or more, one of them heading two comments or more (a
      reader answering another; an article's sub-headings do not repeat), none more than ``BARE_TOP_SHARE`` of
      them (a blog's owner answering every reader heads half; a section's label over a list heads more);
    - have no more than ``BARE_IN_A_ROW_SHARE`` of their neighbours under the same name (a label repeated over a
      list's items: "Article content" over each paragraph; a reader answers another reader);
    - open on a line that reads as a sentence or is prose in ``BARE_OPENING_SHARE`` of them (a teaser opens on
      its headline, a reader's comment mostly on a sentence);
    - read as readers' writing (``_reads_as_thread``), each holding a line that reads as a sentence.

    A run is read with its layout voted on by the names readers answer (``_voted_layout``) first, and as its
    shape alone reads it when that reading fails these tests.

    Of the labelled threads read without their cues (``corpus eval --scramble all``), the ones found so hold a
    fifth of their neighbours under one name at most, under half of them under one name, and open on a sentence
    in two thirds of their comments or more; of the lists found so on pages without comments, half of the
    neighbours of a list of paragraphs under a repeated label, three fifths of a list under a section's label,
    and three fifths of a teaser list's openings."""
    best: list[_Comment] = []
    for run in _gap_runs(_name_heads(p, range(len(p))), p):
        if len(run) < max(BARE_THREAD_MIN, len(best) + 1):
            continue
        shape = _footer_texts(p, run)
        voted = _voted_layout(p, run, shape)
        comments = _bare_thread(p, _build_anchored(p, run, vote=False, footers=voted), len(best))
        if not comments and voted is not shape:
            comments = _bare_thread(p, _build_anchored(p, run, vote=False, footers=shape), len(best))
        best = comments or best
    return best


def _bare_thread(p: _Page, comments: list[_Comment], longest: int) -> list[_Comment]:
    """``comments`` when they pass ``_bare_name_thread``'s tests and are more than ``longest``, else none. The
    comments at the end that hold no line reading as a sentence are left out first: a run of name lines may go on
    below the thread into the sidebar's labels and links ("About" over a profile, "Popular posts" over a title)."""
    while comments and not any(p.sentence[i] for i in comments[-1].text):
        comments = comments[:-1]
    if len(comments) < max(BARE_THREAD_MIN, longest + 1):
        return []
    heads = [p.text[c.author] if c.author is not None else None for c in comments]
    names = Counter(h for h in heads if h is not None)
    in_a_row = sum(a == b for a, b in itertools.pairwise(heads))
    opening = sum(p.sentence[c.text[0]] or p.prose[c.text[0]] for c in comments if c.text)
    top = names.most_common(1)[0][1] if names else 0
    if (len(names) < BARE_NAMES_MIN or top < 2 or top > BARE_TOP_SHARE * len(comments)
            or in_a_row > BARE_IN_A_ROW_SHARE * (len(comments) - 1)
            or opening < BARE_OPENING_SHARE * len(comments)):
        return []
    if _reads_as_thread(p, comments) and all(any(p.sentence[i] for i in c.text) for c in comments):
        return comments
    return []


def _drop_repeats(p: _Page, comments: list[_Comment]) -> list[_Comment]:
    """Drop a comment printed again verbatim (same header and text), as quoting widgets do."""

    def lines(c: _Comment) -> list[int]:
        return sorted([*([c.author] if c.author is not None else []), *c.meta, *c.text])

    # most lists repeat nothing: when no two comments agree in line count and first and last line,
    # no two agree in all their lines
    ends = [lines(c) for c in comments]
    if len({(len(ln), p.text[ln[0]], p.text[ln[-1]]) for ln in ends}) == len(comments):
        return comments
    seen: set[tuple[int, ...]] = set()  # line texts as numbers (_Page.text)
    kept: list[_Comment] = []
    for c, ln in zip(comments, ends, strict=True):
        key = tuple(p.text[i] for i in ln)
        if key in seen:
            continue
        seen.add(key)
        kept.append(c)
    return kept


def _place_comments(p: _Page, comments: list[_Comment], placed: dict[int, tuple[str, int]]) -> int:
    """Place the comments' lines (region and comment position); return where the comment section starts
    (its count line or heading when one is close above the first comment), or the page length."""
    if not comments:
        return len(p)
    head = comments[0]
    first = min(([head.author] if head.author is not None else []) + head.text + head.meta)
    limit = first
    for j in range(first - 1, max(-1, first - EVIDENCE_WINDOW), -1):
        if p.count[j] is not None or p.heading[j]:
            limit = j
            break
    for k, c in enumerate(comments):
        if c.author is not None:
            placed[c.author] = (COMMENT_AUTHOR, k)
        for i in c.meta:
            placed[i] = (COMMENT_META, k)
        for i in c.text:
            placed[i] = (COMMENT_TEXT, k)
    return limit


def _segment_comments(p: _Page, finder: Finder | _Pass = "rules") -> tuple[dict[int, tuple[str, int]], int]:
    """The comment lines of one page (line -> (region, comment position)) and the line where the comment
    section starts (the page length when there are no comments). The thread found ships only when it
    reads as readers' writing (``tasks.extract.threads.accept_thread``)."""
    placed: dict[int, tuple[str, int]] = {}
    comments = _find_comments(p, finder)
    limit = _place_comments(p, comments if accept_thread(p, comments) else [], placed)
    return placed, limit


# --------------------------------------------------------------------------------------------------
# Body and title (vectorised over all pages)
# --------------------------------------------------------------------------------------------------


def _body_windows(lines: pl.DataFrame, bounds: pl.DataFrame) -> pl.DataFrame:
    """Per page, the maximum-sum window of line weights over its lines ``_start`` to ``_limit - 1`` (the
    lines outside do not count as neighbours).

    Weights: a strong break (``_BODY_BREAKS``) cannot be crossed, except a soft one (``_SOFT_BREAKS``) with
    the article going on under it (``SOFT_BREAK_REACH``), which weighs ``SOFT_BREAK_WEIGHT``; other
    stripped lines, and lines whose text the page prints more than once (a repeated widget), weigh
    ``STRIPPED_WEIGHT``; prose (not a blurb cut to one width, see ``TRUNCATED_MIN_LINES``) weighs its word
    count (times ``ISOLATED_PROSE_FACTOR`` without a prose
    neighbour or in a teaser run, times ``TEASER_PROSE_FACTOR`` in a long teaser run or as a teaser
    blurb); long list lines weigh ``LIST_ITEM_WEIGHT`` (``TEASER_WEIGHT`` in a teaser run) and short lines
    ``SHORT_LINE_WEIGHT``. A window
    that opens right under a "related posts" heading is a list of related stories, not the article: it
    competes with its sum scaled by ``RELATED_LIST_FACTOR``. Of equal sums the first window wins. The window
    then takes in the neutral lines right above and below it (``_neutral_edges``). Where ``lines`` hold
    ``f_count`` and ``f_heading``, a comment section's opener under the article's prose ends the range searched
    (``_opener_limits``).

    The running sum of the classic scan (restart where it drops to zero or below) is the prefix sum
    minus the lowest earlier prefix sum (or zero) of the segment between breaks; the weights are
    multiples of 0.5, so these sums are exact.

    Args:
        lines: ``_page``, ``_i`` (line in the page), ``strip_rule``, ``f_prose``, ``f_words``, ``text``,
            ``_cut_blurb`` (``_truncated_blurbs``), optionally ``f_count`` and ``f_heading``, sorted by page
            and line.
        bounds: ``_page``, ``_start``, ``_limit``: the pages to search and their line range.

    Returns:
        ``_page``, ``_lo``, ``_hi`` (first and last line of the window) for the pages that have one.
    """
    page = "_page"
    if bounds.is_empty():
        return pl.DataFrame(schema={page: lines.schema[page], "_lo": lines.schema["_i"], "_hi": lines.schema["_i"]})
    scored, neutral = _window_scores(lines, bounds)
    if "f_count" in lines.columns:  # the body ends at a comment section's opener below its prose
        limits = _opener_limits(lines, scored, bounds)
        if limits.height:
            cut = bounds.join(limits, on=page, how="semi").drop("_limit").join(limits, on=page)
            rescored, reneutral = _window_scores(lines, cut)
            keep = pl.col(page).is_in(limits[page].implode()).not_()
            scored = pl.concat([scored.filter(keep), rescored])
            neutral = pl.concat([neutral.filter(keep), reneutral])
    return _best_windows(scored, neutral)


def _best_windows(scored: pl.DataFrame, neutral: pl.DataFrame) -> pl.DataFrame:
    """``_page``, ``_lo``, ``_hi`` of each page's best window (``_body_windows``) from ``_window_scores``' frames."""
    page, i = "_page", pl.col("_i")
    scored = scored.filter(pl.col("_score") > 0)
    best = scored.filter(pl.col("_score") == pl.col("_score").max().over(page))
    windows = best.group_by(page, maintain_order=True).agg(_lo=pl.col("_run_start").first(), _hi=i.first())
    return _neutral_edges(neutral, windows)


def _window_scores(lines: pl.DataFrame, bounds: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The scan of ``_body_windows`` (its arguments, ``bounds`` not empty): per line searched that is no break,
    ``_page``, ``_run_start``, ``_i``, ``_score`` (the best window sum ending at the line, and its first line),
    and ``_page``, ``_i``, ``_neutral`` (``_neutral_edges``)."""
    rule, i, page, seg = pl.col("strip_rule"), pl.col("_i"), "_page", "_seg"
    # the lines in their page's range are chosen on (page, line) first; only they are copied
    ranges = lines.select(page, "_i").join(bounds.select(page, "_start", "_limit"), on=page, how="left",
                                           maintain_order="left")
    inside = ranges.select(i.is_between(pl.col("_start"), pl.col("_limit") - 1).fill_null(value=False)).to_series()
    scan = lines.filter(inside).with_columns(ranges.select("_start", "_limit").filter(inside))
    # the rows of a page are consecutive lines from here on: a neighbour k lines away is in the page when
    # _start <= _i + k < _limit, so shifts need no per-page window
    up, down = i - pl.col("_start"), pl.col("_limit") - 1 - i  # lines of the page above and below

    def near(expr: pl.Expr, k: int) -> pl.Expr:
        """``expr`` of the line ``k`` lines away (negative: above), false outside the page."""
        inside = (down >= k) if k > 0 else (up >= -k)
        return expr.shift(-k).fill_null(value=False) & inside

    rows = scan.height
    # teaser blurbs cut to one width are no prose: they weigh as the headlines of a teaser list
    prose = pl.col("f_prose") & rule.is_null() & ~pl.col("_cut_blurb")
    words = pl.col("f_words")
    item_np, up_np, down_np = (
        col.to_numpy() for col in scan.select(
            rule.is_null() & (~prose | pl.col("text").str.slice(-1).is_in(["?", "!"])) & (words >= LIST_ITEM_MIN_WORDS),
            up, down)
    )
    total = np.concatenate([[0], np.cumsum(item_np, dtype=np.int64)])
    idx = np.arange(rows)

    def items_around(reach: int) -> pl.Series:
        """How many lines within ``reach`` lines of each line (itself included, its page only) are list items."""
        lo = idx - np.minimum(up_np, reach)
        hi = idx + np.minimum(down_np, reach)
        return pl.Series(total[hi + 1] - total[lo]) if rows else pl.Series([], dtype=pl.Int64)

    paired = near(prose, -1) | near(prose, 1)
    pair_row = pl.when(prose & near(prose, 1)).then(pl.int_range(pl.len()))
    to_pair = pair_row.backward_fill() - pl.int_range(pl.len())
    soft = rule.is_in(sorted(_SOFT_BREAKS)) & (to_pair <= pl.min_horizontal(down, SOFT_BREAK_REACH)).fill_null(
        value=False)
    teaser = pl.col("_items") >= TEASER_MIN_ITEMS
    long_teaser = pl.col("_long_items") >= LONG_TEASER_MIN_ITEMS
    headline = near(rule.is_null() & ~prose & (words >= TEASER_HEAD_MIN_WORDS) & ~_last_char().is_in([".", "。"]),
                    -1)
    blurb = prose & ~paired & (words < TEASER_BLURB_MAX_WORDS) & headline
    blurbs = pl.col("_blurb") & pl.any_horizontal(
        [near(pl.col("_blurb"), k) for d in range(2, TEASER_BLURB_REACH + 1) for k in (-d, d)])
    # a paragraph-long line that is no prose and no teaser item: neutral, and taken at the window's edges
    neutral = rule.is_null() & ~pl.col("_repeated") & ~prose & ~teaser & (words >= SENTENCE_MIN_WORDS)
    weight = (
        pl.when(soft).then(SOFT_BREAK_WEIGHT)
        .when(rule.is_not_null() | pl.col("_repeated")).then(STRIPPED_WEIGHT)
        .when(prose).then(words.cast(pl.Float64) * pl.when(long_teaser | blurbs).then(TEASER_PROSE_FACTOR)
                          .when(paired & ~teaser).then(1.0).otherwise(ISOLATED_PROSE_FACTOR))
        .when(teaser & (words >= LIST_ITEM_MIN_WORDS)).then(TEASER_WEIGHT)
        .when(words >= LIST_ITEM_MIN_WORDS).then(LIST_ITEM_WEIGHT)
        .otherwise(SHORT_LINE_WEIGHT)
    )
    is_break = (rule.is_in(sorted(_BODY_BREAKS)) & ~soft).fill_null(value=False)
    # lines from each line up to the last "related" line at or above it in the page (null: none)
    row = pl.int_range(pl.len())
    related_dist = row - pl.when(rule == "related").then(row).forward_fill()
    related_dist = pl.when(related_dist <= up).then(related_dist)
    scan = (
        scan.with_columns(
            _items=items_around(TEASER_REACH), _long_items=items_around(LONG_TEASER_REACH), _blurb=blurb,
            _repeated=_page_text_key().is_duplicated(),
        )
        .with_columns(
            _w=weight,
            _neutral=neutral,
            # segments between breaks, numbered over all pages (a page's first line opens one)
            _seg=(is_break | (i == pl.col("_start"))).cum_sum(),
            _related=i - related_dist,
            _break=is_break,
        )
        .filter(~pl.col("_break"))
    )
    prefix = pl.col("_w").cum_sum()
    lowest_before = pl.min_horizontal(prefix.cum_min().shift(1).fill_null(0.0), 0.0)
    scan = scan.with_columns(_run=(prefix - lowest_before).over(seg))
    restart = pl.col("_run").shift(1).fill_null(0.0) <= 0  # the first line of a segment opens a run
    scan = scan.with_columns(_run_start=pl.when(restart).then(i).forward_fill().over(seg))
    near_related = (pl.col("_run_start") - pl.col("_related")).is_between(0, RELATED_LIST_REACH).fill_null(value=False)
    scored = scan.select(
        page, "_run_start", i, _score=pl.col("_run") * pl.when(near_related).then(RELATED_LIST_FACTOR).otherwise(1.0)
    )
    return scored, scan.select(page, i, "_neutral")


def _opener_limits(lines: pl.DataFrame, scored: pl.DataFrame, bounds: pl.DataFrame) -> pl.DataFrame:
    """The pages whose body ends at a comment section's opener (``OPENER_PROSE_MIN``), and that opener's line.

    An unrendered or closed thread, or one the finder does not read (login and rating controls under the
    count), leaves no comment section start: without this the window runs on over the widget's lines, or
    the comments' own paragraphs outweigh the article.

    Args:
        lines: ``_page``, ``_i``, ``strip_rule``, ``f_prose``, ``_cut_blurb``, ``f_count``, ``f_heading``,
            sorted by page and line, each page's lines consecutive.
        scored: ``_page``, ``_i``, ``_score`` of the lines searched (``_window_scores``).
        bounds: ``_page``, ``_start``, ``_limit``: the pages searched and their line range.

    Returns:
        ``_page``, ``_limit`` (the first opener line that ends the body) of the pages where one does.
    """
    i = pl.col("_i")
    prose = pl.col("f_prose") & pl.col("strip_rule").is_null() & ~pl.col("_cut_blurb")
    opener = pl.col("f_count").is_not_null() | pl.col("f_heading")
    frame = lines.select("_page", "_i", _prose=prose, _opener=opener).filter(pl.col("_opener").any().over("_page"))
    frame = frame.join(bounds.select("_page", "_start", "_limit"), on="_page", how="inner", maintain_order="left")
    if frame.is_empty():
        return bounds.select("_page", "_limit").clear()
    frame = frame.join(scored.select("_page", "_i", "_score"), on=["_page", "_i"], how="left", maintain_order="left")
    score = pl.col("_score").fill_null(0.0)
    pair_row = pl.when(pl.col("_prose") & pl.col("_prose").shift(-1).over("_page").fill_null(value=False)).then(i)
    resumes = ((pair_row.backward_fill().over("_page") - i) <= SOFT_BREAK_REACH).fill_null(value=False)
    above = score.cum_max().shift(1).over("_page").fill_null(0.0)
    enough = pl.max_horizontal(pl.lit(OPENER_PROSE_MIN), OPENER_PROSE_SHARE * score.max().over("_page"))
    ends = pl.col("_opener") & i.is_between(pl.col("_start"), pl.col("_limit") - 1) & (above >= enough) & ~resumes
    return frame.filter(ends).group_by("_page", maintain_order=True).agg(_limit=i.min().cast(bounds.schema["_limit"]))


def _neutral_edges(scan: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """``windows`` (``_page``, ``_lo``, ``_hi``) grown over the runs of neutral lines right above and below them.

    A neutral line is kept, not prose, no teaser item and holds ``SENTENCE_MIN_WORDS``+ words: a paragraph whose
    end reads as no sentence end (a reporter's credit in brackets, "…【エルサレム松岡大地】", a sentence cut off
    by the page). It weighs 0, so the maximum-sum scan, first window of equal sums, leaves it out at either
    edge while it keeps it inside. Headlines, links and labels next to the article are shorter.
    ``scan``: ``_page``, ``_i``, ``_neutral`` of the lines searched (breaks left out), sorted by page and line."""
    page, i, neutral = pl.col("_page"), pl.col("_i"), pl.col("_neutral")
    joined = (neutral.shift(1) & (i.shift(1) == i - 1) & (page.shift(1) == page)).fill_null(value=False)
    joined_below = (neutral.shift(-1) & (i.shift(-1) == i + 1) & (page.shift(-1) == page)).fill_null(value=False)
    runs = scan.with_columns(
        _from=pl.when(neutral & ~joined).then(i).forward_fill(),
        _to=pl.when(neutral & ~joined_below).then(i).backward_fill(),
    ).filter(neutral)
    above = runs.select(page, _lo=i + 1, _new_lo="_from")
    below = runs.select(page, _hi=i - 1, _new_hi="_to")
    return (
        windows.join(above, on=["_page", "_lo"], how="left", maintain_order="left")
        .join(below, on=["_page", "_hi"], how="left", maintain_order="left")
        .select(page, _lo=pl.coalesce("_new_lo", "_lo").cast(windows.schema["_lo"]),
                _hi=pl.coalesce("_new_hi", "_hi").cast(windows.schema["_hi"]))
    )


def _comment_pages(feats: pl.DataFrame) -> Iterator[tuple[int, int, int, _Page]]:
    """The pages of ``feats`` (``line_features`` columns plus ``_row``, ``_page`` and ``_i``, sorted by page;
    a page may start below its first line) as (``_page``, ``_row`` and ``_i`` of its first line, page).

    The columns become Python lists once for all pages, and each page takes its slice of them; the lines
    that the finder starts from (headers, dates, counts, sections, learned headers) are found in polars
    and made local to their page with one search of the page starts."""
    if feats.height == 0:
        return
    # the sentence test's regexes run only on the lines too short to be a sentence by their words alone, the
    # second (a sentence end inside the line, a search through all of it) only where the first (its end) fails
    sentence = feats.select(_SENTENCE_WORDS).to_series().to_numpy().copy()
    for shape in _SENTENCE_SHAPES:
        rest = pl.Series(np.flatnonzero(~sentence))
        sentence[rest.to_numpy()] = feats.select("text").gather(rest).select(shape).to_series().to_numpy()
    feats = feats.with_columns(_name_like(feats), meta=_META, sentence=pl.Series(sentence),
                               _text_id=pl.col("text").hash())
    feats = feats.with_columns(titled_lines(feats, feats["name_like"]))
    # a header kind needs an author read by a header pattern or a shared affix: the other lines have none
    may_head = pl.any_horizontal(_SAYS.is_not_null(), _BY_AUTHOR.is_not_null(), _AD_AUTHOR.is_not_null(),
                                 pl.col("f_affix").fill_null(value=False))
    headers = feats.with_row_index("_local").filter(may_head).select("_local", _kind=_HEADER_KIND).drop_nulls()
    # each page's first row in feats, and per row list of the starters its page's range in it
    page_lens = feats["_page"].rle().struct.field("len").to_numpy()
    starts = np.concatenate([[0], np.cumsum(page_lens)]).astype(np.int64)
    firsts = feats.select("_page", "_row", "_i").gather(starts[:-1])

    def local_rows(expr: pl.Expr | pl.Series) -> tuple[list[int], list[int]]:
        rows = (expr.to_numpy() if isinstance(expr, pl.Series)
                else feats.select(pl.arg_where(expr)).to_series().to_numpy())
        bounds = np.searchsorted(rows, starts)
        page = np.repeat(np.arange(len(page_lens)), np.diff(bounds))
        return (rows - starts[page]).tolist(), bounds.tolist()

    dates, date_bounds = local_rows(pl.col("f_date"))
    learned, learned_bounds = (local_rows(pl.col("_learned")) if "_learned" in feats.columns
                               else ([], [0] * len(starts)))
    counts, count_bounds = local_rows(pl.col("f_count").is_not_null())
    sections, section_bounds = local_rows(pl.col("f_count").is_not_null() | pl.col("f_heading"))
    header_rows, header_bounds = local_rows(headers["_local"])
    kinds = headers["_kind"].to_list()
    columns = {"text": "_text_id", "rule": "strip_rule", "date": "f_date", "count": "f_count", "heading": "f_heading",
               "numeric": "f_numeric", "prose": "f_prose", "sentence": "sentence", "meta": "meta",
               "name_like": "name_like", "titled": "titled"}
    cols = {name: feats[column].to_list() for name, column in columns.items()}
    bounds = starts.tolist()
    raw = feats["text"].to_list()
    for k, (page_key, first_row, first_line) in enumerate(firsts.iter_rows()):
        lo, hi = bounds[k], bounds[k + 1]
        h_lo, h_hi = header_bounds[k], header_bounds[k + 1]
        yield page_key, first_row, first_line, _Page(
            **{name: values[lo:hi] for name, values in cols.items()},
            headers=dict(zip(header_rows[h_lo:h_hi], kinds[h_lo:h_hi], strict=True)),
            dates=dates[date_bounds[k]:date_bounds[k + 1]], counts=counts[count_bounds[k]:count_bounds[k + 1]],
            sections=sections[section_bounds[k]:section_bounds[k + 1]],
            learned=learned[learned_bounds[k]:learned_bounds[k + 1]], raw=raw[lo:hi],
        )


def _number_lines(feats: pl.DataFrame) -> pl.DataFrame:
    """Add ``_row`` (the line's row), ``_page`` (a number per page) and ``_i`` (its line in the page) to
    lines sorted by page."""
    return feats.with_row_index("_row").with_columns(_page=pl.col("page_id").rle_id()).with_columns(
        _i=pl.int_range(pl.len(), dtype=pl.Int32).over("_page")
    )


# Line flags of the ``line_features`` columns, computed on the lines that a finder reads.
_RULE, _TEXT, _CHARS = pl.col("strip_rule"), pl.col("text"), pl.col("text").str.len_chars()
_UNSTATED = pl.col("f_count").is_null() & ~pl.col("f_date") & ~pl.col("f_numeric")
_TIME_ONLY = r"(?i)^\d{1,2}[:.]\d{2}(?::\d{2})?\s*(?:[ap]\.?\s?m\.?)?$"
"""A time of day alone ("7:28 PM", "18:06"): a comment widget's timestamp."""
_META = (pl.col("f_date") | pl.col("f_numeric") | (_RULE == "comment_chrome").fill_null(value=False)
         | _TEXT.str.contains(_TIME_ONLY).fill_null(value=False))
"""Dates, times of day, numbers and comment-widget controls: never a comment's text."""
_NAME_SHAPE = ((_RULE.is_null() | (_RULE == "template")) & _UNSTATED & ~pl.col("f_heading")
               & (_CHARS <= NAME_MAX_CHARS) & (pl.col("f_words") <= NAME_MAX_WORDS))
# Python's "$" also matches before a final newline
_NAME_END = ~_TEXT.str.contains(r"[.!?:;,]\n?$") | _TEXT.str.ends_with(".") | _TEXT.str.ends_with("!")
_NAME_LIKE = _NAME_SHAPE & _NAME_END
"""Lines that can be a commenter's name (see ``_Page``); ``_name_like`` computes it for less."""


def _name_like(frame: pl.DataFrame) -> pl.Series:
    """``_NAME_LIKE`` of each line of ``frame`` (false where null), its end regex run only on the lines of
    a name's shape."""
    like = frame.select(_NAME_SHAPE.fill_null(value=False)).to_series().to_numpy().copy()
    shaped = pl.Series(np.flatnonzero(like))
    like[shaped.to_numpy()] = frame.select("text").gather(shaped).select(_NAME_END.fill_null(value=False)
                                                                         ).to_series().to_numpy()
    return pl.Series("name_like", like)
_SENTENCE_SHAPES = (_TEXT.str.contains(r"[.!?…:;)\]\"”»’。！？」』]\s*$"), _TEXT.str.contains(r"\w[.!?…。！？]\s+\w"))
_SENTENCE_SHAPE = _SENTENCE_SHAPES[0] | _SENTENCE_SHAPES[1]
_SENTENCE_WORDS = pl.col("f_words") >= SENTENCE_MIN_WORDS
_SENTENCE = _SENTENCE_SHAPE | _SENTENCE_WORDS
"""Lines that end like a sentence, hold a sentence end followed by more words, or are long enough to be
one (see ``_reads_as_thread``)."""



_ANCHOR = pl.any_horizontal(pl.col("f_says", "f_by_author", "f_ad_author").is_not_null()) | pl.col("f_date") | pl.col(
    "f_affix")
_EVIDENCE = (
    pl.col("f_heading") | pl.col("strip_rule").is_in(["comment_form", "profile_comments_start"]).fill_null(value=False)
    | pl.col("f_says").is_not_null() | pl.col("f_by_author").is_not_null()
)
_CHROME_LINE = (pl.col("strip_rule") == "comment_chrome").fill_null(value=False)
_MAY_HOLD_COMMENTS = ((pl.col("f_count") >= 1).any() | (_EVIDENCE.any() & (_ANCHOR.sum() >= 2))
                      | pl.col("f_heading").any() | (_CHROME_LINE.sum() >= 2)).over("_page")
"""Per line, whether its page may hold a comment list. Without a stated count (which ``_alternating`` and a
lone comment need), a list needs two header or date lines and evidence (``_evidence``, ``_form_follows``):
a comments heading, a comment form, or "says" and "by" headers; or two comment controls (a widget bar over
name lines, ``_name_thread``)."""


_REGION_CODES = {TITLE: 1, BODY: 2, COMMENT_AUTHOR: 3, COMMENT_TEXT: 4, COMMENT_META: 5}


def _header_lines(feats: pl.DataFrame) -> pl.DataFrame:
    """The columns of ``feats`` that the comment-header classifier reads, ``name_like`` as the finder reads it
    (``_name_like``; taken from ``feats`` where it has the column)."""
    if "name_like" in feats.columns:
        return feats.select(HEADER_COLUMNS)
    return feats.select([c for c in HEADER_COLUMNS if c != "name_like"]).with_columns(_name_like(feats))


def learned_header_features(feats: pl.DataFrame) -> pl.DataFrame:
    """``tasks.extract.comment_headers.header_features`` of every line of ``feats`` (``line_features`` columns plus
    ``_page`` and ``_i``, sorted by page and line), its ``name_like`` read as the finder reads it."""
    return header_features(_header_lines(feats))


def learned_headers(feats: pl.DataFrame, model: dict[str, Any] | None) -> pl.Series:
    """Per line of ``feats``, whether the learned classifier (``model``; None: no classifier) is sure it
    heads a comment (its log-odds at least the model's ``threshold``)."""
    if model is None or feats.height == 0:
        return pl.Series("_learned", np.zeros(feats.height, dtype=bool))
    scores = line_scores(_header_lines(feats), model)
    return pl.Series("_learned", scores >= float(model["threshold"]))


_FINDER_COLUMNS = ("_row", "_page", "_i", "text", "strip_rule", "f_date", "f_count", "f_heading", "f_numeric",
                   "f_words", "f_prose", "f_affix", "f_says", "f_by_author", "f_ad_author")
"""The ``feats`` columns the comment finder reads (``_Page``)."""


def _learned_candidates(feats: pl.DataFrame, found: pl.Series, model: dict[str, Any]) -> pl.DataFrame:
    """The lines of the pages of ``feats`` where the classifier (``model``) may make a thread, with
    ``_learned`` (the lines it is sure head a comment): pages whose rules found none (not in ``found``,
    the ``_page`` of pages with rule comments) where at least ``LEARNED_MIN_COMMENTS`` lines reach the
    threshold in an upper bound of the score that skips the costly shape-group features
    (``tasks.extract.comment_headers.line_scores`` with ``bound="groups"``). The features of a line read only
    its own page, so the pages left out are those where the full score finds too few headers too: the result
    is the same as scoring every page, at a fraction of the cost."""
    columns = dict.fromkeys([*_FINDER_COLUMNS, *(c for c in HEADER_COLUMNS if c != "name_like")])
    rest = feats.select(list(columns))
    if found.len():
        rest = rest.filter(~pl.col("_page").is_in(found.implode()))
    if rest.height == 0:
        return rest.with_columns(_learned=pl.lit(value=False))
    threshold = float(model["threshold"])
    rest = rest.with_columns(_name_like(rest))  # read once for both scores
    # the bound without the page's shape groups: its repeated texts cost little and leave out more pages than
    # the looser bound without any repetition (on real pages a third of the lines that one keeps)
    bound = line_scores(_header_lines(rest), model, bound="groups") + _BOUND_SLACK >= threshold
    rest = rest.with_columns(pl.Series("_bound", bound)).filter(
        pl.col("_bound").sum().over("_page") >= LEARNED_MIN_COMMENTS).drop("_bound")
    return rest.with_columns(learned_headers(rest, model)).drop("name_like")


_BOUND_SLACK = 1e-9
"""Added to an upper bound of a line's score before it is compared with the threshold: a bound that equals
the score may sum its terms in another order, and must not fall an ulp under it."""


def _bare_pages(feats: pl.DataFrame, found: pl.Series) -> pl.DataFrame:
    """The ``_FINDER_COLUMNS`` of the pages of ``feats`` where a thread of name lines alone may stand
    (``_bare_name_thread``): pages not in ``found`` (the ``_page`` of pages with comments) with no comment cue
    (``_MAY_HOLD_COMMENTS`` false) where ``BARE_THREAD_MIN`` name-like lines or more stand over a text line and
    one such line's text heads two of them, among ``BARE_NAMES_MIN`` different ones or more. Lines of a header's
    shape ("NAME DATE", "by NAME", a closing word the page repeats) do not keep a page out: the learned headers
    have read them and made no thread of them, and they stand on pages whose thread prints names alone, in a
    sidebar's dated list of posts, a recipe's "Prep Time:" lines, an archive's "TITLE DATE" links (of the
    labelled threads read without their cues, ``--scramble all``, five pages' threads of name lines, 119
    comments, stood on such pages; no comment-less page gained a thread, under any ``--scramble`` mode)."""
    rest = feats.select(_FINDER_COLUMNS)
    if found.len():
        rest = rest.filter(~pl.col("_page").is_in(found.implode()))
    rest = rest.filter(~_MAY_HOLD_COMMENTS)
    if rest.height == 0:
        return rest
    like = _name_like(rest)
    text_like = ~like & ~rest.select(_META.fill_null(value=False)).to_series() & rest.select(
        (_RULE.is_null() | (_RULE == "template")).fill_null(value=False)).to_series()
    same_page = rest["_page"] == rest["_page"].shift(-1)
    head = (like & text_like.shift(-1, fill_value=False) & same_page.fill_null(value=False)).alias("_head")
    counts = rest.select("_page", "text", head).filter(pl.col("_head")).group_by("_page", "text").len()
    pages = counts.group_by("_page").agg(pl.col("len").sum().alias("_n"), pl.col("len").max().alias("_top"),
                                         pl.len().alias("_names"))
    pages = pages.filter((pl.col("_n") >= BARE_THREAD_MIN) & (pl.col("_top") >= 2)
                         & (pl.col("_names") >= BARE_NAMES_MIN))
    return rest.filter(pl.col("_page").is_in(pages["_page"].implode()))


def _comment_lines(finder_lines: pl.DataFrame, finder: Finder | _Pass, out: tuple[list[int], list[int], list[int],
                   list[tuple[int, int, int]]]) -> None:
    """Run the comment finder (``finder``) on each page of ``finder_lines`` and add to ``out`` (rows,
    region codes, comment positions, sections) what it places."""
    rows, codes, positions, sections = out
    for page_key, first_row, first_line, page in _comment_pages(finder_lines):
        placed, limit = _segment_comments(page, finder)
        if placed:
            rows.extend([first_row + i for i in placed])
            codes.extend([_REGION_CODES[name] for name, _ in placed.values()])
            positions.extend([k for _, k in placed.values()])
            sections.append((page_key, first_line + limit, first_line + max(placed) + 1))


def _all_comments(feats: pl.DataFrame, header_model: dict[str, Any] | None = None, finder: Finder = "both"
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Step 1 (comments): the rules on the pages that may hold a comment list (``_MAY_HOLD_COMMENTS``),
    then the learned classifier (``header_model``; None: rules only) on the pages where they found none
    and a run of headers can be (``_learned_candidates``): its thread where it is sure of
    ``LEARNED_MIN_COMMENTS`` headers or more.

    Args:
        feats: ``line_features`` columns plus ``_row``, ``_page`` and ``_i`` (``_number_lines``).
        header_model: the comment-header classifier's weights (``tasks.extract.comment_headers.load_model``).
        finder: "both" (rules, else the classifier's headers), "rules" or "learned" (one of them alone).

    Returns:
        The comment lines (``_row``, ``_region`` as in ``_REGION_CODES``, ``_position``), and per page with
        comments ``_page``, ``_limit`` (where its comment section starts) and ``_after`` (the line after
        its last comment line).
    """
    out: tuple[list[int], list[int], list[int], list[tuple[int, int, int]]] = ([], [], [], [])
    # the finder reads no line more than COMMENT_REACH lines above a page's first header, date or count
    # (a comments heading is an anchor too: name lines under it may make a thread, ``_name_thread``)
    first_anchor = pl.when(_ANCHOR | pl.col("f_count").is_not_null() | pl.col("f_heading") | _CHROME_LINE
                           ).then(pl.col("_i")).min().over("_page")
    if finder != "learned":
        _comment_lines(feats.select(_FINDER_COLUMNS).filter(
            _MAY_HOLD_COMMENTS & (pl.col("_i") >= first_anchor - COMMENT_REACH)), "rules", out)
    if header_model is not None and finder != "rules":
        found = pl.Series("_page", [page for page, _, _ in out[3]], dtype=pl.UInt32)
        rest = _learned_candidates(feats, found, header_model)
        learned = pl.col("_learned")
        first = pl.when(_ANCHOR | pl.col("f_count").is_not_null() | learned).then(pl.col("_i")).min().over("_page")
        _comment_lines(rest.select(*_FINDER_COLUMNS, "_learned").filter(
            (learned.sum().over("_page") >= LEARNED_MIN_COMMENTS) & (pl.col("_i") >= first - COMMENT_REACH)),
            "learned", out)
    if finder != "learned":
        found = pl.Series("_page", [page for page, _, _ in out[3]], dtype=pl.UInt32)
        _comment_lines(_bare_pages(feats, found), "bare", out)
    rows, codes, positions, sections = out
    comments = pl.DataFrame({"_row": rows, "_region": codes, "_position": positions},
                            schema={"_row": pl.UInt32, "_region": pl.Int8, "_position": pl.Int32})
    return comments, pl.DataFrame(sections, schema={"_page": pl.UInt32, "_limit": pl.Int32, "_after": pl.Int32},
                                  orient="row")


def sorted_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """``lines`` sorted by ``page_id`` and ``line_no``; returned as they are when their keys already
    increase strictly (as the boilerplate stage writes them), which is cheaper to check than to sort."""
    page, line = pl.col("page_id"), pl.col("line_no")
    prev_page = page.shift(1)
    increasing = (page > prev_page) | ((page == prev_page) & (line > line.shift(1)))  # null where a key is
    if lines.height < 2 or lines.select(increasing.slice(1).all(ignore_nulls=False)).item():
        return lines
    return lines.sort("page_id", "line_no", maintain_order=True)


def page_urls(feats: pl.DataFrame, urls: pl.DataFrame | None) -> pl.DataFrame | None:
    """``_page``, ``url`` of the pages of ``feats`` (``page_id``, ``_page``) that ``urls`` (``page_id``,
    ``url``) names."""
    if urls is None:
        return None
    pages = feats.select("page_id", "_page").unique("_page")
    return pages.join(urls.select("page_id", "url"), on="page_id", how="inner").select("_page", "url")


def body_windows(lines: pl.DataFrame, *, header_model: dict[str, Any] | None = None, finder: Finder = "both"
                 ) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, pl.DataFrame]:
    """Steps 1 and 2 of ``segment_pages``: the comments, then the body window of each page.

    Args:
        lines: ``LINES`` rows (reads ``page_id``, ``line_no``, ``text``, ``strip_rule``), not empty.
        header_model: the comment-header classifier's weights (the shipped model by default).
        finder: "both" (the comment finder's rules, else the classifier's headers), "rules" or "learned"
            (one of them alone).

    Returns:
        The lines sorted by page and line with the ``line_features`` columns, ``_row``, ``_page``, ``_i``,
        ``_placed`` (the line is in a comment) and ``_cut_blurb`` (``_truncated_blurbs``); per line its region
        code (``_REGION_CODES``, 0 where unplaced) and comment position (-1 outside comments); and per page
        ``_page``, ``_lo``, ``_hi`` (the body window's first and last line) for the pages that have one.
    """
    feats = _number_lines(line_features(sorted_lines(lines)))
    # 1. comments, and where each page's comment section starts
    if finder not in FINDERS:
        raise ValueError(f"finder must be one of {FINDERS}, not {finder!r}")
    model = None if finder == "rules" else header_model or load_header_model()
    comments, sections = _all_comments(feats, model, finder)
    region = np.zeros(feats.height, dtype=np.int8)  # 0: unplaced, else _REGION_CODES
    position = np.full(feats.height, -1, dtype=np.int32)  # -1: not in a comment
    region[comments["_row"].to_numpy()] = comments["_region"].to_numpy()
    position[comments["_row"].to_numpy()] = comments["_position"].to_numpy()
    feats = feats.with_columns(_placed=pl.Series(region > 0), _cut_blurb=_truncated_blurbs(feats))
    # 2. the body window above the comments; where there is none, below them (some layouts print the
    # article after the comments)
    page_len = feats.group_by("_page", maintain_order=True).agg(_n=pl.len().cast(pl.Int32))
    bounds = page_len.join(sections, on="_page", how="left", maintain_order="left").select(
        "_page", "_after", "_n", _start=pl.lit(0, dtype=pl.Int32), _limit=pl.col("_limit").fill_null(pl.col("_n"))
    )
    window_columns = feats.select("_page", "_i", "strip_rule", "f_prose", "f_words", "text", "_cut_blurb", "f_count",
                                  "f_heading")
    above = _body_windows(window_columns, bounds)
    below = _body_windows(
        window_columns,
        bounds.filter(pl.col("_after").is_not_null()).join(above, on="_page", how="anti").select(
            "_page", _start=pl.col("_after"), _limit=pl.col("_n")),
    )
    windows = pl.concat([above, below])
    return feats, region, position, windows


_LABEL_END_NOT = (":", ".", ",", ";")
"""A teaser box's label does not end like this (a line ending so introduces the article's own list)."""
_REPEATED_KEPT_END = (":", "[", "]", "(", ")", "{", "}")
"""Repeated short lines ending like this are kept (speaker labels, code)."""


def _last_char() -> pl.Expr:
    """The last character of ``text`` (a cheaper test of how a line ends than an end-anchored regex)."""
    return pl.col("text").str.slice(-1)


_ROW = pl.int_range(pl.len())


def _run_bounds(key: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Of rows sorted by page: whether each row opens its run of equal ``key`` values within its page, and the
    row numbers of the run's first and last row (scans only, cheaper than windows over page and run)."""
    page = pl.col("_page")
    opens = ((key != key.shift(1)) | (page != page.shift(1))).fill_null(value=True)
    closes = ((key != key.shift(-1)) | (page != page.shift(-1))).fill_null(value=True)
    return opens, pl.when(opens).then(_ROW).forward_fill(), pl.when(closes).then(_ROW).backward_fill()


def _cut_tails_and_standfirsts(frame: pl.DataFrame) -> pl.DataFrame:
    """Cut each window's tail (see ``TAIL_GAP_LINES``) and find each page's standfirst (see ``LEDE_REACH``).

    Reads ``_page``, ``_i``, ``_lo``, ``_hi``, ``_title``, ``text``, ``strip_rule``, ``f_words``, ``f_date``,
    ``_timestamp`` (``_timestamps``), ``_placed`` and ``_gap_start`` (the row opens a run of ``TAIL_GAP_LINES``+ gap
    lines) of ``frame``: the rows of each page from above its window to below it, sorted by page and line. Returns
    it with ``_hi`` moved above a cut tail and ``_standfirst``. Per-page values come from scans (a value filled
    forward from a page's first row, or backward from its last), cheaper than windows over the page.
    """
    i, lo, rule, page = pl.col("_i"), pl.col("_lo"), pl.col("strip_rule"), pl.col("_page")
    frame = _cut_heads(frame)
    inside = i.is_between(lo, pl.col("_hi"))
    under_caption = ((rule.shift(-1) == "caption") & (page.shift(-1) == page)).fill_null(value=False)
    candidate = (
        (lo - pl.col("_title") <= LEDE_REACH) & (i > pl.col("_title")) & (i < lo) & rule.is_null()
        & ~pl.col("_placed") & ~pl.col("f_date") & (pl.col("f_words") >= LIST_ITEM_MIN_WORDS) & ~under_caption
        # a date with a clock time is a dateline however many words are around it ("23. März 2017, aktualisiert
        # 23. März 2017, 15:43 Uhr | Quelle: ..."), not the summary
        & ~pl.col("_timestamp")
    ).fill_null(value=False)
    words, cand, n = pl.col("_words"), pl.col("_cand"), pl.col("_n")
    opens, closes = pl.col("_opens"), pl.col("_closes")
    frame = frame.with_columns(
        _n=_ROW,
        _opens=(page != page.shift(1)).fill_null(value=True),
        _closes=(page != page.shift(-1)).fill_null(value=True),
        _words=pl.when(inside & rule.is_null() & ~pl.col("f_date")).then(pl.col("f_words")).otherwise(0),
        _cand=candidate.cast(pl.Int32),
        _start=inside & pl.col("_gap_start"),
    ).with_columns(
        _above=words.cum_sum() - words,  # window words of the rows above, from the frame's first row on
        _seen=cand.cum_sum() - cand,  # standfirst candidates above, likewise
    )
    start, above = pl.col("_start"), pl.col("_above")

    def at_last_row(expr: pl.Expr) -> pl.Expr:
        """``expr`` of the page's last row on every row of the page (where null there: a later page's)."""
        return pl.when(closes).then(expr).backward_fill()

    frame = frame.with_columns(
        _first=pl.when(opens).then(n).forward_fill(), _last=at_last_row(n),
        _page_above=pl.when(opens).then(above).forward_fill(), _through=at_last_row(above + words),
        _standfirst=(cand == 1) & (pl.col("_seen") == pl.when(opens).then(pl.col("_seen")).forward_fill())
        & _last_char().is_in(_LEDE_END),
    )
    # a tail start whose tail (its words to the window's end) is short, and the page's first such one (filled
    # in from another page where it has none: not taken)
    tail, total = pl.col("_through") - above, pl.col("_through") - pl.col("_page_above")
    short = start & (tail <= TAIL_MAX_WORDS) & (tail * TAIL_MAX_SHARE <= total)

    def at_first(expr: pl.Expr) -> pl.Expr:
        """The first non-null ``expr`` at or after the page's first row, on every row of the page."""
        return pl.when(opens).then(expr.backward_fill()).forward_fill()

    frame = frame.with_columns(_cut_row=at_first(pl.when(short).then(n)), _cut=at_first(pl.when(short).then(i)))
    trim = pl.col("_cut_row").is_between(pl.col("_first"), pl.col("_last")).fill_null(value=False)
    return frame.with_columns(_hi=pl.when(trim).then(pl.col("_cut") - 1).otherwise(pl.col("_hi"))).drop(
        "_n", "_opens", "_closes", "_words", "_cand", "_start", "_above", "_seen", "_first", "_last", "_page_above",
        "_through", "_cut_row", "_cut")


def _cut_heads(frame: pl.DataFrame) -> pl.DataFrame:
    """Move each window's first line under its head (see ``HEAD_MAX_WORDS``; the page's title line, where the
    window opens with it, counts for nothing: a headline that asks or exclaims reads as prose). Reads ``_page``,
    ``_i``, ``_lo``, ``_hi``, ``_title``, ``strip_rule``, ``f_words``, ``f_date``, ``f_prose``, ``_gap_end`` of
    ``frame`` (consecutive lines of each page); returns it with ``_lo`` moved. Per-page sums are running sums
    less their value at the page's first row (scans, cheaper than windows over the page)."""
    i, lo, hi, rule, page = pl.col("_i"), pl.col("_lo"), pl.col("_hi"), pl.col("strip_rule"), pl.col("_page")
    inside = i.is_between(lo, hi)
    opens = (page != page.shift(1)).fill_null(value=True)
    closes = (page != page.shift(-1)).fill_null(value=True)

    def in_page(expr: pl.Expr) -> pl.Expr:
        """The running sum of ``expr`` over the page's rows up to and including this one."""
        run = expr.cum_sum()
        return run - pl.when(opens).then(run - expr).forward_fill()

    # the page's title line, where the window opens with it, is neither head words nor a sentence of the article
    own = inside & rule.is_null() & (i != pl.col("_title")).fill_null(value=True)
    words = pl.when(own & ~pl.col("f_date")).then(pl.col("f_words")).otherwise(0)
    sentence = (own & pl.col("f_prose") & _last_char().is_in(_LEDE_END)).cast(pl.Int32)
    end = inside & pl.col("_gap_end") & (i < hi)
    head, said, ends = in_page(words), in_page(sentence), in_page(end.cast(pl.Int32))
    total = pl.when(closes).then(head).backward_fill()
    cuts = frame.select(page, _new=i + 1, _cut=(end & (ends == 1) & (said == 0) & (head <= HEAD_MAX_WORDS)
                                                 & (head * HEAD_MAX_SHARE <= total)).fill_null(value=False)
                        ).filter(pl.col("_cut"))
    if not cuts.height:
        return frame
    moved = page.replace_strict(cuts["_page"], cuts["_new"], default=None, return_dtype=frame.schema["_lo"])
    return frame.with_columns(_lo=moved.fill_null(lo))


def _aside_lines(text: pl.Series, kept: pl.Series) -> pl.Series:
    """Whether each line is an image caption or a link to another story (``_ASIDE_LINES``, ``_PHOTO_CREDITS``,
    ``_AGENCY_TAIL_RE``, ``_CUT_LINK_RE``, ``_self_repeated``); only the ``kept`` lines are read (the others never
    join the body)."""
    found = np.zeros(text.len(), dtype=bool)
    rows = kept.arg_true()
    candidates = text.gather(rows)
    maybe = rows.filter(candidates.str.contains(_ASIDE_CHARS).fill_null(value=False))
    if maybe.len():
        lines = text.gather(maybe)
        hits = lines.str.contains(_ASIDE_LINES[0])
        for pattern in _ASIDE_LINES[1:]:
            hits = hits | lines.str.contains(pattern)
        found[maybe.filter(hits.fill_null(value=False)).to_numpy()] = True
    colon = rows.filter(candidates.str.contains(":", literal=True).fill_null(value=False))
    labelled = colon.filter(text.gather(colon).str.contains(_PHOTO_LABEL).fill_null(value=False))
    if labelled.len():
        photo = text.gather(labelled)
        credited = photo.str.contains(_PHOTO_CREDITS[0]) | photo.str.contains(_PHOTO_CREDITS[1])
        found[labelled.filter(credited.fill_null(value=False)).to_numpy()] = True
    # (first the last character: an end-anchored pattern reads a whole paragraph)
    tailed = rows.filter(candidates.str.slice(-1).str.contains(r"[\p{Lu}\p{Lo}\d]").fill_null(value=False))
    if tailed.len():
        found[tailed.filter(text.gather(tailed).str.contains(_AGENCY_TAIL_RE).fill_null(value=False)).to_numpy()] = True
    dotted = rows.filter(candidates.str.contains(r"…|\.\.\.").fill_null(value=False))
    if dotted.len():
        found[dotted.filter(text.gather(dotted).str.contains(_CUT_LINK_RE).fill_null(value=False)).to_numpy()] = True
    found[rows.filter(_self_repeated(candidates)).to_numpy()] = True
    return pl.Series(found)


def _self_repeated(text: pl.Series) -> pl.Series:
    """Whether each line is one phrase printed two to ``SELF_REPEAT_MAX`` times (see ``SELF_REPEAT_MIN_WORDS``)."""
    found = np.zeros(text.len(), dtype=bool)
    frame = pl.DataFrame({"t": text}).with_row_index("r").with_columns(n=pl.col("t").str.len_chars().cast(pl.Int64))
    frame = frame.filter(pl.col("n") >= 2 * SELF_REPEAT_MIN_WORDS - 1)
    t, n = pl.col("t"), pl.col("n")
    for times in range(2, SELF_REPEAT_MAX + 1):
        size = (n - (times - 1)) // times
        # the line's length fits, its first and last pieces agree, then the whole line is compared
        shaped = frame.filter(((n - (times - 1)) % times == 0) & (size >= 1))
        shaped = shaped.filter(t.str.slice(0, size) == t.str.slice(n - size))
        piece = t.str.slice(0, size)
        hit = shaped.filter(piece.str.contains(" ", literal=True)
                            & (pl.concat_str([piece] * times, separator=" ") == t))["r"]
        found[hit.to_numpy()] = True
    return pl.Series(found)


def _bio_names(frame: pl.DataFrame) -> pl.Series:
    """Whether each row of ``frame`` (``_page``, ``_i``, ``_hi``, ``text``, ``strip_rule``, ``f_words``, ``f_date``;
    consecutive lines of each page) is the name line over a writer's bio (see ``BIO_NAME_MAX_WORDS``)."""
    page, words, kept, date = pl.col("_page"), pl.col("f_words"), pl.col("strip_rule").is_null(), pl.col("f_date")

    def at(k: int, expr: pl.Expr) -> pl.Expr:
        """``expr`` of the line ``k`` lines below, false outside the page."""
        return ((page.shift(-k) == page) & expr.shift(-k)).fill_null(value=False)

    below = at(1, kept & (words >= LIST_ITEM_MIN_WORDS))
    # a name of two words or more, a role line under it ("Redakteurin", "Formel 1 & Motorrad Ressort"), the bio
    role = (words >= 2) & at(1, kept & ~date & words.is_between(1, BIO_NAME_MAX_WORDS)) & at(
        2, kept & (words >= LIST_ITEM_MIN_WORDS))
    candidates = frame.select(
        "_page", _row=_ROW, _name=pl.col("text"), _next=pl.col("text").shift(-1), _role=role,
        _ok=(kept & ~date & words.is_between(1, BIO_NAME_MAX_WORDS) & (below | role)
             & (pl.col("_hi") - pl.col("_i")).is_between(1, BIO_REACH)).fill_null(value=False),
    ).filter(pl.col("_ok"))
    found = np.zeros(frame.height, dtype=bool)
    if not candidates.height:
        return pl.Series(found)
    # (the next line's opening word is read from its first characters only: lowercasing whole paragraphs costs)
    name = pl.col("_name").str.to_lowercase()
    opening = pl.col("_next").str.slice(0, 40).str.to_lowercase().str.extract(r"^\W*(\w+)", 1)
    first, last = (pl.col("_name").str.extract(_NAME_WORDS, k) for k in (1, 2))
    named = candidates.with_columns(_name=name).filter(
        ((opening == first) | (opening == last)).fill_null(value=False) | pl.col("_role")).select(
        "_row", "_page", "_name", "_role")
    if not named.height:
        return pl.Series(found)
    # the name is the byline's too: another line of the page holds it (not the bio, nor the role line over it)
    lines = frame.select("_page", "text", _line=_ROW).filter(page.is_in(named["_page"].implode()))
    line, row = pl.col("_line"), pl.col("_row")
    rows = named.join(lines, on="_page").filter(
        (line != row) & (line != row + 1) & ~(pl.col("_role") & (line == row + 2))
        & pl.col("text").str.to_lowercase().str.contains(pl.col("_name"), literal=True))["_row"].unique()
    found[rows.to_numpy()] = True
    return pl.Series(found)


def _truncated_blurbs(frame: pl.DataFrame) -> pl.Series:
    """Whether each row of ``frame`` (``_page``, ``text``) is a teaser blurb cut to a fixed width (see
    ``TRUNCATED_MIN_LINES``)."""
    text = frame["text"]
    cut = frame.select("_page", "text", _row=pl.int_range(pl.len())).filter(
        text.str.ends_with("...") | text.str.ends_with("…")).with_columns(_len=pl.col("text").str.len_chars()).filter(
        pl.col("_len") >= TRUNCATED_MIN_CHARS)
    found = np.zeros(frame.height, dtype=bool)
    if cut.height >= TRUNCATED_MIN_LINES:
        rows = cut.filter(pl.len().over("_page", "_len") >= TRUNCATED_MIN_LINES)["_row"]
        found[rows.to_numpy()] = True
    return pl.Series(found)


def _stamp_lines(frame: pl.DataFrame) -> pl.Series:
    """Whether each row of ``frame`` (``text``, ``strip_rule``, ``f_has_date``) is a kept line holding a date or a
    clock time and at most ``STAMP_MAX_WORDS`` words once its CJK date and time parts ("2025年1月14日", "01時28分")
    are taken out (those scripts count a word per sign); see ``STAMP_MAX_WORDS``, whose neighbour test is not
    made here. The patterns run only on the kept lines of at most ``STAMP_MAX_CHARS`` characters holding a date, a
    colon or a CJK date or time sign."""
    found = np.zeros(frame.height, dtype=bool)
    short = frame.select(_row=_ROW, text=pl.col("text"), _dated=pl.col("f_has_date").fill_null(value=False)).filter(
        frame["strip_rule"].is_null() & (frame["text"].str.len_chars() <= STAMP_MAX_CHARS))
    # (a clock needs a colon, a CJK date or time one of four signs: cheap tests before the pattern)
    text = short["text"]
    maybe = short.filter(short["_dated"] | text.str.contains(":", literal=True).fill_null(value=False)
                         | text.str.contains("[時时月월]").fill_null(value=False))
    if maybe.height:
        rest = pl.col("text").str.replace_all(_CJK_DATE_PART, " ")
        hits = maybe.filter(pl.col("_dated") | pl.col("text").str.contains(_STAMP_RE).fill_null(value=False)).filter(
            count_words(rest) <= STAMP_MAX_WORDS)["_row"]
        found[hits.to_numpy()] = True
    return pl.Series(found)


def _with_asides(frame: pl.DataFrame) -> pl.DataFrame:
    """Lone headlines (see ``_LONE_HEADLINE_END``), teaser boxes (see ``TEASER_BOX_MIN_ITEMS``), credited
    captions and story links (see ``_ASIDE_LINES``), blurbs cut to a fixed width (see ``TRUNCATED_MIN_LINES``) and
    stamp lines (see ``STAMP_MAX_WORDS``) of lines sorted by page and line.

    Reads ``_page``, ``_i``, ``strip_rule``, ``f_prose``, ``f_words``, ``f_date``, ``f_has_date``, ``text``,
    ``_cut_blurb`` (a blurb cut to one width, ``_truncated_blurbs`` over the whole page), ``_twice`` (the page
    prints the line's text more than once; a run of them is a copied box, see ``COPIED_BOX_MIN_LINES``) of ``frame``
    (consecutive lines of each page; the line above or below a page's first or last row counts as absent); adds
    ``_aside`` and ``_gap_start`` (the row opens a run of ``TAIL_GAP_LINES``+ gap lines, see
    ``_cut_tails_and_standfirsts``).
    """
    kept = pl.col("strip_rule").is_null()
    prose = pl.col("f_prose") & kept
    long_line = kept & (pl.col("f_words") >= LIST_ITEM_MIN_WORDS)
    near = prose | long_line  # a paragraph, or another long line (items of one list)
    page = pl.col("_page")

    def beside(k: int) -> pl.Expr:
        return (near.shift(k) & (page.shift(k) == page)).fill_null(value=False)

    headline = long_line & ~prose & ~_last_char().is_in(_LONE_HEADLINE_END)
    lone = headline & ~beside(1) & ~beside(-1)
    kept_rows = frame["strip_rule"].is_null()
    caption = pl.lit(_aside_lines(frame["text"], kept_rows)) | pl.col("_cut_blurb")  # caption, story link, blurb
    # a teaser box: TEASER_BOX_MIN_ITEMS+ headlines in a row right under a label or a stripped line
    label = pl.col("strip_rule").is_not_null() | (
        (pl.col("f_words") <= REPEATED_LABEL_MAX_WORDS) & ~_last_char().is_in(_LABEL_END_NOT))
    under_label = (label.shift(1) & (page.shift(1) == page)).fill_null(value=False)
    # a gap: a stripped line or a short one that is not prose (TAIL_GAP_LINES of them in a row may end the window)
    gap = pl.col("strip_rule").is_not_null() | (~pl.col("f_prose") & (pl.col("f_words") < LIST_ITEM_MIN_WORDS))
    frame = frame.with_columns(_headline=headline, _lone=lone, _under_label=under_label, _gap=gap)
    opens, first, last = _run_bounds(pl.col("_headline"))
    box = pl.col("_headline") & (last - first + 1 >= TEASER_BOX_MIN_ITEMS) & pl.when(opens).then(
        pl.col("_under_label")).forward_fill()
    gap_opens, gap_first, gap_last = _run_bounds(pl.col("_gap"))
    gap_run = pl.col("_gap") & (gap_last - gap_first + 1 >= TAIL_GAP_LINES)
    gap_start = (gap_run & gap_opens) | pl.lit(_bio_names(frame))
    gap_end = gap_run & (gap_last == _ROW)
    stamp = pl.lit(_stamp_lines(frame))
    frame = frame.with_columns(_stamp=stamp).with_columns(
        _stamp=pl.col("_stamp") & ~(pl.col("_stamp").shift(1) & (page.shift(1) == page)).fill_null(value=False)
        & ~(pl.col("_stamp").shift(-1) & (page.shift(-1) == page)).fill_null(value=False))
    frame = frame.with_columns(_copy=pl.col("_twice") & kept & (pl.col("f_words") >= COPIED_LINE_MIN_WORDS)
                               & ~_last_char().is_in(_REPEATED_KEPT_END))
    _, copy_first, copy_last = _run_bounds(pl.col("_copy"))
    copied = pl.col("_copy") & (copy_last - copy_first + 1 >= COPIED_BOX_MIN_LINES)
    return frame.with_columns(_aside=pl.col("_lone") | box | caption | copied | pl.col("_stamp"),
                              _gap_start=gap_start, _gap_end=gap_end).drop(
        "_headline", "_lone", "_under_label", "_gap", "_copy", "_stamp")


def _introduced_lists(feats: pl.DataFrame, ends: pl.Series) -> pl.Series:
    """``_row`` of the lines of the list each body introduces at its end (see ``LIST_MIN_ITEMS``).

    Args:
        feats: the lines (``_row`` = their row, ``_page``, ``text``, ``strip_rule``, ``f_prose``, ``f_words``,
            ``f_date``, ``_placed``), sorted by page and line.
        ends: ``_row`` of each body's last line.
    """
    n = feats.height
    # the body's last line and the line under it (in the same page) are read first: few of them end with ":"
    rows = pl.concat([ends, ends + 1])
    rows = rows.filter(rows < n)
    head = feats[rows].select("_row", "_page", _colon=_last_char() == ":")
    colon = set(head.filter("_colon")["_row"].to_list())
    page_of = dict(zip(head["_row"].to_list(), head["_page"].to_list(), strict=True))
    last = set(ends.to_list())
    labels = sorted({end if end in colon else end + 1 for end in last
                     if end in colon or (end + 1 in colon and page_of.get(end + 1) == page_of.get(end))})
    if not labels:
        return pl.Series("_row", [], dtype=feats.schema["_row"])
    # the lines that may follow each label (LIST_MAX_ITEMS of them) and the label itself
    reach = np.unique(np.concatenate([np.arange(k, min(k + LIST_MAX_ITEMS + 1, n)) for k in labels]))
    near = feats[reach].select(
        "_row", "_page", _long=pl.col("f_words") >= LIST_ITEM_MIN_WORDS,
        _stop=pl.col("strip_rule").is_not_null() | pl.col("f_prose") | pl.col("f_date") | pl.col("_placed"),
    )
    at = {row: k for k, row in enumerate(near["_row"].to_list())}
    row_at, pages, stops, long = (near[c].to_numpy() for c in ("_row", "_page", "_stop", "_long"))
    found: list[int] = []
    for label in labels:
        k = at[label]
        # a label that is the body's last line may be prose; one under it is a kept line that is no stop
        if label not in last and stops[k]:
            continue
        items = []
        for j in range(k + 1, min(k + LIST_MAX_ITEMS + 1, len(pages))):
            if pages[j] != pages[k] or stops[j] or row_at[j] != label + (j - k):
                break
            items.append(j)
        if len(items) >= LIST_MIN_ITEMS and long[items].sum() * LIST_LONG_SHARE <= len(items):
            found.extend([label, *(label + (j - k) for j in items)])
    return pl.Series("_row", sorted(set(found)), dtype=feats.schema["_row"])


def _page_text_key() -> pl.Expr:
    """A key of (``_page``, ``text``): a 64-bit hash of the text xor the page number. Comparing it costs half
    as much as comparing the pairs; two different lines among ~10^6 collide with odds of ~10^-7."""
    return pl.col("text").hash(seed=0).xor(pl.col("_page").cast(pl.UInt64))


def _repeated_labels(feats: pl.DataFrame) -> pl.Series:
    """``_row`` of the widget labels of ``feats`` (see ``REPEATED_LABEL_MAX_WORDS``): short lines whose text
    the page prints more than once. Reads ``_row``, ``_page``, ``text``, ``f_words``."""
    short = feats.select("_row", "_page", "text", "f_words").filter(pl.col("f_words") <= REPEATED_LABEL_MAX_WORDS)
    return short.filter(_page_text_key().is_duplicated()).filter(~_last_char().is_in(_REPEATED_KEPT_END))["_row"]


def _under_title(frame: pl.DataFrame) -> pl.Expr:
    """``_lo`` of each window, moved under the page's title line where the window opens above it and holds it, and
    the line under the title is a stripped one or a date (a byline, a dateline, a share bar).

    The lines of a window above the title it holds are the page's header: a menu whose items the renderer glued
    to their teasers ("BooksJuly, 2009: The Web Startup Success Guide is out ..."), a section label, a kicker.
    The article starts under its headline, and a headline has its byline or date under it; a line of the article
    taken for the title (a page that prints no headline) has the article's text under it, and the window stays.
    The title ranker reads candidates at most ``titles.WINDOW_BELOW`` lines under a window's first line, so this
    moves a window's start by that many lines at most. Reads ``_page``, ``_i``, ``_lo``, ``_hi``, ``_title`` (null:
    no title, nothing moved), ``strip_rule`` and ``f_date`` of ``frame``'s rows (consecutive lines of each page)."""
    lo, hi, title, i = pl.col("_lo"), pl.col("_hi"), pl.col("_title"), pl.col("_i")
    headed = frame.filter(((i == title + 1) & (pl.col("strip_rule").is_not_null() | pl.col("f_date"))).fill_null(
        value=False))["_page"]
    return pl.when(((lo < title) & (title <= hi)).fill_null(value=False) & pl.col("_page").is_in(
        headed.implode())).then(title + 1).otherwise(lo).alias("_lo")


def _timestamps(frame: pl.DataFrame) -> pl.Series:
    """Whether each row of ``frame`` (``text``, ``f_has_date``) holds a date and a clock time (a dateline, see
    ``LEDE_REACH``); the clock pattern runs only on the lines holding a date."""
    found = np.zeros(frame.height, dtype=bool)
    dated = frame.select(_row=_ROW, text=pl.col("text")).filter(frame["f_has_date"].fill_null(value=False))
    if dated.height:
        found[dated.filter(pl.col("text").str.contains(_CLOCK_RE))["_row"].to_numpy()] = True
    return pl.Series(found)


def segment_pages(lines: pl.DataFrame, urls: pl.DataFrame | None = None, *, features: bool = False,
                  header_model: dict[str, Any] | None = None, finder: Finder = "both") -> pl.DataFrame:
    """Fill ``region`` and ``comment_position`` of tagged lines.

    The comment finder runs per page in Python on the pages that may hold comments; the body window,
    the title and the body lines are then found for all pages at once.

    Args:
        lines: ``LINES`` rows (reads ``page_id``, ``line_no``, ``text``, ``strip_rule``).
        urls: ``page_id``, ``url`` (the page's URL where known; its slug is a title cue), or None.
        features: also return ``f_words``, each line's words (``tasks.extract.words.count_words``), and
            ``f_count``, the comment count it states (``line_features``), for later steps that would compute
            them again (``parse_articles``, ``tasks.extract.confidence.add_parse_confidence``).
        header_model: the comment-header classifier's weights (``tasks.extract.comment_headers``; the shipped
            model by default).
        finder: "both": the classifier's headers make a thread where the comment finder's rules find none;
            "rules" or "learned": one of them alone (for measuring them).

    Returns:
        The same rows and columns (``LINES``), sorted by ``page_id`` and ``line_no``, with ``region``
        (title, body, comment_author, comment_text, comment_meta or null) and ``comment_position``
        (and ``f_words``, ``f_count`` with ``features``).
    """
    schema = polars_schema(LINES)
    if lines.height == 0:
        empty = empty_frame(LINES)
        return empty.with_columns(f_words=pl.lit(None, dtype=pl.Int32),
                                  f_count=pl.lit(None, dtype=pl.Int32)) if features else empty
    feats, region, position, windows = body_windows(lines, header_model=header_model, finder=finder)
    # 3. the title near the body's first line (a learned ranker over candidate lines), then the body lines
    model = load_model()
    titles = rank_titles(candidate_features(feats, windows, page_urls(feats, urls), model=model), model)
    title_rows = feats.select("_page", "_i", "_row", "text").join(titles, on="_page", how="inner").filter(
        pl.col("_i") == pl.col("_title"))
    i = pl.col("_i")
    # each page's window, the LEDE_REACH lines above it (where a standfirst may stand) and the line under it
    # (the neighbours the lone-headline test reads): consecutive lines of each page
    # (per-page values reach the lines by gathering on the page number, which runs 0, 1, ... over feats:
    # cheaper than a join that keeps the line order)
    n_pages = int(feats.select(pl.col("_page").max()).item()) + 1
    per_page = pl.DataFrame({"_page": pl.Series(np.arange(n_pages), dtype=feats.schema["_page"])}).join(
        windows.join(title_rows.select("_page", _title="_i", _title_text="text"), on="_page", how="left"),
        on="_page", how="left", maintain_order="left")
    near = (
        feats.select("_page", "_i", "_row", "text", "strip_rule", "f_date", "f_has_date", "_placed", "f_prose",
                     "f_words", "_cut_blurb", _twice=_page_text_key().is_duplicated())
        .with_columns(per_page.select(pl.col("_lo", "_hi", "_title").gather(feats["_page"])))
        .filter(i.is_between(pl.col("_lo") - LEDE_REACH, pl.col("_hi") + 1))
    )
    near = (
        near.with_columns(_title_text=per_page["_title_text"].gather(near["_page"]), _lo=_under_title(near),
                          _timestamp=_timestamps(near))
        .pipe(_with_asides)
        .pipe(_cut_tails_and_standfirsts)
    )
    body = near.filter(
        (i.is_between(pl.col("_lo"), pl.col("_hi")) & ~pl.col("_placed") & pl.col("strip_rule").is_null()
         # the title's line is no body line, unless it reads as a sentence of the article (a page printing no
         # heading line, whose lede was taken for its title)
         & ~pl.col("f_date") & (pl.col("_title_text").is_null() | (pl.col("text") != pl.col("_title_text"))
                                 | (pl.col("f_prose") & (pl.col("f_words") >= SENTENCE_MIN_WORDS)
                                    & _last_char().is_in(_LEDE_END)))
         & ~pl.col("_aside")) | pl.col("_standfirst")
    )
    ends = near.filter(i == pl.col("_hi"))["_row"]
    body = pl.concat([body["_row"], _introduced_lists(feats, ends)]).to_frame()
    body = body.filter(~pl.col("_row").is_in(_repeated_labels(feats).implode()))
    region[title_rows["_row"].to_numpy()] = _REGION_CODES[TITLE]
    region[body["_row"].to_numpy()] = _REGION_CODES[BODY]
    names = pl.Series([None, *_REGION_CODES], dtype=schema["region"])
    return feats.select(*LINES.names, *(["f_words", "f_count"] if features else [])).with_columns(
        region=names.gather(region),
        comment_position=pl.when(pl.Series(position) >= 0).then(pl.Series(position)).cast(schema["comment_position"]),
    )


# --------------------------------------------------------------------------------------------------
# Output builders
# --------------------------------------------------------------------------------------------------


def parse_articles(segmented: pl.DataFrame, *, page_ids: pl.Series | None = None) -> pl.DataFrame:
    """Build one article row per page from segmented lines.

    Args:
        segmented: ``LINES`` rows after ``segment_pages`` (reads every column, and ``f_count`` where present:
            the stated counts are then not read again).
        page_ids: pages to report even when they have no lines (empty or null text); their body is
            empty. Defaults to the pages present in ``segmented``.

    Returns:
        ``PARSED_ARTICLES`` columns: ``page_id``, ``title``, ``body`` (body lines joined by a blank
        line), ``n_lines``, ``n_lines_stripped`` (lines outside title, body and comments),
        ``stripped_by_rule`` (per rule family; ``unplaced`` counts kept lines outside every region),
        ``n_comments_stated``.
    """
    schema = polars_schema(PARSED_ARTICLES)
    if segmented.height == 0 and (page_ids is None or page_ids.len() == 0):
        return empty_frame(PARSED_ARTICLES)
    seg = sorted_lines(segmented)
    count = pl.coalesce(
        pl.col("text").str.extract(selectors.COMMENT_COUNT_RE, 1),
        pl.col("text").str.extract(selectors.COMMENT_COUNT_TRAILING_RE, 1),
    ).cast(pl.Int32, strict=False)
    before_comments = pl.col("comment_position").is_null()
    seg = seg.with_columns(
        _rule=pl.when(pl.col("region").is_null() & (pl.col("text") != "")).then(
            pl.col("strip_rule").fill_null(UNPLACED)
        ),
    )
    if "f_count" in seg.columns:  # line_features read the counts of lines of at most 200 characters
        stated = seg.filter(before_comments).select("page_id", _count="f_count")
    else:
        stated = seg.select("page_id", "text", "comment_position").filter(
            before_comments & (pl.col("text").str.len_chars() <= 200))
        stated = stated.filter(_digit_rows(stated)).with_columns(_count=count)  # the patterns need a digit
    stated = (
        stated.filter(pl.col("_count").is_not_null() & (pl.col("_count") > 0))
        .group_by("page_id")
        .agg(n_comments_stated=pl.col("_count").last())
    )
    main = seg.group_by("page_id", maintain_order=True).agg(
        title=pl.col("text").filter(pl.col("region") == TITLE).first(),
        body=pl.col("text").filter(pl.col("region") == BODY).str.join("\n\n"),
        n_lines=(pl.col("text") != "").sum().cast(pl.Int32),
        n_lines_stripped=pl.col("_rule").is_not_null().sum().cast(pl.Int32),
    )
    per_rule = (
        seg.filter(pl.col("_rule").is_not_null())
        .group_by("page_id", "_rule")
        .agg(n_lines=pl.len().cast(pl.Int32))
        .sort("page_id", "_rule")
        .group_by("page_id", maintain_order=True)
        .agg(stripped_by_rule=pl.struct(pl.col("_rule").alias("rule"), pl.col("n_lines")))
    )
    ids = (
        pl.DataFrame({"page_id": page_ids}).unique(maintain_order=True)
        if page_ids is not None
        else main.select("page_id")
    )
    out = (
        ids.join(main, on="page_id", how="left")
        .join(per_rule, on="page_id", how="left")
        .join(stated, on="page_id", how="left")
        .with_columns(
            body=pl.col("body").fill_null(""),
            n_lines=pl.col("n_lines").fill_null(0),
            n_lines_stripped=pl.col("n_lines_stripped").fill_null(0),
            stripped_by_rule=pl.col("stripped_by_rule").fill_null(pl.lit([], dtype=schema["stripped_by_rule"])),
        )
    )
    return cast_to(out, PARSED_ARTICLES)


_REPLY_TO = re.compile(r"\s*@\s?([^\s:,]+(?:\s[^\s:,]+)?)")


def _parents(authors: list[str | None], texts: list[str]) -> list[int | None]:
    """Reply parents where the text shows them: a comment opening with "@Name" answers Name's latest comment."""
    parents: list[int | None] = []
    last_by_author: dict[str, int] = {}
    for k, (author, text) in enumerate(zip(authors, texts, strict=True)):
        parent = None
        m = _REPLY_TO.match(text) if "@" in text else None
        if m:
            target = m.group(1).casefold()
            for name, pos in last_by_author.items():
                if name.startswith(target) or target.startswith(name):
                    parent = pos if parent is None or pos > parent else parent
        parents.append(parent)
        if author:
            last_by_author[author.casefold()] = k
    return parents


def parse_comments(segmented: pl.DataFrame) -> pl.DataFrame:
    """Build one row per comment from segmented lines.

    Args:
        segmented: ``LINES`` rows after ``segment_pages`` (reads ``page_id``, ``line_no``, ``text``,
            ``region``, ``comment_position``).

    Returns:
        ``PARSED_COMMENTS`` columns: ``page_id``, ``position``, ``author``, ``text``, ``posted_at_text``,
        ``posted_at`` (UTC), ``parent_position``.
    """
    schema = polars_schema(PARSED_COMMENTS)
    if segmented.height == 0:
        return empty_frame(PARSED_COMMENTS)
    seg = sorted_lines(segmented.filter(pl.col("comment_position").is_not_null()))
    if seg.height == 0:
        return empty_frame(PARSED_COMMENTS)
    text = pl.col("text")
    keys = ["page_id", "comment_position"]
    # header patterns run on the author lines only, each where a necessary part of it matches
    heads = seg.filter(pl.col("region") == COMMENT_AUTHOR).select(*keys, "line_no", "text").with_row_index("_hrow")
    dated = author_date(heads.filter((text.str.len_chars() <= 160) & text.str.contains(r"\d")), "text")
    by_lines = heads.filter(text.str.contains(_BY_WORD_RE))
    by_lines = by_lines.select(
        "_hrow",
        _da=pl.when(text.str.contains(_DATE_BY_RE)).then(text).str.extract_groups(selectors.DATE_AUTHOR_LINE_RE),
        _ba=pl.when(text.str.contains(_BY_AUTHOR_HEAD_RE)).then(text).str.extract_groups(
            selectors.BY_AUTHOR_DATE_LINE_RE),
    )
    says = heads.filter(text.str.contains(_SAYS_END_RE)).select(
        "_hrow", _says=text.str.extract(selectors.SAYS_LINE_RE, 1)
    )
    heads = (
        heads.join(dated.select("_hrow", "_ad_author", "_ad_date"), on="_hrow", how="left", maintain_order="left")
        .join(by_lines, on="_hrow", how="left", maintain_order="left")
        .join(says, on="_hrow", how="left", maintain_order="left")
        .select(
            *keys, "line_no",
            _author=pl.coalesce("_says", pl.col("_da").struct.field("author"), pl.col("_ba").struct.field("author"),
                                "_ad_author", text),
            _date=pl.coalesce(pl.col("_da").struct.field("date"), pl.col("_ba").struct.field("date"), "_ad_date"),
        )
    )
    meta_dates = seg.filter(pl.col("region") == COMMENT_META).filter(text.str.contains(selectors.DATE_LINE_RE))
    headers = (
        pl.concat([heads, meta_dates.select(*keys, "line_no", _author=pl.lit(None, dtype=pl.String), _date=text)])
        .sort("page_id", "line_no")
        .group_by(keys, maintain_order=True)
        .agg(author=pl.col("_author").drop_nulls().first(), posted_at_text=pl.col("_date").drop_nulls().first())
    )
    grouped = (
        seg.group_by(keys, maintain_order=True)
        .agg(text=text.filter(pl.col("region") == COMMENT_TEXT).str.join("\n\n"))
        .join(headers, on=keys, how="left", maintain_order="left")
    )
    # both parsers are pure and a shard repeats its author names and date strings: run them once per value
    grouped = grouped.with_columns(
        position=pl.col("comment_position"),
        posted_at=map_distinct(grouped["posted_at_text"], parse_date, schema["posted_at"]),
    )
    grouped = clean_authors(grouped, marked_pairs=True)
    # a reply names its parent with "@Name": only the pages with an "@" in a comment need the search
    replies = grouped.with_row_index("_row").filter(text.str.contains("@", literal=True).any().over("page_id"))
    parents: list[int | None] = [None] * grouped.height
    rows, page_ids, authors, texts = (replies[c].to_list() for c in ("_row", "page_id", "author", "text"))
    start = 0
    for end in range(1, len(rows) + 1):  # comments are grouped by page, in order
        if end == len(rows) or page_ids[end] != page_ids[start]:
            for row, parent in zip(rows[start:end], _parents(authors[start:end], texts[start:end]), strict=True):
                parents[row] = parent
            start = end
    out = grouped.with_columns(parent_position=pl.Series(parents, dtype=schema["parent_position"]))
    return cast_to(out, PARSED_COMMENTS)
