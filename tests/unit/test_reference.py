"""Unit tests of tasks.reference's one-process dedup: exact, near and re-scrape folding, comment union,
incremental runs (the rules the build's partitioned steps are checked against in test_dedup_partitioned)."""

from __future__ import annotations

import polars as pl
import pytest

from bench.gen_dedup import generate_planted, pair_scores
from schemas.dedup import COMMENT_KEYS, DEDUP_INDEX, DUPLICATE_CLUSTERS
from schemas.validate import conform, polars_schema
from tasks.dedup.clusters import update_index
from tasks.dedup.comments import comment_keys
from tasks.dedup.keys import add_dedup_keys
from tasks.reference import find_duplicate_clusters, merge_comments
from tests.unit.dedup.test_dedup_keys import OTHER, PARAS, _article, _frame


def _comments(rows: list[tuple[str, int, str | None, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"page_id": pl.String, "position": pl.Int32, "author": pl.String,
                                      "text": pl.String}, orient="row").with_columns(site=pl.lit("a.example"))


def _clusters(rows: list[dict[str, object]], **kwargs: object) -> pl.DataFrame:
    return find_duplicate_clusters(add_dedup_keys(_frame(rows)), **kwargs)  # type: ignore[arg-type]


def _by_page(clusters: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["page_id"]: r for r in clusters.iter_rows(named=True)}


def test_empty_input() -> None:
    keys = add_dedup_keys(_frame([_article("p1", "x")]).clear())
    assert keys.height == 0
    clusters = find_duplicate_clusters(keys)
    assert clusters.schema == polars_schema(DUPLICATE_CLUSTERS)
    assert clusters.height == 0


def test_exact_near_rescrape_and_distinct() -> None:
    body = "\n\n".join(PARAS)
    edited = "\n\n".join([*PARAS[:2], PARAS[2].replace("buses", "electric buses"), PARAS[3]])
    rows = [
        _article("orig", body, url="https://a.example/tram", hours=5),
        _article("copy", body, url="https://b.example/tram", site="b.example", hours=1),
        _article("near", edited, url="https://c.example/tram", site="c.example", hours=9),
        _article("again", body + "\n\nDonate: 1,234 raised.", url="https://a.example/tram/", hours=30),
        _article("comet", "\n\n".join(OTHER), url="https://a.example/comet"),
        _article("tiny1", "Photo gallery of the week."),
        # the same page read again (same page content, so the same article_id), URL unknown
        {**_article("tiny2", "Photo gallery of the week!"), "article_id": "art-tiny1"},
        _article("tiny3", "Photo gallery of the week."),
        _article("empty1", ""),
        _article("empty2", ""),
    ]
    result = _clusters(rows)
    conform(result, DUPLICATE_CLUSTERS)
    by = _by_page(result)
    # Earliest fetch wins: the copy on b.example.
    assert by["copy"]["is_duplicate"] is False
    assert by["copy"]["canonical_article_id"] == "art-copy"
    for page, kind in (("orig", "exact"), ("near", "near"), ("again", "rescrape")):
        assert by[page]["is_duplicate"] is True, page
        assert by[page]["canonical_article_id"] == "art-copy", page
        assert by[page]["duplicate_kind"] == kind, page
        assert by[page]["cluster_id"] == by["copy"]["cluster_id"]
    assert by["orig"]["similarity"] == 1.0
    assert 0.7 <= by["near"]["similarity"] < 1.0
    assert by["comet"]["is_duplicate"] is False
    assert by["comet"]["cluster_id"] != by["copy"]["cluster_id"]
    # Short texts match exactly (after normalisation) and only where the page says so too: without a URL,
    # the same whole page (issue 21); empty bodies never match.
    assert by["tiny2"]["is_duplicate"] != by["tiny1"]["is_duplicate"]
    assert by["tiny3"]["is_duplicate"] is False
    assert by["empty1"]["is_duplicate"] is False
    assert by["empty2"]["is_duplicate"] is False


def test_rescrape_kind_when_url_matches_canonical() -> None:
    body = "\n\n".join(PARAS)
    rows = [_article("first", body, url="https://a.example/tram", hours=0),
            _article("second", body + "\n\nDonate now: 5,000 raised.", url="http://www.a.example/tram", hours=24)]
    by = _by_page(_clusters(rows))
    assert by["second"]["duplicate_kind"] == "rescrape"
    assert by["second"]["canonical_article_id"] == "art-first"


def test_same_url_but_different_story_is_not_folded() -> None:
    rows = [_article("front1", "\n\n".join(PARAS), url="https://a.example/"),
            _article("front2", "\n\n".join(OTHER), url="https://a.example/", hours=24)]
    result = _clusters(rows)
    assert not result.get_column("is_duplicate").any()


def test_cross_shard_duplicates_fold() -> None:
    shard1 = add_dedup_keys(_frame([_article("s1", "\n\n".join(PARAS), hours=2)]))
    shard2 = add_dedup_keys(_frame([_article("s2", "\n\n".join(PARAS), site="b.example", hours=1),
                                    _article("s3", "\n\n".join(OTHER))]))
    result = find_duplicate_clusters(pl.concat([shard1, shard2]).lazy())
    by = _by_page(result)
    assert by["s1"]["is_duplicate"] is True
    assert by["s1"]["canonical_article_id"] == "art-s2"
    assert by["s3"]["is_duplicate"] is False
    assert result.get_column("page_id").to_list() == ["s1", "s2", "s3"]


def test_mismatched_signature_settings_raise() -> None:
    keys = add_dedup_keys(_frame([_article("p1", "\n\n".join(PARAS))]))
    index = update_index(None, keys, find_duplicate_clusters(keys))
    other = add_dedup_keys(_frame([_article("p2", "\n\n".join(PARAS))]), seed=7)
    with pytest.raises(ValueError, match="different settings"):
        find_duplicate_clusters(other, index=index)


def test_comment_union_and_repeats() -> None:
    body = "\n\n".join(PARAS)
    rows = [_article("first", body, url="https://a.example/tram"),
            _article("second", body, url="https://a.example/tram", hours=24),
            _article("comet", "\n\n".join(OTHER), url="https://a.example/comet")]
    clusters = _clusters(rows)
    spam = "Earn money from home, see my profile!"
    comments = _comments([
        ("first", 0, "Ann", "Great news for the north."),
        ("first", 1, "Bob", "Too expensive."),
        ("first", 2, "Bob", "Too expensive."),  # posted twice in one thread
        ("first", 3, "Spam", spam),
        ("second", 0, "Ann", "Great  news for the NORTH."),  # seen in the first fetch
        ("second", 1, "Bob", "Too expensive."),
        ("second", 2, "Spam", spam),
        ("second", 3, "Cid", "Finally!"),  # new in the second fetch
        ("comet", 0, "Spam", spam),
        ("comet", 1, "Ann", "Great news for the north."),
    ])
    merged = merge_comments(comments, clusters)
    assert merged.height == comments.height
    assert merged.get_column("article_id").to_list()[:8] == ["art-first"] * 8
    kept = merged.filter(~pl.col("is_duplicate"))
    thread = kept.filter(pl.col("article_id") == "art-first").select("page_id", "position").rows()
    assert thread == [("first", 0), ("first", 1), ("first", 3), ("second", 3)]
    assert kept.filter(pl.col("article_id") == "art-comet").height == 2
    spam_rows = merged.filter(pl.col("text") == spam)
    assert spam_rows.get_column("is_repeated").all()
    assert spam_rows.get_column("repeat_count").to_list() == [2, 2, 2]
    ann = merged.filter(pl.col("author") == "Ann")
    assert ann.get_column("is_repeated").all()
    assert merged.filter(pl.col("author") == "Cid").get_column("is_repeated").to_list() == [False]
    assert merged.filter(pl.col("author") == "Cid").get_column("repeat_count").to_list() == [1]
    conform(comment_keys(merged), COMMENT_KEYS)


def test_incremental_two_runs() -> None:
    body = "\n\n".join(PARAS)
    run1 = [_article("r1-tram", body, url="https://a.example/tram"),
            _article("r1-comet", "\n\n".join(OTHER), url="https://a.example/comet")]
    keys1 = add_dedup_keys(_frame(run1))
    clusters1 = find_duplicate_clusters(keys1)
    index1 = update_index(None, keys1, clusters1)
    conform(index1, DEDUP_INDEX)
    comments1 = _comments([("r1-tram", 0, "Ann", "First!"), ("r1-tram", 1, "Bob", "Nice.")])
    merged1 = merge_comments(comments1, clusters1)
    prior = comment_keys(merged1)

    # Run 2: a re-scrape fetched *earlier* than nothing written (later fetch), a syndicated copy
    # fetched before run 1's article, and a new story.
    run2 = [_article("r2-tram", body + "\n\nDonate: 99 raised.", url="https://a.example/tram", hours=48),
            _article("r2-syn", body, url="https://b.example/tram", site="b.example", hours=-5),
            _article("r2-new", "\n\n".join(reversed(PARAS[:2] + OTHER[:1])), url="https://a.example/new")]
    keys2 = add_dedup_keys(_frame(run2))
    clusters2 = find_duplicate_clusters(keys2, index=index1)
    by = _by_page(clusters2)
    # An article written by run 1 stays canonical even though the syndicated copy was fetched earlier.
    assert by["r2-tram"]["canonical_article_id"] == "art-r1-tram"
    assert by["r2-tram"]["duplicate_kind"] == "rescrape"
    assert by["r2-syn"]["canonical_article_id"] == "art-r1-tram"
    assert by["r2-syn"]["duplicate_kind"] == "exact"
    assert by["r2-new"]["is_duplicate"] is False
    assert by["r2-tram"]["cluster_id"] == index1.filter(pl.col("page_id") == "r1-tram")["cluster_id"][0]

    comments2 = _comments([("r2-tram", 0, "Ann", "First!"), ("r2-tram", 1, "Bob", "Nice."),
                           ("r2-tram", 2, "Cid", "Late to the party.")])
    merged2 = merge_comments(comments2, clusters2, prior_comment_keys=prior)
    assert merged2.get_column("article_id").unique().to_list() == ["art-r1-tram"]
    assert merged2.get_column("is_duplicate").to_list() == [True, True, False]

    index2 = update_index(index1, keys2, clusters2)
    conform(index2, DEDUP_INDEX)
    assert index2.height == 5
    assert index2.head(2).equals(index1)
    # The index may come lazily (scan_parquet), signatures then load in chunks.
    assert find_duplicate_clusters(keys2.lazy(), index=index1.lazy()).equals(clusters2)
    # Issue 19: the same input built again into the same folder folds into the articles written for
    # it (a page meets its earlier self in the index), never a second copy; each read is in the index.
    again2 = _by_page(find_duplicate_clusters(keys2, index=index2))
    again1 = _by_page(find_duplicate_clusters(keys1, index=index2))
    assert {p: r["canonical_article_id"] for p, r in {**again1, **again2}.items()} == {
        "r1-tram": "art-r1-tram", "r1-comet": "art-r1-comet", "r2-tram": "art-r1-tram", "r2-syn": "art-r1-tram",
        "r2-new": "art-r2-new"}
    assert all(r["is_duplicate"] for r in [*again1.values(), *again2.values()])
    assert again2["r2-new"]["duplicate_kind"] == "rescrape"  # the same URL fetched (read) again
    assert again2["r2-new"]["similarity"] == 1.0
    assert update_index(index2, keys2, clusters2).height == index2.height + keys2.height


@pytest.mark.parametrize("seed", [3])
def test_planted_set_precision_recall(seed: int) -> None:
    """Issue 6: planted exact, near, re-scrape and syndicated copies fold with P >= 0.99, R >= 0.98."""
    planted = generate_planted(600, seed=seed, copy_rate=0.6)
    articles = planted.articles
    half = articles.height // 2
    keys = pl.concat([add_dedup_keys(articles[:half]), add_dedup_keys(articles[half:])])
    clusters = find_duplicate_clusters(keys)
    scores = pair_scores(clusters, articles)
    assert scores["true_pairs"] > 300
    assert scores["precision"] >= 0.99
    assert scores["recall"] >= 0.98
    # One canonical article per cluster.
    canon = clusters.filter(~pl.col("is_duplicate"))
    assert canon.get_column("cluster_id").n_unique() == canon.height

    # Comment union: per story, the kept comments of the canonical article are exactly the distinct
    # (author, text) pairs of all pages of that story, when the story folded completely.
    merged = merge_comments(planted.comments, clusters)
    page_story = articles.select("page_id", "story_id")
    kept = merged.filter(~pl.col("is_duplicate")).join(page_story, on="page_id")
    expected = planted.comments.join(page_story, on="page_id").select("story_id", "author", "text").unique()
    folded = (
        clusters.join(page_story, on="page_id").group_by("story_id").agg(pl.col("cluster_id").n_unique().alias("n"))
        .filter(pl.col("n") == 1).select("story_id")
    )
    got = kept.join(folded, on="story_id").select("story_id", "author", "text")
    want = expected.join(folded, on="story_id")
    assert got.height == got.unique().height
    assert got.sort(pl.all()).equals(want.sort(pl.all()))
    assert kept.group_by("story_id").agg(pl.col("article_id").n_unique()).join(folded, on="story_id")[
        "article_id"].max() == 1


def test_refetch_of_syndicated_copy_is_rescrape() -> None:
    body = "\n\n".join(PARAS)
    rows = [_article("orig", body, url="https://a.example/tram"),
            _article("syn1", body, url="https://b.example/tram", site="b.example", hours=2),
            _article("syn2", body + "\n\nShare this story.", url="https://b.example/tram", site="b.example", hours=9)]
    result = _clusters(rows)
    by = _by_page(result)
    assert by["syn1"]["duplicate_kind"] == "exact"
    assert by["syn2"]["duplicate_kind"] == "rescrape"
    assert by["syn2"]["canonical_article_id"] == "art-orig"
    comments = _comments([("syn1", 0, "Dan", "Wire copy."), ("orig", 0, "Eve", "Original.")]).with_columns(
        site=pl.Series(["b.example", "a.example"])
    )
    merged = merge_comments(comments, result)
    assert merged.select("article_id", "site").rows() == [("art-orig", "b.example"), ("art-orig", "a.example")]
    assert not merged.get_column("is_duplicate").any()


def test_short_bodies_fold_only_with_the_same_title() -> None:
    """Issue 21: a short body folds only on the same URL (an AMP alias counts) and title, or the same page."""
    stub = "Subscribe to read the full article."
    url = "https://www.a.example/news/tram-plan"
    rows = [_article("s1", stub, title="Council votes on tram plan", url=url),
            _article("s2", stub, title="Comet visible next week", url=url, hours=1),
            _article("s3", stub, title="Council votes on tram plan", url="https://a.example/amp/news/tram-plan",
                     hours=3),
            _article("s4", stub, title="Council votes on tram plan", url="https://a.example/news/other", hours=4),
            _article("s5", stub, title="Council votes on tram plan", hours=5),
            {**_article("s6", stub, title="Council votes on tram plan", hours=6), "article_id": "art-s5"},
            _article("long1", "\n\n".join(PARAS), title="One title"),
            _article("long2", "\n\n".join(PARAS), title="Another title", hours=1)]
    by = _by_page(_clusters(rows))
    assert by["s1"]["is_duplicate"] is False
    assert by["s2"]["is_duplicate"] is False  # same URL, another title
    assert by["s3"]["canonical_article_id"] == "art-s1"  # the AMP page of s1
    assert by["s4"]["is_duplicate"] is False  # another known URL: a short body is no evidence
    assert by["s5"]["is_duplicate"] is False  # URL unknown, another page
    assert by["s6"]["canonical_article_id"] == "art-s5"  # the same page again
    # Long bodies fold whatever their titles (syndicated copies are often retitled).
    assert by["long2"]["canonical_article_id"] == "art-long1"


def test_suspect_bodies_are_no_evidence_of_sameness() -> None:
    """Issue 21: a long body the parser is not sure of (a blog's tagline on every post) folds only on the page."""
    tagline = "\n\n".join(PARAS[:1])

    def suspect(page_id: str, **kwargs: object) -> dict[str, object]:
        return {**_article(page_id, tagline, title="Life as a CIO", **kwargs), "is_suspect": True}  # type: ignore[arg-type]

    rows = [suspect("post1", url="https://blog.example/2012/10/post-one.html"),
            suspect("post2", url="https://blog.example/2012/10/post-two.html", hours=1),
            suspect("post1again", url="https://blog.example/2012/10/post-one.html", hours=2),
            suspect("dump1", hours=3), suspect("dump2", hours=4),
            {**suspect("dump1again", hours=5), "article_id": "art-dump1"},
            {**_article("sure1", tagline, title="Life as a CIO", url="https://x.example/a"), "is_suspect": False},
            {**_article("sure2", tagline, title="Life as a CIO", url="https://y.example/b", hours=1),
             "is_suspect": False}]
    keys = add_dedup_keys(_frame(rows))
    assert keys.filter(pl.col("page_id").str.starts_with("post")).get_column("signature").is_null().all()
    by = _by_page(find_duplicate_clusters(keys))
    assert by["post2"]["is_duplicate"] is False  # another known URL
    assert by["post1again"]["canonical_article_id"] == "art-post1"  # the same URL fetched again
    assert by["post1again"]["duplicate_kind"] == "rescrape"
    assert by["dump2"]["is_duplicate"] is False  # URL unknown, another page
    assert by["dump1again"]["canonical_article_id"] == "art-dump1"  # the same page read again
    # a body the parser is sure of is evidence on its own (a syndicated copy on another site)
    assert by["sure2"]["canonical_article_id"] == "art-sure1"
