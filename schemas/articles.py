"""``ARTICLES``: the shipped articles, one row per story (``OUT/articles/``).

Hive-partitioned by ``language`` and ``crawl_month``; the partition columns come last, as
readers such as ``polars.scan_parquet(hive_partitioning=True)`` return them.
"""

import pyarrow as pa

from schemas.common import PII_KINDS_TYPE, SIGNALS, UTC_TIMESTAMP, field
from schemas.parsed import STRIP_COUNTS

ARTICLES_PARTITION = pa.schema(
    [
        field("language", pa.string(), "ISO 639-1 code of title + body, or 'und' when undetermined.",
              nullable=False),
        field("crawl_month", pa.string(), "YYYY-MM of fetched_at (of ingested_at when the fetch time is unknown).",
              nullable=False),
    ]
)

ARTICLES = pa.schema(
    [
        field("article_id", pa.string(),
              "Stable id: xxh3-64 hex of the page text, so the same page content gets the same id on every run.",
              nullable=False),
        field("page_id", pa.string(), "Input record the article was parsed from.", nullable=False),
        field("site", pa.string(), "Registrable domain of the page, or 'unknown'.", nullable=False),
        field("site_source", pa.string(), "Where site came from: manifest, url, signature or unknown.",
              nullable=False),
        field("url", pa.string(), "URL of the page when known.", text=True),
        field("title", pa.string(), "Article headline; null when the page shows none.", text=True),
        field("body", pa.string(), "Article paragraphs joined by a blank line.", nullable=False, text=True),
        field("n_comments", pa.int32(), "Comments shipped for this article.", nullable=False),
        field("n_comments_stated", pa.int32(), "Comment count stated on the page ('18 Comments'), when shown."),
        field("parse_confidence", pa.float64(),
              "How sure the parser is that body is the article, 0-1 (weighted prose words of the body over 60); "
              "0 when no article was found and body is the page's best other text.", nullable=False),
        field("is_suspect", pa.bool_(),
              "parse_confidence under 0.5: no article found with confidence; body may be page chrome. Filter on it.",
              nullable=False),
        field("language_score", pa.float64(), "langdetect probability of language (null when 'und')."),
        field("content_hash", pa.string(), "xxh3-64 hex of the normalised body, the exact-duplicate key.",
              nullable=False),
        field("cluster_id", pa.string(), "Duplicate cluster the article is the canonical member of.",
              nullable=False),
        field("source_path", pa.string(), "Input file the article came from, as given.", nullable=False, text=True),
        field("input_format", pa.string(), "txt, html, warc or jsonl.", nullable=False),
        field("fetched_at", UTC_TIMESTAMP, "When the page was fetched (UTC), when known."),
        field("fetched_at_source", pa.string(), "Where fetched_at came from: warc, manifest, jsonl or file_mtime."),
        field("published_at", UTC_TIMESTAMP, "When the article was published (UTC), where the page states it."),
        field("n_lines_stripped", pa.int32(), "Non-blank lines of the page removed as boilerplate.",
              nullable=False),
        field("stripped_by_rule", STRIP_COUNTS, "Lines removed per rule family, for auditing the stripper.",
              nullable=False),
        field("has_replacement_chars", pa.bool_(), "True when decoding the page inserted U+FFFD.", nullable=False),
        field("ingested_at", UTC_TIMESTAMP, "When the run that wrote this row read the page (UTC).",
              nullable=False),
        field("pii_kinds", PII_KINDS_TYPE, "Kinds of personal data found in the body (url_with_user, email, ip, "
              "phone); empty when none. With --redact-pii each span is replaced by <URL_WITH_USER>, <EMAIL>, <IP> or "
              "<PHONE>.", nullable=False),
        field("signals", SIGNALS, "Quality signals of the body (tasks/publish/signals.py).", nullable=False),
        *ARTICLES_PARTITION,
    ]
)
