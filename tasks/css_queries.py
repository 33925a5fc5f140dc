"""Many CSS selectors answered from one lexbor query.

lexbor walks the whole tree under the search root for every ``css()`` call, and parses the selector anew
each time: on a page of about a thousand elements a query costs about 30 us, however few elements it finds.
Where a reader asks a page for the elements of many selectors in turn (the body containers, the headline
selectors, the comment item selectors), ``SelectorSet`` asks lexbor once for the selector list joined by
commas (its answer: every element that matches one of them, in document order, an element once per
selector it matches) and sorts the elements it found by selector in Python.

The answer is lexbor's own. The Python test of an element against one selector decides only where case
cannot matter: an element whose tag, class, id or attribute equals the selector's exactly matches under any
reading, one that does not match even with case folded matches under none. An element where only case
tells (lexbor reads class and id case-insensitively in quirks mode, and HTML compares a few attribute values
so), or whose class list holds white space other than ASCII's, is not judged here: that selector's elements
then come from its own lexbor query. A combinator's ancestors are read as lexbor reads them, up to the
document, above the search root too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser, LexborNode

_COMPOUND = re.compile(
    r"(?P<tag>[a-zA-Z][a-zA-Z0-9-]*|\*)?(?P<rest>(?:\.[\w-]+|#[\w-]+"
    r"|\[[a-zA-Z_:][\w:-]*(?:[~^$*|]?=\"[^\"]*\"(?:\s+[iI])?)?\])*)$")
_PART = re.compile(r"\.(?P<cls>[\w-]+)|#(?P<id>[\w-]+)|\[(?P<attr>[a-zA-Z_:][\w:-]*)"
                   r"(?:(?P<op>[~^$*|]?=)\"(?P<value>[^\"]*)\"(?:\s+(?P<flag>[iI]))?)?\]")
_WHITESPACE = re.compile(r"[ \t\n\f\r]+")
"""What separates the tokens of a class list or a ``~=`` value (ASCII white space, as HTML and CSS read it)."""
_OTHER_SPACE = re.compile(r"[^\S \t\n\f\r]")
"""White space that is not ASCII's: where a token list holds some, its split is left to lexbor."""
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

_Verdict = bool | None
"""True: the element matches; False: it does not; None: this module cannot tell (lexbor is asked)."""


def _and(a: _Verdict, b: _Verdict) -> _Verdict:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def _value_test(op: str, value: str, got: str) -> bool:
    if op == "=":
        return got == value
    if op == "~=":
        return bool(value) and not _WHITESPACE.search(value) and value in _WHITESPACE.split(got)
    if op == "^=":
        return bool(value) and got.startswith(value)
    if op == "$=":
        return bool(value) and got.endswith(value)
    if op == "*=":
        return bool(value) and value in got
    return got == value or got.startswith(value + "-")  # |=


def _cased(*, exact: bool, folded: bool) -> _Verdict:
    """The verdict of a test run as written (``exact``) and with case folded on both sides (``folded``)."""
    if exact:
        return True
    return None if folded else False


_Part = tuple[str, str, str | None, str | None, bool]
"""(kind, name, op, value, flag_i): kind ``class``, ``id`` or ``attr``; op and value for an attribute's test."""


@dataclass(frozen=True, slots=True)
class _Compound:
    """One compound selector: a tag, then classes, ids and attribute tests."""

    tag: str | None
    parts: tuple[_Part, ...]

    def key(self) -> tuple[str, str] | None:
        """The index key every element that may match has (case folded): its tag, a class or its id."""
        if self.tag is not None and self.tag != "*":
            return ("tag", self.tag)
        for kind, name, _, _, _ in self.parts:
            if kind in ("class", "id"):
                return (kind, name.lower())
        return None

    def test(self, node: LexborNode, attrs: dict[str, str | None]) -> _Verdict:
        verdict: _Verdict = True
        if self.tag is not None and self.tag != "*":
            tag = node.tag or ""
            verdict = _cased(exact=tag == self.tag, folded=tag.lower() == self.tag.lower())
            if verdict is False:
                return False
        for part in self.parts:
            verdict = _and(verdict, _part_test(part, attrs))
            if verdict is False:
                return False
        return verdict


