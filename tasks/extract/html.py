"""HTML pages: article and comments read from their markup.

``extract_from_html`` reads the page's markup for the article (title, body paragraphs) and the reader
comments (author, date, reply structure) where common comment markup makes that reliable; pages it cannot
handle are left out of its output, and the caller falls back to the text path for them. The innerText
rendering it uses for parts of a page, and the limits that bound the work on any page, are
``tasks.ingest.render``'s.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import pairwise
from typing import TypeVar
from urllib.parse import urlsplit

import polars as pl
from selectolax.lexbor import LexborHTMLParser, LexborNode

from schemas.parsed import PARSED_ARTICLES, PARSED_COMMENTS
from schemas.validate import polars_schema
from tasks.css_queries import Selection, SelectorSet
from tasks.extract.authors import (
    HANDLE,
    MAX_AUTHOR_CHARS,
    avatar_initials,
    clean_authors,
    frame_only,
    initials_of,
    name_before_date,
    name_from_text,
    said_name,
)
from tasks.extract.authors import NAME_MAX_WORDS as _NAME_MAX_WORDS
from tasks.extract.dates import RELATIVE_DATE, WRITTEN_DATE, find_date, parse_date
from tasks.extract.mainbody import choose_body, drop_comment_text
from tasks.extract.selectors import BY_RE, TIME_CONNECTOR_RE, TIME_RE
from tasks.ingest.readers import parse_timestamp
from tasks.ingest.render import (
    DEFAULT_MAX_HTML_BYTES,
    DEFAULT_MAX_NODES,
    canonical_url,
    check_markup,
    hidden_ids,
    node_text,
)
from tasks.text_match import bag_f1, fold, tokens

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------------
# Article and comments from markup
# --------------------------------------------------------------------------------------------------

COMMENT_ITEM_SELECTORS = (
    '[class~="comment"]', '[class~="wpd-comment"]', '[class~="comment-item"]', '[class~="single-comment"]',
    '[class~="forum-message"]', '[class~="forum-fil"]', '[itemtype*="schema.org/Comment" i]', '[id^="comment-"]',
    '[id^="li-comment-"]',
    '[id^="div-comment-"]', '[id^="wpd-comm-"]', ".commentlist > li", ".comment-list > li", ".comments-list > li",
    "ol.comments > li",
)
"""Elements that may be one reader comment: WordPress comment lists and their themes, wpDiscuz, SPIP
forums, schema.org ``Comment`` microdata. Wrappers and parts are sorted out structurally."""

_ITEM_ID = re.compile(r"^(?:li-|div-)?comment-?\d+$|^wpd-comm-\d+(?:_\d+)?$", re.IGNORECASE)
_PART_TOKEN = re.compile(
    r"(?:^|[-_])comments?[-_]?(?:body|content|text|meta|metadata|author|footer|header|date|avatar|reply|"
    r"actions?|form|respond|count|list|title|link|number|navigation|nav|area|section|wrap-area)$"
    r"|^(?:pingback|trackback|comments|comments-area|commentlist|comment-respond|respond)$",
    re.IGNORECASE,
)
_ITEM_TAGS = frozenset({"li", "article", "div", "section", "dd", "blockquote", "td", "tr", "aside"})
_LINKBACK = re.compile(r"(?:^|\s)(?:pingback|trackback)(?:\s|$)", re.IGNORECASE)

COMMENT_TEXT_SELECTORS = (
    ".comment-content", ".comment-text", ".comment_text", ".commenttext", ".comment-entry", ".wpd-comment-text",
    '[itemprop="text"]', '[itemprop="commentText"]', ".forum-texte", '[class*="comment-content"]',
    '[class*="comment-text"]', '[class*="comment_content"]', '[class*="commentcontent"]', '[class*="comment-body"]',
    ".comment-body",
)
"""The element holding a comment's own text, most specific first."""

COMMENT_CHROME_SELECTORS = (
    ".reply", '[class*="reply"]', '[class*="comment-meta"]', ".commentmetadata", '[class*="comment-author"]',
    '[class*="avatar"]', '[class*="like"]', '[class*="vote"]', '[class*="rating"]', '[class*="report"]',
    '[class*="share"]', '[class*="edit-link"]', '[class*="actions"]', ".says", "form", "footer", "header",
    '[class*="date"]', "time", ".fn", "cite", '[class*="author"]', '[class*="byline"]', '[class*="permalink"]',
    ".forum-chapo", '[class*="comment-header"]', '[class*="comment-footer"]', '[class*="awaiting"]', "button",
)
"""Controls and meta inside a comment: removed from its text."""
_COMMENT_CHROME = ", ".join(COMMENT_CHROME_SELECTORS)
"""The chrome selectors as one query (the elements they match are a set: one query costs less than 29)."""

AUTHOR_SELECTORS = (
    ".fn", '[itemprop="author"] [itemprop="name"]', '[itemprop="author"]', ".wpd-comment-author",
    '[class*="author-name"]', '[class*="author_name"]', '[class*="authorname"]', '[class*="author-link"]',
    '[class*="comment-name"]', '[class*="commenter"]', '[class*="username"]', '[class*="user-name"]',
    '[class*="nickname"]', '[class*="comment-author"]', '[class*="author"]', "cite", '[class*="name"]',
    ".forum-chapo small a", ".forum-chapo small",
)
"""Where a comment's author name is written, most specific first."""
_SPECIFIC_AUTHORS = AUTHOR_SELECTORS[:14]
"""The specific author selectors (the rest are broad: any class holding "author" or "name", ``cite``, a forum's)."""
_INNER_AUTHORS = ", ".join(_SPECIFIC_AUTHORS)
"""The specific author selectors as one list: is an element of them under an author element (``_author_of``)?"""

DATE_SELECTORS = (
    "time", '[itemprop="dateCreated"]', '[itemprop="datePublished"]', ".wpd-comment-date", '[class*="comment-date"]',
    '[class*="commentdate"]', '[class*="date"]', ".commentmetadata", '[class*="comment-meta"]', '[class*="time"]',
    ".forum-chapo small",
)
"""Where a comment's date is written."""

COMMENT_SECTION_SELECTORS = (
    "#comments", ".comments-area", "#disqus_thread", ".comments", "#respond", ".comment-respond",
    '[id*="comments"]', '[class*="comments"]',
)
"""Containers of a comment section (used to tell the article apart and to notice unparsed comments)."""
_ANY_SECTION = ", ".join(COMMENT_SECTION_SELECTORS)
_COMMENT_FORM = "form textarea"
"""A form with a text area on the page: a place for readers' comments, named or not (with the section
selectors, what lets the text finder search a page's rendered text for a thread)."""
_SECTIONS = SelectorSet((*COMMENT_SECTION_SELECTORS, _COMMENT_FORM))
"""The sections and the comment form, one query of the page as the comments left it (``tasks.css_queries``)."""
_COUNT_SECTIONS = ("#comments", ".comments-area", ".comments", '[id*="comments"]')
"""The sections whose headings may state the comment count (``stated_comment_count``)."""

BODY_SELECTORS = (
    '[itemprop="articleBody"]', ".entry-content", ".post-content", ".article-body", ".article__body",
    ".article-content", ".story-body", ".story-content", ".post-body", ".post-entry", ".entry-body",
    ".td-post-content", ".single-content", ".content-body", "#article-body", ".articleBody", ".body-text",
    ".article-text", ".article__content", ".post__content", ".entry", "article", '[role="main"]', "main",
)
"""Main-content containers, most specific first."""

BODY_JUNK_SELECTORS = (
    "figcaption", ".wp-caption-text", "aside", "nav", "form", ".sharedaddy", '[class*="share"]',
    '[class*="social"]', '[class*="related"]', ".jp-relatedposts", '[class*="newsletter"]', '[class*="subscribe"]',
    '[class*="author-bio"]', '[class*="author-box"]', '[class*="advert"]', '[class*="-ad-"]', ".ad", ".ads",
    '[class*="promo"]', '[class*="breadcrumb"]', '[class*="comments"]', "#comments",
    '[class*="caption"]', '[class*="credit"]', '[class*="byline"]', '[class*="post-meta"]', '[class*="entry-meta"]',
    '[class*="navigation"]', '[class*="pagination"]', '[class*="widget"]', '[class*="sidebar"]',
    "footer", "button", '[class*="popup"]', '[class*="modal"]', '[class*="cookie"]', '[class*="signup"]',
    '[class*="recommend"]', '[class*="read-more"]', '[class*="yarpp"]', '[class*="tags"]',
)
"""Chrome inside a main-content container: left out of the body."""

_BODY_JUNK = ", ".join(BODY_JUNK_SELECTORS)

TITLE_SELECTORS = (
    "h1.entry-title", ".entry-title", "h1.post-title", ".post-title", "h1.article-title", ".article-title",
    '[itemprop="headline"]', "h1.headline", ".headline", "article h1", "main h1", "h1",
)
"""Where the article's headline is, most specific first."""
_CONTAINERS = SelectorSet(BODY_SELECTORS)
"""The main-content containers, one query (``tasks.css_queries``)."""

MIN_BODY_CHARS = 80
"""A page whose body has fewer characters is not handled from markup (the text path takes it)."""

MIN_ROOT_CHARS = 120
"""A main-content container needs at least this much paragraph text to be chosen by its selector."""

MIN_PARAGRAPH_CHARS = 25
"""Paragraphs shorter than this count less when locating the main content by text density."""

MAX_COMMENTS = 2_000
"""At most this many comment candidates are examined per page."""

MAX_THREAD_DEPTH = 60
"""Comment markup nested deeper than this (replies of replies...) is left to the text path: the work on
nested comments grows with depth times size."""


class _TooDeepError(Exception):
    """Comment markup nested deeper than ``MAX_THREAD_DEPTH``."""

_CHROME_LINE = re.compile(
    r"^(?:reply|antworten|antwort|répondre|responder|rispondi|responder|ответить|like|gefällt mir|report|"
    r"melden|permalink|link|edit|bearbeiten|quote|zitieren|\d+\s*(?:likes?|points?)|↓|↑|says:?|sagt:?|"
    r"reply ↓|antwort ↓|loading\.{0,3}|cancel reply|log in to reply|\(?\d+\)?|[↓↑·|•]+)$",
    re.IGNORECASE,
)
_COUNT = re.compile(
    r"(\d{1,5})\s*(?:leser-?)?(?:comments?|responses?|replies|thoughts?|reactions?|kommentare?|antworten|"
    r"gedanken|reaktionen|ergänzungen|commentaires?|réactions?|comentarios?|respuestas?|commenti|risposte|"
    r"comentários?|respostas?|комментари[а-яё]*|отзыв[а-яё]*)",
    re.IGNORECASE,
)
_BODY_END = re.compile(
    r"^(?:related(?: posts| articles| stories| reading)?|you (?:may|might) also like|more on this topic|"
    r"ähnliche (?:beiträge|artikel)|das könnte dich auch interessieren|weitere (?:artikel|beiträge)|"
    r"articles? similaires?|artículos relacionados|articoli correlati|posts relacionados|"
    r"похожие (?:статьи|материалы)|share this|like this|teilen mit|gefällt mir|diesen beitrag teilen)\s*:?\s*$",
    re.IGNORECASE,
)
"""A heading that ends the article inside a content block ("Related posts:", "Share this:")."""
_TITLE_SEPARATOR = re.compile(r"\s+[|–—·•»:]\s+|\s+-\s+")
_SITE_SUFFIX = re.compile(r"\s+[|–—:-]\s+[^|–—]{2,60}$")


def _class_tokens(node: LexborNode) -> list[str]:
    cls = node.attributes.get("class") if node.attributes else None
    return cls.split() if cls else []


def _is_part(node: LexborNode) -> bool:
    """True when a class names a part of a comment (body, meta, author...) or a whole section."""
    return any(_PART_TOKEN.search(t) for t in _class_tokens(node))


_ITEM_GROUPS = (
    (", ".join(COMMENT_ITEM_SELECTORS[:7]), False),
    (", ".join(COMMENT_ITEM_SELECTORS[7:11]), True),
    (", ".join(COMMENT_ITEM_SELECTORS[11:]), False),
)
"""``COMMENT_ITEM_SELECTORS`` in three runs of one query each, and whether an element a run finds first must
have a comment id (``_ITEM_ID``): the ``[id^=...]`` selectors stand together between the others."""


def _candidate(node: LexborNode, *, by_id: bool) -> bool:
    """Can an element a comment item selector found (``by_id``: an ``[id^=...]`` one) be one comment?"""
    if node.tag not in _ITEM_TAGS:
        return False
    attrs = node.attributes or {}
    node_id = attrs.get("id") or ""
    if by_id and not _ITEM_ID.match(node_id):
        return False
    if _LINKBACK.search(attrs.get("class") or ""):
        return False
    return not (_is_part(node) and not (_ITEM_ID.match(node_id) and not node_id.lower().startswith("div-")))


def _comment_candidates(tree: LexborHTMLParser) -> list[LexborNode]:
    """The elements that may be one reader comment (``COMMENT_ITEM_SELECTORS``), in no set order (the caller
    sorts them). Each element is judged under the first selector that finds it; at ``MAX_COMMENTS`` the
    search stops, taking the selectors in turn."""
    seen: set[int] = set()
    found: list[LexborNode] = []
    for query, by_id in _ITEM_GROUPS:
        for node in tree.css(query):
            mid = node.mem_id
            if mid in seen:
                continue
            seen.add(mid)
            if _candidate(node, by_id=by_id):
                found.append(node)
    if len(found) < MAX_COMMENTS:
        return found
    return _candidates_in_turn(tree)


def _candidates_in_turn(tree: LexborHTMLParser) -> list[LexborNode]:
    """``_comment_candidates`` selector by selector, up to the first ``MAX_COMMENTS``."""
    seen: set[int] = set()
    found: list[LexborNode] = []
    for selector in COMMENT_ITEM_SELECTORS:
        for node in tree.css(selector):
            mid = node.mem_id
            if mid in seen:
                continue
            seen.add(mid)
            if _candidate(node, by_id=selector.startswith("[id")):
                found.append(node)
                if len(found) >= MAX_COMMENTS:
                    return found
    return found


_ANCESTOR_LIMIT = 200
"""How far up the tree the ancestor walks look."""


def _ancestors(node: LexborNode, limit: int = _ANCESTOR_LIMIT) -> Iterator[LexborNode]:
    """The ancestors of ``node``, nearest first, at most ``limit`` of them (lazily: a search stops at its hit)."""
    parent, seen = node.parent, 0
    while parent is not None and seen < limit:
        yield parent
        parent, seen = parent.parent, seen + 1


def _doc_order(nodes: list[LexborNode], tree: LexborHTMLParser) -> list[LexborNode]:
    """Sort nodes into document order (lexbor hands them out per selector)."""
    wanted = {n.mem_id: n for n in nodes}
    ordered: list[LexborNode] = []
    root = tree.root
    if root is None:
        return ordered
    for node in root.traverse():
        if node.mem_id in wanted:
            ordered.append(wanted.pop(node.mem_id))
            if not wanted:
                break
    return ordered


@dataclass(slots=True)
class _Comment:
    node: LexborNode
    parent: int | None
    author: str | None
    text: str
    posted_at_text: str | None
    posted_at: datetime | None
    author_node: LexborNode | None = None
    """The element the author was read from (markup comments only)."""


def _first_match(region: LexborNode, selectors: tuple[str, ...], excluded: set[int]) -> LexborNode | None:
    for selector in selectors:
        for node in region.css(selector):
            if not (_ancestor_ids(node, region) & excluded) and node.mem_id not in excluded:
                return node
    return None


def _ancestor_ids(node: LexborNode, stop: LexborNode) -> set[int]:
    out: set[int] = set()
    parent = node.parent
    stop_id = stop.mem_id
    while parent is not None and parent.mem_id != stop_id:
        out.add(parent.mem_id)
        parent = parent.parent
    return out


_INITIALS = re.compile(r"[^\W_]{1,3}")


_QUOTE_TAGS = frozenset({"blockquote", "q"})


def _holds_match(node: LexborNode, query: str) -> bool:
    """Does an element under ``node`` (not ``node`` itself) match ``query``? One existence query per child
    element, each stopping at its first match; none under an element that holds only text."""
    child = node.child
    while child is not None:
        if not (child.tag or "-").startswith("-") and child.css_matches(query):
            return True
        child = child.next
    return False


def _quote_ids(region: LexborNode) -> set[int]:
    """The quotes in ``region`` (not itself): left out where its block's name line is read."""
    return {node.mem_id for node in region.css(", ".join(sorted(_QUOTE_TAGS))) if node.mem_id != region.mem_id}


