"""``COMMENTS``: reader comments of the shipped articles (``OUT/comments/``).

Hive-partitioned by the comment's own ``language`` and the article's ``crawl_month``.
"""

import pyarrow as pa

from schemas.common import PII_KINDS_TYPE, SIGNALS, UTC_TIMESTAMP, field

COMMENTS_PARTITION = pa.schema(
    [
        field("language", pa.string(), "ISO 639-1 code of the comment text, or 'und' when undetermined.",
              nullable=False),
        field("crawl_month", pa.string(), "YYYY-MM of the fetch of the page the comment was read on.",
              nullable=False),
    ]
)

COMMENTS = pa.schema(
    [
        field("comment_id", pa.string(), "Stable id: xxh3-64 hex of article_id, author and normalised text (with "
              "--pseudonymize: the HMAC-SHA256 of that id under the pseudonym key, 16 hex characters).",
              nullable=False),
        field("article_id", pa.string(), "Article the comment belongs to (join key to articles).",
              nullable=False),
        field("page_id", pa.string(), "Input record the comment was parsed from.", nullable=False),
        field("site", pa.string(), "Site of the page the comment was read on.", nullable=False),
        field("position", pa.int32(), "0-based order of the comment on the page.", nullable=False),
        field("parent_position", pa.int32(), "position of the comment this one replies to, when the page shows it."),
        field("author", pa.string(), "Display name of the commenter; null when the page shows none, and always "
              "null with --pseudonymize.", text=True),
        field("author_id", pa.string(), "Pseudonymous commenter id: HMAC-SHA256 (24 hex characters) under the "
              "output's pseudonym key of site and the normalised author name; the same commenter of a site keeps it "
              "across articles and runs. Null without an author."),
        field("text", pa.string(), "Comment paragraphs joined by a blank line.", nullable=False, text=True),
        field("posted_at_text", pa.string(), "The comment's date as written on the page.", text=True),
        field("posted_at", UTC_TIMESTAMP,
              "posted_at_text read to UTC (tasks.extract.dates): two-digit years and relative dates by the page's "
              "fetch time, day/month order by the page's and site's dates; null where it cannot be read."),
        field("language_score", pa.float64(), "langdetect probability of language (null when 'und')."),
        field("language_inferred", pa.string(),
              "language when measured, else the article's language: inferred, not measured."),
        field("repeat_count", pa.int32(),
              "How many comments of the corpus carry this exact normalised text (1: unique).", nullable=False),
        field("is_repeated", pa.bool_(),
              "True when the same text stands under several articles (spam, signatures).", nullable=False),
        field("source_path", pa.string(), "Input file the comment came from, as given.", nullable=False, text=True),
        field("pii_kinds", PII_KINDS_TYPE, "Kinds of personal data found in the text (url_with_user, email, ip, "
              "phone); empty when none. With --redact-pii each span is replaced by its placeholder.", nullable=False),
        field("signals", SIGNALS, "Quality signals of the text (tasks/publish/signals.py).", nullable=False),
        *COMMENTS_PARTITION,
    ]
)
