"""The markup handed to trafilatura: script and style text left out where the page's own parse confirms
where it stands (``tasks.extract.html.trafilatura_markup``), trafilatura's body unchanged."""

from __future__ import annotations

import gzip
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

from tasks.extract.html import RAW_KEEP_HEAD, trafilatura_markup
from tasks.extract.mainbody import trafilatura_body

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "html"
PAD = "<!-- " + "x" * RAW_KEEP_HEAD + " -->"
ARTICLE = ("<article><h1>Tram line</h1>" + "<p>The tram line opens in May and runs every ten minutes.</p>" * 8
           + "</article>")


def _page(head: str = "", body: str = "", newline: str = "\n") -> str:
    return newline.join(["<!DOCTYPE html>", "<html><head><title>T</title>", PAD, head, "</head><body>",
                         ARTICLE, body, "</body></html>"])


def _lean(html: str) -> str:
    return trafilatura_markup(html, LexborHTMLParser(html))


def test_script_and_style_text_left_out_tags_and_json_ld_kept() -> None:
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Tram line"}</script>'
    html = _page(head='<style>p { color: red }</style><script src="a.js"></script>' + ld,
                 body='<script>var a = "<b>"; if (a < 2) {}</script><SCRIPT type="module">go()</SCRIPT >')
    lean = _lean(html)
    assert "color: red" not in lean and "var a" not in lean and "go()" not in lean
    assert "<style></style>" in lean and "<script></script>" in lean and '<SCRIPT type="module"></SCRIPT >' in lean
    assert ld in lean and '<script src="a.js"></script>' in lean
    assert lean.replace("\n", "") == html.replace("\n", "").replace("p { color: red }", "").replace(
        'var a = "<b>"; if (a < 2) {}', "").replace("go()", "")


def test_script_text_in_a_comment_is_not_a_script() -> None:
    html = _page(body='<!-- <script>old()</script> --><script>now()</script><!--><script>then()</script>')
    lean = _lean(html)
    assert "<!-- <script>old()</script> -->" in lean
    assert "now()" not in lean and "then()" not in lean


def test_page_whose_parse_disagrees_goes_unchanged() -> None:
    """A "<script>" in a text area, a script with "</script>" in an attribute of its tag, or one inside
    ``<noscript>``: the page (or that script) keeps its text."""
    for body in ("<textarea><script>x()</script></textarea><script>y()</script>",
                 '<script data-x="a>b">y()</script>',
                 "<noscript><style>p {}</style></noscript>"):
        html = _page(body=body)
        assert _lean(html) == html, body


def test_line_breaks_normalised_as_the_parser_does() -> None:
    html = _page(body="<script>\r\nvar a = 1;\r\n</script><style>\rp {}</style>", newline="\r\n")
    lean = _lean(html)
    assert "var a" not in lean and "p {}" not in lean and lean.count("\r\n") == html.count("\r\n") - 2


def test_trafilatura_reads_the_same_body_from_the_lean_markup() -> None:
    """On the real fixture pages: shorter markup, the same body from trafilatura's fast and full runs."""
    shortened = 0
    for path in sorted(FIXTURES.glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8")
        lean = _lean(html)
        shortened += len(lean) < len(html)
        for fast in (True, False):
            assert trafilatura_body(lean, fast=fast) == trafilatura_body(html, fast=fast), (path.name, fast)
    assert shortened >= 1