def _author_of(region: LexborNode, excluded: set[int]) -> tuple[str | None, LexborNode | None]:
    """The comment's author name and the element holding it. A name that is only the initials of a
    longer name found in the same comment (an avatar drawn from the name) gives way to that name."""
    found: tuple[str, LexborNode] | None = None
    quotes = _quote_ids(region)
    for selector in AUTHOR_SELECTORS:
        for node in region.css(selector):
            ancestors = _ancestor_ids(node, region)
            if node.mem_id in excluded or node.mem_id == region.mem_id or ancestors & excluded:
                continue  # the comment element itself ("comment-author-jane bypostauthor") names no element
            if node.mem_id in quotes or ancestors & quotes:
                continue  # a quoted comment's name ("<blockquote><cite>Jane</cite> ...") is not this one's author
            # prefer the innermost element that carries the name (asked one by one only where one is under it)
            inner = [n for sel in _SPECIFIC_AUTHORS for n in node.css(sel)
                     if n.mem_id != node.mem_id] if _holds_match(node, _INNER_AUTHORS) else []
            for cand in [*inner, node]:
                name = _linked_name(cand, name_from_text(node_text(cand, skip=excluded)), excluded)
                if not name or _DATE_ONLY.match(name) or _BADGE_ONLY.match(name):
                    continue  # a date, or a role badge with "author" in its class ("Autor")
                if HANDLE.fullmatch(name) and (beside := _beside_handle(cand, region, excluded)) is not None:
                    return beside  # "@jane_d" in its own element beside the display name "Jane Doe"
                if found is None:
                    if not (_INITIALS.fullmatch(name) and name == name.upper()):
                        return name, cand
                    found = (name, cand)  # maybe an avatar's initials: look for the name they stand for
                elif initials_of(found[0], name):
                    return name, cand
    return found if found is not None else (None, None)


_DATE_ONLY = re.compile(r"^[\d\s./:,-]+(?:am|pm|uhr)?$", re.IGNORECASE)
LABEL_MAX_WORDS = 3


def _beside_handle(node: LexborNode, region: LexborNode, excluded: set[int]) -> tuple[str, LexborNode] | None:
    """The display name on the head line of ``node``, an element holding a handle alone ("@jane_d"): the line of
    the nearest element around it (up to ``HOLDER_LEVELS`` above it, below ``region``) that holds more than the
    handle, the handle taken out and the name read from what is left ("Jane Doe @jane_d · 12 March 2024",
    "@jane_d Jane Doe 12.03.2024"), and that element; None when no such line holds a name-shaped one."""
    handle = " ".join(node_text(node, skip=excluded).split())
    holder = node
    for _ in range(HOLDER_LEVELS):
        parent = holder.parent
        if parent is None or parent.mem_id == region.mem_id:
            return None
        holder = parent
        line = next((ln for ln in node_text(holder, skip=excluded).split("\n") if ln.strip()), "")
        line = " ".join(line.split())
        if line == handle:
            continue  # a link around the handle: one level more
        if handle not in line:
            return None
        rest = (line.replace(handle, " ", 1)).strip(" \u00a0·|•,–—-")
        if (date := _date_in(rest)) is not None and date.start() == 0:
            return None  # the handle's line holds its date only: the handle is the name shown
        name = name_from_text(rest) if rest else None
        if name is None or not name_shaped(name) or HANDLE.fullmatch(name) or _DATE_ONLY.match(name):
            return None
        return name, holder
    return None


_FRAME_END = re.compile(r"(?::|\.\.\.|…)$")
"""How a header's frame after a name ends, in any language ("said...", "a dit…", "schrieb:")."""


def _linked_name(node: LexborNode, name: str | None, excluded: set[int]) -> str | None:
    """``name`` (read from ``node``'s text) less a label before the one link that holds the name:
    "Submitted by <a>Jane</a>", "Kommentar von <a>Jane</a>" give "Jane" (up to ``LABEL_MAX_WORDS`` words
    before the link's text, the last of them lower-case: a connector such as "by", "von", "par"), or less a
    frame after it: up to ``LABEL_MAX_WORDS`` words without digits that end as a frame does (``_FRAME_END``:
    "<a>Jane</a> hat gesagt…", "<a>Jane</a> powiedział(a)...", "<a>Jane</a> сказал(а)...")."""
    if not name:
        return name
    links = [text for a in node.css("a") if a.mem_id not in excluded
             and (text := " ".join(node_text(a, skip=excluded).split()))]  # no empty anchor (<a name="c1">)
    if len(links) != 1:
        return name
    linked = links[0]
    if not linked or linked == name or not name_shaped(linked):
        return name
    if name.startswith(linked):  # a frame after the name: "<a>Jane</a> hat gesagt…", "<a>Jane</a> dedi ki..."
        frame = name[len(linked):].strip()
        return linked if (_FRAME_END.search(frame) and len(frame.split()) <= LABEL_MAX_WORDS
                          and not any(ch.isdigit() for ch in frame)) else name
    if not name.endswith(linked):
        return name
    label = name[: -len(linked)].strip()
    if not label or len(label.split()) > LABEL_MAX_WORDS or not label.split()[-1][:1].islower():
        return name
    return linked

_DATA_NAME_ATTRS = ("data-author-name", "data-display-name", "data-author", "data-username", "data-user-name",
                    "data-commenter", "data-nickname")
"""Data attributes that hold a commenter's name (``data-author="Jane"``), most specific first."""

HEAD_CHARS = 160
"""An element is in a comment's head (where its author is written) when at most this many characters of
the comment's text come before it."""
HEAD_EVIDENCE = (
    ("microdata", '[itemprop="author"] [itemprop="name"], [itemprop="creator"] [itemprop="name"], '
                  '[itemprop="author"], [itemprop="creator"], [property~="schema:name"], [property~="foaf:name"], '
                  '[property~="sioc:name"], [typeof~="schema:Person"] [property~="name"]', None),
    ("json-ld", None, None),
    ("rel-author", '[rel~="author"]', None),
    ("data-attr", ", ".join(f"[{a}]" for a in _DATA_NAME_ATTRS), " ".join(_DATA_NAME_ATTRS)),
    ("cite", "cite", None),
    ("profile-link", 'a[rel~="ugc"], a[rel~="external"]', None),
    ("said-line", None, None),
    ("bold", "b, strong", None),
    ("link", "a[href]", None),
    ("avatar-alt", "img[alt]", "alt"),
    ("label", "a[aria-label], a[title], img[title], span[title]", "aria-label title"),
)
"""Kinds of evidence for a comment's author in its head, strongest first, none of them a class name: the name
element of schema.org microdata or the name of an RDFa person (``property="schema:name"``, ``"foaf:name"``:
Drupal's comments; one query with the microdata), the author of a schema.org ``Comment`` object in a
``<script type="application/ld+json">`` of the comment (``_json_ld_author``), an author link
(``rel="author"``), a ``data-author``/``data-username`` attribute of the comment or of an element of its head
(``_DATA_NAME_ATTRS``; not digits only: those are a user's number), a ``<cite>``, a profile link
(``rel="ugc"``/``"external"``; ``nofollow`` alone marks a comment's or a control's links too), a head line that
reads "NAME says:" / "NAME schrieb:" in one of the covered languages (no selector:
``tasks.extract.authors.said_name``), the first bold text, the first link, an avatar's ``alt`` (not a bare
"Avatar", not an e-mail address), a link's or an image's ``aria-label``/``title`` (not a control's: a label
that holds the element's own visible text, "Reply to Jane" on a "Reply" link, is not taken). Each entry: name,
selector, the attributes holding the name (None: the element's text, or, without a selector, the head's
lines or scripts). A ``<dt>`` just before a ``<dd>`` comment comes after them, then a head line with a date
and a name beside it, either side ("Jane Doe 12.03.2024", "12.03.2024 Jane Doe": ``_date_line_name``;
``_head_author``)."""
STRONG_EVIDENCE = frozenset({"class", "microdata", "json-ld", "rel-author", "data-attr", "cite", "said-line"})
"""Kinds of evidence that name the author by what they are, wherever in the head they stand; the other kinds
(bold text, a link, an avatar, a label) hold a name only by their place, so on a comment found by its
structure they count only where the comment's name line holds them (``_comment_author``)."""
_AVATAR_WORDS = re.compile(
    r"(?i)^(?:(?:user\s+)?(?:avatar|profile(?:\s+(?:picture|image|photo))?|photo|picture|image|bild|foto|"
    r"profilbild)\s+(?:of|for|von|de|di|du|del|da)\s+(?:(?:user|benutzer|utilisateur|usuario|utente)\s+)?)|(?:['’]s)?\s+(?:avatar|profile\s+picture|photo|picture|"
    r"bild|foto|profilbild)$"
)
"""The words an avatar's ``alt`` puts around a name ("Avatar of Jane", "Jane's avatar", "Profile picture for
user jane")."""
_AVATAR_ONLY = re.compile(r"(?i)^\W*(?:user\s+)?(?:avatar|profile(?:\s+(?:picture|image|photo))?|photo|picture|image|"
                          r"bild|foto|profilbild|user|gravatar)?\W*$")
_EMAIL = re.compile(r"\S@\S+\.\w")
_BADGE_ONLY = re.compile(r"(?i)^\W*(?:author|autor|autorin|auteur|autore|moderator|site owner)\W*$")
"""A role badge standing alone in an element beside the name (``AUTHOR_BADGE_RE`` less "admin", which many
blogs' owners keep as their name): not evidence of a name."""
_DATE_LEAD_CHARS = 4
"""Evidence whose text has a date within its first characters ("5. Dezember 2019 um 10:12"), or after a
weekday only, is a date."""


def _head_elements(region: LexborNode, excluded: set[int], body: LexborNode | None = None) -> list[LexborNode]:
    """The elements of ``region`` (outside ``excluded``) that come before its first ``HEAD_CHARS``
    characters of text are read, and before its ``body`` (the element of its text: what follows the text,
    a "Delete" or "Follow" link, is the comment's foot), in document order; none in a quote (``<blockquote>``,
    ``<q>``: another comment's words, whose text still counts)."""
    out: list[LexborNode] = []
    seen = 0
    skip_below: set[int] = set()
    quoted: set[int] = set()
    for node in region.traverse(include_text=True):
        if node.mem_id == region.mem_id:
            continue
        if body is not None and node.mem_id == body.mem_id:
            break
        parent = node.parent
        if node.mem_id in excluded or (parent is not None and parent.mem_id in skip_below):
            skip_below.add(node.mem_id)
            continue
        if node.tag in ("script", "style", "noscript", "template"):
            skip_below.add(node.mem_id)
            continue
        if node.tag == "-text":
            seen += len((node.text_content or "").strip())
            if seen > HEAD_CHARS:
                break
            continue
        if node.tag in _QUOTE_TAGS or (parent is not None and parent.mem_id in quoted):
            quoted.add(node.mem_id)  # a quote's text counts, its names are another comment's
            continue
        out.append(node)
    return out


def _evidence_name(node: LexborNode, attrs: str | None, excluded: set[int], *, data: bool = False) -> str | None:
    """The name one piece of head evidence gives: its text, or the first of its ``attrs`` that holds
    something (an avatar's words around the name cut); None when that is not name-shaped or a date. With
    ``data`` (a ``data-*`` attribute made to hold the name) the name may be the element's own text, and one
    of digits only is a user's number, not taken."""
    if attrs is None:
        raw = node_text(node, skip=excluded).strip()
    else:
        values = node.attributes or {}
        raw = next((str(values[a]) for a in attrs.split() if values.get(a)), "")
        shown = " ".join(node_text(node, skip=excluded).split())
        if data:
            if raw.strip().isdigit():
                return None
        elif shown and (_labels_control(shown, raw) or _date_in(shown) is not None):
            return None  # a control's label ("Reply to Jane" on a "Reply" link, "Antworte auf Jane" on "Antworten"),
            # or a permalink's ("Link to comment" on the comment's date)
        raw = _AVATAR_WORDS.sub("", raw.strip())
        if _AVATAR_ONLY.match(raw) or _EMAIL.search(raw):
            return None  # a placeholder's alt ("Avatar"), or an e-mail address, not a display name
    first = raw.split("\n")[0] if raw else ""
    date = _date_in(first)
    if date is not None and (date.start() <= _DATE_LEAD_CHARS or _URL_OR_WEEKDAY.search(first[: date.start()].strip())):
        return None  # a date (a permalink's text, "Thursday, November 08, 2012 at 01:33 PM")
    if first.rstrip().endswith(":") and said_name(first) is None:
        return None  # a label ("Posted by:"), not the name after it
    name = name_from_text(raw) if raw else None
    read = name
    if attrs is None:
        name = _linked_name(node, name, excluded)
    if not name or not name_shaped(name) or "://" in name or name.startswith("www.") or _BADGE_ONLY.match(name):
        return None  # not a name, a web address, or a role badge alone ("Autor" beside the name)
    if _DATE_ONLY.match(name) and not ((attrs is not None or name != read) and name.isdigit()):
        return None  # a number in the head's text is the comment's number; in an avatar's alt, a user name
        # (or in the link after a label: "by <a>7</a>")
    return name


CONTROL_STEM_CHARS = 5
"""A label whose first word and the element's visible text share this many first letters (or all of a
shorter visible text) is the control's own label ("Antworte auf Jane" on an "Antworten" link)."""


def _labels_control(shown: str, label: str) -> bool:
    """Is ``label`` (an ``aria-label``/``title``) the label of the control whose visible text is ``shown``:
    it holds that text, or its first word starts as that text does (the verb inflected)?"""
    shown, label = shown.casefold(), label.casefold().strip()
    if shown in label:
        return True
    first, word = label.split()[:1], shown.split()[:1]
    if not first or not word:
        return False
    stem = min(CONTROL_STEM_CHARS, len(word[0]))
    return len(first[0]) >= stem and first[0][:stem] == word[0][:stem] and len(label.split()) > 1


_LD_TYPES = frozenset({"Comment", "Answer", "DiscussionForumPosting"})


def _is_ld_comment(item: dict[str, object]) -> bool:
    """Whether a JSON-LD object's ``@type`` (a name or a list of them) is one of ``_LD_TYPES``."""
    kind = item.get("@type")
    return bool(_LD_TYPES.intersection(kind)) if isinstance(kind, list) else kind in _LD_TYPES


def _ld_scripts(node: LexborNode | LexborHTMLParser, excluded: set[int] | None = None) -> Iterator[object]:
    """The parsed JSON of each ``<script type="application/ld+json">`` under ``node`` (not those in
    ``excluded`` or under one of them: a comment's replies); scripts that are no JSON are passed over."""
    for script in node.css('script[type="application/ld+json" i]'):
        if excluded and isinstance(node, LexborNode) and (script.mem_id in excluded
                                                          or _ancestor_ids(script, node) & excluded):
            continue
        try:
            yield json.loads(script.text(deep=True) or "")
        except ValueError:
            continue


def _ld_author(data: object) -> str | None:
    """The author's name of the first schema.org ``Comment`` object (``Answer``, ``DiscussionForumPosting``)
    in parsed JSON-LD ``data``: at its top, in a list or in ``@graph`` (not the comments nested in it, its
    replies). ``author`` (or ``creator``) is a ``Person`` with a ``name``, a list of them, or a string."""
    items = data if isinstance(data, list) else [data]
    for item in items:
        if not isinstance(item, dict):
            continue
        if "@graph" in item and (name := _ld_author(item["@graph"])) is not None:
            return name
        if not _is_ld_comment(item):
            continue
        author = item.get("author") or item.get("creator")
        if isinstance(author, list):
            author = author[0] if author else None
        if isinstance(author, dict):
            author = author.get("name") or author.get("alternateName")
        if isinstance(author, str) and author.strip():
            return author.strip()
    return None


def _json_ld_author(region: LexborNode, excluded: set[int]) -> str | None:
    """The author a ``<script type="application/ld+json">`` of the comment (outside ``excluded``: its replies)
    states for it (``_ld_author``), when name-shaped."""
    for data in _ld_scripts(region, excluded):
        raw = _ld_author(data)
        name = name_from_text(raw) if raw else None
        if name and name_shaped(name):
            return name
    return None


_TIME_LEAD = re.compile(rf"(?i)^[\s,|·•–—-]*(?:(?:{TIME_CONNECTOR_RE}\s*)?{TIME_RE})?"
                        r"\s*(?:uhr|h|hrs|horas|heures|ore|godz\.?|óra|klo|saat|ч\.?)?(?![^\W\d_])")
"""A clock time after a date (a date match may hold the time but not its unit: "um 12:13 Uhr")."""
_BY_LEAD = re.compile(rf"(?i)^[\s,|·•–—:-]*(?:{BY_RE}\b\s*:?)?[\s,|·•–—:-]*")


