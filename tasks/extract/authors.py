"""Comment authors: the one place where an author name is cleaned, and where the markup's names are checked.

Cleaning (both paths call it). ``name_from_text`` reads the name from the text of an author element or a
header line (its first line, less numbering, "says:"/"schrieb:", a date after it); ``strip_badge`` takes a
role badge and separators off a name ("Mathias Autor" -> "Mathias"); ``strip_shared_affixes`` cuts the
words most authors of one page share at their start or end (the header's frame: "Posted by:", "said...");
``clean_authors`` runs the last two over a frame of comments, and is what the text path
(``tasks.extract.parse.parse_comments``) and the markup path (``tasks.extract.html.extract_html_pages``)
both give their comments to. No word list decides what a name is: a numeric or one-character name is
kept as it is.

Checking. The markup finder(``tasks.extract.html``) takes a comment's author from the element its selectors name; on a
layout they do not know, that element may hold an avatar's initials, a date, a role or a control's
label instead. The text finder (``tasks.extract.parse``) reads the same comments from the rendered lines. Both
are right most of the time and wrong in different ways, so a page's markup authors are checked by a
name-likeness test that needs no word list (``name_like``), and only the pages that fail it
(``unnamed_pages``) go through the text finder too; where both give the same comment (text overlap)
and the markup's author fails the test while the text finder's passes, the text finder's is taken
(``reconcile_authors``).
"""

from __future__ import annotations

import re

import polars as pl

from tasks.distinct import map_distinct
from tasks.extract import selectors
from tasks.extract.dates import RELATIVE_DATE, WRITTEN_DATE
from tasks.extract.words import count_words
from tasks.text_match import align_comments

NAME_MAX_WORDS = 6
NAME_MAX_CHARS = 60
"""A name has at most this many words and characters (the text path's header features and the
name-likeness test use them)."""
MAX_AUTHOR_CHARS = 80
"""An author element's text longer than this (after cleaning) is not a name."""

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
_INITIAL_END = r"(?:^|[\s.])[^\W\d_]{1,2}\.$"
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


# --------------------------------------------------------------------------------------------------
# Cleaning: one owner for both paths
# --------------------------------------------------------------------------------------------------

_SAYS = re.compile(
    rf"\s*(?:\b(?:{selectors.SAYS_ALT})\b\s*:?|:)\s*$",
    re.IGNORECASE,
)
_NUMBERING = re.compile(r"^\s*#?\d{1,4}[.)]?\s+")
_SIGNATURE = re.compile(r"^\s*[–—~]\s*(?=\S)")
"""The dash of a signature line ("— Jane"); a hyphen may start a name ("-thh"), a dash does not."""
_DATE_PREPOSITION = re.compile(
    r"(?:(?:\s+(?:on|am|le|el|il|em|at|um|den|der)|\s*[|·•–—-])\s+[^\W\d_]+,|\s*,\s*[^\W\d_]{1,3}\.?,?"
    r"|\s*[|·•»–—-]\s+[^\W\d_]{2,3}\.?)?"
    r"(?:\s+(?:on|am|le|el|il|em|at|um))?\s*$",
    re.IGNORECASE,
)
"""What stands between a name and the date after it: "on", "am", "le", and a word closed by a comma (the
date's weekday after "on" or a separator: "Jane on Tuesday, May 4", "Jane | Tuesday, May 4"), or an
abbreviated weekday after a comma ("Hella, Sa 12.03.2020") or a separator ("Jane » Tue Mar 12, 2024")."""
_TIME = re.compile(rf"(?i)(?:^|\s|[|,·•–—-])\s*{selectors.TIME_RE}")
_SAYS_WORD = re.compile(
    rf"\s+(?:{selectors.SAYS_ALT})\b(?:\s+\S+){{0,3}}\s*[:.…]*\s*$",
    re.IGNORECASE,
)
"""A "says" word and up to three words after it ("Jane said on Monday:"): not the name."""


def frame_only(text: str) -> bool:
    """Is ``text`` (a head line, or what stands before a date on one) only a header's frame, no name: a "says"
    word ("says:", "schrieb:"), or the word that joins a name to its date ("on", "am", "le")? The name is then
    on the line before."""
    return not _SAYS.sub("", _DATE_PREPOSITION.sub("", " " + text.strip())).strip(" \u00a0\t:·|•,–—-")


HANDLE = re.compile(r"@[^\s@]+")
"""A user's handle written alone ("@jane_d"): beside a display name, the handle is not the name."""
_LEADING_HANDLE = re.compile(r"^@[^\s@]+\s+[·|•–—-]?\s*(?=\S)")
"""A handle written before the display name on one line ("@jane_d Jane Doe", "@jane_d · Jane Doe")."""
_FRAME_CLOSE = re.compile(r"(?::|\.\.\.|…)\s*$")
"""How a head's frame after the name closes ("schrieb:", "said..."): a line so closed is "NAME verb:"."""


