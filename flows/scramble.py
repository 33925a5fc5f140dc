"""Scrambled pages for the robustness eval: class and id names (and custom tag names) as meaningless tokens,
comment authors moved into other markup forms, comment cues taken out of text pages.

The markup finder (``tasks.extract.html``) reads a page's comments and authors partly from the names a site gives
its classes and ids (``comment-author``, ``fn``, ``username``). A site never seen may name them in another
language, with hashed CSS-module names (``css-1x2y3z``, ``sc-AbCd``) or utility classes only. To measure
what that costs, ``corpus eval --html --scramble classes`` (or ``tags``) parses every page after
``scramble_html`` has replaced each class token and each id (and, for ``tags``, each custom element's tag
name) by a token made from a hash of the original: one name always gives the same token, so repeated
structure stays visible, but no word survives. Text, other attributes (``itemprop``, ``rel``, ``data-*``,
``aria-*``) and the tree are left as they are; ``href="#id"`` and ``for="id"`` references follow their ids.
``--scramble embeds-posts`` and ``embeds-ticker`` (``embed_blocks``) are the markup finder's hard negatives: blocks
shaped as comments (a name, a date, a sentence) inside the article that are no reader's comments.

The author perturbations (``--scramble author-cite`` and the other ``AUTHOR_FORMS``) ask a second question:
does the finder read a comment's author from markup forms that the labelled pages do not show?
``move_authors`` takes each comment whose author the markup finder reads from an element, puts the name
into another common form (a ``<cite>``, a ``<b>``, a profile link, schema.org microdata, an avatar's
``alt`` only, a "NAME says:" line; see ``AUTHOR_FORMS``), and takes the class, id and ``itemprop``
names off the elements between the comment and the name, so the selectors cannot find the old place.
The truth is unchanged, so author accuracy under each form says how well that form is read.

For text pages, ``corpus eval --scramble heading|chrome|dates|form|all`` (``scramble_text``) takes out of a
page's text the comment cues a site never seen may not print (the comments heading and stated count, reply
and like lines, dates on header lines, the comment form), keeping every line the truth holds: what the text
comment finder keeps when the thread's repetition is its only evidence. ``--scramble thread`` takes the
thread itself out and scores the page as comment-less: the spurious threads the finder makes of what a
closed or lazily loaded comment section leaves (a count, headers, login and form chrome, widgets).

These are evaluation tools: the product's parse code never scrambles anything.
"""

from __future__ import annotations

import functools
import html as html_lib
import json
import re
from collections.abc import Callable, Iterable, Sequence

import xxhash
from selectolax.lexbor import LexborHTMLParser, LexborNode

