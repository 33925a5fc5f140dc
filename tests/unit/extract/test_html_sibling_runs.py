"""Comment threads written as runs of sibling parts, no element holding one comment (issue 17): Blogger's classic
``<dl id="comments-block">`` (a ``<dt>`` with the name and "said...", a ``<dd>`` with the text, a ``<dd>`` with
the date) and its kin, read by the markup finder (``tasks.extract.html._wrap_sibling_runs``)."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from tasks.extract import html as html_module
from tasks.extract.html import _collect_comments, _sibling_groups, extract_page

BODY = ("<p>" + "The article body is long enough to be the article body of this page. " * 4 + "</p>"
        "<p>" + "A second paragraph of the article says more about the topic at hand. " * 3 + "</p>")
ARTICLE = f"<html><body><h1>A headline for the page</h1><div class='post-body entry-content'>{BODY}</div>"

BLOGGER_ITEM = """<dt class="comment-author" id="c{k}"><a name="c{k}"></a>
<div class="avatar-image-container"><img src="/a{k}.png" alt="" title="{name}"></div>
<a href="https://www.blogger.com/profile/{k}" rel="nofollow">{name}</a> said...</dt>
<dd class="comment-body" id="Blog1_cmt-{k}"><p>{text}</p></dd>
<dd class="comment-footer"><span class="comment-timestamp"><a href="#c{k}" title="comment permalink">{date}</a>
<span class="item-control blog-admin"><a class="comment-delete" href="/delete?{k}" title="Delete Comment">
<img src="/icon_delete13.gif"></a></span></span></dd>"""

PEOPLE = [("Chibby", "Already donated, a cousin of mine lives there.", "November 10, 2012 7:18 PM"),
          ("Ylu", "This is very touching, from a New Yorker.", "November 11, 2012 10:16 AM"),
          ("Ana María", "Ich finde den Beitrag sehr gut.", "November 12, 2012 9:00 AM")]


def _blogger(items: list[tuple[str, str, str]], *, block: str = '<dl class="avatar-comment-indent" '
             'id="comments-block">{items}</dl>') -> str:
    listed = "".join(BLOGGER_ITEM.format(k=k, name=n, text=t, date=d) for k, (n, t, d) in enumerate(items))
    return (ARTICLE + '<div class="comments" id="comments"><h4>3 comments:</h4>'
            + block.format(items=listed) + "</div></body></html>")


def _found(html: str) -> list[tuple[str | None, str, int | None]]:
    return [(c.author, c.text, c.parent) for c in _collect_comments(LexborHTMLParser(html), max_nodes=100_000)]


def test_blogger_classic_comments_block_is_read_from_markup() -> None:
    """Each dt/dd/dd run is one comment: the name without "said...", the text without the name line, the date."""
    page = extract_page(_blogger(PEOPLE), use_trafilatura=False)
    assert page is not None and page.complete
    assert [(c["author"], c["text"]) for c in page.comments] == [(n, t) for n, t, _ in PEOPLE]
    assert [c["posted_at_text"] for c in page.comments] == [d for _, _, d in PEOPLE]
    assert all(c["parent_position"] is None for c in page.comments)
    assert "Already donated" not in page.body


def test_runs_of_classless_parts_in_a_comment_section() -> None:
    """No class names the parts: the comment section around the run is the evidence (any language)."""
    items = "".join(f"<dt><a href='/u/{k}'>{n}</a> a écrit :</dt><dd><p>{t}</p></dd><dd>{d}</dd>"
                    for k, (n, t, d) in enumerate(PEOPLE))
    html = ARTICLE + f"<div id='comments'><dl>{items}</dl></div></body></html>"
    assert [(a, t) for a, t, _ in _found(html)] == [(n, t) for n, t, _ in PEOPLE]
    found = _collect_comments(LexborHTMLParser(html), max_nodes=100_000)  # the date part read as the date
    assert [(c.posted_at_text, c.posted_at is not None) for c in found] == [(d, True) for _, _, d in PEOPLE]


def test_header_and_body_divs_alternating_as_siblings() -> None:
    """Not only definition lists: a header element and a body element alternating, named as comment parts."""
    items = "".join(f"<div class='comment-header'><b>{n}</b> <span>{d}</span></div>"
                    f"<div class='comment-body'><p>{t}</p></div>" for n, t, d in PEOPLE)
    html = ARTICLE + f"<div class='box'>{items}</div></body></html>"
    assert [(a, t) for a, t, _ in _found(html)] == [(n, t) for n, t, _ in PEOPLE]


def test_glossary_and_profile_lists_are_no_comments() -> None:
    """A definition list in the article (no comment section, no comment class) and a one-term profile block
    give no comment: a spurious comment is worse than a missed one."""
    glossary = "".join(f"<dt>{n}</dt><dd>{t} {d}</dd>" for n, t, d in PEOPLE)
    html = (ARTICLE.replace("</div>", f"<dl>{glossary}</dl></div>", 1)
            + "<dl class='profile-datablock'><dt class='profile-data'>Jane</dt><dd>About me.</dd></dl>"
            + "</body></html>")
    page = extract_page(html, use_trafilatura=False)
    assert page is not None and page.comments == []


def test_reply_run_inside_a_comment_body() -> None:
    """A run of one comment inside a part of a thread's run, its head of the same shape, is a reply."""
    reply = "<dl><dt><a href='/u/9'>Bo</a> said...</dt><dd><p>A reply by Bo to Ana.</p></dd></dl>"
    items = (f"<dt><a href='/u/1'>Ana</a> said...</dt><dd><p>First comment by Ana.</p>{reply}</dd>"
             "<dt><a href='/u/2'>Cy</a> said...</dt><dd><p>Second comment by Cy.</p></dd>")
    html = ARTICLE + f"<ol class='comment-list'><dl>{items}</dl></ol></body></html>"
    assert _found(html) == [("Ana", "First comment by Ana.", None), ("Bo", "A reply by Bo to Ana.", 0),
                            ("Cy", "Second comment by Cy.", None)]