_INITIALS = re.compile(r"[^\W_]{1,3}")
_WORD_STARTS = re.compile(r"(?:^|[\s\-_.(\[])[(\[]?([^\W_])")


def initials_of(short: str, name: str) -> bool:
    """Is ``short`` (one to three letters or digits, an avatar's placeholder: "EM", "6G") made of the
    first letters of ``name``'s words, in order (case ignored), and ``name`` longer than it?"""
    if len(name) <= len(short) or not _INITIALS.fullmatch(short):
        return False
    starts = iter(m.group(1).lower() for m in _WORD_STARTS.finditer(name))
    return all(ch.lower() in starts for ch in short)


def avatar_initials(short: str, name: str) -> bool:
    """Is ``short`` a letter avatar's initials drawn from ``name`` ("DG" over "Dan Garner"): capital letters only,
    and ``initials_of`` the name?"""
    return short.isalpha() and short.isupper() and initials_of(short, name)


def name_before_date(text: str) -> str | None:
    """The name in ``text``, the part of a line that stood before a date: what stands between a name and
    its date ("on", a weekday) cut, then ``name_from_text``."""
    return name_from_text(_DATE_PREPOSITION.sub("", text) or text)


def name_from_text(text: str) -> str | None:
    """The name from the text of an author element or a header line: its first line, less a leading number
    ("#3 ") or a signature's dash ("— "), a "says"/"schrieb"/"a dit" and what follows it, a closing colon,
    and a date or clock time written after the name (with the "on"/"am"/"le" and weekday before it); None
    when nothing is left (or only that "on") or more than ``MAX_AUTHOR_CHARS`` characters. A first line of
    a letter avatar's initials ("DG", capital letters only) over the name they stand for ("Dan Garner") gives way to
    that line. A name of digits or of one character is kept as it is."""
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if not lines:
        return None
    if len(lines) > 1 and avatar_initials(lines[0], lines[1]):
        lines = lines[1:]  # a letter avatar's initials ("DG") over the name they are drawn from ("Dan Garner")
    name = lines[0]
    date = WRITTEN_DATE.search(name) or RELATIVE_DATE.search(name)
    if date is not None and date.start() > 0:
        name = _DATE_PREPOSITION.sub("", name[: date.start()]) or name[: date.start()]
    time = _TIME.search(name)
    if time is not None and time.start() > 0 and not name[: time.start()].strip().isdigit():
        name = _DATE_PREPOSITION.sub("", name[: time.start()]) or name[: time.start()]
    name = _SAYS_WORD.sub("", name) or name
    name = _SAYS.sub("", _SIGNATURE.sub("", _NUMBERING.sub("", name)))
    shown = _LEADING_HANDLE.sub("", name.strip())  # "@jane_d Jane Doe": the handle before the display name
    if shown != name.strip() and not _TIME.search(shown) and not WRITTEN_DATE.search(shown) \
            and not RELATIVE_DATE.search(shown) and any(ch.isalpha() for ch in shown) \
            and not _FRAME_CLOSE.search(lines[0]):
        name = shown  # what follows is a name, not what was left of a date ("@jane 11. Dezember 2012"), nor the
        # "wrote" word of a "NAME verb:" head in a language no list holds ("@jane svarade:")
    name = name.strip(" \u00a0\t:·|•").rstrip(" \u00a0\t–—-,»")
    if not name or len(name) > MAX_AUTHOR_CHARS:
        return None
    if (date is not None or time is not None) and not _DATE_PREPOSITION.sub("", " " + name).strip():
        return None  # only the word that joins a name to its date ("on 10/26/2012 at 12:49 PM said:")
    return name


_SAID_LINE = re.compile(
    rf"^(?P<name>\S.{{0,79}}?)\s+(?:{selectors.SAYS_ALT})\b",
    re.IGNORECASE,
)


SAID_REST_CHARS = 60
"""After the "says" word of a header line only marks, or a date of at most this many characters."""


def said_name(line: str) -> str | None:
    """The name of a "NAME says:" / "NAME schrieb:" / "NAME a dit :" line (what follows the word: marks, or
    a date of at most ``SAID_REST_CHARS``), or None when the line does not read so."""
    match = _SAID_LINE.match(line.strip())
    if match is None:
        return None
    rest = line.strip()[match.end():].strip(" \u00a0\t:.…,")
    if rest and not (any(ch.isdigit() for ch in rest) and len(rest) <= SAID_REST_CHARS):
        return None  # "John said that the council...": a sentence, not a header
    return name_from_text(match.group("name"))