AUTHOR_FORMS = {
    "author-cite": "<cite>{name}</cite>",
    "author-bold": "<b>{name}</b>",
    "author-link": '<a href="https://example.org/people/{slug}" rel="external nofollow ugc">{name}</a>',
    "author-microdata": ('<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
                         '<span itemprop="name">{name}</span></span>'),
    "author-avatar": '<img src="/avatars/{slug}.png" alt="{name}" width="40" height="40">',
    "author-says": "<p>{name} says:</p>",
    "author-wrote": "<p>{name} {verb}:</p>",
    "author-jsonld": ('<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Comment", '
                      '"author": {{"@type": "Person", "name": {json}}}}}</script>'),
    "author-dl": "<dt>{name}</dt>",
    "author-header": ('<div class="k5e1d0c3a"><span class="k77aa1f02">{name}</span> '
                      '<span class="k0c9b2e41">12.03.2024, 10:15</span></div>'),
    "author-profile": '<a href="https://example.org/profile/{slug}" title="@{slug}"><span>{name}</span></a>',
    "author-datefirst": "<div>12.03.2024 {name}</div>",
    "author-data": '<img src="/avatars/{slug}.png" alt="" width="40" height="40">',
    "author-strong": ('<header><strong>{name}</strong> <time datetime="2024-03-12T10:15">12 March 2024</time>'
                      '</header>'),
    "author-said": '<div><a href="https://example.org/profile/{slug}">{name}</a> said...</div>',
    "author-submitted": '<div>Submitted by <a href="/user/{slug}">{name}</a> on 12 March 2024 - 10:15am</div>',
    "author-title": ('<a href="https://example.org/people/{slug}" title="{name}"><img src="/avatars/{slug}.png" alt="">'
                     '</a>'),
    "author-footer": ('<p>Posted by: <a href="https://example.org/people/{slug}">{name}</a> | '
                      '<a href="#c{slug}">12 March 2024 at 10:15 AM</a></p>'),
    "author-signed": "<p>— {name}</p>",
    "author-postprofile": ('<dl><dt><a href="/memberlist.php?mode=viewprofile&amp;u={slug}">{name}</a></dt>'
                           "<dd>Posts: 1234</dd><dd>Joined: 12 Mar 2019</dd></dl>"),
    "author-ldpage": "",
    "author-blogger": '<a href="https://example.org/profile/{slug}" rel="nofollow">{name}</a> said...',
    "author-pairs": '<a href="https://example.org/people/{slug}">{name}</a>',
    "author-table": "{name}, 12.03.2024 10:15",
    "author-forum": "{name}<br>Posts: 1234",
    "author-badge": ('<div><a href="https://example.org/u/{slug}">{name}</a> {badge} {said} '
                     '<a href="#c{slug}">12.03.2024 10:15</a></div>'),
    "author-plain": "<div>{name}<br>12.03.2024 10:15</div>",
    "author-span": '<div><span class="k3f9e2a10">{name}</span></div>',
    "author-sigdate": "<p>— {name}, 12.03.2024</p>",
    "author-headerlink": ('<header><a href="https://example.org/u/{slug}">{name}</a> '
                          '<time datetime="2024-03-12T10:15">12 March 2024</time> '
                          '<a href="#respond">Reply</a></header>'),
    "author-initials": ('<div><div aria-hidden="true">{initials}</div><div><span>{name}</span> · '
                        "<span>3 hours ago</span></div></div>"),
    "author-verb": "<p>{name} {other_verb}:</p>",
    "author-usertitle": ('<div><div><a href="https://example.org/members/{slug}.1/">{name}</a></div>'
                         "<div>{usertitle}</div></div>"),
    "author-phpbb": ('<p>by <strong><a href="./memberlist.php?mode=viewprofile&amp;u={slug}">{name}</a></strong> '
                     "» Tue Mar 12, 2024 10:15 am</p>"),
    "author-rdfa": ('<footer><article typeof="schema:Person" about="/user/{slug}"><img src="/avatars/{slug}.png" '
                    'alt="Profile picture for user {name}"></article><p><span property="schema:name" '
                    'typeof="schema:Person">{name}</span></p><p>Tue, 03/12/2024 - 10:15</p>'
                    '<p><a href="/comment/{slug}#comment-{slug}">Permalink</a></p></footer>'),
    "author-replyto": '<div><a href="https://example.org/u/{slug}">{name}</a>{reply}</div>',
    "author-handle": ('<div><a href="https://example.org/u/{slug}"><span>{name}</span></a> '
                      '<span class="username">@{slug}</span> · <time datetime="2024-03-12T10:15">12 March 2024</time>'
                      "</div>"),
    "author-handlefirst": ('<div><span class="user-handle">@{slug}</span> <span class="k5d1e0a77">{name}</span> '
                           "<span>12.03.2024</span></div>"),
    "author-outside": '<div><b>{name}</b> 12.03.2024, 10:15</div>',
    "author-outsidewrap": '<div><b>{name}</b> 12.03.2024, 10:15</div>',
    "author-replies": '<div><span>{name}</span> <span>12.03.2024, 10:15</span></div>',
}
"""Markup a comment's author name is moved into (``move_authors``): ``{name}`` is the name (escaped),
``{slug}`` a token made from it, ``{json}`` the name as a JSON string, ``{verb}`` a "wrote" verb in one of
``WROTE_VERBS`` (chosen from the name's hash). ``author-wrote``: "NAME schrieb:" and its kin in other
languages; ``author-jsonld``: a schema.org ``Comment`` object in a ``<script type="application/ld+json">``
inside the comment; ``author-dl``: the name in a ``<dt>`` and the comment made the ``<dd>`` after it;
``author-header``: the name in a ``<span>`` of a head ``<div>`` with the date beside it, every class a
meaningless token; ``author-profile``: a link to a profile (no ``rel``) holding the name, the nickname in its ``title``
("@k1a2b3c4d"); ``author-datefirst``: the date then the name on one line;
``author-data``: the name only in a ``data-author``/``data-username`` attribute of the comment element (the
place of the name holds an avatar without ``alt``); ``author-strong``: a ``<strong>`` in a ``<header>``
beside a ``<time>``; ``author-said``: Blogger's classic head, a profile link and "said..."; ``author-submitted``:
Drupal's "Submitted by NAME on DATE"; ``author-title``: the name only in the ``title`` of an avatar's profile
link. The tail forms (``TAIL_FORMS``) put the name after the comment's text instead of in its head:
``author-footer``: TypePad's "Posted by: NAME | DATE" line; ``author-signed``: a "— NAME" line;
``author-postprofile``: a forum's profile block (``<dl>`` with the name, post count and join date) after the post.
``author-ldpage``: the name taken out of the comment and written only in a page-level JSON-LD ``BlogPosting``
whose ``comment`` list holds each comment's author and text. ``author-blogger``: Blogger's classic thread, no
element holding one comment: each comment element (with the wrappers that hold only it) becomes a ``<dt>``
with a profile link and "said..." followed by a ``<dd>`` with the rest of its content, the pairs of one list
in one ``<dl>``, no class or id on either; ``author-pairs``: the same with a ``<div>`` holding the name's link and
a ``<div>`` with the content, classed as a comment's header and body (``RUN_PAIR_CLASSES``), side by side in
the list. ``author-table``: a table per thread, each comment two rows, a cell "NAME, DATE" over a cell
with the content, no class or id (old CMS and guest-book threads); ``author-forum``: a forum's row, the name
and a post count in a cell beside the cell with the content; ``author-badge``: a linked name, a role badge
(``BADGES``), a "says" word in one of several languages (``SAID_WORDS``) and a date on one line;
``author-plain``: the name as bare text over a date line; ``author-span``: the name in a ``<span>`` whose
class is a meaningless token, nothing else in its line; ``author-sigdate``: a "— NAME, DATE" signature
after the text; ``author-headerlink``: a ``<header>`` with a profile link, a ``<time>`` and a "Reply" link.
``author-handle``: the display name in a profile link, then the handle ("@k1a2b3c4d") in an element classed
``username`` and a date: the truth takes the display name; ``author-handlefirst``: the handle first (classed
``user-handle``), the display name in a ``<span>`` of a meaningless class after it. ``author-outside``: the name and
a date in a ``<div>`` just before the comment element, outside it (a head row above the element a theme marks
as the comment); ``author-outsidewrap``: the same, the comment element in a ``<div>`` of its own after it.
``author-replies``: the replies only (comments inside another moved comment) have their name in a ``<span>``
beside a date, the comments they answer keep theirs as they were (a thread mixing two head forms).
Only ``author-handle`` and ``author-handlefirst`` write an "@handle" next to the name, in an element of its own:
the labelled pages keep a handle shown within the name's element as part of it ("Kris @Krazy_Kris"), so the
unchanged truth would not hold for a handle written there."""
RUN_PAIR_CLASSES = ("comment-header", "comment-body")
"""The classes of ``author-pairs``' head and body elements: named as a comment's parts, as no element is the comment."""
TAIL_FORMS = frozenset({"author-footer", "author-signed", "author-postprofile", "author-sigdate"})
"""Forms written after the comment's text element (``COMMENT_TEXT_SELECTORS``), or before its replies."""
BEFORE_FORMS = frozenset({"author-outside", "author-outsidewrap"})
"""Forms written just before the comment element, outside it (``author-outsidewrap``: the comment element put in a
``<div>`` of its own first, the name before that)."""
REPLY_ONLY_FORMS = frozenset({"author-replies"})
"""Forms written for the replies only: a comment that answers none keeps its name where it was."""
RUN_FORMS = {"author-blogger": "dl", "author-pairs": "pairs", "author-table": "table", "author-forum": "forum"}
"""The forms that write no element holding one comment (``_as_run``) and how their parts stand."""
BADGES = ("(Admin)", "Moderator", "Author", "Autor", "(Modérateur)", "Redaktion")
"""Role badges ``author-badge`` writes after a name (chosen from the name's hash)."""
SAID_WORDS = ("says:", "dice:", "schreibt:", "dit :", "zegt:", "pisze:", "scrive:", "diz:")
""""says" words ``author-badge`` writes after the badge (chosen from the name's hash)."""
WROTE_VERBS = ("wrote", "schrieb", "a écrit", "escribió", "ha scritto", "schreef", "napisał", "skrev")
OTHER_VERBS = ("rašė", "skrifaði", "a scris", "napisao", "menulis", "написав", "kirjutas", "rakstīja",
               "comentou", "comentó", "ha commentato", "a commenté", "antwortete", "replied", "svarade", "vastasi")
