"""The statistics frames of ``corpus stats``, on tiny inline frames."""

from __future__ import annotations

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from schemas import ARTICLES, COMMENTS, DUPLICATES, REJECTS
from schemas.validate import empty_frame
from tasks.reports.corpus_stats import (
    COMMENT_BUCKETS,
    STAGE_FILES,
    articles_per_site,
    boilerplate_by_rule,
    comment_summary,
    comments_per_article,
    compute_stats,
    dedup_kinds,
    duplicate_clusters,
    language_mix,
    rejects_by_reason,
    run_counts,
    stage_throughput,
    stage_times_from_files,
)

RULES = pl.List(pl.Struct({"rule": pl.String, "n_lines": pl.Int32}))


def _articles(n_comments: list[int], languages: list[str] | None = None,
              rules: list[list[dict]] | None = None, sites: list[str] | None = None) -> pl.DataFrame:
    n = len(n_comments)
    return pl.DataFrame(
        {
            "language": languages or ["en"] * n,
            "site": sites or ["a.org"] * n,
            "n_comments": n_comments,
            "stripped_by_rule": rules if rules is not None else [[]] * n,
        },
        schema={"language": pl.String, "site": pl.String, "n_comments": pl.Int32, "stripped_by_rule": RULES},
    )


def _comments(languages: list[str], repeated: list[bool] | None = None) -> pl.DataFrame:
    return pl.DataFrame({"language": languages, "is_repeated": repeated or [False] * len(languages)},
                        schema={"language": pl.String, "is_repeated": pl.Boolean})


def test_language_mix_counts_and_shares_per_dataset() -> None:
    got = language_mix(_articles([0, 0, 0], ["en", "de", "en"]), _comments(["de", "und", "de", "de"]))
    want = pl.DataFrame(
        {
            "dataset": ["articles", "articles", "comments", "comments"],
            "language": ["en", "de", "de", "und"],
            "n": [2, 1, 3, 1],
            "share": [2 / 3, 1 / 3, 0.75, 0.25],
        }
    )
    assert_frame_equal(got, want)


def test_language_mix_of_an_empty_corpus_is_empty() -> None:
    got = language_mix(empty_frame(ARTICLES), empty_frame(COMMENTS))
    assert got.height == 0
    assert got.columns == ["dataset", "language", "n", "share"]


@pytest.mark.parametrize(
    ("counts", "bucket", "expected"),
    [
        ([0, 0, 3], "0", 2),
        ([1], "1", 1),
        ([2, 5, 6], "2-5", 2),
        ([10, 11, 25, 26], "11-25", 2),
        ([100, 101, 5000], ">100", 2),
        ([100, 101, 5000], "51-100", 1),
    ],
)
def test_comments_per_article_buckets(counts: list[int], bucket: str, expected: int) -> None:
    hist = comments_per_article(_articles(counts))
    assert hist["bucket"].to_list() == [b[0] for b in COMMENT_BUCKETS]  # every bucket, empty ones too
    assert hist.filter(pl.col("bucket") == bucket)["n_articles"].item() == expected
    assert hist["n_articles"].sum() == len(counts)
    assert hist["n_comments"].sum() == sum(counts)
    assert hist["share"].sum() == pytest.approx(1.0)


def test_comments_per_article_with_no_articles() -> None:
    hist = comments_per_article(empty_frame(ARTICLES))
    assert hist["n_articles"].sum() == 0
    assert hist["share"].to_list() == [0.0] * len(COMMENT_BUCKETS)


def test_comment_summary() -> None:
    got = dict(comment_summary(_articles([0, 2, 10]), _comments(["en"] * 12, [True] + [False] * 11)).iter_rows())
    assert got == {"articles": 3, "comments": 12, "articles_with_comments": 2, "mean_per_article": 4.0,
                   "median_per_article": 2.0, "max_per_article": 10, "repeated_comments": 1}
    empty = dict(comment_summary(empty_frame(ARTICLES), empty_frame(COMMENTS)).iter_rows())
    assert empty["articles"] == 0
    assert empty["mean_per_article"] == 0.0


def test_boilerplate_by_rule_sums_lines_and_counts_articles() -> None:
    rules = [
        [{"rule": "nav", "n_lines": 3}, {"rule": "share", "n_lines": 1}],
        [{"rule": "nav", "n_lines": 2}],
        [],
        [{"rule": "footer", "n_lines": 0}],
    ]
    got = boilerplate_by_rule(_articles([0] * 4, rules=rules))
    want = pl.DataFrame({"rule": ["nav", "share"], "n_lines": [5, 1], "n_articles": [2, 1], "share": [5 / 6, 1 / 6]})
    assert_frame_equal(got, want)


def test_dedup_kinds_and_cluster_sizes() -> None:
    dups = pl.DataFrame({"kind": ["exact", "near", "near", "rescrape"], "similarity": [1.0, 0.9, 0.8, 1.0],
                         "cluster_id": ["c1", "c1", "c2", "c3"]})
    kinds = dedup_kinds(dups)
    assert kinds["kind"].to_list() == ["near", "exact", "rescrape"]
    near = kinds.row(0, named=True)
    assert (near["n"], near["n_clusters"], near["min_similarity"]) == (2, 2, 0.8)
    assert near["mean_similarity"] == pytest.approx(0.85)
    assert_frame_equal(duplicate_clusters(dups), pl.DataFrame({"folded_pages": [1, 2], "n_clusters": [2, 1]}))
    assert dedup_kinds(empty_frame(DUPLICATES)).height == 0


