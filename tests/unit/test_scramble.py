"""The robustness eval's scrambled markup and perturbed text pages (flows.scramble): names or comment cues gone,
text, tree and truth kept (issue 17)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from flows.evaluate import run_eval
from flows.scramble import (
    ARTICLE_PARAGRAPHS,
    TEASERS,
    TEXT_SCRAMBLE_MODES,
    THREAD_CUT_MODES,
    article_block,
    scramble_html,
    scramble_text,
    scramble_token,
    teaser_block,
)
from tasks.ingest.render import html_to_text

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "html"
PAGES = sorted(p.name.removesuffix(".html.gz") for p in FIXTURES.glob("*.html.gz"))


def _tags(html: bytes) -> list[str]:
    root = LexborHTMLParser(html.decode("utf-8")).root
    assert root is not None
    return [str(node.tag) for node in root.traverse(include_text=False)]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("mode", ["classes", "tags"])
def test_scramble_keeps_text_and_tree(name: str, mode: str) -> None:
    """Issue 17: a scrambled page renders to the same text and holds the same elements, with no class left."""
    page = gzip.decompress((FIXTURES / f"{name}.html.gz").read_bytes())
    scrambled = scramble_html(page, mode)
    assert html_to_text(scrambled.decode("utf-8")) == html_to_text(page.decode("utf-8"))
    before, after = _tags(page), _tags(scrambled)
    assert len(before) == len(after)
    if mode == "classes":
        assert before == after
    tree = LexborHTMLParser(scrambled.decode("utf-8"))
    assert tree.css_first('[class*="comment"], [id*="comment"], [class*="author"]') is None


def test_scramble_is_deterministic_per_token() -> None:
    html = b'<ol class="comment-list"><li class="comment even" id="comment-1"><a href="#comment-1">x</a></li>' \
           b"<li class='comment odd' id=comment-2>y</li></ol>"
    out = scramble_html(html)
    assert out == scramble_html(html)
    comment = scramble_token(b"comment")
    assert out.count(comment) == 2  # the shared token stays shared: repeated structure is visible
    assert scramble_token(b"even") in out and scramble_token(b"odd") in out
    assert out.count(scramble_token(b"comment-1")) == 2  # the id and the link to it
    assert b"comment" not in out.replace(comment, b"")
    assert out.replace(comment, b"").count(b"x") == html.count(b">x<")  # text unchanged


def test_scramble_tags_renames_custom_elements_only() -> None:
    html = b"<div><comment-item data-id='7'><p>Hi</p></comment-item><my-x/></div>"
    out = scramble_html(html, "tags")
    assert b"comment-item" not in out and b"<div>" in out and b"<p>Hi</p>" in out
    assert out.count(scramble_token(b"comment-item", prefix=b"x-")) == 2
    assert b"data-id='7'" in out  # data-* attributes are evidence a site may carry: kept
    assert scramble_html(html, "classes") == html


def test_scramble_modes() -> None:
    assert scramble_html(b'<p class="a">x</p>', "none") == b'<p class="a">x</p>'
    with pytest.raises(ValueError, match="scramble mode"):
        scramble_html(b"", "words")


def test_eval_scramble_needs_html(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scramble"):
        run_eval(tmp_path, use_html=False, scramble="classes")


_THREAD = """Title of the post
The article's first paragraph ends here.
3 Comments
Anna Berg says:
March 3, 2012 at 10:15 am
I liked this a lot, thanks.
Reply
Like
Tom Rao on 4 March 2012 at 9:00
Reply to this: not so sure.
Permalink
2012-03-05 by Lee
Agreed with Anna.
Leave a Reply
Your email address will not be published.
Name *
Footer text"""
_AUTHORS = ["Anna Berg", "Tom Rao", "Lee"]
_KEPT = ["Title of the post", "The article's first paragraph ends here.", "I liked this a lot, thanks.",
         "Reply to this: not so sure.", "Agreed with Anna."]


def _lines(mode: str) -> list[str]:
    return scramble_text(_THREAD, mode, authors=_AUTHORS, kept=_KEPT).split("\n")


def test_scramble_text_each_mode_takes_its_cues_only() -> None:
    """Issue 17: each text perturbation removes its own comment cues and nothing else."""
    assert scramble_text(_THREAD, "none", authors=_AUTHORS, kept=_KEPT) == _THREAD
    heading = _lines("heading")
    assert "3 Comments" not in heading and len(heading) == len(_THREAD.split("\n")) - 1
    chrome = _lines("chrome")
    assert "Reply" not in chrome and "Like" not in chrome and "Permalink" not in chrome
    assert "Anna Berg" in chrome and "Anna Berg says:" not in chrome  # the header cut to the name
    assert "Leave a Reply" in chrome and "3 Comments" in chrome
    dates = _lines("dates")
    assert "March 3, 2012 at 10:15 am" not in dates
    assert "Tom Rao" in dates and "Lee" in dates  # "NAME on DATE", "DATE by NAME": name-only headers
    assert "Anna Berg says:" in dates and "Reply" in dates
    form = _lines("form")
    assert not {"Leave a Reply", "Your email address will not be published.", "Name *"} & set(form)
    assert "Footer text" in form and "Reply" in form


def test_scramble_text_relative_rewrites_dates_only() -> None:
    relative = _lines("relative")
    assert "March 3, 2012 at 10:15 am" not in relative and "1 hours ago" in relative  # a date line
    assert "Tom Rao · 2 hours ago" in relative and "Lee · 3 hours ago" in relative  # "NAME DATE" headers
    assert "Anna Berg says:" in relative and "Reply" in relative and "3 Comments" in relative
    assert len(relative) == len(_THREAD.split("\n"))


def test_scramble_text_all_keeps_truth_lines() -> None:
    """Issue 17: a perturbed page still holds every truth title, body, comment text and author line."""
    out = _lines("all")
    assert out == ["Title of the post", "The article's first paragraph ends here.", "Anna Berg",
                   "I liked this a lot, thanks.", "Tom Rao", "Reply to this: not so sure.", "Lee",
                   "Agreed with Anna.", "Footer text"]
    # a truth line that looks like chrome ("Reply" as a whole comment) stays
    assert "Reply" in scramble_text("Ann\nReply\nx", "all", authors=["Ann"], kept=["Reply"]).split("\n")
    assert set(TEXT_SCRAMBLE_MODES) >= {"none", "heading", "chrome", "dates", "form", "all"}
    with pytest.raises(ValueError, match="text scramble mode"):
        scramble_text("", "classes")


def test_scramble_text_thread_takes_the_thread_out() -> None:
    """Issue 17: ``thread`` drops the lines from the first to the last comment line, nothing else."""
    out = scramble_text(_THREAD, "thread", authors=_AUTHORS, kept=_KEPT, thread=_KEPT[2:]).split("\n")
    lines = _THREAD.split("\n")
    assert out == lines[:lines.index(_KEPT[2])] + lines[lines.index(_KEPT[4]) + 1:]
    assert "Anna Berg says:" in out and "Leave a Reply" in out  # the header above the first text stays
    assert scramble_text(_THREAD, "thread", thread=["not on the page"]) == _THREAD


def test_eval_text_scramble_needs_text(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="scramble"):
        run_eval(tmp_path, use_html=True, scramble="dates")


def test_eval_reads_text_pages_perturbed(tmp_path: Path) -> None:
    """Issue 17: ``corpus eval --scramble all`` parses the perturbed text and scores it against the same truth."""
    (tmp_path / "p.txt").write_text(_THREAD, encoding="utf-8")
    truth = {"site": "example.org", "title": _KEPT[0], "body": _KEPT[1],
             "comments": [{"author": a, "text": t} for a, t in zip(_AUTHORS, _KEPT[2:], strict=True)]}
    (tmp_path / "p.truth.json").write_text(json.dumps(truth), encoding="utf-8")
    plain, perturbed = run_eval(tmp_path), run_eval(tmp_path, scramble="all")
    assert perturbed["scramble"] == "all" and plain["scramble"] == "none"
    assert plain["overall"]["n_comment_pages"] == perturbed["overall"]["n_comment_pages"] == 1
    cut = run_eval(tmp_path, scramble="thread")["overall"]
    assert cut["n_comment_pages"] == 0 and cut["spurious_comment_pages"] == 0


@pytest.mark.parametrize("form", ["author-cite", "author-bold", "author-avatar", "author-says", "author-wrote",
                                  "author-jsonld", "author-profile", "author-datefirst", "author-strong"])
def test_move_authors_puts_the_name_in_another_form(form: str) -> None:
    """Issue 17: each markup-read comment author is moved into the form, the names on the way taken off."""
    from flows.scramble import AUTHOR_FORMS, move_authors

    page = ("<html><body><article><p>" + "Body text of the article. " * 10 + "</p></article>"
            '<ol class="comment-list"><li id="comment-1" class="comment"><div class="comment-author vcard">'
            '<b class="fn">Jäne</b> says:</div><time datetime="2021-03-04">March 4, 2021</time>'
            '<div class="comment-content"><p>A reader comment about the article.</p></div></li></ol>'
            "</body></html>").encode("latin-1")
    out = move_authors(page, form).decode("utf-8-sig")
    tree = LexborHTMLParser(out)
    assert tree.css_first(".fn") is None and tree.css_first(".comment-author") is None
    assert tree.css_first(".comment") is not None  # the comment item keeps its names
    tag = AUTHOR_FORMS[form][1:].split(">")[0].split(" ")[0]
    holder = tree.css_first(f"#comment-1 {tag}")
    assert holder is not None
    assert "Jäne" in (holder.attributes.get("alt") or "") + holder.text()  # decoded, written back as UTF-8
    with pytest.raises(ValueError, match="author form"):
        move_authors(page, "author-unknown")


_WP_PAGE = ("<html><body><article><p>" + "Body text of the article. " * 10 + "</p></article>"
            '<ol class="comment-list">{items}</ol></body></html>')
_WP_ITEM = ('<li id="comment-{k}" class="comment"><div class="comment-author vcard"><b class="fn">{name}</b> says:'
            '</div><time datetime="2021-03-0{k}">March {k}, 2021</time><div class="comment-content"><p>Reader '
            "comment {k} about the article.</p></div>{replies}</li>")


def _wp(form: str) -> LexborHTMLParser:
    from flows.scramble import move_authors

    reply = '<ol class="children">' + _WP_ITEM.format(k=2, name="Bo", replies="") + "</ol>"
    page = _WP_PAGE.format(items=_WP_ITEM.format(k=1, name="Jäne", replies=reply)
                           + _WP_ITEM.format(k=3, name="Cy", replies=""))
    return LexborHTMLParser(move_authors(page.encode(), form).decode("utf-8-sig"))


def test_move_authors_into_definition_lists() -> None:
    """Issue 17: ``author-dl`` makes each comment (replies too) a ``<dd>`` with its name in the ``<dt>`` before."""
    tree = _wp("author-dl")
    assert tree.css_first(".fn") is None
    terms = [(dt.text(), dt.next.attributes.get("id") if dt.next is not None else None) for dt in tree.css("dt")]
    assert terms == [("Jäne", "comment-1"), ("Bo", "comment-2"), ("Cy", "comment-3")]
    assert [dd.tag for dd in tree.css('[id^="comment-"]')] == ["dd", "dd", "dd"]
    assert "Reader comment 2" in (tree.css_first("#comment-1").text())  # the reply stays inside its parent


def test_move_authors_into_sibling_runs() -> None:
    """Issue 17: ``author-blogger`` unwraps each comment into a ``<dt>`` "NAME said..." and a ``<dd>`` with its
    content, no element holding one comment (a reply's pair inside its parent's ``<dd>``); ``author-pairs``
    into a header ``<div>`` and a body ``<div>`` side by side."""
    tree = _wp("author-blogger")
    assert tree.css_first("li") is None and tree.css_first('[id^="comment-"], .comment, .fn') is None
    assert [" ".join(dt.text().split()) for dt in tree.css("dt")] == ["Jäne said...", "Bo said...", "Cy said..."]
    outer = tree.css_first("ol.comment-list > dl")
    assert outer is not None and [child.tag for child in outer.iter(include_text=False)] == ["dt", "dd", "dt", "dd"]
    assert "Reader comment 2" in outer.css("dd")[0].text()  # the reply stays inside its parent
    pairs = _wp("author-pairs")
    assert pairs.css_first("li") is None and pairs.css_first("dt") is None
    assert [head.text() for head in pairs.css(".comment-header")] == ["Jäne", "Bo", "Cy"]
    assert "Reader comment 2" in pairs.css(".comment-body")[0].text()


def test_move_authors_into_data_attributes() -> None:
    """Issue 17: ``author-data`` leaves the name only in a data attribute of the comment element."""
    tree = _wp("author-data")
    names = [(li.attributes.get("data-author") or li.attributes.get("data-username")) for li in tree.css("li")]
    assert names == ["Jäne", "Bo", "Cy"]
    assert "Jäne" not in tree.body.text() and tree.css_first(".fn") is None


def test_author_forms_are_read_back() -> None:
    """Issue 17: the markup finder reads the author back from each form the perturbation writes."""
    import polars as pl

    from flows.scramble import AUTHOR_FORMS
    from tasks.extract.html import extract_html_pages

    for form in AUTHOR_FORMS:
        # the markup path as a build runs it: a page's authors are cleaned together ("a scris" they share)
        _, comments, _, _ = extract_html_pages(pl.DataFrame({"page_id": ["p"], "html": [_wp(form).html or ""]}),
                                               use_trafilatura=False)
        assert comments.sort("position")["author"].to_list() == ["Jäne", "Bo", "Cy"], form


_DONORS = [("Storm hits the coast today", "Winds rose overnight. Roads closed.\nA second paragraph here."),
           ("", "No title, so no teaser."),
           ("Markets fall again", "Shares fell sharply! Traders blamed rates."),
           ("Ein Titel auf Deutsch hier", "Erster Absatz. Zweiter Satz.\nNoch einer.\nUnd ein dritter.")]


def test_teaser_and_article_blocks_are_made_of_other_pages() -> None:
    """Issue 17: the hard negatives' blocks: a teaser list (title, first sentence) and a sub-headed article."""
    assert teaser_block(_DONORS) == ["Storm hits the coast today", "Winds rose overnight.", "Markets fall again",
                                     "Shares fell sharply!", "Ein Titel auf Deutsch hier", "Erster Absatz."]
    assert len(teaser_block(_DONORS * 5)) == 2 * TEASERS
    article = article_block(_DONORS)
    assert article[:4] == ["Share", "Tweet", "Email", "Comments"]
    # headings of 2, 3, 4 words from the last donor's title backwards, over every second paragraph
    assert article[4:] == ["Ein Titel", "Winds rose overnight. Roads closed.", "A second paragraph here.",
                           "Markets fall again", "No title, so no teaser.",
                           "Shares fell sharply! Traders blamed rates.",
                           "Storm hits the coast", "Erster Absatz. Zweiter Satz.", "Noch einer.",
                           "Ein Titel", "Und ein dritter."]
    assert len([ln for ln in article_block(_DONORS * 5)[4:] if ln.endswith(".")]) == ARTICLE_PARAGRAPHS


