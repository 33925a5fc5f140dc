"""Selection: the one explicit step that decides what ships, and counts every reason.

Stages before this one only tag rows (``reject_reason``, ``language``, ``is_duplicate``).
Here the tags become the four output datasets:

- ``articles``: pages with a body, not folded into another article, in an accepted language;
- ``duplicates``: pages folded into a canonical article (exact, near, rescrape);
- ``rejects``: pages that could not become an article (unreadable, empty, binary, no readable text);
- pages whose language is not among those asked for are counted, not rejected.

Every input page lands in exactly one of these, and :func:`account` checks it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl
import pyarrow as pa

from schemas.articles import ARTICLES
from schemas.comments import COMMENTS
from schemas.duplicates import DUPLICATES
from schemas.rejects import REJECTS
from schemas.validate import cast_to, polars_schema
from tasks.ingest.readers import SKIPPED_PREFIX
from tasks.publish.release import ADDED_COLUMNS

logger = logging.getLogger(__name__)

PAGE_COLUMNS = ("page_id", "source_path", "record", "input_format", "url", "site", "site_source", "fetched_at",
                "fetched_at_source", "has_replacement_chars", "reject_reason", "reject_detail", "ingested_at",
                "published_at")
"""The PAGES columns :func:`select_outputs` reads: a caller need not read the pages' text and HTML."""


@dataclass(slots=True)
class Selection:
    """The frames that ship and the counts behind them."""

    articles: pl.DataFrame
    comments: pl.DataFrame
    duplicates: pl.DataFrame
    rejects: pl.DataFrame
    counts: dict[str, int] = field(default_factory=dict)


def crawl_month() -> pl.Expr:
    """``crawl_month``: YYYY-MM (UTC) of fetched_at, of ingested_at when the fetch time is unknown."""
    return pl.coalesce("fetched_at", "ingested_at").dt.convert_time_zone("UTC").dt.strftime("%Y-%m").alias(
        "crawl_month")


