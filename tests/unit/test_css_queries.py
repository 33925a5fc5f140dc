"""``tasks.css_queries``: a selector set's answer, split by selector, equals lexbor's own query per selector."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from tasks.css_queries import SelectorSet
from tasks.extract.html import BODY_SELECTORS, COMMENT_SECTION_SELECTORS, TITLE_CANDIDATES

SELECTORS = (
    *BODY_SELECTORS, *TITLE_CANDIDATES, *COMMENT_SECTION_SELECTORS, "form textarea", ".commentlist > li",
    '[class~="comment"]', '[id^="comment-"]', '[itemtype*="schema.org/Comment" i]', '[class*="comment" i]',
    'a[href$=".html"]', '[lang|="en"]', "div > p", "section article p", "*",
)

BODY = """
<div id="Comments" class="Comments comments-area"><h2 class="comments-title">3 Comments</h2>
  <ol class="commentlist"><li id="comment-1" class="comment">One</li><li id="Comment-2" class="COMMENT">Two</li>
  <li class="x\u000bcomment y">Three</li><li class="comment\u00a0z">Four</li></ol>
  <form><p><textarea></textarea></p></form></div>
<article class="Entry-Content"><h1 class="entry-title">Headline</h1><div><p>text</p></div>
  <main role="MAIN"><h1>Inner</h1><a href="x.HTML">a</a><a href="y.html">b</a></main></article>
<section><article itemtype="https://Schema.org/Comment"><p lang="en-GB">p</p></article></section>
<svg><article class="entry">svg</article></svg>
<div itemprop="articleBody" class="post-content"><h2 class="headline">Two</h2><h3>Three</h3></div>
"""

DOCUMENTS = {
    "standards": f"<!DOCTYPE html><html><body>{BODY}</body></html>",
    "quirks": f"<html><body>{BODY}</body></html>",
}


@pytest.mark.parametrize("mode", sorted(DOCUMENTS))
def test_split_answer_equals_each_query(mode: str) -> None:
    tree = LexborHTMLParser(DOCUMENTS[mode])
    selectors = SelectorSet(SELECTORS)
    roots = [tree, *tree.css("article, ol, main, div, section")]
    for root in roots:
        found = selectors.select(root)
        for selector in SELECTORS:
            assert [n.mem_id for n in found.matches(selector)] == [n.mem_id for n in root.css(selector)], selector
            first = root.css_first(selector)
            got = found.first(selector)
            assert (got.mem_id if got is not None else None) == (first.mem_id if first is not None else None)


def test_combinators_read_ancestors_above_the_root() -> None:
    """lexbor matches a combinator's ancestors above the search root: the split answer must too."""
    tree = LexborHTMLParser('<div class="a"><p id="x"><span>x</span></p></div>')
    root = tree.css_first("#x")
    assert root is not None
    found = SelectorSet((".a span", "div > p")).select(root)
    assert [n.tag for n in found.matches(".a span")] == [n.tag for n in root.css(".a span")] == ["span"]
    assert [n.tag for n in found.matches("div > p")] == [n.tag for n in root.css("div > p")] == ["p"]


def test_unsupported_selector_is_refused() -> None:
    with pytest.raises(ValueError, match="not supported"):
        SelectorSet(("p:first-child",))