_BADGE = re.compile(selectors.AUTHOR_BADGE_RE)
_LEADING_MARKS = re.compile(r"^[·|•,–—-]+\s+")
_TRAILING_MARKS = re.compile(r"[\s·|•,–—:-]+$")


_SAID_TAIL = re.compile(rf"(?i)\s+(?:{selectors.SAYS_ALT})\s*(?::|\.\.\.|…)\s*$")
_CUT_MARK = re.compile(r"(?<=[^\s.])(?:\.\.\.|…)$")
"""An ellipsis closing a name ("mike..."): a widget cut the name short there, or it closes the head's frame; what
the reader sees as the name is what stands before it (a run of more dots, "so what....", is the writer's own)."""
"""A "says" word closed by a colon or an ellipsis after a name ("Jane said...", "Jane schrieb:"): the header's
frame, cut even where the page has too few authors to show it (``strip_shared_affixes``)."""


def strip_badge(name: str | None) -> str | None:
    """Strip a "said..." frame, a role badge, a closing ellipsis (``_CUT_MARK``) and separators from an author name
    ("Mathias Autor" -> "Mathias", "Jane said..." -> "Jane", "mike..." -> "mike")."""
    if name is None:
        return None
    cleaned = _BADGE.sub("", _SAID_TAIL.sub("", name)).strip()
    uncut = _CUT_MARK.sub("", cleaned)
    cleaned = uncut if uncut and not frame_only(uncut) else cleaned  # "said..." alone is no name cut short
    cleaned = _LEADING_MARKS.sub("", _TRAILING_MARKS.sub("", cleaned))
    return cleaned or name.strip() or None


AFFIX_MIN_AUTHORS = 3
"""A page needs this many authors before the words most of them share count as the header's frame."""
AFFIX_SHARE = 0.8
"""Share of a page's comment authors that must begin (or end) with the same words for those words to be
taken as the header's frame ("Posted by:", "said...") rather than part of the names."""
MAX_AFFIX_WORDS = 3
PAIR_AFFIX_MIN = 2
"""Pages with fewer authors than ``AFFIX_MIN_AUTHORS`` (but at least this many) have their shared words cut
only when those words hold a frame mark (``_FRAME_MARK``: "Posted by:", "said..."): two names may share a
word, they hardly share a colon or an ellipsis."""
_FRAME_MARK = r"[:|…]|\.\."
_GLUED_DATE = r"\s*[(\[]?\d{1,4}[-./]\d{1,2}[-./]\d{2,4}\b.*$"
_NAME_SEPARATOR = r"\s+[|·•]\s+.*$|,\s+[^,]*\d.*$"


def strip_shared_affixes(comments: pl.DataFrame, *, min_comments: int = AFFIX_MIN_AUTHORS,
                         marked_pairs: bool = False) -> pl.DataFrame:
    """Strip from ``author`` the words that most authors of the same page share at their start or end.

    Header lines frame the name the same way on every comment of a page ("Posted by: NAME | DATE",
    "NAME said...", "NAME schrieb:"): on pages with at least ``min_comments`` authors (with
    ``marked_pairs``, two when the shared words hold a frame mark: see ``PAIR_AFFIX_MIN``), the longest run of
    up to ``MAX_AFFIX_WORDS`` leading (then trailing) words that ``AFFIX_SHARE`` of the authors have,
    each keeping at least one word of its own, is cut; then a date glued to the name ("Skelly09-12-2012"),
    what follows a ``|``, ``·`` or ``•`` separator, and a comma with a date or number after it. No word
    list: the frame is what repeats.

    Reads ``page_id`` and ``author``; returns the same rows with ``author`` replaced.
    """
    author = pl.col("author")
    out = comments.with_row_index("_r").with_columns(
        _w=author.str.split(" "), _n=author.is_not_null().sum().over("page_id"))
    # only pages with enough authors can show a frame; the others keep their names as they are
    fewest = min(min_comments, PAIR_AFFIX_MIN) if marked_pairs else min_comments
    framed = out.filter(pl.col("_n") >= fewest).select("_r", "page_id", "_w", "_n")
    for side in ("head", "tail"):
        best = framed.select("_r", _k=pl.lit(0))
        for k in range(MAX_AFFIX_WORDS, 0, -1):
            part = (pl.col("_w").list.head(k) if side == "head" else pl.col("_w").list.tail(k)).list.join(" ")
            parts = framed.filter(pl.col("_w").list.len() > k).select("_r", "page_id", "_n", _part=part)
            shared = parts.group_by("page_id", "_part").agg(_c=pl.len(), _n=pl.col("_n").first()).filter(
                (pl.col("_c") >= AFFIX_SHARE * pl.col("_n"))
                & ((pl.col("_n") >= min_comments) | pl.col("_part").str.contains(_FRAME_MARK))
            ).select("page_id", "_part")
            hits = parts.join(shared, on=["page_id", "_part"], how="semi").select("_r", _h=pl.lit(k))
            best = best.join(hits, on="_r", how="left").select(
                "_r", _k=pl.when(pl.col("_k") == 0).then(pl.col("_h").fill_null(0)).otherwise(pl.col("_k")))
        framed = framed.join(best, on="_r").with_columns(
            _w=pl.col("_w").list.slice(pl.col("_k"), None) if side == "head"
            else pl.col("_w").list.head(pl.col("_w").list.len() - pl.col("_k"))
        ).drop("_k")
    out = out.join(framed.select("_r", _f=pl.col("_w")), on="_r", how="left").with_columns(
        _w=pl.coalesce("_f", "_w"))
    cleaned = pl.col("_w").list.join(" ").str.replace(_GLUED_DATE, "").str.replace(_NAME_SEPARATOR, "").str.strip_chars(
        " ·|•,–—:-")
    return out.sort("_r").with_columns(
        author=pl.when(cleaned.str.len_chars() > 0).then(cleaned).otherwise(author)).drop("_r", "_w", "_n", "_f")


