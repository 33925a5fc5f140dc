"""Comment threads and authors read from markup whose class and id names are unknown (issue 17).

Every page here names its classes with meaningless tokens (as ``corpus eval --scramble classes`` does), so
only structure, dates, microdata and text can find the thread.
"""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from flows.scramble import scramble_html
from tasks.extract.html import _collect_comments, _tail_name, extract_page, name_shaped

ARTICLE = (
    "<html><body><article class='k1'><h1 class='k2'>A headline for the page</h1>"
    + "<p>" + "The article body is long enough to be the article body of this page. " * 4 + "</p>"
    + "<p>" + "A second paragraph of the article says more about the topic at hand. " * 3 + "</p></article>"
)
FORM = "<form class='k9'><textarea name='t'></textarea><button>Send</button></form>"


def _comment(name: str, date: str, text: str, *, control: str = "Svara", replies: str = "") -> str:
    return (f"<li class='k3'><div class='k4'><b>{name}</b></div><div class='k5'>{date}</div>"
            f"<div class='k6'><p>{text}</p></div><a class='k7' href='#'>{control}</a>{replies}</li>")


def _page(items: str, *, form: bool = True, tag: str = "ol") -> str:
    return ARTICLE + f"<section class='k8'><{tag} class='k10'>{items}</{tag}>" + (FORM if form else "") + \
        "</section></body></html>"


def _found(html: str) -> list[tuple[str | None, str, int | None]]:
    return [(c.author, c.text, c.parent) for c in _collect_comments(LexborHTMLParser(html), max_nodes=100_000)]


THREAD = _page(
    _comment("Ana", "12.03.2021 14:05", "Ich finde den Beitrag sehr gut.",
             replies="<ul class='k11'>" + _comment("7", "12.03.2021 15:00", "Danke dir!") + "</ul>")
    + _comment("Jürgen K.", "13.03.2021 09:12", "Wo kann man das nachlesen?")
    + _comment("x", "14.03.2021 10:00", "Kurz und gut.")
)


def test_thread_found_by_structure() -> None:
    """Issue 17: sibling blocks with a name line, a date and text make a thread without known class names."""
    assert _found(THREAD) == [
        ("Ana", "Ich finde den Beitrag sehr gut.", None),
        ("7", "Danke dir!", 0),  # a reply: inside its parent, numeric name kept
        ("Jürgen K.", "Wo kann man das nachlesen?", None),
        ("x", "Kurz und gut.", None),  # a one-character name kept
    ]


def test_thread_found_on_a_scrambled_wordpress_page() -> None:
    """Issue 17: WordPress comment markup with its class and id names scrambled still gives the thread."""
    items = "".join(
        f"<li class='comment even depth-1' id='comment-{i}'><article class='comment-body'>"
        f"<footer class='comment-meta'><div class='comment-author vcard'><b class='fn'>{name}</b> "
        f"<span class='says'>says:</span></div><div class='comment-metadata'><a href='#comment-{i}'>"
        f"<time datetime='2020-05-0{i}T10:00:00+00:00'>May {i}, 2020 at 10:00 am</time></a></div></footer>"
        f"<div class='comment-content'><p>{text}</p></div><div class='reply'><a>Reply</a></div></article></li>"
        for i, (name, text) in enumerate([("Jane Doe", "Great piece, thank you."), ("bob", "I disagree.")], 1))
    html = ARTICLE + f"<div id='comments'><ol class='comment-list'>{items}</ol>{FORM}</div></body></html>"
    plain = _found(html)
    assert plain == _found(scramble_html(html.encode()).decode())
    assert [(a, t) for a, t, _ in plain] == [("Jane Doe", "Great piece, thank you."), ("bob", "I disagree.")]


def test_extract_page_gives_structural_comments() -> None:
    page = extract_page(THREAD, use_trafilatura=False)
    assert page is not None and page.comment_section
    assert [c["author"] for c in page.comments] == ["Ana", "7", "Jürgen K.", "x"]
    assert page.comments[1]["parent_position"] == 0
    assert page.comments[0]["posted_at_text"] == "12.03.2021 14:05"
    assert "Danke dir" not in page.body


