"""HTML pages: article and comment extraction from markup (issue 4); the rendering is tested in
tests/unit/ingest/test_render.py."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from schemas.validate import polars_schema
from tasks.ingest.render import html_to_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "html"
PAGES = sorted(p.name.removesuffix(".html.gz") for p in FIXTURES.glob("*.html.gz"))


def _html(name: str) -> str:
    return gzip.decompress((FIXTURES / f"{name}.html.gz").read_bytes()).decode("utf-8")


def _truth(name: str) -> dict[str, object]:
    return json.loads((FIXTURES / f"{name}.truth.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------------
# Article and comments from markup
# --------------------------------------------------------------------------------------------------

import polars as pl  # noqa: E402 -- grouped with the extraction tests

from schemas.parsed import PARSED_ARTICLES, PARSED_COMMENTS  # noqa: E402
from schemas.validate import conform  # noqa: E402
from tasks.extract.html import extract_from_html, extract_page  # noqa: E402
from tasks.reports.parse_scores import score_page  # noqa: E402


def _frame(**pages: str | None) -> pl.DataFrame:
    return pl.DataFrame({"page_id": list(pages), "html": list(pages.values())},
                        schema={"page_id": pl.String, "html": pl.String})


@pytest.mark.parametrize("name", PAGES)
def test_extract_golden_pages(name: str) -> None:
    """Issue 4: golden dev pages: body, comment split and authors from the markup."""
    truth = _truth(name)
    articles, comments = extract_from_html(_frame(**{name: _html(name)}))
    conform(articles, PARSED_ARTICLES)
    conform(comments, PARSED_COMMENTS)
    assert articles.height == 1
    got = [(r["author"], r["text"]) for r in comments.sort("position").iter_rows(named=True)]
    want = [(c["author"], c["text"]) for c in truth["comments"]]  # type: ignore[union-attr]
    score = score_page(title=articles["title"][0], body=articles["body"][0], comments=got,
                       true_title=truth["title"], true_body=truth["body"], true_comments=want)  # type: ignore[arg-type]
    assert score["body_f1"] >= 0.9
    assert score["title_ok"]
    assert score["n_pred_comments"] == score["n_true_comments"]
    assert score["n_matched"] == score["n_true_comments"]
    assert score["n_author_ok"] == score["n_true_comments"]
    assert not score["spurious"]


def test_golden_page_dates_and_replies() -> None:
    """Issue 4: dates as written and parsed, and reply structure, on a WordPress page."""
    _, comments = extract_from_html(_frame(page=_html("getelastic-com-dragnetr1000")))
    rows = comments.sort("position").to_dicts()
    assert rows[0]["posted_at_text"] == "November 12, 2012 at 5:49 am"
    assert rows[0]["posted_at"] == datetime(2012, 11, 12, 5, 49, tzinfo=UTC)
    assert rows[0]["parent_position"] is None
    # the third comment answers the second (nested in its ul.children)
    assert [r["parent_position"] for r in rows] == [None, None, 1, None]


WP_THREAD = """<html><head><title>Post | Blog</title></head><body>
<article><h1 class="entry-title">A post about things</h1>
<div class="entry-content"><p>{body}</p><p>Second paragraph of the article, long enough to count.</p>
<div class="sharedaddy">Share this: Twitter Facebook</div></div></article>
<div id="comments" class="comments-area"><h2 class="comments-title">3 thoughts on “A post”</h2>
<ol class="comment-list">
 <li id="comment-1" class="comment depth-1 parent"><article id="div-comment-1" class="comment-body">
  <footer class="comment-meta"><div class="comment-author vcard"><img class="avatar" src="a.png">
   <b class="fn"><a href="http://x.example">Anna</a></b> <span class="says">says:</span></div>
   <div class="comment-metadata"><a href="#comment-1"><time datetime="2021-03-04T05:06:07+01:00">
   March 4, 2021 at 5:06 am</time></a></div></footer>
  <div class="comment-content"><p>First line of Anna.</p><p>Second line of Anna.</p></div>
  <div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></article>
  <ol class="children"><li id="comment-2" class="comment depth-2"><article id="div-comment-2" class="comment-body">
   <footer class="comment-meta"><div class="comment-author vcard">
<b class="fn">Ben</b> <span class="says">says:</span>
   </div><div class="comment-metadata"><time datetime="2021-03-05T00:00:00+00:00">March 5, 2021</time></div></footer>
   <div class="comment-content"><p>Ben answers Anna.</p></div>
   <div class="reply"><a class="comment-reply-link" href="#">Reply</a></div></article></li></ol>
 </li>
 <li id="comment-3" class="pingback"><p>Pingback: <a href="http://y.example">Some other blog</a></p></li>
 <li id="comment-4" class="comment depth-1"><article id="div-comment-4" class="comment-body">
  <footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Cleo</b></div>
  <div class="comment-metadata"><a href="#comment-4">5. März 2021 um 10:15</a></div></footer>
  <div class="comment-content"><p>Cleo writes in German: Hallo!</p></div></article></li>
