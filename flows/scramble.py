"""Scrambled markup for the robustness eval: class and id names (and custom tag names) as meaningless tokens.

The markup finder (``tasks.extract.html``) reads a page's comments and authors partly from the names a site gives
its classes and ids (``comment-author``, ``fn``, ``username``). A site never seen may name them in another
language, with hashed CSS-module names (``css-1x2y3z``, ``sc-AbCd``) or utility classes only. To measure
what that costs, ``corpus eval --html --scramble classes`` (or ``tags``) parses every page after
``scramble_html`` has replaced each class token and each id (and, for ``tags``, each custom element's tag
name) by a token made from a hash of the original: one name always gives the same token, so repeated
structure stays visible, but no word survives. Text, other attributes (``itemprop``, ``rel``, ``data-*``,
``aria-*``) and the tree are left as they are; ``href="#id"`` and ``for="id"`` references follow their ids.

This is an evaluation tool: the product's parse code never scrambles anything.
"""

from __future__ import annotations

import re

import xxhash

SCRAMBLE_MODES = ("none", "classes", "tags")
"""``none``: pages as they are; ``classes``: class and id values scrambled; ``tags``: those and the tag
names of custom elements (names with a hyphen, ``<comment-item>``)."""

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
    unchanged, so the page's text and tree are the same. ``mode="none"`` returns ``data``.

    Raises:
        ValueError: ``mode`` is not one of ``SCRAMBLE_MODES``.
    """
    if mode not in SCRAMBLE_MODES:
        raise ValueError(f"scramble mode must be one of {SCRAMBLE_MODES}, not {mode!r}")
    if mode == "none":
        return data
    out = _HREF_FRAGMENT.sub(_scramble_fragment, _ATTR.sub(_scramble_value, data))
    if mode == "tags":
        out = _CUSTOM_TAG.sub(_scramble_tag, out)
    return out
