"""The per-page chain of inspect and eval (parse_pages)."""

from __future__ import annotations

import polars as pl

from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.chain import parse_pages
from tasks.extract.parse import parse_articles, segment_pages
from tests.unit.extract.test_boilerplate import _pages


def test_parse_pages_runs_the_build_chain_on_readable_pages() -> None:
    """Issue 22: inspect and eval call the build's own stage functions (strip, templates, parse, langid)."""
    story = ("The city council voted on Tuesday to expand the tram network into the northern districts, a plan "
             "that has been debated for more than a decade.")
    pages = _pages(f"Site Slogan\nTram vote\n{story}", f"Site Slogan\nComet\n{story.replace('tram', 'bus')}",
                   f"Site Slogan\nBudget\n{story.replace('tram', 'road')}", "Site Slogan\nRejected page")
    pages = pages.with_columns(html=pl.lit(None, pl.String), url=pl.lit(None, pl.String),
                               reject_reason=pl.Series([None, None, None, "too_large"], dtype=pl.String))
    templates, articles, comments = parse_pages(pages)
    assert templates["text"].to_list() == ["Site Slogan"]
    assert sorted(articles["page_id"].to_list()) == ["p0", "p1", "p2"]  # the rejected page is left out
    assert {"article_id", "language", "parse_confidence"} <= set(articles.columns)
    assert not articles["body"].str.contains("Site Slogan").any()
    assert comments.height == 0


def test_parse_articles_reads_the_stated_counts_that_segment_pages_returns() -> None:
    """Issue 18: ``parse_articles`` takes the counts ``line_features`` read (``segment_pages(features=True)``)
    instead of reading them again, and gives the same articles."""
    story = ("The city council voted on Tuesday to expand the tram network into the northern districts, a plan "
             "that has been debated for more than a decade.")
    thread = "\n".join(f"Reader {k}\nMarch {k + 2}, 2021 at 10:0{k} am\nI think this is a good plan, number {k}."
                       for k in range(3))
    pages = _pages(f"Tram vote\n{story}\n3 Comments\n{thread}\nLeave a Reply",
                   f"Budget\n{story}\nComments (12)\n200 Comments on a line far too long to be a count line "
                   f"{'x' * 200}\n12 Comments",
                   f"Comet\n{story}\nThe 2 comments were read in 1999.")
    lines = strip_boilerplate(pages)
    with_features = segment_pages(lines, features=True)
    assert {"f_words", "f_count"} <= set(with_features.columns)
    articles = parse_articles(with_features)
    assert articles.equals(parse_articles(segment_pages(lines)))
    assert articles.sort("page_id")["n_comments_stated"].to_list() == [3, 12, None]
