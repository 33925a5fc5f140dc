"""The per-page chain of inspect and eval (parse_pages)."""

from __future__ import annotations

import polars as pl

from tasks.extract.chain import parse_pages
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