def _date_line_name(lines: list[str]) -> str | None:
    """The name on the first of ``lines`` (a comment's head lines) that holds a date: the part before the
    date (``_tail_name``: "Jane Doe | 12.03.2024"), or, when the line opens with the date, the part after it
    less a clock time and a "by"/"von" ("12.03.2024, 10:15 Jane Doe"), with a letter in it (digits after a
    date are its time). None when that line holds no name."""
    for i, line in enumerate(lines[:STRUCT_HEAD_LINES]):
        match = _date_in(line)
        if match is None:
            continue
        if match.start() > 0:
            # "on DATE said:" under the name's line: the name is the line above
            return _name_above(lines, i) if frame_only(line[: match.start()]) else _tail_name(line)
        rest = _TIME_LEAD.sub("", line[match.end():])
        rest = _BY_LEAD.sub("", rest, count=1)
        name = name_from_text(rest) if rest.strip() else None
        if name is None or _LETTER.search(name) is None or not name_shaped(name) or _date_in(name) is not None:
            return None
        return name
    return None


_LETTER = re.compile(r"[^\W\d_]")


def _name_above(lines: list[str], at: int) -> str | None:
    """The name on the line above ``lines[at]`` (a line of the head's frame only: "says:", "on DATE said:"),
    when that line is the head's first with a letter (a comment's number may stand above it: a number alone is
    not taken), name-shaped and without a date; else None (a "says:" under a post count, or under "Submitted by
    NAME on DATE")."""
    if at < 1 or _date_in(lines[at - 1]) is not None or not _LETTER.search(lines[at - 1]) \
            or any(_LETTER.search(line) for line in lines[: at - 1]):
        return None  # a number alone above "says:" is the comment's number
    name = name_from_text(lines[at - 1])
    return name if name is not None and name_shaped(name) else None


def _dt_name(region: LexborNode) -> str | None:
    """For a ``<dd>`` comment, the name in the ``<dt>`` just before it (Blogger's lists), or None."""
    if region.tag != "dd":
        return None
    prev = region.prev
    while prev is not None and prev.tag == "-text":
        prev = prev.prev
    if prev is not None and prev.tag == "dt" and (name := name_from_text(node_text(prev))) and name_shaped(name):
        return name
    return None


def _head_author(region: LexborNode, excluded: set[int],
                 refused: frozenset[str] = frozenset()) -> tuple[str | None, LexborNode | None, str | None]:
    """The comment's author from the evidence in its head (``HEAD_EVIDENCE``, strongest kind first), then,
    for a ``<dd>`` comment, the ``<dt>`` just before it (Blogger's lists), then a head line with a date and a
    name (``_date_line_name``), then the comment's foot (``_foot_name``). Class names play no part. An
    avatar's initials give way to a longer name of the head they stand for. A name of ``refused`` (a label
    the page repeats on most comments) is passed over. Returns the name, the element holding it (None for a
    line or a script) and the kind of evidence."""
    body = _first_match(region, COMMENT_TEXT_SELECTORS, excluded)
    foot = _foot_elements(region, body, excluded) if body is not None else []
    outside = excluded | ({body.mem_id} if body is not None else set())
    head = _head_elements(region, outside, body)
    text = node_text(region, skip=outside | {part.mem_id for part in foot})  # the head's lines: not the foot's
    every = [" ".join(ln.split()) for ln in text.split("\n") if ln.strip()]
    lines, last = every[:STRUCT_HEAD_LINES], every[-1] if every else ""
    initials: tuple[str, LexborNode | None, str] | None = None
    for kind_name, selector, attrs in HEAD_EVIDENCE:
        if kind_name == "json-ld":
            name = _json_ld_author(region, excluded)
        elif selector is None:  # the "says" line, or a "says" word alone on the line after the name
            name = next((n for i, line in enumerate(lines) if (n := said_name(line) or (
                _name_above(lines, i) if _LETTER.search(line) and frame_only(line) else None)) is not None
                and name_shaped(n)), None)
        else:
            data = kind_name == "data-attr"
            if not head and not data:
                continue  # no element of the head to hold it: the query would find nothing of use
            kind = {n.mem_id for n in region.css(selector)}
            for node in [region, *head] if data else head:
                if node.mem_id not in kind and not (data and node.mem_id == region.mem_id):
                    continue
                name = _evidence_name(node, attrs, excluded, data=data)
                if name is None or name in refused:
                    continue
                if _INITIALS.fullmatch(name) and name == name.upper() and len(name) > 1:
                    initials = initials or (name, node, kind_name)
                    continue
                return name, node, kind_name
            continue
        if name is not None:
            return name, None, kind_name
    return _late_author(region, foot, excluded, lines, last=last, initials=initials)


def _late_author(region: LexborNode, foot: list[LexborNode], excluded: set[int], lines: list[str], *, last: str,
                 initials: tuple[str, LexborNode | None, str] | None,
                 ) -> tuple[str | None, LexborNode | None, str | None]:
    """After the head evidence (``_head_author``): a ``<dd>`` comment's ``<dt>``, an avatar's ``initials``,
    the comment's ``foot`` (``_foot_elements``: a name there is written as the comment's signature; a word
    before a head line's date may be a label, "Posted October 28, 2012"), a name beside a date on a head line
    (``lines``), then, where the comment has no text element, a signature as its ``last`` line ("— Jane")."""
    if (name := _dt_name(region)) is not None:
        return name, None, "dt"
    if initials is not None:
        return initials
    if foot and (name := _foot_name(foot, excluded)) is not None:
        return name, None, "foot"
    if (name := _date_line_name(lines)) is not None:
        return name, None, "date-line"
    if not foot and last and (sign := _SIGNATURE.match(last)) is not None:
        name = name_from_text(sign.group("name"))  # no text element: a signature as the comment's last line
        if name and name_shaped(name):
            return name, None, "foot"
    return None, None, None


FOOT_CHARS = 240
"""A comment's foot (what follows its text element) is read up to this many characters."""
_SIGNATURE = re.compile(r"^[–—~]\s*(?P<name>\S.*)$")


def _foot_elements(region: LexborNode, body: LexborNode, excluded: set[int]) -> list[LexborNode]:
    """The comment's foot: the nodes of ``region`` after its ``body`` (the text element), outside ``excluded``
    (its replies), up to ``FOOT_CHARS`` characters of text, in document order."""
    foot: list[LexborNode] = []
    node: LexborNode | None = body
    seen = 0
    while node is not None and node.mem_id != region.mem_id and seen <= FOOT_CHARS:
        sib = node.next
        while sib is not None and seen <= FOOT_CHARS:
            if sib.mem_id not in excluded and sib.tag not in ("script", "style", "template"):
                foot.append(sib)
                seen += len((sib.text(deep=True) or "").strip())
            sib = sib.next
        node = node.parent
    return foot


def _foot_name(foot: list[LexborNode], excluded: set[int]) -> str | None:
    """The name in the ``foot`` of a comment whose head names none (``_foot_elements``): a line with a name
    before a date ("Posted by: Jane | 12 March 2024 at 10:15"), a signature line ("— Jane"), or a ``<dt>``
    (a forum's profile block after the post)."""
    for part in foot:
        if part.tag == "-text":
            continue
        text = node_text(part, skip=excluded)
        for line in (" ".join(ln.split()) for ln in text.split("\n") if ln.strip()):
            if _date_in(line) is not None:
                if (name := _tail_name(line)) is not None:
                    return name
            elif (sign := _SIGNATURE.match(line)) is not None:
                name = name_from_text(sign.group("name"))
                if name and name_shaped(name):
                    return name
        for term in [part] if part.tag == "dt" else part.css("dt"):
            if term.mem_id not in excluded and (name := name_from_text(node_text(term, skip=excluded))) \
                    and name_shaped(name):
                return name
    return None


BADGE_MAX_WORDS = 2
"""Words a line may hold after the link with the commenter's name, before its "says" word or date, for the
link alone to be the name (``_link_delimited``): a role badge ("Moderator", "(Admin)", "Redaktion")."""


def _link_delimited(node: LexborNode, excluded: set[int], author: str | None) -> str | None:
    """``author`` (read from a line or an element holding more than a link) cut to the text of a link of the
    comment ``node`` (outside ``excluded``) that it starts with, where what follows the link is one to
    ``BADGE_MAX_WORDS`` words without a digit and no "@handle" (a role badge or an untranslated "says" word:
    "<a>Jane</a> Moderator dice:", "<a>Bo</a> (Admin) zegt:"). The link holds the name, the rest is the head's
    frame, in any language. Else ``author`` as it is."""
    if author is None or " " not in author:
        return author
    for link in node.css("a[href]"):
        shown = " ".join((link.text(deep=True) or "").split())
        if not shown or not author.startswith(shown + " ") or not name_shaped(shown):
            continue
        rest = author[len(shown):].split()
        if len(rest) > BADGE_MAX_WORDS or any(ch.isdigit() or ch == "@" for ch in "".join(rest)):
            rest, most = _answered(node, excluded, author[len(shown):].strip())  # asked only where needed
            if most == BADGE_MAX_WORDS or len(rest) > most or any(ch.isdigit() or ch == "@" for ch in "".join(rest)):
                return author
        if link.mem_id in excluded or _ancestor_ids(link, node) & excluded:
            continue  # a reply's link
        return shown
    return author


_ANSWERED_MARKS = " \u00a0@→↪»>:,(|"


def _answered(node: LexborNode, excluded: set[int], rest: str) -> tuple[list[str], int]:
    """The words of ``rest`` (what follows the linked name on a head line of the comment ``node``) and how many
    of them a frame may hold: where ``rest`` ends with the text of a link to a place on the page (``href="#..."``:
    the comment a reply answers, "→ <a href="#c12">Jane</a>", "in reply to <a>Jane</a>", "@<a>Jane</a>"), that
    name and the marks before it are left out and the frame may hold up to ``LABEL_MAX_WORDS`` words; else
    ``BADGE_MAX_WORDS`` (a role badge)."""
    for link in node.css('a[href^="#"]'):
        if link.mem_id in excluded:
            continue
        answered = " ".join((link.text(deep=True) or "").split())
        if answered and rest.endswith(answered) and name_shaped(answered) and len(rest) > len(answered):
            return rest[: -len(answered)].strip(_ANSWERED_MARKS).split(), LABEL_MAX_WORDS
    return rest.split(), BADGE_MAX_WORDS


def _comment_author(node: LexborNode, excluded: set[int], *, max_nodes: int, block: _Block | None = None,
                    refused: frozenset[str] = frozenset(), read_block: bool = True, lead: str | None = None,
                    ) -> tuple[str | None, LexborNode | None]:
    """The author of one comment and the element holding it (``_read_author``), a role badge or a frame word
    after a linked name cut (``_link_delimited``)."""
    author, author_node = _read_author(node, excluded, max_nodes=max_nodes, block=block, refused=refused,
                                       read_block=read_block, lead=lead)
    return _link_delimited(node, excluded, author), author_node


def _read_author(node: LexborNode, excluded: set[int], *, max_nodes: int, block: _Block | None = None,
                 refused: frozenset[str] = frozenset(), read_block: bool = True, lead: str | None = None,
                 ) -> tuple[str | None, LexborNode | None]:
    """The author of one comment and the element holding it, the one author step of both finders: the element
    the selectors name (``_author_of``), or where that holds no name (or only an avatar's initials) the
    evidence in the head (``_head_author``), then the block's name line (``_read_block``; not with
    ``read_block`` False: the caller first asks the page's JSON-LD, ``_ld_name``).

    ``block`` is the comment as the structural finder read it (its name line is its author). There the
    evidence is taken over the name line where it is of a ``STRONG_EVIDENCE`` kind, or the name line holds
    it (the line "Jane Doe Top contributor" with "Jane Doe" in bold), or the name line is only its
    initials; else the name line stays. The element is given for a markup comment only. A name of ``refused``
    (``_without_repeated_labels``) is not taken from an element. ``lead`` is the name of the comment's head where
    that stands just before the comment element, outside it (``_lead_name``): where no element the selectors name
    holds a name, it is taken before the evidence inside the comment (a bold word or a link of its text).
    """
    author, author_node = _author_of(node, excluded)
    if author in refused:
        author, author_node = None, None
    if author is None and lead is not None and lead not in refused:
        return lead, None
    kind = "class"
    if author is None or not name_shaped(author) or _INITIALS.fullmatch(author):
        head_author, head_node, head_kind = _head_author(node, excluded, refused)
        if head_kind == "date-line" and not read_block and block is None:
            head_author = None  # the page's JSON-LD comments are asked first (a label may stand before a date)
        if head_author is not None and (author is None or (head_kind != "date-line" and (
                not name_shaped(author) or initials_of(author, head_author)))):
            # a date line's name takes no element's place: "H.H." is not name-shaped, still the author
            author, author_node, kind = head_author, head_node, head_kind or kind
            if author_node is not None and author_node.mem_id == node.mem_id:
                author_node = None  # a data attribute of the comment element: no element of its own
    if block is not None:
        if author is None or not name_shaped(author) or block.author is None:
            return block.author, None
        folded = author.casefold()
        if kind in STRONG_EVIDENCE or folded in block.author.casefold() or initials_of(block.author, author):
            return author, None
        return block.author, None
    if author is None and read_block:  # else the caller asks the page's JSON-LD first
        author = _self_named(node, excluded)
    if author is None and read_block and (read := _read_block(node, excluded | _quote_ids(node),
                                                              max_nodes=max_nodes)) is not None:
        author = read.author  # no element the selectors know holds the name: the block's name line (not a quote's)
    if author is None and read_block and (cell := _name_cell(node, excluded)) is not None:
        author, author_node = cell  # the cell is the comment's head: not its text
    return author, author_node


def _name_cell(region: LexborNode, excluded: set[int]) -> tuple[str, LexborNode] | None:
    """The name in the first cell of a table row of the comment (outside ``excluded``) that stands beside a cell
    with more text (a forum's post: "Jane / Posts: 12" beside the post): the cell's first line, name-shaped and
    no date, and the cell; None when the comment holds no such row."""
    row = next((r for r in region.css("tr") if r.mem_id not in excluded and not _ancestor_ids(r, region) & excluded),
               None)
    if row is None:
        return None
    cells = [cell for cell in row.iter(include_text=False) if cell.tag in ("td", "th")]
    if len(cells) < 2:  # a name cell and a text cell
        return None
    line = " ".join((cells[0].text(deep=True) or "").split())
    if not line or len(line) > STRUCT_HEADER_CHARS or max(len((c.text(deep=True) or "").strip())
                                                          for c in cells[1:]) <= len(line):
        return None
    first = next((ln.strip() for ln in node_text(cells[0]).split("\n") if ln.strip()), "")
    name = name_from_text(first) if first else None
    return (name, cells[0]) if name is not None and name_shaped(name) and _date_in(name) is None else None


_SELF_AUTHOR = '[class*="author"]'


def _self_named(region: LexborNode, excluded: set[int]) -> str | None:
    """The first line of a comment element whose own class names its author ("comment-author-jane
    bypostauthor"), where no element of it and no head evidence names one: the last reading before the
    block's name line (the element is never its own author element, ``_author_of``)."""
    if not region.css_matches(_SELF_AUTHOR):
        return None
    name = name_from_text(node_text(region, skip=excluded))
    if not name or _DATE_ONLY.match(name) or _BADGE_ONLY.match(name):
        return None
    return name


def _date_of(region: LexborNode, excluded: set[int]) -> tuple[str | None, datetime | None]:
    for selector in DATE_SELECTORS:
        for node in region.css(selector):
            if node.mem_id in excluded or _ancestor_ids(node, region) & excluded:
                continue
            attrs = node.attributes or {}
            stamp = attrs.get("datetime") or attrs.get("content") or attrs.get("title")
            text = " ".join(node_text(node, skip=excluded).split())
            parsed = parse_timestamp(stamp) if stamp else None
            written = find_date(text)
            if written is None and parsed is None:
                continue
            if written is not None and (parsed is None or len(stamp or "") <= 10):
                parsed = parse_date(written) or parsed
            if parsed is None and stamp:
                parsed = parse_date(stamp)
            return (written or text or None), parsed
    return None, None


HOLDER_LEVELS = 2
"""How far above the author element ``_head_holder`` looks for the element of its head line."""


def _head_holder(author_node: LexborNode, root: LexborNode) -> LexborNode:
    """The element of the head line the author element stands in, where that line is the name and its frame
    only ("<div><a>Jane</a> Moderator dice: 12.03.2024</div>", "<p>by <b>Jane</b> » Tue Mar 12, 2024</p>"): one
    line, beginning with the name or with a label before it (``_label_only``), the rest
    without a sentence end and holding a date, ending as a frame does (":", "...") or of at most
    ``BADGE_MAX_WORDS`` words; up to ``HOLDER_LEVELS`` above it, below ``root``. Else ``author_node``: the
    text around it is the comment's."""
    name = " ".join((author_node.text(deep=True) or "").split())
    holder, node = author_node, author_node
    for _ in range(HOLDER_LEVELS):
        parent = node.parent
        if parent is None or parent.mem_id == root.mem_id or parent.tag in ("body", "html"):
            break
        node = parent
        line = node_text(node).strip()
        first, _, below = line.partition("\n")
        if below and avatar_initials(first, name):
            line = below.strip()  # a letter avatar's initials over the name: the head's too
        at = line.find(name) if name else -1
        if at < 0 or "\n" in line or not (at == 0 or _label_only(line[:at])):
            break
        if not _frame_only(line[at + len(name):]):
            break
        holder = node
    return holder