def strip_shared_verb(comments: pl.DataFrame) -> pl.DataFrame:
    """Strip from ``author`` the lower-case words at its end that most of its page's authors end with, written
    after at least ``AFFIX_MIN_AUTHORS`` different names: the "wrote" of a language no list holds ("Jane
    rašė", "Bo rašė", "Cy rašė"; "Jane ha commentato"). The authors read from markup elements keep their
    frames otherwise (``clean_authors`` with ``frames=False``); a reader who writes most of a page's
    comments does not make a surname a frame (different names are needed), nor does a surname (capitalised).
    Up to ``MAX_AFFIX_WORDS`` words, the longest shared run, each name keeping at least one word of its own;
    shared by ``AFFIX_SHARE`` of the page's authors. Reads ``page_id`` and ``author``; returns the same rows
    with ``author`` replaced."""
    words = pl.col("author").str.split(" ")
    out = comments.with_row_index("_r").with_columns(_w=words, _n=pl.col("author").is_not_null().sum().over("page_id"))
    cut = out.select("_r", _k=pl.lit(0))
    for k in range(MAX_AFFIX_WORDS, 0, -1):
        parts = out.filter((pl.col("_n") >= AFFIX_MIN_AUTHORS) & (pl.col("_w").list.len() > k)).select(
            "_r", "page_id", "_n", _tail=pl.col("_w").list.tail(k).list.join(" "),
            _head=pl.col("_w").list.head(pl.col("_w").list.len() - k).list.join(" "))
        shared = parts.filter(pl.col("_tail").str.contains(r"^\p{Ll}")).group_by("page_id", "_tail").agg(
            _c=pl.len(), _u=pl.col("_head").n_unique(), _n=pl.col("_n").first()).filter(
            (pl.col("_c") >= AFFIX_SHARE * pl.col("_n")) & (pl.col("_u") >= AFFIX_MIN_AUTHORS))
        hits = parts.join(shared.select("page_id", "_tail"), on=["page_id", "_tail"], how="semi").select(
            "_r", _h=pl.lit(k))
        cut = cut.join(hits, on="_r", how="left").select(
            "_r", _k=pl.when(pl.col("_k") == 0).then(pl.col("_h").fill_null(0)).otherwise(pl.col("_k")))
    return out.join(cut, on="_r").sort("_r").with_columns(
        author=pl.when(pl.col("_k") > 0).then(
            pl.col("_w").list.head(pl.col("_w").list.len() - pl.col("_k")).list.join(" ")).otherwise(pl.col("author"))
    ).drop("_r", "_w", "_n", "_k")


def clean_authors(comments: pl.DataFrame, *, frames: bool = True, marked_pairs: bool = True) -> pl.DataFrame:
    """``comments`` with ``author`` cleaned: with ``frames`` (authors read from header lines, the text path),
    the page's shared frame is cut first (``strip_shared_affixes``; the marks that show a frame, "said...",
    are still there); then a role badge and separators go (``strip_badge``, once per distinct name). Authors
    read from markup elements (``name_from_text`` already took the name alone) pass ``frames=False``: a
    mark that starts such a name ("-thh") is part of it; only a "wrote" word its page's names share is cut
    from them (``strip_shared_verb``). Reads ``page_id`` and ``author``; returns the same rows with
    ``author`` replaced."""
    dtype = comments.schema["author"]
    out = strip_shared_affixes(comments, marked_pairs=marked_pairs) if frames else strip_shared_verb(comments)
    return out.with_columns(author=map_distinct(out["author"], strip_badge, dtype))
