"""Stage files after language detection (``_work/tagged``) and after comment merging (``_work/merged``).

They extend the parse output with the columns later stages add, so each column is still
declared once: the parse columns in ``schemas/parsed.py``, the added ones here.
"""

import pyarrow as pa

from schemas.common import field
from schemas.parsed import PARSED_COMMENTS, SCORED_ARTICLES

_LANGUAGE = [
    field("language", pa.string(), "ISO 639-1 code, or 'und' when undetermined.", nullable=False),
    field("language_score", pa.float64(), "langdetect probability of language (null when 'und')."),
]

TAGGED_ARTICLES = pa.schema(
    [
        *SCORED_ARTICLES,
        field("article_id", pa.string(), "xxh3-64 hex of the page text.", nullable=False),
        *_LANGUAGE,
    ]
)

TAGGED_COMMENTS = pa.schema([*PARSED_COMMENTS, *_LANGUAGE])

MERGED_COMMENTS = pa.schema(
    [
        *TAGGED_COMMENTS,
        field("comment_id", pa.string(), "Stable id of the comment.", nullable=False),
        field("article_id", pa.string(), "Canonical article the comment belongs to.", nullable=False),
        field("site", pa.string(), "Site of the page the comment was read on.", nullable=False),
        field("source_path", pa.string(), "Input file the comment came from.", nullable=False),
        field("language_inferred", pa.string(), "language when measured, else the article's language."),
        field("repeat_count", pa.int32(), "Comments of the corpus with this exact normalised text.",
              nullable=False),
        field("is_repeated", pa.bool_(), "Same text under several articles.", nullable=False),
        field("is_duplicate", pa.bool_(), "Already in the canonical article's thread.", nullable=False),
        field("shard_id", pa.string(),
              "Shard whose write step ships the comment: the canonical article's shard when this run wrote it, "
              "else the shard of the page the comment was read on.", nullable=False),
        field("crawl_month", pa.string(), "YYYY-MM of the fetch of the page the comment was read on.",
              nullable=False),
    ]
)