HEAD_LABEL_WORDS = 2
"""Words a label before the name on a head line may have ("by", "Submitted by", "Kommentar von")."""


def _label_only(before: str) -> bool:
    """Is ``before`` (what stands before a name on its head line) a label only: up to ``HEAD_LABEL_WORDS`` words
    without a digit, the last of them lower-case ("by", "Submitted by", "Kommentar von")?"""
    words = before.split()
    return 0 < len(words) <= HEAD_LABEL_WORDS and words[-1][:1].islower() and not any(ch.isdigit() for ch in before)


def _frame_only(rest: str) -> bool:
    """Is ``rest`` (what follows a name on its head line) the line's frame only: empty, or no sentence end and
    a date in it, a frame's end (":", "...") or at most ``BADGE_MAX_WORDS`` words?"""
    rest = " ".join(rest.split())
    return not rest or (not _SENTENCE_END.search(rest) and (
        _date_in(rest) is not None or bool(_FRAME_END.search(rest)) or len(rest.split()) <= BADGE_MAX_WORDS))


def _without_head_lines(text: str, author: str | None) -> str:
    """``text`` (a comment's, paragraphs split by blank lines) without its head where the text begins with it (a
    letter avatar's initials of the name may stand above it): a first line that is the ``author``'s name (a handle
    may stand before it) and its frame only (``_frame_only``: "Jane Moderator dice:
    12.03.2024", "Jane"), then a date line. Only when text is left after them."""
    if not author:
        return text
    parts = text.split("\n\n")
    if len(parts) > 2 and avatar_initials(parts[0], author):
        parts = parts[1:]  # a letter avatar's initials over the name line
    first = parts[0]
    if (handle := HANDLE.match(first)) is not None and first[handle.end():].strip(" \u00a0·|•–—-").startswith(author):
        first = first[handle.end():].strip(" \u00a0·|•–—-")  # a handle before the name ("@jane_d Jane Doe")
    if len(parts) < 2 or not first.startswith(author) or not _frame_only(first[len(author):]):
        return text
    cut = 2 if len(parts) > 2 and _is_date_line(parts[1]) else 1
    return "\n\n".join(parts[cut:])


def _comment_text(region: LexborNode, excluded: set[int], author_node: LexborNode | None) -> str:
    container = None
    for selector in COMMENT_TEXT_SELECTORS:
        for node in region.css(selector):
            if node.mem_id in excluded or _ancestor_ids(node, region) & excluded:
                continue
            if author_node is not None and (node.mem_id == author_node.mem_id
                                            or node.mem_id in _ancestor_ids(author_node, region)):
                # the element holds the author too: usable, with chrome removed
                pass
            container = node
            break
        if container is not None:
            break
    root = container or region
    skip = set(excluded)
    skip.update(node.mem_id for node in root.css(_COMMENT_CHROME) if node.mem_id != root.mem_id)
    if author_node is not None:
        skip.add(_head_holder(author_node, root).mem_id)
    text = node_text(root, skip=skip)
    lines = [ln.strip() for ln in text.split("\n")]
    kept = [ln for ln in lines if ln and not _CHROME_LINE.match(ln)]
    return "\n\n".join(kept)


def _thread(candidates: list[LexborNode]) -> tuple[dict[int, int | None], dict[int, list[int]]]:
    """Each candidate's nearest candidate ancestor, and each candidate's candidate children.

    Raises:
        _TooDeepError: candidates nest deeper than ``MAX_THREAD_DEPTH``.
    """
    cand_ids = {c.mem_id for c in candidates}
    nearest: dict[int, int | None] = {}
    depth: dict[int, int] = {}
    for node in candidates:  # document order: an ancestor's depth is known before its descendants'
        parent_id = next((a.mem_id for a in _ancestors(node) if a.mem_id in cand_ids), None)
        nearest[node.mem_id] = parent_id
        depth[node.mem_id] = 0 if parent_id is None else depth.get(parent_id, 0) + 1
        if depth[node.mem_id] > MAX_THREAD_DEPTH:
            raise _TooDeepError
    children: dict[int, list[int]] = {c.mem_id: [] for c in candidates}
    for mid, parent in nearest.items():
        if parent is not None:
            children[parent].append(mid)
    return nearest, children


def _subtree_ids(mid: int, children: dict[int, list[int]]) -> set[int]:
    out: set[int] = set()
    todo = list(children[mid])
    while todo:
        cur = todo.pop()
        out.add(cur)
        todo.extend(children[cur])
    return out


def _representatives(candidates: list[LexborNode], children: dict[int, list[int]], *, max_nodes: int) -> dict[int, int]:
    """Map each candidate to the candidate that stands for it: a wrapper, which holds nothing of its own
    outside the candidates inside it, is represented by its first candidate child (followed down)."""
    rep: dict[int, int] = {}
    for node in candidates:
        mid = node.mem_id
        if children[mid]:
            own = node_text(node, skip=set(children[mid]), max_nodes=max_nodes)
            rep[mid] = children[mid][0] if len(own.strip()) < 2 else mid
        else:
            rep[mid] = mid
    resolved: dict[int, int] = {}
    for mid in rep:
        cur, steps = mid, 0
        while rep[cur] != cur and steps <= MAX_THREAD_DEPTH:
            cur, steps = rep[cur], steps + 1
        resolved[mid] = cur
    return resolved


_REPLY_BLOCK_TOKENS = frozenset({"indented", "children", "replies", "comment-replies", "sub-comments",
                                 "comments-children", "reply-list", "replies-list"})


def _sibling_parent(node: LexborNode, rep: dict[int, int], position: dict[int, int]) -> int | None:
    """Position of the comment a reply block follows, for markup that puts replies in a block beside
    the parent comment rather than inside it (Drupal's ``div.indented``)."""
    for anc in _ancestors(node, limit=8):
        if not _REPLY_BLOCK_TOKENS.intersection(_class_tokens(anc)):
            continue
        sib = anc.prev
        while sib is not None and (sib.tag == "-text" or (sib.tag == "a" and not (sib.text() or "").strip())):
            sib = sib.prev
        if sib is not None and sib.mem_id in rep and rep[sib.mem_id] in position:
            return position[rep[sib.mem_id]]
        return None
    return None


_RUN_SKIP_TAGS = frozenset({"-text", "-comment", "script", "style", "noscript", "br", "hr", "template"})
"""Children that neither start nor break a run of comment parts (``_sibling_groups``)."""
_RUN_PARENTS = 'dt, tr, [class*="comment" i]'
"""Elements whose parents may hold comments as runs of sibling parts: a ``<dt>`` (a definition list), a table
row (``_row_pairs``), or an element whose class names a comment part."""
RUN_MIN_GROUPS = 2
"""Comments a run of sibling parts must hold (``_sibling_groups``)."""
RUN_PART_LEVELS = 3
"""How far above a run of sibling parts a class naming a comment part or list (``comment-list``) counts."""


def _part_key(node: LexborNode) -> str:
    """A sibling's shape: its tag and first class token."""
    tokens = _class_tokens(node)
    return f"{node.tag}.{tokens[0]}" if tokens else node.tag or ""


def _is_anchor(node: LexborNode) -> bool:
    """An empty link target (``<a name="c123"></a>``) between the parts of a run: no part of its own."""
    return node.tag == "a" and not (node.text(deep=True) or "").strip() and not node.css_first("img")


def _sibling_groups(parent: LexborNode, heads: frozenset[str] = frozenset()) -> list[list[LexborNode]]:
    """The comments of ``parent`` written as runs of sibling parts, no element holding one comment alone (Blogger's
    classic ``<dl id="comments-block">``: a ``<dt>`` with the name, a ``<dd>`` with the text, a ``<dd>`` with
    the date, then the next ``<dt>``), each as its list of parts; [] when the children are no such run.

    The head shape (``_part_key``: tag and first class token) is the first shape that occurs at least
    ``RUN_MIN_GROUPS`` times (once, when it is one of ``heads``: a reply run of a thread whose runs have that
    head), is never followed by itself, and is followed each time by one same shape (the body); the body's
    shape differs from the head's. A group runs from a head to the element before the next head (the last:
    to the next element of neither shape seen in the groups)."""
    children = [child for child in parent.iter(include_text=False)
                if child.tag not in _RUN_SKIP_TAGS and not _is_anchor(child)]
    keys = [_part_key(child) for child in children]
    for head in dict.fromkeys(keys):
        starts = [i for i, key in enumerate(keys) if key == head]
        if len(starts) < (1 if head in heads else RUN_MIN_GROUPS):
            continue
        follow = {keys[i + 1] if i + 1 < len(keys) else None for i in starts}
        if len(follow) != 1 or None in follow or head in follow:
            continue
        inner = set(keys[starts[0]:starts[-1]]) | follow
        groups = [children[a:b] for a, b in pairwise(starts)]
        last = [children[starts[-1]]]
        for child, key in zip(children[starts[-1] + 1:], keys[starts[-1] + 1:], strict=False):
            if key not in inner:
                break
            last.append(child)
        return [*groups, last]
    return _row_pairs(children, keys, heads) or _row_cells(children, keys, heads)


def _row_pairs(children: list[LexborNode], keys: list[str], heads: frozenset[str]) -> list[list[LexborNode]]:
    """The comments of a parent whose children all have one shape and alternate a head and a body (a table
    per thread, a row "NAME, DATE" over a row with the text: guest books, old CMS threads), each a pair; []
    when they do not read so. Every head is header-sized (``_head_line``) and holds a date, every body holds
    text; at least ``RUN_MIN_GROUPS`` pairs (one, when the shape is one of ``heads``: a reply's table)."""
    if len(set(keys)) != 1 or len(children) % 2 or len(children) < 2 * (1 if keys[0] in heads else RUN_MIN_GROUPS):
        return []
    pairs = [children[i:i + 2] for i in range(0, len(children), 2)]
    for head, body in pairs:
        line = " ".join((head.text(deep=True) or "").split())
        if not line or _date_in(line) is None or not _head_line(head, line) or not (body.text(deep=True) or "").strip():
            return []
    return pairs


def _row_cells(children: list[LexborNode], keys: list[str], heads: frozenset[str]) -> list[list[LexborNode]]:
    """The comments of a table whose rows are one comment each, a cell with the name (and a post count, a
    join date) beside a cell with the text (a forum's thread), each as the row's cells; [] when the rows do
    not read so. Every row has two or more cells, the first header-sized (``STRUCT_HEADER_CHARS``, not a text
    element), a later one holding more text than it; the first cell's first line is name-shaped in
    ``STRUCT_MIN_SHARE`` of the rows ("Bob. Just Bob." is a name too); at least ``RUN_MIN_GROUPS`` rows (one,
    when the shape is one of ``heads``)."""
    if not keys or set(keys) != {"tr"} or len(children) < (1 if heads & {"td", "th"} else RUN_MIN_GROUPS):
        return []
    rows: list[list[LexborNode]] = []
    named = 0
    for row in children:
        cells = [cell for cell in row.iter(include_text=False) if cell.tag in ("td", "th")]
        if len(cells) < 2:  # a name cell and a text cell
            return []
        line = " ".join((cells[0].text(deep=True) or "").split())
        if not line or len(line) > STRUCT_HEADER_CHARS or cells[0].css_matches(_TEXT_ELEMENT) \
                or max(len((cell.text(deep=True) or "").strip()) for cell in cells[1:]) <= len(line):
            return []
        first = next((ln.strip() for ln in node_text(cells[0]).split("\n") if ln.strip()), "")
        name = name_from_text(first) if first else None
        named += name is not None and name_shaped(name)
        rows.append(cells)
    return rows if named >= STRUCT_MIN_SHARE * len(rows) else []


RUN_MARK = "data-comment-run"
"""The attribute that marks the elements ``_wrap_sibling_runs`` made (a copy of an element keeps it: a run
nested in a part of another run is wrapped first, then copied with that part; ``flows.scramble`` takes them
out again before it writes a page back)."""


def _depth(node: LexborNode) -> int:
    return sum(1 for _ in _ancestors(node))


_TEXT_ELEMENT = ", ".join(COMMENT_TEXT_SELECTORS)


def _head_line(part: LexborNode, line: str) -> bool:
    """Can the first part of a sibling-run comment be its name line: header-sized (``STRUCT_HEADER_CHARS``), no
    sentence end but an ellipsis ("said..."), and not named as the comment's text (``COMMENT_TEXT_SELECTORS``)?"""
    return (len(line) <= STRUCT_HEADER_CHARS and not (_SENTENCE_END.search(line) and not _CUT_END.search(line))
            and not part.css_matches(_TEXT_ELEMENT))


def _run_outside(wrapper: LexborNode) -> tuple[set[int], str | None, str | None]:
    """The parts of a comment written as a run (``_wrap_sibling_runs``) that hold no text of it, the date written
    in them and the name in its head: the head is its name line where it reads as one (``_head_line``) and
    another part holds text; a part that is a date line (``_is_date_line``) is its date."""
    parts = [child for child in wrapper.iter(include_text=False) if child.tag not in _RUN_SKIP_TAGS]
    lines = [" ".join(part.text().split()) for part in parts]
    skip: set[int] = set()
    written = None
    for part, line in zip(parts[1:], lines[1:], strict=True):
        if line and _is_date_line(line):
            skip.add(part.mem_id)
            written = written or find_date(line)
    head_name = None
    if parts and _head_line(parts[0], lines[0]) and any(
            line for part, line in zip(parts[1:], lines[1:], strict=True) if part.mem_id not in skip):
        skip.add(parts[0].mem_id)
        name = name_from_text(node_text(parts[0]))  # its first line: "Jane<br>Posts: 12" names Jane
        head_name = name if name and name_shaped(name) and not _is_date_line(name) else None
    return skip, written, head_name


def _scripts_before(node: LexborNode) -> list[LexborNode]:
    """The JSON-LD scripts just before ``node`` (a run's head), in document order: they belong to its comment."""
    found: list[LexborNode] = []
    sib = node.prev
    while sib is not None and (sib.tag in ("-text", "-comment") or (
            sib.tag == "script" and "ld+json" in ((sib.attributes or {}).get("type") or ""))):
        if sib.tag == "script":
            found.append(sib)
        sib = sib.prev
    return found[::-1]


def _wrap(group: list[LexborNode]) -> bool:
    """Put the sibling elements ``group`` into a new ``<div>`` marked ``RUN_MARK``, in their place."""
    wrapper = LexborHTMLParser(f"<div {RUN_MARK}></div>").css_first("div")
    if wrapper is None:
        return False
    group[0].insert_before(wrapper)
    made = group[0].prev
    if made is None or made.tag != "div":
        return False
    for part in group:
        made.insert_child(part)  # a copy: the part itself goes
        part.decompose()
    return True


def _run_counts(parent: LexborNode, groups: list[list[LexborNode]], cand_ids: set[int], sections: set[int]) -> bool:
    """Is the run ``groups`` of ``parent`` a thread's (``_wrap_sibling_runs``)?"""
    lineage = {parent.mem_id} | {a.mem_id for a in _ancestors(parent)}
    parts = [part for group in groups for part in group]
    if lineage & cand_ids or any(d.mem_id in cand_ids for part in parts for d in part.traverse()):
        return False
    near = [parent, *_ancestors(parent, limit=RUN_PART_LEVELS)]
    return bool(lineage & sections) or any(_is_part(node) for node in (*parts, *near))