def _part_test(part: _Part, attrs: dict[str, str | None]) -> _Verdict:
    """One class, id or attribute test of a compound on an element's attributes."""
    kind, name, op, value, flag_i = part
    if kind == "class":
        listed = attrs.get("class") or ""
        tokens = _WHITESPACE.split(listed)
        verdict = _cased(exact=name in tokens, folded=name.lower() in {t.lower() for t in tokens})
        return None if verdict is False and _OTHER_SPACE.search(listed) else verdict
    if kind == "id":
        got = attrs.get("id")
        return False if got is None else _cased(exact=got == name, folded=got.lower() == name.lower())
    if name not in attrs:
        return False
    if op is None or value is None:
        return True
    got = attrs.get(name) or ""
    if op == "~=" and _OTHER_SPACE.search(got):
        return None
    if flag_i:
        if _value_test(op, value.translate(_ASCII_LOWER), got.translate(_ASCII_LOWER)):
            return True
        return None if _value_test(op, value.lower(), got.lower()) else False
    return _cased(exact=_value_test(op, value, got), folded=_value_test(op, value.lower(), got.lower()))


def _compound(text: str) -> _Compound:
    match = _COMPOUND.match(text)
    if match is None:
        raise ValueError(f"selector not supported: {text!r}")
    parts: list[_Part] = []
    for part in _PART.finditer(match.group("rest") or ""):
        if part.group("cls"):
            parts.append(("class", part.group("cls"), None, None, False))
        elif part.group("id"):
            parts.append(("id", part.group("id"), None, None, False))
        else:
            parts.append(("attr", part.group("attr").lower(), part.group("op"), part.group("value"),
                          bool(part.group("flag"))))
    tag = match.group("tag")
    return _Compound(tag.lower() if tag else None, tuple(parts))


@dataclass(frozen=True, slots=True)
class _Selector:
    """A complex selector: compounds joined by descendant (" ") or child (">") combinators, subject last."""

    text: str
    compounds: tuple[_Compound, ...]
    combinators: tuple[str, ...]
    """``combinators[i]`` joins ``compounds[i]`` and ``compounds[i + 1]``."""


def _tokens(text: str) -> list[str]:
    """A complex selector's compounds and ``>`` combinators (white space inside brackets and quotes kept)."""
    tokens: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text.strip():
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "[]":
            depth += 1 if char == "[" else -1
        if not quoted and depth == 0 and (char.isspace() or char == ">"):
            if current:
                tokens.append("".join(current))
                current = []
            if char == ">":
                tokens.append(">")
            continue
        current.append(char)
    if current:
        tokens.append("".join(current))
    return tokens


def _selector(text: str) -> _Selector:
    compounds: list[_Compound] = []
    combinators: list[str] = []
    pending = " "
    for token in _tokens(text):
        if token == ">":
            pending = ">"
            continue
        if compounds:
            combinators.append(pending)
        compounds.append(_compound(token))
        pending = " "
    if not compounds:
        raise ValueError(f"empty selector: {text!r}")
    return _Selector(text, tuple(compounds), tuple(combinators))


class SelectorSet:
    """A fixed tuple of selectors, asked of a page (or of one element's subtree) at once (``select``).

    Supported: type, class, id and attribute selectors (``=``, ``~=``, ``^=``, ``$=``, ``*=``, ``|=``, the
    ``i`` flag) in compounds joined by descendant and child combinators."""

    def __init__(self, selectors: tuple[str, ...]) -> None:
        self.selectors = selectors
        self.query = ", ".join(selectors)
        self._parsed = {text: _selector(text) for text in selectors}
        self._keys = {text: parsed.compounds[-1].key() for text, parsed in self._parsed.items()}

    def select(self, root: LexborHTMLParser | LexborNode) -> Selection:
        """The elements under ``root`` (a parser: its whole tree) that match the set, one lexbor query."""
        return Selection(self, root)


