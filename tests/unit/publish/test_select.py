"""select_outputs: the one step that decides what ships, and the accounting check."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from schemas.dedup import DUPLICATE_CLUSTERS
from schemas.pages import PAGES
from schemas.tagged import MERGED_COMMENTS, TAGGED_ARTICLES
from schemas.validate import polars_schema
from tasks.publish.select import AccountingError, account, select_outputs

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def _frame(rows: list[dict], schema) -> pl.DataFrame:
    dtypes = polars_schema(schema)
    full = [{name: row.get(name) for name in dtypes} for row in rows]
    return pl.DataFrame(full, schema=dtypes)


def _pages(*ids: str, rejected: dict[str, str] | None = None) -> pl.DataFrame:
    rejected = rejected or {}
    return _frame([{"page_id": i, "source_path": f"{i}.txt", "record": 0, "input_format": "txt", "site": "ex.org",
                    "site_source": "url", "fetched_at": NOW, "n_bytes": 10, "has_replacement_chars": False,
                    "reject_reason": rejected.get(i), "reject_detail": "why" if i in rejected else None,
                    "ingested_at": NOW, "text": "t"} for i in ids], PAGES)


def _articles(bodies: dict[str, str], langs: dict[str, str] | None = None) -> pl.DataFrame:
    langs = langs or {}
    return _frame([{"page_id": i, "title": "T", "body": b, "n_lines": 3, "n_lines_stripped": 1,
                    "stripped_by_rule": [{"rule": "share", "n_lines": 1}], "article_id": f"a-{i}",
                    "language": langs.get(i, "en"), "language_score": 0.99} for i, b in bodies.items()],
                  TAGGED_ARTICLES)


def _clusters(canon: dict[str, str]) -> pl.DataFrame:
    rows = [{"page_id": i, "article_id": f"a-{i}", "cluster_id": f"a-{c}", "canonical_article_id": f"a-{c}",
             "is_duplicate": i != c, "duplicate_kind": "exact" if i != c else None,
             "similarity": 1.0 if i != c else None} for i, c in canon.items()]
    return _frame(rows, DUPLICATE_CLUSTERS).drop("article_id").with_columns(content_hash=pl.lit("h"))


def _comments(rows: list[tuple[str, str, bool]]) -> pl.DataFrame:
    return _frame([{"page_id": p, "position": n, "author": "x", "text": f"c{n}", "language": "en",
                    "comment_id": f"c-{p}-{n}", "article_id": a, "site": "ex.org", "source_path": f"{p}.txt",
                    "repeat_count": 1, "is_repeated": False, "is_duplicate": dup, "shard_id": "s",
                    "crawl_month": "2024-05"} for n, (p, a, dup) in enumerate(rows)], MERGED_COMMENTS)


def test_every_page_lands_in_exactly_one_dataset() -> None:
    pages = _pages("p1", "p2", "p3", "p4", rejected={"p4": "binary"})
    arts = _articles({"p1": "Body one.", "p2": "Body one.", "p3": "  "})
    clusters = _clusters({"p1": "p1", "p2": "p1", "p3": "p3"})
    comments = _comments([("p1", "a-p1", False), ("p2", "a-p1", True), ("p2", "a-p1", False)])
    sel = select_outputs(pages, arts, clusters, comments)
    assert sel.articles["page_id"].to_list() == ["p1"]
    assert sel.duplicates["page_id"].to_list() == ["p2"]
    assert sorted(sel.rejects["reason"].to_list()) == ["binary", "no_article"]
    assert sel.articles["n_comments"].to_list() == [2]
    assert sel.comments.height == 2
    assert sel.counts["comments_duplicate"] == 1
    account(sel.counts)


def test_language_filter_counts_and_drops_comments_of_filtered_articles() -> None:
    pages = _pages("p1", "p2")
    arts = _articles({"p1": "English body.", "p2": "Deutscher Text."}, langs={"p2": "de"})
    comments = _comments([("p2", "a-p2", False)])
    sel = select_outputs(pages, arts, _clusters({"p1": "p1", "p2": "p2"}), comments, languages=["en"])
    assert sel.articles["language"].to_list() == ["en"]
    assert sel.counts["filtered_language"] == 1
    assert sel.comments.is_empty()
    assert sel.counts["comments_of_unshipped_pages"] == 1
    account(sel.counts)


def test_accounting_mismatch_fails_loudly() -> None:
    with pytest.raises(AccountingError, match="3 pages in"):
        account({"pages_in": 3, "articles": 1, "duplicates": 0, "rejects": 1, "filtered_language": 0})