def _wrap_sibling_runs(tree: LexborHTMLParser, candidates: list[LexborNode]) -> list[LexborNode]:
    """Put each comment written as a run of sibling parts (``_sibling_groups``) into a ``<div>`` of its own,
    in place, and return those elements (new comment candidates, in document order). A run counts where one
    of its parts, its parent or one of ``RUN_PART_LEVELS`` elements above has a class naming a comment part
    or list (``_PART_TOKEN``: ``comment-body``, ``comment-author``, ``comment-list``) or it stands in a comment
    section (``COMMENT_SECTION_SELECTORS``), and it neither stands in nor holds a comment ``candidates``
    found. A run of one comment in such a run counts where its head has the shape of such a run's (a reply).
    Runs nested in the parts of another run (replies) are wrapped first."""
    parents: dict[int, LexborNode] = {}
    for node in tree.css(_RUN_PARENTS):
        if node.parent is not None and node.parent.tag not in ("html", "body", "head"):
            parents.setdefault(node.parent.mem_id, node.parent)
    if not parents:
        return []
    cand_ids = {c.mem_id for c in candidates}
    sections = {node.mem_id for node in tree.css(_ANY_SECTION)}
    runs: dict[int, tuple[LexborNode, list[list[LexborNode]]]] = {}
    for mid, parent in parents.items():
        if (groups := _sibling_groups(parent)) and _run_counts(parent, groups, cand_ids, sections):
            runs[mid] = (parent, groups)
    if not runs:
        return []
    heads = frozenset(_part_key(groups[0][0]) for _, groups in runs.values())
    threads = set(runs)
    for mid, parent in parents.items():
        if mid not in runs and any(a.mem_id in threads for a in _ancestors(parent)) \
                and (groups := _sibling_groups(parent, heads)) and _run_counts(parent, groups, cand_ids, threads):
            runs[mid] = (parent, groups)
    for _, groups in sorted(runs.values(), key=lambda run: _depth(run[0]), reverse=True):  # see RUN_MARK
        for group in groups:
            _wrap([*_scripts_before(group[0]), *group])
    return tree.css(f"div[{RUN_MARK}]")


def _collect_comments(tree: LexborHTMLParser, *, max_nodes: int) -> list[_Comment]:
    candidates = _comment_candidates(tree)
    outside: dict[int, tuple[set[int], str | None, str | None]] = {}  # a run's comment: _run_outside
    if wrapped := _wrap_sibling_runs(tree, candidates):
        candidates = [*_comment_candidates(tree), *wrapped]  # the wrapping copied the parts: found again
        outside = {wrapper.mem_id: _run_outside(wrapper) for wrapper in wrapped}
    if not candidates:
        return _collect_structural(tree, max_nodes=max_nodes)
    candidates = _doc_order(candidates, tree)
    stated = _page_ld_comments(tree)
    nearest, children = _thread(candidates)
    rep = _representatives(candidates, children, max_nodes=max_nodes)
    leads = _leads([node for node in candidates if rep[node.mem_id] == node.mem_id])
    lead_ids = {lead.mem_id for lead, _ in leads.values()}
    comments: list[_Comment] = []
    position: dict[int, int] = {}
    for node in candidates:
        mid = node.mem_id
        if rep[mid] != mid:
            continue
        parent = None
        anc = nearest[mid]
        while anc is not None:
            target = rep[anc]
            if target != mid and target in position:
                parent = position[target]
                break
            anc = nearest[anc]
        if parent is None and nearest[mid] is None:
            parent = _sibling_parent(node, rep, position)
        excluded = _subtree_ids(mid, children) | lead_ids  # a reply's head before it is the reply's
        skip, run_date, head_name = outside.get(mid, (set(), None, None))
        # a run's head line is its name line, as a structural block's is: evidence of a weak kind (a "Follow"
        # link in the text part) does not outweigh it, nor does the block's reading (a post count under the name)
        head = _Block(head_name, None, None, []) if head_name is not None else None
        lead = leads.get(mid)
        author, author_node = _comment_author(node, excluded, max_nodes=max_nodes, block=head,
                                              read_block=not stated and head is None,
                                              lead=lead[1] if lead is not None else None)
        posted_text, posted = _date_of(node, excluded)
        text = _comment_text(node, excluded | skip, author_node)
        if posted_text is None and run_date is not None:
            posted_text, posted = run_date, parse_date(run_date)
        author = author or head_name  # no element and no evidence names it: the run's head line
        if author is None and stated:  # the page's JSON-LD names it, else the block's name line
            author = _ld_name(text, stated) or _self_named(node, excluded)
            read = _read_block(node, excluded | _quote_ids(node), max_nodes=max_nodes) if author is None else None
            if read is not None:
                author = read.author
        text = _without_head_lines(text, author)
        if not text or (author is None and posted_text is None):
            continue
        position[mid] = len(comments)
        comments.append(_Comment(node, parent, author, text, posted_text, posted, author_node))
    return _without_repeated_labels(comments, children, max_nodes=max_nodes, stated=stated)


def _lead_name(node: LexborNode, comment_ids: set[int]) -> tuple[LexborNode, str] | None:
    """The element just before the comment element ``node`` (white space and markup comments passed over) and the
    name it holds, where it is the comment's head written outside it (a theme marks the comment's text and foot as
    the comment, its name and date stand in a row above): not itself a comment's text, at most
    ``STRUCT_HEADER_CHARS`` of text, a date in it, and a name read from it as from a comment's head
    (``_head_author``: its bold text, link, a name beside the date); None otherwise. Where the comment element is
    the only element of a wrapper around it (``_LEAD_WRAPPERS``, up to ``LEAD_LEVELS`` of them), the element before
    that wrapper. None where that element is one of the ``comment_ids``."""
    holder, prev = node, _sibling_element(node, before=True)
    for _ in range(LEAD_LEVELS):
        parent = holder.parent
        if (prev is not None or parent is None or parent.tag not in _LEAD_WRAPPERS
                or _sibling_element(holder, before=False) is not None):
            break  # a list (``ol.children``: a reply alone in it) is no wrapper, what stands before it is its comment's
        holder, prev = parent, _sibling_element(parent, before=True)  # a wrapper holding the comment element alone
    if prev is None or prev.tag in _LEAD_NOT or prev.mem_id in comment_ids:
        return None  # the comment before it (``comment_ids``), not a head
    if len(prev.text(deep=True) or "") > STRUCT_MAX_BLOCK_CHARS:
        return None
    text = " ".join(node_text(prev).split())
    if not text or len(text) > STRUCT_HEADER_CHARS or _date_in(text) is None:
        return None
    if prev.css_first(_TEXT_ELEMENT) is not None:
        return None  # a comment's text: another comment, not a head
    name, _, kind = _head_author(prev, set())
    if name is None or kind is None or not name_shaped(name) or _date_in(name) is not None:
        return None
    return prev, name


LEAD_LEVELS = 2
"""How many wrappers holding a comment element alone ``_lead_name`` looks past for the head before them."""
_LEAD_WRAPPERS = frozenset({"div", "section", "article", "aside"})
"""Elements that may wrap one comment element (not a list: a reply alone in its replies list stands below its
comment's foot)."""


def _sibling_element(node: LexborNode, *, before: bool) -> LexborNode | None:
    """The sibling before (``before``) or after ``node``, white space and markup comments passed over (None when
    there is none)."""
    sibling = node.prev if before else node.next
    while sibling is not None and sibling.tag in ("-text", "-comment") and not (sibling.text_content or "").strip():
        sibling = sibling.prev if before else sibling.next
    return sibling


_LEAD_NOT = frozenset({"-text", "-comment", "script", "style", "a", "h1", "h2", "h3", "h4", "h5", "h6", "form",
                       "textarea", "p", "blockquote"})
"""Elements before a comment that are not its head: text, a heading, a paragraph (the article's, or a comment's)."""


def _leads(candidates: list[LexborNode]) -> dict[int, tuple[LexborNode, str]]:
    """For each comment element of ``candidates`` whose head stands just before it (``_lead_name``), the head and
    its name, by the element's ``mem_id``; none where the element before one comment is another of them."""
    ids = {node.mem_id for node in candidates}
    out: dict[int, tuple[LexborNode, str]] = {}
    for node in candidates:
        found = _lead_name(node, ids)
        if found is not None:
            out[node.mem_id] = found
    return out


LD_MIN_OVERLAP = 0.5
"""A comment takes the author of a page-level JSON-LD comment whose text's token F1 with its own reaches this."""


def _ld_comments(data: object, out: list[tuple[str, str]], depth: int = 0) -> None:
    """Append to ``out`` the (author, text) of every schema.org ``Comment`` (``_LD_TYPES``) in parsed JSON-LD
    ``data``, wherever it stands (a ``comment`` list of the article, ``@graph``, replies)."""
    if depth > MAX_THREAD_DEPTH:
        return
    if isinstance(data, list):
        for item in data:
            _ld_comments(item, out, depth + 1)
        return
    if not isinstance(data, dict):
        return
    if _is_ld_comment(data):
        text = data.get("text") or data.get("description")
        if isinstance(text, str) and (author := _ld_author(data)) is not None:
            out.append((author, text))
    for value in data.values():
        if isinstance(value, (list, dict)):
            _ld_comments(value, out, depth + 1)


def _page_ld_comments(tree: LexborHTMLParser) -> list[tuple[str, Counter[str]]]:
    """The (author, text tokens) of every schema.org ``Comment`` in the page's JSON-LD scripts (an article's
    ``comment`` list, anywhere on the page; ``_ld_comments``)."""
    stated: list[tuple[str, str]] = []
    for data in _ld_scripts(tree):
        _ld_comments(data, stated)
    return [(name, tokens(text)) for name, text in stated]


def _ld_name(text: str, stated: list[tuple[str, Counter[str]]]) -> str | None:
    """The author of the page's JSON-LD comment (``_page_ld_comments``) whose text best matches ``text`` (a
    comment's), when their token F1 reaches ``LD_MIN_OVERLAP`` and the name is name-shaped; else None."""
    mine = tokens(text)
    score, best = max(((bag_f1(mine, bag), i) for i, (_, bag) in enumerate(stated)), default=(0.0, -1))
    name = name_from_text(stated[best][0]) if score >= LD_MIN_OVERLAP else None
    return name if name and name_shaped(name) else None


def _link_target(node: LexborNode | None) -> str | None:
    """The address of the link that is or holds ``node`` (up to two levels above it), less a fragment; None
    when there is none, or it is only a fragment (a permalink to the comment itself)."""
    for anc in [node, *(_ancestors(node, limit=2) if node is not None else [])]:
        if anc is not None and anc.tag == "a":
            href = ((anc.attributes or {}).get("href") or "").split("#")[0].strip()
            return href or None
    return None


def _per_user_controls(comments: list[_Comment], counts: Counter[str]) -> frozenset[str]:
    """The authors read from links that head two or more comments, always a link, to two or more addresses: a
    control beside each commenter ("Follow" to /people/7/follow, "Message" to /pm?to=7), or a label the links to
    commenters' own sites share ("Link to comment author's website"), in any language. A reader who writes twice
    links to one profile (or to none)."""
    targets: dict[str, set[str | None]] = {}
    for comment in comments:
        if comment.author is not None and counts[comment.author] > 1:
            targets.setdefault(comment.author, set()).add(_link_target(comment.author_node))
    return frozenset(a for a, seen in targets.items() if None not in seen and len(seen) > 1)


def _without_repeated_labels(comments: list[_Comment], children: dict[int, list[int]], *,
                             max_nodes: int, stated: list[tuple[str, Counter[str]]] | None = None,
                             ) -> list[_Comment]:
    """``comments`` with the author read again, passing the label over, where one "author" heads more than
    ``UI_REPEAT_SHARE`` of at least ``UI_REPEAT_MIN`` comments: a control's or a section's word on every
    comment ("Delete", "Follow"), in any language, not a name (``tasks.extract.authors.UI_WORD_SHARE``); the
    page's JSON-LD comments (``stated``) are asked before a block's name line."""
    counts = Counter(c.author for c in comments if c.author is not None)
    if not counts:
        return comments
    refused = _per_user_controls(comments, counts)
    if len(comments) >= UI_REPEAT_MIN:
        refused |= frozenset(a for a, n in counts.items() if n > UI_REPEAT_SHARE * len(comments))
    if not refused:
        return comments
    for comment in comments:
        if comment.author not in refused:
            continue
        excluded = _subtree_ids(comment.node.mem_id, children)
        author, author_node = _comment_author(comment.node, excluded, max_nodes=max_nodes, refused=refused,
                                              read_block=not stated)
        if author is None and stated:
            author = _ld_name(comment.text, stated)
        if author is not None and author not in refused:
            comment.author, comment.author_node = author, author_node
            comment.text = _comment_text(comment.node, excluded, author_node) or comment.text
    return comments


def comment_author_elements(tree: LexborHTMLParser, *,
                            max_nodes: int = DEFAULT_MAX_NODES) -> list[tuple[LexborNode, LexborNode, str]]:
    """The comment element, the author element and the author name of each comment of ``tree`` whose
    author an element holds (markup comments; a thread found by its structure gives none): what the
    author perturbations of ``corpus eval --scramble`` (``flows.scramble``) move into other markup."""
    try:
        found = _collect_comments(tree, max_nodes=max_nodes)
    except _TooDeepError:
        return []
    return [(c.node, c.author_node, c.author) for c in found if c.author_node is not None and c.author]


# --------------------------------------------------------------------------------------------------
# Comments from structure: threads whose class and id names the selectors do not know
# --------------------------------------------------------------------------------------------------

STRUCT_MIN_COMMENTS = 2
"""A run of sibling blocks is read as a thread from its structure alone only with this many comments."""
STRUCT_MIN_SHARE = 0.75
"""... and when at least this share of the run's blocks read as a comment (the rest: a heading, a form)."""
STRUCT_HEAD_LINES = 4
"""A comment's name and date are among its first lines (before its text), or on one of its last lines."""
STRUCT_MAX_DATE_LINES = 2
STRUCT_DATE_LIST_LINES = 6
"""A block with more than ``STRUCT_MAX_DATE_LINES`` date lines (without a name) among its first
``STRUCT_DATE_LIST_LINES`` is a
dated list (of posts, of stories), not one comment (a comment and its first reply have two)."""
STRUCT_HEADER_CHARS = 200
"""A line longer than this is text, not a comment's header or signature (it is not searched for a date)."""
STRUCT_DATE_LINE_WORDS = 3
"""A date line holds at most this many words beside the date."""
STRUCT_MAX_BLOCK_CHARS = 10_000
"""A block with more text than this is a page part, not one comment."""
STRUCT_MAX_LINK_SHARE = 0.5
"""A run whose comment texts are mostly link text is a list of teasers or links, not a thread."""
STRUCT_CHROME_SHARE = 0.5
STRUCT_CHROME_CHARS = 40
"""A short line (at most ``STRUCT_CHROME_CHARS``) in the text of at least this share of a thread's comments
is the widget's control ("Reply", "Antworten ↓"), whatever its language: left out of the texts."""
_STRUCT_TAGS = frozenset({"li", "article", "div", "section", "dd", "blockquote", "tr", "aside"})
_STRUCT_NOT_IN = frozenset({"nav", "header", "footer", "form", "select", "menu", "button", "a"})
_NAME_SHAPE = re.compile(r"[^\W_]")
_SENTENCE_END = re.compile(r"[.!?;]$")
_INITIAL_END = re.compile(r"(?:^|[\s.])[^\W\d_]{1,2}\.$")
"""A name may end with an initial: "Anna K.", or initials only ("G.M.", "J.R.R.")."""
_INNER_SENTENCE_END = re.compile(r"[?!]\s+\w")
"""A question or exclamation mark with words after it: a sentence and more ("How did you do that? AWESOME")."""
_DATE_REST = re.compile(r"^[\W\d_]*(?:\w{1,3}[\W\d_]*)?$")
"""What may stand beside a date on a date line: marks, numbers and one short word ("at", "um", "à")."""


def name_shaped(text: str) -> bool:
    """Could ``text`` be a person's display name? One to ``NAME_MAX_WORDS`` words in at most
    ``MAX_AUTHOR_CHARS`` characters, a letter or digit in it, no date in it, no sentence end (an initial
    as in "Anna K." is fine) and no "?" or "!" with words after it. No word list: a numeric or one-character
    name passes."""
    text = text.strip()
    if not text or len(text) > MAX_AUTHOR_CHARS or len(text.split()) > _NAME_MAX_WORDS:
        return False
    if not _NAME_SHAPE.search(text) or (_DATE_ONLY.match(text) and not text.isdigit()):
        return False
    if WRITTEN_DATE.search(text) or RELATIVE_DATE.search(text) or (_CHROME_LINE.match(text) and not text.isdigit()):
        return False
    if _INNER_SENTENCE_END.search(text):
        return False
    return not (_SENTENCE_END.search(text) and not _INITIAL_END.search(text) and not _CUT_END.search(text))


_CUT_END = re.compile(r"(?:\.\.\.|…)$")
"""A name a widget cut short ("mike...")."""


def _date_in(line: str) -> re.Match[str] | None:
    """The date written in a header-sized line (at most ``STRUCT_HEADER_CHARS``, a digit in it), or None."""
    if len(line) > STRUCT_HEADER_CHARS or _DIGIT.search(line) is None:
        return None
    return WRITTEN_DATE.search(line) or RELATIVE_DATE.search(line)


def _is_date_line(line: str) -> bool:
    """A line that holds a date (and time) and at most ``STRUCT_DATE_LINE_WORDS`` other words ("Posted",
    "at", "| Permalink"), or digits and marks only."""
    return _date_line_at(line, _date_in(line))