def test_thread_cut_modes_join_a_block_where_the_thread_was() -> None:
    """Issue 17: ``thread-teasers`` and ``thread-article`` put the block in the thread's place, or below the
    article on a page without one."""
    lines = _THREAD.split("\n")
    out = scramble_text(_THREAD, "thread-teasers", kept=_KEPT, thread=_KEPT[2:], donors=_DONORS).split("\n")
    cut = scramble_text(_THREAD, "thread", kept=_KEPT, thread=_KEPT[2:]).split("\n")
    at = lines.index(_KEPT[2])
    assert out == cut[:at] + teaser_block(_DONORS) + cut[at:]
    page = "Menu\nTitle of the post\nThe article's first paragraph ends here.\nFooter text"
    out = scramble_text(page, "thread-article", kept=_KEPT[:2], donors=_DONORS).split("\n")
    assert out == page.split("\n")[:3] + article_block(_DONORS) + ["Footer text"]
    assert set(THREAD_CUT_MODES) <= set(TEXT_SCRAMBLE_MODES)


def test_thread_texts_takes_only_the_comment_texts_out() -> None:
    """Issue 17: ``thread-texts`` leaves the thread's headers, dates and controls: a thread loaded later."""
    out = scramble_text(_THREAD, "thread-texts", kept=_KEPT, thread=_KEPT[2:]).split("\n")
    assert out == [ln for ln in _THREAD.split("\n") if ln not in _KEPT[2:]]
    assert "Anna Berg says:" in out and "Tom Rao on 4 March 2012 at 9:00" in out and "Reply" in out


def test_embed_blocks_are_no_thread() -> None:
    """Issue 17 (spurious threads): ``embeds-*`` put four comment-shaped blocks halfway down the article's
    paragraphs; on a page with a comment form after the rest of a long article they are no thread."""
    from flows.scramble import EMBED_PEOPLE, embed_blocks
    from tasks.extract.html import extract_page

    paragraphs = "".join(f"<p>Paragraph {k} of the article goes on about the council's budget and the new tram "
                         f"line for a while, with more words to make it long enough to read.</p>" for k in range(30))
    page = (f"<html><body><article><h1>A headline for the page</h1>{paragraphs}</article>"
            "<form><textarea name='comment'></textarea><button>Send</button></form></body></html>").encode()
    for form in ("embeds-posts", "embeds-ticker"):
        out = embed_blocks(page, form).decode("utf-8-sig")
        assert all(name in out for name, _ in EMBED_PEOPLE)
        assert out.index("Jane Doe") > out.index("Paragraph 14") and out.index("Jane Doe") < out.index("Paragraph 16")
        found = extract_page(out, use_trafilatura=False)
        assert found is not None and found.comments == []
    with pytest.raises(ValueError, match="embed form"):
        embed_blocks(page, "author-cite")
