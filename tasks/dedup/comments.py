"""Comment threads of duplicate pages: merged under their canonical article, repeated comments tagged.

``merge_threads`` re-attaches the comments of every page to its canonical article; ``text_counts`` and
``add_repeat_counts`` tag (never drop) comments repeated across articles; ``comment_keys`` is what the
next run needs. In the build these run per partition of hash(canonical article id)
(``comment_rows``, ``article_refs`` per shard, ``merge_partition_comments`` per partition, then the
repeat counts in pieces of hash(text)).
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from schemas.dedup import COMMENT_KEYS, MERGED_COMMENT_PARTS
from schemas.validate import cast_to, polars_schema
from tasks.dedup.keys import _WHITE_RUN
from tasks.extract.langid import UND
from tasks.hashing import hash_series, partition_of
from tasks.normal_forms import NFKC_UNSTABLE

COMMENT_SHARD_BITS = 32


# ----------------------------------------------------------------------------------------------
# Comments
# ----------------------------------------------------------------------------------------------


def _comment_text_key(text: pl.Series) -> pl.Series:
    """Lower case, white space collapsed, NFKC where not ASCII: what makes two comment texts 'the same'.

    NFKC runs only on the texts holding a character it may change (``tasks.normal_forms.NFKC_UNSTABLE``)."""
    fast = text.fill_null("").str.to_lowercase().str.replace_all(_WHITE_RUN, " ")
    idx = (fast.str.len_bytes() != fast.str.len_chars()).arg_true()
    if idx.len():
        idx = idx.filter(fast.gather(idx).str.contains(NFKC_UNSTABLE))
    if idx.len():
        fixed = fast.gather(idx).str.normalize("NFKC").str.to_lowercase().str.replace_all(_WHITE_RUN, " ")
        fast = fast.scatter(idx, fixed)
    return fast.str.strip_chars()


def merge_threads(
    comments: pl.DataFrame, clusters: pl.DataFrame, *, prior_comment_keys: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Attach comments to their canonical article: adds ``article_id``, ``comment_id``, ``text_hash``, ``is_duplicate``.

    Reads ``page_id``, ``position``, ``author``, ``text`` of ``comments`` (other columns are kept) and
    ``page_id``, ``canonical_article_id``, ``is_duplicate`` of ``clusters`` (pages missing there keep their own
    page as article). ``comment_id`` is the xxh3-64 of article id, normalised author and normalised text;
    ``is_duplicate``: the same author and text already stand in the merged thread (an earlier comment of the
    canonical page, of another page of the cluster, or in ``prior_comment_keys`` of earlier runs). Within a
    thread the canonical page's comments come first, then the other pages by ``page_id``, each in
    ``position`` order.

    Every comment of a thread (all pages folded into one canonical article) must be in ``comments``;
    the other threads may be elsewhere (each partition of ``hash(canonical article id)`` is merged alone).
    """
    base = comments.drop(
        [c for c in ("article_id", "comment_id", "text_hash", "is_duplicate", "repeat_count", "is_repeated")
         if c in comments.columns]
    )
    joined = base.with_row_index("_row").join(
        clusters.select("page_id", "canonical_article_id", pl.col("is_duplicate").alias("_page_dup")),
        on="page_id",
        how="left",
    )
    text_norm = _comment_text_key(joined.get_column("text").cast(pl.String))
    author_norm = _comment_text_key(joined.get_column("author").cast(pl.String))
    article = joined.select(pl.coalesce("canonical_article_id", "page_id")).to_series()
    joined = joined.with_columns(
        article.alias("article_id"),
        hash_series(text_norm).alias("text_hash"),
        hash_series(article + "\x1f" + author_norm + "\x1f" + text_norm).alias("comment_id"),
    )
    prior = _prior_keys(prior_comment_keys)
    seen_prior = prior.select("comment_id").unique().with_columns(pl.lit(value=True).alias("_seen_prior"))
    ordered = (
        joined.sort([pl.col("_page_dup").fill_null(value=False), "page_id", "position", "_row"])
        .join(seen_prior, on="comment_id", how="left", maintain_order="left")
        .with_columns(
            ((pl.int_range(pl.len()).over("comment_id") > 0) | pl.col("_seen_prior").fill_null(value=False))
            .alias("is_duplicate")
        )
    )
    return ordered.sort("_row").drop("_row", "_page_dup", "canonical_article_id", "_seen_prior")