def test_repeated_control_line_is_left_out_in_any_language() -> None:
    """A short line that ends most comments ("Svara") is the widget's control, whatever its language."""
    assert all("Svara" not in text for _, text, _ in _found(THREAD))


def test_signature_line_after_the_text() -> None:
    """Issue 17: "Posted by: NAME | DATE" after the text gives the author (typepad-style threads)."""
    items = "".join(
        f"<div class='k3'><div class='k6'><p>{text}</p></div><p class='k5'>Posted by: {name} | "
        f"Thursday, April 5, 2012 at 10:1{i} AM</p></div>"
        for i, (name, text) in enumerate([("Janet", "Lovely story."), ("Tom from Detroit", "Merci!")]))
    html = ARTICLE + f"<div class='k8'>{items}</div>{FORM}</body></html>"
    assert _found(html) == [("Janet", "Lovely story.", None), ("Tom from Detroit", "Merci!", None)]


@pytest.mark.parametrize(("line", "name"), [
    ("Posted by: Jane | May 1, 2012 at 3:22 PM", "Jane"),
    ("Posted by: Jane | Thursday, April 5, 2012", "Jane"),
    ("Thursday, April 5, 2012 at 10:00", None),  # a weekday is not a name
    ("Posted by: Mike Volpe - CMO @ Acme | http://example.org/ | May 1, 2012", "Mike Volpe - CMO @ Acme"),
    ("Tobias Raff 11. Dezember 2012 um 22:10", "Tobias Raff"),
    ("May 1, 2012", None),
])
def test_tail_name(line: str, name: str | None) -> None:
    assert _tail_name(line) == name


@pytest.mark.parametrize(("text", "ok"), [
    ("Jane Doe", True), ("7", True), ("x", True), ("Anna K.", True), ("mike...", True), ("山田太郎", True),
    ("This is a sentence.", False), ("May 1, 2012", False), ("12.03.2021", False), ("Reply", False),
    ("one two three four five six seven", False), ("", False), ("---", False),
    ("How did you do that? AWESOME", False), ("Wow! Great", False),
])
def test_name_shaped(text: str, ok: bool) -> None:
    assert name_shaped(text) is ok


def test_teaser_list_is_not_a_thread() -> None:
    """Issue 17: related-story teasers (a linked headline, a date, an excerpt) are not comments."""
    items = "".join(
        f"<li class='k3'><span class='k4'>Sport</span><span class='k5'>May {i}, 2019</span>"
        f"<a href='/story-{i}'>Story number {i} in the list</a><p>An excerpt of the story {i}.</p></li>"
        for i in range(1, 5))
    assert _found(_page(items)) == []


def test_label_on_every_block_is_not_a_thread() -> None:
    """A run where one "name" heads most blocks is a labelled list."""
    items = "".join(_comment("Sport", f"{i}.03.2021 10:00", f"Text of item {i} here.") for i in range(1, 6))
    assert _found(_page(items)) == []


def test_dated_list_is_not_a_comment() -> None:
    items = "".join(
        "<div class='k3'>" + "".join(f"<p>Story {j}</p><p>1/1{j} 19:4{j}</p>" for j in range(4)) + "</div>"
        for _ in range(3))
    html = ARTICLE + f"<div class='k8'>{items}</div>{FORM}</body></html>"
    assert _found(html) == []


def test_page_parts_are_not_comments() -> None:
    items = "".join(f"<div class='k3'><h2>Part {i}</h2><p>Jane</p><p>May {i}, 2020</p><p>Some text.</p></div>"
                    for i in range(1, 4))
    assert _found(ARTICLE + f"<div>{items}</div>{FORM}</body></html>") == []


