"""Scrambled markup for the robustness eval: class and id names (and custom tag names) as meaningless tokens.

The markup finder (``tasks.extract.html``) reads a page's comments and authors partly from the names a site gives
its classes and ids (``comment-author``, ``fn``, ``username``). A site never seen may name them in another
language, with hashed CSS-module names (``css-1x2y3z``, ``sc-AbCd``) or utility classes only. To measure
what that costs, ``corpus eval --html --scramble classes`` (or ``tags``) parses every page after
``scramble_html`` has replaced each class token and each id (and, for ``tags``, each custom element's tag
name) by a token made from a hash of the original: one name always gives the same token, so repeated
structure stays visible, but no word survives. Text, other attributes (``itemprop``, ``rel``, ``data-*``,
``aria-*``) and the tree are left as they are; ``href="#id"`` and ``for="id"`` references follow their ids.

The author perturbations (``--scramble author-cite`` and the other ``AUTHOR_FORMS``) ask a second question:
does the finder read a comment's author from markup forms that the labelled pages do not show?
``move_authors`` takes each comment whose author the markup finder reads from an element, puts the name
into another common form (a ``<cite>``, a ``<b>``, a profile link, schema.org microdata, an avatar's
``alt`` only, a "NAME says:" line; see ``AUTHOR_FORMS``), and takes the class, id and ``itemprop``
names off the elements between the comment and the name, so the selectors cannot find the old place.
The truth is unchanged, so author accuracy under each form says how well that form is read.

This is an evaluation tool: the product's parse code never scrambles anything.
"""

from __future__ import annotations

import html as html_lib
import re

import xxhash
from selectolax.lexbor import LexborHTMLParser

from tasks.extract.html import comment_author_elements
from tasks.ingest.encoding import decode_bytes

AUTHOR_FORMS = {
    "author-cite": "<cite>{name}</cite>",
    "author-bold": "<b>{name}</b>",
    "author-link": '<a href="https://example.org/people/{slug}" rel="external nofollow ugc">{name}</a>',
    "author-microdata": ('<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
                         '<span itemprop="name">{name}</span></span>'),
    "author-avatar": '<img src="/avatars/{slug}.png" alt="{name}" width="40" height="40">',
    "author-says": "<p>{name} says:</p>",
}
"""Markup a comment's author name is moved into (``move_authors``): ``{name}`` is the name (escaped),
``{slug}`` a token made from it."""
SCRAMBLE_MODES = ("none", "classes", "tags", *AUTHOR_FORMS)
"""``none``: pages as they are; ``classes``: class and id values scrambled; ``tags``: those and the tag
names of custom elements (names with a hyphen, ``<comment-item>``); ``author-*``: comment authors moved
into another form (``AUTHOR_FORMS``, ``move_authors``)."""
_NAMING_ATTRS = ("class", "id", "itemprop", "itemscope", "itemtype")
_BOM = b"\xef\xbb\xbf"

_QUOTED = rb"""(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+)"""
_ATTR = re.compile(rb"(?i)(\s(?:class|id|for)\s*=\s*)(" + _QUOTED + rb")")
_HREF_FRAGMENT = re.compile(rb"""(?i)(\shref\s*=\s*["']?)#([^\s"'<>]+)""")
_CUSTOM_TAG = re.compile(rb"(<\/?)([a-zA-Z][a-zA-Z0-9]*-[a-zA-Z0-9._\-]*)(?=[\s/>])")


def scramble_token(token: bytes, *, prefix: bytes = b"k") -> bytes:
    """A meaningless name for ``token``: ``prefix`` and 8 hex digits of its xxh3_64 (deterministic)."""
    return prefix + xxhash.xxh3_64(token).hexdigest()[:8].encode()


def _scramble_value(match: re.Match[bytes]) -> bytes:
    raw = match.group(2)
    quote = raw[:1] if raw[:1] in (b'"', b"'") else b""
    value = raw[1:-1] if quote else raw
    name = match.group(1).strip().split(b"=")[0].strip().lower()
    if name == b"class":
        new = b" ".join(scramble_token(t) for t in value.split())
    else:  # an id, or a label's reference to one
        new = scramble_token(value.strip()) if value.strip() else value
    return match.group(1) + quote + new + quote


def _scramble_fragment(match: re.Match[bytes]) -> bytes:
    return match.group(1) + b"#" + scramble_token(match.group(2))


def _scramble_tag(match: re.Match[bytes]) -> bytes:
    return match.group(1) + scramble_token(match.group(2).lower(), prefix=b"x-")


def scramble_html(data: bytes, mode: str = "classes") -> bytes:
    """``data`` (an HTML page's bytes, any ASCII-compatible encoding) with class and id values scrambled.

    Every class token and every id (and ``for=`` and ``href="#..."`` references to ids) becomes
    ``scramble_token`` of itself; with ``mode="tags"`` the tag names of custom elements (a hyphen in the
    name) become ``x-`` and a hash too. The bytes outside those attribute values and tag names are
    unchanged, so the page's text and tree are the same. ``mode="none"`` returns ``data``; an ``author-*``
    mode returns ``move_authors(data, mode)``.

    Raises:
        ValueError: ``mode`` is not one of ``SCRAMBLE_MODES``.
    """
    if mode not in SCRAMBLE_MODES:
        raise ValueError(f"scramble mode must be one of {SCRAMBLE_MODES}, not {mode!r}")
    if mode == "none":
        return data
    if mode in AUTHOR_FORMS:
        return move_authors(data, mode)
    out = _HREF_FRAGMENT.sub(_scramble_fragment, _ATTR.sub(_scramble_value, data))
    if mode == "tags":
        out = _CUSTOM_TAG.sub(_scramble_tag, out)
    return out


def move_authors(data: bytes, form: str) -> bytes:
    """``data`` (an HTML page's bytes) with each comment author that the markup finder reads from an element
    (``tasks.extract.html.comment_author_elements``) put into the markup of ``AUTHOR_FORMS[form]`` instead,
    and the class, id and microdata names taken off every element between the comment and that place.
    Returns the page as UTF-8 with a byte order mark (which decoding takes before any declared charset).

    Raises:
        ValueError: ``form`` is not one of ``AUTHOR_FORMS``.
    """
    if form not in AUTHOR_FORMS:
        raise ValueError(f"author form must be one of {tuple(AUTHOR_FORMS)}, not {form!r}")
    tree = LexborHTMLParser(decode_bytes(data, is_html=True).text)
    moved = comment_author_elements(tree)
    if not moved:
        return data
    for comment, author, name in moved:
        parent = author.parent
        while parent is not None and parent.mem_id != comment.mem_id:
            for attr in _NAMING_ATTRS:
                if attr in parent.attrs:
                    del parent.attrs[attr]
            parent = parent.parent
        slug = scramble_token(name.encode()).decode()
        snippet = AUTHOR_FORMS[form].format(name=html_lib.escape(name), slug=slug)
        body = LexborHTMLParser(f"<html><body>{snippet}</body></html>").body
        if body is not None and body.child is not None:
            author.replace_with(body.child)
    return _BOM + (tree.html or "").encode("utf-8")