class Selection:
    """The answer of one ``SelectorSet`` query under one root; ``matches(selector)`` splits it by selector."""

    def __init__(self, selector_set: SelectorSet, root: LexborHTMLParser | LexborNode) -> None:
        self._set = selector_set
        self._root = root
        seen: set[int] = set()
        self.nodes: list[LexborNode] = []
        for node in root.css(selector_set.query):
            if node.mem_id not in seen:
                seen.add(node.mem_id)
                self.nodes.append(node)
        self._attrs: dict[int, dict[str, str | None]] = {}
        self._found: dict[str, list[LexborNode]] = {}
        self._index: dict[tuple[str, str], list[LexborNode]] | None = None

    def _indexed(self, key: tuple[str, str] | None) -> list[LexborNode]:
        """The elements found that may match a subject compound of index ``key`` (all of them for None), in
        document order: by tag, by class and by id, case folded (so that a case-only match is not missed)."""
        if key is None:
            return self.nodes
        if self._index is None:
            index: dict[tuple[str, str], list[LexborNode]] = {}
            for node in self.nodes:
                attrs = self._attributes(node)
                keys = {("tag", (node.tag or "").lower())}
                listed = attrs.get("class") or ""
                tokens = listed.split() if _OTHER_SPACE.search(listed) else _WHITESPACE.split(listed)
                keys.update(("class", token.lower()) for token in tokens if token)
                if attrs.get("id") is not None:
                    keys.add(("id", (attrs.get("id") or "").lower()))
                for k in keys:
                    index.setdefault(k, []).append(node)
            self._index = index
        return self._index.get(key, [])

    def _attributes(self, node: LexborNode) -> dict[str, str | None]:
        got = self._attrs.get(node.mem_id)
        if got is None:
            got = self._attrs[node.mem_id] = node.attributes or {}
        return got

    def _test(self, node: LexborNode, selector: _Selector) -> _Verdict:
        compounds, combinators = selector.compounds, selector.combinators
        verdict = compounds[-1].test(node, self._attributes(node))
        if verdict is False or not combinators:
            return verdict
        return _and(verdict, self._leftward(node, compounds, combinators, len(compounds) - 1))

    def _leftward(self, node: LexborNode, compounds: tuple[_Compound, ...], combinators: tuple[str, ...],
                  at: int) -> _Verdict:
        """Does ``node`` (the match of ``compounds[at]``) have the ancestors the compounds left of it ask for?
        As lexbor reads a combinator, ancestors above the search root count too."""
        if at == 0:
            return True
        want, combinator = compounds[at - 1], combinators[at - 1]
        result: _Verdict = False
        parent = node.parent
        while parent is not None and not (parent.tag or "-").startswith("-"):
            verdict = want.test(parent, self._attributes(parent))
            if verdict is not False:
                verdict = _and(verdict, self._leftward(parent, compounds, combinators, at - 1))
            if verdict is True:
                return True
            if verdict is None:
                result = None
            if combinator == ">":
                break
            parent = parent.parent
        return result

    def matches(self, selector: str) -> list[LexborNode]:
        """The elements of ``selector`` (one of the set's) under the root, in document order: what
        ``root.css(selector)`` gives."""
        found = self._found.get(selector)
        if found is not None:
            return found
        parsed = self._set._parsed[selector]
        found = []
        for node in self._indexed(self._set._keys[selector]):
            verdict = self._test(node, parsed)
            if verdict is None:
                found = self._root.css(selector)
                break
            if verdict:
                found.append(node)
        self._found[selector] = found
        return found

    def first(self, selector: str) -> LexborNode | None:
        """The first element of ``selector`` under the root (``root.css_first(selector)``)."""
        found = self.matches(selector)
        return found[0] if found else None