def test_runs_inside_known_comment_items_are_left_alone() -> None:
    """A forum post's profile block (dt/dd) inside a known comment element stays part of that comment."""
    items = "".join(f"<div class='comment' id='comment-{k}'><dl><dt>{n}</dt><dd>Posts: 12</dd><dt>Joined</dt>"
                    f"<dd>2019</dd></dl><div class='comment-content'><p>{t}</p></div><time>{d}</time></div>"
                    for k, (n, t, d) in enumerate(PEOPLE))
    html = ARTICLE + f"<div id='comments'>{items}</div></body></html>"
    assert [t for _, t, _ in _found(html)] == [t for _, t, _ in PEOPLE]


@pytest.mark.parametrize(("children", "want"), [
    ("<dt>a</dt><dd>1</dd><dd>2</dd><dt>b</dt><dd>3</dd><dd>4</dd><p>after</p>", [["a", "1", "2"], ["b", "3", "4"]]),
    ("<h4>3 comments</h4><dt>a</dt><dd>1</dd><dt>b</dt><dd>2</dd>", [["a", "1"], ["b", "2"]]),
    ("<dt>a</dt><dd>1</dd>", []),  # one comment alone is no run
    ("<dt>a</dt><dt>b</dt><dd>1</dd><dt>c</dt><dd>2</dd>", []),  # a head followed by a head: no run
    ("<dt>a</dt><dd>1</dd><dt>b</dt><p>2</p>", []),  # the heads are followed by different shapes
])
def test_sibling_groups(children: str, want: list[list[str]]) -> None:
    parent = LexborHTMLParser(f"<html><body><div>{children}</div></body></html>").css_first("div")
    assert parent is not None
    assert [[part.text() for part in group] for group in _sibling_groups(parent)] == want