def test_without_form_or_controls_no_thread() -> None:
    """A thread shows where readers write: a comment form on the page, or controls on its blocks."""
    items = "".join(f"<li class='k3'><b>{n}</b><span>May {i}, 2020</span><p>{text}</p></li>"
                    for i, (n, text) in enumerate([("Ana", "Good."), ("Ben", "Not sure."), ("Cy", "Why?")], 1))
    assert _found(_page(items, form=False)) == []
    assert len(_found(_page(items, form=True))) == 3


def test_a_form_far_from_the_run_makes_no_thread() -> None:
    """A comment form shows where a thread is only for a run just before or after it: name-and-date blocks
    (embedded posts, a live ticker) with the rest of a long article between them and the form are no thread."""
    items = "".join(f"<li class='k3'><b>{n}</b><span>May {i}, 2020</span><p>{text}</p></li>"
                    for i, (n, text) in enumerate([("Ana", "Good."), ("Ben", "Not sure."), ("Cy", "Why?")], 1))
    rest = "<p>" + "More of the article, a long paragraph that goes on about the topic of the page. " * 30 + "</p>"
    far = ARTICLE + f"<div class='k12'><ol class='k10'>{items}</ol>{rest}</div>{FORM}</body></html>"
    assert _found(far) == []
    near = ARTICLE + f"<div class='k12'>{rest}<ol class='k10'>{items}</ol></div>{FORM}</body></html>"
    assert len(_found(near)) == 3
    form_first = ARTICLE + f"<div class='k12'>{rest}{FORM}<ol class='k10'>{items}</ol></div></body></html>"
    assert len(_found(form_first)) == 3


def test_known_comment_without_known_author_element() -> None:
    """Issue 17: a comment the selectors know whose name sits in an element they do not: its name line."""
    items = "".join(f"<li class='comment'><strong>{n}</strong><span>May {i}, 2020</span><p>Text {i} here.</p></li>"
                    for i, n in enumerate(["Ana Lima", "9"], 1))
    assert [a for a, _, _ in _found(_page(items))] == ["Ana Lima", "9"]


def _headed(head: str, date: str, text: str) -> str:
    return (f"<li class='k3'><div class='k4'>{head}</div><div class='k5'>{date}</div>"
            f"<div class='k6'><p>{text}</p></div><a class='k7' href='#'>Reply</a></li>")


@pytest.mark.parametrize(("head", "names"), [
    # the avatar's initials stand on the name line: the avatar's alt names the author
    ("<img src='/a.png' alt='{name}'><span>{initials}</span>", ["Anna Berg", "Tom Rao"]),
    # a role after the name on the same line: the cite holds the name alone
    ("<cite>{name}</cite> <span>Top contributor</span>", ["Anna Berg", "Tom Rao"]),
    # a bold name with a role beside it on the header line
    ("<b>{name}</b> <span>Stammleser</span>", ["Anna Berg", "Lee"]),
    # schema.org microdata
    ("<span itemprop='author'><span itemprop='name'>{name}</span></span> <span>Gold member</span>",
     ["Anna Berg", "x"]),
])
def test_structural_comments_share_the_head_evidence(head: str, names: list[str]) -> None:
    """Issue 17: a thread found by its structure reads its authors with the markup finder's head evidence
    (one author step): the name alone, not the name line's initials, role or badge."""
    items = "".join(_headed(head.format(name=name, initials="".join(w[0] for w in name.split())),
                            f"1{k}.03.2021 14:05", f"Comment number {k} about the topic, in full.")
                    for k, name in enumerate(names, start=1))
    assert [a for a, _, _ in _found(_page(items))] == names


def test_structural_name_line_kept_against_weak_evidence_in_the_text() -> None:
    """A bold word or a link in a structural comment's text is not its author: the name line stays."""
    items = "".join(_headed(name, f"1{k}.03.2021 14:05", f"<b>Wichtig</b>: comment {k} with a <a href='/x'>link</a>.")
                    for k, name in enumerate(["Anna Berg", "Tom"], start=1))
    assert [a for a, _, _ in _found(_page(items))] == ["Anna Berg", "Tom"]
