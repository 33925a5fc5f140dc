"""The main text of an HTML page: trafilatura's extraction and ours, combined by agreement.

Two extractors read the body of an HTML page: ours (``tasks.extract.html``: a main-content container found
by selectors and paragraph density, with chrome left out) and trafilatura's (``include_comments=False``,
no metadata). Measured on pages of sites no rule was written for, trafilatura's body is the better one
on most modern news layouts (ours keeps captions, share widgets and related-story lists inside the
article element, or picks a teaser block); ours is better where trafilatura runs on past the article
into the next story, a teaser list or an author box. ``combine_bodies`` decides per page from one
general signal, the agreement of the two outputs line by line (no site, language or word list):

- the lines of ours that trafilatura also has carry at least ``min_agreement`` of ours' words: the two
  agree on what the article is. Then trafilatura's extra lines are judged by where they lie: if most
  of their words come after the last line both share, and none of them is a prose line before the
  first shared one, trafilatura ran on past the article and ours is taken; otherwise trafilatura's
  body is taken, less the short lines before the first shared line (title, byline, date lines);
- ours lies inside trafilatura's text but none of trafilatura's lines lies inside ours (its
  lines run across paragraphs, as on pages where it falls back to its baseline): ours is taken;
- otherwise (the two disagree, or ours found almost nothing) trafilatura's body is taken.

A leading line equal to the page title is dropped from either, and ``drop_comment_text`` removes
every body line that is a paragraph of a reader comment the page's comment finder found, so comment
text never ends up in the body.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable

import trafilatura

from tasks.text_match import fold as _fold

logger = logging.getLogger(__name__)

_TRAFILATURA = threading.Lock()
"""Held around every trafilatura run: two runs at once in one process (two parse tasks of the threads runner)
corrupt the C heap under trafilatura's lxml parsing (aborts and segmentation faults in about one build of five on
HTML pages); one at a time they do not."""

MIN_AGREEMENT = 0.85
"""Share of ours' words that must lie in lines trafilatura also has for the two to agree."""

RUN_ON_SHARE = 0.6
"""Share of trafilatura's extra words after the last shared line that marks it as running past the article."""

MAX_SHORT_WORDS = 20
"""Lines of at most this many words before the first shared line are taken as title/byline/date lines."""

MAX_COMMENT_SHARE = 0.5
"""At most this share of a body's words is removed as comment text (see ``drop_comment_text``)."""

RERUN_BELOW = 0.6
"""trafilatura runs again with its fallbacks when its fast run finds fewer than this times ours' words."""

RERUN_ABOVE = 4.0
"""... or, unconfirmed by ours, more than this times ours' words (it may have kept the whole page)."""

UNCONFIRMED = "trafilatura_unconfirmed"
"""``combine_bodies``' source for a trafilatura body that ours does not confirm."""

_WORD = re.compile(r"\w+")


def _lines(body: str) -> list[str]:
    return [line for line in (raw.strip() for raw in body.split("\n")) if line]


def _n_words(line: str) -> int:
    return len(_WORD.findall(line))


def trafilatura_body(html: str, *, fast: bool = False) -> str | None:
    """trafilatura's main text of ``html`` (comments left out), one line per paragraph, or None when it
    finds none. ``fast`` skips its fallback extractors."""
    try:
        with _TRAFILATURA:
            text = trafilatura.extract(html, include_comments=False, with_metadata=False, fast=fast)
    except (ValueError, TypeError, RecursionError) as exc:  # a malformed page must not stop the batch
        logger.debug("trafilatura failed: %s", exc)
        return None
    return text or None