def _date_line_at(line: str, match: re.Match[str] | None) -> bool:
    """``_is_date_line`` of a line whose ``_date_in`` is ``match``."""
    if match is None:
        return (len(line) <= STRUCT_HEADER_CHARS and _DATE_ONLY.match(line) is not None
                and _NUMERIC_DATE.search(line) is not None)
    rest = line[: match.start()] + " " + line[match.end():]
    return len(_WORDS.findall(rest)) <= STRUCT_DATE_LINE_WORDS


_DIGITS = re.compile(r"\d+")
_NUMERIC_DATE = re.compile(r"\d[./:-]\d")
_WORDS = re.compile(r"[^\W\d_]{2,}")
_SEGMENT = re.compile(r"\s*[|•·]\s*|\s+[–—-]\s+")


def _tail_name(line: str) -> str | None:
    """The name on a header or signature line with a date: the part before its date, less a label up to
    its colon ("Posted by: Jane | May 1, 2012" -> "Jane"). A single word with a comma just before the
    date is the date's weekday ("Thursday, April 5, 2012"), and a web address there is the author's
    site: neither is the name."""
    return _tail_name_at(line, _date_in(line))


def _tail_name_at(line: str, match: re.Match[str] | None) -> str | None:
    """``_tail_name`` of a line whose ``_date_in`` is ``match``."""
    if match is None or match.start() == 0:
        return None
    head = line[: match.start()]
    cuts = list(_SEGMENT.finditer(head))
    while cuts:  # a trailing weekday or web address between the name and the date
        last = head[cuts[-1].end():].strip()
        if last and not _URL_OR_WEEKDAY.search(last):
            break
        head = head[: cuts.pop().start()]
    if not cuts and _URL_OR_WEEKDAY.search(head.strip()):
        return None
    label = _LABEL.search(head)
    name = name_before_date(head[label.end():] if label else head) or ""
    return name if name_shaped(name) and not _BADGE_ONLY.match(name) else None


_URL_OR_WEEKDAY = re.compile(r"://|^www\.|^[^\W\d_]+,$")
_LABEL = re.compile(r"^[^:]{1,30}:\s+")
"""A label before a name ("Posted by: "): up to its colon and the space after it."""


@dataclass(slots=True)
class _Block:
    """One block read as a comment from its lines: the author line, the date and the text lines."""

    author: str | None
    posted_at_text: str | None
    posted_at: datetime | None
    lines: list[str]
    controls: bool = False
    """Did the block hold a line that is a known control ("Reply", "Antworten")?"""


class _LineFacts:
    """``_date_in``, ``_line_name`` and ``_is_date_line`` of the lines of one block, each worked out once per line
    (``_read_block``'s tests of its head and signature lines ask of the same lines again)."""

    __slots__ = ("_dates", "_names")

    def __init__(self) -> None:
        self._dates: dict[str, re.Match[str] | None] = {}
        self._names: dict[str, str | None] = {}

    def date_in(self, line: str) -> re.Match[str] | None:
        if line in self._dates:
            return self._dates[line]
        match = self._dates[line] = _date_in(line)
        return match

    def line_name(self, line: str) -> str | None:
        if line in self._names:
            return self._names[line]
        name = self._names[line] = _line_name_at(line, self.date_in(line))
        return name

    def is_date_line(self, line: str) -> bool:
        return _date_line_at(line, self.date_in(line))


def _time_of(node: LexborNode, skip: set[int]) -> tuple[str | None, datetime | None]:
    """The first ``<time>`` (or ``[datetime]``) element of a block outside ``skip``: its text and time."""
    for el in node.css("time, [datetime]"):
        if el.mem_id in skip or _ancestor_ids(el, node) & skip:
            continue
        stamp = (el.attributes or {}).get("datetime")
        text = " ".join(node_text(el).split())
        parsed = parse_timestamp(stamp) if stamp else None
        written = find_date(text) if text else None
        if written is not None and (parsed is None or len(stamp or "") <= 10):
            parsed = parse_date(written) or parsed
        if written or parsed or text:
            return written or text or stamp, parsed
    return None, None


def _read_block(node: LexborNode, skip: set[int], *, max_nodes: int) -> _Block | None:
    """Read a block as one comment: within its first ``STRUCT_HEAD_LINES`` lines a name-shaped line (the
    author; a date after it on the same line is cut off) and a date (written, or a ``<time>`` element),
    then at least one line of text. None when the block does not read so."""
    raw = node.text(deep=True)
    if not raw or len(raw) > STRUCT_MAX_BLOCK_CHARS:
        return None
    lines = [" ".join(ln.split()) for ln in node_text(node, skip=skip, max_nodes=max_nodes).split("\n")]
    kept = [ln for ln in lines if ln and (ln.isdigit() or not _CHROME_LINE.match(ln))]
    controls = any(_CHROME_LINE.match(ln) and _WORDS.search(ln) for ln in lines if ln)
    lines = kept
    facts = _LineFacts()
    if len(lines) < 2 or sum(facts.is_date_line(ln) and facts.line_name(ln) is None
                             for ln in lines[:STRUCT_DATE_LIST_LINES]) > STRUCT_MAX_DATE_LINES:
        return None
    posted_text, posted = _time_of(node, skip)
    block = _head_block(lines, posted_text, posted, facts)
    if block is None:  # a signature line after the text: "Posted by: Jane | May 1, 2012 at 3:22 PM"
        for i in range(len(lines) - 1, max(len(lines) - STRUCT_HEAD_LINES, 1) - 1, -1):
            # the date first: the cheap test
            if (posted_text or facts.date_in(lines[i])) and (name := facts.line_name(lines[i])) is not None:
                written = find_date(lines[i])
                if written:
                    posted_text, posted = written, parse_date(written)
                return _Block(name, posted_text, posted, lines[:i], controls)
    if block is not None:
        block.controls = controls
    return block


def _line_name(line: str) -> str | None:
    """The name a header or signature line gives: the line itself when it is name-shaped (less "says:" and
    a trailing date), or the part before its date (``_tail_name``)."""
    return _line_name_at(line, _date_in(line))


def _line_name_at(line: str, match: re.Match[str] | None) -> str | None:
    """``_line_name`` of a line whose ``_date_in`` is ``match``."""
    if match is not None and match.start() > 0:
        return _tail_name_at(line, match)
    if match is not None:
        return None
    name = name_from_text(line)
    return name if name is not None and name_shaped(name) else None


def _text_line(line: str) -> bool:
    """A line of a reader's text, not a control or a number: more words than a name has
    (``NAME_MAX_WORDS``), or two or more words ending a sentence ("Great post!"; not "12." nor "Reply")."""
    words = len(line.split())
    return words > _NAME_MAX_WORDS or (words >= 2 and _SENTENCE_END.search(line.strip()) is not None)


def _head_block(lines: list[str], posted_text: str | None, posted: datetime | None,
                facts: _LineFacts | None = None) -> _Block | None:
    """A comment whose name and date are among its first ``STRUCT_HEAD_LINES`` lines, text after them (a date
    below the first line of text after the name, or on the last line, is the comment's foot, not its head: the
    date may then be a ``<time>``'s, ``posted_text``). ``facts``: the lines' dates and names as far as the caller
    has read them."""
    facts = facts if facts is not None else _LineFacts()
    author = None
    head = named_at = -1
    dated = False  # a line of the head states the date (a <time> element may state it too)
    for i, line in enumerate(lines[:STRUCT_HEAD_LINES]):
        name = facts.line_name(line) if author is None else None
        if name is not None and name == name.upper() and i + 1 < len(lines) \
                and (below := facts.line_name(lines[i + 1])) is not None and initials_of(name, below):
            continue  # an avatar's initials ("DG") over the name they are drawn from ("Dan Garner")
        if name is not None:
            author, head, named_at = name, i, i
        match = facts.date_in(line)
        if author is None and match is None and _text_line(line):
            return None  # a line of text before any name: a name under it signs the text, it heads nothing
        if author is not None and name is None and match is None and not name_shaped(line):
            break  # a line of text: the head ended, a date below it is the comment's foot
        if match is not None or (name is None and facts.is_date_line(line)):
            if author is None and not facts.is_date_line(line):
                continue  # a dated line before any name: text, not a header
            head, dated = max(head, i), True
            if posted_text is None:
                posted_text = find_date(line) or (match.group(0) if match else line)
                posted = parse_date(posted_text)
        if author is not None and dated:
            break
    if author is None or posted_text is None:
        return None
    if head + 1 >= len(lines):  # the date is on the last line: the comment's foot, the text above it
        return _Block(author, posted_text, posted, lines[named_at + 1:head]) if named_at + 1 < head else None
    return _Block(author, posted_text, posted, lines[head + 1:])


def _outside(node: LexborNode, stop_tags: frozenset[str]) -> bool:
    """True when no ancestor of ``node`` (up to ``_ANCESTOR_LIMIT`` of them) is one of ``stop_tags``."""
    return not any(parent.tag in stop_tags for parent in _ancestors(node))


def _sibling_runs(root: LexborNode, *, max_nodes: int) -> list[list[LexborNode]]:
    """Runs of two or more sibling elements of one tag (``_STRUCT_TAGS``) with text and a digit or a
    ``<time>`` element in them (a date needs one): the places a thread may be."""
    runs: list[list[LexborNode]] = []
    for visited, parent in enumerate(root.traverse(include_text=False)):
        if visited >= max_nodes:
            break
        by_tag: dict[str, list[LexborNode]] = {}
        for child in parent.iter(include_text=False):  # element children (text nodes are left out in lexbor)
            tag = child.tag
            if tag in _STRUCT_TAGS:
                by_tag.setdefault(tag, []).append(child)
        for members in by_tag.values():
            if len(members) >= STRUCT_MIN_COMMENTS:
                runs.append(members)
    return runs


_DIGIT = re.compile(r"\d")


def _may_be_comment(node: LexborNode) -> bool:
    """A cheap first test of ``_read_block`` on the raw text: some text, not over ``STRUCT_MAX_BLOCK_CHARS``,
    and a digit in it (a written date has one) or a ``<time>`` element."""
    return _raw_size(node) is not None


def _raw_size(node: LexborNode) -> int | None:
    """The length of the raw text of a block that passes ``_may_be_comment``, else None."""
    raw = node.text(deep=True)
    if not raw or len(raw) > STRUCT_MAX_BLOCK_CHARS or not raw.strip():
        return None
    if _DIGIT.search(raw) is not None or node.css_first("time, [datetime]") is not None:
        return len(raw)
    return None


STRUCT_FORM_GAP_CHARS = 1_500
"""A comment form shows where a thread is only for a run whose first or last block stands within this many
characters of the page's text of the form (a "Leave a reply" heading, a pager, a login prompt between them):
a run of name-and-date blocks inside the article or in a sidebar (embedded posts, a live ticker, quotes) is
no thread because the page has a form elsewhere."""


def _text_starts(root: LexborNode, *, max_nodes: int) -> dict[int, int]:
    """The start of each element of ``root`` in characters of its text (white space left out), by ``mem_id``
    (up to ``max_nodes`` nodes are walked)."""
    starts: dict[int, int] = {}
    at = 0
    for visited, node in enumerate(root.traverse(include_text=True)):
        if visited >= max_nodes:
            break
        if node.tag == "-text":
            at += len("".join((node.text_content or "").split()))
        else:
            starts[node.mem_id] = at
    return starts


def _near_form(good: list[tuple[LexborNode, _Block]], form: LexborNode, starts: dict[int, int]) -> bool:
    """Does the run (``good``, in document order) stand within ``STRUCT_FORM_GAP_CHARS`` of the page's text of
    the comment ``form``, before or after it (``starts``: ``_text_starts`` of the page)?"""
    first, last = good[0][0], good[-1][0]
    if not {first.mem_id, last.mem_id, form.mem_id} <= starts.keys():
        return True  # not all reached within the walk: the form's evidence stands as before

    def end(node: LexborNode) -> int:
        return starts[node.mem_id] + len("".join((node.text(deep=True) or "").split()))

    return (0 <= starts[form.mem_id] - end(last) <= STRUCT_FORM_GAP_CHARS
            or 0 <= starts[first.mem_id] - end(form) <= STRUCT_FORM_GAP_CHARS)


def _form_near(good: list[tuple[LexborNode, _Block]], form: LexborNode | None, root: LexborNode,
               starts: dict[int, dict[int, int]], max_nodes: int) -> bool:
    """``_near_form`` of the run ``good`` and the page's comment ``form`` (False without one); the page's text
    offsets are walked on the first call and kept in ``starts`` (under key 0) for the page's other runs."""
    if form is None:
        return False
    if 0 not in starts:
        starts[0] = _text_starts(root, max_nodes=max_nodes)
    return _near_form(good, form, starts[0])


def _thread_like(good: list[tuple[LexborNode, _Block]], *, near_form: Callable[[], bool]) -> bool:
    """Do the blocks that read as comments make a thread rather than a list of teasers or a page's parts?
    Not when their text is mostly lines that are links, or at least half of them open their text with a line that is
    all link (a teaser's headline), or one holds a top-level heading (``h1``/``h2``: a page part), or one
    "author" heads more than ``UI_REPEAT_SHARE`` of at least ``UI_REPEAT_MIN`` blocks (a section label).
    And a thread shows where readers write: a comment form just before or after it (``near_form``), or controls in at
    least half of its blocks (a known control line, or a short line that opens or ends the text of several
    of them, in any language)."""
    links = total = linked_first = 0
    for node, block in good:
        if node.css_first("h1, h2") is not None:
            return False
        link_texts = {" ".join(ln.split()) for a in node.css("a") for ln in node_text(a).split("\n")}
        linked_first += block.lines[0] in link_texts
        links += sum(len(ln) for ln in block.lines if ln in link_texts)
        total += sum(len(ln) for ln in block.lines)
    if total == 0 or links > STRUCT_MAX_LINK_SHARE * total or 2 * linked_first >= len(good):
        return False
    authors = Counter(block.author for _, block in good)
    if len(good) >= UI_REPEAT_MIN and authors.most_common(1)[0][1] > UI_REPEAT_SHARE * len(good):
        return False
    if near_form():
        return True
    edges = [{_DIGITS.sub("0", block.lines[0]), _DIGITS.sub("0", block.lines[-1])} for _, block in good]
    repeated = Counter(ln for edge in edges for ln in edge if len(ln) <= STRUCT_CHROME_CHARS and _WORDS.search(ln))
    common = {ln for ln, n in repeated.items() if n >= STRUCT_MIN_COMMENTS and 2 * n >= len(good)}
    with_controls = sum(block.controls or not common.isdisjoint(edge) for (_, block), edge in zip(good, edges,
                                                                                                  strict=True))
    return 2 * with_controls >= len(good)


UI_REPEAT_MIN = 4
UI_REPEAT_SHARE = 2 / 3
"""A run of at least ``UI_REPEAT_MIN`` blocks where one name heads more than ``UI_REPEAT_SHARE`` of them
is a list under a label, not a thread (as ``tasks.extract.authors.UI_WORD_SHARE``)."""


def _with_replies(members: list[LexborNode], taken: set[int], *, max_nodes: int) -> list[LexborNode]:
    """``members`` and their replies: blocks of the same tag inside a comment that read as a comment while
    the comment still reads as one without them (followed down); their ids are added to ``taken``."""
    members = list(members)
    todo = list(members)
    while todo:
        node = todo.pop()
        for inner in node.css(node.tag or "div"):
            if inner.mem_id == node.mem_id or inner.mem_id in taken or inner in members:
                continue
            if _read_block(inner, set(), max_nodes=max_nodes) is None:
                continue
            if _read_block(node, {inner.mem_id}, max_nodes=max_nodes) is None:
                continue
            members.append(inner)
            taken.add(inner.mem_id)
            todo.append(inner)
    return members


_T = TypeVar("_T")


def _enough(nodes: list[LexborNode], read: Callable[[LexborNode], _T | None],
            n_run: int) -> list[tuple[LexborNode, _T]] | None:
    """``(node, read(node))`` for the ``nodes`` whose ``read`` is not None (``read``: a test or a reading of
    a block), in order, when they are at least ``STRUCT_MIN_COMMENTS`` and ``STRUCT_MIN_SHARE`` of a run of
    ``n_run``; None as soon as too many have failed for that (the rest are not read)."""
    need = max(STRUCT_MIN_COMMENTS, STRUCT_MIN_SHARE * n_run)
    allowed = len(nodes) - need  # failures the run can take
    if allowed < 0:
        return None
    out: list[tuple[LexborNode, _T]] = []
    failed = 0
    for node in nodes:
        value = read(node)
        if value is None:
            failed += 1
            if failed > allowed:
                return None
        else:
            out.append((node, value))
    return out