"""Verbs ``author-verb`` writes after a name ("NAME rašė:"): the "wrote" of languages the parser's own list
(``tasks.extract.selectors.SAYS_WORDS``) leaves out, and "replied"/"commented" kin it does not hold either."""
USER_TITLES = ("Well-known member", "Registered User", "Junior Member", "Guest", "Gast", "Stammgast", "Membre",
               "Nuovo utente", "Active member", "New member")
"""A forum's or comment widget's user title ``author-usertitle`` writes on the line under the name."""
REPLY_FRAMES = ("→ {parent}", "replied to {parent}", "in reply to {parent}", "antwortete auf {parent}",
                "en réponse à {parent}", "@{parent}")
"""What ``author-replyto`` writes after a reply's author name, naming the comment it answers (a link)."""
_DATA_ATTRS = ("data-author", "data-username")
EMBED_FORMS = {
    "embeds-posts": ('<blockquote><p>{text}</p>&mdash; {name} (@{handle}) '
                     '<a href="https://social.example.org/{handle}/status/{k}">March {day}, 2024</a></blockquote>'),
    "embeds-ticker": ('<div><div><span>{name}</span> <time datetime="2024-03-{day:02d}T10:15">'
                      "{day}.03.2024, 10:15</time></div><p>{text}</p></div>"),
}
"""Hard negatives for the markup finder (``embed_blocks``): a run of blocks shaped as a thread's comments (a name, a
date, a sentence) put inside the article, halfway down its paragraphs: embedded social posts (a quote signed
"— NAME (@handle) DATE" with a link to the post elsewhere) and a live ticker's entries (a name and a time over a
paragraph). Neither is a reader's comment: every comment found in them is spurious."""
EMBED_PEOPLE = (("Jane Doe", "The council approved the budget after a long debate on Tuesday night."),
                ("Peter Miller", "Officials said the new line would open in spring, two years later than planned."),
                ("Ana Souza", "Prices rose again in March, driven by energy and food costs across the region."),
                ("Kenji Sato", "The team will play its next match at home against the league leaders on Sunday."))
"""The names and sentences of the ``EMBED_FORMS`` blocks, in turn."""
SCRAMBLE_MODES = ("none", "classes", "tags", *AUTHOR_FORMS, *EMBED_FORMS)
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
    if mode in EMBED_FORMS:
        return embed_blocks(data, mode)
    out = _HREF_FRAGMENT.sub(_scramble_fragment, _ATTR.sub(_scramble_value, data))
    if mode == "tags":
        out = _CUSTOM_TAG.sub(_scramble_tag, out)
    return out


