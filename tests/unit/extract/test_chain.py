"""The per-page chain of inspect and eval (parse_pages)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

from tasks.extract.boilerplate import strip_boilerplate
from tasks.extract.chain import parse_pages, parse_shard
from tasks.extract.parse import parse_articles, segment_pages
from tasks.extract.templates import learn_template_lines
from tasks.ingest.render import html_to_text
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


def test_parse_shard_in_slices_gives_the_frames_of_one_pass() -> None:
    """Issue 18: ``parse_shard`` parses a shard's pages ``slice_pages`` at a time (ranges of ``page_id``) and
    puts the rows back in one pass's order (text-path rows by page, then markup rows in the order of the pages);
    comment dates keep the day/month evidence of their site's pages in other slices (``t1``'s ambiguous dates
    are read month first because ``t0`` of the same site writes 08/25/2021)."""
    story = ("The city council voted on Tuesday to expand the tram network into the northern districts, a plan "
             "that has been debated for more than a decade.")

    def thread(dates: list[str]) -> str:
        return "\n".join(f"Reader {k}\n{d} at 10:0{k}\nI think this is a good plan, number {k}."
                         for k, d in enumerate(dates))

    may = thread(["05/08/2021", "06/08/2021", "07/08/2021"])
    texts = {"t1": f"Tram vote\n{story}\n3 Comments\n{may}\nLeave a Reply",
             "t0": f"Bus vote\n{story}\n2 Comments\n{thread(['08/25/2021', '08/26/2021'])}\nLeave a Reply",
             "t2": f"Site Slogan\nRoad vote\n{story.replace('tram', 'road')}",
             "t3": f"Site Slogan\nComet\n{story.replace('tram', 'bus')}"}
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "html"
    names = sorted({p.name.split(".")[0] for p in fixtures.glob("*.html.gz")})[:4]
    html = {f"h{k}": gzip.decompress((fixtures / f"{name}.html.gz").read_bytes()).decode("utf-8")
            for k, name in enumerate(names)}
    order = [p for p in ("h3", "t1", "h0", "t3", "t0", "h1", "t2", "h2") if p in texts or p in html]  # not sorted
    pages = pl.DataFrame({
        "page_id": order,
        "site": ["a.org" if p in texts else f"{p}.org" for p in order],
        "text": [texts[p] if p in texts else html_to_text(html[p]) for p in order],
        "html": [html.get(p) for p in order],
        "url": [None] * len(order),
        "fetched_at": [datetime(2021, 9, 1, tzinfo=UTC)] * len(order),
    }, schema_overrides={"html": pl.String, "url": pl.String})
    lines = strip_boilerplate(pages)
    templates = learn_template_lines(lines, pages.select("page_id", "site"))
    articles, comments = parse_shard(lines, pages, templates, slice_pages=len(order))
    assert comments.filter(pl.col("page_id") == "t1")["posted_at"].dt.month().to_list() == [5, 6, 7]
    assert comments["page_id"].unique().len() >= 4  # text and markup threads both
    for size in (1, 2, 4):
        sliced_articles, sliced_comments = parse_shard(lines, pages, templates, slice_pages=size)
        assert_frame_equal(sliced_articles, articles, check_exact=True)
        assert_frame_equal(sliced_comments, comments, check_exact=True)