def select_outputs(
    pages: pl.DataFrame,
    articles: pl.DataFrame,
    clusters: pl.DataFrame,
    comments: pl.DataFrame,
    *,
    languages: Sequence[str] | None = None,
) -> Selection:
    """Decide what ships for one shard.

    Args:
        pages: PAGES rows of the shard (reads ``PAGE_COLUMNS``: page_id, source_path, record, site,
            site_source, url, input_format, fetched_at, fetched_at_source, published_at,
            has_replacement_chars, reject_reason, reject_detail, ingested_at). Records whose reject_reason starts with
            ``skipped_`` (WARC requests, metadata, non-HTML responses) are not pages: counted, not shipped.
        articles: parsed, language-tagged articles of the shard (reads page_id, title, body,
            n_lines_stripped, stripped_by_rule, n_comments_stated, parse_confidence, is_suspect, language,
            language_score). Articles found without confidence ship tagged ``is_suspect`` (counted as
            ``articles_suspect``); only a page whose parse has no text at all is a ``no_article`` reject.
        clusters: dedup decisions for the shard's pages (reads page_id, article_id, content_hash,
            cluster_id, canonical_article_id, is_duplicate, duplicate_kind, similarity).
        comments: merged comments this shard ships (reads article_id, page_id, crawl_month,
            position, parent_position, author, text, posted_at_text, posted_at, language,
            language_score, language_inferred, repeat_count, is_repeated, is_duplicate, site).
        languages: ISO codes to keep; None keeps all.

    Returns:
        The ARTICLES (less ``pii_kinds``, ``signals``), COMMENTS (less ``author_id``, ``pii_kinds``,
        ``signals``: ``tasks.publish.release`` adds them), DUPLICATES and REJECTS frames and the counts per reason.
    """
    is_skipped = pl.col("reject_reason").fill_null("").str.starts_with(SKIPPED_PREFIX)
    skipped = pages.filter(is_skipped)  # container records that are not pages (WARC requests, metadata...)
    pages = pages.filter(~is_skipped)
    ing = pages.filter(pl.col("reject_reason").is_not_null())
    ok_pages = pages.filter(pl.col("reject_reason").is_null())
    joined = (
        ok_pages.drop("reject_reason", "reject_detail")
        .join(articles, on="page_id", how="left")
        .join(clusters, on="page_id", how="left")
        .with_columns(crawl_month())
    )
    no_article = joined.filter(pl.col("body").fill_null("").str.strip_chars() == "")
    candidates = joined.filter(pl.col("body").fill_null("").str.strip_chars() != "")
    dup_mask = pl.col("is_duplicate").fill_null(value=False)
    dups = candidates.filter(dup_mask)
    kept = candidates.filter(~dup_mask)
    if languages:
        wanted = [lang.strip().lower() for lang in languages if lang.strip()]
        lang_ok = pl.col("language").is_in(wanted)
        filtered = kept.filter(~lang_ok)
        kept = kept.filter(lang_ok)
    else:
        filtered = kept.clear()

    rejects = pl.concat(
        [
            ing.select(
                "source_path", "record", "page_id", pl.col("reject_reason").alias("reason"),
                pl.col("reject_detail").alias("detail"), "ingested_at", pl.lit("ingest").alias("stage"),
            ),
            no_article.select(
                "source_path", "record", "page_id", pl.lit("no_article").alias("reason"),
                pl.lit("no article text was found on the page").alias("detail"), "ingested_at",
                pl.lit("parse").alias("stage"),
            ),
        ]
    ).pipe(cast_to, REJECTS)

    duplicates = dups.select(
        "page_id", "source_path", "url", "site", "article_id",
        pl.col("canonical_article_id").alias("duplicate_of"), "cluster_id", "similarity", "fetched_at",
        "ingested_at", pl.col("duplicate_kind").alias("kind"),
    ).pipe(cast_to, DUPLICATES)

    unshipped = pl.concat([no_article.select("article_id"), filtered.select("article_id")])["article_id"]
    orphan = pl.col("article_id").is_in(unshipped.implode())
    orphans = comments.filter(orphan)
    comments = comments.filter(~orphan)
    kept_comments = comments.filter(~pl.col("is_duplicate").fill_null(value=False))
    n_comments = kept_comments.group_by("article_id").agg(pl.len().cast(pl.Int32).alias("n_comments"))
    out_articles = (
        kept.join(n_comments, on="article_id", how="left")
        .with_columns(pl.col("n_comments").fill_null(0))
        .select(list(_selected(ARTICLES)))
        .cast(_selected(ARTICLES))  # type: ignore[arg-type]
    )
    out_comments = (
        kept_comments.select(list(_selected(COMMENTS)))
        .cast(_selected(COMMENTS))  # type: ignore[arg-type]
    )
    counts = {
        "pages_in": pages.height,
        "articles": out_articles.height,
        "duplicates": duplicates.height,
        "rejects": rejects.height,
        "filtered_language": filtered.height,
        "comments": out_comments.height,
        "comments_duplicate": comments.height - kept_comments.height,
        "comments_of_unshipped_pages": orphans.height,
        "articles_suspect": int(out_articles.get_column("is_suspect").sum()),
    }
    for lang, n in out_articles.group_by("language").len().iter_rows():
        counts[f"articles_language_{lang}"] = n
    for lang, n in out_comments.group_by("language").len().iter_rows():
        counts[f"comments_language_{lang}"] = n
    stripped = out_articles.select(pl.col("stripped_by_rule").explode().struct.unnest()).drop_nulls("rule")
    for rule, n in stripped.group_by("rule").agg(pl.col("n_lines").sum()).iter_rows():
        counts[f"lines_stripped_{rule}"] = int(n)
    for reason, n in skipped.group_by("reject_reason").len().iter_rows():
        counts[f"records_{reason}"] = n
    for reason, n in rejects.group_by("reason").len().iter_rows():
        counts[f"rejected_{reason}"] = n
    for kind, n in duplicates.group_by("kind").len().iter_rows():
        counts[f"duplicate_{kind}"] = n
    return Selection(out_articles, out_comments, duplicates, rejects, counts)


def _selected(schema: pa.Schema) -> dict[str, pl.DataType]:
    """The columns of a shipped dataset that selection decides, with their dtypes: all but those the
    publish step adds (``tasks.publish.release.ADDED_COLUMNS``)."""
    return {n: t for n, t in polars_schema(schema).items() if n not in ADDED_COLUMNS}


class AccountingError(RuntimeError):
    """Input pages and output rows do not add up."""


def account(counts: dict[str, int]) -> None:
    """Raise unless pages in = articles + duplicates + rejects + filtered_language."""
    out = counts["articles"] + counts["duplicates"] + counts["rejects"] + counts["filtered_language"]
    if counts["pages_in"] != out:
        raise AccountingError(
            f"{counts['pages_in']} pages in, but {counts['articles']} articles + {counts['duplicates']} duplicates"
            f" + {counts['rejects']} rejects + {counts['filtered_language']} filtered = {out}"
        )
