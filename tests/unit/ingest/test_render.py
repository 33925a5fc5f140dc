"""HTML pages rendered to innerText-style text, with their canonical URL and publication time (issue 4)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from tasks.ingest.render import html_to_text, render_page

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "html"
PAGES = sorted(p.name.removesuffix(".html.gz") for p in FIXTURES.glob("*.html.gz"))


def _html(name: str) -> str:
    return gzip.decompress((FIXTURES / f"{name}.html.gz").read_bytes()).decode("utf-8")


@pytest.mark.parametrize("name", PAGES)
def test_html_to_text_matches_the_dev_innertext(name: str) -> None:
    """Issue 4: HTML pages render to the same innerText-style text as the dev .txt files."""
    assert html_to_text(_html(name)) == (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(("html", "text"), [
    ("<p>a</p><p>b</p>", "a\n\nb\n"),
    ("<div>a</div><div>b</div>", "a\nb\n"),
    ("<div>a<br>b<br><br><br><br>c</div>", "a\nb\n\nc\n"),
    ("<p>  many \n\t spaces  <b> bold </b> end </p>", "many spaces bold end\n"),
    ("<p>keep\u00a0nbsp</p>", "keep\u00a0nbsp\n"),
    ("<div hidden>x</div><div style='display: none'>y</div><div style='visibility:hidden'>z</div>ok", "ok\n"),
    ("<body><script>var a;</script><style>p{}</style><noscript>n</noscript><template>t</template>ok</body>",
     "ok\n"),
    ("<svg><text>s</text></svg><iframe>i</iframe><select><option>o</option></select><textarea>t</textarea>ok",
     "ok\n"),
    ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>", "a\tb\nc\td\n"),
    ("<ul><li>one</li><li>two</li></ul>", "one\ntwo\n"),
    ("<pre>line 1\n  line 2</pre>", "line 1\nline 2\n"),
    ("<h1>T</h1><p>x</p>", "T\n\nx\n"),
    ("", ""),
    ("<html><head><title>only a title</title></head><body></body></html>", ""),
])
def test_html_to_text_rules(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_deep_markup_does_not_exhaust_the_stack() -> None:
    html = "<div>" * 5000 + "deep" + "</div>" * 5000
    assert html_to_text(html) == "deep\n"


def test_node_cap_bounds_the_work() -> None:
    html = "<p>x</p>" * 1000
    page = render_page(LexborHTMLParser(html), max_nodes=100)
    assert page.truncated
    assert page.text.count("x") < 100
    assert not render_page(LexborHTMLParser(html)).truncated


def test_render_page_reads_canonical_and_published() -> None:
    html = ('<html><head><link rel="canonical" href="/2024/05/story/">'
            '<meta property="article:published_time" content="2024-05-01T14:30:00+02:00"></head>'
            "<body><p>x</p></body></html>")
    page = render_page(LexborHTMLParser(html), base_url="https://www.example.com/?p=1")
    assert page.canonical_url == "https://www.example.com/2024/05/story/"
    assert page.published_at == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    # a relative canonical link without a base URL is ignored
    assert render_page(LexborHTMLParser(html)).canonical_url is None


def test_published_at_from_json_ld_and_time() -> None:
    ld = ('<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2023-11-03T17:22:53Z"}'
          "</script><p>x</p>")
    assert render_page(LexborHTMLParser(ld)).published_at == datetime(2023, 11, 3, 17, 22, 53, tzinfo=UTC)
    tm = '<article><time class="entry-date published" datetime="2020-01-02T03:04:05+00:00">2. Januar</time></article>'
    assert render_page(LexborHTMLParser(tm)).published_at == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert render_page(LexborHTMLParser("<p>none</p>")).published_at is None