def test_rejects_by_reason() -> None:
    rejects = pl.DataFrame({"stage": ["ingest", "parse", "ingest", "ingest"],
                            "reason": ["empty", "no_article", "binary", "empty"]})
    got = rejects_by_reason(rejects)
    assert got.select("stage", "reason", "n").rows() == [("ingest", "empty", 2), ("ingest", "binary", 1),
                                                        ("parse", "no_article", 1)]
    assert rejects_by_reason(empty_frame(REJECTS)).height == 0


def test_articles_per_site_keeps_the_top() -> None:
    got = articles_per_site(_articles([1, 2, 3, 4], sites=["b.org", "a.org", "b.org", "c.org"]), top=2)
    assert got.select("site", "n_articles", "n_comments").rows() == [("b.org", 2, 4), ("a.org", 1, 2)]


def test_run_counts_orders_known_keys_first_and_skips_nested_values() -> None:
    summary = {"seconds": 2.5, "articles": 3, "pages_in": 4, "state": "v-1", "stage_seconds": {"parse": 1.0},
               "rejected_empty": 1, "ok": True}
    got = run_counts(summary)
    assert got["count"].to_list() == ["pages_in", "articles", "rejected_empty", "seconds"]
    assert got["value"].to_list() == [4.0, 3.0, 1.0, 2.5]


def test_stage_times_from_files_ignores_older_runs_and_keeps_pipeline_order() -> None:
    files = pl.DataFrame({
        "path": ["shards/s.parquet", "pages/s.parquet", "lines/s.parquet", "parsed/s-articles.parquet",
                 "tagged/s-articles.parquet", "dedup/s-keys.parquet", "dedup/clusters.parquet",
                 "counts/s.json", "pages/old.parquet", "unrelated.txt"],
        "mtime": [100.5, 101.0, 101.5, 103.0, 107.0, 107.1, 107.2, 108.0, 50.0, 104.0],
    })
    got = stage_times_from_files(files, started=100.0, finished=108.5)
    assert got["stage"].to_list() == ["plan", "ingest", "strip-boilerplate", "parse", "detect-language",
                                      "dedup-keys", "find-duplicates", "write"]
    assert got["seconds"].to_list() == pytest.approx([0.5, 0.5, 0.5, 1.5, 4.0, 0.1, 0.1, 0.8])
    assert {s for s, _ in STAGE_FILES} >= set(got["stage"])


def test_stage_throughput() -> None:
    got = stage_throughput(pl.DataFrame({"stage": ["parse", "write"], "seconds": [2.0, 0.0]}), pages=10)
    assert got["pages_per_s"].to_list() == [5.0, None]


def test_compute_stats_names_every_frame() -> None:
    stats = compute_stats(_articles([1]), _comments(["en"]), empty_frame(DUPLICATES), empty_frame(REJECTS),
                          summary={"pages_in": 1}, stage_seconds=pl.DataFrame({"stage": ["parse"], "seconds": [1.0]}))
    assert list(stats) == ["comment_summary", "language_mix", "comments_per_article", "articles_per_site",
                           "boilerplate_by_rule", "dedup_kinds", "duplicate_clusters", "rejects_by_reason",
                           "signal_quantiles", "signal_histogram", "run_counts", "stage_throughput"]
    assert "run_counts" not in compute_stats(_articles([1]), _comments(["en"]), empty_frame(DUPLICATES),
                                             empty_frame(REJECTS))


def test_signal_distributions_of_articles_and_comments() -> None:
    """Issue 20: the report shows the distributions of the quality signals."""
    from tasks.publish.signals import add_signals
    from tasks.reports.corpus_stats import signal_histogram, signal_quantiles

    arts = add_signals(pl.DataFrame({"body": ["The cat and the dog.", "SHOUTING HERE"], "language": ["en", "en"]}),
                       text_column="body")
    coms = add_signals(pl.DataFrame({"text": ["ok ok ok ok", "fine"], "language": ["en", "und"]}), text_column="text")
    q = signal_quantiles(arts, coms)
    row = q.filter((pl.col("dataset") == "articles") & (pl.col("signal") == "upper_share")).row(0, named=True)
    assert row["n"] == 2 and row["p90"] == pytest.approx(1.0) and row["mean"] == pytest.approx((1 / 15 + 1) / 2)
    assert q.filter(pl.col("dataset") == "comments", pl.col("signal") == "stopword_share")["n"].to_list() == [1]
    hist = signal_histogram(arts, coms)
    upper = hist.filter(pl.col("signal") == "upper_share")
    assert upper["articles"].sum() == pytest.approx(1.0)
    assert upper.filter(pl.col("bucket") == "0.80-1.00")["articles"].to_list() == [0.5]
    assert signal_quantiles(_articles([1]), _comments(["en"])).height == 0  # no signals column: nothing to show
