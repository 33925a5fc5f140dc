"""HTML pages rendered to text: innerText-style rendering, the page's canonical URL and stated publication time.

``html_to_text`` approximates a browser's ``document.body.innerText`` without a CSS engine (the way
the dev pages' ``.txt`` files were made), so HTML input can share the text path. Ingest renders every HTML page
with ``render_page`` (``tasks.ingest.pages``); the markup path (``tasks.extract.html``) renders parts of a page
with ``node_text``. ``check_markup`` and the limits here bound the work on any page: pages over
``max_html_bytes`` or nested deeper than ``max_depth`` are not parsed, and every walk over the DOM stops after
``max_nodes`` nodes, so no page can stall a shard (signal-based timeouts do not work in worker threads).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, create_tag

from tasks.css_queries import SelectorSet
from tasks.ingest.readers import parse_timestamp

logger = logging.getLogger(__name__)

DEFAULT_MAX_HTML_BYTES = 5_000_000
"""Pages larger than this (UTF-8 bytes of the decoded HTML) are not parsed."""

DEFAULT_MAX_NODES = 200_000
"""Each walk over a page's DOM visits at most this many nodes (text nodes included)."""

DEFAULT_MAX_DEPTH = 2_000
"""Pages whose block elements nest deeper than this are not parsed: the HTML5 tree builder checks the
stack of open elements at every block start tag, so its time grows with the square of the depth
(40,000 nested ``<div>`` took 8 s to parse)."""

_DEPTH_SCAN_MIN_TAGS = 20_000
_BLOCK_TAG = re.compile(
    r"<(/?)(?:div|section|article|aside|header|footer|nav|main|blockquote|ul|ol|dl|fieldset|figure|form|"
    r"table|center|details|address)\b",
    re.IGNORECASE,
)

SKIPPED_TAGS = frozenset({
    "head", "script", "style", "noscript", "template", "svg", "iframe", "img", "input", "select", "textarea",
    "-comment", "-doctype", "math", "object", "embed", "video", "audio", "canvas", "map", "title", "meta", "link",
    "base",
})
"""Elements whose content a browser's innerText does not show (or that have none)."""

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "center", "dd", "details", "dialog", "dir", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "h1", "h2", "h3", "h4", "h5",
    "h6", "header", "hgroup", "hr", "html", "legend", "li", "listing", "main", "menu", "nav", "ol", "optgroup",
    "option", "plaintext", "pre", "search", "section", "summary", "table", "ul", "xmp", "caption", "thead",
    "tbody", "tfoot", "tr", "frame", "noframes",
})
"""Elements the default user-agent style sheet displays as blocks (one line break before and after)."""

_CELL_TAGS = frozenset({"td", "th"})
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_WS = re.compile(r"[ \t\n\r\f]+")
_WS_CHARS = " \t\n\r\f"
_SPACES = re.compile(r" {2,}")
_BLANK_RUNS = re.compile(r"\n{3,}")
_PRE_EXIT = "\x01pre"


def markup_depth(html: str) -> int:
    """Deepest nesting of block start tags, counted from the tags as written (an upper estimate)."""
    depth = deepest = 0
    for match in _BLOCK_TAG.finditer(html):
        if match.group(1):
            depth = max(depth - 1, 0)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def check_markup(html: str, *, max_html_bytes: int = DEFAULT_MAX_HTML_BYTES,
                 max_depth: int = DEFAULT_MAX_DEPTH) -> tuple[str, str] | None:
    """Why a page should not be parsed at all, as ``(reason, detail)``, or None when it can be.

    Reasons: ``html_too_large`` (over ``max_html_bytes`` UTF-8 bytes) and ``html_too_deep`` (block
    elements nested deeper than ``max_depth``; only scanned on pages with many tags, since the
    parser's cost is quadratic only in depth).
    """
    n_bytes = len(html.encode("utf-8", "surrogatepass")) if len(html) * 4 > max_html_bytes else len(html)
    if n_bytes > max_html_bytes:
        return "html_too_large", f"decoded HTML is {n_bytes:,} bytes, over the cap of {max_html_bytes:,}"
    if html.count("<") > _DEPTH_SCAN_MIN_TAGS and (depth := markup_depth(html)) > max_depth:
        return "html_too_deep", f"block elements nest {depth:,} deep, over the cap of {max_depth:,}"
    return None


def is_hidden(node: LexborNode) -> bool:
    """True when the element has the ``hidden`` attribute or an inline ``display:none``/``visibility:hidden``."""
    attrs = node.attributes
    if not attrs:
        return False
    if "hidden" in attrs:
        return True
    style = attrs.get("style")
    return style is not None and _HIDDEN_STYLE.search(style) is not None