def test_markup_comments_kept_where_only_trafilatura_finds_the_body(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our container search finding no body no longer sends the comments the markup gives to the text path."""
    monkeypatch.setattr(html_module, "_body_root", lambda *_: None)
    page = extract_page(_blogger(PEOPLE), use_trafilatura=True)
    assert page is not None and page.complete and page.body_source != "ours"
    assert [c["author"] for c in page.comments] == [n for n, _, _ in PEOPLE]
    bare = extract_page(ARTICLE + "<div id='comments'></div></body></html>", use_trafilatura=True)
    assert bare is not None and not bare.complete


@pytest.mark.parametrize("frame", ["said...", "hat gesagt…", "zei...", "powiedział(a)...", "сказал(а)...",
                                   "dedi ki...", "είπε...", "さんは書きました..."])
def test_frame_after_the_linked_name_in_any_language(frame: str) -> None:
    """Blogger's head in the blog's language: the words after the one named link, ending as a frame does
    ("...", "…", ":"), are cut wherever the language's word is unknown."""
    page = extract_page(_blogger(PEOPLE).replace("said...", frame), use_trafilatura=False)
    assert page is not None
    assert [c["author"] for c in page.comments] == [n for n, _, _ in PEOPLE]


@pytest.mark.parametrize("head", ["<a href='/u'>Jane</a> wrote this long sentence about it...",
                                  "<a href='/u'>Jane</a> on 12.05.2021 said...", "<a href='/u'>Jane</a> and Bob"])
def test_no_frame_cut_from_a_sentence_a_date_or_an_unclosed_tail(head: str) -> None:
    from tasks.extract.html import _linked_name

    node = LexborHTMLParser(f"<html><body><div>{head}</div></body></html>").css_first("div")
    assert node is not None
    text = " ".join(node.text().split())
    assert _linked_name(node, text, set()) == text


_QUOTED = {"cite": "<blockquote><cite>Other Person</cite><p>Quoted words of the other person here.</p></blockquote>",
           "bold": "<blockquote><p><b>Other Person wrote:</b></p><p>Quoted words of the other person.</p></blockquote>",
           "q": "<p><q><b>Other Person</b>: quoted words</q></p>"}
_HEADS = {"strong": "<div class='meta'><strong>{name}</strong> <span>12.03.2024</span></div>",
          "link": "<div class='meta'><a href='/u/{k}'>{name}</a> <time>12.03.2024</time></div>",
          "fn": "<div class='comment-author'><span class='fn'>{name}</span></div>"}


@pytest.mark.parametrize("quote", list(_QUOTED))
@pytest.mark.parametrize("head", list(_HEADS))
def test_a_quoted_comments_name_is_not_the_author(head: str, quote: str) -> None:
    """A reply that quotes another comment (its name in a ``<cite>`` or bold in the quote) keeps its own author."""
    items = "".join(f"<li class='comment' id='comment-{k}'>{_HEADS[head].format(name=name, k=k)}"
                    f"<div class='comment-content'>{_QUOTED[quote]}<p>My own words number {k} on this.</p></div></li>"
                    for k, name in enumerate(["Jane Roe", "Bob Poe"]))
    page = extract_page(ARTICLE + f"<ol class='commentlist'>{items}</ol></body></html>", use_trafilatura=False)
    assert page is not None
    assert [c["author"] for c in page.comments] == ["Jane Roe", "Bob Poe"]


def test_a_quote_is_no_name_line_when_no_element_names_the_author() -> None:
    """No author element, no date: the quote's name is not read as the comment's name line."""
    items = "".join(f"<li class='comment' id='comment-{k}'><div class='comment-content'>{_QUOTED['bold']}"
                    f"<p>My own words number {k} on this.</p></div></li>" for k in range(2))
    page = extract_page(ARTICLE + f"<ol class='commentlist'>{items}</ol></body></html>", use_trafilatura=False)
    assert page is not None
    assert all(c["author"] != "Other Person" for c in page.comments)


def test_a_bare_head_line_names_the_comment_and_a_text_head_stays_text() -> None:
    """A classless ``<dt>`` holding only the name names the comment (no element or evidence does); a run whose
    first part holds the text (the name in a part after it) keeps that part as the text."""
    named = "".join(f"<dt>{n}</dt><dd><p>{t}</p></dd>" for n, t, _ in PEOPLE)
    html = ARTICLE + f"<div id='comments'><dl>{named}</dl></div></body></html>"
    assert [(a, t) for a, t, _ in _found(html)] == [(n, t) for n, t, _ in PEOPLE]
    footed = "".join(f"<dd class='comment-body'><p>{t}</p></dd><dd class='comment-footer'>Posted by "
                     f"<a href='/u/{k}'>{n}</a> | {d}</dd>" for k, (n, t, d) in enumerate(PEOPLE))
    html = ARTICLE + f"<div id='comments'><dl>{footed}</dl></div></body></html>"
    assert [t for _, t, _ in _found(html)] == [t for _, t, _ in PEOPLE]


def test_a_table_of_head_rows_over_text_rows() -> None:
    """A table per thread, no class on it: a row "NAME, DATE" over a row with the text (guest books, old CMS
    threads) is one comment; a reply's table of one such pair inside a text row is a reply."""
    reply = "<table><tr><td>Bo, 13.03.2024 08:00</td></tr><tr><td><p>A reply by Bo to Ana.</p></td></tr></table>"
    rows = (f"<tr><td>Ana, 12.03.2024 10:15</td></tr><tr><td><p>First comment by Ana.</p>{reply}</td></tr>"
            "<tr><td>7, 12.03.2024 11:00</td></tr><tr><td><p>Second comment by user 7.</p></td></tr>")
    html = ARTICLE + f"<div id='comments'><table>{rows}</table></div></body></html>"
    assert _found(html) == [("Ana", "First comment by Ana.", None), ("Bo", "A reply by Bo to Ana.", 0),
                            ("7", "Second comment by user 7.", None)]


def test_a_forum_table_of_name_cells_beside_text_cells() -> None:
    """A forum's thread: each row a comment, the name (and a post count) in a cell beside the text's cell."""
    rows = "".join(f"<tr><td>{n}<br>Posts: 12</td><td><p>{t}</p><time>{d}</time></td></tr>" for n, t, d in PEOPLE)
    html = ARTICLE + f"<div id='comments'><table>{rows}</table></div></body></html>"
    assert [(a, t) for a, t, _ in _found(html)] == [(n, t) for n, t, _ in PEOPLE]


def test_data_tables_are_no_comments() -> None:
    """Tables in the article (a schedule of dated rows, a specification's name/value rows) and outside a
    comment section give no comment."""
    schedule = "".join(f"<tr><td>Stage {k}, 12.0{k}.2024</td></tr><tr><td>From the coast to the hills.</td></tr>"
                       for k in range(1, 4))
    spec = "".join(f"<tr><td>{n}</td><td>{v}</td></tr>" for n, v in [("Weight", "1.2 kg"), ("Colour", "Black"),
                                                                     ("Battery", "About ten hours of use")])
    related = "".join(f"<tr><td>By Jane Doe, 0{k}.03.2024</td></tr><tr><td><a href='/story/{k}'>Another story "
                      f"number {k} of this site</a></td></tr>" for k in range(1, 4))
    html = (ARTICLE.replace("</div>", f"<table>{schedule}</table><table>{spec}</table></div>", 1)
            + f"<div class='related-posts'><h3>Related</h3><table>{related}</table></div></body></html>")
    page = extract_page(html, use_trafilatura=False)
    assert page is not None and page.comments == []


@pytest.mark.parametrize("frame", ["Moderator dice:", "(Admin) zegt:", "Redaktion", "Autor pisze:", "(Modérateur)"])
def test_a_badge_after_the_linked_name_in_any_language(frame: str) -> None:
    """A role badge and an unknown "says" word after the link holding the name, a date after them: the link
    is the name."""
    items = "".join(f"<li class='comment' id='comment-{k}'><div><a href='/u/{k}'>{n}</a> {frame} "
                    f"<a href='#c{k}'>{d}</a></div><div class='comment-content'><p>{t}</p></div></li>"
                    for k, (n, t, d) in enumerate(PEOPLE))
    page = extract_page(ARTICLE + f"<ol class='commentlist'>{items}</ol></body></html>", use_trafilatura=False)
    assert page is not None
    assert [c["author"] for c in page.comments] == [n for n, _, _ in PEOPLE]


@pytest.mark.parametrize(("head", "want"), [
    ("<a href='/u/1'>Kris</a> @Krazy_Kris", "Kris @Krazy_Kris"),  # a handle shown with the name stays
    ("<b>Jane Doe</b> <a href='/u/1'>Reply</a>", "Jane Doe"),  # a control's link after the name is not the name
    ("<a href='/u/1'>Jane Doe</a>", "Jane Doe"),
])
def test_no_badge_cut_from_a_handle_or_a_whole_linked_name(head: str, want: str) -> None:
    from tasks.extract.html import _link_delimited

    node = LexborHTMLParser(f"<html><body><div>{head}</div></body></html>").css_first("div")
    assert node is not None
    assert _link_delimited(node, set(), " ".join(node.text().split()).removesuffix(" Reply")) == want


@pytest.mark.parametrize(("text", "want"), [
    ("Jane Moderator dice: 12.03.2024 10:15\n\nBuckwheat", "Buckwheat"),  # the head line the markup left in
    ("Jane\n\n12.03.2024 10:15\n\nBuckwheat seeds", "Buckwheat seeds"),  # a bare name line, then its date
    ("Jane is right about this.\n\nMore words.", "Jane is right about this.\n\nMore words."),  # a sentence stays
    ("Jane Doe and I went there last summer with friends\n\nMore.", "Jane Doe and I went there last summer with "
     "friends\n\nMore."),  # more than a badge after the name
    ("Jane", "Jane"),  # nothing would be left
])
def test_a_head_line_left_in_the_text_is_cut(text: str, want: str) -> None:
    from tasks.extract.html import _without_head_lines

    assert _without_head_lines(text, "Jane") == want
    assert _without_head_lines(text, None) == text


def test_a_date_on_a_blocks_last_line_is_its_foot() -> None:
    """A name line, a control, the text, then a date line with controls: the name line names the comment, not
    the short text line above the date (read as a signature)."""
    from tasks.extract.html import _head_block

    block = _head_block(["Pauliina", "Follow", "yeah, switch!:)", "November 12, 2012 18:06 Reply Flag"],
                        "November 12, 2012 18:06", None)
    assert block is not None and block.author == "Pauliina" and block.lines == ["Follow", "yeah, switch!:)"]
    assert _head_block(["Jane", "12.03.2024"], None, None) is None  # no text: no comment


def test_a_name_under_the_text_heads_no_block() -> None:
    """The text, a signature name, a link, and the date from a ``<time>``: the name signs the text above it; it
    is no head, and the text is not cut to the link under it."""
    from tasks.extract.html import _head_block

    lines = ["LOVE the flannel! This is an awesome DIY for the winter weather! :)", "xx Emily",
             "http://outintosparks.example.org"]
    assert _head_block(lines, "November 17, 2014 at 3:10 PM", None) is None
    block = _head_block(["Emily V", *lines], "November 17, 2014 at 3:10 PM", None)
    assert block is not None and block.author == "Emily V" and block.lines == lines
    short = ["Great post!", "xx Emily", "http://outintosparks.example.org"]
    assert _head_block(short, "November 17, 2014 at 3:10 PM", None) is None
    # a control or a number above the name is no text: the name still heads the comment
    for above in ("Reply", "12."):
        block = _head_block([above, "Emily V", *lines], "November 17, 2014 at 3:10 PM", None)
        assert block is not None and block.author == "Emily V" and block.lines == lines


def test_a_name_cell_names_a_comment_element() -> None:
    """A known comment element whose post is a table row: the name cell beside the text cell names it, where
    nothing else does; a cell that is the text itself names nothing."""
    items = "".join(f"<li class='comment' id='comment-{k}'><table><tr><td>{n}<br>Posts: 12</td><td><p>{t}</p>"
                    f"</td></tr></table></li>" for k, (n, t, _) in enumerate(PEOPLE))
    html = ARTICLE + f"<ol class='commentlist'>{items}</ol></body></html>"
    assert [(a, t) for a, t, _ in _found(html)] == [(n, t) for n, t, _ in PEOPLE]
    from tasks.extract.html import _name_cell

    row = LexborHTMLParser("<div><table><tr><td>A long text cell that says a lot more.</td><td>Hi</td></tr></table>"
                           "</div>").css_first("div")
    assert row is not None and _name_cell(row, set()) is None
    named = LexborHTMLParser(f"<div><table><tr><td>Jo</td><td>{PEOPLE[0][1]}</td></tr></table></div>").css_first("div")
    assert named is not None and (found := _name_cell(named, set())) is not None and found[0] == "Jo"


@pytest.mark.parametrize("frame", ["<span>says:</span>",
                                   "on <time>August 22, 2012 at 6:29 pm</time> <span>said:</span>"])
def test_the_name_on_its_own_line_over_its_frame(frame: str) -> None:
    """The name alone in a classless element, its "says:" (or "on DATE said:") on the next line: the name
    line names the comment, not the comment's number above it nor the "on"."""
    items = "".join(f"<li class='comment' id='comment-{k}'><div>{k + 1}</div><div><div><span class='x{k}'>{n}</span>"
                    f"</div> {frame}</div><div class='comment-content'><p>{t}</p></div></li>"
                    for k, (n, t, _) in enumerate(PEOPLE))
    page = extract_page(ARTICLE + f"<ol class='commentlist'>{items}</ol></body></html>", use_trafilatura=False)
    assert page is not None
    assert [c["author"] for c in page.comments] == [n for n, _, _ in PEOPLE]


def test_a_comment_number_over_a_lone_says_line_is_no_name() -> None:
    """The name in a ``<dt>`` before a ``<dd>`` comment whose head is its number and "says:": the number is not
    read as the name above the says line."""
    items = "".join(f"<dt>{n}</dt><dd class='comment' id='comment-{k}'><div>{k + 1}</div><div><span>says:</span>"
                    f"</div><div class='comment-content'><p>{t}</p></div></dd>" for k, (n, t, _) in enumerate(PEOPLE))
    page = extract_page(ARTICLE + f"<ol class='commentlist'>{items}</ol></body></html>", use_trafilatura=False)
    assert page is not None
    assert [c["author"] for c in page.comments] == [n for n, _, _ in PEOPLE]


@pytest.mark.parametrize(("head", "want"), [
    ("<a href='/u/1'>Jane Doe</a> <span>replied to <a href='#c2'>Bo</a></span>", "Jane Doe"),
    ("<a href='/u/1'>Jane Doe</a> <span>in reply to <a href='#c2'>Bo Li</a></span>", "Jane Doe"),
    ("<a href='/u/1'>Jane Doe</a> <span>→ <a href='#comment-2'>Bo</a></span>", "Jane Doe"),
    ("<a href='/u/1'>Jane Doe</a> @<a href='#c2'>Bo</a>", "Jane Doe"),
    # not a frame before the name of the comment answered: more words, or the link leaves the page
    ("<a href='/u/1'>Jane Doe</a> <span>told a long story to <a href='#c2'>Bo</a></span>",
     "Jane Doe told a long story to Bo"),
    ("<a href='/u/1'>Jane Doe</a> <span>replied to <a href='/u/2'>Bo</a></span>", "Jane Doe replied to Bo"),
])
def test_the_name_of_the_comment_answered_is_not_the_author(head: str, want: str) -> None:
    from tasks.extract.html import _link_delimited

    node = LexborHTMLParser(f"<html><body><div>{head}</div></body></html>").css_first("div")
    assert node is not None
    assert _link_delimited(node, set(), " ".join(node.text().split())) == want


def test_a_letter_avatar_over_the_name_heads_no_block() -> None:
    """A letter avatar's initials over the name line: the name heads the comment, not its initials; a short
    capitalised line that is not the name's initials stays the author."""
    from tasks.extract.html import _head_block

    lines = ["November 5, 2012", "DG", "Dan Garner · 3 hours ago", "I too need to sharpen my focus, every day."]
    block = _head_block(lines, None, None)
    assert block is not None and block.author == "Dan Garner"
    block = _head_block(["November 5, 2012", "JD", "Too expensive for what it gives us, I think.", "More."],
                        None, None)
    assert block is not None and block.author == "JD"


DRUPAL_ITEM = ("<article class='js-comment' id='comment-{k}'><footer><article typeof='schema:Person' "
               "about='/user/{k}'><img src='/p{k}.png' alt='Profile picture for user {name}'></article>"
               "<p><span property='schema:name' typeof='schema:Person'>{name}</span></p><p>{date}</p>"
               "<p><a href='/comment/{k}#comment-{k}' title='Link to comment'>Permalink</a></p></footer>"
               "<div class='field--name-comment-body'><p>{text}</p></div></article>")


def test_drupal_rdfa_names_the_author() -> None:
    """Drupal's comment head: the RDFa person's name, not the avatar's "Profile picture for user NAME"."""
    items = "".join(DRUPAL_ITEM.format(k=k, name=n, text=t, date=d) for k, (n, t, d) in enumerate(PEOPLE))
    html = ARTICLE + f"<section class='comments'><h2>Comments</h2>{items}</section></body></html>"
    assert [(a, t) for a, t, _ in _found(html)] == [(n, t) for n, t, _ in PEOPLE]
    avatar_only = html.replace("property='schema:name'", "")
    assert [a for a, _, _ in _found(avatar_only)] == [n for n, _, _ in PEOPLE]  # the alt less its words


def test_a_permalinks_title_is_no_name() -> None:
    """A permalink showing the date with a ``title`` ("Link to comment") beside a name in a plain span: the
    span's line names the comment, not the link's title."""
    items = "".join(f"<div class='comment' id='comment-{k}'><footer><div><span>{n}</span></div>"
                    f"<a href='#comment-{k}' title='Link to comment'><time datetime='2012-11-10'>{d}</time></a>"
                    f"</footer><div class='comment-content'><p>{t}</p></div></div>"
                    for k, (n, t, d) in enumerate(PEOPLE))
    html = ARTICLE + f"<div id='comments'>{items}</div></body></html>"
    assert [a for a, _, _ in _found(html)] == [n for n, _, _ in PEOPLE]


def test_a_labelled_head_line_is_no_part_of_the_text() -> None:
    """phpBB's head line, "by NAME » DATE", with the name in bold: the name is the author, the line is not the
    comment's text; a sentence that holds the bold name is the text."""
    items = "".join(f"<li class='comment' id='comment-{k}'><p>by <strong><a href='./memberlist.php?u={k}'>{n}</a>"
                    f"</strong> » Tue Mar 12, 2024 10:15 am</p><p>{t}</p></li>" for k, (n, t, _) in enumerate(PEOPLE))
    html = ARTICLE + f"<ol class='commentlist'>{items}</ol></body></html>"
    assert [(a, t) for a, t, _ in _found(html)] == [(n, t) for n, t, _ in PEOPLE]
    said = "".join(f"<li class='comment' id='comment-{k}'><p>I agree with <strong>{n}</strong> about it</p>"
                   f"<p>{t}</p></li>" for k, (n, t, _) in enumerate(PEOPLE))
    html = ARTICLE + f"<ol class='commentlist'>{said}</ol></body></html>"
    assert all(t.startswith("I agree with") for _, t, _ in _found(html))