def _structural_candidates(tree: LexborHTMLParser, *, max_nodes: int) -> list[LexborNode]:
    """Comment blocks found by the shape of a thread, not by names: a run of sibling blocks of one tag of
    which at least ``STRUCT_MIN_COMMENTS`` and ``STRUCT_MIN_SHARE`` read as a comment (``_read_block``: a
    name-shaped line and a date at the head, text after), whose text is not mostly links, outside
    navigation, header, footer and forms; and inside each such comment, blocks of the same tag that read
    as a comment while the comment still reads as one without them (its replies). Document order."""
    root = tree.body
    if root is None:
        return []
    form = tree.css_first(_COMMENT_FORM)
    while form is not None and form.tag != "form":
        form = form.parent  # the form around the text area
    starts: dict[int, dict[int, int]] = {}  # the page's text offsets, walked once, when a form is asked about
    accepted: list[LexborNode] = []
    taken: set[int] = set()
    for run in _sibling_runs(root, max_nodes=max_nodes):
        if run[0].mem_id in taken or not _outside(run[0], _STRUCT_NOT_IN):
            continue
        if taken and any(a.mem_id in taken for a in _ancestors(run[0])):
            continue  # inside a comment already taken: its replies are read below
        sized = _enough(run, _raw_size, len(run))
        if sized is None:
            continue  # settled on the raw text alone: most pages' runs never need rendering
        # the smallest blocks are read first, so that a run that is no thread is given up on cheaply
        by_size = sorted(range(len(sized)), key=lambda i: sized[i][1])
        read = _enough([sized[i][0] for i in by_size], lambda node: _read_block(node, set(), max_nodes=max_nodes),
                       len(run))
        if read is None:
            continue
        order = {node.mem_id: i for i, (node, _) in enumerate(sized)}
        good = sorted(read, key=lambda pair: order[pair[0].mem_id])
        if not _thread_like(good, near_form=partial(_form_near, good, form, root, starts, max_nodes)):
            continue
        members = _with_replies([node for node, _ in good], taken, max_nodes=max_nodes)
        taken.update(n.mem_id for n in members)
        accepted.extend(members)
        if len(accepted) >= MAX_COMMENTS:
            break
    return _doc_order(accepted, tree) if accepted else []


def _collect_structural(tree: LexborHTMLParser, *, max_nodes: int) -> list[_Comment]:
    """Comments of a thread found by its structure (``_structural_candidates``), each read from its lines
    (``_read_block``) without its replies; a reply's parent is the comment it sits in."""
    candidates = _structural_candidates(tree, max_nodes=max_nodes)
    if not candidates:
        return []
    nearest, children = _thread(candidates)
    blocks = [(node, _read_block(node, set(children[node.mem_id]), max_nodes=max_nodes)) for node in candidates]
    seen = Counter(_DIGITS.sub("0", line) for _, block in blocks if block is not None for line in set(block.lines))
    n_read = sum(block is not None for _, block in blocks)
    chrome = {line for line, n in seen.items()
              if n >= max(STRUCT_MIN_COMMENTS, STRUCT_CHROME_SHARE * n_read) and len(line) <= STRUCT_CHROME_CHARS}
    comments: list[_Comment] = []
    position: dict[int, int] = {}
    for node, block in blocks:
        if block is None:
            continue
        text = [line for line in block.lines if _DIGITS.sub("0", line) not in chrome] or block.lines
        mid = node.mem_id
        parent = nearest[mid]
        while parent is not None and parent not in position:
            parent = nearest[parent]
        author, _ = _comment_author(node, set(children[mid]), max_nodes=max_nodes, block=block)
        position[mid] = len(comments)
        comments.append(_Comment(node, position[parent] if parent is not None else None, author,
                                 "\n\n".join(text), block.posted_at_text, block.posted_at))
    return comments


# --------------------------------------------------------------------------------------------------
# Article
# --------------------------------------------------------------------------------------------------


def _inside(node: LexborNode, ids: set[int]) -> bool:
    """Is ``node`` or one of its ancestors (up to ``_ANCESTOR_LIMIT`` of them) in ``ids``?"""
    return bool(ids) and (node.mem_id in ids or any(parent.mem_id in ids for parent in _ancestors(node)))


def _section_ids(tree: LexborHTMLParser, comments: list[_Comment], sections: Selection | None = None) -> set[int]:
    """The named comment sections (``COMMENT_SECTION_SELECTORS[:6]``) and the comments' elements, by ``mem_id``
    (``sections``: the page's ``_SECTIONS`` query, where made)."""
    sections = sections or _SECTIONS.select(tree)
    ids = {node.mem_id for selector in COMMENT_SECTION_SELECTORS[:6] for node in sections.matches(selector)}
    for comment in comments:
        ids.add(comment.node.mem_id)
    return ids


def _density_root(tree: LexborHTMLParser, excluded: set[int],
                  lengths: dict[int, int] | None = None) -> tuple[LexborNode | None, int]:
    """The element whose paragraphs hold the most text (readability-style: a paragraph's text counts for
    its parent in full and for its grandparent in half). Every ``<p>``'s white-space-collapsed length is
    put in ``lengths`` by ``mem_id`` (for ``_paragraph_chars``)."""
    scores: dict[int, float] = {}
    nodes: dict[int, LexborNode] = {}
    for p in tree.css("p"):
        text = p.text(deep=True, separator="", strip=False)
        length = len(" ".join(text.split()))
        if lengths is not None:
            lengths[p.mem_id] = length
        if length < MIN_PARAGRAPH_CHARS:
            continue
        parent = p.parent
        if parent is None or _inside(parent, excluded):
            continue
        weight = float(length)
        for level, node in enumerate((parent, parent.parent)):
            if node is None:
                break
            nodes[node.mem_id] = node
            scores[node.mem_id] = scores.get(node.mem_id, 0.0) + weight / (1 + level)
    if not scores:
        return None, 0
    best = max(scores, key=lambda k: scores[k])
    return nodes[best], int(scores[best])


def _paragraph_chars(node: LexborNode, lengths: dict[int, int]) -> int:
    """White-space-collapsed characters of the ``<p>`` elements at and under ``node`` (``lengths`` by
    ``mem_id``, as ``_density_root`` fills it; a paragraph missing there is measured here)."""
    total = 0
    for p in node.css("p"):
        length = lengths.get(p.mem_id)
        total += len(" ".join(p.text(deep=True).split())) if length is None else length
    return total


def _title_node(tree: LexborHTMLParser, heads: Selection | None = None) -> LexborNode | None:
    """The first element of ``TITLE_SELECTORS``, the most specific first (``heads``: the page's ``_HEADINGS``
    query, where made)."""
    heads = heads or _HEADINGS.select(tree)
    for selector in TITLE_SELECTORS:
        node = heads.first(selector)
        if node is not None:
            return node
    return None


def _body_root(tree: LexborHTMLParser, excluded: set[int], title: LexborNode | None) -> LexborNode | None:
    title_chain = {a.mem_id for a in _ancestors(title)} if title is not None else set()
    title_id = 0 if title is not None else None
    lengths: dict[int, int] = {}
    dense, _ = _density_root(tree, excluded, lengths)
    dense_chars = _paragraph_chars(dense, lengths) if dense is not None else 0
    containers = _CONTAINERS.select(tree)
    for selector in BODY_SELECTORS:
        matches = [n for n in containers.matches(selector) if not _inside(n, excluded)]
        if not matches:
            continue
        sized = [(n, _paragraph_chars(n, lengths)) for n in matches]
        # the block that holds the headline, when it has text of its own
        if title_id is not None:
            for node, chars in sized:
                if chars >= MIN_ROOT_CHARS and node.mem_id in title_chain:
                    return node
        # else the first block with enough text: teasers of other posts come after the article
        floor = max(MIN_ROOT_CHARS, 0.6 * dense_chars)
        best = max(chars for _, chars in sized)
        for node, chars in sized:
            if chars >= floor and chars >= 0.5 * best:
                return node
    return dense