_PARAGRAPH_END = re.compile(r"(?i)</p\s*>")


def embed_blocks(data: bytes, form: str) -> bytes:
    """``data`` (an HTML page's bytes) with a ``<div>`` of the four ``EMBED_FORMS[form]`` blocks
    (``EMBED_PEOPLE``) after the middle one of its closing ``</p>`` tags (at the end of its body when it has
    none), as UTF-8 with a byte order mark.

    Raises:
        ValueError: ``form`` is not one of ``EMBED_FORMS``.
    """
    if form not in EMBED_FORMS:
        raise ValueError(f"embed form must be one of {tuple(EMBED_FORMS)}, not {form!r}")
    from tasks.ingest.encoding import decode_bytes  # noqa: PLC0415 (see move_authors)

    page = decode_bytes(data, is_html=True).text
    blocks = "".join(EMBED_FORMS[form].format(name=html_lib.escape(name), text=html_lib.escape(text), k=k, day=k + 2,
                                              handle=name.split()[0].lower())
                     for k, (name, text) in enumerate(EMBED_PEOPLE))
    ends = [m.end() for m in _PARAGRAPH_END.finditer(page)]
    at = ends[len(ends) // 2] if ends else max(page.lower().rfind("</body"), 0) or len(page)
    return _BOM + (page[:at] + f"<div>{blocks}</div>" + page[at:]).encode("utf-8")


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
    # imported here: the CLI reads this module's mode names before it sets polars' thread count, and the
    # markup parser imports polars
    from tasks.extract.html import comment_author_elements  # noqa: PLC0415 (see above)
    from tasks.ingest.encoding import decode_bytes  # noqa: PLC0415

    tree = LexborHTMLParser(decode_bytes(data, is_html=True).text)
    moved = comment_author_elements(tree)
    if not moved:
        return data
    comment_ids = {comment.mem_id for comment, _, _ in moved}
    parents = _parent_names(moved)
    page_digest = xxhash.xxh3_64(moved[0][2].encode()).intdigest()  # one choice for the page: one site, one language
    stated: list[dict[str, object]] = []
    # last first: a reply's comment is replaced before the comment that holds it is rebuilt (``author-dl``)
    for comment, author, name in reversed(moved):
        if form in REPLY_ONLY_FORMS and comment.mem_id not in parents:
            continue
        parent = author.parent
        while parent is not None and parent.mem_id != comment.mem_id:
            for attr in _NAMING_ATTRS:
                if attr in parent.attrs:
                    del parent.attrs[attr]
            parent = parent.parent
        digest = xxhash.xxh3_64(name.encode()).intdigest()
        slug = scramble_token(name.encode()).decode()
        snippet = AUTHOR_FORMS[form].format(
            name=html_lib.escape(name), slug=slug, json=json.dumps(name, ensure_ascii=False).replace("<", "\\u003c"),
            verb=WROTE_VERBS[digest % len(WROTE_VERBS)], badge=BADGES[digest % len(BADGES)],
            said=SAID_WORDS[digest // 7 % len(SAID_WORDS)], initials=html_lib.escape(_initials(name)),
            other_verb=OTHER_VERBS[page_digest % len(OTHER_VERBS)], usertitle=USER_TITLES[digest % len(USER_TITLES)],
            reply=_reply_frame(parents.get(comment.mem_id), digest))
        if form == "author-data":
            comment.attrs[_DATA_ATTRS[digest % len(_DATA_ATTRS)]] = name
        if form == "author-ldpage":
            author.decompose()
            stated.append({"@type": "Comment", "author": {"@type": "Person", "name": name},
                           "text": _own_text(comment, comment_ids)})
        else:
            _place(form, snippet, comment, author, comment_ids)
    _unwrap_runs(tree, _run_mark())
    if stated:
        ld = json.dumps({"@context": "https://schema.org", "@type": "BlogPosting", "comment": stated[::-1]},
                        ensure_ascii=False).replace("<", "\\u003c")
        script = LexborHTMLParser(f'<html><head><script type="application/ld+json">{ld}</script></head></html>')
        holder = tree.head or tree.body
        if holder is not None and script.head is not None and script.head.child is not None:
            holder.insert_child(script.head.child)
    return _BOM + (tree.html or "").encode("utf-8")


def _parent_names(moved: list[tuple[LexborNode, LexborNode, str]]) -> dict[int, str]:
    """The author's name of the nearest comment of ``moved`` around each comment of ``moved`` that is a reply
    (by ``mem_id``): the comment it answers."""
    names = {comment.mem_id: name for comment, _, name in moved}
    out: dict[int, str] = {}
    for comment, _, _ in moved:
        parent = comment.parent
        while parent is not None and parent.mem_id not in names:
            parent = parent.parent
        if parent is not None:
            out[comment.mem_id] = names[parent.mem_id]
    return out


def _initials(name: str) -> str:
    """A letter avatar's text for ``name``: the first letters of its first two words, upper case."""
    return "".join(next((ch for ch in word if ch.isalnum()), "") for word in name.split()[:2]).upper()


def _reply_frame(parent: str | None, digest: int) -> str:
    """``author-replyto``'s words after a reply's author: one of ``REPLY_FRAMES`` naming ``parent`` in a link
    (chosen from ``digest``), nothing for a comment that answers none."""
    if parent is None:
        return ""
    link = f'<a href="#c{scramble_token(parent.encode()).decode()}">{html_lib.escape(parent)}</a>'
    frame = REPLY_FRAMES[digest % len(REPLY_FRAMES)]
    return " <span>" + frame.replace("{parent}", link) + "</span>" if not frame.startswith("@") else f" @{link}"


def _unwrap_runs(tree: LexborHTMLParser, mark: str) -> None:
    """Take out the elements the markup finder put around each comment written as a run of sibling parts
    (marked ``mark``, ``tasks.extract.html.RUN_MARK``): the parts stand side by side again, as on the page
    (a data attribute ``author-data`` gave the element goes to the run's head)."""
    for wrapper in tree.css(f"[{mark}]"):
        if wrapper.tag != "div":
            del wrapper.attrs[mark]
            continue
        head = next((child for child in wrapper.iter(include_text=False) if child.tag != "script"), None)
        for attr in _DATA_ATTRS:  # author-data: the attribute goes to the run's head, no comment element holds it
            if attr in wrapper.attrs and head is not None:
                head.attrs[attr] = wrapper.attrs[attr] or ""
        wrapper.unwrap()


def _place(form: str, snippet: str, comment: LexborNode, author: LexborNode, comment_ids: set[int]) -> None:
    """Put ``snippet`` (the name in ``form``) in ``comment`` in place of the ``author`` element: there, or
    after the comment's text (``TAIL_FORMS``), or just before the comment element, outside it (``BEFORE_FORMS``),
    or as the ``<dt>`` of the comment made a ``<dd>`` (``author-dl``), or in a ``<dt>`` (``author-blogger``) or
    ``<div>`` (``author-pairs``) before a ``<dd>`` or ``<div>`` with the content, the comment element gone."""
    body = LexborHTMLParser(f"<html><body>{snippet}</body></html>").body
    if form == "author-dl" and _run_mark() in comment.attrs:
        author.decompose()  # a run's parts (a <dd> with the text) stay: the name's <dt> goes before them
        if body is not None and body.child is not None:
            comment.insert_before(body.child)
    elif form == "author-dl":
        author.decompose()
        _as_definition(comment, snippet)
    elif form in RUN_FORMS:
        author.decompose()
        _as_run(comment, snippet, RUN_FORMS[form])
    elif body is None or body.child is None:
        return
    elif form in TAIL_FORMS:
        author.decompose()
        _put_after_text(comment, body.child, comment_ids, _text_selector())
    elif form in BEFORE_FORMS:
        author.decompose()
        comment.insert_before(body.child)
        if form == "author-outsidewrap":
            _wrap(comment)
    else:
        author.replace_with(body.child)


def _wrap(node: LexborNode) -> None:
    """Put ``node`` in a ``<div>`` of its own, in its place (the copy keeps its attributes and content)."""
    made = LexborHTMLParser(f"<html><body><div>{node.html or ''}</div></body></html>").body
    if made is not None and made.child is not None:
        node.replace_with(made.child)


@functools.cache
def _run_mark() -> str:
    from tasks.extract.html import RUN_MARK  # noqa: PLC0415 (see move_authors)

    return RUN_MARK


@functools.cache
def _text_selector() -> str:
    from tasks.extract.html import COMMENT_TEXT_SELECTORS  # noqa: PLC0415 (see move_authors)

    return ", ".join(COMMENT_TEXT_SELECTORS)


def _own(node: LexborNode, comment: LexborNode, comment_ids: set[int]) -> bool:
    """Is ``node`` (in ``comment``) outside every other comment of ``comment_ids`` (its replies)?"""
    parent = node if node.mem_id != comment.mem_id else None
    while parent is not None and parent.mem_id != comment.mem_id:
        if parent.mem_id in comment_ids:
            return False
        parent = parent.parent
    return True


def _own_text(comment: LexborNode, comment_ids: set[int]) -> str:
    """The text of the comment's own text element (``COMMENT_TEXT_SELECTORS``), or where there is none of
    ``comment`` outside its replies (``comment_ids``), white space collapsed."""
    holder = next((node for node in comment.css(_text_selector())
                   if node.mem_id != comment.mem_id and _own(node, comment, comment_ids)), comment)
    parts = [node.text_content or "" for node in holder.traverse(include_text=True)
             if node.tag == "-text" and _own(node, comment, comment_ids)]
    return " ".join(" ".join(parts).split())


def _put_after_text(comment: LexborNode, snippet: LexborNode, comment_ids: set[int], text_selector: str) -> None:
    """Put ``snippet`` just after the comment's own text element (``text_selector``, outside its replies), or
    where there is none, before its first reply or at its end."""
    for node in comment.css(text_selector):
        if node.mem_id != comment.mem_id and _own(node, comment, comment_ids):
            node.insert_after(snippet)
            return
    for node in comment.traverse(include_text=False):
        if node.mem_id in comment_ids and node.mem_id != comment.mem_id:
            child = node
            while child.parent is not None and child.parent.mem_id != comment.mem_id:
                child = child.parent
            child.insert_before(snippet)
            return
    comment.insert_child(snippet)


def _as_definition(comment: LexborNode, term: str) -> None:
    """Put ``comment`` (an element) in a ``<dd>`` of its own with its attributes and content, ``term`` (a
    ``<dt>``) just before it, in place of the element."""
    attrs = "".join(f' {k}="{html_lib.escape(v or "", quote=True)}"' for k, v in comment.attributes.items())
    inner = "".join(child.html or "" for child in comment.iter(include_text=True))
    parsed = LexborHTMLParser(f"<html><body><dl>{term}<dd{attrs}>{inner}</dd></dl></body></html>").css_first("dl")
    if parsed is None or parsed.child is None or parsed.last_child is None:
        return
    comment.insert_before(parsed.child)
    comment.replace_with(parsed.last_child)


def _outermost(comment: LexborNode) -> LexborNode:
    """``comment`` or the outermost of the elements around it that hold nothing else (an ``li`` with an id
    around an ``article``; a rule or a line break do not count): the element a thread without per-comment
    elements has in its place."""
    target = comment
    while (parent := target.parent) is not None and parent.tag in ("li", "div", "article", "section"):
        others = [child for child in parent.iter(include_text=True) if child.mem_id != target.mem_id
                  and not (child.tag == "-text" and not (child.text_content or "").strip())
                  and child.tag not in ("-comment", "script", "hr", "br")]
        if others:
            break
        target = parent
    return target


def _as_run(comment: LexborNode, head: str, kind: str = "dl") -> None:
    """Put the parts of a comment written without an element of its own in place of ``comment`` (an element)
    and the wrappers around it that hold nothing else (``_outermost``), no attributes on them (``RUN_FORMS``):
    ``dl``: a ``<dt>`` holding ``head`` and a ``<dd>`` holding the comment's content; ``table``: a row with a
    cell holding ``head`` over a row with a cell holding the content; ``forum``: one row, a cell holding
    ``head`` beside a cell holding the content. The parts join the list or table this function made just
    after them (replaced last first, the next comment's), else go in a new one, so a run nested in a reply
    stays inside its comment's content. ``pairs``: two ``<div>`` (``RUN_PAIR_CLASSES``) put in the comment's
    place, no list around them."""
    target = _outermost(comment)
    inner = "".join(child.html or "" for child in comment.iter(include_text=True))
    if kind == "pairs":
        made = LexborHTMLParser(f'<html><body><div class="{RUN_PAIR_CLASSES[0]}">{head}</div>'
                                f'<div class="{RUN_PAIR_CLASSES[1]}">{inner}</div></body></html>').body
        if made is not None:
            for part in list(made.iter(include_text=False)):
                target.insert_before(part)
            target.decompose()
        return
    container = "table" if kind in ("table", "forum") else "dl"
    parts = {"dl": f"<dt>{head}</dt><dd>{inner}</dd>",
             "table": f"<tr><td>{head}</td></tr><tr><td>{inner}</td></tr>",
             "forum": f"<tr><td>{head}</td><td>{inner}</td></tr>"}[kind]
    parsed = LexborHTMLParser(f"<html><body><{container}>{parts}</{container}></body></html>").css_first(container)
    if parsed is None:
        return
    after = target.next
    while after is not None and ((after.tag in ("-text", "-comment") and not (after.text_content or "").strip())
                                 or (after.tag == "a" and not after.attributes.get("href") and not after.text())):
        after = after.next  # white space, and the empty anchors between comments (<a id="c123"></a>)
    rows = parsed.css_first("tbody") if container == "table" else parsed
    joined = after.css_first("tbody") if container == "table" and after is not None and after.tag == "table" else after
    if (rows is not None and after is not None and after.tag == container and not after.attributes
            and joined is not None and joined.child is not None):
        first = joined.child
        for part in list(rows.iter(include_text=False)):
            first.insert_before(part)
        target.decompose()
    else:
        target.replace_with(parsed)


# --------------------------------------------------------------------------------------------------
# Text pages: the comment cues a site never seen may lack, taken out of the page text
# --------------------------------------------------------------------------------------------------

TEXT_SCRAMBLE_MODES = ("none", "heading", "chrome", "dates", "form", "all", "relative", "thread", "thread-teasers",
                       "thread-article", "thread-texts")
"""Perturbations of a text page (``scramble_text``), each removing cues the text comment finder reads:
``heading``: the comments heading and stated count lines; ``chrome``: reply, like, report, permalink and
other comment-widget lines, and "NAME says:" headers cut to the name; ``dates``: date lines dropped and
header lines that hold a commenter's name and a date cut to the name (name-only headers); ``form``: the
comment form's lines; ``all``: every one of those. ``relative`` rewrites the dates instead of taking them
out, as widgets that print a relative date do: a date line becomes "N hours ago", a header line that holds a
commenter's name and a date "NAME · N hours ago" (N counting up from 1 down the page). ``thread`` asks the
opposite question: the lines from the first to the last line of a truth comment's text are taken out (what
stays is what a page
whose thread is closed, or loaded later, prints: a count, headers, login and form chrome, the widgets
below) and the page is scored as comment-less: every comment found on it is spurious. The hard negatives
join other pages' writing where the thread was (below the article on a comment-less page), the page again
scored as comment-less: ``thread-teasers`` a story-teaser list (``teaser_block``: each other page's title
and the first sentence of its body), ``thread-article`` a share bar and a "Comments" heading over a
sub-headed article (``article_block``: other pages' paragraphs, a short heading over every two).
``thread-texts`` takes out only the lines of the comments' texts: the headers, dates and controls stay, a
thread whose texts are loaded later."""
THREAD_CUT_MODES = ("thread", "thread-teasers", "thread-article", "thread-texts")
"""The text perturbations that take the thread out: their pages are scored as comment-less."""
TEASERS = 6
"""Teasers in a ``thread-teasers`` block."""
ARTICLE_PARAGRAPHS = 8
"""Paragraphs in a ``thread-article`` block."""
SUBHEAD_WORDS = (2, 3, 4, 5)
"""Words of the ``thread-article`` sub-headings in turn (the first words of other pages' titles)."""
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s")

_TEXT_PARTS = {"heading": ("heading",), "chrome": ("chrome",), "dates": ("dates",), "form": ("form",),
               "all": ("heading", "chrome", "dates", "form"), "relative": ()}


def _line_key(line: str) -> str:
    return " ".join(line.split())


@functools.cache
def _text_cues() -> dict[str, re.Pattern[str]]:
    """The whole-line cue patterns of ``scramble_text``, from the parser's own vocabulary (``selectors``)."""
    from tasks.extract import selectors  # noqa: PLC0415  (the HTML scrambler needs none of it)

    heading = "|".join(re.escape(h) for h in selectors.COMMENT_HEADING)

    def whole(patterns: list[str]) -> re.Pattern[str]:
        return re.compile(rf"(?i)^(?:{'|'.join(f'(?:{p})' for p in patterns)})$")

    return {
        "heading": re.compile(rf"(?i)^(?:{heading})\s*:?$"),
        "count": re.compile(selectors.COMMENT_COUNT_RE),
        "count_trailing": re.compile(selectors.COMMENT_COUNT_TRAILING_RE),
        "chrome": whole(selectors.COMMENT_CHROME),
        "says": re.compile(selectors.SAYS_LINE_RE),
        "form": whole(selectors.COMMENT_FORM),
        "date_line": re.compile(selectors.DATE_LINE_RE),
    }


def scramble_text(text: str, mode: str = "all", *, authors: Iterable[str | None] = (),
                  kept: Iterable[str] = (), thread: Iterable[str] = (),
                  donors: Sequence[tuple[str, str]] = ()) -> str:
    """``text`` (a page's innerText) without the comment cues of ``mode`` (``TEXT_SCRAMBLE_MODES``).

    Lines are taken out (or cut to the commenter's name) only when they are not truth text: a line whose
    white-space-normalised text is a line of ``kept`` (the truth's title, body paragraphs and comment
    texts) or a commenter's name of ``authors`` stays as it is, so the truth still holds for the page. A
    header line is cut to a name only where it holds one of ``authors`` as whole words: a "says" line
    (``chrome``: "NAME says:"), or a line whose rest holds a digit (``dates``: "NAME DATE", "NAME on DATE
    at TIME", "DATE by NAME", "Posted by: NAME | DATE"). ``mode="none"`` returns ``text``; ``mode="thread"``
    returns it without the lines from the first to the last line that is a line of one of ``thread``
    (the truth comments' texts; ``text`` itself when none is); ``thread-teasers`` and ``thread-article``
    put in their place (below the last line of ``kept``, the truth's title and body first, when no line of
    ``thread`` is on the page) a block made of ``donors``, other pages' (title, body): ``teaser_block``,
    ``article_block``; ``thread-texts`` returns it without every line that is a line of one of ``thread``;
    ``relative`` returns it with its comment dates made relative (``_relative_dates``).

    Raises:
        ValueError: ``mode`` is not one of ``TEXT_SCRAMBLE_MODES``.
    """
    _check_text_mode(mode)
    if mode == "none" or mode in THREAD_CUT_MODES:
        return text if mode == "none" else _cut(text, mode, thread, kept, donors)
    parts = _TEXT_PARTS[mode]
    cues = _text_cues()
    names = sorted({_line_key(a) for a in authors if a and _line_key(a)}, key=len, reverse=True)
    protected = {_line_key(ln) for block in kept for ln in block.split("\n")} | set(names)
    protected.discard("")
    if mode == "relative":
        return _relative_dates(text, names, protected)
    out: list[str] = []
    for line in text.split("\n"):
        key = _line_key(line)
        if not key or key in protected:
            out.append(line)
            continue
        if "heading" in parts and (cues["heading"].match(key) or cues["count"].match(key)
                                   or cues["count_trailing"].match(key)):
            continue
        if "form" in parts and cues["form"].match(key):
            continue
        if "chrome" in parts:
            if cues["chrome"].match(key):
                continue
            says = cues["says"].match(key)
            name = _name_in(key, names, rest=lambda rest: True) if says else None
            if name is not None:
                out.append(name)
                continue
        if "dates" in parts:
            if cues["date_line"].match(key):
                continue
            name = _name_in(key, names, rest=lambda rest: any(ch.isdigit() for ch in rest))
            if name is not None:
                out.append(name)
                continue
        out.append(line)
    return "\n".join(out)


def _check_text_mode(mode: str) -> None:
    """Raise ``ValueError`` unless ``mode`` is one of ``TEXT_SCRAMBLE_MODES``."""
    if mode not in TEXT_SCRAMBLE_MODES:
        raise ValueError(f"text scramble mode must be one of {TEXT_SCRAMBLE_MODES}, not {mode!r}")


def _relative_dates(text: str, names: list[str], protected: set[str]) -> str:
    """``text`` with its comment dates made relative (``scramble_text``'s ``relative``): a date line becomes "N
    hours ago", a header line that holds one of ``names`` and a digit "NAME · N hours ago", N counting up from
    1; the lines of ``protected`` (truth text) stay as they are."""
    out: list[str] = []
    ago = 0
    for line in text.split("\n"):
        key = _line_key(line)
        dated = bool(key) and key not in protected and _text_cues()["date_line"].match(key) is not None
        name = (None if dated or not key or key in protected
                else _name_in(key, names, rest=lambda rest: any(ch.isdigit() for ch in rest)))
        if dated or name is not None:
            ago += 1
            line = f"{ago} hours ago" if name is None else f"{name} · {ago} hours ago"  # noqa: PLW2901
        out.append(line)
    return "\n".join(out)


def _without_thread(text: str, thread: Iterable[str]) -> str:
    """``text`` without its lines from the first to the last one that is a line of one of ``thread``."""
    said = {_line_key(ln) for block in thread for ln in block.split("\n")}
    said.discard("")
    lines = text.split("\n")
    at = [i for i, line in enumerate(lines) if _line_key(line) in said]
    return "\n".join(lines[:at[0]] + lines[at[-1] + 1:]) if at else text


def _cut(text: str, mode: str, thread: Iterable[str], kept: Iterable[str],
         donors: Sequence[tuple[str, str]]) -> str:
    """``text`` perturbed by a thread-cut ``mode`` (``THREAD_CUT_MODES``; see ``scramble_text``)."""
    if mode == "thread-texts":
        said = {_line_key(ln) for b in thread for ln in b.split("\n")} - {""}
        return "\n".join(line for line in text.split("\n") if _line_key(line) not in said)
    if mode == "thread":
        return _without_thread(text, thread)
    return _joined(text, thread, kept, teaser_block(donors) if mode == "thread-teasers" else article_block(donors))


def _joined(text: str, thread: Iterable[str], kept: Iterable[str], block: list[str]) -> str:
    """``text`` with ``block`` in place of its lines from the first to the last one that is a line of one of
    ``thread``; without those, ``block`` below its last line that is a line of ``kept`` (its end if none)."""
    said = {_line_key(ln) for b in thread for ln in b.split("\n")}
    said.discard("")
    lines = text.split("\n")
    at = [i for i, line in enumerate(lines) if _line_key(line) in said]
    if at:
        return "\n".join(lines[:at[0]] + block + lines[at[-1] + 1:])
    own = {_line_key(ln) for b in kept for ln in b.split("\n")}
    own.discard("")
    below = max((i + 1 for i, line in enumerate(lines) if _line_key(line) in own), default=len(lines))
    return "\n".join(lines[:below] + block + lines[below:])


def _paragraphs(body: str) -> list[str]:
    return [key for ln in body.split("\n") if (key := _line_key(ln))]


def teaser_block(donors: Sequence[tuple[str, str]]) -> list[str]:
    """A story-teaser list: of the first ``TEASERS`` of ``donors`` (title, body) with both, the title and the
    first sentence of the body's first paragraph, one line each."""
    out: list[str] = []
    for title, body in donors:
        paragraphs = _paragraphs(body)
        if len(out) == 2 * TEASERS or not _line_key(title) or not paragraphs:
            continue
        out += [_line_key(title), _SENTENCE_END.split(paragraphs[0], maxsplit=1)[0]]
    return out


def article_block(donors: Sequence[tuple[str, str]]) -> list[str]:
    """A share bar and a comments heading over a sub-headed article: the first ``ARTICLE_PARAGRAPHS``
    paragraphs of ``donors``' bodies (title, body), over every second one a heading of the first words of
    a donor's title (the last donor's first; as many words as ``SUBHEAD_WORDS`` gives in turn)."""
    paragraphs = [par for _, body in donors for par in _paragraphs(body)][:ARTICLE_PARAGRAPHS]
    titles = [words for title, _ in reversed(donors) if (words := title.split())]
    heads = [" ".join(w[:SUBHEAD_WORDS[k % len(SUBHEAD_WORDS)]]).rstrip(".,;:!?") for k, w in enumerate(titles)]
    out = ["Share", "Tweet", "Email", "Comments"]
    for k, par in enumerate(paragraphs):
        if k % 2 == 0 and heads:
            out.append(heads[k // 2 % len(heads)])
        out.append(par)
    return out


def _name_in(key: str, names: list[str], *, rest: Callable[[str], bool]) -> str | None:
    """The longest of ``names`` that ``key`` holds as whole words with more around it, what is around it
    passing ``rest``; None if none."""
    for name in names:
        at = key.find(name)
        while at >= 0:
            before, after = key[:at], key[at + len(name):]
            whole = not (before[-1:].isalnum() or after[:1].isalnum())
            if whole and (before or after) and rest(before + " " + after):
                return name
            at = key.find(name, at + 1)
    return None
