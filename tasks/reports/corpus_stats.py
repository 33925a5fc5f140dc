"""Corpus statistics: small summary frames computed from the published datasets and the run summary.

Every function is pure: it takes frames already read (only the columns it names) and returns a
small frame that ``flows/stats.py`` prints as a table or draws as a chart.

Columns read: ``articles.language``, ``articles.site``, ``articles.n_comments``,
``articles.n_lines_stripped``, ``articles.stripped_by_rule``; ``comments.language``,
``comments.is_repeated``; ``duplicates.kind``, ``duplicates.similarity``, ``duplicates.cluster_id``;
``rejects.stage``, ``rejects.reason``; ``articles.signals`` and ``comments.signals`` (their
distributions); and the run summary written to ``_state/last_run.json``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import polars as pl

from schemas.common import SIGNALS

logger = logging.getLogger(__name__)

COMMENT_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0", 0, 0),
    ("1", 1, 1),
    ("2-5", 2, 5),
    ("6-10", 6, 10),
    ("11-25", 11, 25),
    ("26-50", 26, 50),
    ("51-100", 51, 100),
    (">100", 101, None),
)
"""Histogram buckets of comments per article: label, lowest and highest count (None: no upper bound)."""

STAGE_FILES: tuple[tuple[str, str], ...] = (
    ("plan", r"^shards/"),
    ("ingest", r"^pages/"),
    ("strip-boilerplate", r"^lines/"),
    ("learn-templates", r"^state/template_lines"),
    ("parse", r"^parsed/"),
    ("detect-language", r"^tagged/"),
    ("dedup-keys", r"^dedup/.*-keys\.parquet$"),
    ("find-duplicates", r"^dedup/clusters"),
    ("merge-comments", r"^dedup/comments"),
    ("write", r"^counts/"),
)
"""The build's stages in order, each with the pattern of the stage files it leaves under ``_work/``."""

RUN_COUNT_KEYS = ("files", "already_built", "shards", "pages_in", "articles", "comments", "duplicates",
                  "rejects", "filtered_language")
"""Run-summary counts shown first, in this order; other numeric keys follow alphabetically."""


def _with_share(frame: pl.DataFrame, count: str = "n", *, over: str | None = None) -> pl.DataFrame:
    total = pl.col(count).sum().over(over) if over else pl.col(count).sum()
    return frame.with_columns(share=pl.when(total > 0).then(pl.col(count) / total).otherwise(0.0))