def _body_text(root: LexborNode, excluded: set[int], *, max_nodes: int, hidden: set[int] | None = None) -> str:
    skip = {n.mem_id for n in root.css(_BODY_JUNK) if n.mem_id != root.mem_id}
    skip |= excluded
    text = node_text(root, skip=skip, max_nodes=max_nodes, hidden=hidden)
    lines = [ln.strip(" \t") for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    # a "Related posts" heading after the first paragraph ends the article
    for i in range(1, len(lines)):
        if _BODY_END.match(lines[i]):
            lines = lines[:i]
            break
    return "\n\n".join(lines)


def clean_title(text: str, site_name: str | None) -> str:
    """A headline without a trailing `` | Site name`` part."""
    title = " ".join(text.split())
    if site_name and title.lower().endswith(site_name.lower()):
        title = _SITE_SUFFIX.sub("", title)
    return title


TITLE_CANDIDATES = (*TITLE_SELECTORS, "h2", "h3")
"""Elements that may hold the visible headline, in order of preference among those that agree."""
_HEADINGS = SelectorSet(TITLE_CANDIDATES)
"""The headline selectors and the headings, one query (``tasks.css_queries``)."""

MIN_TITLE_AGREEMENT = 0.7
"""Token F1 with the page's stated titles (``og:title``, ``twitter:title``, ``<title>``, URL slug)
at which a visible heading is taken as the headline."""

MIN_WEAK_AGREEMENT = 0.5
"""Below ``MIN_TITLE_AGREEMENT``: where no heading agrees that well, the best heading of a headline selector
(``TITLE_SELECTORS``) at or above this agreement is still taken before the first one that agrees less."""

MAX_TITLE_CANDIDATES = 30
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_INNER_HEADING = "h1, h2, h3, h4"
"""A headline selector's element that is no heading but holds one (a ``.post-title`` wrapper of the headline's
h2 and a byline h3) stands for its first heading."""


def _headings(heads: Selection, selector: str) -> list[LexborNode]:
    """The first ``MAX_TITLE_CANDIDATES`` elements of ``selector`` (in ``heads``, the page's ``_HEADINGS``
    query), a wrapper standing for its first heading (``_INNER_HEADING``)."""
    return [node if node.tag in _HEADING_TAGS or (inner := node.css_first(_INNER_HEADING)) is None else inner
            for node in heads.matches(selector)[:MAX_TITLE_CANDIDATES]]


_TITLE_WORD = re.compile(r"\w+")
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
"""Soft hyphens and zero-width characters: not word breaks when titles are compared."""
_TITLE_SPAN = re.compile("[\\w\u00ad\u200b-\u200d\u2060\ufeff]+")
"""A word of a title where it stands in the text, its invisible characters included."""


def _title_bag(text: str) -> Counter[str]:
    return tokens(_INVISIBLE.sub("", text))


def title_agreement(text: str, reference: str) -> float:
    """Token F1 of two titles (``tasks.text_match.tokens``, soft hyphens and zero-width characters
    ignored); 0.0 when either has none."""
    return bag_f1(_title_bag(text), _title_bag(reference))


_OG_TITLE = 'meta[property="og:title" i]'
_TWITTER_TITLE = 'meta[name="twitter:title" i]'
_OG_SITE_NAME = 'meta[property="og:site_name" i]'
_APPLICATION_NAME = 'meta[name="application-name" i]'
_METAS = SelectorSet((_OG_TITLE, _TWITTER_TITLE, _OG_SITE_NAME, _APPLICATION_NAME))
"""The meta elements the headline reader reads, one query (``tasks.css_queries``)."""


def _meta(tree: LexborHTMLParser | Selection, selector: str) -> str | None:
    """The ``content`` of the first element of ``selector`` (in ``tree``, or in a ``_METAS`` query of it)."""
    node = tree.first(selector) if isinstance(tree, Selection) else tree.css_first(selector)
    content = " ".join((node.attributes.get("content") or "").split()) if node is not None else ""
    return content or None


def stated_titles(tree: LexborHTMLParser, url: str | None = None,
                  social: tuple[str | None, str | None] | None = None) -> list[str]:
    """What the page states its title to be outside the visible text: ``og:title``, ``twitter:title``,
    ``<title>`` and the last path segment of its canonical ``url`` (the slug, hyphens as spaces; last)."""
    refs = [t for t in (social or _social_titles(tree)) if t]
    node = tree.css_first("title")
    if node is not None and (text := " ".join(node.text().split())):
        refs.append(text)
    if url and (slug := _slug_title(url)):
        refs.append(slug)
    return refs


def _social_titles(tree: LexborHTMLParser | Selection) -> tuple[str | None, str | None]:
    """``og:title`` and ``twitter:title``."""
    return _meta(tree, _OG_TITLE), _meta(tree, _TWITTER_TITLE)


def _slug_title(url: str) -> str | None:
    """The last path segment of ``url`` with hyphens as spaces (its extension and long numbers dropped)."""
    slug = [seg for seg in urlsplit(url).path.split("/") if seg]
    if slug and (words := re.sub(r"\.[a-z]{2,5}$|[-_+]|\d{5,}", " ", slug[-1])).strip():
        return words
    return None


def _site_names(tree: LexborHTMLParser, host: str | None, hidden: set[int] | None = None, *,
                metas: Selection | None = None) -> set[str]:
    """Folded site names the page states (``og:site_name``, ``application-name``), and the text of links
    to the site's front page (``href="/"``, or the bare ``host`` of its canonical URL), which name the
    site in its header. ``metas``: the page's ``_METAS`` query, where made."""
    metas = metas or _METAS.select(tree)
    names = {t.casefold() for t in (_meta(metas, _OG_SITE_NAME), _meta(metas, _APPLICATION_NAME)) if t}
    selector = 'a[href="/"]'
    if host and '"' not in host and "\\" not in host:
        selector += "".join(f', a[href="{scheme}{host}{end}" i]' for scheme in ("https://", "http://", "//")
                            for end in ("", "/"))
    for link in tree.css(selector)[:50]:
        if text := " ".join(node_text(link, hidden=hidden).split()):
            names.add(text.casefold())
    return names


def _stated_site_names(refs: list[str]) -> set[str]:
    """Folded site names as the page states them beside its headline: the first or last part of a stated
    title that a title separator splits ("Headline - Blog name", "Site | Headline") when it is not the
    longest part and no other stated title agrees with it (a short headline beside a long blog name is
    what ``og:title`` states alone)."""
    names = set()
    for k, ref in enumerate(refs):
        split = [p.strip() for p in _TITLE_SEPARATOR.split(ref) if p.strip()]
        if len(split) < 2:
            continue
        longest = max(split, key=len)
        others = [_title_bag(r) for j, r in enumerate(refs) if j != k]
        for part in {split[0], split[-1]} - {longest}:
            bag = _title_bag(part)
            if all(bag_f1(bag, other) < MIN_TITLE_AGREEMENT for other in others):
                names.add(part.casefold())
    return names


_LEADING_MARKS = re.compile(r"[„“\"«‘'(¿¡]*$")
_TRAILING_MARKS = re.compile(r"^[?!.…\"”»“’')]*")


def _stated_part(text: str, refs: list[str]) -> str:
    """``text`` cut to the stated title it begins or ends with, when that holds at least three words and
    half of ``text``'s words beside a kicker, date or byline ("Politics / May 1 Headline" -> "Headline");
    words are compared, not characters (quotes and apostrophes may differ). The cut needs a mark between
    the two (``Kicker: Headline``, ``Headline? May 1``) or a digit in the part cut off: a stated title
    that the heading goes on from in words is a shortened headline. A heading that is itself a stated
    title is kept whole. ``refs`` holds no URL slug (its words are too few to cut by)."""
    if any(fold(text) == fold(ref) for ref in refs):
        return text
    words = [(w, m.start(), m.end()) for m in _TITLE_SPAN.finditer(text)
             if (w := _INVISIBLE.sub("", m.group()).casefold())]
    folded = [w for w, _, _ in words]
    stated = [_TITLE_WORD.findall(_INVISIBLE.sub("", ref).casefold()) for ref in refs]
    best = text
    for seq in stated:
        n = len(seq)
        if n < 3 or n >= len(folded) or 2 * n < len(folded):
            continue
        if folded[:n] == seq:
            end = words[n - 1][2]
            cut, rest = text[:end], text[end:words[n][1]]
            cut += _TRAILING_MARKS.match(rest).group()  # type: ignore[union-attr]
            dropped = text[end:]
        elif folded[-n:] == seq:
            start = words[-n][1]
            cut, rest = text[start:], text[words[-n - 1][2]:start]
            cut = _LEADING_MARKS.search(rest).group() + cut  # type: ignore[union-attr]
            dropped = text[:start]
        else:
            continue
        if not rest.strip() and not any(c.isdigit() for c in dropped):
            continue  # the stated title goes on in words: a shortened headline, not a kicker or a date

        if best == text or len(cut) > len(best):
            best = cut.strip()
    return best


def _title(tree: LexborHTMLParser, hidden: set[int] | None = None, *, heads: Selection | None = None) -> str | None:
    """The page's headline.

    Signals, none naming a site: a visible heading (``TITLE_CANDIDATES``, in that order) that agrees
    with what the page states its title to be (``stated_titles``, token F1 at least
    ``MIN_TITLE_AGREEMENT``) and is not the site's name (``_site_names``, or the part of a stated title
    that a separator sets beside its headline, ``_stated_site_names``) is taken, the most specific selector
    first and, among equals, the best agreement; a kicker, date or byline beside a stated title inside
    that heading is cut off (``_stated_part``); a heading that does not agree with ``og:title`` gives way to
    the first one that does (``_og_heading``). Without one: the best heading of a headline selector
    agreeing at least ``MIN_WEAK_AGREEMENT``, else the first such heading that is not the site name, then
    ``og:title`` (the part of it the page shows, ``_shown_part``, else it less a trailing site name), then the
    longest part of ``<title>``. A headline selector's wrapper of headings stands for its first heading.
    ``heads``: the page's ``_HEADINGS`` query, where made.
    """
    heads = heads or _HEADINGS.select(tree)
    metas = _METAS.select(tree)
    url = canonical_url(tree)
    social = _social_titles(metas)
    named = stated_titles(tree, social=social)
    slug = _slug_title(url) if url else None
    refs = [*named, slug] if slug else named
    ref_bags = [_title_bag(ref) for ref in refs]
    sites: set[str] | None = None  # read only when a candidate needs it
    seen: set[int] = set()
    first_plain: str | None = None
    best: tuple[float, str] | None = None
    weak: tuple[float, str] | None = None
    for selector in TITLE_CANDIDATES:
        for node in _headings(heads, selector):
            if node.mem_id in seen:
                continue
            seen.add(node.mem_id)
            text = " ".join(node_text(node, hidden=hidden).split())
            if not 3 <= len(text) <= 400:
                continue
            bag = _title_bag(text)
            score = max((bag_f1(bag, ref) for ref in ref_bags), default=0.0)
            plain = first_plain is None and selector in TITLE_SELECTORS
            weakly = (score >= MIN_WEAK_AGREEMENT and selector in TITLE_SELECTORS
                      and (weak is None or score > weak[0]))
            if not plain and not weakly and (score < MIN_TITLE_AGREEMENT or (best is not None and score <= best[0])):
                continue
            if sites is None:
                sites = _site_names(tree, urlsplit(url).netloc if url else None, hidden,
                                    metas=metas) | _stated_site_names(refs)
            if text.casefold() in sites:
                continue
            if plain:
                first_plain = text
            if score >= MIN_TITLE_AGREEMENT and (best is None or score > best[0]):
                best = (score, text)
            elif weakly:
                weak = (score, text)
        if best is not None:
            return _stated_part(_og_heading(heads, best[1], social[0], sites or set(), hidden), named)
    if weak is not None:
        return _stated_part(weak[1], named)
    return first_plain if first_plain is not None else _stated_title(tree, metas)


def _og_heading(heads: Selection, chosen: str, og: str | None, sites: set[str],
                hidden: set[int] | None) -> str:
    """``chosen``, or where it does not agree with ``og`` (``og:title``; ``chosen`` agreed with ``<title>`` or
    the URL slug, which may state a search-engine variant of the headline) the first heading of
    ``TITLE_CANDIDATES`` that agrees with it (``MIN_TITLE_AGREEMENT``) and is no site name (``sites``). A
    heading is rendered only where its markup's text agrees at least ``MIN_WEAK_AGREEMENT``."""
    if og is None or title_agreement(chosen, og) >= MIN_TITLE_AGREEMENT:
        return chosen
    for selector in TITLE_CANDIDATES:
        for node in _headings(heads, selector):
            if title_agreement(node.text(deep=True), og) < MIN_WEAK_AGREEMENT:
                continue
            text = " ".join(node_text(node, hidden=hidden).split())
            agrees = 3 <= len(text) <= 400 and title_agreement(text, og) >= MIN_TITLE_AGREEMENT
            if agrees and text.casefold() not in sites:
                return text
    return chosen


_PART_END = re.compile(r"\s*[|–—·•»:ㅣ｜-]")
"""Where a stated title may end its headline and begin a section or site name, spaced or not
("Headline-Section | Site", "Headline ㅣ Site")."""
MIN_SHOWN_CHARS = 12
"""A shown part of a stated title (``_shown_part``) holds at least this many characters."""


def _shown_part(tree: LexborHTMLParser, stated: str) -> str | None:
    """The longest start of ``stated`` that ends where a separator follows (``_PART_END``) and that the page
    shows as one text of its body (an element's own text, white space and case aside): the headline of a
    stated title that glues section and site names to it ("Headline"-Politics|Site)."""
    ends = [m.start() for m in _PART_END.finditer(stated) if m.start() >= MIN_SHOWN_CHARS]
    if not ends or tree.body is None:
        return None
    parts = {fold(stated[:end]): stated[:end].strip() for end in ends}
    # only the texts of about a part's length are folded (a paragraph or a menu item is none)
    low, high = min(map(len, parts)), 2 * max(map(len, parts))
    shown = {fold(t) for t in tree.body.text(separator="\n").split("\n") if low <= len(t) <= high}
    found = [key for key in parts if key in shown]
    return parts[max(found, key=len)] if found else None


def _stated_title(tree: LexborHTMLParser, metas: Selection | None = None) -> str | None:
    """``og:title`` (else ``twitter:title``) less a trailing site name (its shown part, ``_shown_part``, where
    the page shows one), else the longest part of ``<title>``. ``metas``: the page's ``_METAS`` query, where made."""
    metas = metas or _METAS.select(tree)
    og = _meta(metas, _OG_TITLE) or _meta(metas, _TWITTER_TITLE)
    if og:
        return _shown_part(tree, og) or clean_title(og, _meta(metas, _OG_SITE_NAME))
    node = tree.css_first("title")
    if node is not None and (text := " ".join(node.text().split())):
        # "Headline | Blog name | Publisher": the headline is the longest part
        return max(_TITLE_SEPARATOR.split(text), key=len)
    return None


def stated_comment_count(tree: LexborHTMLParser, sections: Selection | None = None) -> int | None:
    """The comment count a comment section heading states ("18 Comments", "91 Ergänzungen"); ``sections``: the
    page's ``_SECTIONS`` query, where made."""
    sections = sections or _SECTIONS.select(tree)
    for selector in _COUNT_SECTIONS:
        for section in sections.matches(selector)[:3]:
            for heading in section.css("h1, h2, h3, h4, .comments-title, [class*='title'], [class*='headline']")[:5]:
                match = _COUNT.search(" ".join(heading.text(deep=True).split()))
                if match:
                    return int(match.group(1))
    return None


# --------------------------------------------------------------------------------------------------
# The stage function
# --------------------------------------------------------------------------------------------------

STRIP_RULE_MARKUP = "html_markup"
"""The ``stripped_by_rule`` family of lines the markup path left out of title, body and comments."""


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """What the markup gave for one page: title, body, stated comment count and the comments.

    ``complete`` is False when only the body is to be trusted (the comment markup did not yield the
    comments the page states, or our container search found no body but trafilatura did and the markup
    gave no comment): the text path then reads title and comments, and ``body_source`` says where the body came from.
    """

    title: str | None
    body: str
    n_comments_stated: int | None
    comments: list[dict[str, object]]
    complete: bool = True
    body_source: str = "ours"
    comment_section: bool = True
    """Does the markup hold a comment section (``COMMENT_SECTION_SELECTORS``, or a form with a text area),
    or a comment? A page without any is not searched for comments in its rendered text."""


def extract_page(html: str, *, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES,
                 max_nodes: int = DEFAULT_MAX_NODES, use_trafilatura: bool = True) -> ExtractedPage | None:
    """Read title, body and comments of one page from its markup; None when the markup is not usable.

    The body is ours or trafilatura's, chosen by ``tasks.extract.mainbody.choose_body`` (``use_trafilatura``
    off: ours alone), less any line that is a paragraph of a comment found here. None when the page is
    over ``max_html_bytes`` or ``max_nodes`` elements, or when neither extractor finds a body of
    ``MIN_BODY_CHARS``. A page whose comment section states comments that the known comment markup
    does not yield, or whose body only trafilatura found and whose markup gives no comment, comes back with
    ``complete=False``.
    """
    if check_markup(html, max_html_bytes=max_html_bytes) is not None:
        return None
    tree = LexborHTMLParser(html)
    if len(tree.css("*")) > max_nodes:
        logger.debug("page over %d elements: not extracted from markup", max_nodes)
        return None
    try:
        comments = _collect_comments(tree, max_nodes=max_nodes)
    except _TooDeepError:
        logger.debug("comment threads nested over %d deep: not extracted from markup", MAX_THREAD_DEPTH)
        comments = None
    sections = _SECTIONS.select(tree)  # the tree as the comment finder left it (runs of parts wrapped)
    stated = stated_comment_count(tree, sections)
    hidden = hidden_ids(tree.root) if tree.root is not None else None  # for the article's innerText walks
    complete = comments is not None and not (not comments and stated)
    found = comments or []
    excluded = _section_ids(tree, found, sections)
    heads = _HEADINGS.select(tree)
    title_node = _title_node(tree, heads)
    root = _body_root(tree, excluded, title_node)
    ours = None
    if root is not None:
        ours = _body_text(root, excluded | ({title_node.mem_id} if title_node is not None else set()),
                          max_nodes=max_nodes, hidden=hidden)
        if len(ours) < MIN_BODY_CHARS:
            ours = None
    title = _title(tree, hidden, heads=heads)
    body, source = choose_body(html, ours, title=title, use_trafilatura=use_trafilatura)
    body = drop_comment_text(body, (c.text for c in found))
    if len(body) < MIN_BODY_CHARS:
        return None
    complete = complete and (ours is not None or bool(found))  # comments found in markup are kept
    rows: list[dict[str, object]] = [
        {"position": i, "author": c.author, "text": c.text, "posted_at_text": c.posted_at_text,
         "posted_at": c.posted_at, "parent_position": c.parent}
        for i, c in enumerate(found)
    ] if complete else []
    section = bool(found) or any(sections.matches(selector) for selector in COMMENT_SECTION_SELECTORS) \
        or sections.first(_COMMENT_FORM) is not None
    return ExtractedPage(title, body, stated, rows, complete=complete, body_source=source, comment_section=section)


def extract_html_pages(
    pages: pl.DataFrame,
    *,
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
    use_trafilatura: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Parse articles and comments from the pages' HTML, and the bodies of the pages left to the text path.

    Reads ``page_id`` and ``html`` (and ``text``, when present, to count the page's lines). Pages
    whose markup gives title, body and comments reliably are in the first two outputs; pages whose
    markup gives only a body (see ``ExtractedPage.complete``) are in the third, for
    ``replace_partial_bodies`` once the text path has read them; pages without HTML, over
    ``max_html_bytes`` (UTF-8) or ``max_nodes`` elements, or without a body of ``MIN_BODY_CHARS`` are
    in none. Pages of the same markup (a page fetched again unchanged, or under a second URL) are read once.

    Returns:
        ``PARSED_ARTICLES`` rows (``page_id``, ``title``, ``body`` with paragraphs joined by a blank
        line, ``n_lines``, ``n_lines_stripped``, ``stripped_by_rule`` under ``html_markup``,
        ``n_comments_stated``), ``PARSED_COMMENTS`` rows (``page_id``, ``position``, ``author``,
        ``text``, ``posted_at_text``, ``posted_at``, ``parent_position``), ``page_id``, ``title``,
        ``body``, ``body_source`` of the pages whose comments the markup does not give, and ``page_id``
        of the pages of the first output whose markup gives no comment but holds a comment section
        (``ExtractedPage.comment_section``): their rendered text is worth a search for comments.
    """
    texts = pages["text"].to_list() if "text" in pages.columns else [None] * pages.height
    articles: list[dict[str, object]] = []
    comments: list[dict[str, object]] = []
    partial: list[dict[str, object]] = []
    unread: list[str] = []
    read: dict[str, ExtractedPage | None] = {}  # by markup: a page fetched twice unchanged is read once
    for page_id, html, text in zip(pages["page_id"].to_list(), pages["html"].to_list(), texts, strict=True):
        if not html:
            continue
        if html in read:
            page = read[html]
        else:
            try:
                page = read[html] = extract_page(html, max_html_bytes=max_html_bytes, max_nodes=max_nodes,
                                                 use_trafilatura=use_trafilatura)
            except (ValueError, RecursionError) as exc:  # a malformed page must not stop the batch
                logger.warning("page %s: markup extraction failed: %s", page_id, exc)
                continue
        if page is None:
            continue
        if not page.complete:
            partial.append({"page_id": page_id, "title": page.title, "body": page.body,
                            "body_source": page.body_source})
            continue
        kept = 1 + page.body.count("\n\n") + 1 + sum(1 + str(c["text"]).count("\n\n") for c in page.comments)
        n_lines = sum(1 for ln in text.split("\n") if ln.strip()) if text else kept
        stripped = max(n_lines - kept, 0)
        articles.append({
            "page_id": page_id, "title": page.title, "body": page.body, "n_lines": n_lines,
            "n_lines_stripped": stripped, "stripped_by_rule": [{"rule": STRIP_RULE_MARKUP, "n_lines": stripped}],
            "n_comments_stated": page.n_comments_stated,
        })
        comments.extend({"page_id": page_id, **c} for c in page.comments)
        if not page.comments and page.comment_section:
            unread.append(page_id)
    return (
        pl.DataFrame(articles, schema=polars_schema(PARSED_ARTICLES)),
        clean_authors(pl.DataFrame(comments, schema=polars_schema(PARSED_COMMENTS)), frames=False),
        pl.DataFrame(partial, schema={"page_id": pl.String, "title": pl.String, "body": pl.String,
                                      "body_source": pl.String}),
        pl.DataFrame({"page_id": unread}, schema={"page_id": pl.String}),
    )


def extract_from_html(
    pages: pl.DataFrame,
    *,
    max_html_bytes: int = DEFAULT_MAX_HTML_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
    use_trafilatura: bool = True,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The articles and comments of ``extract_html_pages`` (pages the markup reads completely)."""
    articles, comments, _, _ = extract_html_pages(pages, max_html_bytes=max_html_bytes, max_nodes=max_nodes,
                                               use_trafilatura=use_trafilatura)
    return articles, comments


def replace_partial_bodies(articles: pl.DataFrame, comments: pl.DataFrame, partial: pl.DataFrame) -> pl.DataFrame:
    """Give the text path's articles of HTML pages whose comments the markup does not give the title and
    body their markup gave.

    Reads ``page_id``, ``title``, ``body`` of ``articles`` (text path), ``page_id``, ``text`` of
    ``comments`` (the text path's comments of those pages) and ``page_id``, ``title``, ``body`` of
    ``partial`` (``extract_html_pages``' third output). Returns ``articles`` with ``body`` replaced on
    those pages, less any line that is a paragraph of one of the page's comments, and ``title``
    replaced where the markup gave one. Pages the text path did not read keep no article (accounting
    and comments are the text path's).
    """
    if partial.is_empty() or articles.is_empty():
        return articles
    markup = {pid: (title, body) for pid, title, body in partial.select("page_id", "title", "body").iter_rows()}
    ids = articles["page_id"].to_list()
    wanted = [i for i, pid in enumerate(ids) if pid in markup]
    if not wanted:
        return articles
    by_page: dict[str, list[str]] = {}
    for pid, text in comments.filter(pl.col("page_id").is_in(list(markup))).select("page_id", "text").iter_rows():
        by_page.setdefault(pid, []).append(text)
    bodies = articles["body"].to_list()
    titles = articles["title"].to_list()
    for i in wanted:
        title, body = markup[ids[i]]
        bodies[i] = drop_comment_text(str(body), by_page.get(ids[i], []))
        titles[i] = title or titles[i]
    return articles.with_columns(pl.Series("body", bodies, dtype=articles.schema["body"]),
                                 pl.Series("title", titles, dtype=articles.schema["title"]))


def drop_comment_lines(articles: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    """``articles`` with every body line that is a paragraph of one of its page's ``comments`` left out.

    Reads ``page_id``, ``body`` of ``articles`` and ``page_id``, ``text`` of ``comments`` (the text path's
    comments of pages whose article came from markup); see ``tasks.extract.mainbody.drop_comment_text``.
    """
    if articles.is_empty() or comments.is_empty():
        return articles
    by_page: dict[str, list[str]] = {}
    pages = set(articles["page_id"].to_list())
    for pid, text in comments.select("page_id", "text").iter_rows():
        if pid in pages:
            by_page.setdefault(pid, []).append(text)
    if not by_page:
        return articles
    bodies = [drop_comment_text(body or "", by_page[pid]) if pid in by_page else body
              for pid, body in articles.select("page_id", "body").iter_rows()]
    return articles.with_columns(pl.Series("body", bodies, dtype=articles.schema["body"]))
