"""The robustness eval's scrambled markup (flows.scramble): names gone, text and tree kept (issue 17)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from flows.evaluate import run_eval
from flows.scramble import scramble_html, scramble_token
from tasks.extract.html import html_to_text

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


@pytest.mark.parametrize("form", ["author-cite", "author-bold", "author-avatar", "author-says"])
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