def hidden_ids(root: LexborNode) -> set[int]:
    """``mem_id`` of the elements at and under ``root`` that ``is_hidden``: one selector query for the
    elements with a ``hidden`` or ``style`` attribute, instead of reading every element's attributes."""
    return {node.mem_id for node in root.css("[hidden], [style]") if is_hidden(node)}


def _children(node: LexborNode) -> list[LexborNode]:
    out: list[LexborNode] = []
    child = node.child
    while child is not None:
        out.append(child)
        child = child.next
    return out


def _pre_items(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").split("\n")
    out = [_WS.sub(" ", lines[0])]
    for line in lines[1:]:
        out.extend(("\n", _WS.sub(" ", line)))
    return out


def _next_cell(node: LexborNode) -> bool:
    sib = node.next
    while sib is not None:
        if sib.tag in _CELL_TAGS:
            return True
        sib = sib.next
    return False


_SKIP, _BLOCK, _PARA, _PRE, _CELL, _BR = 1, 2, 3, 4, 5, 6
_ACTIONS: dict[str, int] = {
    **dict.fromkeys(SKIPPED_TAGS, _SKIP), **dict.fromkeys(BLOCK_TAGS, _BLOCK),
    "p": _PARA, "pre": _PRE, "listing": _PRE, "xmp": _PRE, "plaintext": _PRE, "td": _CELL, "th": _CELL, "br": _BR,
}
"""What the walk does at an element, by tag: leave it out, set it off as a block (``<p>`` by a blank line; a
``pre``-like block keeps its white space), a table cell, a line break; inline elements are not listed."""
_INLINE_TAGS = ("a", "span", "b", "strong", "i", "em", "u", "s", "small", "sup", "sub", "abbr", "time", "cite",
                "code", "mark", "q", "font", "label", "button", "bdi", "bdo", "wbr", "del", "ins", "kbd", "var")
_BUILTIN_TAG_IDS = 1 << 12
"""Above lexbor's ids of the tags it knows (a custom element's id is the address of its document's entry)."""


def _actions_by_id() -> dict[int, int]:
    """``_ACTIONS`` (and 0 for the common inline tags) by lexbor's tag id, for the tags whose id is one of its
    built-in ones (an element of another name, a custom element, gets an id of its document: read by name)."""
    table: dict[int, int] = {}
    for name in (*_ACTIONS, *_INLINE_TAGS):
        element = create_tag(name)
        if element.tag == name and 0 < element.tag_id < _BUILTIN_TAG_IDS:
            table[element.tag_id] = _ACTIONS.get(name, 0)
    return table


_ACTIONS_BY_ID = _actions_by_id()
_TEXT_NODE = LexborHTMLParser("<p>x</p>").css_first("p")
_TEXT_ID: int = _TEXT_NODE.child.tag_id if _TEXT_NODE is not None and _TEXT_NODE.child is not None else -1
"""lexbor's id of a text node (its ``tag`` is ``-text``)."""


def _named_action(node: LexborNode) -> int:
    """``_ACTIONS`` of a node by its tag name (none: a node other than an element or text is left out)."""
    tag = node.tag
    return _SKIP if tag is None else _ACTIONS.get(tag, 0)


def _open_element(node: LexborNode, action: int, items: list[str | int], stack: list[LexborNode | str | int]) -> int:
    """Emit what comes before an element's content and schedule what comes after; 1 when it opens a pre."""
    if action == _PARA:
        items.append(2)
        stack.append(2)
    elif action == _BLOCK:
        items.append(1)
        stack.append(1)
    elif action == _PRE:
        items.append(1)
        stack.append(1)
        stack.append(_PRE_EXIT)
        return 1
    elif action == _CELL and _next_cell(node):
        stack.append("\t")
    return 0


def render_items(
    root: LexborNode, *, max_nodes: int = DEFAULT_MAX_NODES, skip: frozenset[int] | set[int] | None = None,
    hidden: set[int] | None = None,
) -> tuple[list[str | int], bool]:
    """Walk ``root`` and return innerText items (strings, and ints standing for required line breaks).

    Text is white-space collapsed per text node; ``<br>`` gives a ``"\\n"`` string; blocks give 1 before
    and after, ``<p>`` 2; a table cell followed by another cell gives a TAB. At most ``max_nodes`` nodes
    are visited (iteratively, so deep markup cannot exhaust the stack); the second value is True when
    the walk stopped there. Elements whose ``mem_id`` is in ``skip`` are left out with their content.
    ``hidden``: the ``hidden_ids`` of a tree that holds ``root``, when the caller has them (each
    element's attributes are read otherwise).
    """
    items: list[str | int] = []
    append = items.append
    stack: list[LexborNode | str | int] = [root]
    push, pop, by_id, collapse = stack.append, stack.pop, _ACTIONS_BY_ID, _WS.sub
    in_pre = 0
    visited = 0
    while stack:
        entry = pop()
        if not isinstance(entry, LexborNode):  # a line-break count or a TAB to emit, or the end of a pre
            if entry == _PRE_EXIT:
                in_pre -= 1
            else:
                append(entry)
            continue
        visited += 1
        if visited > max_nodes:
            logger.debug("innerText walk stopped after %d nodes", max_nodes)
            return items, True
        tag_id = entry.tag_id  # an int: cheaper to read than the name, which is made anew for each node
        if tag_id == _TEXT_ID:
            text = entry.text_content or ""
            if in_pre:
                items.extend(_pre_items(text))
            else:  # white space alone (most text nodes between tags) is one space; _WS only where it has
                # something to collapse
                append(" " if not text.strip(_WS_CHARS) and text else collapse(" ", text)
                       if "  " in text or "\n" in text or "\t" in text or "\r" in text or "\f" in text else text)
            continue
        # by name: a tag lexbor has no id of its own for, or a node other than an element
        action = by_id[tag_id] if tag_id in by_id else _named_action(entry)
        if (action == _SKIP or (entry.mem_id in hidden if hidden is not None else is_hidden(entry))
                or (skip and entry.mem_id in skip)):
            continue
        if action:
            if action == _BR:
                append("\n")
                continue
            in_pre += _open_element(entry, action, items, stack)
        child = entry.last_child  # children pushed last to first, so the first is walked next
        while child is not None:
            push(child)
            child = child.prev
    return items, False


_BREAK_MARKS = {1: "\x01", 2: "\x02"}
_BLANK_LINE_RUN = re.compile("\x02[\x01\x02]*|\x01+\x02[\x01\x02]*")
_LINE_RUN = re.compile("\x01+")


def join_items(items: list[str | int]) -> str:
    """Join innerText items: collapse spaces, strip line ends, and turn runs of line-break counts into newlines.

    The items between two line-break counts form a chunk; a chunk whose lines are all spaces is
    dropped, and between two kept chunks stands the largest count of the run that separates them (a
    blank line for 2). Done on one string with the counts as control marks; text that holds those
    marks itself is joined chunk by chunk (``_join_chunks``), with the same result.
    """
    text = "".join(map(_BREAK_MARKS.get, items, items))  # type: ignore[arg-type]  # a count's mark, else the text
    n_marks = items.count(1) + items.count(2)
    if text.count("\x01") + text.count("\x02") != n_marks:
        return _join_chunks(items)
    # each pass only where the text holds what it replaces (most parts of a page need few of them)
    if "  " in text:
        text = _SPACES.sub(" ", text)
    if " " in text:
        for edge in ("\n", "\x01", "\x02"):  # single spaces now: one replace each side strips every line end
            text = text.replace(" " + edge, edge).replace(edge + " ", edge)
    text = text.strip(" ").strip("\x01\x02")
    if "\x02" in text:
        text = _BLANK_LINE_RUN.sub("\n\n", text)
    if "\x01" in text:
        text = _LINE_RUN.sub("\n", text)
    if "\n\n\n" in text:
        text = _BLANK_RUNS.sub("\n\n", text)
    return text.strip("\n")


def _join_chunks(items: list[str | int]) -> str:
    """``join_items`` chunk by chunk, for text that holds the control marks it uses."""
    parts: list[str] = []
    chunk: list[str] = []
    pending = 0

    def flush() -> None:
        nonlocal pending
        if not chunk:
            return
        text = _SPACES.sub(" ", "".join(chunk))
        chunk.clear()
        text = "\n".join(line.strip(" ") for line in text.split("\n"))
        if not text:
            return
        if parts and pending:
            parts.append("\n" * pending)
        parts.append(text)
        pending = 0

    for item in items:
        if isinstance(item, int):
            flush()
            pending = max(pending, item)
        else:
            chunk.append(item)
    flush()
    return _BLANK_RUNS.sub("\n\n", "".join(parts)).strip("\n")


def html_to_text(html: str, *, max_nodes: int = DEFAULT_MAX_NODES) -> str:
    """Render an HTML page to text the way a browser's ``document.body.innerText`` would, without CSS.

    Head, script, style, noscript, template, svg, iframe, img and form fields are dropped, as are
    elements with ``hidden`` or an inline ``display:none``/``visibility:hidden``. Block elements start
    and end a line, ``<p>`` is set off by a blank line, ``<br>`` breaks the line, table cells are
    TAB-separated, white space is collapsed and U+00A0 is kept. The result ends with a newline
    unless it is empty. At most ``max_nodes`` nodes are rendered.
    """
    return render_page(LexborHTMLParser(html), max_nodes=max_nodes).text


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """What ingest needs from an HTML page: its innerText, canonical URL and stated publication time."""

    text: str
    canonical_url: str | None
    published_at: datetime | None
    truncated: bool


def node_text(root: LexborNode, *, max_nodes: int = DEFAULT_MAX_NODES,
              skip: frozenset[int] | set[int] | None = None, hidden: set[int] | None = None) -> str:
    """innerText of one element (no trailing newline), leaving out the elements whose ``mem_id`` is in
    ``skip``; ``hidden`` as in ``render_items``."""
    items, _ = render_items(root, max_nodes=max_nodes, skip=skip, hidden=hidden)
    return join_items(items)


def render_page(tree: LexborHTMLParser, *, base_url: str | None = None,
                max_nodes: int = DEFAULT_MAX_NODES) -> RenderedPage:
    """Render a parsed page to innerText and read its canonical URL and publication time."""
    root = tree.body or tree.root
    text, truncated = "", False
    if root is not None:
        items, truncated = render_items(root, max_nodes=max_nodes, hidden=hidden_ids(root))
        text = join_items(items)
    return RenderedPage(
        text=text + "\n" if text else "",
        canonical_url=canonical_url(tree, base_url=base_url),
        published_at=published_at(tree),
        truncated=truncated,
    )


def canonical_url(tree: LexborHTMLParser, *, base_url: str | None = None) -> str | None:
    """The page's ``<link rel=canonical>`` (else ``og:url``) as an absolute http(s) URL, or None.

    A relative link is resolved against ``base_url``; without one it is ignored.
    """
    candidates: list[str] = []
    for node in tree.css('link[rel~="canonical" i]'):
        if href := (node.attributes.get("href") or "").strip():
            candidates.append(href)
    meta = tree.css_first('meta[property="og:url" i]')
    if meta is not None and (content := (meta.attributes.get("content") or "").strip()):
        candidates.append(content)
    for href in candidates:
        url = urljoin(base_url, href) if base_url else href
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return url
    return None


_PUBLISHED_META = (
    'meta[property="article:published_time" i]',
    'meta[name="article:published_time" i]',
    'meta[itemprop="datePublished" i]',
    'meta[property="og:published_time" i]',
    'meta[name="parsely-pub-date" i]',
    'meta[name="sailthru.date" i]',
    'meta[name="dc.date.issued" i]',
    'meta[name="dcterms.issued" i]',
    'meta[name="dcterms.created" i]',
    'meta[name="pubdate" i]',
    'meta[name="publishdate" i]',
    'meta[name="publish-date" i]',
    'meta[name="date" i]',
)
_PUBLISHED_TIME = (
    'time[itemprop="datePublished" i]',
    "time.published",
    "time.entry-date",
    "article time[pubdate]",
)
_PUBLISHED_METAS = SelectorSet(_PUBLISHED_META)
_PUBLISHED_TIMES = SelectorSet(_PUBLISHED_TIME)
"""The publication meta tags and ``<time>`` elements, one query each (``tasks.css_queries``)."""
_JSONLD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{6,40})"')


def published_at(tree: LexborHTMLParser) -> datetime | None:
    """Publication time the page states, in UTC: article meta tags, JSON-LD ``datePublished``, then
    ``<time>`` elements marked as the publication date. None when none of them can be read."""
    metas = _PUBLISHED_METAS.select(tree)
    for selector in _PUBLISHED_META:
        node = metas.first(selector)
        if node is not None and (found := parse_timestamp(node.attributes.get("content"))) is not None:
            return found
    for node in tree.css('script[type="application/ld+json" i]'):
        match = _JSONLD_PUBLISHED.search(node.text(deep=True) or "")
        if match and (found := parse_timestamp(match.group(1))) is not None:
            return found
    times = _PUBLISHED_TIMES.select(tree)
    for selector in _PUBLISHED_TIME:
        node = times.first(selector)
        if node is not None and (found := parse_timestamp(node.attributes.get("datetime"))) is not None:
            return found
    return None