def _prior_keys(prior_comment_keys: pl.DataFrame | None) -> pl.DataFrame:
    if prior_comment_keys is None:
        return pl.DataFrame(schema=polars_schema(COMMENT_KEYS))
    return prior_comment_keys.select(list(COMMENT_KEYS.names))


def text_counts(threads: pl.DataFrame, prior_comment_keys: pl.DataFrame | None) -> pl.DataFrame:
    """Count distinct merged-thread comments (this run's and earlier runs') and articles per text.

    Reads ``comment_id``, ``article_id``, ``text_hash``, ``is_duplicate`` of ``merge_threads`` output.
    Returns ``TEXT_COUNTS`` rows. Counts of disjoint sets of threads add up (a comment id names its
    article), so partitions of ``hash(canonical article id)`` are counted alone and summed.
    """
    prior = _prior_keys(prior_comment_keys)
    first = threads.filter(~pl.col("is_duplicate")).select("comment_id", "article_id", "text_hash")
    corpus = pl.concat([prior, first.cast(prior.schema)]).unique("comment_id")
    return corpus.group_by("text_hash").agg(
        pl.len().cast(pl.Int64).alias("repeat_count"),
        pl.col("article_id").n_unique().cast(pl.Int64).alias("n_articles"),
    )


def add_repeat_counts(threads: pl.DataFrame, counts: pl.DataFrame, *, min_articles_repeated: int = 2
                      ) -> pl.DataFrame:
    """Add ``repeat_count`` and ``is_repeated`` from ``TEXT_COUNTS`` rows (joined on ``text_hash``, order kept)."""
    return (
        threads.join(counts.select("text_hash", "repeat_count", "n_articles"), on="text_hash", how="left",
                     maintain_order="left")
        .with_columns(
            pl.col("repeat_count").fill_null(1).cast(pl.Int32),
            (pl.col("n_articles").fill_null(1) >= min_articles_repeated).alias("is_repeated"),
        )
        .drop("n_articles")
    )


def comment_keys(merged: pl.DataFrame) -> pl.DataFrame:
    """Return the ``COMMENT_KEYS`` of the merged comments that are no duplicate (``is_duplicate`` false).

    Reads ``comment_id``, ``article_id``, ``text_hash``, ``is_duplicate``. Append them to the keys of
    earlier runs to make the next run's ``prior_comment_keys``.
    """
    return merged.filter(~pl.col("is_duplicate")).select(list(COMMENT_KEYS.names)).unique(
        "comment_id", keep="first", maintain_order=True
    )