def language_mix(articles: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    """Rows per language of articles and of comments.

    Reads ``language`` of both frames. Returns ``dataset`` (articles or comments), ``language``,
    ``n`` and ``share`` (of the dataset's rows), largest first within each dataset.
    """
    parts = [
        frame.group_by("language").len("n").with_columns(dataset=pl.lit(name))
        for name, frame in (("articles", articles), ("comments", comments))
    ]
    mix = pl.concat(parts).select("dataset", "language", pl.col("n").cast(pl.Int64))
    return _with_share(mix, over="dataset").sort(["dataset", "n", "language"], descending=[False, True, False])


def comments_per_article(articles: pl.DataFrame) -> pl.DataFrame:
    """Histogram of ``n_comments`` over the articles, one row per bucket of ``COMMENT_BUCKETS`` (empty ones too).

    Reads ``n_comments``. Returns ``bucket``, ``n_articles``, ``n_comments`` (comments in those
    articles) and ``share`` (of the articles).
    """
    n = pl.col("n_comments")
    label = pl.lit(None, dtype=pl.String)
    for name, low, high in reversed(COMMENT_BUCKETS):
        cond = (n >= low) if high is None else n.is_between(low, high)
        label = pl.when(cond).then(pl.lit(name)).otherwise(label)
    order = pl.DataFrame({"bucket": [b[0] for b in COMMENT_BUCKETS], "order": list(range(len(COMMENT_BUCKETS)))})
    counted = (
        articles.select(bucket=label, n_comments=n.cast(pl.Int64))
        .group_by("bucket")
        .agg(n_articles=pl.len().cast(pl.Int64), n_comments=pl.col("n_comments").sum())
    )
    hist = (
        order.join(counted, on="bucket", how="left")
        .sort("order")
        .select("bucket", pl.col("n_articles").fill_null(0), pl.col("n_comments").fill_null(0))
    )
    return _with_share(hist, "n_articles")


def comment_summary(articles: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    """The corpus at a glance, one ``metric``/``value`` row each.

    Reads ``articles.n_comments`` and ``comments.is_repeated``. Metrics: articles, comments,
    articles_with_comments, mean_per_article, median_per_article, max_per_article, repeated_comments.
    """
    n = articles.select(pl.col("n_comments").cast(pl.Float64))
    one = n.select(
        articles=pl.len().cast(pl.Float64),
        articles_with_comments=(pl.col("n_comments") > 0).sum().cast(pl.Float64),
        mean_per_article=pl.col("n_comments").mean().fill_null(0.0),
        median_per_article=pl.col("n_comments").median().fill_null(0.0),
        max_per_article=pl.col("n_comments").max().fill_null(0.0),
    ).with_columns(
        comments=pl.lit(float(comments.height)),
        repeated_comments=pl.lit(float(comments["is_repeated"].sum())),
    )
    order = ["articles", "comments", "articles_with_comments", "mean_per_article", "median_per_article",
             "max_per_article", "repeated_comments"]
    return one.select(order).unpivot(variable_name="metric", value_name="value")


def boilerplate_by_rule(articles: pl.DataFrame) -> pl.DataFrame:
    """Lines stripped as boilerplate per rule family, summed over the articles.

    Reads ``stripped_by_rule`` (list of ``{rule, n_lines}``). Returns ``rule``, ``n_lines``,
    ``n_articles`` (articles where the rule removed at least one line) and ``share`` (of all
    stripped lines), largest first.
    """
    exploded = (
        articles.select(pl.int_range(pl.len()).alias("_row"), "stripped_by_rule")
        .explode("stripped_by_rule")
        .drop_nulls("stripped_by_rule")
        .unnest("stripped_by_rule")
    )
    per_rule = (
        exploded.filter(pl.col("n_lines") > 0)
        .group_by("rule")
        .agg(n_lines=pl.col("n_lines").cast(pl.Int64).sum(), n_articles=pl.col("_row").n_unique().cast(pl.Int64))
    )
    return _with_share(per_rule, "n_lines").sort(["n_lines", "rule"], descending=[True, False])


def dedup_kinds(duplicates: pl.DataFrame) -> pl.DataFrame:
    """Folded pages per duplicate kind.

    Reads ``kind``, ``similarity`` and ``cluster_id``. Returns ``kind``, ``n``, ``n_clusters``
    (canonical articles they fold into), ``mean_similarity``, ``min_similarity`` and ``share``.
    """
    kinds = duplicates.group_by("kind").agg(
        n=pl.len().cast(pl.Int64),
        n_clusters=pl.col("cluster_id").n_unique().cast(pl.Int64),
        mean_similarity=pl.col("similarity").mean(),
        min_similarity=pl.col("similarity").min(),
    )
    return _with_share(kinds).sort(["n", "kind"], descending=[True, False])


def duplicate_clusters(duplicates: pl.DataFrame) -> pl.DataFrame:
    """Size distribution of duplicate clusters: how many clusters hold k folded pages.

    Reads ``cluster_id``. Returns ``folded_pages`` (k) and ``n_clusters``, ascending by k.
    """
    sizes = duplicates.group_by("cluster_id").len("folded_pages").with_columns(pl.col("folded_pages").cast(pl.Int64))
    return sizes.group_by("folded_pages").agg(n_clusters=pl.len().cast(pl.Int64)).sort("folded_pages")


def rejects_by_reason(rejects: pl.DataFrame) -> pl.DataFrame:
    """Rejected inputs per stage and reason.

    Reads ``stage`` and ``reason``. Returns ``stage``, ``reason``, ``n`` and ``share``, largest first.
    """
    grouped = rejects.group_by("stage", "reason").len("n").with_columns(pl.col("n").cast(pl.Int64))
    return _with_share(grouped).sort(["n", "stage", "reason"], descending=[True, False, False])


def articles_per_site(articles: pl.DataFrame, *, top: int = 15) -> pl.DataFrame:
    """The ``top`` sites by articles, with their comments.

    Reads ``site`` and ``n_comments``. Returns ``site``, ``n_articles``, ``n_comments``, ``share`` (of articles).
    """
    sites = articles.group_by("site").agg(
        n_articles=pl.len().cast(pl.Int64), n_comments=pl.col("n_comments").cast(pl.Int64).sum()
    )
    return _with_share(sites, "n_articles").sort(["n_articles", "site"], descending=[True, False]).head(top)


def run_counts(summary: Mapping[str, Any]) -> pl.DataFrame:
    """The numeric counts of a run summary as ``count``/``value`` rows (``RUN_COUNT_KEYS`` first).

    Non-numeric entries and nested values (such as per-stage seconds) are left out.
    """
    numeric = {k: v for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)}
    keys = [k for k in RUN_COUNT_KEYS if k in numeric] + sorted(k for k in numeric if k not in RUN_COUNT_KEYS)
    return pl.DataFrame({"count": keys, "value": [float(numeric[k]) for k in keys]},
                        schema={"count": pl.String, "value": pl.Float64})


def stage_times_from_files(files: pl.DataFrame, *, started: float, finished: float) -> pl.DataFrame:
    """Estimate each stage's wall time from when its stage files were last written.

    Args:
        files: ``path`` (relative to ``_work/``, with ``/`` separators) and ``mtime`` (epoch seconds).
        started: epoch seconds when the run began; files older than this belong to earlier runs.
        finished: epoch seconds when the run ended.

    Returns:
        ``stage`` and ``seconds`` in pipeline order (stages without files of this run left out): the
        time from the previous stage's last file to this stage's last file. Shards overlap, so this
        is an estimate of where the time went, not a measurement.
    """
    stage = pl.lit(None, dtype=pl.String)
    for name, pattern in reversed(STAGE_FILES):
        stage = pl.when(pl.col("path").str.contains(pattern)).then(pl.lit(name)).otherwise(stage)
    order = pl.DataFrame({"stage": [s for s, _ in STAGE_FILES], "order": list(range(len(STAGE_FILES)))})
    ends = (
        files.filter(pl.col("mtime").is_between(started - 1.0, finished + 1.0))
        .select(stage=stage, mtime="mtime")
        .drop_nulls("stage")
        .group_by("stage")
        .agg(end=pl.col("mtime").max())
        .join(order, on="stage")
        .sort("order")
        .with_columns(end=pl.col("end").cum_max())
    )
    return ends.select(
        "stage", seconds=(pl.col("end") - pl.col("end").shift(1).fill_null(started)).clip(lower_bound=0.0)
    )


def stage_throughput(stage_seconds: pl.DataFrame, *, pages: int) -> pl.DataFrame:
    """Pages per second of each stage.

    Reads ``stage`` and ``seconds``. Returns them with ``pages`` and ``pages_per_s`` (null when
    a stage took no measurable time).
    """
    return stage_seconds.select(
        "stage",
        pl.col("seconds").cast(pl.Float64),
        pages=pl.lit(pages, dtype=pl.Int64),
        pages_per_s=pl.when(pl.col("seconds") > 0).then(pages / pl.col("seconds")).otherwise(None),
    )


SIGNAL_FIELDS = tuple(f.name for f in SIGNALS)
"""The ``signals`` fields whose distributions the report shows."""

SHARE_BUCKETS = (0.0, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8)
"""Lower edges of the histogram buckets of the share signals (the last bucket includes 1.0)."""


def _signals_long(articles: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    frames = [frame.select(pl.lit(name).alias("dataset"), pl.col("signals").struct.unnest())
              .select("dataset", *[pl.col(f).cast(pl.Float64) for f in SIGNAL_FIELDS])
              for name, frame in (("articles", articles), ("comments", comments)) if "signals" in frame.columns]
    if not frames:
        return pl.DataFrame(schema={"dataset": pl.String, "signal": pl.String, "value": pl.Float64})
    return pl.concat(frames).unpivot(index="dataset", variable_name="signal").drop_nulls("value")


def signal_quantiles(articles: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    """Per dataset and signal: rows with a value, mean and the 10th, 50th and 90th percentiles."""
    long = _signals_long(articles, comments)
    return (long.group_by("dataset", "signal", maintain_order=True)
            .agg(n=pl.len(), mean=pl.col("value").mean(),
                 p10=pl.col("value").quantile(0.1), p50=pl.col("value").median(), p90=pl.col("value").quantile(0.9))
            .sort("dataset", pl.col("signal").replace_strict(list(SIGNAL_FIELDS), list(range(len(SIGNAL_FIELDS))))))


def signal_histogram(articles: pl.DataFrame, comments: pl.DataFrame) -> pl.DataFrame:
    """Share of articles and of comments per bucket of each share signal (``signal``, ``bucket``, ``articles``,
    ``comments``), buckets of :data:`SHARE_BUCKETS`."""
    shares = [f for f in SIGNAL_FIELDS if f.endswith("_share")]
    long = _signals_long(articles, comments).filter(pl.col("signal").is_in(shares))
    edges = list(SHARE_BUCKETS)
    labels = [f"{lo:.2f}-{hi:.2f}" for lo, hi in zip(edges, [*edges[1:], 1.0], strict=True)]
    index = sum((pl.col("value") >= e).cast(pl.Int32) for e in edges[1:])
    grid = pl.DataFrame({"signal": [s for s in shares for _ in labels], "bucket": labels * len(shares)})
    counts = (long.with_columns(pl.lit(labels).list.get(index).alias("bucket"))
              .group_by("dataset", "signal", "bucket").len()
              .with_columns((pl.col("len") / pl.col("len").sum().over("dataset", "signal")).alias("share")))
    for name in ("articles", "comments"):
        shares_of = counts.filter(pl.col("dataset") == name).select("signal", "bucket", pl.col("share").alias(name))
        grid = grid.join(shares_of, on=["signal", "bucket"], how="left", maintain_order="left")
    return grid.with_columns(pl.col("articles", "comments").fill_null(0.0))


def compute_stats(
    articles: pl.DataFrame,
    comments: pl.DataFrame,
    duplicates: pl.DataFrame,
    rejects: pl.DataFrame,
    *,
    summary: Mapping[str, Any] | None = None,
    stage_seconds: pl.DataFrame | None = None,
    top_sites: int = 15,
) -> dict[str, pl.DataFrame]:
    """Every statistics frame of the report, keyed by name, in display order.

    Args:
        articles: ``language``, ``site``, ``n_comments``, ``stripped_by_rule``, ``signals``.
        comments: ``language``, ``is_repeated``, ``signals``.
        duplicates: ``kind``, ``similarity``, ``cluster_id``.
        rejects: ``stage``, ``reason``.
        summary: the last run's summary (``_state/last_run.json``), when there is one.
        stage_seconds: ``stage``, ``seconds`` of the last run, when known.
        top_sites: how many sites to list.
    """
    stats = {
        "comment_summary": comment_summary(articles, comments),
        "language_mix": language_mix(articles, comments),
        "comments_per_article": comments_per_article(articles),
        "articles_per_site": articles_per_site(articles, top=top_sites),
        "boilerplate_by_rule": boilerplate_by_rule(articles),
        "dedup_kinds": dedup_kinds(duplicates),
        "duplicate_clusters": duplicate_clusters(duplicates),
        "rejects_by_reason": rejects_by_reason(rejects),
        "signal_quantiles": signal_quantiles(articles, comments),
        "signal_histogram": signal_histogram(articles, comments),
    }
    if summary:
        stats["run_counts"] = run_counts(summary)
    if stage_seconds is not None and stage_seconds.height:
        pages = int((summary or {}).get("pages_in", 0))
        stats["stage_throughput"] = stage_throughput(stage_seconds, pages=pages)
    logger.debug("computed %d stats frames", len(stats))
    return stats