</ol><div id="respond"><form><textarea></textarea><label>Name *</label></form></div></div>
</body></html>"""

BODY = ("This is the first paragraph of the article, and it is long enough to be taken for the body "
        "of a real post with several sentences in it. It goes on for a while so that it counts.")


def test_wordpress_thread() -> None:
    articles, comments = extract_from_html(_frame(p=WP_THREAD.format(body=BODY)))
    art = articles.row(0, named=True)
    assert art["title"] == "A post about things"
    assert art["body"] == BODY + "\n\nSecond paragraph of the article, long enough to count."
    assert art["n_comments_stated"] == 3
    assert art["stripped_by_rule"] == [{"rule": "html_markup", "n_lines": 0}]
    rows = comments.sort("position").to_dicts()
    assert [(r["author"], r["text"], r["parent_position"]) for r in rows] == [
        ("Anna", "First line of Anna.\n\nSecond line of Anna.", None),
        ("Ben", "Ben answers Anna.", 0),
        ("Cleo", "Cleo writes in German: Hallo!", None),
    ]
    assert rows[0]["posted_at"] == datetime(2021, 3, 4, 4, 6, 7, tzinfo=UTC)
    assert rows[0]["posted_at_text"] == "March 4, 2021 at 5:06 am"
    assert rows[2]["posted_at_text"] == "5. März 2021 um 10:15"
    assert rows[2]["posted_at"] == datetime(2021, 3, 5, 10, 15, tzinfo=UTC)


WPDISCUZ = """<html><body><h1>Title of the story here</h1><div class="entry-content"><p>{body}</p></div>
<div id="comments"><div id="wpdcom" class="wpdiscuz_unauth"><div class="wpd-thread-list">
 <div id="wpd-comm-11_0" class="comment even thread-even depth-1 wpd-comment wpd_comment_level-1">
  <div class="wpd-comment-wrap wpd-blog-guest">
  <div class="wpd-comment-left"><div class="wpd-avatar"><img src="x"></div></div>
  <div id="comment-11" class="wpd-comment-right"><div class="wpd-comment-header">
   <div class="wpd-comment-author">RichardD</div>
   <div class="wpd-comment-date" title="27/06/2018 8:41 am">2 years ago</div></div>
   <div class="wpd-comment-text"><p>Turkey will do what it wants.</p></div>
   <div class="wpd-comment-footer"><div class="wpd-vote"><div class="wpd-vote-result">12</div></div>
   <div class="wpd-reply-button"><span>Reply</span></div></div></div></div>
  <div id="wpd-comm-12_11" class="comment odd alt depth-2 wpd-comment wpd-reply wpd_comment_level-2">
   <div class="wpd-comment-wrap wpd-blog-guest"><div id="comment-12" class="wpd-comment-right">
    <div class="wpd-comment-header"><div class="wpd-comment-author">Zionism = EVIL</div>
    <div class="wpd-comment-date" title="27/06/2018 9:02 am">2 years ago</div></div>
    <div class="wpd-comment-text"><p>Agreed.</p><p>Fully.</p></div>
    <div class="wpd-comment-footer"><div class="wpd-reply-button"><span>Reply</span></div></div></div></div></div>
 </div></div></div></div></body></html>"""


def test_wpdiscuz_thread() -> None:
    _, comments = extract_from_html(_frame(p=WPDISCUZ.format(body=BODY)))
    rows = comments.sort("position").to_dicts()
    assert [(r["author"], r["text"], r["parent_position"]) for r in rows] == [
        ("RichardD", "Turkey will do what it wants.", None),
        ("Zionism = EVIL", "Agreed.\n\nFully.", 0),
    ]
    assert rows[0]["posted_at_text"] == "2 years ago"
    assert rows[0]["posted_at"] == datetime(2018, 6, 27, 8, 41, tzinfo=UTC)


SPIP = """<html><body><h1 class="crayon article-titre">Un article de SPIP</h1>
<div class="texte"><p>{body}</p><p>{body}</p></div>
<div class="comments"><h2>2 messages</h2><ul class="comments-items">
 <li class="comment-item odd first"><div class="comment hentry" id="forum101">
  <div class="comment-meta"><a href="#forum101" class="permalink">#</a>
   <span class="date">le <abbr class="published" title="2013-03-12T10:33:00Z">12 mars 2013 à 10:33</abbr></span>,
   par <span class="vcard author"><strong class="fn">Jeanne</strong></span></div>
  <div class="comment-content"><div class="forum-texte"><p>Très bon article.</p></div></div></div>
  <ul class="comments-items"><li class="comment-item"><div class="comment hentry" id="forum102">
   <div class="comment-meta"><span class="date">le 13 mars 2013 à 08:00</span>,
   par <span class="vcard author"><strong class="fn">Paul</strong></span></div>
   <div class="comment-content"><div class="forum-texte"><p>Je suis d'accord.</p></div></div></div></li></ul>
 </li></ul></div></body></html>"""


def test_spip_forum() -> None:
    _, comments = extract_from_html(_frame(p=SPIP.format(body=BODY)))
    rows = comments.sort("position").to_dicts()
    assert [(r["author"], r["text"], r["parent_position"]) for r in rows] == [
        ("Jeanne", "Très bon article.", None),
        ("Paul", "Je suis d'accord.", 0),
    ]
    assert rows[1]["posted_at"] == datetime(2013, 3, 13, 8, 0, tzinfo=UTC)


def test_pages_without_usable_markup_are_absent() -> None:
    """Issue 4: pages the markup path cannot handle are left to the text path."""
    unparsed = ("<html><body><h1>T</h1><div class='entry-content'><p>" + BODY + "</p></div>"
                "<div id='comments'><h3>12 Comments</h3><div class='x'><span>Someone</span>"
                "<p>An unusual comment markup.</p></div></div></body></html>")
    articles, comments = extract_from_html(_frame(
        none=None, empty="", short="<p>Too short.</p>", unparsed=unparsed,
        big=WP_THREAD.format(body=BODY * 400),
    ), max_html_bytes=50_000)
    assert articles.height == 0
    assert comments.height == 0
    assert extract_page(WP_THREAD.format(body=BODY), max_nodes=20) is None


def test_article_without_comments() -> None:
    second = BODY.replace("first", "second")  # trafilatura keeps one of two equal paragraphs
    html = f"<html><body><main><h1>Headline of it</h1><p>{BODY}</p><p>{second}</p></main></body></html>"
    articles, comments = extract_from_html(_frame(a=html))
    assert articles["body"].to_list() == [f"{BODY}\n\n{second}"]
    assert articles["title"].to_list() == ["Headline of it"]
    assert comments.height == 0


def test_extract_empty_frame() -> None:
    articles, comments = extract_from_html(_frame())
    assert articles.schema == polars_schema(PARSED_ARTICLES)
    assert comments.schema == polars_schema(PARSED_COMMENTS)


def test_deeply_nested_markup_is_not_parsed() -> None:
    """Issue 4: the HTML5 parser is quadratic in nesting depth, so very deep pages are refused up front."""
    from tasks.ingest.render import check_markup

    soup = "<div>" * 30_000 + "<p>x</p>"
    assert check_markup(soup) is not None
    assert check_markup(soup)[0] == "html_too_deep"  # type: ignore[index]
    assert extract_page(soup) is None
    assert check_markup("<div>" * 30 + "<p>x</p>") is None
    assert check_markup("<p>x</p>" * 10, max_html_bytes=20)[0] == "html_too_large"  # type: ignore[index]


def test_deep_comment_threads_are_left_to_the_text_path() -> None:
    item = ('<li id="comment-{i}" class="comment"><div class="comment-author"><b class="fn">U{i}</b></div>'
            '<time datetime="2021-03-04T05:06:07Z">March 4, 2021</time>'
            '<div class="comment-content"><p>Reply number {i}.</p></div><ol class="children">')
    html = (f"<h1 class='entry-title'>T</h1><div class='entry-content'><p>{BODY}</p></div><ol class='comment-list'>"
            + "".join(item.format(i=i) for i in range(100)) + "</ol></li>" * 100 + "</ol>")
    deep = extract_page(html)  # the body is still read from markup; title and comments are the text path's
    assert deep is not None
    assert not deep.complete
    assert deep.comments == []
    assert deep.body.startswith(BODY[:40])
    shallow = (f"<h1 class='entry-title'>T</h1><div class='entry-content'><p>{BODY}</p></div><ol class='comment-list'>"
               + "".join(item.format(i=i) for i in range(5)) + "</ol></li>" * 5 + "</ol>")
    page = extract_page(shallow)
    assert page is not None
    assert [c["parent_position"] for c in page.comments] == [None, 0, 1, 2, 3]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "<div>", "</div>", "<p>", "</p>", "<li class='comment'>", "</li>", "<ol class='children'>", "<br>",
    "<b class='fn'>", "</b>", "<time datetime='2020-01-01'>", "</time>", "<table><tr><td>", "<script>",
    "<div class='comment-content'>", "<h1>", "</h1>", "text ", "Jan 5, 2020 ", "\u00a0", "<!--", "-->", "&amp;",
    "<pre>", "</pre>", "<div hidden>", "<article id='comment-3'>", "</article>", "\x00", "<",
]), max_size=80))
def test_random_markup_never_raises(parts: list[str]) -> None:
    """Issue 4: malformed markup never raises in rendering or extraction."""
    html = "".join(parts)
    assert isinstance(html_to_text(html), str)
    articles, comments = extract_from_html(_frame(p=html))
    assert articles.height <= 1
    assert comments["page_id"].is_in(articles["page_id"]).all()


# Other common comment markup: Blogger (nested replies) and Drupal (replies in a sibling "indented" block).
BLOGGER = """<html><body><div class="post hentry"><h3 class="post-title entry-title">Blog title</h3>
<div class="post-body entry-content"><p>{body}</p></div></div>
<div class="comments" id="comments"><h4>2 comments:</h4><div class="comments-content"><div class="comment-thread">
<ol><li class="comment" id="c111"><div class="avatar-image-container"><img src="x"></div>
<div class="comment-block"><div class="comment-header"><cite class="user"><a href="p">Maria K.</a></cite>
<span class="icon user"></span><span class="datetime secondary-text">
<a rel="nofollow" href="#c111">5 March 2020 at 10:02</a></span></div>
<p class="comment-content">Lovely post!<br>Thanks.</p><span class="comment-actions secondary-text">
<a class="comment-reply">Reply</a><a>Delete</a></span></div>
<div class="comment-replies"><div class="comment-thread inline-thread"><span class="thread-toggle">Replies</span>
<div class="comment-thread"><ol>
<li class="comment" id="c112"><div class="comment-block"><div class="comment-header"><cite class="user blog-author">
<a>Blog Owner</a></cite>
<span class="datetime secondary-text"><a href="#c112">6 March 2020 at 08:00</a></span></div>
<p class="comment-content">Thank you Maria.</p>
<span class="comment-actions secondary-text"><a>Delete</a></span></div></li></ol></div></div></div></li></ol></div>
</div></div></body></html>"""

DRUPAL = """<html><body><h1 class="page-title">Drupal title here</h1><div class="node"><div class="content">
<div class="field-name-body"><p>{body}</p></div></div></div>
<div id="comments" class="comment-wrapper"><h2 class="title">Comments</h2>
<a id="comment-5"></a><div class="comment comment-by-anonymous clearfix"><div class="attribution">
<div class="comment-submitted">
<p class="commenter-name"><span class="username">Hans</span></p><p class="comment-time">Mon, 03/05/2012 - 10:00</p>
</div></div>
<div class="comment-text"><div class="content"><div class="field field-name-comment-body"><p>Erster Kommentar.</p>
</div></div>
<ul class="links inline"><li class="comment-reply"><a>reply</a></li></ul></div></div>
<div class="indented"><a id="comment-6"></a><div class="comment clearfix"><div class="attribution">
<div class="comment-submitted">
<p class="commenter-name"><span class="username">Eva</span></p><p class="comment-time">Tue, 03/06/2012 - 11:00</p>
</div></div>
<div class="comment-text"><div class="content"><div class="field field-name-comment-body"><p>Antwort an Hans.</p>
</div></div></div></div></div>
</div></body></html>"""


def test_blogger_and_drupal_comments() -> None:
    page = extract_page(BLOGGER.format(body=BODY))
    assert page is not None
    assert [(c["author"], c["text"], c["parent_position"]) for c in page.comments] == [
        ("Maria K.", "Lovely post!\n\nThanks.", None), ("Blog Owner", "Thank you Maria.", 0)]
    assert page.comments[0]["posted_at"] == datetime(2020, 3, 5, 10, 2, tzinfo=UTC)
    page = extract_page(DRUPAL.format(body=BODY))
    assert page is not None
    assert page.title == "Drupal title here"
    assert [(c["author"], c["text"], c["parent_position"]) for c in page.comments] == [
        ("Hans", "Erster Kommentar.", None), ("Eva", "Antwort an Hans.", 0)]
    assert page.comments[0]["posted_at_text"] == "03/05/2012 - 10:00"


AVATAR_THREAD = """<html><body><h1>A post about things</h1><div class="entry-content"><p>{body}</p></div>
<ul class="comments-list">{items}</ul></body></html>"""
AVATAR_ITEM = """<li class="comment" id="comment-{k}"><div class="image author-profile"><span>{initials}</span></div>
<span class="author">{name}</span><button>Copy link</button>
<time datetime="2023-04-29T11:14:10+02:00">29.04.2023, 11:14</time>
<div class="text"><p>{text}</p></div></li>"""


def test_avatar_initials_give_way_to_the_name() -> None:
    people = [("EM", "Elon Musk kommt nicht ins Berghain", "First remark on the story."),
              ("6G", "663534 (Profil gelöscht)", "Second remark on the story."),
              ("M", "Magnus_15", "Third remark on the story."),
              ("Q", "", "A remark by a reader whose only name is one letter.")]
    items = "".join(AVATAR_ITEM.format(k=k, initials=i, name=n, text=t) for k, (i, n, t) in enumerate(people))
    _, comments = extract_from_html(_frame(p=AVATAR_THREAD.format(body=BODY, items=items)))
    rows = comments.sort("position").to_dicts()
    assert [r["author"] for r in rows] == ["Elon Musk kommt nicht ins Berghain", "663534 (Profil gelöscht)",
                                           "Magnus_15", "Q"]
    assert [r["text"] for r in rows] == [t for _, _, t in people]  # the button's label is no comment text


PRINTED_THREAD = """<html><body><h1>A post about things</h1><div class="entry-content"><p>{body}</p></div>
<div {section}><p><b>Anna</b> March 4, 2021</p><p>A remark by Anna on the post.</p>
<p><b>Ben</b> March 5, 2021</p><p>A remark by Ben on the post.</p></div></body></html>"""


def test_comment_section_without_comment_markup_is_left_to_the_text_path() -> None:
    from tasks.extract.html import extract_html_pages

    pages = _frame(section=PRINTED_THREAD.format(body=BODY, section='id="comments"'),
                   plain=PRINTED_THREAD.format(body=BODY, section='class="box"'))
    articles, comments, partial, unread = extract_html_pages(pages)
    assert sorted(articles["page_id"].to_list()) == ["plain", "section"]
    assert comments.is_empty() and partial.is_empty()
    # only the page whose markup holds a comment section has its rendered text searched for comments
    assert unread["page_id"].to_list() == ["section"]


def test_pages_of_the_same_markup_are_read_once_with_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page fetched twice unchanged (or under a second URL) is read from its markup once; each copy gets
    the rows it gets when it is read alone."""
    from tasks.extract import html as html_module

    markup = WP_THREAD.format(body=BODY)
    alone = [frame.drop("page_id") for frame in html_module.extract_html_pages(_frame(a=markup))[:2]]
    calls: list[str] = []
    real = html_module.extract_page

    def counting(html: str, **kwargs: object) -> html_module.ExtractedPage | None:
        calls.append(html)
        return real(html, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(html_module, "extract_page", counting)
    other = PRINTED_THREAD.format(body=BODY, section='id="comments"')
    articles, comments, _, _ = html_module.extract_html_pages(_frame(a=markup, b=other, c=markup))
    assert calls == [markup, other]
    for page_id in ("a", "c"):
        assert articles.filter(pl.col("page_id") == page_id).drop("page_id").equals(alone[0])
        assert comments.filter(pl.col("page_id") == page_id).drop("page_id").equals(alone[1])
    assert comments.filter(pl.col("page_id") == "a").height == 3


HEAD_THREAD = """<html><head><title>Post | Blog</title></head><body>
<article><h1 class="entry-title">A post about trams</h1>
<div class="entry-content"><p>The council voted on Tuesday to extend the tram line to the northern districts.</p>
<p>Second paragraph of the article, long enough to count for the body of the page.</p></div></article>
<div id="comments"><ol class="comment-list">{items}</ol></div>
<form><textarea name="comment"></textarea></form></body></html>"""
HEAD_ITEM = """<li id="comment-{k}" class="comment"><div><div>{head}</div>
<div><a href="#comment-{k}">March {k}, 2021 at 5:06 am</a></div>
<p>Comment number {k} says something about the tram line and its cost.</p>
<div><a href="#" aria-label="Reply to {name}">Reply</a></div></div></li>"""


NAMES = ["Anna", "Ben K.", "7"]
"""Commenter names of the head-evidence cases: a numeric name among them."""
LETTER_NAMES = ["Anna", "Ben K.", "x"]
"""The same for forms that read a numeric string as an id or a number, not a name (a profile link's title,
a name beside a date, a data attribute)."""


@pytest.mark.parametrize(("head", "names"), [
    ("<cite>{name}</cite>", NAMES),
    ("<b>{name}</b> <span>says:</span>", NAMES),
    ('<a href="https://example.org/u/{k}" rel="external nofollow ugc">{name}</a>', NAMES),
    ('<span itemprop="author" itemscope><span itemprop="name">{name}</span></span>', NAMES),
    ('<img src="/a/{k}.png" alt="{name}">', NAMES),
    ('<img src="/a/{k}.png" alt="Avatar of {name}">', NAMES),
    ('<img src="/a.png" alt="Avatar"> <img src="/a/{k}.png" alt="{name}">', NAMES),
    ('<a href="/d/{k}">Delete</a> <p>{name} says:</p>', NAMES),
    ("<p>{name} schrieb:</p>", NAMES),
    ('<a href="/u/{k}" aria-label="{name}"><img src="/a.png" alt=""></a>', NAMES),
    ('<script type="application/ld+json">{{"@context": "https://schema.org", "@type": "Comment", '
     '"author": {{"@type": "Person", "name": "{name}"}}}}</script>', NAMES),
    ("<p>{name} a écrit :</p>", NAMES),
    ("<p>{name} escribió:</p>", NAMES),
    ("<p>{name} schreef:</p>", NAMES),
    ('<div class="x1"><span class="x2">{name}</span> <span class="x3">12.03.2021, 10:15</span></div>',
     NAMES),
    ('<a href="/profile/u{k}" title="@u{k}"><span>{name}</span></a>', LETTER_NAMES),
    ("<div>12.03.2021 {name}</div>", LETTER_NAMES),
    ("<div>12.03.2021, 10:15 | {name}</div>", LETTER_NAMES),
    ("<div>10. März 2021 um 12:13 Uhr {name}</div>", LETTER_NAMES),
    ('<div data-username="{name}"><img src="/a.png" alt=""></div>', LETTER_NAMES),
    ('<span data-author="{name}">{name}</span>', LETTER_NAMES),
    ('<header><strong>{name}</strong> <time datetime="2021-03-12">12 March 2021</time></header>',
     NAMES),
])
def test_comment_author_from_head_evidence_without_class_names(head: str, names: list[str]) -> None:
    """Issue 17: the author of a known comment item is read from its head whatever markup holds it, with no
    class name on the way (a cite, a bold name, a profile link, microdata, an avatar's alt, a "NAME
    schrieb:" line in several languages, a link's aria-label, a JSON-LD ``Comment``, a data attribute, a
    span beside the date, the name after the date, a strong in a header), not from a date link or a reply
    control's label; numeric and one-character names kept."""
    items = "".join(HEAD_ITEM.format(k=k, name=name, head=head.format(k=k, name=name))
                    for k, name in enumerate(names, start=1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == names


def test_comment_author_from_data_attribute_of_the_comment_and_not_a_number() -> None:
    """Issue 17: a ``data-author`` on the comment element names its author; a ``data-username`` of digits
    only is a user's number, not taken (the date line's name is)."""
    items = "".join(HEAD_ITEM.format(k=k, name=name, head="<img src='/a.png' alt=''>").replace(
        'class="comment"', f'class="comment" data-author="{name}"') for k, name in enumerate(["Anna", "Ben"], 1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == ["Anna", "Ben"]
    head = '<div data-username="4711">12.03.2021 {name}</div>'
    items = "".join(HEAD_ITEM.format(k=k, name=name, head=head.format(name=name))
                    for k, name in enumerate(["Anna", "Ben"], 1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == ["Anna", "Ben"]


def test_date_line_name_does_not_replace_an_author_element() -> None:
    """An author element whose text is not name-shaped ("H.H.") stays the author: a name read from a date
    line ("10. April 2018 um 12:13 Uhr") comes only where no element names one."""
    head = '<b class="fn">H.H.</b> <span>sagt:</span><div><time>10. April 2018 um 12:13 Uhr</time></div>'
    items = HEAD_ITEM.format(k=1, name="H.H.", head=head)
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments["author"].to_list() == ["H.H."]


def test_head_name_wins_over_avatar_initials_and_like_links() -> None:
    """Issue 17: an avatar's initials give way to the head's name they stand for; a like button's
    ``rel="nofollow"`` link is not a profile link, a bold name before it is the author."""
    head = '<a href="?like={k}" rel="nofollow">Liken</a> <span class="author-avatar">{initials}</span> <b>{name}</b>'
    names = ["Elon Musk", "Anna Berg"]
    items = "".join(
        HEAD_ITEM.format(k=k, name=name, head=head.format(k=k, initials="".join(w[0] for w in name.split()),
                                                            name=name))
        for k, name in enumerate(names, start=1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == names


FOOT_ITEM = """<li id="comment-{k}" class="comment"><div><img src="/a/{k}.png" alt="">
<div class="comment-content"><p>Comment number {k} says something about the tram line and its cost.</p></div>
{foot}<div><a href="#comment-{k}">March {k}, 2021 at 5:06 am</a> <a href="#respond">Reply</a></div></div></li>"""


@pytest.mark.parametrize(("foot", "names"), [
    ('<p>Posted by: <a href="https://example.org/u/{k}">{name}</a> | <a href="#c{k}">12 March 2021 at 10:15 AM</a>'
     "</p>", LETTER_NAMES),
    ("<p>— {name}</p>", NAMES),
    ('<dl><dt><a href="/memberlist.php?u={k}">{name}</a></dt><dd>Posts: 12</dd><dd>Joined: 12 Mar 2019</dd></dl>',
     NAMES),
    ("<p>— {name}</p>", ["山田太郎", "Иван Петров", "محمد"]),
])
def test_comment_author_from_the_foot_after_the_text(foot: str, names: list[str]) -> None:
    """Issue 17: where the head names no one, the author is read after the comment's text element: a
    "Posted by: NAME | DATE" line (TypePad), a signature ("— NAME"), a forum's profile block (``<dt>``);
    numeric, one-character and non-Latin names kept, the date, post count and controls not taken."""
    items = "".join(FOOT_ITEM.format(k=k, foot=foot.format(k=k, name=name)) for k, name in enumerate(names, start=1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == names


def test_comment_author_from_a_page_level_json_ld_comment_list() -> None:
    """Issue 17: comments whose markup names no one take the author of the page's JSON-LD ``Comment`` whose
    text matches theirs (in any order), not the next one in the list; a comment the list lacks stays unnamed
    by it."""
    texts = ["The tram line should reach the harbour first.", "Fares will rise again, as always.",
             "Nobody asked the people who live along the route."]
    listed = [{"@type": "Comment", "author": {"@type": "Person", "name": n}, "text": t}
              for n, t in zip(["Quinn", "7"], texts[1::-1], strict=True)]
    ld = json.dumps({"@context": "https://schema.org", "@type": "BlogPosting", "comment": listed})
    items = "".join(f'<li id="comment-{k}" class="comment"><div><time datetime="2021-03-0{k}">March {k}, 2021'
                    f'</time></div><div class="comment-content"><p>{t}</p></div></li>'
                    for k, t in enumerate(texts, start=1))
    script = f'<script type="application/ld+json">{ld}</script>'
    page = HEAD_THREAD.format(items=items).replace("</head>", script + "</head>")
    _, comments = extract_from_html(_frame(page=page))
    assert comments.sort("position")["author"].to_list()[:2] == ["7", "Quinn"]


def test_comment_element_is_not_its_own_author_element() -> None:
    """Issue 17: a comment element whose class names its author ("comment-author-admin bypostauthor", the
    post author's reply) is not read as the author element (its first line, the head, is no name)."""
    head = '<div>Submitted by <a href="/user/{k}">{name}</a> on 12 March 2021 - 10:15am</div>'
    items = "".join(HEAD_ITEM.format(k=k, name=name, head=head.format(k=k, name=name))
                    for k, name in enumerate(["Anna", "Ben"], start=1))
    items = items.replace('class="comment"', 'class="comment byuser comment-author-anna bypostauthor"', 1)
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == ["Anna", "Ben"]


def test_inflected_control_labels_and_badges_are_not_names() -> None:
    """Issue 17: a reply link labelled "Antworte auf NAME" (its text "Antworten", the verb inflected) and a
    role badge standing alone beside the name ("Autor") are not the author; the bold name after them is."""
    for head in ('<a href="#r{k}" aria-label="Antworte auf {name}">Antworten</a> '
                 '<a href="/u/{k}" title="{name}"><img src="/a.png" alt=""></a>',
                 '<b>Autor</b> <a href="/u/{k}">{name}</a>'):
        items = "".join(HEAD_ITEM.format(k=k, name=name, head=head.format(k=k, name=name))
                        for k, name in enumerate(["Anna", "x"], start=1))
        _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
        assert comments.sort("position")["author"].to_list() == ["Anna", "x"], head


def test_foot_signature_wins_over_a_label_before_the_head_date_and_stands_without_a_text_element() -> None:
    """Issue 17: a signature after the text names the comment, not the label before the head's date
    ("Posted October 28, 2012"); without a text element a "— NAME" last line is the signature; a role badge
    whose class names the author ("Autor" in ``span.comment-author-badge``) is not the name."""
    item = ('<li id="comment-{k}" class="comment"><div>Posted March {k}, 2021 at 5:06 am | <a href="#c{k}">Permalink'
            '</a></div><div class="comment-content"><p>Comment {k} on the tram line and its cost.</p></div>'
            '<p>— {name}</p></li>')
    bare = ('<li id="comment-{k}" class="comment"><small><a href="#c{k}">March {k}, 2021 at 5:06 am</a></small>'
            '<div><p>Comment {k} on the tram line and its cost.</p></div><p>— {name}</p></li>')
    badge = ('<li id="comment-{k}" class="comment"><span class="comment-author-badge">Autor</span>'
             '<time datetime="2021-03-0{k}">March {k}, 2021</time><div class="comment-content"><p>Comment {k} on '
             'the tram line and its cost.</p></div><p>— {name}</p></li>')
    for form in (item, bare, badge):
        items = "".join(form.format(k=k, name=name) for k, name in enumerate(["Anna", "7"], start=1))
        _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
        assert comments.sort("position")["author"].to_list() == ["Anna", "7"], form


def test_label_before_a_linked_name_and_a_badge_before_a_date_are_not_names() -> None:
    """Issue 17: "Submitted by <a>NAME</a> on DATE" in the author's element gives the linked name only (the
    label's last word lower-case: "by", "von"); "Autor 12. März 2021" on a head line is a badge, not a name."""
    head = '<cite><div>{label} <a href="/user/{k}">{name}</a> on 12 March 2021 - 10:15am</div></cite>'
    for label in ("Submitted by", "Kommentar von"):
        items = "".join(HEAD_ITEM.format(k=k, name=name, head=head.format(k=k, name=name, label=label))
                        for k, name in enumerate(["Anna", "7", "Maria da Silva"], start=1))
        _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
        assert comments.sort("position")["author"].to_list() == ["Anna", "7", "Maria da Silva"], label
    listed = [{"@type": "Comment", "author": {"name": "Anna"},
               "text": "Comment number 1 says something about the tram line and its cost."}]
    script = f'<script type="application/ld+json">{json.dumps({"comment": listed})}</script>'
    items = HEAD_ITEM.format(k=1, name="Anna", head="<cite><span>Autor</span></cite>")
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items).replace("</head>", script + "</head>")))
    assert comments["author"].to_list() == ["Anna"]


@pytest.mark.parametrize("head", [
    '<a href="/u/{k}"><span>{name}</span></a> <span class="username">@user{k}</span> · <time>12 March 2021</time>',
    '<span class="user-handle">@user{k}</span> <span class="x9">{name}</span> <span>12.03.2021</span>',
])
def test_display_name_beside_a_handle_is_the_author(head: str) -> None:
    """A handle ("@user1") in an element of its own beside the display name, before it or after it, is not the
    name; a handle within the name's own element ("Kris @Krazy_Kris") stays part of it."""
    names = ["Anna Berg", "Ben K.", "G.M."]
    items = "".join(HEAD_ITEM.format(k=k, name=name, head=head.format(k=k, name=name))
                    for k, name in enumerate(names, start=1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == names
    items = HEAD_ITEM.format(k=1, name="x", head='<cite class="fn">Kris @Krazy_Kris</cite> says:')
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments["author"].to_list() == ["Kris @Krazy_Kris"]


def test_head_before_the_comment_element_names_it_and_not_the_comment_around_it() -> None:
    """A comment's head written just before the element marked as the comment, outside it (a name and a date
    in a row above), names that comment; the comment whose replies list holds it does not take that name."""
    def item(k: int, name: str, replies: str = "") -> str:
        return (f'<div><b>{name}</b> 12.03.2021, 10:1{k}</div><li id="comment-{k}" class="comment">'
                f'<div><img src="/a/{k}.png" alt=""></div><div><a href="#comment-{k}">#{k}</a></div>'
                f"<p>Comment number {k} says something about the tram line and its cost.</p>{replies}</li>")
    reply = '<ol class="children">' + item(2, "Ben K.") + "</ol>"
    items = item(1, "Anna Berg", reply) + item(3, "Cy")
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == ["Anna Berg", "Ben K.", "Cy"]
    # the comment element alone in a wrapper: the head stands before the wrapper
    wrapped = "".join(item(k, name).replace('<li id', '<div><li id').replace("</li>", "</li></div>")
                      for k, name in enumerate(["Anna Berg", "Ben K."], start=1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=wrapped)))
    assert comments.sort("position")["author"].to_list() == ["Anna Berg", "Ben K."]


def test_a_link_label_shared_by_commenters_sites_is_not_a_name() -> None:
    """A ``title`` that every commenter's link to their own site carries ("Link to comment author's website")
    is a label, though one reader links twice to one site: the name beside the date is the author."""
    sites = {"Anna Berg": "https://anna.example.org/", "Ben K.": "https://ben.example.net/"}
    head = ('<a href="{site}" title="Link to comment author\'s website"><img src="/a.png" alt=""></a>'
            "<div><span>{name}</span> <span>12.03.2021, 10:15</span></div>")
    names = ["Anna Berg", "Ben K.", "Anna Berg"]
    items = "".join(HEAD_ITEM.format(k=k, name=name, head=head.format(site=sites[name], name=name))
                    for k, name in enumerate(names, start=1))
    _, comments = extract_from_html(_frame(page=HEAD_THREAD.format(items=items)))
    assert comments.sort("position")["author"].to_list() == names