def merge_partition_comments(comments: pl.DataFrame, refs: pl.DataFrame, prior_keys: pl.DataFrame | None
                             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Merge the comment threads of one partition of ``hash(canonical article id)``.

    Args:
        comments: ``COMMENT_ROWS`` of the partition (every comment of its threads, from every shard).
        refs: ``ARTICLE_REFS`` of the partition.
        prior_keys: ``COMMENT_KEYS`` of earlier runs in the partition (or None), all of them: a comment
            already written (by an earlier run, of a page now read again) is a duplicate, never a second row.

    Returns:
        ``MERGED_COMMENT_PARTS`` rows (``merge_comments`` and the canonical page's shard and language,
        without the corpus-wide repeat counts), the partition's ``COMMENT_KEYS`` after this run, and its
        ``TEXT_COUNTS``.
    """
    comments = comments.sort("comment_row")
    pages = comments.select("page_id", "canonical_article_id",
                            pl.col("page_is_duplicate").alias("is_duplicate")).unique("page_id", keep="first")
    threads = merge_threads(comments.drop("canonical_article_id", "page_is_duplicate"), pages,
                            prior_comment_keys=prior_keys)
    canon = (refs.sort("ord").unique("article_id", keep="first", maintain_order=True)
             .select("article_id", "shard_id", pl.col("language").alias("_article_language")))
    merged = threads.join(canon, on="article_id", how="left", maintain_order="left").with_columns(
        language_inferred=pl.when(pl.col("language") != UND).then(pl.col("language"))
        .otherwise(pl.col("_article_language")),
        shard_id=pl.coalesce("shard_id", "own_shard"),
    )
    keys = comment_keys(merged)
    if prior_keys is not None:
        keys = pl.concat([prior_keys.select(keys.columns), keys]).unique("comment_id", keep="first",
                                                                         maintain_order=True)
    return (cast_to(merged, MERGED_COMMENT_PARTS), keys,
            text_counts(threads, prior_keys))



MERGE_PIECE_ROWS = 20_000
"""Comment rows per piece of a merge-comments partition: the merge holds one piece's threads at once. One
partition of a 20,000-page build (65,554 real comments, 36 MB in Arrow), merged alone with one polars thread
and the build's allocator settings, took the process 242 MB above what it held before in one piece, 201 MB
in two, 185 MB in four (20,000 rows a piece: 0.78 -> 0.93 CPU s) and 146 MB in seven. In one piece a
partition of 20,000 real pages (130,000 comments, a 100,000-page build) took its worker to 755 MB."""


def merge_pieces(comment_rows: int) -> int:
    """Pieces of hash(article) that merge-comments cuts a partition of ``comment_rows`` comments into (>= 1)."""
    return max(1, -(-comment_rows // MERGE_PIECE_ROWS))


def thread_article() -> pl.Expr:
    """Expression: the article a ``COMMENT_ROWS`` row's thread folds into (its canonical article, else its page)."""
    return pl.coalesce("canonical_article_id", "page_id")


def in_thread_piece(article: pl.Expr, piece: int, pieces: int) -> pl.Expr:
    """Expression: ``article`` (an article id) falls in piece ``piece`` of ``pieces``.

    Every row of a thread (its comments, its canonical article's ref, its earlier runs' keys) names the same
    article, so each thread lies whole in one piece and a piece is merged alone, like a partition.
    """
    return (article.hash() % pieces) == piece


def sum_piece_counts(counts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """``TEXT_COUNTS`` of pieces of disjoint threads added up per text (as ``text_counts`` of them together)."""
    if len(counts) == 1:
        return counts[0]
    return pl.concat(counts).group_by("text_hash", maintain_order=True).agg(
        pl.col("repeat_count").sum(), pl.col("n_articles").sum())


def comment_rows(comments: pl.DataFrame, pages: pl.DataFrame, clusters: pl.DataFrame, *, shard_id: str,
                 shard_no: int, parts: int) -> pl.DataFrame:
    """A shard's comments with what the merge needs (``COMMENT_ROWS`` plus ``part``: of the canonical article).

    Args:
        comments: ``TAGGED_COMMENTS`` of the shard.
        pages: ``page_id``, ``site``, ``source_path``, ``crawl_month`` of the shard's pages.
        clusters: ``DUPLICATE_CLUSTERS`` of the shard.
        shard_id: the shard; shard_no: its number in the run; parts: partitions.
    """
    out = comments.with_row_index("comment_row").with_columns(
        (pl.col("comment_row").cast(pl.Int64) + (shard_no << COMMENT_SHARD_BITS)).alias("comment_row")
    ).join(pages.select("page_id", "site", "source_path", "crawl_month"), on="page_id", how="left",
           maintain_order="left").join(
        clusters.select("page_id", "canonical_article_id", pl.col("is_duplicate").alias("page_is_duplicate")),
        on="page_id", how="left", maintain_order="left",
    ).with_columns(pl.lit(shard_id).alias("own_shard"))
    article = out.select(pl.coalesce("canonical_article_id", "page_id")).to_series()
    return out.with_columns(partition_of(article, parts).alias("part"))


def article_refs(clusters: pl.DataFrame, articles: pl.DataFrame, ords: pl.DataFrame, *, shard_id: str,
                 parts: int) -> pl.DataFrame:
    """A shard's canonical articles (``ARTICLE_REFS`` plus ``part``: of the article id): the shard and
    language their comments ship with.

    Args:
        clusters: ``DUPLICATE_CLUSTERS`` of the shard (reads its canonical pages).
        articles: ``page_id``, ``language`` of the shard's tagged articles.
        ords: ``page_id``, ``ord`` of the shard's pages.
    """
    canon = (
        clusters.filter(~pl.col("is_duplicate"))
        .select(pl.col("canonical_article_id").alias("article_id"), "page_id")
        .join(articles.select("page_id", "language"), on="page_id", how="left", maintain_order="left")
        .with_columns(pl.lit(shard_id).alias("shard_id"))
        .join(ords.unique("page_id", keep="first"), on="page_id", how="left", maintain_order="left")
    )
    return canon.select("article_id", "ord", "shard_id", "language").with_columns(
        partition_of(canon.get_column("article_id"), parts).alias("part"))


def sum_text_counts(counts: pl.LazyFrame, texts: pl.LazyFrame) -> pl.DataFrame:
    """Sum the ``TEXT_COUNTS`` of every partition for the texts in ``texts`` (a ``text_hash`` column)."""
    return (counts.join(texts.select("text_hash").unique(), on="text_hash", how="semi")
            .group_by("text_hash").agg(pl.col("repeat_count").sum(), pl.col("n_articles").sum())
            .collect(engine="streaming"))


def shard_text_counts(counts: pl.LazyFrame, texts: pl.LazyFrame) -> pl.DataFrame:
    """``sum_text_counts`` spread by shard: for each shard (``part``) the summed counts of its own texts.

    Args:
        counts: ``TEXT_COUNTS`` of every partition.
        texts: ``part`` (the shard number) and ``text_hash`` of the run's merged comments.

    Returns:
        ``TEXT_COUNTS`` plus ``part``: one row per distinct (shard, text) that has a count, so the write
        step of a shard reads only its own rows, not the counts of the whole run.
    """
    totals = sum_text_counts(counts, texts)
    return (texts.select("part", "text_hash").unique().join(totals.lazy(), on="text_hash", how="inner")
            .collect(engine="streaming"))


REPEAT_PIECE_ROWS = 250_000
"""Merged comment rows per piece of count-repeats: a piece's distinct texts and counts are held at once.

count-repeats runs in the build's own process, beside the two idle workers and the API server. On the
115,355 merged comments of a 20,000-page real build it took the process 70 MB above its base in one piece, 53
in three and 47 in seven (0.14, 0.16, 0.22 CPU s): about 0.25 kB a row above 40 MB, so the 2,000,000 rows
a piece held before were about 500 MB. Each piece scans the ``part`` and ``text_hash`` columns of every
merged comment again (at 1,000,000 pages, 28 pieces over about 7 million rows)."""


def repeat_pieces(comment_rows: int) -> int:
    """Pieces of hash(text) that count-repeats cuts ``comment_rows`` merged comments into (at least one)."""
    return max(1, -(-comment_rows // REPEAT_PIECE_ROWS))


def in_piece(piece: int, pieces: int) -> pl.Expr:
    """Expression: the row's ``text_hash`` falls in piece ``piece`` of ``pieces``."""
    return (pl.col("text_hash").hash() % pieces) == piece


def shard_numbers(shard_id: pl.Expr, shards: Sequence[str]) -> pl.Expr:
    """Expression: the number (position in ``shards``, the run's shard ids in order) of each shard id."""
    return shard_id.replace_strict(list(shards), list(range(len(shards))), return_dtype=pl.Int32)