def combine_bodies(ours: str | None, theirs: str | None, *, title: str | None = None,
                   min_agreement: float = MIN_AGREEMENT, run_on_share: float = RUN_ON_SHARE,
                   max_short_words: int = MAX_SHORT_WORDS) -> tuple[str, str]:
    """Choose the page body from ours and trafilatura's (see the module docstring for the rule).

    Returns:
        ``(body, source)``: the body with paragraphs joined by a blank line, and which extractor it
        came from: ``ours``, ``trafilatura`` or ``trafilatura_trimmed`` (the two agree),
        ``UNCONFIRMED`` (trafilatura's, which ours does not confirm: they disagree or ours is empty),
        or ``none`` when both are empty.
    """
    title_key = _fold(title) if title else None
    ours_lines = [ln for i, ln in enumerate(_lines(ours or "")) if not (i == 0 and _fold(ln) == title_key)]
    their_lines = [ln for i, ln in enumerate(_lines(theirs or "")) if not (i == 0 and _fold(ln) == title_key)]
    if not their_lines:
        return "\n\n".join(ours_lines), "ours" if ours_lines else "none"
    if not ours_lines:
        return "\n\n".join(their_lines), UNCONFIRMED
    ours_text, their_text = _fold("\n".join(ours_lines)), _fold("\n".join(their_lines))
    ours_words = [_n_words(ln) for ln in ours_lines]
    agreed = sum(n for ln, n in zip(ours_lines, ours_words, strict=True) if _fold(ln) in their_text)
    shared = [_fold(ln) in ours_text for ln in their_lines]
    if agreed < min_agreement * max(sum(ours_words), 1):
        return "\n\n".join(their_lines), UNCONFIRMED
    if not any(shared):  # ours lies inside trafilatura's lines, which run across paragraphs: keep ours
        return "\n\n".join(ours_lines), "ours"
    first = shared.index(True)
    last = len(shared) - 1 - shared[::-1].index(True)
    their_words = [_n_words(ln) for ln in their_lines]
    extra = sum(n for n, s in zip(their_words, shared, strict=True) if not s)
    after = sum(n for i, (n, s) in enumerate(zip(their_words, shared, strict=True)) if not s and i > last)
    prose_before = any(their_words[i] > max_short_words for i in range(first) if not shared[i])
    if extra and after >= run_on_share * extra and not prose_before:
        return "\n\n".join(ours_lines), "ours"
    kept = [ln for i, ln in enumerate(their_lines) if i >= first or their_words[i] > max_short_words]
    return "\n\n".join(kept), ("trafilatura_trimmed" if len(kept) < len(their_lines) else "trafilatura")


def choose_body(html: str, ours: str | None, *, title: str | None = None,
                use_trafilatura: bool = True, rerun_below: float = RERUN_BELOW,
                rerun_above: float = RERUN_ABOVE) -> tuple[str, str]:
    """The page body from ours and trafilatura's (``combine_bodies``); ``use_trafilatura`` off: ours alone.

    trafilatura first runs without its fallback extractors (``fast``). Only when that finds nothing,
    or fewer than ``rerun_below`` times the words ours found, or ours found nothing, or ours does not
    confirm it and it has over ``rerun_above`` times ours' words, does it run again in full (its
    fallbacks rescue pages where its main pass keeps a fragment or the whole page), and the choice is
    made on that body. Most pages need the fast run alone. When ours found nothing the full run is
    certain, so it comes first and the fast run only stands in for a full run that finds nothing (the
    same body as running both in turn, one run fewer).
    """
    if not use_trafilatura:
        return combine_bodies(ours, None, title=title)
    n_ours = _n_words(ours or "")
    if not n_ours:
        theirs = trafilatura_body(html, fast=False) or trafilatura_body(html, fast=True)
        return combine_bodies(ours, theirs, title=title)
    theirs = trafilatura_body(html, fast=True)
    n_theirs = _n_words(theirs or "")
    body, source = combine_bodies(ours, theirs, title=title)
    if not n_theirs or n_theirs < rerun_below * n_ours or (
            source == UNCONFIRMED and n_theirs > rerun_above * n_ours):
        theirs = trafilatura_body(html, fast=False) or theirs
        body, source = combine_bodies(ours, theirs, title=title)
    return body, source


def drop_comment_text(body: str, comment_texts: Iterable[str | None], *,
                      max_share: float = MAX_COMMENT_SHARE) -> str:
    """``body`` without the lines that are a paragraph of one of the page's reader comments.

    When those lines would hold more than ``max_share`` of the body's words, the comments are taken
    to be a misreading of the article (a body extractor and a comment finder cannot both be right
    there) and the body is kept whole.
    """
    paragraphs = {_fold(p) for text in comment_texts if text for p in text.split("\n") if p.strip()}
    if not paragraphs:
        return body
    lines = _lines(body)
    kept = [ln for ln in lines if _fold(ln) not in paragraphs]
    if len(kept) == len(lines):
        return body
    if sum(map(_n_words, kept)) < (1 - max_share) * sum(map(_n_words, lines)):
        return body
    return "\n\n".join(kept)
