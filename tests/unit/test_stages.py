"""Glue between stages: shards with content-derived ids, manifests attached to files, template learning over a
batch, the per-page chain of inspect and eval."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from schemas.parsed import LINES
from schemas.validate import empty_frame
from tasks.boilerplate import strip_boilerplate
from tasks.stages import (
    assign_shards,
    attach_manifest,
    auto_shard_size,
    dedup_partitions,
    learn_template_lines,
    parse_pages,
)
from tests.unit.test_boilerplate import _pages


def _files(n: int, mtime: int = 1) -> pl.DataFrame:
    return pl.DataFrame({"path": [f"in/p{i:02d}.txt" for i in range(n)], "size": [10] * n, "mtime_ns": [mtime] * n})


def test_shards_are_stable_and_follow_the_files() -> None:
    a = assign_shards(attach_manifest(_files(5), None), shard_size=2)
    b = assign_shards(attach_manifest(_files(5).reverse(), None), shard_size=2)
    assert [sid for sid, _ in a] == [sid for sid, _ in b]
    assert [f.height for _, f in a] == [2, 2, 1]
    changed = assign_shards(attach_manifest(_files(5, mtime=2), None), shard_size=2)
    assert {sid for sid, _ in changed}.isdisjoint({sid for sid, _ in a})


def test_manifest_matches_by_path_then_by_file_name() -> None:
    manifest = pl.DataFrame({
        "path": ["in/p00.txt", "p01.txt"],
        "url": ["https://a.org/1", "https://b.org/2"],
        "site": [None, "b.org"],
        "fetched_at": [datetime(2024, 1, 2, tzinfo=UTC), None],
    })
    out = attach_manifest(_files(3), manifest)
    assert out["url"].to_list() == ["https://a.org/1", "https://b.org/2", None]
    assert out["site"].to_list() == [None, "b.org", None]
    assert out["fetched_at"].to_list()[0] == datetime(2024, 1, 2, tzinfo=UTC)


def test_default_shards_grow_with_the_input_within_bounds() -> None:
    """Issue 10: a large build gets few large shards (Prefect pays per task run), a small one several."""
    assert auto_shard_size(8) == 500
    assert auto_shard_size(4_000) == 500
    assert auto_shard_size(20_000) == 2_500
    assert auto_shard_size(100_000) == 2_500
    assert auto_shard_size(10_000_000) == 2_500


def test_default_partitions_follow_the_input_files() -> None:
    """Partitions follow the pages (one per 20,000 files, 2 to 64), not the shards."""
    assert [dedup_partitions(n) for n in (0, 2_000, 20_000, 100_000, 1_000_000, 10_000_000)] == [2, 2, 2, 5, 50, 64]


def test_template_learning_ignores_unknown_sites_and_rare_lines() -> None:
    pages = _pages("A\nB", "A\nC", site="unknown")
    lines = strip_boilerplate(pages)
    assert learn_template_lines(lines, pages.select("page_id", "site"), min_pages=2).height == 0
    assert learn_template_lines(empty_frame(LINES), pages.select("page_id", "site")).height == 0


def test_refetches_of_one_article_do_not_make_it_template() -> None:
    article = "Site Slogan\nThe one long paragraph of the article that every fetch of it repeats word for word."
    pages = _pages(article, article + "\nA new comment", article, "Site Slogan\nOther story.",
                   "Site Slogan\nThird story.")
    lines = strip_boilerplate(pages)
    templates = learn_template_lines(lines, pages.select("page_id", "site"), min_pages=3, min_share=0.5)
    assert templates["text"].to_list() == ["Site Slogan"]
    assert templates["n_pages"].to_list() == [3]


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
